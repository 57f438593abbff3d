"""R usage analysis, as far as R's tokens allow: assignments, path building and the calls that use paths.

Follows ``x <- Sys.getenv('x')`` (also ``=`` and ``<<-``) through names and
``paste0``/``paste(..., sep = '')``/``file.path``/``sprintf`` into readers
(``read.csv(x)``, ``readRDS``, ``fread`` ...), writers (``write.csv(d, x)``,
``saveRDS``, ``ggsave``, ``png`` ...), listings (``list.files``), ``dir.create``
and remote calls (``download.file``, ``httr::GET``), and records the tests
for an empty value (``if (x == "")``, ``nchar(x)``). The same evidence rules
as for Python then decide the interface.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from claimed_cwl.parse.r_tokens import Token, bind_args, call_args, is_op
from claimed_cwl.parse.source import Source
from claimed_cwl.parse.usage import (
    MAX_ALTERNATIVES,
    UNKNOWN,
    Built,
    Piece,
    Usage,
    Use,
    UseKind,
    concat,
    positions,
)

__all__ = ["analyse_r_usage"]

_ASSIGN = frozenset({"<-", "<<-", "="})
_CASTS = {"as.numeric": "float", "as.double": "float", "as.integer": "int", "as.logical": "bool"}
_IDENTITY = frozenset({"normalizePath", "path.expand", "trimws", "as.character", "file.path.expand"})


@dataclass(frozen=True)
class _RSink:
    """A call that uses a path: which formal (by name, with its position) and what it does."""

    kind: UseKind
    formal: str
    position: int


_R_SINKS: dict[str, tuple[_RSink, ...]] = {
    **{name: (_RSink(UseKind.READ, "file", 0),) for name in (
        "read.csv", "read.csv2", "read.table", "read.delim", "read.delim2", "readRDS", "readLines", "fread",
        "read_csv", "read_tsv", "read_delim", "read_excel", "read.xlsx", "read_parquet", "read_feather",
        "read_json", "fromJSON", "st_read", "raster", "rast", "load", "source", "scan", "readPNG", "readJPEG",
        "read_sf", "vroom", "read_lines", "file",
    )},
    **{name: (_RSink(UseKind.WRITE, "file", 1),) for name in (
        "write.csv", "write.csv2", "write.table", "saveRDS", "writeLines", "write_csv", "write_tsv",
        "write_delim", "fwrite", "write_parquet", "write_feather", "write_json", "st_write", "write.xlsx",
        "write_lines", "writeRaster",
    )},
    **{name: (_RSink(UseKind.WRITE, "filename", 0),) for name in (
        "ggsave", "png", "jpeg", "pdf", "svg", "tiff", "bmp", "sink", "saveWidget",
    )},
    "save": (_RSink(UseKind.WRITE, "file", 99),),
    "list.files": (_RSink(UseKind.LIST, "path", 0),),
    "dir": (_RSink(UseKind.LIST, "path", 0),),
    "list.dirs": (_RSink(UseKind.LIST, "path", 0),),
    "dir.create": (_RSink(UseKind.MAKE_DIR, "path", 0),),
    "unlink": (_RSink(UseKind.WRITE, "x", 0),),
    "download.file": (_RSink(UseKind.REMOTE, "url", 0), _RSink(UseKind.WRITE, "destfile", 1)),
    "GET": (_RSink(UseKind.REMOTE, "url", 0),),
    "POST": (_RSink(UseKind.REMOTE, "url", 0),),
    "url": (_RSink(UseKind.REMOTE, "description", 0),),
    "curl_download": (_RSink(UseKind.REMOTE, "url", 0), _RSink(UseKind.WRITE, "destfile", 1)),
    "Sys.glob": (_RSink(UseKind.GLOB, "paths", 0),),
    "dbConnect": (_RSink(UseKind.HOST, "host", 99),),
}
_URL_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")


def analyse_r_usage(source: Source, code: Sequence[Token], reads: Mapping[int, str]) -> Usage:
    """Follow the reads (index of each ``Sys.getenv`` token in ``code`` -> parameter) through the script."""
    flow = _RFlow(source, code, reads)
    flow.propagate()
    flow.record()
    return flow.usage


class _RFlow:
    def __init__(self, source: Source, code: Sequence[Token], reads: Mapping[int, str]) -> None:
        self.source = source
        self.code = code
        self.reads = dict(reads)
        self.env: dict[str, list[Built]] = {}
        self.usage = Usage()
        self.index_of = {id(token): index for index, token in enumerate(code)}
        self.assignments = self._assignments()

    def _assignments(self) -> list[tuple[str, int, int]]:
        """(name, first token, end token) of each ``name <- value`` statement."""
        found = []
        depth = 0
        for index, token in enumerate(self.code):
            if token.kind == "op" and token.text in ("(", "["):
                depth += 1
            elif token.kind == "op" and token.text in (")", "]"):
                depth = max(depth - 1, 0)
            elif token.kind == "op" and token.text in _ASSIGN and depth == 0 and index > 0 \
                    and self.code[index - 1].kind == "name" and not is_op(self.code, index - 2, "$"):
                found.append((self.code[index - 1].text, index + 1, self._statement_end(index + 1)))
        return found

    def _statement_end(self, start: int) -> int:
        depth = 0
        for index in range(start, len(self.code)):
            token = self.code[index]
            if token.kind == "op" and token.text in ("(", "[", "{"):
                depth += 1
            elif token.kind == "op" and token.text in (")", "]", "}"):
                if depth == 0:
                    return index
                depth -= 1
            elif depth == 0 and index > start and (token.text == ";" or (token.line > self.code[index - 1].end_line
                                                   and not _continues(self.code[index - 1]))):
                return index
        return len(self.code)

    def propagate(self) -> None:
        """Bind every assignment until nothing changes (a few rounds)."""
        for _ in range(6):
            before = sum(len(v) for v in self.env.values())
            for name, start, end in self.assignments:
                vals = self.eval(start, end)
                found = self.env.setdefault(name, [])
                for val in vals:
                    if val not in found and len(found) < MAX_ALTERNATIVES:
                        found.append(val)
            if sum(len(v) for v in self.env.values()) == before:
                return

    def eval(self, start: int, end: int) -> list[Built]:
        """The parameter-carrying values of the tokens ``code[start:end]``."""
        alternatives = self.pieces(start, end)
        return [Built(p, "") for p in alternatives if any(x.param for x in p)]

    def pieces(self, start: int, end: int) -> list[tuple[Piece, ...]]:
        tokens = self.code[start:end]
        if not tokens:
            return [(UNKNOWN,)]
        first = tokens[0]
        if len(tokens) == 1:
            if first.kind == "str":
                return [(Piece(text=first.text),)]
            if first.kind == "name" and first.text in self.env:
                return [v.pieces for v in self.env[first.text]]
            return [(UNKNOWN,)]
        if first.kind == "name" and is_op(self.code, start + 1, "(") and self._closes_at(start + 1, end - 1):
            return self._call_pieces(start)
        return [(UNKNOWN,)]

    def _closes_at(self, open_index: int, close_index: int) -> bool:
        try:
            _, close = call_args(self.source, self.code, open_index)
        except Exception:
            return False
        return close == close_index

    def _call_pieces(self, start: int) -> list[tuple[Piece, ...]]:
        name = self.code[start].text
        if start in self.reads:
            return [(Piece(param=self.reads[start]),)]
        args, _ = call_args(self.source, self.code, start + 1)
        spans = [self._span(arg) for arg in args]
        positional = [span for arg, span in zip(args, spans, strict=True) if not _named(arg)]
        named = {arg[0].text: self._span(arg[2:]) for arg in args if _named(arg)}
        if name in _CASTS and len(positional) == 1:
            return [tuple(Piece(p.param, p.text, _CASTS[name]) if p.param else p for p in alt)
                    for alt in self.pieces(*positional[0])]
        if name in _IDENTITY and positional:
            return self.pieces(*positional[0])
        if name in ("paste0", "paste", "file.path", "sprintf"):
            return self._joined(name, positional, named)
        return [(UNKNOWN,)]

    def _joined(self, name: str, positional: list[tuple[int, int]],
                named: Mapping[str, tuple[int, int]]) -> list[tuple[Piece, ...]]:
        parts = [self.pieces(*span) for span in positional]
        if name == "sprintf" and parts:
            return self._sprintf(parts)
        separator = {"paste0": "", "file.path": "/", "paste": " "}[name]
        if "sep" in named:
            sep_pieces = self.pieces(*named["sep"])
            separator = sep_pieces[0][0].text or "" if len(sep_pieces[0]) == 1 else ""
        joined: list[list[tuple[Piece, ...]]] = []
        for index, part in enumerate(parts):
            if index and separator:
                joined.append([(Piece(text=separator),)])
            joined.append(part)
        return concat(joined)

    @staticmethod
    def _sprintf(parts: list[list[tuple[Piece, ...]]]) -> list[tuple[Piece, ...]]:
        template = parts[0][0][0].text if len(parts[0][0]) == 1 and parts[0][0][0].text else ""
        values = parts[1:]
        chunks = re.split(r"%[-+ 0#]*\d*(?:\.\d+)?[sdfi]", template)
        joined: list[list[tuple[Piece, ...]]] = []
        for index, chunk in enumerate(chunks):
            joined.append([(Piece(text=chunk),)])
            if index < len(chunks) - 1:
                joined.append(values[index] if index < len(values) else [(UNKNOWN,)])
        return concat(joined)

    def _span(self, arg: list[Token]) -> tuple[int, int]:
        """Token indexes (start, end) of an argument's tokens in ``code``."""
        if not arg:
            return 0, 0
        start = self.index_of[id(arg[0])]
        return start, start + len(arg)

    # ------------------------------------------------------------------ recording

    def record(self) -> None:
        """Record the uses of every carried value in calls, comparisons and string building."""
        for index, token in enumerate(self.code):
            if token.kind != "name" or not is_op(self.code, index + 1, "("):
                continue
            try:
                args, _ = call_args(self.source, self.code, index + 1)
            except Exception:
                continue
            self._record_call(token, args)
        self._record_tests()

    def _record_call(self, token: Token, args: list[list[Token]]) -> None:
        name = token.text
        if name in _CASTS:
            for arg in args[:1]:
                if len(arg) == 1 and arg[0].kind == "name":
                    self._use(self.eval(*self._span(arg)), UseKind.CAST, token, name, _CASTS[name])
        if name in ("paste0", "paste", "sprintf"):
            for alternative in self._call_pieces(self.index_of[id(token)]):
                self._record_url(alternative, token)
        if any(sink.kind in (UseKind.REMOTE, UseKind.HOST) for sink in _R_SINKS.get(name, ())):
            self.usage.needs_network(token.line, f"{name}(...)")
        for sink in _R_SINKS.get(name, ()):
            formals = [f"_{i}" for i in range(sink.position)] + [sink.formal] if sink.position < 99 else []
            bound = bind_args(args, formals) if formals else {
                arg[0].text: arg[2:] for arg in args if _named(arg)}
            tokens = bound.get(sink.formal)
            if tokens:
                self._use(self.eval(*self._span(tokens)), sink.kind, token, name, name)

    def _record_url(self, alternative: tuple[Piece, ...], token: Token) -> None:
        seen_scheme = False
        for piece in alternative:
            if not piece.param:
                seen_scheme = seen_scheme or bool(piece.text and _URL_RE.search(piece.text))
            elif seen_scheme:
                self._use([Built((piece,))], UseKind.REMOTE, token, "URL", "URL")

    def _record_tests(self) -> None:
        """``x == ""``, ``nchar(x)``, ``is.na(x)``: guards; ``x == "a"``: a choice."""
        for index, token in enumerate(self.code):
            if token.kind != "name" or token.text not in self.env:
                continue
            vals = self.env[token.text]
            before, after = self._at(index - 1), self._at(index + 1)
            if after is not None and after.kind == "op" and after.text in ("==", "!="):
                other = self._at(index + 2)
                if other is not None and other.kind == "str":
                    kind = UseKind.GUARD if other.text == "" else UseKind.CHOICE
                    if kind is UseKind.GUARD and self._stops_after(index + 3):
                        kind = UseKind.REQUIRE
                    self._use(vals, kind, token, f"{token.text} {after.text} {other.text!r}", other.text)
            if before is not None and before.kind == "op" and before.text == "(":
                caller = self._at(index - 2)
                if caller is not None and caller.text in ("nchar", "is.na", "is.null", "nzchar", "file.exists"):
                    self._use(vals, UseKind.GUARD, token, f"{caller.text}({token.text})", caller.text)

    def _stops_after(self, index: int) -> bool:
        """``if (x == "") stop(...)``: the test's block stops the script."""
        closing, following = self._at(index), self._at(index + 1)
        if following is not None and following.text == "{":
            following = self._at(index + 2)
        return closing is not None and closing.text == ")" and following is not None \
            and following.text in ("stop", "quit", "q")

    def _at(self, index: int) -> Token | None:
        return self.code[index] if 0 <= index < len(self.code) else None

    def _use(self, vals: Sequence[Built], kind: UseKind, token: Token, text: str, detail: str) -> None:
        for val in vals:
            for param, position in positions(val):
                if kind in (UseKind.GUARD, UseKind.CHOICE, UseKind.CAST) and position.kind != "whole":
                    continue
                use_kind = UseKind.LIST if kind is UseKind.GLOB and position.kind == "prefix" else kind
                shown = text if text not in _R_SINKS else f"{text}(...)"
                self.usage.add(param, Use(use_kind, token.line, shown, position, detail))


def _named(arg: list[Token]) -> bool:
    return len(arg) >= 2 and arg[0].kind in ("name", "str") and arg[1].kind == "op" and arg[1].text == "="


def _continues(token: Token) -> bool:
    """A token after which an R expression goes on on the next line (a binary operator or a comma)."""
    return token.kind == "op" and token.text not in (")", "]", "}")
