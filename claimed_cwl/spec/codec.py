"""OperatorSpec to and from plain JSON data.

An image carries its operator's spec as a label (``io.claimed.spec``), so an
operator image can be run by name when its CWL is not at hand: the spec is
read back and the emitters write the CWL again. Secret defaults are never
encoded.
"""

from __future__ import annotations

import json
from typing import Any

from claimed_cwl.spec import (
    Dependency,
    DependencyKind,
    Language,
    OperatorSpec,
    Output,
    OutputKind,
    Parameter,
    ParamRole,
    ParamType,
    Resources,
    SpecError,
)

__all__ = ["SPEC_LABEL", "spec_from_dict", "spec_from_json", "spec_to_dict", "spec_to_json"]

SPEC_LABEL = "io.claimed.spec"
_FORMAT = 1


def spec_to_dict(spec: OperatorSpec) -> dict[str, Any]:
    """Return plain data for ``spec``; defaults of secret parameters are left out."""
    return {
        "format": _FORMAT,
        "name": spec.name,
        "language": spec.language.value,
        "source_file": spec.source_file,
        "description": spec.description,
        "parameters": [_param_to_dict(p) for p in spec.parameters],
        "outputs": [_output_to_dict(o) for o in spec.outputs],
        "dependencies": [_dependency_to_dict(d) for d in spec.dependencies],
        "resources": {
            "cores": spec.resources.cores,
            "ram_mib": spec.resources.ram_mib,
            "gpus": spec.resources.gpus,
            "time_limit_s": spec.resources.time_limit_s,
        },
        "additional_files": list(spec.additional_files),
        **({"network": True} if spec.network else {}),
        **({"environment": [list(item) for item in spec.environment]} if spec.environment else {}),
    }


def _dependency_to_dict(dependency: Dependency) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": dependency.kind.value, "packages": list(dependency.packages)}
    if dependency.options:
        data["options"] = list(dependency.options)
    return data


def spec_to_json(spec: OperatorSpec) -> str:
    """Compact, key-sorted JSON of :func:`spec_to_dict` (deterministic)."""
    return json.dumps(spec_to_dict(spec), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def spec_from_dict(data: dict[str, Any]) -> OperatorSpec:
    """Rebuild an OperatorSpec from :func:`spec_to_dict` data; SpecError if it is malformed."""
    try:
        if data.get("format") != _FORMAT:
            raise SpecError(f"unsupported spec format {data.get('format')!r} (expected {_FORMAT})")
        return OperatorSpec(
            name=data["name"],
            language=Language(data["language"]),
            source_file=data["source_file"],
            description=data.get("description", ""),
            parameters=tuple(_param_from_dict(p) for p in data.get("parameters", [])),
            outputs=tuple(
                Output(name=o["name"], kind=OutputKind(o["kind"]), path=o.get("path", ""),
                       description=o.get("description", ""), prefix=o.get("prefix", ""),
                       suffixes=tuple(o.get("suffixes", ())), rewrites=o.get("rewrites", ""))
                for o in data.get("outputs", [])
            ),
            dependencies=tuple(
                Dependency(kind=DependencyKind(d["kind"]), packages=tuple(d["packages"]),
                           options=tuple(d.get("options", ())))
                for d in data.get("dependencies", [])
            ),
            resources=Resources(**data.get("resources", {})),
            additional_files=tuple(data.get("additional_files", [])),
            network=bool(data.get("network", False)),
            environment=tuple((str(name), str(value)) for name, value in data.get("environment", [])),
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, SpecError):
            raise
        raise SpecError(f"malformed operator spec: {exc!r}") from exc


def spec_from_json(text: str) -> OperatorSpec:
    """Inverse of :func:`spec_to_json`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"operator spec is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise SpecError("operator spec must be a JSON object")
    return spec_from_dict(data)


def _param_to_dict(param: Parameter) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": param.name,
        "type": param.type.value,
        "required": param.required,
        "description": param.description,
        "secret": param.secret,
    }
    if param.default is not None and not param.secret:
        data["default"] = param.default
    if param.type is ParamType.BOOL:
        data["true_text"] = param.true_text
        data["false_text"] = param.false_text
    # written only when set, so that the label (and the image digest) of other operators stays as it was
    if param.role is not ParamRole.VALUE:
        data["role"] = param.role.value
    if param.joined_to:
        data["joined_to"] = param.joined_to
    if param.trailing_slash:
        data["trailing_slash"] = True
    return data


def _output_to_dict(out: Output) -> dict[str, Any]:
    data: dict[str, Any] = {"name": out.name, "kind": out.kind.value, "path": out.path,
                            "description": out.description}
    if out.prefix:
        data["prefix"] = out.prefix
    if out.suffixes:
        data["suffixes"] = list(out.suffixes)
    if out.rewrites:
        data["rewrites"] = out.rewrites
    return data


def _param_from_dict(data: dict[str, Any]) -> Parameter:
    return Parameter(
        name=data["name"],
        type=ParamType(data["type"]),
        default=data.get("default"),
        required=data.get("required", False),
        description=data.get("description", ""),
        secret=data.get("secret", False),
        true_text=data.get("true_text", "True"),
        false_text=data.get("false_text", ""),
        role=ParamRole(data.get("role", ParamRole.VALUE.value)),
        joined_to=data.get("joined_to", ""),
        trailing_slash=bool(data.get("trailing_slash", False)),
    )
