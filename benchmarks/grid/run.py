"""Grid workflow wall time vs. a bare `docker run` loop, and coordination overhead per batch.

    python benchmarks/grid/run.py [--batches 200] [--skip-coordination] [--json out.json]
    python benchmarks/grid/run.py --workers-only 200,2000,20000     # how workers mode grows with the batches
    python benchmarks/grid/run.py --concurrent-runs --batches 400    # one run vs. two at once on one coordinator

With 2-way parallelism on this machine (2 cores), for BATCHES trivial batches:

- bare loop: the same container started BATCHES times, ``docker run --rm --network none IMAGE
  python /opt/app/bench_op.py`` through ``xargs -P2``;
- per-batch grid workflow: ``claimed-cwl run --parallel`` (cwltool schedules by ResourceRequirement
  ``coresMin: 1``, so 2 scatter jobs run at once), one container per batch plus list + report;
- ``--workers 2`` grid workflow: 2 containers that loop over the batches through the coordinator;
- lock+mark overhead per batch on a local directory and on S3 (benchmarks/grid_coordination.py).

Targets (issue #7): per-batch <= 1.3x the bare loop; workers mode >= 5x faster than the bare loop;
S3 coordination < 20 ms per batch.
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

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
OPERATOR = HERE / "bench_op.py"
IMAGE = "claimed/claimed-bench-op-grid:bench"


def _claimed(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "claimed_cwl", *args], check=True, capture_output=True,
                          text=True, cwd=cwd)


def compile_grid(out: Path, workers: int | None) -> Path:
    """Compile (and build) the benchmark grid; return the workflow file."""
    args = ["grid", str(OPERATOR), "--version", "bench", "--out", str(out), "--build"]
    if workers:
        args += ["--workers", str(workers)]
    _claimed(*args)
    return out / "bench-op-grid.cwl"


def bare_loop(batches: int) -> float:
    """Wall seconds of BATCHES ``docker run`` of the image, two at a time."""
    command = f"docker run --rm --network none {IMAGE} python /opt/app/bench_op.py"
    started = time.perf_counter()
    subprocess.run(["xargs", "-P2", "-I{}", "sh", "-c", command], input="\n".join(map(str, range(batches))) + "\n",
                   check=True, text=True, capture_output=True)
    return time.perf_counter() - started


def grid_run(workflow: Path, root: Path, batches: int) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB, GNU time) of one `claimed-cwl run --parallel` of ``workflow``."""
    coordinator = root / "coord"
    coordinator.mkdir()
    batch_file = root / "batches.txt"
    batch_file.write_text(",".join(f"b{i:04d}" for i in range(batches)) + "\n")
    rss_file = root / "max_rss_kib"
    started = time.perf_counter()
    subprocess.run(["/usr/bin/time", "-o", str(rss_file), "-f", "%M", sys.executable, "-m", "claimed_cwl", "run",
                    "--parallel", "--quiet", "--outdir", str(root / "out"), str(workflow),
                    "--gw_coordinator", str(coordinator), "--gw_batch_file", str(batch_file)],
                   check=True, capture_output=True, text=True)
    wall = time.perf_counter() - started
    processed = len(list(coordinator.glob("*.processed")))
    if processed != batches:
        raise SystemExit(f"{workflow.name}: only {processed} of {batches} batches processed")
    return wall, int(rss_file.read_text().split()[-1]) / 1024


def coordination(batches: int) -> list[dict[str, float]]:
    """ms per batch of lock + mark on local and S3, from benchmarks/grid_coordination.py."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "coord.json"
        subprocess.run([sys.executable, str(REPO / "benchmarks" / "grid_coordination.py"), "--sizes", str(batches),
                        "--backends", "local,s3", "--json", str(out)], check=True, capture_output=True, text=True)
        rows: list[dict[str, float]] = json.loads(out.read_text())
        return rows


def workers_scaling(counts: list[int], json_path: str | None) -> int:
    """Wall time and peak RSS of the --workers 2 workflow at each batch count."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="grid-bench-") as tmp:
        root = Path(tmp)
        workers = compile_grid(root / "workers", 2)
        for count in counts:
            (root / f"r{count}").mkdir()
            wall, rss = grid_run(workers, root / f"r{count}", count)
            rows.append({"batches": count, "wall_s": wall, "max_rss_mib": rss})
            print(f"--workers 2, {count:6d} batches: {wall:6.1f} s ({wall / count * 1000:.1f} ms a batch), "
                  f"max RSS {rss:.0f} MiB", flush=True)
    if json_path:
        Path(json_path).write_text(json.dumps(rows, indent=1) + "\n")
    return 0


def _start_run(workflow: Path, root: Path, name: str, coordinator: Path, batch_file: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "claimed_cwl", "run", "--parallel", "--quiet", "--outdir",
                             str(root / name), str(workflow), "--gw_coordinator", str(coordinator),
                             "--gw_batch_file", str(batch_file)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)


def _processed_by(outdir: Path) -> int:
    """Batches a run's workers processed (their result files), not the ones they found done."""
    return sum(outcome == "processed" for path in outdir.glob("gw_result-*.json")
               for outcome in json.loads(path.read_text()).values())


def concurrent_runs(batches: int, json_path: str | None) -> int:
    """Wall time of one ``--workers 2`` run vs. two started together on one coordinator (and who did what)."""
    rows: dict[str, object] = {"batches": batches, "load_before": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="grid-bench-") as tmp:
        root = Path(tmp)
        workers = compile_grid(root / "workers", 2)
        for runs in (1, 2):
            case = root / f"runs{runs}"
            (case / "coord").mkdir(parents=True)
            batch_file = case / "batches.txt"
            batch_file.write_text(",".join(f"b{i:05d}" for i in range(batches)) + "\n")
            started = time.perf_counter()
            procs = [_start_run(workers, case, f"run{i}", case / "coord", batch_file) for i in range(runs)]
            if any(proc.wait() != 0 for proc in procs):
                raise SystemExit(f"a run of {runs} failed")
            wall = time.perf_counter() - started
            shares = [_processed_by(case / f"run{i}") for i in range(runs)]
            rows[f"runs{runs}_s"], rows[f"runs{runs}_shares"] = wall, shares
            print(f"{runs} run(s) at once, {batches} batches: {wall:6.1f} s, processed per run {shares}, "
                  f"load average {os.getloadavg()[0]:.2f}", flush=True)
    if json_path:
        Path(json_path).write_text(json.dumps(rows, indent=1) + "\n")
    return 0


def main() -> int:
    """Run every measurement and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--skip-coordination", action="store_true")
    parser.add_argument("--json", default=None)
    parser.add_argument("--workers-only", default=None, metavar="N,N,...",
                        help="only the --workers 2 workflow, at these batch counts (how its cost grows)")
    parser.add_argument("--concurrent-runs", action="store_true",
                        help="only one --workers 2 run vs. two at once on one coordinator")
    args = parser.parse_args()
    if args.concurrent_runs:
        return concurrent_runs(args.batches, args.json)
    if args.workers_only:
        return workers_scaling([int(n) for n in args.workers_only.split(",")], args.json)
    results: dict[str, object] = {"batches": args.batches, "cores": 2}
    with tempfile.TemporaryDirectory(prefix="grid-bench-") as tmp:
        root = Path(tmp)
        per_batch = compile_grid(root / "per-batch", None)
        workers = compile_grid(root / "workers", 2)
        bare_loop(4)  # warm the page cache
        results["bare_loop_s"] = bare_loop(args.batches)
        print(f"bare docker run loop (xargs -P2): {results['bare_loop_s']:.1f} s", flush=True)
        (root / "r1").mkdir()
        results["per_batch_s"], results["per_batch_max_rss_mib"] = grid_run(per_batch, root / "r1", args.batches)
        print(f"per-batch grid workflow:          {results['per_batch_s']:.1f} s, "
              f"max RSS {results['per_batch_max_rss_mib']:.0f} MiB", flush=True)
        (root / "r2").mkdir()
        results["workers2_s"], results["workers2_max_rss_mib"] = grid_run(workers, root / "r2", args.batches)
        print(f"--workers 2 grid workflow:        {results['workers2_s']:.1f} s, "
              f"max RSS {results['workers2_max_rss_mib']:.0f} MiB", flush=True)
    bare = float(results["bare_loop_s"])  # type: ignore[arg-type]
    results["per_batch_vs_bare"] = float(results["per_batch_s"]) / bare  # type: ignore[arg-type]
    results["bare_vs_workers2"] = bare / float(results["workers2_s"])  # type: ignore[arg-type]
    print(f"per-batch / bare = {results['per_batch_vs_bare']:.2f} (target <= 1.3); "
          f"bare / workers = {results['bare_vs_workers2']:.1f}x (target >= 5)")
    if not args.skip_coordination:
        results["coordination"] = coordination(args.batches)
        for row in results["coordination"]:  # type: ignore[attr-defined]
            print(f"coordination {row['backend']:5s}: {row['ms_per_batch']:.2f} ms/batch, "
                  f"max RSS {row['max_rss_mb']:.0f} MiB")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
