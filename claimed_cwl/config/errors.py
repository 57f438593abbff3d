"""Errors in the settings: where (file and line, or the variable or flag) and what was expected."""

from __future__ import annotations

from pathlib import Path

from claimed_cwl.errors import ClaimedError

__all__ = ["ConfigError"]


class ConfigError(ClaimedError):
    """A bad setting: ``file:line: message`` (line 0: unknown), or ``VARIABLE: message``, or ``--flag: message``."""

    def __init__(self, where: str | Path, line: int, message: str) -> None:
        self.where = str(where)
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        location = f"{self.where}:{self.line}" if self.line else self.where
        return f"{location}: {self.message}"
