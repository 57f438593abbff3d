"""A small R tokenizer: strings (also raw strings), comments, names, numbers, operators.

There is no R parser for Python; this is just enough to find calls reliably:
a ``#`` inside a string is never a comment and a call inside a string or a
comment is never a call.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from claimed_cwl.parse.source import Source

__all__ = ["Args", "Token", "bind_args", "call_args", "is_op", "tokenize_r"]

_NUMBER_RE = re.compile(r"0[xX][0-9a-fA-F]+L?|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[Li]?")
_NAME_RE = re.compile(r"(?:[^\W\d_]|\.(?![0-9]))[\w.]*")
_RAW_OPEN_RE = re.compile(r"[rR](['\"])(-*)([(\[{])")
_OPERATORS = (":::", "<<-", "->>", "<-", "->", "<=", ">=", "==", "!=", "&&", "||", "::", "|>")
_CLOSERS = {"(": ")", "[": "]", "{": "}"}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", "'": "'", '"': '"', "`": "`"}


@dataclass(frozen=True)
class Token:
    """One R token; ``kind`` is str, num, name, op or comment; ``line`` is where it starts."""

    kind: str
    text: str
    line: int
    end_line: int


def tokenize_r(source: Source) -> list[Token]:
    """Split R text into tokens; an unterminated string is an OperatorError at its line."""
    text = source.text
    tokens: list[Token] = []
    pos, line = 0, 1
    while pos < len(text):
        char = text[pos]
        if char == "\n":
            line += 1
            pos += 1
            continue
        if char.isspace():
            pos += 1
            continue
        end, kind, value = _next_token(source, text, pos, line)
        end_line = line + text.count("\n", pos, end)
        tokens.append(Token(kind, value, line, end_line))
        line, pos = end_line, end
    return tokens


def _next_token(source: Source, text: str, pos: int, line: int) -> tuple[int, str, str]:
    char = text[pos]
    if char == "#":
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        return end, "comment", text[pos + 1 : end]
    if char in "'\"`" or _RAW_OPEN_RE.match(text, pos):
        return _string(source, text, pos, line)
    number = _NUMBER_RE.match(text, pos) if (char.isdigit() or char == ".") else None
    if number:
        return number.end(), "num", number.group()
    name = _NAME_RE.match(text, pos)
    if name:
        return name.end(), "name", name.group()
    return _operator(source, text, pos, line)


def _operator(source: Source, text: str, pos: int, line: int) -> tuple[int, str, str]:
    if text[pos] == "%":
        end = text.find("%", pos + 1)
        if end < 0 or "\n" in text[pos:end]:
            raise source.error(line, "unterminated %operator%")
        return end + 1, "op", text[pos : end + 1]
    for operator in _OPERATORS:
        if text.startswith(operator, pos):
            return pos + len(operator), "op", operator
    return pos + 1, "op", text[pos]


def _string(source: Source, text: str, pos: int, line: int) -> tuple[int, str, str]:
    raw = _RAW_OPEN_RE.match(text, pos)
    if raw:
        closer = _CLOSERS[raw.group(3)] + raw.group(2) + raw.group(1)
        end = text.find(closer, raw.end())
        if end < 0:
            raise source.error(line, "unterminated raw string")
        return end + len(closer), "str", text[raw.end() : end]
    end, value = _quoted(source, text, pos, line)
    return end, "name" if text[pos] == "`" else "str", value


def _quoted(source: Source, text: str, pos: int, line: int) -> tuple[int, str]:
    quote = text[pos]
    chars: list[str] = []
    index = pos + 1
    while index < len(text):
        char = text[index]
        if char == quote:
            return index + 1, "".join(chars)
        if char == "\\" and index + 1 < len(text):
            chars.append(_ESCAPES.get(text[index + 1], text[index + 1]))
            index += 2
            continue
        chars.append(char)
        index += 1
    raise source.error(line, "unterminated string")


Args = list[list[Token]]


def is_op(code: Sequence[Token], index: int, text: str) -> bool:
    """Tell whether ``code[index]`` is the operator ``text``."""
    return 0 <= index < len(code) and code[index].kind == "op" and code[index].text == text


def call_args(source: Source, code: Sequence[Token], open_index: int) -> tuple[Args, int]:
    """Arguments of the call whose '(' is at ``open_index``, split at top-level commas; and the ')' index."""
    args: Args = [[]]
    depth = 0
    for index in range(open_index, len(code)):
        token = code[index]
        if token.kind == "op" and token.text in ("(", "[", "{"):
            depth += 1
            if depth == 1:
                continue
        elif token.kind == "op" and token.text in (")", "]", "}"):
            depth -= 1
            if depth == 0:
                return ([] if args == [[]] else args), index
        elif depth == 1 and token.kind == "op" and token.text == ",":
            args.append([])
            continue
        args[-1].append(token)
    raise source.error(code[open_index].line, "unbalanced parentheses in this call")


def bind_args(args: Args, formals: Sequence[str]) -> dict[str, list[Token]]:
    """Match R arguments to formal names: exact names first, then positions."""
    bound: dict[str, list[Token]] = {}
    positional: list[list[Token]] = []
    for arg in args:
        if len(arg) >= 2 and arg[0].kind in ("name", "str") and arg[1].kind == "op" and arg[1].text == "=":
            bound[arg[0].text] = arg[2:]
        else:
            positional.append(arg)
    free = [name for name in formals if name not in bound]
    bound.update(zip(free, positional, strict=False))
    return bound
