"""Workflows built in Python really run: data flow, after(), scatter and a subworkflow (cwltool, no container)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _workflow_helpers import TOOLS, build_chunked_count, cwltool_run

from claimed_cwl.workflow import File, Workflow, load_operator

pytestmark = pytest.mark.slow


def test_saved_workflow_runs_end_to_end(tmp_path: Path) -> None:
    main = build_chunked_count().save(tmp_path / "wf")
    output = cwltool_run(main, {"n": 7}, tmp_path / "out")
    # 1..7 split into chunks of 2 lines: 2, 2, 2, 1; the scattered subworkflow counts each chunk.
    assert output["counts"] == [2, 2, 2, 1]
    assert Path(output["total"]["path"]).read_text().strip() == "7"


def test_packed_workflow_runs_with_other_inputs(tmp_path: Path) -> None:
    packed = build_chunked_count().pack(tmp_path / "packed.cwl")
    output = cwltool_run(packed, {"n": 5, "size": 3}, tmp_path / "out")
    assert output["counts"] == [3, 2]
    assert Path(output["total"]["path"]).read_text().strip() == "5"


def test_file_input_and_literal_arguments(tmp_path: Path) -> None:
    split = load_operator(TOOLS / "split_lines.cwl")
    count = load_operator(TOOLS / "count_lines.cwl")
    with Workflow("split-file") as wf:
        text = wf.input("text", File)
        chunks = split(data=text, size=4)
        wf.output("counts", count.scatter("data", over=chunks.outputs.chunks, label="c").outputs.count)
    data = tmp_path / "in.txt"
    data.write_text("".join(f"{i}\n" for i in range(10)))
    output = cwltool_run(wf.save(tmp_path / "wf"), {"text": {"class": "File", "path": str(data)}}, tmp_path / "out")
    assert output["counts"] == [4, 4, 2]
