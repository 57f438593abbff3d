"""Notebook front end: read with nbformat, merge the code cells, parse as Python.

Each cell becomes Python line for line (IPython's transform of shell lines
and magics; ``%%`` cells blank), so ``ast`` parses it and line numbers stay.
What shell lines and magics install and need is read by
:mod:`claimed_cwl.parse.notebook_cells`. Merged line numbers map back to
(cell, line) for every error. The title cell (the first markdown cell,
heading marks removed) and the markdown cell after it are the description.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

from claimed_cwl.errors import OperatorError
from claimed_cwl.parse.infer import strip_blank_lines
from claimed_cwl.parse.notebook_cells import CellFindings, analyse_cell, python_lines
from claimed_cwl.parse.python_source import extract_python
from claimed_cwl.parse.reads import Extracted
from claimed_cwl.parse.source import Source

__all__ = ["extract_notebook", "notebook_description", "read_notebook"]

_NEWLINES = re.compile(r"\r\n|\r|\n")
_HEADING = re.compile(r"^[ ]{0,3}#{1,6}[ \t]+", re.MULTILINE)


def read_notebook(path: Path, data: bytes) -> Any:
    """Decode, JSON-parse and validate a notebook; any problem is an OperatorError."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise OperatorError(path, data[: exc.start].count(b"\n") + 1, "notebook is not UTF-8 text") from None
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise OperatorError(path, exc.lineno, f"notebook is not valid JSON: {exc.msg} (column {exc.colno})") from None
    except RecursionError:
        raise OperatorError(path, 0, "notebook JSON is nested too deeply") from None
    try:
        with warnings.catch_warnings():  # e.g. MissingIDFieldWarning for older v4 notebooks
            warnings.simplefilter("ignore")
            import nbformat  # noqa: PLC0415 - 0.3 s to import; only notebooks need it

            notebook = nbformat.reads(text, as_version=4)  # type: ignore[no-untyped-call]
            nbformat.validate(notebook)
    except Exception as exc:  # nbformat raises many types for malformed documents
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise OperatorError(path, 0, f"not a Jupyter notebook (nbformat 4): {first_line}") from None
    return notebook


def extract_notebook(path: Path, data: bytes) -> tuple[Source, Extracted]:
    """Parse a notebook into its merged Source and what it reads and writes."""
    notebook = read_notebook(path, data)
    lines: list[str] = []
    cells: list[tuple[int, int]] = []
    shell = CellFindings()
    for number, cell in enumerate(notebook.cells, start=1):
        text = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        if cell.cell_type != "code":
            continue
        if lines:
            lines.append("")
            cells.append((0, 0))
        analyse_cell(text, number, len(lines) + 1, path.name, shell)
        for cell_line, line in enumerate(python_lines(_NEWLINES.split(text)), start=1):
            lines.append(line)
            cells.append((number, cell_line))
    source = Source(path, "\n".join(lines) + "\n", tuple(cells))
    extracted = extract_python(source, with_docstring=False)
    extracted.description = notebook_description(notebook.cells)
    extracted.shell = shell
    return source, extracted


def notebook_description(cells: Any) -> str:
    """The title cell (the first markdown cell, heading marks removed) and the markdown cell right after it.

    C3 read a notebook's name from its title cell and its description from the next cell.
    """
    texts = [(c.cell_type, c.source if isinstance(c.source, str) else "".join(c.source)) for c in cells]
    first = next((i for i, (kind, _) in enumerate(texts) if kind == "markdown"), None)
    if first is None:
        return ""
    parts = [texts[first][1]]
    if first + 1 < len(texts) and texts[first + 1][0] == "markdown":
        parts.append(texts[first + 1][1])
    cleaned = [strip_blank_lines(_HEADING.sub("", part)) for part in parts]
    return "\n\n".join(part for part in cleaned if part)
