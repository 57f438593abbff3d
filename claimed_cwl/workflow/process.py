"""The interface of a runnable process (a CWL tool, or a Workflow built here): its typed ports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from claimed_cwl.emit.cwl import CLAIMED_NAMESPACE, VARIABLE_FIELD
from claimed_cwl.workflow.types import PortType, WorkflowError, port_type_from_cwl

__all__ = ["Interface", "Port", "interface_of_cwl", "short_id", "variable_of"]

_PROCESS_CLASSES = ("CommandLineTool", "ExpressionTool", "Workflow")


@dataclass(frozen=True)
class Port:
    """One input or output of a process; ``required`` is True for an input with no null and no default.

    ``variable`` is the operator script's own name for an input whose CWL id differs from it
    (``claimed:variable``: a reserved name such as ``path``, or the input that sets an output's path).
    """

    name: str
    type: PortType
    required: bool = False
    doc: str = ""
    variable: str = ""


@dataclass(frozen=True)
class Interface:
    """Name, kind (CWL class) and ports of a process."""

    name: str
    kind: str
    inputs: tuple[Port, ...]
    outputs: tuple[Port, ...]

    def input(self, name: str) -> Port | None:
        """Return the input port called ``name`` (its CWL id, or the script's variable name), or None."""
        found = next((port for port in self.inputs if port.name == name), None)
        return found or next((port for port in self.inputs if port.variable == name), None)

    def output(self, name: str) -> Port | None:
        """Return the output port called ``name``, or None."""
        return next((port for port in self.outputs if port.name == name), None)


def short_id(uri: str | None, fallback: str = "tool") -> str:
    """Return the last segment of a cwl-utils id (``file:///x/t.cwl#wc/data`` -> ``data``)."""
    if not uri:
        return fallback
    text = uri.rsplit("#", 1)[1] if "#" in uri else uri
    text = text.rsplit("/", 1)[-1]
    if text.startswith("_:"):  # cwl-utils' blank-node id of a process that has none
        return fallback
    if text.endswith(".cwl"):
        text = text[: -len(".cwl")]
    return text or fallback


def interface_of_cwl(process: Any, fallback_name: str) -> Interface:
    """Read the interface of a cwl-utils CommandLineTool, ExpressionTool or Workflow object."""
    kind = getattr(process, "class_", None)
    if kind not in _PROCESS_CLASSES:
        raise WorkflowError(f"{fallback_name}: not a CWL process (class {kind!r}); expected one of {_PROCESS_CLASSES}")
    inputs = []
    for param in process.inputs:
        port_type = port_type_from_cwl(param.type_)
        required = not port_type.optional and param.default is None and port_type.kind != "Any"
        inputs.append(Port(short_id(param.id), port_type, required, _doc(param.doc), variable_of(param)))
    outputs = [
        Port(short_id(param.id), port_type_from_cwl(param.type_), doc=_doc(param.doc)) for param in process.outputs
    ]
    name = short_id(process.id, fallback_name) if process.id else fallback_name
    return Interface(name, kind, tuple(inputs), tuple(outputs))


def variable_of(param: Any) -> str:
    """The ``claimed:variable`` of a cwl-utils input parameter (as built, or as loaded and expanded), or ''."""
    fields = getattr(param, "extension_fields", None) or {}
    for key in (VARIABLE_FIELD, VARIABLE_FIELD.replace("claimed:", CLAIMED_NAMESPACE)):
        if isinstance(fields.get(key), str):
            return str(fields[key])
    return ""


def _doc(doc: Any) -> str:
    if isinstance(doc, list):
        return "\n".join(str(item) for item in doc)
    return str(doc) if doc else ""
