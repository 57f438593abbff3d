"""Decide a parameter's interface from how the code uses it (docs/operators.md, "How a parameter is typed").

A ``File``/``Directory`` needs positive evidence of local use; a write makes
an output; remote, SQL, host, glob and ambiguous uses keep a string; a name
joined to a prefix parameter for local I/O makes the prefix a string that
defaults to the working directory and the name a File staged there (or an
output written there). Every verdict carries its reasons and the uses that
decided it, for ``claimed-cwl compile --explain``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from claimed_cwl.parse.usage import Use, UseKind
from claimed_cwl.spec import OutputKind, ParamRole, ParamType

__all__ = ["Verdict", "decide", "prefix_parameters", "writer_extension"]

_LOCAL = frozenset({UseKind.READ, UseKind.WRITE, UseKind.LIST, UseKind.MAKE_DIR})
_WRITES = frozenset({UseKind.WRITE, UseKind.MAKE_DIR})
_READS = frozenset({UseKind.READ, UseKind.LIST})
_REMOTE = frozenset({UseKind.REMOTE, UseKind.SQL, UseKind.HOST, UseKind.GLOB})
_FAILS_ON_NONE = frozenset({*_LOCAL, UseKind.NEEDS_VALUE, UseKind.CAST})
_CAST_TYPES = {"int": ParamType.INT, "float": ParamType.FLOAT, "bool": ParamType.BOOL}
_CONCATENATING = frozenset({"+", "f-string", "%", "format"})
_EXTENSIONS = {
    "to_csv": ".csv", "to_parquet": ".parquet", "to_json": ".json", "to_excel": ".xlsx", "to_feather": ".feather",
    "to_pickle": ".pkl", "to_hdf": ".h5", "to_netcdf": ".nc", "to_orc": ".orc", "numpy.savetxt": ".txt",
    "joblib.dump": ".joblib", "torch.save": ".pt", "zipfile.ZipFile": ".zip", "cv2.imwrite": ".png",
    "imwrite": ".png", "imsave": ".png", "write_html": ".html", "write_image": ".png",
}


@dataclass(frozen=True)
class Verdict:
    """The decided interface of one parameter, and why.

    ``output`` is None for an input. ``prefix`` names the prefix parameter an
    output is written under; ``suffixes`` the extensions its writer adds;
    ``extension`` a sensible extension for its default name. ``spelled_bool``:
    a boolean read through an unknown wrapper is handed over as
    ``True``/``False``. ``why`` explains the decision; ``evidence`` are the
    uses that decided it.
    """

    output: OutputKind | None
    type: ParamType
    role: ParamRole = ParamRole.VALUE
    joined_to: str = ""
    trailing_slash: bool = False
    required: bool | None = None  # None: as the read itself says
    prefix: str = ""
    suffixes: tuple[str, ...] = ()
    extension: str = ""
    spelled_bool: bool = False
    why: str = ""
    evidence: tuple[Use, ...] = ()


def prefix_parameters(uses: Mapping[str, Sequence[Use]]) -> dict[str, dict[str, list[Use]]]:
    """Prefix parameter -> joined name -> its local uses after the prefix (``data_dir + data_csv``)."""
    found: dict[str, dict[str, list[Use]]] = {}
    for name, name_uses in uses.items():
        for use in name_uses:
            if use.kind in _LOCAL and use.position.kind == "joined" and use.position.prefix \
                    and use.position.prefix != name:
                found.setdefault(use.position.prefix, {}).setdefault(name, []).append(use)
    return found


def writer_extension(uses: Sequence[Use]) -> str:
    """A sensible extension for the default name of an output, from its writer (``to_csv`` -> ``.csv``)."""
    for use in uses:
        if use.kind in _WRITES and use.detail in _EXTENSIONS:
            return _EXTENSIONS[use.detail]
        if use.kind in _WRITES and use.detail.startswith("."):
            return use.detail  # the extension the writer appends anyway (np.save: .npy)
    return ""


def decide(name: str, read_type: ParamType, numeric: bool, default: object, uses: Sequence[Use], *,
           prefixes: Mapping[str, Mapping[str, Sequence[Use]]]) -> Verdict:
    """The interface of parameter ``name`` from its read (type, whether numeric, default) and its uses.

    ``prefixes`` are the parameters that act as prefixes (:func:`prefix_parameters`, less those a
    directive types otherwise); a name joined to any other parameter is a name inside a directory.
    """
    has_default = default is not None
    if numeric:
        return Verdict(None, read_type, why=f"{read_type.value}: from the cast or default at the read",
                       required=_required(uses, has_default), spelled_bool=_wrapped(uses))
    local = [u for u in uses if u.kind in _LOCAL]
    remote = [u for u in uses if u.kind in _REMOTE]
    if local and remote:
        return Verdict(None, ParamType.STRING, required=_required(uses, has_default), evidence=(*local, *remote),
                       why="string: used both as a local path and as a remote location, glob or host")
    if remote:
        kinds = ", ".join(dict.fromkeys(u.kind.value for u in remote))
        return Verdict(None, ParamType.STRING, required=_required(uses, has_default), evidence=tuple(remote),
                       why=f"string: a {kinds}")
    if name in prefixes:
        return _prefix(local, prefixes[name])
    verdict = _local(local, uses, has_default, prefixes, default)
    if verdict is not None:
        return verdict
    return _plain(uses, has_default, wrapped=_wrapped(uses))


def _local(local: Sequence[Use], uses: Sequence[Use], has_default: bool,
           prefixes: Mapping[str, Mapping[str, Sequence[Use]]], default: object) -> Verdict | None:
    """Files, directories and outputs from local reads and writes; None when there are none."""
    if isinstance(default, str) and default and not default.endswith("/"):
        # results_ + 'out.csv' with a default that is no folder: a name prefix, no directory
        local = [u for u in local if not (u.position.kind == "prefix" and u.position.literal_rest
                                          and not u.position.slash_joined and u.position.joiner != "/")]
    inside = [u for u in local if u.position.kind == "joined" and u.position.prefix
              and u.position.prefix not in prefixes]
    if inside and len(inside) == len(local):
        return Verdict(None, ParamType.STRING, required=_required(uses, has_default), evidence=tuple(inside),
                       why=f"string: a name inside the directory {inside[0].position.prefix}")
    joined = [u for u in local if u.position.kind == "joined" and u.position.prefix in prefixes]
    return _joined(joined, uses, has_default) or _whole_or_prefix(local, uses, has_default, default)


def _joined(joined: Sequence[Use], uses: Sequence[Use], has_default: bool) -> Verdict | None:
    """A file name joined to a prefix parameter: an output written there, or a File staged there."""
    writes = [u for u in joined if u.kind in _WRITES]
    if writes:
        first = writes[0]
        kind = OutputKind.DIRECTORY if first.kind is UseKind.MAKE_DIR else OutputKind.FILE
        return Verdict(kind, ParamType(kind.value), prefix=first.position.prefix, evidence=tuple(writes),
                       suffixes=_suffixes(writes), extension=writer_extension(writes),
                       why=f"output {kind.value}: written under the prefix {first.position.prefix}")
    reads = [u for u in joined if u.kind in _READS]
    if not reads:
        return None
    prefix = reads[0].position.prefix
    return Verdict(None, ParamType.FILE, ParamRole.JOINED, joined_to=prefix, required=_required(uses, has_default),
                   evidence=tuple(reads), why=f"File: read as a name under the prefix {prefix}; staged into the "
                   "working directory and passed by its file name")


def _whole_or_prefix(local: Sequence[Use], uses: Sequence[Use], has_default: bool,
                     default: object) -> Verdict | None:
    """The value itself read or written, or a directory read or written inside."""
    whole = [u for u in local if u.position.kind == "whole"]
    whole_writes = [u for u in whole if u.kind in _WRITES]
    whole_reads = [u for u in whole if u.kind in _READS]
    prefix_uses = [u for u in local if u.position.kind == "prefix"]
    prefix_writes = [u for u in prefix_uses if u.kind in _WRITES]
    if whole_writes and not prefix_writes and not whole_reads and _scratch(whole_writes, default):
        return Verdict(None, ParamType.STRING, required=_required(uses, has_default), evidence=tuple(whole_writes),
                       why="string: a scratch directory under /tmp that the code only creates")
    if whole_writes:
        return _written(whole_reads, whole_writes, uses, has_default)
    if prefix_writes:
        return Verdict(OutputKind.DIRECTORY, ParamType.DIRECTORY, evidence=tuple(prefix_writes),
                       trailing_slash=_concatenates(prefix_uses), why="output Directory: files are written inside it")
    if not (whole_reads or prefix_uses):
        return None
    listed = any(u.kind is UseKind.LIST for u in whole_reads) or bool(prefix_uses)
    param_type = ParamType.DIRECTORY if listed else ParamType.FILE
    what = "listed or read from inside" if listed else "read"
    return Verdict(None, param_type, required=_required(uses, has_default),
                   trailing_slash=listed and _concatenates(prefix_uses),
                   evidence=(*whole_reads, *prefix_uses), why=f"{param_type.value}: {what} locally")


def _written(reads: Sequence[Use], writes: Sequence[Use], uses: Sequence[Use], has_default: bool) -> Verdict:
    directory = any(u.kind is UseKind.MAKE_DIR for u in writes)
    first_read = min((u.line for u in reads if u.kind is UseKind.READ), default=None)
    if first_read is not None and not directory and first_read < min(u.line for u in writes):
        return Verdict(OutputKind.FILE, ParamType.FILE, ParamRole.REWRITTEN, required=_required(uses, has_default),
                       evidence=(*reads, *writes),
                       why="File input and output: read, then rewritten in place (staged writable)")
    kind = OutputKind.DIRECTORY if directory or any(u.kind is UseKind.LIST for u in reads) else OutputKind.FILE
    return Verdict(kind, ParamType(kind.value), evidence=tuple(writes), suffixes=_suffixes(writes),
                   extension=writer_extension(writes), why=f"output {kind.value}: the code writes it")


def _prefix(local: Sequence[Use], joined: Mapping[str, Sequence[Use]]) -> Verdict:
    """A directory prefix other parameters are joined to for local reads and writes."""
    kinds = {u.kind for uses in joined.values() for u in uses}
    writes, reads = bool(kinds & _WRITES), bool(kinds & _READS)
    what = "reads and writes" if writes and reads else ("writes" if writes else "reads")
    names = ", ".join(sorted(joined))
    return Verdict(None, ParamType.STRING, ParamRole.PREFIX, required=False,
                   evidence=tuple(u for u in local if u.position.kind == "prefix") or tuple(local),
                   why=f"string prefix: the code joins {names} to it for local {what}; in CWL it defaults to the "
                   "working directory ('./'), where inputs are staged and outputs collected")


def _plain(uses: Sequence[Use], has_default: bool, wrapped: bool) -> Verdict:
    casts = {u.detail for u in uses if u.kind is UseKind.CAST}
    stems = [u for u in uses if u.kind in _LOCAL]
    if len(casts) == 1 and not stems:
        cast = next(iter(casts))
        param_type = _CAST_TYPES[cast]
        evidence = tuple(u for u in uses if u.kind is UseKind.CAST)
        return Verdict(None, param_type, required=_required(uses, has_default), evidence=evidence,
                       why=f"{param_type.value}: converted by {cast}() where it is used")
    why = "string: part of a local file name" if stems else "string: no local file use seen"
    if wrapped:
        why = "string: read through a function the compiler does not know"
    return Verdict(None, ParamType.STRING, required=_required(uses, has_default), spelled_bool=wrapped, why=why,
                   evidence=tuple(u for u in uses if u.kind in (UseKind.CHOICE, UseKind.WRAPPER)))


def _scratch(writes: Sequence[Use], default: object) -> bool:
    """A directory the code only creates, with a default under /tmp (or none): working space, no output."""
    only_made = all(u.kind is UseKind.MAKE_DIR for u in writes)
    return only_made and isinstance(default, str) and (default == "/tmp" or default.startswith("/tmp/"))


def _suffixes(writes: Sequence[Use]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(u.detail for u in writes if u.detail.startswith(".")))


def _concatenates(uses: Sequence[Use]) -> bool:
    """Tell whether the code appends names to the value with ``+`` (so it needs a trailing '/')."""
    return any(u.position.joiner in _CONCATENATING and not u.position.slash_joined for u in uses)


def _wrapped(uses: Sequence[Use]) -> bool:
    return any(u.kind is UseKind.WRAPPER for u in uses)


def _required(uses: Sequence[Use], has_default: bool) -> bool | None:
    """True when an unguarded use fails on None; False when the code tests for it; None: as the read says."""
    if has_default:
        return None
    kinds = {u.kind for u in uses}
    if UseKind.REQUIRE in kinds:
        return True
    if UseKind.GUARD in kinds:
        return False
    if kinds & _FAILS_ON_NONE:
        return True
    choices = {u.detail for u in uses if u.kind is UseKind.CHOICE}
    if len(choices) >= 2:
        return True
    return None
