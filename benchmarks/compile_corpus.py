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
import os
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


@dataclass(frozen=True)
class Sample:
    """Wall-clock and CPU seconds of one measurement."""

    wall: float
    cpu: float


def _measure(batch: Sequence[Operator], settings: ArtifactSettings) -> Sample:
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    for operator in batch:
        compile_in_memory(operator, settings)
    return Sample(time.perf_counter() - wall, time.process_time() - cpu)


def time_each(corpus: Sequence[Operator], settings: ArtifactSettings, repeat: int) -> dict[str, list[Sample]]:
    """Seconds per operator, ``repeat`` samples each (one warm-up pass first)."""
    for operator in corpus:
        compile_in_memory(operator, settings)
    samples: dict[str, list[Sample]] = {op.label: [] for op in corpus}
    for _ in range(repeat):
        for operator in corpus:
            samples[operator.label].append(_measure([operator], settings))
    return samples


def time_batch(corpus: Sequence[Operator], settings: ArtifactSettings, times: int, repeat: int) -> Sample:
    """Median wall and CPU time to compile the corpus replicated ``times`` times."""
    runs = [_measure(list(corpus) * times, settings) for _ in range(repeat)]
    return Sample(statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs))


def peak_rss_mib() -> float:
    """Peak resident set size of this process in MiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(corpus: Sequence[Operator], repeat: int, scales: Sequence[int]) -> None:
    """Run every measurement and print the results."""
    settings = ArtifactSettings()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores "
          "(wall time is inflated on a busy machine; CPU time much less)")
    samples = time_each(corpus, settings, repeat)
    wall = {label: statistics.median(s.wall for s in values) * 1000 for label, values in samples.items()}
    cpu = {label: statistics.median(s.cpu for s in values) * 1000 for label, values in samples.items()}
    width = max(len(label) for label in wall)
    print(f"per operator (median of {repeat}, parse + render, ms):")
    print(f"  {'operator':<{width}}  {'wall':>8}  {'cpu':>8}")
    for label, wall_ms in wall.items():
        flag = "" if wall_ms <= TARGET_MS else "  > target"
        print(f"  {label:<{width}}  {wall_ms:8.2f}  {cpu[label]:8.2f}{flag}")
    print(f"total for {len(corpus)} operators: wall {sum(wall.values()):.1f} ms, cpu {sum(cpu.values()):.1f} ms")
    worst = max(wall.values())
    print(f"ms per operator (wall): mean {statistics.mean(wall.values()):.2f}, "
          f"median {statistics.median(wall.values()):.2f}, max {worst:.2f}; "
          f"cpu mean {statistics.mean(cpu.values()):.2f}  "
          f"(target {TARGET_MS:.0f} ms per operator: {'met' if worst <= TARGET_MS else 'NOT met'})")
    print("scaling (corpus replicated, whole batch, median):")
    for times in scales:
        batch_repeat = max(1, min(repeat, 30 // times))
        sample = time_batch(corpus, settings, times, batch_repeat)
        count = len(corpus) * times
        print(f"  {times:>4}x  {count:>6} operators  wall {sample.wall:8.3f} s  "
              f"{sample.wall * 1000 / count:7.2f} ms/operator  cpu {sample.cpu * 1000 / count:7.2f} ms/operator"
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
