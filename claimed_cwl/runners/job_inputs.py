"""Turn ``--name value`` input flags (and an optional job file) into one job file for the backend.

Backends get a job file, never input flags: cwltool cannot mix the two (with
a job file it still demands every required input as a flag, and flags that
are not given overwrite the job file's values with None), and cwltool and
Toil both fail on an optional secret input that is not given as a flag
("Secret store only accepts strings"). claimed-cwl types the flags against
the document's inputs itself (argparse, with cwltool's messages), lays them
over the job file, checks that every required input has a value, and
writes the result; all before any container starts.

The result holds every input in clear, so it is written with mode 0600 into
the run's private directory (see :mod:`claimed_cwl.runners.private`). Secret
inputs (see :mod:`claimed_cwl.runners.secret_inputs`) not given otherwise are
read from ``CLAIMED_SECRET_<id>``; a secret number from a YAML job file is
handed over as the text the script casts.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from claimed_cwl.workflow.process import variable_of

if TYPE_CHECKING:
    from claimed_cwl.runners.base import RunOptions

__all__ = ["merge_job", "prepare_job", "read_job"]

log = logging.getLogger(__name__)

_SCALARS: dict[str, Any] = {"int": int, "long": int, "float": float, "double": float, "string": str}


def read_job(job: Path) -> dict[str, Any]:
    """The job file as a dict, with relative File/Directory locations made absolute."""
    try:
        data = YAML(typ="safe", pure=True).load(job.read_text(encoding="utf-8"))
    except (OSError, YAMLError) as exc:
        raise ClaimedError(f"{job}: cannot read the job file: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ClaimedError(f"{job}: a job file must be a mapping of input names to values")
    return {key: _absolute(value, job.resolve().parent) for key, value in data.items()}


def merge_job(document: Path, job: Path | None, flags: Sequence[str], scratch: Path) -> Path:
    """Write ``scratch/job.json`` (mode 0600): ``job`` (if any) with the typed ``flags`` laid over it.

    Secret values that neither gives come from ``CLAIMED_SECRET_<id>``. Returns the path.
    """
    process = _load_process(document)
    return _merge(document, process, secret_inputs(process), job=job, flags=flags, scratch=scratch)[0]


def prepare_job(document: Path, options: RunOptions, scratch: Path) -> RunOptions:
    """The options a backend gets: one private job file in ``scratch`` when one is needed, and what to mask.

    A job file goes to the backend untouched when there are no flags to lay
    over it, the document has no secret inputs and the job names no input by
    the script's variable where the CWL id differs (``path`` -> ``path_value``);
    or when cwl-utils cannot load a document that cwltool may still run.
    """
    environ_secrets = any(name.startswith(SECRET_ENV_PREFIX) for name in os.environ)
    if not options.inputs and options.job is None and not environ_secrets:
        return options
    try:
        process = _load_process(document)
    except ClaimedError:
        if options.inputs:
            raise
        log.debug("%s: not loadable by cwl-utils; the job goes to the backend as it is", document)
        return options
    secrets = secret_inputs(process)
    if not options.inputs and not secrets and not _names_variables(process, options.job):
        return options
    path, values = _merge(document, process, secrets, job=options.job, flags=options.inputs, scratch=scratch)
    check_provenance(secrets, values, options.extra_args)
    return replace(options, job=path, inputs=(), mask=mask_texts(secrets, values))


def _merge(document: Path, process: Any, secrets: SecretInputs, *, job: Path | None, flags: Sequence[str],
           scratch: Path) -> tuple[Path, dict[str, Any]]:
    inputs, variables = _document_inputs(process)
    values = _by_id(read_job(job) if job is not None else {}, variables)
    flag_values = _parse_flags(document, inputs, variables, flags)
    warn_exposed(secrets, job, values, flag_values)
    values.update(flag_values)
    values.update(secrets_from_environment(secrets, values, os.environ))
    values.update(_secret_texts(secrets, values))
    missing = [name for name, (type_, default) in inputs.items()
               if name not in values and default is None and not _optional(type_)]
    if missing:
        raise ClaimedError(f"{document}: missing required input(s): "
                           + ", ".join(f"--{variables.get(name, name)} ({_base_type(inputs[name][0])[0]})"
                                       for name in missing))
    path = write_private(scratch / "job.json", json.dumps(values, indent=2, sort_keys=True))
    return path, values


def _secret_texts(secrets: SecretInputs, values: Mapping[str, Any]) -> dict[str, str]:
    """Secret numbers (``pin: 4711`` in YAML) as the text the script reads: a secret input is a string."""
    return {name: str(value) for name, value in values.items()
            if name in secrets.values and isinstance(value, int | float) and not isinstance(value, bool)}


def _absolute(value: Any, base: Path) -> Any:
    if isinstance(value, list):
        return [_absolute(item, base) for item in value]
    if not isinstance(value, dict):
        return value
    result = {key: _absolute(item, base) for key, item in value.items()}
    if value.get("class") in ("File", "Directory"):
        for key in ("path", "location"):
            where = result.get(key)
            if isinstance(where, str) and "://" not in where and not where.startswith("/"):
                result[key] = str(base / where)
    return result


def _by_id(values: dict[str, Any], variables: dict[str, str]) -> dict[str, Any]:
    """Job-file keys written as the script's variable names, renamed to the inputs' CWL ids."""
    ids = {variable: cwl_id for cwl_id, variable in variables.items()}
    return {ids.get(key, key) if key not in variables else key: value for key, value in values.items()}


def _parse_flags(document: Path, inputs: dict[str, tuple[Any, Any]], variables: dict[str, str],
                 flags: Sequence[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog=f"claimed-cwl run {document}", exit_on_error=False,
                                     description="Inputs of the document (give them after it, or in a job file).")
    for name, (type_, _) in inputs.items():
        _add_flag(parser, variables.get(name, name), type_, name)
    try:
        parsed, unknown = parser.parse_known_args(list(flags))
    except argparse.ArgumentError as exc:
        raise ClaimedError(f"{document}: {exc}") from exc
    if unknown:
        raise ClaimedError(f"{document}: unrecognized arguments: {' '.join(unknown)}")
    return {key: value for key, value in vars(parsed).items() if value is not None}


def _add_flag(parser: argparse.ArgumentParser, flag_name: str, type_: Any, name: str) -> None:
    """``--flag_name`` (the script's variable name) setting the input whose CWL id is ``name``."""
    base, is_array = _base_type(type_)
    flag = f"--{flag_name}"
    if base == "boolean" and not is_array:
        parser.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=None)
        return
    convert = _SCALARS.get(base, str)
    if base in ("File", "Directory"):
        def convert(text: str, kind: str = base) -> dict[str, str]:
            return {"class": kind, "location": str(Path(text).resolve()) if "://" not in text else text}
    parser.add_argument(flag, dest=name, type=convert, action="append" if is_array else "store", default=None)


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
    return "string", False


def _optional(type_: Any) -> bool:
    return isinstance(type_, list) and "null" in type_


def _load_process(document: Path) -> Any:
    """The document's process as a cwl-utils object (the ``main`` process of a packed file)."""
    from cwl_utils.parser import load_document_by_uri  # noqa: PLC0415 - only needed when merging

    path, _, fragment = str(document).partition("#")  # file.cwl#process names one process of a $graph
    try:
        loaded = load_document_by_uri(Path(path).resolve().as_uri())
    except Exception as exc:  # cwl-utils raises several validation error types
        raise ClaimedError(f"{document}: cannot load the CWL document: {exc}") from exc
    if isinstance(loaded, list):
        wanted = f"#{fragment or 'main'}"
        return next((p for p in loaded if str(p.id).endswith(wanted)), loaded[0])
    return loaded


def _document_inputs(process: Any) -> tuple[dict[str, tuple[Any, Any]], dict[str, str]]:
    """Input id -> (CWL type, default) of a process, and input id -> the script's variable name.

    Variables only where they differ from the id (``claimed:variable``).
    """
    inputs = {_short(inp.id): (inp.type_, inp.default) for inp in process.inputs}
    variables = {_short(inp.id): variable for inp in process.inputs if (variable := variable_of(inp))}
    return inputs, variables


def _short(uri: Any) -> str:
    return str(uri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _names_variables(process: Any, job: Path | None) -> bool:
    """Tell whether ``job`` names an input by the script's variable where its CWL id differs (``path``)."""
    if job is None:
        return False
    _, variables = _document_inputs(process)
    return bool(set(read_job(job)) & set(variables.values()) - set(variables))
