"""Where an operator's text came from, so every error can name file and line.

A :class:`Source` holds the text the parsers read (for notebooks: the merged
code cells) and maps its line numbers back to what the user sees (for
notebooks: cell number and line within the cell).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from claimed_cwl.errors import OperatorError

__all__ = ["Source", "read_bytes"]


@dataclass(frozen=True)
class Source:
    """Text of an operator plus the map from its lines to the user's locations.

    ``cells`` is empty for plain scripts. For notebooks, ``cells[i]`` is the
    ``(cell number, line in cell)`` of line ``i + 1`` of ``text`` (cell
    number 0 for separator lines that belong to no cell).
    """

    path: Path
    text: str
    cells: Sequence[tuple[int, int]] = ()

    def locate(self, line: int) -> tuple[str, int]:
        """Return ``(where, line)`` as the user sees line ``line`` of the text."""
        if self.cells and 1 <= line <= len(self.cells):
            cell, cell_line = self.cells[line - 1]
            if cell:
                return f"cell {cell}", cell_line
        return "", line

    def describe(self, line: int) -> str:
        """Human form of a line reference for messages: ``line 7`` or ``cell 2, line 3``."""
        where, user_line = self.locate(line)
        return f"{where}, line {user_line}" if where else f"line {user_line}"

    def error(self, line: int, message: str) -> OperatorError:
        """Build the OperatorError for ``message`` at line ``line`` of the text."""
        where, user_line = self.locate(line)
        return OperatorError(self.path, user_line, message, where=where)


def read_bytes(path: Path) -> bytes:
    """Read an operator file; a missing or unreadable file is an OperatorError."""
    if not path.exists():
        raise OperatorError(path, 0, "no such file")
    if not path.is_file():
        raise OperatorError(path, 0, "not a regular file")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise OperatorError(path, 0, f"cannot read the file: {exc.strerror or exc}") from exc
