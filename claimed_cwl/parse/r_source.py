"""R front end: ``Sys.getenv`` reads, their ``as.*`` casts, ``install.packages`` dependencies.

Works on the tokens of :mod:`claimed_cwl.parse.r_tokens`. A read's default is
what R returns when the variable is unset (``unset=``, always a string in R);
``Sys.getenv('x')`` returns ``""``, so it is an optional input with no default.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from claimed_cwl.parse.comments import check_package, is_dependency_line, is_directive
from claimed_cwl.parse.infer import is_identifier, strip_blank_lines
from claimed_cwl.parse.r_tokens import Token, bind_args, call_args, is_op, tokenize_r
from claimed_cwl.parse.r_usage import analyse_r_usage
from claimed_cwl.parse.reads import Extracted, Read
from claimed_cwl.parse.source import Source
from claimed_cwl.spec import DefaultValue, Dependency, DependencyKind, ParamType

__all__ = ["extract_r"]

_CASTS = {
    "as.numeric": ParamType.FLOAT,
    "as.double": ParamType.FLOAT,
    "as.integer": ParamType.INT,
    "as.logical": ParamType.BOOL,
    "as.character": ParamType.STRING,
}
_LOGICAL = {
    "TRUE": True,
    "true": True,
    "True": True,
    "T": True,
    "FALSE": False,
    "false": False,
    "False": False,
    "F": False,
}
_INT_MAX = 2**31 - 1


def extract_r(source: Source) -> Extracted:
    """Extract reads, comment lines, dependencies and the header description of an R script."""
    all_tokens = tokenize_r(source)
    comments = _comment_lines(all_tokens)
    code = [t for t in all_tokens if t.kind != "comment"]
    reads: list[Read] = []
    dependencies: list[Dependency] = []
    for index, token in enumerate(code):
        if token.kind != "name" or not is_op(code, index + 1, "("):
            continue
        if token.text == "Sys.getenv":
            read = _read(source, code, index)
            if read is not None:
                reads.append(read)
        elif token.text == "install.packages":
            dependencies.append(_install(source, code, index))
    usage = analyse_r_usage(source, code, {read.col: read.name for read in reads})
    return Extracted(description=_header(source, comments), reads=reads, comments=comments,
                     dependencies=dependencies, usage=usage)


def _comment_lines(tokens: Sequence[Token]) -> dict[int, str]:
    found: dict[int, str] = {}
    last_code_line = 0
    for token in tokens:
        if token.kind == "comment":
            if token.line != last_code_line:
                found[token.line] = token.text
        else:
            last_code_line = token.end_line
    return found


def _header(source: Source, comments: dict[int, str]) -> str:
    lines = source.text.split("\n")
    number = 1
    if comments.get(1, "").startswith("!"):
        number = 2
    while number <= len(lines) and not lines[number - 1].strip():
        number += 1
    kept: list[str] = []
    while number in comments:
        text = comments[number]
        if not (is_directive(text) or is_dependency_line(text)):
            text = text.lstrip("#")
            kept.append(text[1:] if text.startswith(" ") else text)
        number += 1
    return strip_blank_lines("\n".join(kept))


def _read(source: Source, code: Sequence[Token], index: int) -> Read | None:
    args, close = call_args(source, code, index + 1)
    bound = bind_args(args, ("x", "unset", "names"))
    name_tokens = bound.get("x", [])
    if len(name_tokens) != 1 or name_tokens[0].kind != "str":
        return None
    token = code[index]
    name = name_tokens[0].text
    if not is_identifier(name):
        raise source.error(
            token.line,
            f"environment variable {name!r} is not an identifier (letters, digits, '_'), so not a parameter name",
        )
    cast, cast_line = _cast(code, index, close)
    unset = _unset(bound.get("unset"))
    param_type = _CASTS.get(cast, ParamType.STRING)
    default, required = _convert(source, token.line, name, cast, unset)
    anchors = (token.line,) if cast_line in (0, token.line) else (token.line, cast_line)
    return Read(
        name=name,
        line=token.line,
        col=index,
        anchors=anchors,
        type=param_type,
        default=default,
        required=required,
        signature=(cast,),
        default_key=("none",) if unset is None else ("value", unset),
        cast_text=f"{cast}(...)" if cast else "no cast",
        default_text="no default" if unset is None else repr(unset),
        path_like=param_type is ParamType.STRING,
        numeric=param_type is not ParamType.STRING,
        true_text="TRUE",
        false_text="FALSE",
    )


def _cast(code: Sequence[Token], index: int, close: int) -> tuple[str, int]:
    before = index - 1
    if is_op(code, before, "::") or is_op(code, before, ":::"):
        before -= 2
    if is_op(code, before, "(") and is_op(code, close + 1, ")") and before >= 1:
        caster = code[before - 1]
        if caster.kind == "name" and caster.text in _CASTS:
            return caster.text, caster.line
    return "", 0


def _unset(tokens: list[Token] | None) -> str | None:
    """Return the string R gives when unset: None for no default or a non-constant expression."""
    if not tokens or len(tokens) > 2:
        return None
    negative = len(tokens) == 2 and tokens[0].kind == "op" and tokens[0].text == "-"
    token = tokens[-1]
    if len(tokens) == 2 and not negative:
        return None
    if token.kind == "num":
        return _number_text(token.text, negative)
    if negative:
        return None
    if token.kind == "str":
        return token.text or None
    return token.text if token.kind == "name" and token.text in ("TRUE", "FALSE") else None


def _number_text(text: str, negative: bool) -> str | None:
    """R's character form of a numeric literal (``3L`` -> ``3``, ``1e3`` -> ``1000``); None for complex."""
    if text.endswith("i"):
        return None
    text = text.rstrip("L")
    value = float(int(text, 16)) if text.lower().startswith("0x") else float(text)
    if not math.isfinite(value):
        return None
    shown = str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return f"-{shown}" if negative else shown


def _convert(source: Source, line: int, name: str, cast: str, unset: str | None) -> tuple[DefaultValue | None, bool]:
    """Default as the cast computes it, and whether the script needs the variable."""
    if unset is None:
        return None, cast in ("as.numeric", "as.double", "as.integer", "as.logical")
    if cast in ("", "as.character"):
        return unset, False
    value: DefaultValue | None = None
    if cast == "as.logical":
        value = _LOGICAL.get(unset.strip())
    else:
        try:
            number = float(unset.strip())
        except ValueError:
            number = math.nan
        if math.isfinite(number):
            value = float(number) if cast != "as.integer" else int(number)
        if isinstance(value, int) and abs(value) > _INT_MAX:
            value = None
    if value is None:
        raise source.error(line, f"default {unset!r} of {name!r} is NA after {cast}(): the script would get NA")
    return value, False


def _install(source: Source, code: Sequence[Token], index: int) -> Dependency:
    line = code[index].line
    args, _ = call_args(source, code, index + 1)
    tokens = bind_args(args, ("pkgs",)).get("pkgs", [])
    names: list[str] = []
    if len(tokens) == 1 and tokens[0].kind == "str":
        names = [tokens[0].text]
    elif len(tokens) >= 3 and tokens[0].kind == "name" and tokens[0].text == "c" and is_op(tokens, 1, "("):
        inner, close = call_args(source, tokens, 1)
        if close == len(tokens) - 1 and inner and all(len(a) == 1 and a[0].kind == "str" for a in inner):
            names = [a[0].text for a in inner]
    if not names:
        raise source.error(line, "install.packages(...) must name its packages as string literals, e.g. c('a', 'b')")
    for package in names:
        check_package(package, line, source)
    return Dependency(DependencyKind.R, tuple(names), line)
