"""Benchmark: compile the test corpora in-process (parse + render, no writing), against a baseline commit.

Python start-up and imports are excluded: the clock runs only around parsing
(with the usage analysis), reading the operator's files and rendering every
artifact, for each operator of tests/corpus and tests/corpus_usage. Prints
the median per operator over several repetitions against the 50 ms target,
how the time per operator scales when the corpus is replicated 10x and 100x,
and the peak resident memory of each measuring process.

With ``--baseline REF`` the same measurement runs, in the same invocation and
one after the other, with the package as it was at git commit REF (checked
out into a temporary worktree), on the operators both versions compile, and
the two figures are printed side by side.

    python benchmarks/compile_corpus.py [--repeat 5] [--scales 1,10,100] [--baseline REF]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPORA = (ROOT / "tests" / "corpus", ROOT / "tests" / "corpus_usage")
TARGET_MS = 50.0


def load_corpus() -> list[tuple[str, Path, tuple[Path, ...]]]:
    """(label, source, additional files) of every operator in the corpora's expected.yaml files."""
    from ruamel.yaml import YAML

    found = []
    for corpus in CORPORA:
        cases = YAML(typ="safe", pure=True).load((corpus / "expected.yaml").read_text(encoding="utf-8"))["operators"]
        for case in cases:
            label = f"{corpus.name}/{case['source']}"
            found.append((label, corpus / case["source"], tuple(Path(f) for f in case.get("files", []))))
    return found


# ----------------------------------------------------------------- the measuring process


def _worker(code: Path, labels: Sequence[str] | None, repeat: int, scales: Sequence[int]) -> dict[str, Any]:
    """Measure with the package in ``code``; only ``labels`` when given (else report which compile)."""
    sys.path.insert(0, str(code))
    from claimed_cwl.compile import read_user_files, render_artifacts
    from claimed_cwl.emit import ArtifactSettings
    from claimed_cwl.errors import ClaimedError
    from claimed_cwl.parse import parse_operator

    settings = ArtifactSettings()

    def compile_one(source: Path, files: tuple[Path, ...]) -> None:
        spec = parse_operator(source, additional_files=files)
        render_artifacts(spec, settings, read_user_files(source, spec))

    corpus = load_corpus()
    if labels is None:
        ok = []
        for label, source, files in corpus:
            try:
                compile_one(source, files)
            except ClaimedError:
                continue
            ok.append(label)
        return {"compiles": ok}
    chosen = [(s, f) for label, s, f in corpus if label in set(labels)]
    for source, files in chosen:  # warm-up
        compile_one(source, files)
    per_op: dict[str, float] = {}
    for label, source, files in ((lb, s, f) for lb, s, f in corpus if lb in set(labels)):
        runs = []
        for _ in range(repeat):
            gc.collect()
            start = time.perf_counter()
            compile_one(source, files)
            runs.append(time.perf_counter() - start)
        per_op[label] = statistics.median(runs) * 1000
    scaling = {}
    for times in scales:
        batch = chosen * times
        runs = []
        for _ in range(max(1, min(repeat, 30 // times))):
            gc.collect()
            start = time.perf_counter()
            for source, files in batch:
                compile_one(source, files)
            runs.append(time.perf_counter() - start)
        scaling[str(times)] = statistics.median(runs) * 1000 / len(batch)
    return {"per_op": per_op, "scaling": scaling,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _run_worker(code: Path, labels: Sequence[str] | None, repeat: int, scales: Sequence[int]) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(code), "--repeat", str(repeat),
               "--scales", ",".join(map(str, scales))]
    if labels is not None:
        command += ["--labels", ",".join(labels)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if completed.returncode != 0:
        raise SystemExit(f"measuring with {code} failed:\n{completed.stderr}")
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


# ----------------------------------------------------------------- the report


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def report(repeat: int, scales: Sequence[int], baseline: str | None) -> None:
    """Measure the current package (and the baseline), then print the figures side by side."""
    print(f"load average before: {_load()} on {os.cpu_count()} cores")
    labels = _run_worker(ROOT, None, 1, scales)["compiles"]
    base: dict[str, Any] | None = None
    if baseline is not None:
        with tempfile.TemporaryDirectory(prefix="claimed-bench-") as scratch:
            tree = Path(scratch) / "baseline"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), baseline],
                           check=True)
            try:
                labels = [lb for lb in labels if lb in set(_run_worker(tree, None, 1, scales)["compiles"])]
                base = _run_worker(tree, labels, repeat, scales)
            finally:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
    now = _run_worker(ROOT, labels, repeat, scales)
    print(f"load average after: {_load()}")
    width = max(len(label) for label in labels)
    head = f"  {'operator':<{width}}  {'now ms':>8}" + (f"  {'before ms':>9}" if base else "")
    print(f"per operator, parse (with usage analysis) + render, median of {repeat}:")
    print(head)
    for label in labels:
        line = f"  {label:<{width}}  {now['per_op'][label]:8.2f}"
        if base:
            line += f"  {base['per_op'][label]:9.2f}"
        print(line + ("  > target" if now["per_op"][label] > TARGET_MS else ""))
    worst = max(now["per_op"].values())
    print(f"{len(labels)} operators: mean {statistics.mean(now['per_op'].values()):.2f} ms, max {worst:.2f} ms "
          f"(target {TARGET_MS:.0f} ms per operator: {'met' if worst <= TARGET_MS else 'NOT met'})"
          + (f"; before: mean {statistics.mean(base['per_op'].values()):.2f} ms, "
             f"max {max(base['per_op'].values()):.2f} ms" if base else ""))
    print("scaling (corpus replicated, ms per operator):")
    for times in scales:
        line = f"  {times:>4}x  {len(labels) * times:>6} operators  now {now['scaling'][str(times)]:7.2f}"
        if base:
            line += f"  before {base['scaling'][str(times)]:7.2f}"
        print(line)
    print(f"peak memory (maxrss) now {now['peak_rss_mib']:.1f} MiB"
          + (f", before {base['peak_rss_mib']:.1f} MiB" if base else ""))


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the benchmark (or, with --worker, one measuring process)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="repetitions per measurement (default: 5)")
    parser.add_argument("--scales", default="1,10,100", help="corpus replication factors (default: 1,10,100)")
    parser.add_argument("--baseline", default=None, metavar="REF",
                        help="git commit to compare with, e.g. the one before a change (default: none)")
    parser.add_argument("--worker", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--labels", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    scales = [int(s) for s in args.scales.split(",") if s.strip()]
    if args.repeat < 1 or any(s < 1 for s in scales):
        parser.error("--repeat and every scale must be at least 1")
    if args.worker is not None:
        labels = args.labels.split(",") if args.labels is not None else None
        print(json.dumps(_worker(args.worker, labels, args.repeat, scales)))
        return 0
    report(args.repeat, scales, args.baseline)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
