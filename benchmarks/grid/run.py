"""Grid benchmark: every figure of the grid performance issue, each beside the limit it is compared to, in one run.

    python benchmarks/grid/run.py                         # everything (about 40 minutes on 2 cores)
    python benchmarks/grid/run.py --only fixed,per-batch  # some sections (names below)
    python benchmarks/grid/run.py --json results.json     # also write every figure as JSON

Sections, in the order they run (a trivial operator, ``bench_op.py``: its ``grid_process`` does nothing):

- ``fixed``: one ``claimed-cwl run --quiet`` of the operator's own tool (median of 5), and the ``--workers 2`` grid
  with 20 batches (median of 3); target: the grid under 2x the single tool run.
- ``per-batch``: with BATCHES (200) batches, 2-way: a bare ``docker run`` loop (``xargs -P2``), plain
  ``cwltool --parallel`` scattering the operator tool over BATCHES values (no coordination: cwltool's own floor),
  the same scatter under ``claimed-cwl run --parallel``, and the per-batch grid (``claimed-cwl run --parallel``),
  whose containers are counted from the engine's events (one per batch, plus the list and report steps); then
  the finished grid run again (target under 3 s, no container per batch). Targets: per-batch grid at most 1.25x
  the bare loop and at most 1.1x plain cwltool.
- ``per-batch-scale``: the per-batch grid with PER_BATCH_SCALE (2,000) batches: wall time and peak memory of the
  ``claimed-cwl`` process, against the BATCHES figures.
- ``local-scale``: ``--workers 2`` with LOCAL_SCALE (100,000) batches on a local directory; ``s3-scale``: with
  S3_SCALE (10,000) on a SeaweedFS of its own (tests/s3_service.py). Cost per batch beyond the fixed cost (the
  20-batch run), listing and batch-loop time and the peak RSS of every process (``claimed-cwl run`` from GNU
  time; each worker from its own last log line). Targets: under 1 ms a batch local, under 10 ms on S3.
- ``slurm``: the one-node Slurm cluster of scripts/slurm.sh (reused, or started and stopped) through Toil
  (``claimed-cwl run --env slurm``): ``--workers 2`` with SLURM_WORKERS (10,000) batches and the per-batch grid
  with SLURM_PER_BATCH (200), wall time and the jobs each submitted (from ``sacct``).
- ``concurrent`` (only when asked for): one ``--workers 2`` run against two started together on one coordinator
  (BATCHES batches), and how many batches each of the two processed.

Every figure is printed with the 1-minute load average when it was taken; the machine should be quiet.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the services the tests start (Slurm), and the engine's events

from _engine_events import EngineEvents  # noqa: E402
from s3_service import SeaweedFS  # noqa: E402
from slurm_service import running_cluster  # noqa: E402

OPERATOR = HERE / "bench_op.py"
VERSION = "bench"
GRID_IMAGE = {"local": f"claimed/claimed-bench-op-grid:{VERSION}", "s3": f"claimed/claimed-bench-op-grid-s3:{VERSION}"}
TOOL_IMAGE = f"claimed/claimed-bench-op:{VERSION}"
SECTIONS = ("fixed", "per-batch", "per-batch-scale", "local-scale", "s3-scale", "slurm", "concurrent")
DEFAULT_SECTIONS = SECTIONS[:-1]
_WORKER_DONE = re.compile(r"worker done on .*?: (\{.*?\}); (\d+) batches listed and the operator loaded in "
                          r"([\d.]+) s, batches taken in ([\d.]+) s; peak RSS ([\d.]+) MiB")


def _load() -> float:
    return os.getloadavg()[0]


@dataclass
class Figures:
    """The figures of one run: printed as they come, kept for ``--json``."""

    rows: list[dict[str, object]] = field(default_factory=list)
    values: dict[str, float] = field(default_factory=dict)

    def add(self, key: str, text: str, value: float, limit: str = "", met: bool | None = None) -> float:
        """Print ``text`` with the limit it is compared to, whether it is met, and the load average."""
        verdict = "" if met is None else (" -> met" if met else " -> MISSED")
        compared = f" (limit: {limit}{verdict})" if limit else ""
        load = _load()
        print(f"{text}{compared}  [load {load:.2f}]", flush=True)
        self.rows.append({"key": key, "value": value, "text": text, "limit": limit, "met": met, "load": load})
        self.values[key] = value
        return value


def _claimed(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "claimed_cwl", *args], check=True, capture_output=True, text=True)


def compile_grid(out: Path, workers: int | None, backend: str = "local") -> Path:
    """Compile and build the benchmark grid (per batch, or ``workers`` looping workers); return its workflow."""
    _claimed("grid", str(OPERATOR), "--backend", backend, "--version", VERSION, "--out", str(out), "--build",
             *(["--workers", str(workers)] if workers else []))
    return out / "bench-op-grid.cwl"


def build_all(root: Path) -> dict[str, Path]:
    """Compile and build the operator tool and the four grids; return their CWL files."""
    _claimed("build", str(OPERATOR), "--version", VERSION, "--out", str(root / "tool"))
    built = {"tool": root / "tool" / "bench-op.cwl"}
    for backend in ("local", "s3"):
        for mode, workers in (("per-batch", None), ("workers", 2)):
            built[f"{backend}-{mode}"] = compile_grid(root / f"{backend}-{mode}", workers, backend)
    return built


@dataclass
class Timed:
    """One finished command: wall seconds, peak RSS of the command's own process (MiB), its stderr."""

    wall: float
    rss_mib: float
    stderr: str


def timed(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> Timed:
    """Run ``argv`` under GNU time; raise SystemExit with its tail when it fails."""
    rss_file = cwd / f".rss-{time.monotonic_ns()}"
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-o", str(rss_file), "-f", "%M", *argv], capture_output=True, text=True,
                          cwd=cwd, env=env, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(argv)}\n{done.stderr[-3000:]}")
    rss = int(rss_file.read_text().split()[-1]) / 1024
    rss_file.unlink()
    return Timed(wall, rss, done.stderr)


def batch_file(root: Path, count: int) -> Path:
    """A .txt batch file of ``count`` ids."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"batches-{count}.txt"
    path.write_text(",".join(f"b{i:06d}" for i in range(count)) + "\n")
    return path


def grid_run(workflow: Path, root: Path, batches: Path, coordinator: str, *runner: str,
             extra: tuple[str, ...] = (), env: dict[str, str] | None = None) -> Timed:
    """One ``claimed-cwl run RUNNER --quiet`` of a grid into a fresh output directory under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    if not coordinator.startswith("s3://"):
        Path(coordinator).mkdir(parents=True, exist_ok=True)
    outdir = root / f"out-{time.monotonic_ns()}"
    return timed([sys.executable, "-m", "claimed_cwl", "run", *runner, "--quiet", "--outdir", str(outdir),
                  str(workflow), "--gw_coordinator", coordinator, "--gw_batch_file", str(batches), *extra],
                 root, env)


def processed(coordinator: Path) -> int:
    """Batches with a processed marker in a local coordinator."""
    return sum(1 for _ in coordinator.glob("*.processed"))


def single_tool(built: dict[str, Path], root: Path) -> Timed:
    """One ``claimed-cwl run --quiet`` of the operator's own tool."""
    return timed([sys.executable, "-m", "claimed_cwl", "run", "--quiet", "--outdir", str(root / "single-out"),
                  str(built["tool"])], root)


def fixed_cost(built: dict[str, Path], root: Path, figures: Figures) -> None:
    """A single tool run vs. the --workers 2 grid with 20 batches."""
    single_tool(built, root)  # warm the page cache
    single = statistics.median(single_tool(built, root).wall for _ in range(5))
    figures.add("single_tool_s", f"one claimed-cwl run of the operator tool (median of 5): {single:.2f} s", single)
    walls = []
    for attempt in range(3):
        case = root / f"workers20-{attempt}"
        walls.append(grid_run(built["local-workers"], case, batch_file(case, 20), str(case / "coord"),
                              "--parallel").wall)
        assert processed(case / "coord") == 20
    wall = statistics.median(walls)
    figures.add("workers20_s", f"--workers 2 grid, 20 batches (median of 3): {wall:.2f} s = {wall / single:.2f}x "
                f"the single tool run", wall, "under 2x the single tool run", wall < 2 * single)


def bare_loop(image: str, batches: int) -> float:
    """Wall seconds of ``batches`` bare ``docker run`` of the operator, two at a time."""
    command = f"docker run --rm --network none {image} python /opt/app/bench_op.py"
    started = time.perf_counter()
    subprocess.run(["xargs", "-P2", "-I{}", "sh", "-c", command], input="\n".join(map(str, range(batches))) + "\n",
                   check=True, text=True, capture_output=True)
    return time.perf_counter() - started


def scatter_workflow(built: dict[str, Path], root: Path, batches: int) -> tuple[Path, Path]:
    """A plain CWL workflow scattering the operator tool over ``batches`` values, and its job file."""
    workflow = root / "scatter.cwl"
    workflow.write_text(json.dumps({
        "cwlVersion": "v1.2", "class": "Workflow", "requirements": [{"class": "ScatterFeatureRequirement"}],
        "inputs": {"labels": "string[]"}, "outputs": {},
        "steps": {"op": {"run": str(built["tool"]), "scatter": "label", "in": {"label": "labels"}, "out": []}},
    }))
    job = root / "scatter-job.json"
    job.write_text(json.dumps({"labels": [f"b{i:06d}" for i in range(batches)]}))
    return workflow, job


def per_batch(built: dict[str, Path], root: Path, batches: int, figures: Figures) -> None:
    """Bare loop, plain cwltool scatter, claimed-cwl scatter, per-batch grid (containers counted), re-run."""
    bare_loop(GRID_IMAGE["local"], 4)  # warm the page cache
    bare = figures.add("bare_loop_s", f"bare docker run loop, {batches} containers 2-way: "
                       f"{(b := bare_loop(GRID_IMAGE['local'], batches)):.1f} s", b)
    workflow, job = scatter_workflow(built, root, batches)
    plain = timed([sys.executable, "-m", "cwltool", "--parallel", "--quiet", "--outdir", str(root / "plain-out"),
                   str(workflow), str(job)], root)
    figures.add("cwltool_scatter_s", f"plain cwltool --parallel scatter of the tool over {batches} values: "
                f"{plain.wall:.1f} s, peak RSS {plain.rss_mib:.0f} MiB", plain.wall)
    ours = timed([sys.executable, "-m", "claimed_cwl", "run", "--parallel", "--quiet", "--outdir",
                  str(root / "ours-out"), str(workflow), str(job)], root)
    figures.add("claimed_scatter_s", f"the same scatter under claimed-cwl run --parallel: {ours.wall:.1f} s, peak "
                f"RSS {ours.rss_mib:.0f} MiB", ours.wall)
    case = root / f"per-batch-{batches}"
    listed = batch_file(case, batches)
    with EngineEvents(GRID_IMAGE["local"]) as seen:
        run = grid_run(built["local-per-batch"], case, listed, str(case / "coord"), "--parallel")
    started = seen.started
    assert processed(case / "coord") == batches
    figures.add("per_batch_s", f"per-batch grid, {batches} batches: {run.wall:.1f} s = {run.wall / bare:.2f}x the "
                f"bare loop, {run.wall / plain.wall:.2f}x plain cwltool; peak RSS {run.rss_mib:.0f} MiB", run.wall,
                "<= 1.25x bare and <= 1.1x plain cwltool", run.wall <= 1.25 * bare and run.wall <= 1.1 * plain.wall)
    figures.add("per_batch_rss_mib", f"  peak RSS of claimed-cwl run: {run.rss_mib:.0f} MiB", run.rss_mib)
    figures.add("per_batch_containers", f"  containers the engine started: {started} (batches + list + report)",
                started, f"{batches + 2}", started == batches + 2)
    with EngineEvents(GRID_IMAGE["local"]) as seen:
        again = grid_run(built["local-per-batch"], case, listed, str(case / "coord"), "--parallel")
    started = seen.started
    figures.add("rerun_s", f"re-run of the finished {batches}-batch grid: {again.wall:.2f} s, {started} containers",
                again.wall, "under 3 s, 2 containers (list, report)", again.wall < 3 and started == 2)


def per_batch_scale(built: dict[str, Path], root: Path, count: int, small: int, figures: Figures) -> None:
    """The per-batch grid at ``count`` batches: wall and peak RSS, against the run of ``small`` batches."""
    case = root / f"per-batch-{count}"
    run = grid_run(built["local-per-batch"], case, batch_file(case, count), str(case / "coord"), "--parallel")
    assert processed(case / "coord") == count
    figures.add("per_batch_scale_s", f"per-batch grid, {count} batches: {run.wall:.1f} s "
                f"({run.wall / count * 1000:.0f} ms a batch), peak RSS of claimed-cwl run {run.rss_mib:.0f} MiB",
                run.wall)
    figures.add("per_batch_scale_rss_mib", f"  peak RSS at {count} batches: {run.rss_mib:.0f} MiB", run.rss_mib)
    small_wall, small_rss = figures.values.get("per_batch_s"), figures.values.get("per_batch_rss_mib")
    if small_wall and small_rss:
        figures.add("per_batch_growth", f"  from {small} to {count} batches: wall time x{run.wall / small_wall:.1f}"
                    f" (batches x{count / small:.0f}), peak RSS x{run.rss_mib / small_rss:.2f}", run.wall / small_wall)


def _workers_lines(stderr: str) -> list[tuple[dict[str, int], int, float, float, float]]:
    """Each worker's last line: counts, batches listed, seconds to start, seconds of the loop, peak RSS MiB."""
    return [(json.loads(m[1]), int(m[2]), float(m[3]), float(m[4]), float(m[5])) for m in _WORKER_DONE.finditer(stderr)]


def workers_scale(built: dict[str, Path], root: Path, backend: str, count: int, *, limit_ms: float,
                  figures: Figures, server: SeaweedFS | None = None) -> None:
    """The --workers 2 grid at ``count`` batches on ``backend``: cost a batch beyond the fixed cost, every RSS."""
    case = root / f"workers-{backend}-{count}"
    case.mkdir(parents=True)
    batches = batch_file(case, count)
    if server is None:
        coordinator, extra, runner = str(case / "coord"), (), ("--parallel",)
    else:
        coordinator, extra = _s3_coordinator(server, case)
        runner = ("--parallel", "--network", "host")
    small_coordinator = f"{coordinator}-small" if server is not None else str(case / "small" / "coord")
    small = grid_run(built[f"{backend}-workers"], case / "small", batch_file(case, 20), small_coordinator, *runner,
                     extra=extra).wall
    run = grid_run(built[f"{backend}-workers"], case, batches, coordinator, *runner, extra=extra)
    if server is None:
        assert processed(case / "coord") == count
    per_batch_ms = (run.wall - small) / (count - 20) * 1000
    figures.add(f"workers_{backend}_s", f"--workers 2 on {backend}, {count} batches: {run.wall:.1f} s; the same "
                f"with 20 batches {small:.1f} s; {per_batch_ms:.2f} ms a batch beyond that", per_batch_ms,
                f"under {limit_ms:g} ms a batch", per_batch_ms < limit_ms)
    figures.add(f"workers_{backend}_rss_mib", f"  peak RSS of claimed-cwl run: {run.rss_mib:.0f} MiB", run.rss_mib)
    for number, (counts, listed, start, loop, rss) in enumerate(_workers_lines(run.stderr), 1):
        taken = counts.get("processed", 0) + counts.get("failed", 0)
        figures.add(f"workers_{backend}_worker{number}", f"  worker {number}: listed {listed} batches and loaded "
                    f"the operator in {start:.2f} s ({start / listed * 1e6:.1f} us a batch), processed {taken} in "
                    f"{loop:.1f} s ({loop / max(taken, 1) * 1000:.2f} ms each: lock, call, mark), peak RSS "
                    f"{rss:.1f} MiB", rss)


def _s3_coordinator(server: SeaweedFS, case: Path) -> tuple[str, tuple[str, ...]]:
    """A fresh bucket's prefix on ``server``, and the credentials-file and endpoint inputs that reach it."""
    credentials = case / "aws-credentials"
    credentials.write_text(f"[default]\naws_access_key_id = {server.access_key}\n"
                           f"aws_secret_access_key = {server.secret_key}\n")
    credentials.chmod(0o600)
    return f"s3://{server.make_bucket()}/run", ("--gw_s3_credentials", str(credentials), "--gw_s3_endpoint",
                                                 server.endpoint)


def s3_scale(built: dict[str, Path], root: Path, count: int, figures: Figures) -> None:
    """The --workers 2 grid on a SeaweedFS server of its own (tests/s3_service.py), stopped afterwards."""
    server = SeaweedFS(root / "seaweedfs")
    server.start()
    try:
        workers_scale(built, root, "s3", count, limit_ms=10.0, figures=figures, server=server)
    finally:
        server.stop()


def slurm(built: dict[str, Path], root: Path, workers_count: int, per_batch_count: int, figures: Figures) -> None:
    """Toil on Slurm: the --workers 2 grid and the per-batch grid, wall time and jobs submitted."""
    with running_cluster() as cluster:
        for mode, count in (("workers", workers_count), ("per-batch", per_batch_count)):
            case = root / f"slurm-{mode}"
            since = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(time.time() - 1))
            run = grid_run(built[f"local-{mode}"], case, batch_file(case, count), str(case / "coord"),
                           "--env", "slurm", "--bypass-file-store", "--workDir=" + str(case / "work"),
                           env=cluster.env)
            time.sleep(2)  # sacct sees a job once slurmdbd has it
            jobs = len(cluster.sacct("JobID", "JobName", since=since, job_name_prefix="toil_job_"))
            assert processed(case / "coord") == count
            figures.add(f"slurm_{mode}_s", f"Toil on Slurm, {mode} grid, {count} batches: {run.wall:.1f} s "
                        f"({run.wall / count * 1000:.0f} ms a batch), {jobs} Slurm jobs", run.wall)
            figures.add(f"slurm_{mode}_jobs", f"  Slurm jobs submitted ({mode}): {jobs}", jobs)


def _processed_by(outdir: Path) -> int:
    """Batches a run's workers processed (their result files), not the ones they found done."""
    return sum(outcome == "processed" for path in outdir.glob("gw_result-*.json")
               for outcome in json.loads(path.read_text()).values())


def concurrent_runs(built: dict[str, Path], root: Path, batches: int, figures: Figures) -> None:
    """One ``--workers 2`` run vs. two started together on one coordinator, and who did what."""
    for runs in (1, 2):
        case = root / f"concurrent-{runs}"
        (case / "coord").mkdir(parents=True)
        batches_file = batch_file(case, batches)
        started = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-m", "claimed_cwl", "run", "--parallel", "--quiet", "--outdir",
                                   str(case / f"run{i}"), str(built["local-workers"]), "--gw_coordinator",
                                   str(case / "coord"), "--gw_batch_file", str(batches_file)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(runs)]
        if any(proc.wait() != 0 for proc in procs):
            raise SystemExit(f"a run of {runs} failed")
        wall = time.perf_counter() - started
        shares = [_processed_by(case / f"run{i}") for i in range(runs)]
        figures.add(f"concurrent_{runs}_s", f"{runs} run(s) at once on one coordinator, {batches} batches: "
                    f"{wall:.1f} s, processed per run {shares}", wall)


def main() -> int:
    """Run the chosen sections and print every figure; write them as JSON with ``--json``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default=",".join(DEFAULT_SECTIONS),
                        help=f"comma-separated sections of {', '.join(SECTIONS)} (default: all but concurrent)")
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--per-batch-scale", type=int, default=2000)
    parser.add_argument("--local-scale", type=int, default=100_000)
    parser.add_argument("--s3-scale", type=int, default=10_000)
    parser.add_argument("--slurm-workers", type=int, default=10_000)
    parser.add_argument("--slurm-per-batch", type=int, default=200)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}: expected {', '.join(SECTIONS)}")
    if not shutil.which("docker") or not Path("/usr/bin/time").exists():
        parser.error("needs the docker CLI and GNU time (/usr/bin/time)")
    figures = Figures()
    print(f"grid benchmark, {os.cpu_count()} cores, load average before: {_load():.2f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="grid-bench-") as tmp:
        root = Path(tmp)
        built = build_all(root)
        steps: dict[str, Callable[[], None]] = {
            "fixed": lambda: fixed_cost(built, root, figures),
            "per-batch": lambda: per_batch(built, root, args.batches, figures),
            "per-batch-scale": lambda: per_batch_scale(built, root, args.per_batch_scale, args.batches,
                                                       figures),
            "local-scale": lambda: workers_scale(built, root, "local", args.local_scale, limit_ms=1.0,
                                                 figures=figures),
            "s3-scale": lambda: s3_scale(built, root, args.s3_scale, figures),
            "slurm": lambda: slurm(built, root, args.slurm_workers, args.slurm_per_batch, figures),
            "concurrent": lambda: concurrent_runs(built, root, args.batches, figures),
        }
        for name in SECTIONS:
            if name in chosen:
                print(f"-- {name}", flush=True)
                steps[name]()
    if args.json:
        Path(args.json).write_text(json.dumps(figures.rows, indent=1) + "\n")
    missed = [row["key"] for row in figures.rows if row["met"] is False]
    print("every target met" if not missed else f"missed: {', '.join(map(str, missed))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
