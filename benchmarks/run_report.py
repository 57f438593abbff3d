"""What `claimed-cwl run --report` costs: wall time and peak memory with and without it, in one run.

    python benchmarks/run_report.py [--repeat 3] [--batches 2000] [--json out.json]

Two workloads, each run alternately without and with ``--report`` (``--quiet``,
cwltool backend, so that the live display is the same in both), ``--repeat``
times each; the median wall time and the largest peak RSS of the
``claimed-cwl run`` process (GNU time) are compared:

- the quickstart workflow (workflows/quickstart, 2 steps; its images
  claimed/claimed-generate-data:0.1.0 and claimed/claimed-plot-histogram:0.1.0
  are built first when missing);
- a grid of ``--batches`` trivial batches (benchmarks/grid/bench_op.py) with
  ``--workers 2``: the report reads every batch's markers from the coordinator
  and draws 2,000 rows and a histogram.

Target (issue 18): under 5 % extra wall time and peak memory. The load average
is printed beside every figure: take the final figures on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE / "grid"))
from run import compile_grid  # noqa: E402 - benchmarks/grid/run.py, the grid benchmark's compile step

QUICKSTART = REPO / "workflows" / "quickstart" / "quickstart.cwl"
OPERATORS = (REPO / "cwl" / "generate_data" / "generate_data.py", REPO / "cwl" / "plot_histogram" / "plot_histogram.py")


def load() -> str:
    """The load average, to print beside each figure."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def timed_run(args: list[str], work: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one ``claimed-cwl run ARGS``, which must succeed."""
    rss = work / "max_rss_kib"
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-o", str(rss), "-f", "%M", sys.executable, "-m", "claimed_cwl", "run",
                           "--quiet", "--outdir", str(work / "out"), *args], capture_output=True, text=True,
                          check=False, cwd=work)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"claimed-cwl run {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return wall, int(rss.read_text().split()[-1]) / 1024


def compare(name: str, repeat: int, make_args: Callable[[Path, bool], list[str]], root: Path) -> dict[str, object]:
    """Run the workload ``repeat`` times without and with --report, alternately; print and return the figures."""
    figures: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    for attempt in range(repeat):
        for report in (False, True):
            work = root / f"{name}-{attempt}-{'report' if report else 'plain'}"
            work.mkdir()
            wall, rss = timed_run(make_args(work, report), work)
            figures[report].append((wall, rss))
            size = (work / "report.html").stat().st_size / 2**20 if report else 0.0
            print(f"{name:10s} {'--report' if report else 'plain   '} #{attempt + 1}: {wall:6.2f} s, peak RSS "
                  f"{rss:5.0f} MiB{f', report {size:.1f} MiB' if report else ''}  ({load()})", flush=True)
    plain_wall = statistics.median(w for w, _ in figures[False])
    report_wall = statistics.median(w for w, _ in figures[True])
    plain_rss = max(r for _, r in figures[False])
    report_rss = max(r for _, r in figures[True])
    row = {"workload": name, "repeat": repeat, "plain_wall_s": plain_wall, "report_wall_s": report_wall,
           "wall_extra_pct": 100 * (report_wall / plain_wall - 1), "plain_rss_mib": plain_rss,
           "report_rss_mib": report_rss, "rss_extra_pct": 100 * (report_rss / plain_rss - 1), "load": load()}
    print(f"{name:10s} median wall {plain_wall:.2f} s -> {report_wall:.2f} s ({row['wall_extra_pct']:+.1f} %), "
          f"peak RSS {plain_rss:.0f} -> {report_rss:.0f} MiB ({row['rss_extra_pct']:+.1f} %); target < 5 %  "
          f"({load()})", flush=True)
    return row


def ensure_quickstart_images() -> None:
    """Build the quickstart's two operator images when the engine lacks them."""
    for source in OPERATORS:
        image = f"claimed/claimed-{source.stem.replace('_', '-')}:0.1.0"
        if subprocess.run(["docker", "image", "inspect", image], capture_output=True, check=False).returncode != 0:
            subprocess.run([sys.executable, "-m", "claimed_cwl", "build", str(source), "--repository", "claimed",
                            "--version", "0.1.0", "--out", str(Path(tempfile.mkdtemp()) / source.stem)],
                           check=True, capture_output=True)


def main() -> int:
    """Measure both workloads and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each workload with and without (default 3)")
    parser.add_argument("--batches", type=int, default=2000, help="batches of the grid workload (default 2000)")
    parser.add_argument("--json", default=None, help="also write the figures here")
    args = parser.parse_args()
    if shutil.which("docker") is None:
        raise SystemExit("needs a Docker engine: bash scripts/services.sh start docker")
    ensure_quickstart_images()
    rows = []
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        root = Path(tmp)

        def quickstart(work: Path, report: bool) -> list[str]:
            return [*(["--report", str(work / "report.html")] if report else []), str(QUICKSTART)]

        rows.append(compare("quickstart", args.repeat, quickstart, root))
        workflow = compile_grid(root / "grid", 2)
        batch_file = root / "batches.txt"
        batch_file.write_text(",".join(f"b{i:05d}" for i in range(args.batches)) + "\n")

        def grid(work: Path, report: bool) -> list[str]:
            (work / "coord").mkdir()
            return ["--parallel", *(["--report", str(work / "report.html")] if report else []), str(workflow),
                    "--gw_coordinator", str(work / "coord"), "--gw_batch_file", str(batch_file)]

        rows.append(compare(f"grid-{args.batches}", args.repeat, grid, root))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
