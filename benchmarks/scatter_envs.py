"""Benchmark: the example scatter workflow under local (cwltool --parallel), toil-local and slurm.

Needs the Docker engine, the example operator images (claimed/claimed-*:0.1.0:
tests/test_example_workflows.py or scripts/run-example.sh build them) and, for
the slurm column, the cluster of scripts/slurm.sh (started here when it is
not running, and stopped again).

    python benchmarks/scatter_envs.py [--widths 2,8,32] [--envs local,toil-local,slurm]

workflows/scatter_seeds runs with seeds 1..W for each width W (W data sets,
W R summaries, a merge and an archive: 2W + 4 steps). Printed side by side:
wall time, and peak memory as max RSS of the runner's process tree as the
kernel reports it to wait4 (the leader and the workers it waits for; on Slurm
the workers are slurmd's children and not counted; container memory is the
engine's). Every run's outputs are compared with the local run's, byte for byte.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SCATTER = REPO / "workflows" / "scatter_seeds" / "scatter-seeds.packed.cwl"
sys.path.insert(0, str(REPO / "tests"))

from _toil_helpers import runner_argv  # noqa: E402

ENVS: dict[str, tuple[str, dict[str, Any]]] = {
    "local": ("cwltool", {"parallel": True}),
    "toil-local": ("toil", {}),
    "slurm": ("toil", {"batch_system": "slurm"}),
}


def run_once(env_name: str, width: int, scratch: Path) -> tuple[float, int, Any]:
    """Wall seconds, max RSS (KiB) and the output contents of one run, which must succeed."""
    backend, fields = ENVS[env_name]
    out = scratch / f"{env_name}-{width}"
    job = scratch / f"job-{width}.json"
    job.write_text(json.dumps({"seeds": list(range(1, width + 1))}), encoding="utf-8")
    extra = {"workdir": out / "work"} if env_name == "slurm" else {}
    argv = runner_argv(SCATTER, backend, outdir=out / "out", job=job, **fields, **extra)
    with open(out.parent / f"{out.name}.stdout", "w+", encoding="utf-8") as stdout, \
         open(out.parent / f"{out.name}.stderr", "w+", encoding="utf-8") as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdout=stdout, stderr=stderr, cwd=scratch)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            stderr.seek(0)
            raise SystemExit(f"{env_name} width {width} failed:\n{stderr.read()[-3000:]}")
        stdout.seek(0)
        result = json.loads(stdout.read())
    return wall, usage.ru_maxrss, _contents(result)


def _contents(value: Any) -> Any:
    if isinstance(value, list):
        return [_contents(item) for item in value]
    if isinstance(value, dict) and value.get("class") == "File":
        return Path(value["path"]).read_bytes()
    if isinstance(value, dict):
        return {key: _contents(item) for key, item in sorted(value.items())}
    return value


def ensure_slurm() -> bool:
    """Start scripts/slurm.sh's cluster unless it runs; set SLURM_CONF; True when this call started it."""
    script = ["bash", str(REPO / "scripts" / "slurm.sh")]
    started = subprocess.run([*script, "status"], capture_output=True, check=False).returncode != 0
    if started:
        t0 = time.perf_counter()
        subprocess.run([*script, "start"], check=True, capture_output=True)
        print(f"slurm cluster started in {time.perf_counter() - t0:.1f} s")
    conf = subprocess.run([*script, "env"], capture_output=True, text=True, check=True).stdout
    os.environ["SLURM_CONF"] = conf.strip().removeprefix("export SLURM_CONF=")
    return started


def main() -> int:
    """Run every environment at every width; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--widths", default="2,8,32", help="comma-separated scatter widths")
    parser.add_argument("--envs", default=",".join(ENVS), help="comma-separated environments")
    args = parser.parse_args()
    widths = [int(w) for w in args.widths.split(",")]
    envs = args.envs.split(",")
    started = ensure_slurm() if "slurm" in envs else False
    results: dict[tuple[str, int], tuple[float, int]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-scatter-") as scratch:
            for width in widths:
                reference = None
                for env_name in envs:
                    wall, rss, contents = run_once(env_name, width, Path(scratch))
                    reference = contents if reference is None else reference
                    same = "same outputs" if contents == reference else "OUTPUTS DIFFER"
                    print(f"  {env_name:<11} width {width:>3}: {wall:7.1f} s, {rss / 1024:6.0f} MiB ({same})",
                          flush=True)
                    results[env_name, width] = (wall, rss)
    finally:
        if started:
            subprocess.run(["bash", str(REPO / "scripts" / "slurm.sh"), "stop"], check=False, capture_output=True)
    print(f"\n{'width':>5} | " + " | ".join(f"{name + ' s / MiB':>20}" for name in envs))
    for width in widths:
        cells = [f"{results[e, width][0]:9.1f} / {results[e, width][1] / 1024:7.0f}" for e in envs]
        print(f"{width:>5} | " + " | ".join(f"{cell:>20}" for cell in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
