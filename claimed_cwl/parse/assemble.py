"""Build the OperatorSpec from what a front end extracted, by the shared rules.

Directives are attached to the read they stand above, reads of one name are
merged (and must agree), then each name becomes a Parameter or an output path
by the File/Directory, output and secret rules of docs/operators.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from claimed_cwl.parse.comments import (
    Directive,
    ParamDirective,
    block_above,
    merge_param,
    parse_directive,
)
from claimed_cwl.parse.infer import is_secret_name, output_is_directory, output_path, path_type
from claimed_cwl.parse.reads import Extracted, Read, ValueWrite
from claimed_cwl.parse.source import Source
from claimed_cwl.spec import (
    DefaultValue,
    Language,
    OperatorSpec,
    Output,
    OutputKind,
    Parameter,
    ParamType,
    Resources,
    SpecError,
)

__all__ = ["assemble"]

_PATH_TYPES = (ParamType.FILE, ParamType.DIRECTORY)


@dataclass(frozen=True)
class _Typed:
    """Type, default and boolean texts of a parameter after a type directive."""

    type: ParamType
    default: DefaultValue | None
    true_text: str
    false_text: str


def assemble(
    source: Source, language: Language, name: str, extracted: Extracted, additional_files: Sequence[str] = ()
) -> OperatorSpec:
    """Apply directives and inference rules to ``extracted``; return the validated spec."""
    directives = _scan_comments(source, extracted.comments)
    attached = _attach(source, extracted, directives)
    groups = _group(source, extracted.reads)
    _check_writes(source, groups, extracted.writes)
    parameters: list[Parameter] = []
    outputs: list[tuple[int, int, Output]] = []
    for reads in groups.values():
        item = _resolve(source, reads, attached.get(reads[0].name), extracted.comments)
        if isinstance(item, Parameter):
            parameters.append(item)
        else:
            outputs.append((reads[0].line, reads[0].col, item))
    outputs.extend(_value_outputs(extracted.writes, extracted.comments))
    outputs.sort(key=lambda entry: (entry[0], entry[1]))
    try:
        return OperatorSpec(
            name=name,
            language=language,
            source_file=source.path.name,
            description=extracted.description,
            parameters=tuple(parameters),
            outputs=tuple(entry[2] for entry in outputs),
            dependencies=tuple(extracted.dependencies),
            resources=_resources(source, directives),
            additional_files=tuple(additional_files),
        )
    except SpecError as exc:
        raise source.error(0, str(exc)) from None


def _scan_comments(source: Source, comments: Mapping[int, str]) -> list[Directive]:
    """The ``# claimed:`` directives (dependency lines are read by claimed_cwl.parse.dependencies)."""
    directives: list[Directive] = []
    for line in sorted(comments):
        directive = parse_directive(comments[line], line, source)
        if directive is not None:
            directives.append(directive)
    return directives


def _resources(source: Source, directives: Sequence[Directive]) -> Resources:
    values: dict[str, tuple[float, int]] = {}
    for directive in directives:
        for field_name, value in directive.resources:
            if field_name in values and values[field_name][0] != value:
                other = source.describe(values[field_name][1])
                raise source.error(directive.line, f"resource {field_name} is set again, differently from {other}")
            values[field_name] = (value, directive.line)
    try:
        return Resources(**{key: value for key, (value, _) in values.items()})  # type: ignore[arg-type]
    except SpecError as exc:
        raise source.error(0, str(exc)) from None


def _attach(source: Source, extracted: Extracted, directives: Sequence[Directive]) -> dict[str, ParamDirective]:
    """Map parameter name -> its directive (from the lines directly above one of its reads)."""
    attached: dict[str, ParamDirective] = {}
    for directive in directives:
        if directive.param is None:
            continue
        target = directive.line + 1
        while target in extracted.comments:
            target += 1
        names = list(dict.fromkeys(r.name for r in extracted.reads if r.line == target))
        if not names:
            names = list(dict.fromkeys(r.name for r in extracted.reads if target in r.anchors))
        if not names:
            raise source.error(
                directive.line,
                "parameter directive is not followed by a read of an environment variable "
                "(it must stand directly above the read, with only comment lines between)",
            )
        if len(names) > 1:
            raise source.error(
                directive.line, f"parameter directive is ambiguous: the next line reads {', '.join(names)}"
            )
        previous = attached.get(names[0])
        attached[names[0]] = directive.param if previous is None else merge_param(previous, directive.param, source)
    return attached


def _group(source: Source, reads: Sequence[Read]) -> dict[str, list[Read]]:
    groups: dict[str, list[Read]] = {}
    for read in reads:
        group = groups.setdefault(read.name, [])
        if group:
            first = group[0]
            if read.signature != first.signature:
                raise source.error(
                    read.line,
                    f"parameter {read.name!r} is read with different casts: {source.describe(first.line)} "
                    f"({first.cast_text}) and {source.describe(read.line)} ({read.cast_text})",
                )
            if read.default_key != first.default_key:
                raise source.error(
                    read.line,
                    f"parameter {read.name!r} is read with different defaults: {source.describe(first.line)} "
                    f"({first.default_text}) and {source.describe(read.line)} ({read.default_text})",
                )
        group.append(read)
    return groups


def _check_writes(source: Source, groups: Mapping[str, list[Read]], writes: Sequence[ValueWrite]) -> None:
    for write in writes:
        if write.name in groups:
            read_line = source.describe(groups[write.name][0].line)
            raise source.error(
                write.line, f"{write.name!r} is set as a value output but also read as a parameter ({read_line})"
            )


def _description(comments: Mapping[int, str], anchors: Sequence[int]) -> str:
    for anchor in anchors:
        text = block_above(comments, anchor)
        if text:
            return text
    return ""


def _value_outputs(writes: Sequence[ValueWrite], comments: Mapping[int, str]) -> list[tuple[int, int, Output]]:
    firsts: dict[str, ValueWrite] = {}
    descriptions: dict[str, str] = {}
    for write in writes:
        firsts.setdefault(write.name, write)
        if not descriptions.get(write.name):
            descriptions[write.name] = _description(comments, write.anchors)
    return [
        (w.line, w.col, Output(w.name, OutputKind.VALUE, description=descriptions[w.name], line=w.line))
        for w in firsts.values()
    ]


def _resolve(
    source: Source, reads: Sequence[Read], directive: ParamDirective | None, comments: Mapping[int, str]
) -> Parameter | Output:
    first = reads[0]
    said = directive or ParamDirective(first.line)
    description = next((d for r in reads if (d := _description(comments, r.anchors))), "")
    if _is_output(source, first, said):
        default = None if first.default is None else str(first.default)
        directory = said.type is ParamType.DIRECTORY or (said.type is None and output_is_directory(first.name, default))
        kind = OutputKind.DIRECTORY if directory else OutputKind.FILE
        path = said.path or output_path(first.name, default)
        return Output(first.name, kind, path=path, description=description, line=first.line)
    if said.path is not None:
        raise source.error(said.line, f"path= is only for outputs, and {first.name!r} is an input")
    typed = _Typed(first.type, first.default, first.true_text, first.false_text)
    if said.type is not None and said.type is not first.type:
        typed = _retype(source, first, said.type, said.line)
    elif said.type is None and first.path_like:
        default_text = first.default if isinstance(first.default, str) else None
        typed = _Typed(path_type(first.name, default_text), first.default, first.true_text, first.false_text)
    required = any(r.required for r in reads)
    return Parameter(
        name=first.name,
        type=typed.type,
        default=None if required else typed.default,
        required=required,
        description=description,
        secret=said.secret if said.secret is not None else is_secret_name(first.name),
        line=first.line,
        true_text=typed.true_text,
        false_text=typed.false_text,
    )


def _is_output(source: Source, read: Read, said: ParamDirective) -> bool:
    if said.role == "input":
        return False
    if said.role == "output":
        if said.type is not None and said.type not in _PATH_TYPES:
            raise source.error(said.line, f"an output path is a File or Directory, not {said.type.value}")
        if read.numeric and said.type is None:
            raise source.error(said.line, f"{read.name!r} cannot be an output path: it is read as {read.type.value}")
        return True
    return read.name.startswith("output_") and not read.numeric and said.type in (None, *_PATH_TYPES)


def _retype(source: Source, read: Read, target: ParamType, line: int) -> _Typed:
    """Apply ``type=...`` to a read: convert its default, or fail naming the directive line."""
    value = read.default
    texts = (read.true_text, read.false_text) if read.type is ParamType.BOOL else ("True", "False")
    try:
        converted = None if value is None else _convert(value, target)
    except (ValueError, OverflowError):
        raise source.error(line, f"type={target.value} does not fit the default {value!r} of {read.name!r}") from None
    return _Typed(target, converted, *texts)


def _convert(value: DefaultValue, target: ParamType) -> DefaultValue:
    if target in (ParamType.STRING, *_PATH_TYPES):
        return str(value)
    if isinstance(value, bool):
        if target is ParamType.BOOL:
            return value
        raise ValueError(value)
    if target is ParamType.BOOL:
        words = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False, "": False}
        key = str(value).strip().lower()
        if key not in words:
            raise ValueError(value)
        return words[key]
    number = float(value) if isinstance(value, str) else value
    if target is ParamType.INT:
        if isinstance(value, str):
            return int(value)
        if number != int(number):
            raise ValueError(value)
        return int(number)
    if not math.isfinite(float(number)):
        raise ValueError(value)
    return float(number)
