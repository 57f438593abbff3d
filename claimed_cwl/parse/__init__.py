"""Operator parser: read a ``.py``, ``.ipynb`` or ``.R`` operator into an OperatorSpec.

The front end is chosen by file suffix from :data:`FRONT_ENDS`; each turns the
file into a :class:`~claimed_cwl.parse.source.Source` and what it reads and
writes, and :func:`~claimed_cwl.parse.assemble.assemble` applies the shared
rules of docs/operators.md. Every bad input raises
:class:`~claimed_cwl.errors.OperatorError` naming file and line.
"""

from __future__ import annotations

import io
import tokenize
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path, PurePath

from claimed_cwl.errors import OperatorError
from claimed_cwl.parse.analysis import Analysis, Diagnostic, Explanation, format_explanations
from claimed_cwl.parse.assemble import assemble
from claimed_cwl.parse.dependencies import complete_operator
from claimed_cwl.parse.infer import name_from_stem
from claimed_cwl.parse.notebook import extract_notebook
from claimed_cwl.parse.python_source import extract_python
from claimed_cwl.parse.r_source import extract_r
from claimed_cwl.parse.reads import Extracted
from claimed_cwl.parse.source import Source, read_bytes
from claimed_cwl.spec import Language, OperatorSpec, unsafe_character

__all__ = [
    "FRONT_ENDS",
    "Analysis",
    "Diagnostic",
    "Explanation",
    "analyse_operator",
    "format_explanations",
    "parse_operator",
]

FrontEnd = Callable[[Path, bytes], tuple[Source, Extracted]]


def _python(path: Path, data: bytes) -> tuple[Source, Extracted]:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError) as exc:
        raise OperatorError(path, 0, f"cannot decode the source: {exc}") from None
    except UnicodeDecodeError as exc:
        raise OperatorError(path, data[: exc.start].count(b"\n") + 1, f"source is not valid {encoding} text") from None
    source = Source(path, _unix_newlines(text))
    return source, extract_python(source)


def _r(path: Path, data: bytes) -> tuple[Source, Extracted]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise OperatorError(path, data[: exc.start].count(b"\n") + 1, "R script is not UTF-8 text") from None
    source = Source(path, _unix_newlines(text))
    return source, extract_r(source)


def _unix_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Lower-cased file suffix -> (language, front end).
FRONT_ENDS: dict[str, tuple[Language, FrontEnd]] = {
    ".py": (Language.PYTHON, _python),
    ".ipynb": (Language.NOTEBOOK, extract_notebook),
    ".r": (Language.R, _r),
}


def parse_operator(path: str | Path, additional_files: Sequence[str | Path] = ()) -> OperatorSpec:
    """Read the operator at ``path`` into its OperatorSpec.

    ``additional_files`` are files or directories the operator needs in its
    image, relative to the operator's directory; they are kept as given (in
    POSIX form). Raises OperatorError (file, line, message) for any bad input.
    """
    return analyse_operator(path, additional_files).spec


def analyse_operator(path: str | Path, additional_files: Sequence[str | Path] = (),
                     directories: Sequence[str] = ()) -> Analysis:
    """Read the operator at ``path``: its spec, how each parameter was decided, and warnings.

    As :func:`parse_operator`, with the explanations that ``compile --explain``
    prints and the warnings that every compile prints. ``directories`` name
    parameters that must be Directory inputs whatever the code does with them
    (a grid's ``--writable`` directories), as ``# claimed: input type=Directory`` would.
    """
    path = Path(path)
    _check_name(path, path.name, "the operator's file name")
    data = read_bytes(path)
    entry = FRONT_ENDS.get(path.suffix.lower())
    if entry is None:
        expected = ", ".join(sorted({".py", ".ipynb", ".R"}))
        raise OperatorError(path, 0, f"unknown operator file type {path.suffix!r}: expected one of {expected}")
    language, front_end = entry
    name = name_from_stem(path.stem)
    if not name:
        raise OperatorError(path, 0, "the file name gives an empty operator name: use letters or digits in it")
    files = _additional_files(path, additional_files)
    try:
        source, extracted = front_end(path, data)
        analysis = assemble(source, language, name, extracted, files, directories=directories)
        return replace(analysis, spec=complete_operator(analysis.spec, source, extracted, files))
    except RecursionError:
        raise OperatorError(path, 0, "the source is nested too deeply to analyse") from None


def _check_name(path: Path, name: str, what: str) -> None:
    """Refuse a file name with a control character: it would reach the generated files (and a terminal) raw."""
    bad = unsafe_character(name)
    if bad is not None:
        shown = repr(str(path))[1:-1]
        raise OperatorError(shown, 0, f"{what} {name!r} contains the control character {bad}: rename it")


def _additional_files(path: Path, files: Sequence[str | Path]) -> tuple[str, ...]:
    base = path.parent
    checked: list[str] = []
    for item in files:
        given = PurePath(item)
        label = f"additional file {str(item)!r}"
        if not str(item).strip() or given == PurePath("."):
            raise OperatorError(path, 0, f"{label}: empty path")
        _check_name(path, str(item), "additional file")
        if given.is_absolute():
            raise OperatorError(path, 0, f"{label}: must be relative to the operator's directory {str(base)!r}")
        if ".." in given.parts:
            raise OperatorError(path, 0, f"{label}: must not leave the operator's directory ('..')")
        full = base / given
        if not full.exists():
            raise OperatorError(path, 0, f"{label}: not found (looked for {str(full)!r})")
        if not full.resolve().is_relative_to(base.resolve()):
            raise OperatorError(path, 0, f"{label}: a symbolic link to {str(full.resolve())!r}, outside the "
                                "operator's directory: refusing to copy it into the image")
        if not (full.is_file() or full.is_dir()):  # a FIFO would block the read; a socket or device cannot be copied
            raise OperatorError(path, 0, f"{label}: not a regular file or directory (a FIFO, socket or device "
                                "cannot be copied into an image)")
        checked.append(given.as_posix())
    return tuple(checked)
