"""How the code uses each parameter: the evidence the interface is decided from.

The language front ends (:mod:`claimed_cwl.parse.py_usage`,
:mod:`claimed_cwl.parse.r_usage`) follow each parameter's value through the
code and record one :class:`Use` per place it reaches something that tells
what the value is: a local read or write, a directory listing, a glob, a
remote client or URL, SQL, a network host, a cast, a test for ``None``...
:mod:`claimed_cwl.parse.decide` turns the uses into the interface, and
``claimed-cwl compile --explain`` prints them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "MAX_ALTERNATIVES",
    "UNKNOWN",
    "Built",
    "Notice",
    "Piece",
    "Position",
    "Usage",
    "Use",
    "UseKind",
    "concat",
    "positions",
]

MAX_ALTERNATIVES = 8
"""At most this many alternative values are followed per variable (the analysis stays linear)."""
_MAX_PIECES = 24


class UseKind(StrEnum):
    """What one use of a value tells about it."""

    READ = "local read"  # the value is a local file the code reads
    WRITE = "local write"  # the value is a local file the code writes
    LIST = "directory listing"  # the value is a local directory the code lists or walks
    MAKE_DIR = "directory write"  # the code creates the directory or writes a directory there (Spark)
    GLOB = "glob pattern"  # the value is a glob pattern (a string, never one File)
    REMOTE = "remote location"  # passed to an S3/fsspec/HTTP client or built into a URL
    SQL = "SQL text"  # formatted into an SQL statement
    HOST = "network host"  # a host name, endpoint or connection string
    CREDENTIALS = "credentials"  # the code splits credentials out of it (user:secret@host)
    CAST = "cast"  # converted by int()/float()/bool() away from the read (detail: the cast)
    CHOICE = "choice"  # compared with constants (detail: the constants)
    NEEDS_VALUE = "fails on None"  # a use that raises when the variable is unset
    GUARD = "tested for None/empty"  # the code tests whether it was given
    REQUIRE = "required by the code"  # the code stops when it is not given (assert, raise, exit)
    WRAPPER = "unknown wrapper"  # the read itself is wrapped by a function the compiler does not know


@dataclass(frozen=True)
class Position:
    """Where a value sits in a path the code builds: alone, as the prefix, or joined after one.

    ``prefix`` is the parameter the value is joined to (for JOINED), ``joiner``
    how the path was built (``+``, ``os.path.join``, an f-string ...).
    """

    kind: str  # "whole", "prefix", "joined" (the file name after a prefix), "part" (part of a longer name),
    # "stem" (the value followed by a literal such as '.csv')
    prefix: str = ""
    joiner: str = ""
    literal_rest: bool = False  # for "prefix": everything joined after it is literal text
    slash_joined: bool = False  # for "prefix": a literal '/' follows it ("d + '/' + n", f"{d}/{n}")


@dataclass(frozen=True)
class Use:
    """One use of a parameter: what it is, where (line of the analysed text), and how it reads."""

    kind: UseKind
    line: int
    text: str
    position: Position = field(default_factory=lambda: Position("whole"))
    detail: str = ""  # writer suffixes (".npy"), the cast name, compared constants, a sink's name

    def sort_key(self) -> tuple[int, str, str]:
        """Source order, then kind."""
        return (self.line, self.kind.value, self.text)


@dataclass(frozen=True)
class Notice:
    """A warning about the operator that does not belong to one parameter (or is worth saying anyway)."""

    line: int
    message: str


@dataclass
class Usage:
    """Every use of every parameter name, and the notices, from one source."""

    uses: dict[str, list[Use]] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)
    network: list[Notice] = field(default_factory=list)  # calls that need the network (line, code)

    def add(self, name: str, use: Use) -> None:
        """Record ``use`` of parameter ``name`` (duplicates are dropped)."""
        found = self.uses.setdefault(name, [])
        if use not in found:
            found.append(use)

    def notice(self, line: int, message: str) -> None:
        """Record a warning at ``line``."""
        item = Notice(line, message)
        if item not in self.notices:
            self.notices.append(item)

    def of(self, name: str) -> list[Use]:
        """The uses of ``name`` in source order."""
        return sorted(self.uses.get(name, []), key=Use.sort_key)

    def kinds(self, name: str) -> set[UseKind]:
        """The kinds of use of ``name``."""
        return {use.kind for use in self.uses.get(name, [])}

    def merge(self, other: Usage) -> None:
        """Add everything ``other`` recorded."""
        for name, uses in other.uses.items():
            for use in uses:
                self.add(name, use)
        for item in other.notices:
            self.notice(item.line, item.message)
        for item in other.network:
            self.needs_network(item.line, item.message)

    def needs_network(self, line: int, code: str) -> None:
        """Record a call that reaches the network (a client, an HTTP request, a host)."""
        item = Notice(line, code)
        if item not in self.network:
            self.network.append(item)

    def first(self, name: str, kinds: Iterable[UseKind]) -> Use | None:
        """The first use of ``name`` of one of ``kinds``, or None."""
        wanted = set(kinds)
        return next((use for use in self.of(name) if use.kind in wanted), None)


@dataclass(frozen=True)
class Piece:
    """One piece of a built string: a parameter's value, literal text, or something unknown (text None).

    ``cast`` is set when the parameter's value was converted (``int(p)``): no part of a path then.
    """

    param: str = ""
    text: str | None = ""
    cast: str = ""


UNKNOWN = Piece(text=None)


@dataclass(frozen=True)
class Built:
    """A value built from pieces, and how they were joined (``+``, ``os.path.join``, ``paste0`` ...)."""

    pieces: tuple[Piece, ...]
    joiner: str = ""

    def params(self) -> list[str]:
        """The parameters in the value, in order."""
        return [p.param for p in self.pieces if p.param]


def concat(parts: Sequence[Sequence[tuple[Piece, ...]]]) -> list[tuple[Piece, ...]]:
    """Every combination of one alternative per part, concatenated (bounded)."""
    combos: list[tuple[Piece, ...]] = [()]
    for alternatives in parts:
        combos = [(c + a)[:_MAX_PIECES] for c in combos for a in alternatives][:MAX_ALTERNATIVES]
    return combos


_PATH_JOINERS = ("os.path.join", "/", "file.path")


def positions(val: Built) -> Iterator[tuple[str, Position]]:
    """Each parameter of ``val`` and where it sits in the built path (whole, prefix, joined, stem)."""
    pieces = [p for p in val.pieces if (p.param or p.text != "") and not p.cast]
    if not pieces:
        return
    first = pieces[0]
    if len(pieces) == 1 and first.param:
        yield first.param, Position("whole", joiner=val.joiner)
        return
    lead = first.param
    if not lead:
        for piece in pieces:
            if piece.param:
                yield piece.param, Position("joined", joiner=val.joiner)
        return
    rest = pieces[1:]
    literal_rest = all(not p.param and p.text is not None for p in rest)
    slash = bool(rest and not rest[0].param and rest[0].text and rest[0].text.startswith("/"))
    if literal_rest and "".join(p.text or "" for p in rest).startswith("."):
        yield lead, Position("stem", joiner=val.joiner)  # x + '.csv': the value is a name without extension
        return
    joined_by = "/" if val.joiner in _PATH_JOINERS else val.joiner
    yield lead, Position("prefix", joiner=joined_by, literal_rest=literal_rest, slash_joined=slash)
    named = _file_name_after_prefix(rest)
    for piece in rest:
        if piece.param:
            kind = "joined" if piece is named else "part"
            yield piece.param, Position(kind, prefix=lead if kind == "joined" else "", joiner=joined_by)


def _file_name_after_prefix(rest: Sequence[Piece]) -> Piece | None:
    """The parameter that is the whole file name after a prefix (``d + n``, ``d + '/' + n``), or None.

    A parameter mixed into a longer name (``f'{d}/{n}-x.csv'``) or under a further folder is part of
    a name, not a file name of its own.
    """
    if not rest or not rest[-1].param:
        return None
    before = rest[:-1]
    if all(not p.param and p.text is not None and set(p.text) <= {"/"} for p in before):
        return rest[-1]
    return None
