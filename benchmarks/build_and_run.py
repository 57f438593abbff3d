"""Benchmark: image build vs. rebuild, and `claimed-cwl run` overhead vs. plain cwltool and bare docker run.

Needs the Docker engine and the python:3.11-slim base (scripts/services.sh, scripts/base-images.sh).

    python benchmarks/build_and_run.py [--runs 5]

Prints, in one run:
1. first build of an operator (new content, so a real build) vs. a rebuild of the
   unchanged operator (content digest found: no build), in-process and as the CLI;
2. the same trivial operator run by `claimed-cwl run`, by plain `cwltool` and by a
   bare `docker run` (same image, same command), medians of --runs each, with
   ratios; wall time and peak memory (max RSS of the command's process tree as
   the kernel reports it to wait4; container memory is the engine's, not counted).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from claimed_cwl.build import docker_client  # noqa: E402
from claimed_cwl.build.operator_build import build_operator  # noqa: E402
from claimed_cwl.emit import ArtifactSettings, ImageSettings  # noqa: E402

BIN = Path(sys.executable).parent
TRIVIAL = '''"""Trivial operator: writes a greeting."""
import os

# who to greet
name = os.getenv('name', 'world')
output_file = os.getenv('output_file', 'greeting.txt')
with open(output_file, 'w') as out:
    out.write(f'hello {name}\\n')
# marker {marker}
'''


def timed(cmd: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and max RSS (KiB) of one command, which must succeed."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"command failed: {' '.join(cmd)}\n{proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, usage.ru_maxrss


def median_of(cmd: list[str], cwd: Path, runs: int) -> tuple[float, int]:
    results = [timed(cmd, cwd) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def bench_build(work: Path) -> None:
    client = docker_client()
    source = work / "op" / "bench_trivial.py"
    source.parent.mkdir(parents=True)
    source.write_text(TRIVIAL.replace("{marker}", uuid.uuid4().hex), encoding="utf-8")
    settings = ArtifactSettings(image=ImageSettings(repository="claimed-bench", version="build"))
    start = time.perf_counter()
    first = build_operator(client, source, (), settings, work / "a")
    first_s = time.perf_counter() - start
    rebuilds = []
    for i in range(5):
        start = time.perf_counter()
        again = build_operator(client, source, (), settings, work / f"b{i}")
        rebuilds.append(time.perf_counter() - start)
        assert again.image.reused
    cli_s, cli_rss = median_of([str(BIN / "claimed-cwl"), "build", str(source), "--repository", "claimed-bench",
                                "--version", "build", "--out", str(work / "cli")], work, 5)
    print("== build (operator bench-trivial, base python:3.11-slim)")
    print(f"first build (in-process)            {first_s:8.2f} s   reused={first.image.reused}")
    print(f"rebuild, unchanged (in-process)     {statistics.median(rebuilds):8.3f} s   median of 5 "
          f"(target < 1 s)")
    print(f"rebuild, unchanged (CLI, with start-up) {cli_s:6.2f} s   max RSS {cli_rss / 1024:.0f} MiB")
    print(f"ratio first / rebuild (in-process)  {first_s / statistics.median(rebuilds):8.1f}x")


def bench_run(work: Path, runs: int) -> None:
    client = docker_client()
    source = work / "run-op" / "bench_greet.py"
    source.parent.mkdir(parents=True)
    source.write_text(TRIVIAL.replace("{marker}", "run"), encoding="utf-8")
    built = build_operator(client, source, (), ArtifactSettings(image=ImageSettings(repository="claimed-bench",
                                                                                    version="run")), work / "tool")
    cwl = str(built.cwl)
    commands = {
        "bare docker run": ["docker", "run", "--rm", "--network", "none", "--read-only",
                            "--user", f"{os.getuid()}:{os.getgid()}", "-v", f"{work}:/out", "-w", "/out",
                            built.image.image, "env", "name=bench", "output_file=greeting.txt",
                            "python", "/opt/app/bench_greet.py"],
        "plain cwltool": [str(BIN / "cwltool"), "--quiet", f"--outdir={work / 'o1'}", cwl, "--name", "bench"],
        "claimed-cwl run": [str(BIN / "claimed-cwl"), "run", "--quiet", f"--outdir={work / 'o2'}", cwl,
                            "--name", "bench"],
    }
    for cmd in commands.values():  # warm-up: page cache, image layers
        timed(cmd, work)
    results = {label: median_of(cmd, work, runs) for label, cmd in commands.items()}
    print(f"== run of a trivial operator, median of {runs} runs each")
    for label, (wall, rss) in results.items():
        print(f"{label:<18} {wall:7.2f} s   max RSS {rss / 1024:6.0f} MiB")
    base = results["plain cwltool"][0]
    print(f"claimed-cwl run / plain cwltool   {results['claimed-cwl run'][0] / base:5.2f}x (target <= 1.5x)")
    print(f"claimed-cwl run / bare docker run {results['claimed-cwl run'][0] / results['bare docker run'][0]:5.2f}x")
    print(f"plain cwltool / bare docker run   {base / results['bare docker run'][0]:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="claimed-bench-") as scratch:
        bench_build(Path(scratch))
        bench_run(Path(scratch), args.runs)


if __name__ == "__main__":
    main()
