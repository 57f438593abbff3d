#!/usr/bin/env python3
"""Run the CWL v1.2 conformance suite with cwltest through claimed-cwl (or plain cwltool / Toil).

    python conformance/run.py --backend cwltool [--tags required] [-j 2]
    python conformance/run.py --backend toil
    python conformance/run.py --baseline --backend cwltool     # plain cwltool, for comparison
    python conformance/run.py --baseline --backend toil        # plain toil-cwl-runner --no-prepull
    python conformance/run.py --docs                           # regenerate docs/conformance.md

Before running, the Docker images the suite's tests name (docker.io/debian:stable-slim,
docker.io/python:3-slim, docker.io/bash:4.4, docker.io/alpine:latest) are seeded
locally with ``bash scripts/base-images.sh conformance``: they are LOCAL OFFLINE
STAND-INS built from Debian packages, not the Docker Hub images (no image
registry is reachable here). ``--no-seed`` skips that step.

Writes conformance/results/<name>[-<tags>].json and .md (name: cwltool, toil,
cwltool-baseline, toil-baseline) and the cwltest badges under
conformance/results/badges/<name>[-<tags>]/. cwltest's raw JUnit XML and log
stay in conformance/.work/. Exit status: 0 when every failure is listed in
conformance/expected_failures.yaml (or without --check), 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import Result, build_result, load_expected, parse_badges, parse_junit, write_result

__all__ = ["main", "run_suite"]

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# The vendored suite (conformance/cwl-v1.2, see its ORIGIN.txt); CWL_CONFORMANCE_SUITE names another copy.
DEFAULT_SUITE = Path(os.environ.get("CWL_CONFORMANCE_SUITE", HERE / "cwl-v1.2" / "conformance_tests.yaml"))
EXPECTED = HERE / "expected_failures.yaml"
RESULTS = HERE / "results"
WORK = HERE / ".work"


def runner_command(backend: str, baseline: bool, tool: str | None) -> tuple[str, list[str]]:
    """The executable cwltest calls and the arguments it puts right after it."""
    if baseline:
        if backend == "toil":
            return tool or "toil-cwl-runner", ["--no-prepull"]
        return tool or "cwltool", []
    return tool or "claimed-cwl-runner", [f"--backend={backend}"]


def seed_images() -> None:
    """Seed the images the suite names from the offline base images (scripts/base-images.sh)."""
    print("conformance: seeding the images the suite asks for from the offline base images: "
          "bash scripts/base-images.sh conformance (local stand-ins, not the Docker Hub images)", flush=True)
    subprocess.run(["bash", str(REPO / "scripts/base-images.sh"), "conformance"], check=True, cwd=REPO)


def _versions() -> dict[str, str]:
    found = {}
    for package in ("cwltool", "cwltest", "toil", "claimed-cwl"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            continue
    return found


def run_suite(args: argparse.Namespace) -> Result:
    """Run cwltest as ``args`` say, then parse what it wrote into a Result (and write it)."""
    name = ("-".join([args.backend, "baseline"]) if args.baseline else args.backend)
    label = f"{name}-{args.tags}" if args.tags else name
    work = args.work / label
    tool, tool_args = runner_command(args.backend, args.baseline, args.tool)
    cwltest = [
        "cwltest", f"--test={args.suite}", f"--tool={tool}", f"-j{args.jobs}", f"--timeout={args.timeout}",
        f"--junit-xml={work / 'junit.xml'}", f"--badgedir={work / 'badges'}",
    ]
    if args.tags:
        cwltest.append(f"--tags={args.tags}")
    cwltest += ["--", *tool_args, *args.runner_args]
    wall = _read_wall(work) if args.report_only else _run_cwltest(cwltest, work)
    per_tag = parse_badges(work / "badges")
    cases = parse_junit(work / "junit.xml")
    result = build_result(
        cases, per_tag, load_expected(EXPECTED, name), name=name,
        command=shlex.join([Path(tool).name, *tool_args, *args.runner_args]),
        suite=f"{args.suite.parent.name}/{args.suite.name}", tags=args.tags, jobs=args.jobs,
        wall_seconds=round(wall, 1), versions=_versions())
    args.results.mkdir(parents=True, exist_ok=True)
    badges = args.results / "badges" / label
    shutil.rmtree(badges, ignore_errors=True)
    badges.mkdir(parents=True)
    for badge in sorted((work / "badges").glob("*.json")):
        shutil.copy(badge, badges / badge.name)
    md = write_result(result, args.results / f"{label}.json")
    print(f"conformance: {label}: {result.totals} in {wall:.0f} s; wrote {md}", flush=True)
    return result


def _run_cwltest(command: list[str], work: Path) -> float:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    bin_dir = str(Path(sys.executable).parent)  # toil-cwl-runner starts _toil_worker from PATH
    env = {**os.environ, "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")])}
    print(f"conformance: {shlex.join(command)} (log: {work / 'cwltest.log'})", flush=True)
    start = time.monotonic()
    with open(work / "cwltest.log", "w", encoding="utf-8") as log:
        subprocess.run(command, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    wall = time.monotonic() - start
    (work / "wall_seconds").write_text(f"{wall:.1f}\n", encoding="utf-8")
    return wall


def _read_wall(work: Path) -> float:
    stamp = work / "wall_seconds"
    return float(stamp.read_text(encoding="utf-8")) if stamp.exists() else 0.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The harness's command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["cwltool", "toil"], default="cwltool")
    parser.add_argument("--baseline", action="store_true", help="run plain cwltool / toil-cwl-runner instead")
    parser.add_argument("--tags", default=None, help="only tests with these tags (e.g. required)")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="tests at the same time (default 2)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per test (default 600)")
    parser.add_argument("--suite", type=Path, default=DEFAULT_SUITE, help=f"default {DEFAULT_SUITE}")
    parser.add_argument("--tool", default=None, help="runner executable (default claimed-cwl-runner)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where results go (default conformance/results)")
    parser.add_argument("--work", type=Path, default=WORK, help="cwltest's raw output (default conformance/.work)")
    parser.add_argument("--no-seed", action="store_true", help="do not run scripts/base-images.sh conformance")
    parser.add_argument("--report-only", action="store_true", help="only re-read the last run in conformance/.work")
    parser.add_argument("--check", action="store_true", help="exit 1 on a failure not in expected_failures.yaml")
    parser.add_argument("--docs", action="store_true", help="only regenerate docs/conformance.md from results/")
    parser.add_argument("runner_args", nargs="*", help="after --: more arguments for the runner")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the harness; see the module docstring."""
    args = parse_args(argv)
    if args.docs:
        from docs_page import write_docs  # noqa: PLC0415

        print(f"conformance: wrote {write_docs(RESULTS, REPO / 'docs/conformance.md').relative_to(REPO)}")
        return 0
    if not args.suite.exists():
        print(f"conformance: {args.suite}: no such file (give --suite or CWL_CONFORMANCE_SUITE)", file=sys.stderr)
        return 2
    if not (args.no_seed or args.report_only):
        seed_images()
    result = run_suite(args)
    unexpected = [f.id for f in [*result.failures, *result.unsupported] if not f.expected]
    if unexpected:
        print(f"conformance: failed or unsupported, not in expected_failures.yaml: {', '.join(unexpected)}",
              file=sys.stderr)
    return 1 if args.check and unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
