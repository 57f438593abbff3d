"""User-facing errors: each says where (file and line) and what was expected."""

from __future__ import annotations

from pathlib import Path

__all__ = ["ClaimedError", "OperatorError"]


class ClaimedError(Exception):
    """An error the command line reports as one clean message, never a traceback."""


class OperatorError(ClaimedError):
    """Bad operator source: ``file:line: message``.

    ``line`` is 1-based; 0 means the whole file. ``where`` may refine the
    location (for notebooks: ``cell 3``).
    """

    def __init__(self, path: str | Path, line: int, message: str, where: str = "") -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        self.where = where
        super().__init__(str(self))

    def __str__(self) -> str:
        location = self.path
        if self.where:
            location += f" ({self.where})"
        if self.line:
            location += f":{self.line}"
        return f"{location}: {self.message}"
