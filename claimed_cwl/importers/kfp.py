"""Convert a KubeFlow Pipelines v1 component YAML into a CWL v1.2 CommandLineTool.

The tool runs the same image (DockerRequirement) with the same command line.
``implementation.container.command`` and ``args`` become ``arguments`` in
order; each placeholder becomes a CWL expression:

==================================  ===========================================
placeholder                         CWL
==================================  ===========================================
``{inputValue: x}``                 input ``x`` (typed: String, Integer, Float,
                                    Bool; any other KFP type is a string),
                                    Bool written ``True``/``False`` as KFP does
``{inputPath: x}``                  ``File`` input ``x``, its path
``{outputPath: y}``                 ``$(runtime.outdir)/y``; ``File`` output
                                    ``y`` globs it (``Directory`` if the KFP
                                    type is ``Directory``)
``{concat: [...]}``                 the parts joined into one argument
``{if: {cond, then, else}}``        ``then`` or ``else`` items; ``cond`` is
                                    ``{isPresent: x}``, a boolean or an input
==================================  ===========================================

An input with ``optional: true`` and no default becomes ``[null, T]``; an
omitted optional input adds nothing to the command line.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cwl_utils.parser import cwl_v1_2 as cwl
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from claimed_cwl.emit._yaml import dump_yaml, generated_header
from claimed_cwl.emit.cwl import cwl_literal
from claimed_cwl.errors import OperatorError

__all__ = ["emit_kfp_cwl", "kfp_to_tool"]

_LOG = logging.getLogger(__name__)
_TYPES = {"string": "string", "integer": "int", "int": "int", "float": "float", "bool": "boolean", "boolean": "boolean"}
_TOP_LEVEL_ORDER = ("cwlVersion", "class", "id", "label", "doc", "requirements", "arguments", "inputs", "outputs")


@dataclass
class _Component:
    path: Path
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)  # KFP name -> declaration
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)  # KFP name -> CWL id
    as_path: set[str] = field(default_factory=set)  # inputs used with inputPath
    as_value: set[str] = field(default_factory=set)  # inputs used with inputValue
    written: list[str] = field(default_factory=list)  # outputs used with outputPath, in order

    def error(self, node: Any, message: str) -> OperatorError:
        return OperatorError(self.path, _line(node), message)


def _line(node: Any) -> int:
    lc = getattr(node, "lc", None)
    return int(lc.line) + 1 if lc is not None and lc.line is not None else 0


def emit_kfp_cwl(path: str | Path) -> str:
    """Return the CWL CommandLineTool of the KFP component at ``path``, as YAML text."""
    path = Path(path)
    document = kfp_to_tool(path).save(top=True)
    ordered = {key: document[key] for key in _TOP_LEVEL_ORDER if key in document}
    ordered.update((key, value) for key, value in document.items() if key not in ordered)
    return dump_yaml(ordered, header=f"#!/usr/bin/env cwl-runner\n{generated_header(path.name)}")


def kfp_to_tool(path: str | Path) -> cwl.CommandLineTool:
    """Read the KFP v1 component at ``path`` into a cwl-utils CommandLineTool (OperatorError if malformed)."""
    path = Path(path)
    data = _load(path)
    comp = _Component(path)
    container = _container(comp, data)
    _declare(comp, data, "inputs", comp.inputs)
    _declare(comp, data, "outputs", comp.outputs)
    items = [*(container.get("command") or []), *(container.get("args") or [])]
    if not items:
        raise comp.error(container, "implementation.container has neither command nor args")
    arguments = [_argument(comp, item, position) for position, item in enumerate(items)]
    requirements: list[Any] = [cwl.DockerRequirement(dockerPull=str(container["image"]))]
    if any(not isinstance(item, str) for item in items):
        requirements.append(cwl.InlineJavascriptRequirement())
    env = container.get("env")
    if env:
        requirements.append(cwl.EnvVarRequirement(
            envDef=[cwl.EnvironmentDef(envName=str(k), envValue=cwl_literal(str(v))) for k, v in env.items()]
        ))
    both = comp.as_path & comp.as_value
    if both:
        raise comp.error(data, f"input {sorted(both)[0]!r} is used both as inputValue and as inputPath")
    for unused in (name for name in comp.outputs if name not in comp.written):
        _LOG.warning("%s: output %r is never passed with outputPath; it is left out of the CWL tool", path, unused)
    name = str(data.get("name") or path.stem)
    return cwl.CommandLineTool(
        cwlVersion="v1.2",
        id=_tool_id(name),
        label=name,
        doc=str(data["description"]).strip() if data.get("description") else None,
        requirements=requirements,
        arguments=arguments,
        inputs=[_input(comp, kfp_name) for kfp_name in comp.inputs],
        outputs=[_output(comp, kfp_name) for kfp_name in comp.written],
    )


def _load(path: Path) -> Any:
    try:
        data = YAML(typ="rt", pure=True).load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise OperatorError(path, 0, f"cannot read the component: {exc.strerror}") from exc
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise OperatorError(path, mark.line + 1 if mark else 0, f"not valid YAML: {problem}") from exc
    if not isinstance(data, dict):
        raise OperatorError(path, 0, "a KFP component must be a mapping with name, inputs, outputs, implementation")
    return data


def _container(comp: _Component, data: Any) -> Any:
    implementation = data.get("implementation")
    container = implementation.get("container") if isinstance(implementation, dict) else None
    if not isinstance(container, dict):
        raise comp.error(implementation or data, "expected implementation.container (no graph components)")
    if not container.get("image"):
        raise comp.error(container, "implementation.container has no image")
    if container.get("fileOutputs"):
        raise comp.error(container, "fileOutputs (the pre-1.0 output style) is not supported; use outputPath")
    return container


def _declare(comp: _Component, data: Any, key: str, into: dict[str, dict[str, Any]]) -> None:
    entries = data.get(key) or []
    if not isinstance(entries, list):
        raise comp.error(data, f"'{key}' must be a list of {{name: ..., type: ...}}")
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("name"):
            raise comp.error(entry if hasattr(entry, "lc") else entries, f"every entry of '{key}' needs a name")
        name = str(entry["name"])
        cwl_id = re.sub(r"[^A-Za-z0-9_]+", "_", name.strip()).strip("_").lower() or "value"
        if cwl_id[0].isdigit():
            cwl_id = f"_{cwl_id}"
        if name in into or cwl_id in comp.ids.values():
            raise comp.error(entry, f"'{name}' is declared twice (or two names sanitise to '{cwl_id}')")
        into[name] = entry
        comp.ids[name] = cwl_id


def _tool_id(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "component"


def _argument(comp: _Component, item: Any, position: int) -> cwl.CommandLineBinding:
    if isinstance(item, str | int | float) and not isinstance(item, bool):
        return cwl.CommandLineBinding(position=position, valueFrom=cwl_literal(str(item)))
    return cwl.CommandLineBinding(position=position, valueFrom=f"$({_expression(comp, item)})")


def _expression(comp: _Component, item: Any) -> str:
    """Return a JavaScript expression for one command-line item: a string, a list of strings, or null."""
    if isinstance(item, str | int | float) and not isinstance(item, bool):
        return json.dumps(str(item))
    if not isinstance(item, dict) or len(item) != 1:
        raise comp.error(item, f"expected a string or one placeholder ({{inputValue: x}}, ...), got {item!r}")
    ((kind, arg),) = item.items()
    if kind == "inputValue":
        return _input_value(comp, item, arg)
    if kind == "inputPath":
        ref = _input_ref(comp, item, arg)
        comp.as_path.add(str(arg))
        return f"({ref} === null ? null : {ref}.path)"
    if kind == "outputPath":
        if str(arg) not in comp.outputs:
            raise comp.error(item, f"outputPath names no declared output {arg!r}")
        if str(arg) not in comp.written:
            comp.written.append(str(arg))
        return f"runtime.outdir + {json.dumps('/' + comp.ids[str(arg)])}"
    if kind == "concat":
        if not isinstance(arg, list):
            raise comp.error(item, "concat takes a list")
        return "[" + ", ".join(_expression(comp, part) for part in arg) + "].join('')"
    if kind == "if":
        return _if(comp, item, arg)
    raise comp.error(item, f"unsupported placeholder {kind!r} (use inputValue, inputPath, outputPath, concat, if)")


def _input_ref(comp: _Component, node: Any, name: Any) -> str:
    if str(name) not in comp.inputs:
        raise comp.error(node, f"placeholder names no declared input {name!r}")
    return f"inputs.{comp.ids[str(name)]}"


def _input_value(comp: _Component, node: Any, name: Any) -> str:
    ref = _input_ref(comp, node, name)
    comp.as_value.add(str(name))
    if _kfp_type(comp.inputs[str(name)]) == "boolean":
        return f"({ref} === null ? null : ({ref} ? 'True' : 'False'))"
    return f"({ref} === null ? null : String({ref}))"


def _if(comp: _Component, node: Any, arg: Any) -> str:
    if not isinstance(arg, dict) or "cond" not in arg:
        raise comp.error(node, "if takes {cond: ..., then: [...], else: [...]}")
    cond = arg["cond"]
    if isinstance(cond, dict) and set(cond) == {"isPresent"}:
        ref = _input_ref(comp, cond, cond["isPresent"])
        test = f"({ref} !== null && {ref} !== undefined)"
    elif isinstance(cond, bool | str):
        test = "true" if str(cond).lower() == "true" else "false"
    else:
        test = f"(String({_expression(comp, cond)}).toLowerCase() === 'true')"

    def branch(value: Any) -> str:
        parts = value if isinstance(value, list) else ([] if value is None else [value])
        return "[" + ", ".join(_expression(comp, part) for part in parts) + "]"

    return f"({test} ? {branch(arg.get('then'))} : {branch(arg.get('else'))})"


def _kfp_type(entry: Any) -> str:
    kfp_type = entry.get("type")
    return _TYPES.get(str(kfp_type).lower(), "string") if isinstance(kfp_type, str) else "string"


def _input(comp: _Component, name: str) -> cwl.CommandInputParameter:
    entry = comp.inputs[name]
    cwl_type = "File" if name in comp.as_path else _kfp_type(entry)
    default = None
    if "default" in entry and entry["default"] is not None and cwl_type != "File":
        default = _typed_default(comp, entry, cwl_type)
    optional = bool(entry.get("optional")) and default is None
    return cwl.CommandInputParameter(
        id=comp.ids[name],
        label=name if name != comp.ids[name] else None,
        doc=str(entry["description"]) if entry.get("description") else None,
        type_=["null", cwl_type] if optional else cwl_type,
        default=default,
    )


def _typed_default(comp: _Component, entry: Any, cwl_type: str) -> Any:
    raw = entry["default"]
    text = str(raw)
    try:
        if cwl_type == "int":
            return int(text)
        if cwl_type == "float":
            return float(text)
    except ValueError as exc:
        raise comp.error(entry, f"input {entry['name']!r}: default {text!r} is not a {cwl_type}") from exc
    if cwl_type == "boolean":
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        raise comp.error(entry, f"input {entry['name']!r}: default {text!r} is not a boolean (True or False)")
    return text


def _output(comp: _Component, name: str) -> cwl.CommandOutputParameter:
    entry = comp.outputs[name]
    kind = "Directory" if str(entry.get("type", "")).lower() == "directory" else "File"
    return cwl.CommandOutputParameter(
        id=comp.ids[name],
        label=name if name != comp.ids[name] else None,
        doc=str(entry["description"]) if entry.get("description") else None,
        type_=kind,
        outputBinding=cwl.CommandOutputBinding(glob=cwl_literal(comp.ids[name])),
    )
