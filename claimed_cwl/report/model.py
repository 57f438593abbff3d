"""What a run report holds: the jobs, the inputs (masked), the outputs, and for a grid its batches.

Every figure says where it came from; a figure the engine did not measure is
None, and the report says so instead of showing a number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["BatchRecord", "GridRecord", "JobRecord", "OutputFile", "RunRecord", "human_size", "span"]


def human_size(size: int) -> str:
    """``size`` bytes as people read it: ``512 B``, ``1.5 KiB``, ``3.2 GiB``."""
    amount = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if amount < 1024 or unit == "GiB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{size} B"


def span(started: float | None, ended: float | None) -> float | None:
    """Seconds from ``started`` to ``ended`` (never negative), None when either is unknown."""
    if started is None or ended is None:
        return None
    return max(0.0, ended - started)


@dataclass(frozen=True)
class JobRecord:
    """One job (a tool run, or one scatter element): when it ran, how it ended, what it used.

    Times are seconds since the epoch; ``started`` is None for a job that never started.
    ``peak_memory`` is in bytes, ``cpu_seconds`` in seconds, each None when not measured
    (``cpu_note`` and ``memory_note`` say why not). ``log_tail`` holds the last lines the job wrote (failed jobs).
    """

    name: str
    status: str
    started: float | None = None
    ended: float | None = None
    exit_code: int | None = None
    peak_memory: int | None = None
    cpu_seconds: float | None = None
    cpu_note: str = ""
    memory_note: str = ""
    log_tail: tuple[str, ...] = ()

    @property
    def seconds(self) -> float | None:
        """Wall time, when the job started and ended."""
        return span(self.started, self.ended)


@dataclass(frozen=True)
class OutputFile:
    """One output file: the output it belongs to, where it is, its size and checksum."""

    output: str
    path: str
    size: int | None
    checksum: str


@dataclass(frozen=True)
class BatchRecord:
    """One grid batch as the coordinator's markers show it."""

    batch: str
    state: str  # processed, failed, pending (skipped batches are processed or failed before this run)
    started: float | None = None
    ended: float | None = None
    worker: str = ""
    error: str = ""
    before_run: bool = False

    @property
    def seconds(self) -> float | None:
        """Duration, when both ends are known."""
        return span(self.started, self.ended)


@dataclass(frozen=True)
class GridRecord:
    """A grid run: where the coordinator is, its batches, and what could not be read."""

    coordinator: str
    batches: tuple[BatchRecord, ...] = ()
    problem: str = ""

    def counts(self) -> dict[str, int]:
        """Processed / failed / skipped / pending counts (skipped: done or failed before this run)."""
        skipped = sum(1 for batch in self.batches if batch.before_run)
        return {
            "total": len(self.batches),
            "processed": sum(1 for b in self.batches if b.state == "processed" and not b.before_run),
            "failed": sum(1 for b in self.batches if b.state == "failed" and not b.before_run),
            "skipped": skipped,
            "pending": sum(1 for b in self.batches if b.state == "pending"),
        }


@dataclass(frozen=True)
class RunRecord:
    """Everything the report shows about one run."""

    document: str
    backend: str
    code: int
    started: float
    ended: float
    jobs: tuple[JobRecord, ...] = ()
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: tuple[OutputFile, ...] = ()
    grid: GridRecord | None = None
    notes: tuple[str, ...] = ()
