"""KubeFlow Pipelines v1 component spec emitter.

The container command is ``env`` followed by one ``NAME=value`` item per input
that is present (File and Directory inputs by ``inputPath``), one
``NAME=<outputPath>`` per output path, then the launch command; value outputs
are exported by the launcher straight to their KFP output path.

Secret parameters are not inputs of the component: an input's value is on the
pod's command line and in the pipeline's run record. The pipeline gives them
by reference instead, as environment variables from a Kubernetes Secret
(``kfp.onprem.use_k8s_secret`` or ``add_env_variable`` with a
``secretKeyRef``; a secret File as a Secret volume and its path); the
component names them in its description and in the annotation
``claimed-cwl/secret-env``.
"""

from __future__ import annotations

from typing import Any

from claimed_cwl.emit._yaml import dump_yaml, generated_header
from claimed_cwl.emit.launch import interpreter_command, value_outputs
from claimed_cwl.emit.settings import ImageSettings
from claimed_cwl.spec import OperatorSpec, Output, OutputKind, Parameter, ParamRole, ParamType

__all__ = ["SECRET_ANNOTATION", "emit_kfp", "input_arguments", "kfp_component"]

SECRET_ANNOTATION = "claimed-cwl/secret-env"

_KFP_TYPES = {
    ParamType.STRING: "String",
    ParamType.INT: "Integer",
    ParamType.FLOAT: "Float",
    ParamType.BOOL: "Bool",
    ParamType.FILE: "String",
    ParamType.DIRECTORY: "String",
}
_PATH_TYPES = (ParamType.FILE, ParamType.DIRECTORY)


def emit_kfp(spec: OperatorSpec, image: ImageSettings) -> str:
    """Render the operator's KFP v1 component YAML (:func:`kfp_component`, written by the one YAML writer)."""
    return dump_yaml(kfp_component(spec, image), header=generated_header(spec.source_file))


def kfp_component(spec: OperatorSpec, image: ImageSettings) -> dict[str, Any]:
    """The operator's KFP v1 component as a mapping (the data its YAML is written from)."""
    component: dict[str, Any] = {"name": spec.name}
    description = "\n\n".join(part for part in (spec.description, _secrets_note(spec)) if part)
    if description:
        component["description"] = description
    secrets = [param.name for param in spec.parameters if param.secret]
    if secrets:
        component["metadata"] = {"annotations": {SECRET_ANNOTATION: ",".join(secrets)}}
    component["inputs"] = [_input(param) for param in spec.parameters if not param.secret]
    component["outputs"] = [_output_entry(out) for out in spec.outputs if not out.rewrites]
    component["implementation"] = {"container": {"image": image.image(spec.name), "command": _command(spec)}}
    return component


def _secrets_note(spec: OperatorSpec) -> str:
    """The paragraph telling the pipeline author how to give the secret parameters (empty without any)."""
    values = [p.name for p in spec.parameters if p.secret and p.type not in _PATH_TYPES]
    paths = [p.name for p in spec.parameters if p.secret and p.type in _PATH_TYPES]
    parts = []
    if values:
        parts.append(f"set the environment variable(s) {', '.join(values)} from a Kubernetes Secret "
                     "(kfp.onprem.use_k8s_secret, or a secretKeyRef)")
    if paths:
        parts.append(f"mount a Kubernetes Secret as a volume and set {', '.join(paths)} to the mounted path")
    if not parts:
        return ""
    return f"Secret parameters are not inputs of this component (never on a command line): {'; '.join(parts)}."


def _default_text(param: Parameter) -> str | None:
    """KFP defaults are strings; secrets and path defaults (no artifact) are left out.

    A prefix directory defaults to the empty string: KFP hands every file over by its full path.
    """
    if param.role is ParamRole.PREFIX:
        return ""
    if param.default is None or param.secret or param.type in _PATH_TYPES:
        return None
    if isinstance(param.default, bool):
        return "True" if param.default else "False"
    return str(param.default)


def _input(param: Parameter) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": param.name, "type": _KFP_TYPES[param.type]}
    if param.description:
        entry["description"] = param.description
    default = _default_text(param)
    if default is not None:
        entry["default"] = default
    if not param.required:
        entry["optional"] = True
    return entry


def _output_entry(out: Output) -> dict[str, Any]:
    """Value outputs are Strings; files and directories are untyped artifacts."""
    entry: dict[str, Any] = {"name": out.name}
    if out.kind is OutputKind.VALUE:
        entry["type"] = "String"
    if out.description:
        entry["description"] = out.description
    return entry


def _input_argument(param: Parameter) -> dict[str, Any]:
    name = param.name
    if param.type is ParamType.BOOL:
        argument: dict[str, Any] = {
            "if": {
                "cond": {"inputValue": name},
                "then": [f"{name}={param.true_text}"],
                "else": [f"{name}={param.false_text}"],
            }
        }
        if param.required or _default_text(param) is not None:
            return argument
        return {"if": {"cond": {"isPresent": name}, "then": [argument]}}
    placeholder = {"inputPath": name} if param.type in _PATH_TYPES else {"inputValue": name}
    concat = {"concat": [f"{name}=", placeholder, *(["/"] if param.trailing_slash else [])]}
    if param.required:
        return concat
    return {"if": {"cond": {"isPresent": name}, "then": [concat]}}


def input_arguments(spec: OperatorSpec) -> list[Any]:
    """The ``NAME=value`` command-line items of the inputs (present ones only): secrets are no inputs."""
    return [_input_argument(param) for param in spec.parameters if not param.secret]


def _command(spec: OperatorSpec) -> list[Any]:
    command: list[Any] = ["env", *input_arguments(spec)]
    command += [
        {"concat": [f"{out.name}=", {"outputPath": out.name}, *(["/"] if out.path.endswith("/") else [])]}
        for out in spec.outputs
        if out.settable
    ]
    command += interpreter_command(spec)
    for name in value_outputs(spec):
        command += ["--export", {"concat": [f"{name}=", {"outputPath": name}]}]
    return command
