"""Helpers shared by the workflow, KFP import and viz tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from _artifact_checks import load_cwl, validate_cwl

DATA = Path(__file__).parent / "data"
TOOLS = DATA / "workflow"
KFP = DATA / "kfp"
CWLTOOL = str(Path(sys.executable).parent / "cwltool")


def cwltool_validate(path: Path) -> None:
    """Assert that ``cwltool --validate`` accepts ``path`` and cwl-utils loads it."""
    code, log = validate_cwl([path])[path]
    assert code == 0, log
    assert "is valid CWL" in log
    assert load_cwl(path) is not None


def cwltool_run(path: Path, job: dict[str, Any], outdir: Path) -> dict[str, Any]:
    """Run ``path`` with ``cwltool --no-container``; return the output object."""
    job_file = outdir.parent / f"{outdir.name}-job.json"
    job_file.write_text(json.dumps(job))
    result = subprocess.run(
        [CWLTOOL, "--quiet", "--no-container", "--outdir", str(outdir), str(path), str(job_file)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    output: dict[str, Any] = json.loads(result.stdout)
    return output


def build_chunked_count() -> Any:
    """A workflow with data flow, after(), a scattered subworkflow and a step over its list output."""
    from claimed_cwl.workflow import File, Workflow, load_operator

    make = load_operator(TOOLS / "make_lines.cwl")
    split = load_operator(TOOLS / "split_lines.cwl")
    count = load_operator(TOOLS / "count_lines.cwl")
    total = load_operator(TOOLS / "sum_ints.cwl")
    wait = load_operator(TOOLS / "wait_a_moment.cwl")

    with Workflow("count-one", doc="Count the lines of one file.") as sub:
        data = sub.input("data", File)
        sub.output("count", count(data=data).outputs.count)

    with Workflow("chunked-count") as wf:
        n = wf.input("n", int, default=5)
        size = wf.input("size", int, default=2)
        lines = make(n=n)
        pause = wait().after(lines)
        chunks = split(data=lines.outputs.lines, size=size).after(pause)
        counts = sub.scatter("data", over=chunks.outputs.chunks)
        wf.output("counts", counts.outputs.count)
        wf.output("total", total(values=counts.outputs.count).outputs.total)
    return wf
