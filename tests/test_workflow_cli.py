"""``claimed-cwl workflow build``: run a pipeline file, write its CWL, show errors with their traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from _workflow_helpers import TOOLS, cwltool_validate

from claimed_cwl.cli import main

PIPELINE = f'''
from claimed_cwl.workflow import Workflow, File, load_operator

make = load_operator({str(TOOLS / "make_lines.cwl")!r})
count = load_operator({str(TOOLS / "count_lines.cwl")!r})

with Workflow("count-one") as sub:
    data = sub.input("data", File)
    sub.output("count", count(data=data).outputs.count)

with Workflow("make-and-count") as wf:
    n = wf.input("n", int, default=3)
    wf.output("count", sub(data=make(n=n).outputs.lines).outputs.count)

if __name__ == "__main__":
    raise SystemExit("must not run")
'''


def test_build_writes_the_top_level_workflow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pipeline = tmp_path / "pipeline.py"
    pipeline.write_text(PIPELINE)
    assert main(["workflow", "build", str(pipeline), "--pack"]) == 0
    out = tmp_path / "make-and-count"
    assert sorted(p.name for p in out.iterdir()) == [
        "count-lines.cwl", "count-one.cwl", "make-and-count.cwl", "make-and-count.packed.cwl", "make-lines.cwl"
    ]
    printed = capsys.readouterr().out.split()
    assert printed == [str(out / "make-and-count.cwl"), str(out / "make-and-count.packed.cwl")]
    cwltool_validate(out / "make-and-count.packed.cwl")


def test_build_by_name_and_output_dir(tmp_path: Path) -> None:
    pipeline = tmp_path / "pipeline.py"
    pipeline.write_text(PIPELINE)
    assert main(["workflow", "build", str(pipeline), "--name", "sub", "-o", str(tmp_path / "o")]) == 0
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["count-lines.cwl", "count-one.cwl"]
    assert main(["workflow", "build", str(pipeline), "--name", "nope"]) == 1


def test_error_in_the_pipeline_shows_the_user_frames(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pipeline = tmp_path / "broken.py"
    pipeline.write_text(PIPELINE.replace("count(data=data)", "count(data=3)"))
    assert main(["workflow", "build", str(pipeline), "-o", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "the pipeline failed" in err
    assert f'File "{pipeline}", line 9, in <module>' in err
    assert "count(data=3)" in err
    assert "count-lines.data (File): 3 is not a valid File value" in err
    assert "claimed_cwl/workflow" not in err and "runpy" not in err
    assert not (tmp_path / "o").exists()


def test_syntax_error_and_no_workflow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "syntax.py"
    broken.write_text("x = (\n")
    assert main(["workflow", "build", str(broken)]) == 1
    assert "SyntaxError" in capsys.readouterr().err
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    assert main(["workflow", "build", str(empty)]) == 1
    assert "defines no module-level Workflow" in capsys.readouterr().err
