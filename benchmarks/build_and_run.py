"""Benchmark: image build vs. rebuild, and `claimed-cwl run` overhead vs. plain cwltool and bare docker run.

Needs the Docker engine and the python:3.11-slim base (scripts/services.sh, scripts/base-images.sh).

    python benchmarks/build_and_run.py [--runs 5]

Prints, in one run, each figure with the load average beside it:
1. first build of an operator (new content, so a real build) vs. a rebuild of the
   unchanged operator (content digest found: no build), in-process and as the CLI;
2. an operator with five dependencies: its first build (no layer cache, including
   the resolution of its lock), a rebuild of it unchanged, and the rebuild after one
   small package is added to it (target: under a fifth of the first build);
3. notebook start-up: a trivial notebook operator (run under IPython) against a
   trivial script operator, bare `docker run` of each image, medians of --runs;
4. the same trivial operator run by `claimed-cwl run`, by plain `cwltool` and by a
   bare `docker run` (same image, same command), medians of --runs each, with
   ratios; wall time and peak memory (max RSS of the command's process tree as
   the kernel reports it to wait4; container memory is the engine's, not counted).

    python benchmarks/build_and_run.py --only deps,notebook   # just parts 2 and 3
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
    print(f"ratio first / rebuild (in-process)  {first_s / statistics.median(rebuilds):8.1f}x   {load()}")


FIVE_DEPENDENCIES = ("numpy", "pandas", "scipy", "pyarrow", "matplotlib")
SMALL_PACKAGE = "six"
DEPS_OPERATOR = '''"""Operator with five dependencies (benchmark)."""
# pip install {packages}
import os

import numpy
import pandas
import pyarrow
import scipy
import matplotlib

output_file = os.getenv('output_file', 'out.txt')
with open(output_file, 'w') as out:
    out.write('ok\\n')
# run {marker}
'''


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def bench_dependencies(work: Path) -> None:
    client = docker_client()
    source = work / "deps-op" / "bench_deps.py"
    source.parent.mkdir(parents=True)
    marker = uuid.uuid4().hex  # new content each run: the first build is a real one
    text = DEPS_OPERATOR.replace("{marker}", marker)
    source.write_text(text.replace("{packages}", " ".join(FIVE_DEPENDENCIES)), encoding="utf-8")
    settings = ArtifactSettings(image=ImageSettings(repository="claimed-bench", version="deps"))
    out = work / "deps-out"
    start = time.perf_counter()
    build_operator(client, source, (), settings, out, no_cache=True)
    first = time.perf_counter() - start
    first_load = load()
    start = time.perf_counter()
    unchanged = build_operator(client, source, (), settings, out)
    again = time.perf_counter() - start
    assert unchanged.image.reused
    source.write_text(text.replace("{packages}", " ".join((*FIVE_DEPENDENCIES, SMALL_PACKAGE))), encoding="utf-8")
    start = time.perf_counter()
    added = build_operator(client, source, (), settings, out)
    plus_one = time.perf_counter() - start
    assert not added.image.reused
    print(f"== build of an operator with {len(FIVE_DEPENDENCIES)} dependencies ({', '.join(FIVE_DEPENDENCIES)})")
    print(f"first build, no layer cache (lock resolved)  {first:8.2f} s   {first_load}")
    print(f"rebuild, unchanged                           {again:8.3f} s   {load()}   (target < 1 s)")
    print(f"rebuild after adding {SMALL_PACKAGE:<24}{plus_one:8.2f} s   {load()}")
    print(f"ratio rebuild-after-adding / first build     {plus_one / first:8.3f}    (target < 0.2)")


TRIVIAL_NOTEBOOK_CELL = "import os\nname = os.getenv('name', 'world')\nprint(f'hello {name}')"


def bench_notebook_startup(work: Path, runs: int) -> None:
    import nbformat  # the benchmark's own dependency, installed with claimed-cwl

    client = docker_client()
    settings = ArtifactSettings(image=ImageSettings(repository="claimed-bench", version="startup"))
    script = work / "startup" / "bench_hello.py"
    script.parent.mkdir(parents=True)
    script.write_text(TRIVIAL_NOTEBOOK_CELL + "\n", encoding="utf-8")
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell(TRIVIAL_NOTEBOOK_CELL))
    nb_path = work / "startup" / "bench_hello_nb.ipynb"
    nbformat.write(notebook, str(nb_path))
    images = {
        "script operator": build_operator(client, script, (), settings, work / "s").image.image,
        "notebook operator": build_operator(client, nb_path, (), settings, work / "n").image.image,
    }
    commands = {label: ["docker", "run", "--rm", "--network", "none", image] for label, image in images.items()}
    for cmd in commands.values():
        timed(cmd, work)
    results = {label: median_of(cmd, work, runs)[0] for label, cmd in commands.items()}
    print(f"== start-up of a trivial operator, bare docker run, median of {runs} runs each   {load()}")
    for label, wall in results.items():
        print(f"{label:<18} {wall:7.2f} s")
    extra = results["notebook operator"] - results["script operator"]
    print(f"notebook - script  {extra:7.2f} s   (IPython start-up and the notebook runner)   {load()}")


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
    print(f"== run of a trivial operator, median of {runs} runs each   {load()}")
    for label, (wall, rss) in results.items():
        print(f"{label:<18} {wall:7.2f} s   max RSS {rss / 1024:6.0f} MiB")
    base = results["plain cwltool"][0]
    print(f"claimed-cwl run / plain cwltool   {results['claimed-cwl run'][0] / base:5.2f}x (target <= 1.5x)")
    print(f"claimed-cwl run / bare docker run {results['claimed-cwl run'][0] / results['bare docker run'][0]:5.2f}x")
    print(f"plain cwltool / bare docker run   {base / results['bare docker run'][0]:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="build,deps,notebook,run",
                        help="comma list of parts to run: build, deps, notebook, run (default: all)")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]  # each figure as soon as it is taken
    parts = set(args.only.split(","))
    with tempfile.TemporaryDirectory(prefix="claimed-bench-") as scratch:
        if "build" in parts:
            bench_build(Path(scratch))
        if "deps" in parts:
            bench_dependencies(Path(scratch))
        if "notebook" in parts:
            bench_notebook_startup(Path(scratch), args.runs)
        if "run" in parts:
            bench_run(Path(scratch), args.runs)


if __name__ == "__main__":
    main()
