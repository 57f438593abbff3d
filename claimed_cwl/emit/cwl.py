"""CWL v1.2 CommandLineTool emitter, built only through the cwl-utils object model.

The tool runs ``env NAME=value ... <launch command>`` in the operator image:
each parameter is an input bound as ``NAME=value`` (an omitted optional input
adds nothing, so the script's own default applies), each output path is an
``arguments`` entry ``NAME=<path>`` whose path is a string input of its own
(``NAME_name``, defaulting to the script's name for it) and a CWL output
globbing it, and each value output is read back from the file the launcher
writes. How a parameter's value reaches the script follows its role
(docs/operators.md, "Paths"): a prefix directory defaults to the working
directory ``./``; a file joined to it is staged into the working directory
and passed by name; a file rewritten in place is staged writable. An input
whose CWL id differs from the script's variable carries ``claimed:variable``.

A secret value never goes on the command line (where ``ps`` and ``docker
inspect`` show it): the input is a ``string`` listed in ``cwltool:Secrets``
(so cwltool and Toil mask it in logs and provenance), staged by an
InitialWorkDirRequirement as a file in the output directory, and read by the
launcher (``--secret NAME=FILE``). A secret File or Directory is passed by
path as usual and marked ``claimed:secret`` so that ``claimed-cwl run`` masks it.
"""

from __future__ import annotations

import json
from typing import Any

from cwl_utils.parser import cwl_v1_2 as cwl

from claimed_cwl.emit._yaml import dump_yaml, generated_header
from claimed_cwl.emit.launch import export_file, is_value_secret, launch_command, secret_file
from claimed_cwl.emit.settings import ImageSettings
from claimed_cwl.spec import OperatorSpec, Output, OutputKind, Parameter, ParamRole, ParamType

__all__ = [
    "CLAIMED_NAMESPACE",
    "CWLTOOL_NAMESPACE",
    "PREFIX_DEFAULT",
    "SECRET_MARK",
    "VARIABLE_FIELD",
    "build_tool",
    "cwl_literal",
    "emit_cwl",
    "normalise_document",
    "secret_listing",
    "staged_entries",
]

CWLTOOL_NAMESPACE = "http://commonwl.org/cwltool#"
CLAIMED_NAMESPACE = "https://github.com/claimed-framework/claimed-cwl#"
VARIABLE_FIELD = "claimed:variable"
"""Extension field of an input whose CWL id is not the script's variable name: the variable's name."""
PREFIX_DEFAULT = "./"
"""CWL default of a prefix directory: the working directory, where inputs are staged and outputs collected."""
SECRET_MARK = "claimed:secret"
"""Extension field of a secret File or Directory input (cwltool:Secrets holds only strings)."""
_INPUT_POSITION = 0
_OUTPUT_POSITION = 1
_COMMAND_POSITION = 2
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_TOP_LEVEL_ORDER = (
    "cwlVersion", "class", "id", "label", "doc", "$namespaces", "requirements", "hints",
    "baseCommand", "arguments", "inputs", "outputs", "steps",
)


def emit_cwl(spec: OperatorSpec, image: ImageSettings) -> str:
    """Render the operator's CWL v1.2 CommandLineTool as YAML text."""
    document = build_tool(spec, image).save(top=True)
    header = f"#!/usr/bin/env cwl-runner\n{generated_header(spec.source_file)}"
    return dump_yaml(normalise_document(document), header=header)


def build_tool(spec: OperatorSpec, image: ImageSettings) -> cwl.CommandLineTool:
    """Build the operator's CommandLineTool as a cwl-utils object."""
    return cwl.CommandLineTool(
        cwlVersion="v1.2",
        label=spec.name,
        doc=spec.description or None,
        baseCommand=["env"],
        arguments=_arguments(spec),
        inputs=[_input(param) for param in spec.parameters] + [_name_input(out) for out in spec.outputs
                                                                if out.settable],
        outputs=[_output(spec, out) for out in spec.outputs],
        requirements=_requirements(spec, image),
        hints=_hints(spec) or None,
        extension_fields=_namespaces(spec),
    )


def cwl_literal(text: str) -> str:
    """Escape ``text`` so CWL does not read ``$(`` or ``${`` in it as an expression.

    A runner interpolates a string only when it holds ``$(`` or ``${``; only
    then does a doubled backslash stand for one, so only then are backslashes doubled.
    """
    if "$(" not in text and "${" not in text:
        return text
    return text.replace("\\", "\\\\").replace("$(", "\\$(").replace("${", "\\${")


def _input(param: Parameter) -> cwl.CommandInputParameter:
    if is_value_secret(param):
        return _secret_value_input(param)
    binding = cwl.CommandLineBinding(position=_INPUT_POSITION, prefix=f"{param.name}=", separate=False)
    if param.type is ParamType.BOOL:
        true_arg = json.dumps(f"{param.name}={param.true_text}")
        false_arg = json.dumps(f"{param.name}={param.false_text}")
        binding = cwl.CommandLineBinding(position=_INPUT_POSITION, valueFrom=f"$(self ? {true_arg} : {false_arg})")
    elif param.role in (ParamRole.JOINED, ParamRole.REWRITTEN):
        binding = cwl.CommandLineBinding(position=_INPUT_POSITION, valueFrom=f"{param.name}=$(self.basename)")
    elif param.trailing_slash:
        binding = cwl.CommandLineBinding(position=_INPUT_POSITION, valueFrom=f"{param.name}=$(self.path)/")
    type_: Any = _cwl_type(param) if param.required else ["null", _cwl_type(param)]
    return cwl.CommandInputParameter(
        id=param.input_id,
        type_=type_,
        doc=param.description or None,
        default=_cwl_default(param),
        inputBinding=binding,
        extension_fields=_extensions(param),
    )


def _variable(cwl_id: str, variable: str) -> dict[str, Any]:
    """The ``claimed:variable`` field of an input whose id is not the script's variable name."""
    return {VARIABLE_FIELD: variable} if cwl_id != variable else {}


def _extensions(param: Parameter) -> dict[str, Any] | None:
    """The extension fields of a parameter's input: its variable name, and the mark of a secret path."""
    fields = {**_variable(param.input_id, param.name), **({SECRET_MARK: True} if param.secret else {})}
    return fields or None


def _secret_value_input(param: Parameter) -> cwl.CommandInputParameter:
    """A secret value: a string (cwltool's secret store holds only strings), with no command-line binding.

    The script casts the text itself, as it casts any environment variable; the
    value reaches it through the file of :func:`secret_listing`.
    """
    doc = param.description
    if param.type is not ParamType.STRING:
        doc = f"{doc} ({param.type.value}, given as text: a secret is a string)".lstrip()
    return cwl.CommandInputParameter(
        id=param.input_id, type_="string" if param.required else ["null", "string"], doc=doc or None,
        extension_fields=_variable(param.input_id, param.name) or None,
    )


def secret_listing(spec: OperatorSpec) -> list[Any]:
    """InitialWorkDir entries writing each secret value to its file in the output directory.

    The runner writes the file (cwltool and Toil delete it after the job);
    an optional secret that is not given writes none, so the script's own
    default applies. Combine with other entries in one InitialWorkDirRequirement.
    """
    entries: list[Any] = []
    for param in spec.parameters:
        if not is_value_secret(param):
            continue
        cwl_id, path = param.input_id, secret_file(param.name)
        if param.required:
            entries.append(cwl.Dirent(entryname=path, entry=f"$(inputs.{cwl_id})"))
        else:
            entries.append(f'$(inputs.{cwl_id} === null ? null : {{"entryname": {json.dumps(path)}, '
                           f'"entry": inputs.{cwl_id}}})')
    return entries


def _cwl_type(param: Parameter) -> str:
    """The CWL type of ``param``: ``long`` for an integer whose default does not fit CWL's 32-bit ``int``."""
    if param.type is ParamType.INT and isinstance(param.default, int) and not _INT_MIN <= param.default <= _INT_MAX:
        return "long"
    return param.type.value


def _cwl_default(param: Parameter) -> Any:
    """Return the CWL default: the script's own, except for secrets and paths (a path is no File object).

    A prefix directory defaults to the working directory, whatever the script's own default.
    """
    if param.role is ParamRole.PREFIX:
        return PREFIX_DEFAULT
    if param.secret or param.type in (ParamType.FILE, ParamType.DIRECTORY):
        return None
    return param.default


def _name_input(out: Output) -> cwl.CommandInputParameter:
    """The string input that sets where the script writes an output (its default: the script's own name)."""
    return cwl.CommandInputParameter(
        id=out.name_input_id,
        type_="string",
        doc=f"where {out.name} is written, relative to the working directory",
        default=out.path.rstrip("/"),
        extension_fields=_variable(out.name_input_id, out.name),
    )


def staged_entries(spec: OperatorSpec) -> list[Any]:
    """InitialWorkDir entries: files joined to a prefix (read-only) and files rewritten in place (writable)."""
    entries: list[Any] = []
    for param in spec.parameters:
        if param.role is ParamRole.JOINED:
            entries.append(f"$(inputs.{param.input_id})")
        elif param.role is ParamRole.REWRITTEN:
            entries.append(cwl.Dirent(entry=f"$(inputs.{param.input_id})", writable=True))
    return entries


def _arguments(spec: OperatorSpec) -> list[cwl.CommandLineBinding]:
    arguments = [
        cwl.CommandLineBinding(position=_OUTPUT_POSITION, valueFrom=_output_assignment(out))
        for out in spec.outputs
        if out.settable
    ]
    for offset, item in enumerate(launch_command(spec, secrets_in_files=True)):
        arguments.append(cwl.CommandLineBinding(position=_COMMAND_POSITION + offset, valueFrom=cwl_literal(item)))
    return arguments


def _output_assignment(out: Output) -> str:
    """``NAME=$(inputs.NAME_name)``, with the trailing '/' a directory the script appends to needs."""
    slash = "/" if out.path.endswith("/") else ""
    return f"{out.name}=$(inputs.{out.name_input_id}){slash}"


def _output(spec: OperatorSpec, out: Output) -> cwl.CommandOutputParameter:
    type_: Any = out.kind.value
    if out.kind is OutputKind.VALUE:
        binding = cwl.CommandOutputBinding(
            glob=cwl_literal(export_file(out.name)), loadContents=True, outputEval="$(self[0].contents)"
        )
    elif out.rewrites:
        param = spec.parameter(out.rewrites)
        glob = f"$(inputs.{param.input_id}.basename)"
        if not param.required:  # not given: the script writes its own default name, if it has one
            fallback = json.dumps(out.path) if out.path else "[]"
            glob = f"$(inputs.{param.input_id} ? inputs.{param.input_id}.basename : {fallback})"
            type_ = out.kind.value if out.path else ["null", out.kind.value]
        binding = cwl.CommandOutputBinding(glob=glob)
    else:
        prefix = f"$(inputs.{spec.parameter(out.prefix).input_id})" if out.prefix else ""
        path = f"{prefix}$(inputs.{out.name_input_id})"
        globs = [path, *(path + suffix for suffix in out.suffixes)]
        binding = cwl.CommandOutputBinding(glob=globs[0] if len(globs) == 1 else globs)
    return cwl.CommandOutputParameter(
        id=out.output_id, type_=type_, doc=out.description or None, outputBinding=binding
    )


def _requirements(spec: OperatorSpec, image: ImageSettings) -> list[Any]:
    requirements: list[Any] = [cwl.DockerRequirement(dockerPull=image.image(spec.name))]
    secrets = secret_listing(spec)
    listing = [*secrets, *staged_entries(spec)]
    if listing:
        requirements.append(cwl.InitialWorkDirRequirement(listing=listing))
    optional_rewrites = any(out.rewrites and not spec.parameter(out.rewrites).required for out in spec.outputs)
    if any(param.type is ParamType.BOOL for param in spec.parameters) or optional_rewrites or any(
            isinstance(entry, str) for entry in secrets):  # an optional secret's entry is an expression
        requirements.append(cwl.InlineJavascriptRequirement())
    if spec.network:
        requirements.append(cwl.NetworkAccess(networkAccess=True))
    res = spec.resources
    if res.cores is not None or res.ram_mib is not None:
        requirements.append(cwl.ResourceRequirement(coresMin=_number(res.cores), ramMin=res.ram_mib))
    if res.time_limit_s is not None:
        requirements.append(cwl.ToolTimeLimit(timelimit=res.time_limit_s))
    if spec.environment:  # fixed environment of the container: '# claimed: env' and well-known needs
        requirements.append(cwl.EnvVarRequirement(envDef=[
            cwl.EnvironmentDef(envName=name, envValue=cwl_literal(value)) for name, value in spec.environment
        ]))
    return requirements


def _number(value: float | None) -> float | int | None:
    """Whole numbers as int (``2``, not ``2.0``)."""
    if value is not None and float(value).is_integer():
        return int(value)
    return value


def _secret_names(spec: OperatorSpec) -> list[str]:
    # cwltool's secret store only holds strings: every secret value is one (see _secret_value_input).
    return [p.input_id for p in spec.parameters if is_value_secret(p)]


def _hints(spec: OperatorSpec) -> list[dict[str, Any]]:
    """Return the cwltool extensions (cwl-utils has no classes for them): GPUs and secrets."""
    hints: list[dict[str, Any]] = []
    if spec.resources.gpus is not None:
        hints.append({
            "class": "cwltool:CUDARequirement",
            "cudaVersionMin": "11.0",
            "cudaComputeCapability": "3.0",
            "cudaDeviceCountMin": spec.resources.gpus,
        })
    secrets = _secret_names(spec)
    if secrets:
        hints.append({"class": "cwltool:Secrets", "secrets": secrets})
    return hints


def _namespaces(spec: OperatorSpec) -> dict[str, Any] | None:
    namespaces = {}
    if spec.resources.gpus is not None or _secret_names(spec):
        namespaces["cwltool"] = CWLTOOL_NAMESPACE
    if any(p.input_id != p.name or (p.secret and not is_value_secret(p)) for p in spec.parameters) or any(
            o.settable for o in spec.outputs):
        namespaces["claimed"] = CLAIMED_NAMESPACE
    return {"$namespaces": namespaces} if namespaces else None


def normalise_document(document: dict[str, Any]) -> dict[str, Any]:
    """Put top-level keys in a fixed order (``id`` first in each parameter) and drop random ``_:`` names and ids.

    A generated tool has no top-level ``id``: its file's address is its id.
    """
    ordered = {key: document[key] for key in _TOP_LEVEL_ORDER if key in document}
    ordered.update((key, value) for key, value in document.items() if key not in ordered)
    for key in ("inputs", "outputs"):
        if isinstance(ordered.get(key), list):
            ordered[key] = [_id_first(item) for item in ordered[key]]
    cleaned: dict[str, Any] = _drop_anonymous_names(ordered)
    return cleaned


def _id_first(item: Any) -> Any:
    """A parameter with ``id`` first and namespaced extension fields last."""
    if not isinstance(item, dict):
        return item
    plain = {key: value for key, value in item.items() if ":" not in key}
    ordered = {key: plain[key] for key in ("id",) if key in plain}
    ordered.update((key, value) for key, value in plain.items() if key != "id")
    ordered.update((key, value) for key, value in item.items() if ":" in key)
    return ordered


def _drop_anonymous_names(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _drop_anonymous_names(item)
            for key, item in value.items()
            if not (key in ("id", "name") and isinstance(item, str) and item.startswith("_:"))
        }
    if isinstance(value, list):
        return [_drop_anonymous_names(item) for item in value]
    return value
