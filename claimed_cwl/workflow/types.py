"""Port types of workflow steps: read from CWL, written back to CWL, and checked link by link.

The compatibility rule is cwltool's own (``cwltool.checker``): a source feeds a
sink when the types are equal, when either is ``Any``, when a union sink
accepts it, or element-wise for arrays. ``int`` does not feed ``float``:
cwltool rejects that link too. An optional source may feed a required sink
(cwltool warns; the run fails only if the value is really null).
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any

from claimed_cwl.errors import ClaimedError

__all__ = [
    "Directory",
    "File",
    "PortType",
    "WorkflowError",
    "can_feed",
    "literal_fits",
    "literal_to_cwl",
    "port_type_from_cwl",
    "port_type_from_python",
]

_SIMPLE = ("File", "Directory", "string", "int", "long", "float", "double", "boolean", "Any", "null")
# bool before int: True is an int in Python.
_LITERAL_KINDS: tuple[tuple[type, tuple[str, ...]], ...] = (
    (bool, ("boolean",)),
    (int, ("int", "long", "float", "double")),
    (float, ("float", "double")),
    (str, ("string",)),
)
_PYTHON_TYPES: dict[Any, str] = {str: "string", int: "int", float: "float", bool: "boolean"}


class WorkflowError(ClaimedError):
    """A workflow cannot be built as written: the message names the step and the port."""


class File:
    """Marks a CWL ``File`` port (``wf.input("data", File)``); ``File("x.csv")`` is a File value."""

    cwl_class = "File"

    def __init__(self, location: str) -> None:
        self.location = location

    def to_cwl(self) -> dict[str, str]:
        """Return the CWL File object for this value."""
        return {"class": self.cwl_class, "location": self.location}


class Directory(File):
    """Marks a CWL ``Directory`` port; ``Directory("d")`` is a Directory value."""

    cwl_class = "Directory"


@dataclass(frozen=True)
class PortType:
    """A CWL type as the workflow builder sees it.

    ``kind`` is one of the simple CWL types, ``array`` (with ``items``),
    ``union`` (with ``members``, nulls removed) or ``other`` (enums and
    records: not checked here, cwltool's validator checks them).
    """

    kind: str
    items: PortType | None = None
    members: tuple[PortType, ...] = ()
    optional: bool = False

    def __str__(self) -> str:
        if self.kind == "array" and self.items is not None:
            text = f"{self.items}[]"
        elif self.kind == "union":
            text = "(" + " | ".join(str(m) for m in self.members) + ")"
        else:
            text = self.kind
        return text + ("?" if self.optional else "")

    def array(self) -> PortType:
        """Return the type of a list of this type (what a scattered step outputs)."""
        return PortType("array", items=self)

    def required(self) -> PortType:
        """Return this type without its null."""
        return PortType(self.kind, self.items, self.members, optional=False)

    def to_cwl(self) -> Any:
        """Return the CWL type: ``File``, ``int?``, ``File[]``, or a plain array schema mapping when nested."""
        if self.kind == "union":
            base: Any = [m.to_cwl() for m in self.members]
            return (["null", *base]) if self.optional else base
        if self.kind == "array" and self.items is not None:
            inner = self.items.to_cwl()
            if isinstance(inner, str) and not inner.endswith(("?", "[]")):
                text = f"{inner}[]"
                return text + "?" if self.optional else text
            schema = {"type": "array", "items": inner}
            return ["null", schema] if self.optional else schema
        kind = "Any" if self.kind == "other" else self.kind
        return f"{kind}?" if self.optional and kind != "Any" else kind


def _strip_uri(text: str) -> str:
    for sep in ("#", "/"):
        if sep in text:
            text = text.rsplit(sep, 1)[1]
    return text


def port_type_from_cwl(type_: Any) -> PortType:
    """Read a cwl-utils type (string, list, array/enum/record schema, or plain mapping)."""
    if isinstance(type_, str):
        return _from_text(type_)
    if isinstance(type_, list):
        optional = any(_is_null(t) for t in type_)
        members = tuple(port_type_from_cwl(t) for t in type_ if not _is_null(t))
        if len(members) == 1:
            return PortType(members[0].kind, members[0].items, members[0].members, optional)
        return PortType("union", members=members, optional=optional)
    if isinstance(type_, dict):
        kind, items = type_.get("type"), type_.get("items")
    else:
        kind, items = getattr(type_, "type_", None), getattr(type_, "items", None)
    if kind == "array" and items is not None:
        return PortType("array", items=port_type_from_cwl(items))
    return PortType("other")


def _is_null(type_: Any) -> bool:
    return isinstance(type_, str) and _strip_uri(type_) == "null"


def _from_text(text: str) -> PortType:
    if text.endswith("?"):
        inner = _from_text(text[:-1])
        return PortType(inner.kind, inner.items, inner.members, optional=True)
    if text.endswith("[]"):
        return PortType("array", items=_from_text(text[:-2]))
    name = _strip_uri(text)
    if name in ("stdout", "stderr"):
        return PortType("File")
    return PortType(name if name in _SIMPLE else "other")


def port_type_from_python(type_: Any) -> PortType:
    """Return the port type of a workflow input type given in Python.

    Accepted: ``int``, ``str``, ``float``, ``bool``, ``File``, ``Directory``,
    ``list[...]`` of those, a CWL type string (``"File[]"``) or a PortType.
    """
    if isinstance(type_, PortType):
        return type_
    if isinstance(type_, str):
        return _from_text(type_)
    if type_ in _PYTHON_TYPES:
        return PortType(_PYTHON_TYPES[type_])
    if isinstance(type_, type) and issubclass(type_, File):
        return PortType(type_.cwl_class)
    if typing.get_origin(type_) is list:
        (item,) = typing.get_args(type_) or (None,)
        if item is not None:
            return PortType("array", items=port_type_from_python(item))
    raise WorkflowError(
        f"unsupported input type {type_!r}: use int, float, str, bool, File, Directory, list[...] or a CWL type string"
    )


def can_feed(source: PortType, sink: PortType) -> bool:
    """Return True when a value of type ``source`` may be linked to a port of type ``sink``."""
    if "Any" in (source.kind, sink.kind) or "other" in (source.kind, sink.kind):
        return True
    if source.kind == "union":
        return all(can_feed(member, sink) for member in source.members)
    if sink.kind == "union":
        return any(can_feed(source.required(), member) for member in sink.members)
    if source.kind == "array" and sink.kind == "array" and source.items and sink.items:
        return can_feed(source.items, sink.items)
    return source.kind == sink.kind


def literal_fits(value: Any, sink: PortType) -> bool:
    """Return True when the Python literal ``value`` is a valid value of a port of type ``sink``."""
    if value is None:
        return sink.optional or sink.kind == "Any"
    if sink.kind in ("Any", "other"):
        return True
    if sink.kind == "union":
        return any(literal_fits(value, member) for member in sink.members)
    if isinstance(value, list | tuple):
        items = sink.items
        return sink.kind == "array" and items is not None and all(literal_fits(item, items) for item in value)
    return sink.kind in _literal_kinds(value)


def _literal_kinds(value: Any) -> tuple[str, ...]:
    """Return the CWL types a scalar Python value may have."""
    if isinstance(value, File):
        return (value.cwl_class,)
    if isinstance(value, dict):
        return (str(value.get("class")),)
    for python_type, kinds in _LITERAL_KINDS:
        if isinstance(value, python_type):
            return kinds
    return ()


def literal_to_cwl(value: Any) -> Any:
    """Return a Python literal as a CWL value (File and Directory become CWL objects)."""
    if isinstance(value, File):
        return value.to_cwl()
    if isinstance(value, list | tuple):
        return [literal_to_cwl(item) for item in value]
    return value
