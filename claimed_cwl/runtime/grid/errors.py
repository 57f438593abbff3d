"""The one error type of the grid modules: a clean message, never a traceback."""

from __future__ import annotations

__all__ = ["GridError"]


class GridError(Exception):
    """Bad grid input or a coordination failure: ``path:line: message`` when a place is known.

    ``line`` is 1-based; 0 means the whole file. The message must never contain
    credentials (the S3 backend formats bucket and key only).
    """

    def __init__(self, message: str, path: str = "", line: int = 0) -> None:
        self.message = message
        self.path = path
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        if not self.path:
            return self.message
        location = f"{self.path}:{self.line}" if self.line else self.path
        return f"{location}: {self.message}"
