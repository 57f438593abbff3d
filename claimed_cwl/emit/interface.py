"""The image-independent operator interface, stored as an image label to run an image by name."""

from __future__ import annotations

import json
from typing import Any

from claimed_cwl.spec import OperatorSpec, ParamType

__all__ = ["INTERFACE_LABEL", "interface", "interface_json"]

INTERFACE_LABEL = "io.claimed.interface"


def interface(spec: OperatorSpec) -> dict[str, Any]:
    """Name, description, parameters and outputs of the operator; secret defaults left out."""
    parameters = []
    for param in spec.parameters:
        entry: dict[str, Any] = {
            "name": param.name,
            "type": param.type.value,
            "required": param.required,
            "secret": param.secret,
            "description": param.description,
        }
        if param.default is not None and not param.secret:
            entry["default"] = param.default
        if param.type is ParamType.BOOL:
            entry["true_text"] = param.true_text
            entry["false_text"] = param.false_text
        parameters.append(entry)
    outputs = [{"name": out.name, "type": out.kind.value, "path": out.path} for out in spec.outputs]
    return {
        "name": spec.name,
        "description": spec.description,
        "language": spec.language.value,
        "parameters": parameters,
        "outputs": outputs,
    }


def interface_json(spec: OperatorSpec) -> str:
    """The interface as compact, sorted-key, ASCII-only JSON."""
    return json.dumps(interface(spec), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
