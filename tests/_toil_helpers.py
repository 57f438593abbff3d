"""Helpers shared by the Toil tests (tests/test_toil_local.py, tests/test_toil_slurm.py) and the benchmark.

Two tiny operators of tests/toil_ops/ are built into images, and a workflow
scatters them: ``slow-square`` (1 core; waits ``delay`` seconds, writes
``value value²``) over a list of values, then ``two-core-sum`` (asks for
2 cores and 300 MiB: ``# claimed: cores=2 ram=300Mi``) over the squares.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from claimed_cwl.build.operator_build import build_operator
from claimed_cwl.emit import ArtifactSettings, ImageSettings
from claimed_cwl.workflow import Workflow, load_operator

__all__ = ["OPS", "build_square_sum", "expected_outputs", "output_texts", "runner_argv", "write_job"]

OPS = Path(__file__).resolve().parent / "toil_ops"
SETTINGS = ArtifactSettings(image=ImageSettings(repository="claimed-test", version="toil"))


def build_square_sum(client: Any, root: Path) -> Path:
    """Build both operator images; write and return the packed ``square-sum`` workflow."""
    square = build_operator(client, OPS / "slow_square.py", (), SETTINGS, root / "slow_square")
    total = build_operator(client, OPS / "two_core_sum.py", (), SETTINGS, root / "two_core_sum")
    square_op, sum_op = load_operator(square.cwl), load_operator(total.cwl)
    with Workflow("square-sum", doc="Square each value (slowly), then add each value to its square.") as wf:
        values = wf.input("values", list[int], default=[1, 2, 3])
        delay = wf.input("delay", float, default=0.0)
        squares = square_op.scatter("value", over=values, delay=delay)
        sums = sum_op.scatter("input_file", over=squares.outputs.output_square)
        wf.output("squares", squares.outputs.output_square)
        wf.output("sums", sums.outputs.output_sum)
    packed = root / "square-sum.packed.cwl"
    wf.pack(packed)
    return packed


def write_job(path: Path, values: list[int], delay: float) -> Path:
    """A job file for ``square-sum``."""
    path.write_text(json.dumps({"values": values, "delay": delay}), encoding="utf-8")
    return path


def expected_outputs(values: list[int]) -> dict[str, list[str]]:
    """The texts the workflow must produce for ``values``, in scatter order."""
    return {"squares": [f"{v} {v * v}\n" for v in values], "sums": [f"{v + v * v}\n" for v in values]}


def output_texts(result: dict[str, Any]) -> dict[str, list[str]]:
    """Output id -> the texts of its list of File outputs."""
    return {name: [Path(item["path"]).read_text(encoding="utf-8") for item in items]
            for name, items in result.items()}


RUNNER = """
import json, sys
from pathlib import Path
from claimed_cwl.runners.base import RunOptions, run_cwl
fields = json.loads(sys.argv[1])
for key in ("outdir", "workdir", "job"):
    if fields.get(key) is not None:
        fields[key] = Path(fields[key])
fields["batch_args"] = tuple(fields.get("batch_args", ()))
sys.exit(run_cwl(Path(sys.argv[2]), RunOptions(**fields), backend=sys.argv[3]))
"""


def runner_argv(document: Path, backend: str = "toil", **fields: Any) -> list[str]:
    """A command that runs ``document`` through ``run_cwl`` in a child Python with ``RunOptions(**fields)``.

    Path values are given as strings. A child process, so that a test can kill it (and its process group).
    """
    return [sys.executable, "-c", RUNNER, json.dumps({k: str(v) if isinstance(v, Path) else v
                                                      for k, v in fields.items()}), str(document), backend]
