"""A document's inputs as the user names them: ``--name value`` flags, job-file keys, ``--help``; the merged job.

Backends get a job file, never input flags: cwltool cannot mix the two (with
a job file it still demands every required input as a flag, and flags that
are not given overwrite the job file's values with None), and cwltool and
Toil both fail on an optional secret input that is not given as a flag
("Secret store only accepts strings"). claimed-cwl types the flags against
the document's inputs itself (argparse, with cwltool's messages), lays them
over the job file, checks that every required input has a value and that the
job file names no unknown input, and writes the result; all before any
container starts.

Everything here starts from :func:`document_inputs`, the one list of the
document's inputs (name, CWL type, default, doc). An input's ``name`` is what
the user types: the script's variable name, which may differ from its
``cwl_id`` (``claimed:variable``, e.g. a parameter ``path``); flags and job-file
keys use the name (a job file may also use the id), the runner gets ids.
Names are matched in full: no abbreviations.

Local paths become ``file://`` URIs, percent-encoded, so that a ``#``, a space
or a non-ASCII letter in a file name is a file name and not a URI fragment.

The result holds every input in clear, so it is written with mode 0600 into
the run's private directory (see :mod:`claimed_cwl.runners.private`). Secret
inputs (see :mod:`claimed_cwl.runners.secret_inputs`) not given otherwise are
read from ``CLAIMED_SECRET_<id>``; a secret number from a YAML job file is
handed over as the text the script casts.
"""

from __future__ import annotations

import argparse
import difflib
import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urljoin, urlparse

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from claimed_cwl.cwl_secrets import SecretInputs, secret_inputs
from claimed_cwl.errors import ClaimedError
from claimed_cwl.runners.private import write_private
from claimed_cwl.runners.secret_inputs import (
    SECRET_ENV_PREFIX,
    check_provenance,
    mask_texts,
    secrets_from_environment,
    warn_exposed,
)
from claimed_cwl.runtime.grid.config import parse_bool
from claimed_cwl.runtime.grid.errors import GridError
from claimed_cwl.workflow.process import variable_of

if TYPE_CHECKING:
    from claimed_cwl.runners.base import RunOptions

__all__ = [
    "InputInfo",
    "check_inputs",
    "document_inputs",
    "given_inputs",
    "inputs_help",
    "inputs_of",
    "load_process",
    "merge_job",
    "prepare_job",
    "read_job",
    "unknown_job_keys",
]

log = logging.getLogger(__name__)

_SCALARS: dict[str, Any] = {"int": int, "long": int, "float": float, "double": float, "string": str}
_METAVARS = {"int": "INT", "long": "INT", "float": "FLOAT", "double": "FLOAT", "File": "FILE", "Directory": "DIR"}
# Job-file keys that are directives to the runner, not inputs (cwltool's cwl:tool, cwl:requirements; $namespaces).
_RUNNER_KEYS = ("cwl:", "$")


@dataclass(frozen=True)
class InputInfo:
    """One input of a CWL document.

    ``name`` is what the user writes (``--name`` on the command line, ``name:``
    in a job file): the script's variable name. ``cwl_id`` is the input's id in
    the document, the key of the job file handed to the runner. ``type`` is
    the CWL type as cwl-utils loads it.
    """

    name: str
    cwl_id: str
    type: Any
    default: Any
    doc: str

    @property
    def required(self) -> bool:
        """No default and ``null`` not allowed."""
        return self.default is None and not (isinstance(self.type, list) and "null" in self.type)

    @property
    def type_text(self) -> str:
        """The type as a person reads it: ``int``, ``File[]``, ``enum (a, b)``."""
        base, is_array = _base_type(self.type)
        symbols = _enum_symbols(self.type)
        text = f"enum ({', '.join(symbols)})" if symbols else base
        return f"{text}[]" if is_array else text


def document_inputs(document: Path) -> list[InputInfo]:
    """The inputs of ``document`` (the ``main`` process of a packed file, or ``file.cwl#process``), in order."""
    return list(inputs_of(load_process(document)))


def inputs_of(process: Any) -> tuple[InputInfo, ...]:
    """The inputs of a process loaded by cwl-utils, named by the script's variables (``claimed:variable``)."""
    found = []
    for item in process.inputs:
        cwl_id = _short(item.id)
        doc = " ".join(item.doc) if isinstance(item.doc, list) else str(item.doc or "")
        found.append(InputInfo(name=variable_of(item) or cwl_id, cwl_id=cwl_id, type=item.type_,
                               default=item.default, doc=" ".join(doc.split())))
    return tuple(found)


def _load_job(job: Path) -> dict[str, Any]:
    try:
        data = YAML(typ="safe", pure=True).load(job.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ClaimedError(f"{job}: no such job file") from None
    except (OSError, YAMLError, UnicodeDecodeError) as exc:
        raise ClaimedError(f"{job}: cannot read the job file: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ClaimedError(f"{job}: a job file must be a mapping of input names to values")
    return data


def read_job(job: Path) -> dict[str, Any]:
    """The job file as a dict, with relative File/Directory locations and paths made absolute ``file://`` URIs."""
    return {key: _absolute(value, job.resolve().parent) for key, value in _load_job(job).items()}


def unknown_job_keys(inputs: Sequence[InputInfo], keys: Sequence[str]) -> list[str]:
    """The keys of a job file that name no input (runner directives such as ``cwl:tool`` are not inputs)."""
    known = {item.name for item in inputs} | {item.cwl_id for item in inputs}
    return [key for key in keys if key not in known and not str(key).startswith(_RUNNER_KEYS)]


def check_inputs(document: Path, job: Path | None, flags: Sequence[str]) -> None:
    """Check, writing nothing, that ``job`` names only inputs of ``document`` and that ``flags`` are valid.

    The same checks as :func:`merge_job` (which runs later, in the run's
    private directory), done early: before an operator's image is built, and
    for a job file that would otherwise go to the runner unread. Required
    inputs are left to :func:`merge_job` (a secret may come from the environment).
    """
    inputs = inputs_of(load_process(document))
    if job is not None:
        unknown = unknown_job_keys(inputs, list(_load_job(job)))
        if unknown:
            raise ClaimedError(f"{job}: {_unknown_message(inputs, unknown, 'key')}")
    _parse_flags(document, inputs, flags)


def given_inputs(document: Path, job: Path | None, flags: Sequence[str]) -> tuple[Any, dict[str, Any]]:
    """The document's process (cwl-utils) and the values the job file and ``flags`` give, by CWL id (no secrets)."""
    process = load_process(document)
    inputs = inputs_of(process)
    values = _by_id(read_job(job) if job is not None else {}, inputs)
    if flags:
        values.update(_parse_flags(document, inputs, flags))
    return process, values


def merge_job(document: Path, job: Path | None, flags: Sequence[str], scratch: Path) -> Path:
    """Write ``scratch/job.json`` (mode 0600): ``job`` (if any) with the typed ``flags`` laid over it.

    Secret values that neither gives come from ``CLAIMED_SECRET_<id>``. Returns the path.
    """
    process = load_process(document)
    return _merge(document, process, secret_inputs(process), job=job, flags=flags, scratch=scratch)[0]


def prepare_job(document: Path, options: RunOptions, scratch: Path) -> RunOptions:
    """The options a backend gets: one private job file in ``scratch`` when one is needed, and what to mask.

    A job file goes to the backend untouched when there are no flags to lay
    over it, the document has no secret inputs, the job names no input by
    the script's variable where the CWL id differs (``path`` -> ``path_value``)
    and no ``path`` in it holds ``#``, ``%`` or ``?`` (which the runner would
    read as a URI); or when cwl-utils cannot load a document that cwltool may still run.
    """
    environ_secrets = any(name.startswith(SECRET_ENV_PREFIX) for name in os.environ)
    if not options.inputs and options.job is None and not environ_secrets:
        return options
    try:
        process = load_process(document)
    except ClaimedError:
        if options.inputs:
            raise
        log.debug("%s: not loadable by cwl-utils; the job goes to the backend as it is", document)
        return options
    secrets = secret_inputs(process)
    if not options.inputs and not secrets and not _needs_rewrite(process, options.job):
        return options
    path, values = _merge(document, process, secrets, job=options.job, flags=options.inputs, scratch=scratch)
    check_provenance(secrets, values, options.extra_args)
    return replace(options, job=path, inputs=(), mask=mask_texts(secrets, values))


def _merge(document: Path, process: Any, secrets: SecretInputs, *, job: Path | None, flags: Sequence[str],
           scratch: Path) -> tuple[Path, dict[str, Any]]:
    inputs = inputs_of(process)
    values = _by_id(read_job(job) if job is not None else {}, inputs)
    for key in unknown_job_keys(inputs, list(values)):  # claimed-cwl run refused them already (check_inputs)
        log.warning("%s: %r is not an input of %s: ignored", job, key, document)
        del values[key]
    flag_values = _parse_flags(document, inputs, flags)
    warn_exposed(secrets, job, values, flag_values)
    values.update(flag_values)
    values.update(secrets_from_environment(secrets, values, os.environ))
    values.update(_secret_texts(secrets, values))
    missing = [item for item in inputs if item.cwl_id not in values and item.required]
    if missing:
        raise ClaimedError(f"{document}: missing required input(s): "
                           + ", ".join(f"--{item.name} ({item.type_text})" for item in missing))
    path = write_private(scratch / "job.json", json.dumps(values, indent=2, sort_keys=True))
    return path, values


def inputs_help(document: Path, prog: str) -> str:
    """The ``--help`` text of a document's inputs: flag, type, default and doc of each."""
    return _flag_parser(document, document_inputs(document), prog).format_help()


def _secret_texts(secrets: SecretInputs, values: Mapping[str, Any]) -> dict[str, str]:
    """Secret numbers (``pin: 4711`` in YAML) as the text the script reads: a secret input is a string."""
    return {name: str(value) for name, value in values.items()
            if name in secrets.values and isinstance(value, int | float) and not isinstance(value, bool)}


def _unknown_message(inputs: Sequence[InputInfo], unknown: Sequence[str], what: str) -> str:
    names = [item.name for item in inputs]
    parts = []
    for key in unknown:
        close = difflib.get_close_matches(str(key), names, n=1)
        parts.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    listed = ", ".join(names) or "none"
    return f"unknown input {what}(s) {', '.join(parts)}; the inputs are: {listed}"


def _is_relative_reference(location: str) -> bool:
    """A ``location`` (a URI reference) with no scheme (``s3:``, ``http:``, ``file:``, ``_:``) is relative."""
    return not urlparse(location).scheme and not location.startswith("_:")


def _is_file_name(text: str) -> bool:
    """A ``path`` or a flag's value is a file name unless it is a URL (``s3://...``, ``file:...``).

    Not a URI reference: ``A:Gln2Cys`` and ``item #1.txt`` are file names.
    """
    return "://" not in text and not text.startswith("file:")


def _absolute(value: Any, base: Path) -> Any:
    if isinstance(value, list):
        return [_absolute(item, base) for item in value]
    if not isinstance(value, dict):
        return value
    result = {key: _absolute(item, base) for key, item in value.items()}
    if value.get("class") in ("File", "Directory"):
        location, path = result.get("location"), result.get("path")
        if isinstance(location, str) and _is_relative_reference(location):
            result["location"] = urljoin(base.as_uri() + "/", location)  # a location is a URI reference
        elif location is None and isinstance(path, str) and _is_file_name(path):
            result["location"] = (base / path).resolve().as_uri()  # a path is a file name: '#' and all
            del result["path"]
    return result


def _by_id(values: dict[str, Any], inputs: Sequence[InputInfo]) -> dict[str, Any]:
    """Job-file keys written as the script's variable names, renamed to the inputs' CWL ids."""
    ids = {item.name: item.cwl_id for item in inputs}
    cwl_ids = {item.cwl_id for item in inputs}
    return {key if key in cwl_ids else ids.get(key, key): value for key, value in values.items()}


class _InputParser(argparse.ArgumentParser):
    """argparse for a document's inputs: errors become ClaimedError, never an exit."""

    def error(self, message: str) -> NoReturn:
        raise ClaimedError(f"{self.prog}: {message}")


def _boolean(text: str) -> bool:
    try:
        return parse_bool(text)
    except GridError:
        raise argparse.ArgumentTypeError(f"invalid boolean value: {text!r} (true or false)") from None


def _location(kind: str) -> Any:
    def convert(text: str) -> dict[str, str]:
        if not text:
            raise argparse.ArgumentTypeError(f"an empty {kind} path")
        where = Path(os.path.abspath(text)).as_uri() if _is_file_name(text) else text
        return {"class": kind, "location": where}

    return convert


def _flag_parser(document: Path, inputs: Sequence[InputInfo], prog: str | None = None) -> _InputParser:
    parser = _InputParser(
        prog=prog or f"claimed-cwl run {document}", add_help=False, allow_abbrev=False,
        usage="%(prog)s [JOB] [--] [--INPUT VALUE ...]",
        description="Inputs of the document: give them after it, as flags or in a JOB file (YAML or JSON). "
        "Booleans: --flag, --no-flag, --flag true, --flag False. Arrays: repeat the flag.",
    )
    group = parser.add_argument_group("inputs")
    for item in inputs:
        _add_flag(group, item)
    return parser


def _describe(item: InputInfo) -> str:
    parts = [item.doc] if item.doc else []
    parts.append(item.type_text + ("" if item.required else ", optional"))
    if item.required:
        parts.append("required")
    elif item.default is not None:
        parts.append(f"default: {_show_default(item.default)}")
    return "; ".join(parts).replace("%", "%%")


def _show_default(value: Any) -> str:
    if isinstance(value, dict) and value.get("class") in ("File", "Directory"):
        return str(value.get("location") or value.get("path") or value.get("basename") or value)
    if isinstance(value, bool):
        return str(value).lower()
    return json.dumps(value, default=str) if isinstance(value, list | dict) else str(value)


def _add_flag(parser: Any, item: InputInfo) -> None:
    """``--name`` (the script's variable name) setting the input whose CWL id is ``item.cwl_id``."""
    base, is_array = _base_type(item.type)
    flag, help_text = f"--{item.name}", _describe(item)
    if base == "boolean" and not is_array:  # --flag, --flag true|false|yes|no|1|0 (any case), --no-flag
        parser.add_argument(flag, dest=item.cwl_id, nargs="?", const=True, type=_boolean, default=None,
                            metavar="BOOL", help=f"{help_text} (--no-{item.name}: false)")
        parser.add_argument(f"--no-{item.name}", dest=item.cwl_id, action="store_const", const=False,
                            help=argparse.SUPPRESS)
        return
    convert: Any = _SCALARS.get(base, str)
    if base in ("File", "Directory"):
        convert = _location(base)
    elif base == "boolean":
        convert = _boolean
    symbols = _enum_symbols(item.type)
    parser.add_argument(flag, dest=item.cwl_id, type=convert, action="append" if is_array else "store",
                        default=None, choices=symbols or None,
                        metavar=_METAVARS.get(base, base.upper()) if not symbols else None, help=help_text)


def _parse_flags(document: Path, inputs: Sequence[InputInfo], flags: Sequence[str]) -> dict[str, Any]:
    """The flags' values by CWL id."""
    parser = _flag_parser(document, inputs)
    parsed, unknown = parser.parse_known_args(list(flags))
    if unknown:
        options = [token.split("=", 1)[0].removeprefix("--") for token in unknown if token.startswith("--")]
        if options:
            raise ClaimedError(f"{document}: {_unknown_message(inputs, options, 'flag')}")
        raise ClaimedError(f"{document}: unrecognized arguments: {' '.join(unknown)}")
    return {key: value for key, value in vars(parsed).items() if value is not None}


def _base_type(type_: Any) -> tuple[str, bool]:
    """The non-null member of a CWL type, and whether it is an array."""
    if isinstance(type_, list):
        members = [t for t in type_ if t != "null"]
        return _base_type(members[0]) if len(members) == 1 else ("string", False)
    items = getattr(type_, "items", None)
    if items is not None:
        return _base_type(items)[0], True
    if isinstance(type_, str):
        return type_.rsplit("#", 1)[-1], False
    if getattr(type_, "symbols", None):
        return "enum", False
    return "string", False


def _enum_symbols(type_: Any) -> list[str]:
    """The symbols of an enum type (also inside ``null`` unions and arrays), else empty."""
    if isinstance(type_, list):
        members = [t for t in type_ if t != "null"]
        return _enum_symbols(members[0]) if len(members) == 1 else []
    items = getattr(type_, "items", None)
    if items is not None:
        return _enum_symbols(items)
    symbols = getattr(type_, "symbols", None) or []
    return [str(symbol).rsplit("/", 1)[-1].rsplit("#", 1)[-1] for symbol in symbols]


def load_process(document: Path) -> Any:
    """The document's process as a cwl-utils object (the ``main`` process of a packed file)."""
    path, _, fragment = str(document).partition("#")  # file.cwl#process names one process of a $graph
    resolved = Path(path).resolve()
    try:
        stamp = resolved.stat().st_mtime_ns
    except OSError as exc:
        raise ClaimedError(f"{document}: cannot read the CWL document: {exc.strerror or exc}") from exc
    return _load_cached(str(resolved), fragment, stamp)


@lru_cache(maxsize=16)
def _load_cached(path: str, fragment: str, stamp: int) -> Any:
    """Load a document once per file version (``stamp``): run checks its inputs, then merges the job."""
    from cwl_utils.parser import load_document_by_uri  # noqa: PLC0415 - only needed with inputs

    del stamp  # part of the cache key only
    try:
        loaded = load_document_by_uri(Path(path).as_uri())
    except Exception as exc:  # cwl-utils raises several validation error types
        raise ClaimedError(f"{path}: cannot load the CWL document: {exc}") from exc
    if isinstance(loaded, list):
        wanted = f"#{fragment or 'main'}"
        return next((p for p in loaded if str(p.id).endswith(wanted)), loaded[0])
    return loaded


def _short(uri: Any) -> str:
    return str(uri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _needs_rewrite(process: Any, job: Path | None) -> bool:
    """Whether the job file must be rewritten for the runner.

    It names an input by the script's variable where its CWL id differs
    (``path``), or holds a ``path`` with ``#``, ``%`` or ``?``, which the
    runner would read as a URI.
    """
    if job is None:
        return False
    values = _load_job(job)
    inputs = inputs_of(process)
    renamed = {item.name for item in inputs if item.name != item.cwl_id} - {item.cwl_id for item in inputs}
    return bool(set(values) & renamed) or _has_uri_characters_in_a_path(values)


def _has_uri_characters_in_a_path(value: Any) -> bool:
    if isinstance(value, list):
        return any(_has_uri_characters_in_a_path(item) for item in value)
    if not isinstance(value, dict):
        return False
    path = value.get("path")
    if value.get("class") in ("File", "Directory") and isinstance(path, str) and any(c in path for c in "#%?"):
        return True
    return any(_has_uri_characters_in_a_path(item) for item in value.values())
