"""The live display of a run: steps done / running / failed and, for a grid, batches with the time left.

On a terminal it is a rich live panel redrawn twice a second (log lines scroll
above it); on anything else (a pipe, a file, CI) it is one plain line every
``interval`` seconds (``claimed-cwl run --progress-seconds``, default
:data:`PIPE_INTERVAL`); with ``--quiet`` there is none. The grid figures are read from the coordinator
(:class:`~claimed_cwl.report.grid.GridSource`), the step figures from the
runner's watcher through ``jobs``, a callable giving ``(name, state)`` pairs
with state ``waiting``, ``running``, ``success``, ``skipped`` or a failure
(None for a runner whose steps are not followed while it runs: Toil).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from claimed_cwl.report.grid import GridProgress, GridSource

__all__ = ["PIPE_INTERVAL", "JobStates", "LiveDisplay", "count_steps", "duration"]

PIPE_INTERVAL = 5.0
"""Seconds between two progress lines on a non-terminal."""
JobStates = Callable[[], Iterable[tuple[str, str]]]


def count_steps(states: Iterable[tuple[str, str]]) -> tuple[int, int, int, list[str]]:
    """Done (succeeded or skipped), running and failed jobs, and the running jobs' names."""
    done = running = failed = 0
    names = []
    for name, state in states:
        if state in ("success", "skipped"):
            done += 1
        elif state == "running":
            running += 1
            names.append(name)
        elif state != "waiting":
            failed += 1
    return done, running, failed, names


def duration(seconds: float) -> str:
    """``1h 02m``, ``3m 04s`` or ``12s``."""
    seconds = round(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds}s"


def _grid_text(grid: GridProgress) -> str:
    eta = "estimating the time left" if grid.eta is None else f"about {duration(grid.eta)} left"
    if grid.remaining == 0:
        eta = "none left"
    return (f"batches: {grid.done}/{grid.total} done, {grid.failed} failed, {grid.remaining} remaining, {eta}")


class LiveDisplay:
    """Context manager showing a run's progress on ``stream`` (default stderr) while it lasts."""

    def __init__(self, label: str, jobs: JobStates | None, grid: GridSource | None = None, *, quiet: bool = False,
                 stream: TextIO | None = None, interval: float = PIPE_INTERVAL) -> None:
        self.label = label
        self.jobs = jobs
        self.grid = grid if grid is not None and grid.store is not None else None
        self._stream = stream or sys.stderr
        self._quiet = quiet
        self._terminal = self._stream.isatty()
        self._start = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._live: Live | None = None
        self._status = ""
        self._interval = interval

    def update(self, status: str) -> None:
        """Accept the watcher's status text (the display reads the jobs itself)."""
        self._status = status

    def _grid_now(self) -> GridProgress | None:
        return self.grid.progress() if self.grid is not None else None

    def line(self) -> str:
        """The progress as one plain line."""
        parts = []
        if self.jobs is not None:
            done, running, failed, names = count_steps(self.jobs())
            parts.append(f"steps {done} done, {running} running, {failed} failed"
                         + (f" (running: {', '.join(names[-3:])})" if names else ""))
        grid = self._grid_now()
        if grid is not None:
            parts.append(_grid_text(grid))
        elapsed = duration(time.monotonic() - self._start)
        return f"claimed-cwl: {self.label}: {'; '.join(parts) or 'running'} [{elapsed}]"

    def _panel(self) -> Group:
        table = Table.grid(padding=(0, 2))
        table.add_row(Text(self.label, style="bold"), Text(duration(time.monotonic() - self._start), style="dim"))
        if self.jobs is not None:
            done, running, failed, names = count_steps(self.jobs())
            steps = Text.assemble(("steps ", "bold"), (f"{done} done", "green"), ", ", (f"{running} running", "cyan"),
                                  ", ", (f"{failed} failed", "red" if failed else ""))
            table.add_row(steps, Text(", ".join(names[-3:]), style="cyan", overflow="ellipsis", no_wrap=True))
        grid = self._grid_now()
        parts: list[Table | ProgressBar] = [table]
        if grid is not None:
            table.add_row(Text(_grid_text(grid)), "")
            parts.append(ProgressBar(total=max(grid.total, 1), completed=grid.done + grid.failed, width=60))
        return Group(*parts)

    def __enter__(self) -> LiveDisplay:
        if self._quiet:
            return self
        if self._terminal:
            console = Console(file=self._stream, force_terminal=True)
            self._live = Live(get_renderable=self._panel, console=console, refresh_per_second=2, transient=True,
                              redirect_stdout=False, redirect_stderr=True)
            self._live.start()
        else:
            self._thread = threading.Thread(target=self._lines, name="progress", daemon=True)
            self._thread.start()
        return self

    def _lines(self) -> None:
        while not self._stop.wait(self._interval):
            self._stream.write(self.line() + "\n")
            self._stream.flush()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._live is not None:
            self._live.stop()
