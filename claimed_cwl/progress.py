"""One status line on the terminal for work that takes more than a moment.

Silent when stderr is not a terminal (logs and CI stay clean) and for the
first ``delay`` seconds (quick commands print nothing).
"""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """Context manager that redraws ``label: status (elapsed)`` once a second."""

    def __init__(self, label: str, stream: TextIO | None = None, delay: float = 2.0) -> None:
        self._label = label
        self._stream = stream or sys.stderr
        self._delay = delay
        self._status = ""
        self._start = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._drawn = False
        self._enabled = self._stream.isatty()

    def update(self, status: str) -> None:
        """Set the status text shown after the label."""
        self._status = status

    def __enter__(self) -> Progress:
        if self._enabled:
            self._thread = threading.Thread(target=self._loop, name="progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._drawn:
            self._stream.write("\r\033[K")
            self._stream.flush()

    def _loop(self) -> None:
        while not self._stop.wait(0.5):
            elapsed = time.monotonic() - self._start
            if elapsed < self._delay:
                continue
            status = f": {self._status}" if self._status else ""
            line = f"{self._label}{status} ({elapsed:.0f}s)"
            self._stream.write("\r\033[K" + line[:200])
            self._stream.flush()
            self._drawn = True
