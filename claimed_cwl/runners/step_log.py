"""Follow cwltool's log: which steps run, how they end, how long they take, what they output.

cwltool reports each job on its ``cwltool`` logger: ``[job NAME] ...`` when
it starts, ``[job NAME] completed STATUS`` at the end and, at DEBUG level,
``[job NAME] outputs {...}``. Workflow steps log ``[step NAME] start``.
The watcher is a logging handler, so it reads cwltool's public log, not its
internals; it passes each record on to an echo handler that applies the
user's verbosity.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from claimed_cwl.progress import Progress

__all__ = ["JobRow", "StepWatcher", "format_summary"]

_HEAD = re.compile(r"^\[(?P<kind>job|step|workflow) (?P<name>[^\]]*)\] ?(?P<rest>.*)$", re.DOTALL)
_COMPLETED = re.compile(r"^completed (?P<status>\w+)")
_OUTPUTS_FORMAT = "[job %s] outputs %s"


@dataclass
class JobRow:
    """One job (a tool run, or one scatter element) as the summary shows it."""

    name: str
    started: float
    ended: float | None = None
    status: str = "running"
    output_bytes: int = 0
    output_files: int = 0

    @property
    def seconds(self) -> float | None:
        """Wall time, once the job has ended."""
        return None if self.ended is None else self.ended - self.started


@dataclass(eq=False)  # handlers must stay hashable
class StepWatcher(logging.Handler):
    """Logging handler for cwltool's logger that keeps a :class:`JobRow` per job."""

    progress: Progress | None = None
    echo: logging.Handler | None = None
    jobs: dict[str, JobRow] = field(default_factory=dict)
    running_steps: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(logging.DEBUG)

    def setLevel(self, level: int | str) -> None:
        """Stay at DEBUG: cwltool sets its handler's level, verbosity is the echo handler's job."""
        super().setLevel(logging.DEBUG)

    @property
    def failed(self) -> list[str]:
        """Names of the jobs and steps that did not succeed, in order of completion."""
        return [row.name for row in self.jobs.values() if row.status not in ("success", "running")]

    def emit(self, record: logging.LogRecord) -> None:
        """Update the rows from one record, then hand it to the echo handler."""
        if self.echo is not None and record.levelno >= self.echo.level:
            self.echo.handle(record)
        if record.msg == _OUTPUTS_FORMAT and isinstance(record.args, tuple) and len(record.args) == 2:
            self._outputs(str(record.args[0]), str(record.args[1]))
            return
        head = _HEAD.match(record.getMessage())
        if head is None or head["kind"] == "workflow":
            return
        self._status(head["kind"], head["name"], head["rest"])
        if self.progress is not None:
            done = sum(1 for row in self.jobs.values() if row.ended is not None)
            running = [row.name for row in self.jobs.values() if row.ended is None]
            self.progress.update(f"{done} done, running: {', '.join(running[-3:]) or '-'}")

    def _status(self, kind: str, name: str, rest: str) -> None:
        completed = _COMPLETED.match(rest)
        if kind == "step":
            if rest.startswith("start"):
                self.running_steps.append(name)
            elif completed and name in self.running_steps:
                self.running_steps.remove(name)
            if not completed or completed["status"] == "success" or name in self.jobs:
                return
            # a step that failed before any of its jobs ran (e.g. a bad valueFrom): keep it visible
        row = self.jobs.setdefault(name, JobRow(name, time.monotonic()))
        if completed:
            row.ended, row.status = time.monotonic(), completed["status"]

    def _outputs(self, name: str, text: str) -> None:
        row = self.jobs.get(name)
        if row is None:
            return
        try:
            outputs = json.loads(text)
        except json.JSONDecodeError:
            return
        for size in _file_sizes(outputs):
            row.output_files += 1
            row.output_bytes += size


def _file_sizes(value: Any) -> Iterator[int]:
    """Sizes of every File in a CWL output object (Directories through their listing)."""
    if isinstance(value, list):
        for item in value:
            yield from _file_sizes(item)
    elif isinstance(value, dict):
        if value.get("class") == "File":
            yield int(value.get("size", 0))
        else:
            for item in value.values():
                yield from _file_sizes(item)


def _human(size: int) -> str:
    amount = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if amount < 1024 or unit == "GiB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{size} B"


def format_summary(rows: list[JobRow]) -> str:
    """A plain-text table: step, status, wall time, outputs (count and total size)."""
    header = ("step", "status", "wall time", "outputs")
    lines = [
        (
            row.name,
            row.status,
            "-" if row.seconds is None else f"{row.seconds:.1f} s",
            "-" if not row.output_files else f"{row.output_files} file(s), {_human(row.output_bytes)}",
        )
        for row in rows
    ]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()
                     for cells in [header, *lines])


def write_summary(watcher: StepWatcher, stream: TextIO) -> None:
    """Write the summary table of ``watcher``'s jobs to ``stream``."""
    if watcher.jobs:
        stream.write(format_summary(list(watcher.jobs.values())) + "\n")
