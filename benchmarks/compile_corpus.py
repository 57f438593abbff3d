"""Benchmark: compile the whole test corpus in-process (parse + render, no writing).

Python start-up and imports are excluded: the clock runs only around
``parse_operator`` + reading the operator's files + ``render_artifacts`` for
each operator. Prints the median per operator over several repetitions, the
total, ms per operator against the 50 ms target, how the time per operator
scales when the corpus is replicated 10x and 100x, and the peak resident
memory of the process.

    python benchmarks/compile_corpus.py [--repeat 5] [--scales 1,10,100]
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"
TARGET_MS = 50.0

sys.path.insert(0, str(ROOT))

from ruamel.yaml import YAML  # noqa: E402

from claimed_cwl.compile import read_user_files, render_artifacts  # noqa: E402
from claimed_cwl.emit import ArtifactSettings  # noqa: E402
from claimed_cwl.parse import parse_operator  # noqa: E402


@dataclass(frozen=True)
class Operator:
    """One corpus operator: its source and additional files (relative to the source's directory)."""

    source: Path
    files: tuple[Path, ...]

    @property
    def label(self) -> str:
        return self.source.relative_to(CORPUS).as_posix()


def load_corpus() -> list[Operator]:
    """The operators listed in tests/corpus/expected.yaml, in that order."""
    cases = YAML(typ="safe", pure=True).load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))["operators"]
    return [Operator(CORPUS / c["source"], tuple(Path(f) for f in c.get("files", []))) for c in cases]


def compile_in_memory(operator: Operator, settings: ArtifactSettings) -> int:
    """Parse and render one operator; return the number of bytes rendered."""
    spec = parse_operator(operator.source, additional_files=operator.files)
    artifacts = render_artifacts(spec, settings, read_user_files(operator.source, spec))
    return sum(len(content) for content in artifacts.values())


def time_each(corpus: Sequence[Operator], settings: ArtifactSettings, repeat: int) -> dict[str, list[float]]:
    """Seconds per operator, ``repeat`` samples each (one warm-up pass first)."""
    for operator in corpus:
        compile_in_memory(operator, settings)
    samples: dict[str, list[float]] = {op.label: [] for op in corpus}
    for _ in range(repeat):
        for operator in corpus:
            start = time.perf_counter()
            compile_in_memory(operator, settings)
            samples[operator.label].append(time.perf_counter() - start)
    return samples


def time_batch(corpus: Sequence[Operator], settings: ArtifactSettings, times: int, repeat: int) -> float:
    """Median wall time (s) to compile the corpus replicated ``times`` times."""
    batch = list(corpus) * times
    totals = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        for operator in batch:
            compile_in_memory(operator, settings)
        totals.append(time.perf_counter() - start)
    return statistics.median(totals)


def peak_rss_mib() -> float:
    """Peak resident set size of this process in MiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(corpus: Sequence[Operator], repeat: int, scales: Sequence[int]) -> None:
    """Run every measurement and print the results."""
    settings = ArtifactSettings()
    samples = time_each(corpus, settings, repeat)
    medians = {label: statistics.median(values) for label, values in samples.items()}
    width = max(len(label) for label in medians)
    print(f"per operator (median of {repeat}, parse + render, ms):")
    for label, seconds in medians.items():
        flag = "" if seconds * 1000 <= TARGET_MS else "  > target"
        print(f"  {label:<{width}}  {seconds * 1000:8.2f}{flag}")
    per_op = [s * 1000 for s in medians.values()]
    total_ms = sum(per_op)
    print(f"total for {len(corpus)} operators: {total_ms:.1f} ms")
    print(f"ms per operator: mean {statistics.mean(per_op):.2f}, median {statistics.median(per_op):.2f}, "
          f"max {max(per_op):.2f}  (target {TARGET_MS:.0f} ms: "
          f"{'met' if max(per_op) <= TARGET_MS else 'NOT met'})")
    print("scaling (corpus replicated, whole batch, median wall time):")
    for times in scales:
        batch_repeat = max(1, min(repeat, 30 // times))
        seconds = time_batch(corpus, settings, times, batch_repeat)
        count = len(corpus) * times
        print(f"  {times:>4}x  {count:>6} operators  {seconds:8.3f} s  {seconds * 1000 / count:7.2f} ms/operator"
              f"  (median of {batch_repeat})")
    print(f"peak memory (maxrss): {peak_rss_mib():.1f} MiB")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="repetitions per measurement (default: 5)")
    parser.add_argument("--scales", default="1,10,100", help="corpus replication factors (default: 1,10,100)")
    args = parser.parse_args(argv)
    scales = [int(s) for s in args.scales.split(",") if s.strip()]
    if args.repeat < 1 or any(s < 1 for s in scales):
        parser.error("--repeat and every scale must be at least 1")
    report(load_corpus(), args.repeat, scales)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
