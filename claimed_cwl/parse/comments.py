"""Comment conventions shared by all languages.

``# claimed:`` directives, the test for dependency lines (``# pip install a``), and the
description block of comment lines directly above a line. Comments are
handed in as a map from comment-only line numbers to the text after ``#``;
for Python that map comes from :func:`python_comments` (the ``tokenize``
module), so a ``#`` inside a string is never a comment.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Mapping
from dataclasses import dataclass, replace

from claimed_cwl.parse.infer import RESOURCE_PARSERS
from claimed_cwl.parse.source import Source
from claimed_cwl.spec import ParamType

__all__ = [
    "Directive",
    "ParamDirective",
    "block_above",
    "check_package",
    "is_dependency_line",
    "is_directive",
    "merge_param",
    "param_docs",
    "parse_directive",
    "python_comments",
]

_DIRECTIVE_RE = re.compile(r"\s*claimed\s*:(.*)\Z", re.DOTALL)
# A dependency line (read by claimed_cwl.parse.dependencies): an install command of pip, apt, dnf, conda, ...
_DEPENDENCY_RE = re.compile(
    r"(?:sudo\s+)?(?:python3?\s+-m\s+|uv\s+)?(pip3?|apt-get|apt|dnf|yum|conda|mamba)\s+install(?:\s+(.*))?\Z",
    re.DOTALL,
)
# Characters a shell gives meaning to; < and > are allowed only as parts of version specifiers (a>=1).
_SHELL_CHARS = frozenset(";&|$`'\"(){}\\*?#\n\r\t ")
_PACKAGE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+\-\[\],<>=!~:@/]*")
_TYPES = {t.value.lower(): t for t in ParamType}
# C3's parameter docs: "# @param name text" (also "@param name: text"), anywhere in the source.
_PARAM_DOC_RE = re.compile(r"\s*@param\s+([A-Za-z_][A-Za-z0-9_]*)\s*:?\s*(.*)\Z", re.DOTALL)
_BOOL_WORDS = {"true": True, "yes": True, "false": False, "no": False}


@dataclass(frozen=True)
class ParamDirective:
    """Per-parameter items of ``# claimed:`` lines; None means 'not said'."""

    line: int
    type: ParamType | None = None
    secret: bool | None = None
    role: str | None = None  # "output" or "input"
    path: str | None = None
    required: bool | None = None
    ignore: bool = False


@dataclass(frozen=True)
class Directive:
    """One ``# claimed:`` line split into parameter items and resource items."""

    line: int
    param: ParamDirective | None
    resources: tuple[tuple[str, float], ...]


def python_comments(text: str) -> dict[int, str]:
    """Comment-only lines of Python source -> text after ``#`` (via ``tokenize``)."""
    found: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT and not tok.line[: tok.start[1]].strip():
            found[tok.start[0]] = tok.string[1:]
    return found


def is_directive(text: str) -> bool:
    """Tell whether a comment's text is a ``claimed:`` directive."""
    return bool(_DIRECTIVE_RE.match(text))


def is_dependency_line(text: str) -> bool:
    """Tell whether a comment's text (or a notebook shell line) is a dependency line."""
    return bool(_DEPENDENCY_RE.match(text.strip()))


def block_above(comments: Mapping[int, str], line: int) -> str:
    """Return the description from the comment lines directly above ``line``, joined by spaces.

    Directive and dependency lines are left out, as is a ``#!`` first line.
    """
    parts: list[str] = []
    current = line - 1
    while current in comments:
        parts.append(comments[current])
        current -= 1
    kept: list[str] = []
    for offset, text in enumerate(reversed(parts)):
        number = current + 1 + offset
        if is_directive(text) or is_dependency_line(text) or _PARAM_DOC_RE.match(text) or (
                number == 1 and text.startswith("!")):
            continue
        cleaned = text.lstrip("#").strip()
        if cleaned:
            kept.append(cleaned)
    return " ".join(kept)


def param_docs(comments: Mapping[int, str]) -> dict[str, str]:
    """``# @param name text`` comments (C3's parameter docs) -> name: text; the first one of a name wins."""
    docs: dict[str, str] = {}
    for line in sorted(comments):
        match = _PARAM_DOC_RE.match(comments[line])
        if match and match.group(2).strip():
            docs.setdefault(match.group(1), " ".join(match.group(2).split()))
    return docs


def check_package(item: str, line: int, source: Source) -> None:
    """Reject a package name with a shell character or outside the package-name alphabet."""
    bad = sorted(set(item) & _SHELL_CHARS)
    if bad:
        raise source.error(line, f"package name {item!r} contains the shell character {bad[0]!r}; name packages only")
    if not _PACKAGE_RE.fullmatch(item):
        raise source.error(line, f"{item!r} is not a valid package name")


def parse_directive(text: str, line: int, source: Source) -> Directive | None:
    """Parse a ``claimed:`` comment; None if the comment is not a directive."""
    match = _DIRECTIVE_RE.match(text)
    if not match or match.group(1).split()[:1] == ["env"]:  # env directives: claimed_cwl.parse.dependencies
        return None
    items = [item for item in re.split(r"[\s,]+", match.group(1)) if item]
    if not items:
        raise source.error(line, "'# claimed:' directive has no items")
    param: ParamDirective | None = None
    resources: list[tuple[str, float]] = []
    for item in items:
        key, sep, value = item.partition("=")
        if key in RESOURCE_PARSERS:
            field_name, parser = RESOURCE_PARSERS[key]
            try:
                resources.append((field_name, parser(value)))
            except ValueError as exc:
                raise source.error(line, f"directive item {item!r}: {exc}") from None
            continue
        update = _param_item(key, value if sep else None, item, line, source)
        param = merge_param(param or ParamDirective(line), update, source)
    return Directive(line, param, tuple(resources))


def _param_item(key: str, value: str | None, item: str, line: int, source: Source) -> ParamDirective:
    if key == "type" and value is not None and value.lower() in _TYPES:
        return ParamDirective(line, type=_TYPES[value.lower()])
    flag = _flag_item(key, value, line)
    if flag is not None:
        return flag
    if key == "path" and value:
        if value.startswith("/") or ".." in value.split("/"):
            raise source.error(line, f"directive item {item!r}: path must be relative and stay inside the output")
        return ParamDirective(line, path=value)
    raise source.error(line, _bad_item(key, item))


def _flag_item(key: str, value: str | None, line: int) -> ParamDirective | None:
    """``secret``, ``secret=false``, ``output``, ``input``, ``required(=...)``, ``ignore``; None otherwise."""
    word = None if value is None else _BOOL_WORDS.get(value.lower())
    if key in ("secret", "required") and (value is None or word is not None):
        return ParamDirective(line, **{key: True if value is None else word})  # type: ignore[arg-type]
    if value is None and key in ("output", "input"):
        return ParamDirective(line, role=key)
    if value is None and key == "ignore":
        return ParamDirective(line, ignore=True)
    return None


def _bad_item(key: str, item: str) -> str:
    expected = {
        "type": "type=File|Directory|string|int|float|boolean",
        "secret": "secret or secret=true|false",
        "output": "the flag 'output' without a value",
        "input": "the flag 'input' without a value",
        "path": "path=RELATIVE/PATH",
        "required": "required or required=true|false",
        "ignore": "the flag 'ignore' without a value",
    }
    if key in expected:
        return f"bad directive item {item!r}: expected {expected[key]}"
    known = "type, secret, output, input, path, required, ignore, cores, ram, gpu, time"
    return f"unknown directive item {item!r}: expected one of {known}"


def merge_param(old: ParamDirective, new: ParamDirective, source: Source) -> ParamDirective:
    """Combine two parameter directives; contradicting items are an error naming both lines."""
    merged = old
    for name in ("type", "secret", "role", "path", "required", "ignore"):
        value = getattr(new, name)
        if value is None or (name == "ignore" and not value):
            continue
        previous = getattr(merged, name)
        if name == "ignore" and not previous:
            previous = None
        if previous is not None and previous != value:
            where = source.describe(old.line)
            raise source.error(new.line, f"directive says {name}={_show(value)} but {where} says {_show(previous)}")
        merged = replace(merged, **{name: value})
    return merged


def _show(value: object) -> str:
    return value.value if isinstance(value, ParamType) else str(value)
