"""Batch sources (CLAIMED grid wrapper conventions) and batch id validation.

A batch list comes from a batch file (``.txt``: comma-separated; ``.json``: the
keys of an object, or a list of strings; ``.csv``: one column, ``filename`` by
default) that is a local path or an ``s3://`` object, or from glob patterns plus
a ``group_by`` rule. C3 evaluates ``'str(path)' + group_by`` with ``eval``; here
the same expressions (``[-10:-4]``, ``.split('.')[-2]``, ``.lower()`` ...) are
interpreted safely, and ``re:REGEX`` is accepted too.

Every id is validated before any work starts: it becomes a file name and an
object key, so empty ids, absolute paths, ``.``/``..`` segments, NUL and other
control characters and backslashes are rejected; an id listed twice in a batch
file is an error too (files grouped by a pattern share their batch, of course). ``/`` is allowed between
safe segments (CLAIMED batch files often list relative paths).
"""

from __future__ import annotations

import ast
import csv
import glob
import io
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from claimed_cwl.runtime.grid.errors import GridError
from claimed_cwl.runtime.grid.settings import BATCH_FILE, COL_NAME, FILE_PATTERN, GROUP_BY

__all__ = [
    "eval_group_by",
    "load_batch_file",
    "parse_batch_text",
    "resolve_batches",
    "validate_batch_id",
    "validate_batches",
]

MAX_SEGMENT_BYTES = 200
MAX_ID_BYTES = 1000
#: The longest name :func:`batch_file_name` gives (ASCII): room for a prefix and suffix under 255 bytes.
MAX_FILE_NAME_ID = 200
_STATE_SUFFIXES = (".lock", ".processed", ".err")
_STR_METHODS = frozenset(
    {
        "split", "rsplit", "strip", "lstrip", "rstrip", "replace", "lower", "upper", "partition",
        "rpartition", "removeprefix", "removesuffix", "casefold", "title", "zfill",
    }
)  # fmt: skip


def validate_batch_id(batch_id: object) -> str:
    """Return ``batch_id`` if it is safe as a file name and an object key; else raise GridError saying why."""
    if not isinstance(batch_id, str):
        raise GridError(f"batch id {batch_id!r} is not a string")
    problem = _id_problem(batch_id)
    if problem:
        raise GridError(f"unsafe batch id {batch_id!r}: {problem}")
    return batch_id


def batch_file_name(batch_id: str) -> str:
    """A file name for ``batch_id`` that CWL runners accept, no other id maps to, and always fits.

    Letters, digits, ``_``, ``.``, ``+`` and ``-`` are kept (cwltool's path check allows no more); an id
    with any other character (``/``, a space, ``*``, ``%``, ...) has those replaced by ``_`` and gets a
    short hash of the whole id appended. A name longer than :data:`MAX_FILE_NAME_ID` characters (a valid id
    may have 1000 bytes, a file name at most 255) is cut and gets the hash too, so that a name made from it
    (``gw_result-<name>.json``) fits as well.
    """
    safe = re.sub(r"[^A-Za-z0-9_.+-]", "_", batch_id)
    if safe == batch_id and len(safe) <= MAX_FILE_NAME_ID:
        return batch_id
    import hashlib  # noqa: PLC0415 (rarely needed: OpenSSL's start-up is kept out of every batch's container)

    digest = hashlib.sha256(batch_id.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{safe[: MAX_FILE_NAME_ID - len(digest) - 1]}-{digest}"


def _id_problem(batch_id: str) -> str:  # noqa: PLR0911 (one return per reason)
    if batch_id == "":
        return "empty"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in batch_id):
        return "contains a control character (NUL, newline, ...)"
    if "\\" in batch_id:
        return "contains a backslash"
    if batch_id.startswith("/"):
        return "is an absolute path"
    if len(batch_id.encode("utf-8", "surrogatepass")) > MAX_ID_BYTES:
        return f"longer than {MAX_ID_BYTES} bytes"
    segments = batch_id.split("/")
    for segment in segments:
        if segment in ("", ".", ".."):
            return f"has an empty, '.' or '..' path segment ({segment!r})"
        if len(segment.encode("utf-8", "surrogatepass")) > MAX_SEGMENT_BYTES:
            return f"has a path segment longer than {MAX_SEGMENT_BYTES} bytes"
        if segment != segment.strip():
            return "has a path segment with leading or trailing spaces"
    if any(segment.endswith(_STATE_SUFFIXES) for segment in segments[:-1]):
        return f"has a directory segment ending in {', '.join(_STATE_SUFFIXES)} (reserved for coordination)"
    return ""


def validate_batches(items: Iterable[tuple[str, int]], source: str, merge_duplicates: bool = False) -> list[str]:
    """Validate ``(id, line)`` pairs from ``source``: an unsafe id is an error, and so is a repeated one.

    ``merge_duplicates`` keeps the first of repeated ids instead (files grouped into batches by a pattern).
    """
    seen: dict[str, int] = {}
    for batch_id, line in items:
        problem = _id_problem(batch_id)
        if problem:
            raise GridError(f"unsafe batch id {batch_id!r}: {problem}", source, line)
        if batch_id in seen and not merge_duplicates:
            first = f" (first on line {seen[batch_id]})" if seen[batch_id] else ""
            raise GridError(f"batch id {batch_id!r} is listed twice{first}: each batch must be listed once", source,
                            line)
        seen.setdefault(batch_id, line)
    if not seen:
        raise GridError("no batches", source)
    return list(seen)


def parse_batch_text(text: str, kind: str, source: str, col_name: str = "filename") -> list[str]:
    """Parse batch file content of ``kind`` (``txt``, ``json`` or ``csv``) read from ``source``."""
    if kind == "txt":
        return validate_batches(_txt_items(text), source)
    if kind == "json":
        return validate_batches(_json_items(text, source), source)
    if kind == "csv":
        return validate_batches(_csv_items(text, source, col_name), source)
    raise GridError("batch files must end in .txt (comma-separated), .json (keys) or .csv (a column)", source)


def _txt_items(text: str) -> list[tuple[str, int]]:
    items = []
    line = 1  # the line the current part starts on (counted as the parts go: linear in the text)
    for part in text.split(","):
        leading = part[: len(part) - len(part.lstrip())]
        items.append((part.strip(), line + leading.count("\n")))
        line += part.count("\n")
    # A trailing comma (or nothing at all) is not an empty batch.
    if items and items[-1][0] == "":
        items.pop()
    return items


def _json_items(text: str, source: str) -> list[tuple[str, int]]:
    top_keys: list[str] = []

    def keep_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        top_keys[:] = [key for key, _ in pairs]  # the last object decoded is the outermost one
        return dict(pairs)

    try:
        data = json.loads(text, object_pairs_hook=keep_pairs)
    except json.JSONDecodeError as exc:
        raise GridError(f"not valid JSON: {exc.msg}", source, exc.lineno) from None
    if isinstance(data, dict):
        return [(key, 0) for key in top_keys]  # with repeated keys, which json.loads would merge
    if isinstance(data, list) and all(isinstance(item, str) for item in data):
        return [(item, 0) for item in data]
    raise GridError("a .json batch file must hold an object (its keys are the batches) or a list of strings", source)


def _csv_items(text: str, source: str, col_name: str) -> list[tuple[str, int]]:
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or col_name not in reader.fieldnames:
        found = ", ".join(reader.fieldnames or []) or "no header"
        raise GridError(f"no column {col_name!r} ({COL_NAME.name}) in the header; found: {found}", source, 1)
    return [((row.get(col_name) or "").strip(), reader.line_num) for row in reader]


def load_batch_file(location: str, col_name: str = "filename") -> list[str]:
    """Read the batches of a batch file: a local path or ``s3://bucket/key`` (S3 credentials from the environment)."""
    kind = location.rsplit(".", 1)[-1].lower() if "." in location.rsplit("/", 1)[-1] else ""
    if kind not in ("txt", "json", "csv"):
        raise GridError("batch files must end in .txt (comma-separated), .json (keys) or .csv (a column)", location)
    if location.startswith("s3://"):
        from claimed_cwl.runtime.grid.s3_store import read_s3_text  # noqa: PLC0415 (boto3 only when needed)

        text = read_s3_text(location)
    else:
        try:
            text = Path(location).read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise GridError("batch file not found", location) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise GridError(f"cannot read the batch file: {exc}", location) from None
    return parse_batch_text(text, kind, location, col_name)


def eval_group_by(path: str, rule: str) -> str:
    """Apply a group-by ``rule`` to ``path``: a C3 suffix (``[-10:-4]``, ``.split('.')[-2]``) or ``re:REGEX``."""
    if rule.startswith("re:"):
        match = re.search(rule[3:], path)
        if match is None:
            return ""
        return match.group(1) if match.re.groups else match.group(0)
    try:
        tree = ast.parse("_path" + rule.strip(), mode="eval")
    except SyntaxError:
        raise GridError(f"{GROUP_BY.name} {rule!r}: not an expression such as [-10:-4] or .split('.')[-2]") from None
    value = _eval_node(tree.body, path, rule)
    if not isinstance(value, str):
        raise GridError(f"{GROUP_BY.name} {rule!r} gives a {type(value).__name__} for {path!r}, not a string")
    return value


def _eval_node(node: ast.expr, path: str, rule: str) -> Any:
    if isinstance(node, ast.Name) and node.id == "_path":
        return path
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        return -_eval_node(node.operand, path, rule)
    if isinstance(node, ast.Subscript):
        return _eval_node(node.value, path, rule)[_eval_index(node.slice, path, rule)]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _STR_METHODS:
        target = _eval_node(node.func.value, path, rule)
        if not isinstance(target, str):
            raise GridError(f"{GROUP_BY.name} {rule!r}: .{node.func.attr}() applied to a {type(target).__name__}")
        args = [_eval_node(arg, path, rule) for arg in node.args]
        kwargs = {kw.arg: _eval_node(kw.value, path, rule) for kw in node.keywords if kw.arg}
        return getattr(target, node.func.attr)(*args, **kwargs)
    raise GridError(
        f"{GROUP_BY.name} {rule!r}: only indexing, slicing and string methods ({', '.join(sorted(_STR_METHODS))}) "
        "with constant arguments are allowed"
    )


def _eval_index(node: ast.expr, path: str, rule: str) -> Any:
    if isinstance(node, ast.Slice):
        parts = [None if part is None else _eval_node(part, path, rule) for part in (node.lower, node.upper, node.step)]
        return slice(*parts)
    return _eval_node(node, path, rule)


def batches_from_pattern(patterns: str, group_by: str) -> list[str]:
    """Glob every comma-separated pattern and group the paths into batch ids, sorted."""
    found: list[tuple[str, int]] = []
    for pattern in (p.strip() for p in patterns.split(",")):
        files = sorted(glob.glob(pattern, recursive=True))
        if not files:
            raise GridError(f"no files match {FILE_PATTERN.name} {pattern!r}")
        for file_path in files:
            try:
                part = eval_group_by(file_path, group_by)
            except (IndexError, TypeError, ValueError) as exc:
                raise GridError(f"{GROUP_BY.name} {group_by!r} fails on {file_path!r}: {exc}") from None
            if part == "":
                raise GridError(f"{GROUP_BY.name} {group_by!r} gives an empty batch id for {file_path!r}")
            found.append((part, 0))
    return sorted(validate_batches(found, f"{FILE_PATTERN.name} {patterns!r}", merge_duplicates=True))


def resolve_batches(
    batch_file: str | None,
    col_name: str = "filename",
    file_path_pattern: str | None = None,
    group_by: str | None = None,
    batches_json: str | None = None,
) -> list[str]:
    """Return the validated batch list from the first source given: batches JSON, batch file, or pattern + group_by."""
    if batches_json:
        try:
            text = Path(batches_json).read_text(encoding="utf-8")
        except OSError as exc:
            raise GridError(f"cannot read the batch list: {exc.strerror}", batches_json) from None
        return parse_batch_text(text, "json", batches_json)
    if batch_file:
        return load_batch_file(batch_file, col_name)
    if file_path_pattern and group_by:
        return batches_from_pattern(file_path_pattern, group_by)
    raise GridError(f"no batches: give {BATCH_FILE.name}, or {FILE_PATTERN.name} and {GROUP_BY.name}")
