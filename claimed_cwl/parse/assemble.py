"""Build the OperatorSpec from what a front end extracted, by the shared rules.

Directives are attached to the read they stand above, reads of one name are
merged (and must agree), then each name becomes a Parameter, an output, or
both (a file rewritten in place), from how the code uses it
(:mod:`claimed_cwl.parse.decide`); a directive always wins. Every decision is
explained, and risky code is warned about.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from claimed_cwl.parse.analysis import Analysis, Diagnostic, Explanation
from claimed_cwl.parse.comments import (
    Directive,
    ParamDirective,
    block_above,
    merge_param,
    param_docs,
    parse_directive,
)
from claimed_cwl.parse.decide import Verdict, decide, prefix_parameters
from claimed_cwl.parse.infer import is_secret_name, output_is_directory, output_path
from claimed_cwl.parse.reads import Extracted, Read, ValueWrite
from claimed_cwl.parse.source import Source
from claimed_cwl.parse.usage import Use, UseKind
from claimed_cwl.spec import (
    DefaultValue,
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

__all__ = ["assemble"]

_PATH_TYPES = (ParamType.FILE, ParamType.DIRECTORY)
# The look-behind starts a scheme only where a run of scheme characters starts: without it a long run of
# letters is rescanned from every position (quadratic: minutes for a 1 MB comment line).
_CREDENTIALS_RE = re.compile(r"(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]+:[^/\s@]+@")
_FALSE_WORDS = ("false", "no", "0", "off")
_REMOTE_KINDS = frozenset({UseKind.REMOTE, UseKind.SQL, UseKind.HOST, UseKind.GLOB})


@dataclass(frozen=True)
class _Typed:
    """Type, default and boolean texts of a parameter after a type directive."""

    type: ParamType
    default: DefaultValue | None
    true_text: str
    false_text: str


@dataclass
class _Context:
    """What every name's resolution needs: the source, comments, uses, prefixes, docs and warnings."""

    source: Source
    extracted: Extracted
    prefixes: dict[str, dict[str, list[Use]]]
    docs: dict[str, str]
    warnings: list[tuple[int, str]]
    directories: frozenset[str] = frozenset()

    def locate(self, use: Use) -> str:
        return f"{self.source.describe(use.line)}: {use.text} ({_use_label(use)})"

    def warn(self, line: int, message: str) -> None:
        if (line, message) not in self.warnings:
            self.warnings.append((line, message))


def assemble(
    source: Source, language: Language, name: str, extracted: Extracted, additional_files: Sequence[str] = (),
    *, directories: Sequence[str] = (),
) -> Analysis:
    """Apply directives and inference rules to ``extracted``; return the validated spec and its analysis.

    ``directories`` are parameters made Directory inputs from outside (see ``analyse_operator``).
    """
    directives = _scan_comments(source, extracted.comments)
    attached = _attach(source, extracted, directives)
    groups = _group(source, extracted.reads)
    uses = {key: extracted.usage.of(key) for key in groups}
    prefixes = {name: joined for name, joined in prefix_parameters(uses).items()
                if name in groups and _may_be_prefix(attached.get(name))}
    context = _Context(source, extracted, prefixes, param_docs(extracted.comments), [], frozenset(directories))
    value_writes = _value_writes(source, groups, extracted.writes, context.warnings)
    for notice in extracted.usage.notices:
        context.warn(notice.line, notice.message)
    parameters: list[Parameter] = []
    outputs: list[tuple[int, int, Output]] = []
    explanations: list[Explanation] = []
    for reads in groups.values():
        items, explanation = _resolve(context, reads, attached.get(reads[0].name))
        explanations.append(explanation)
        for item in items:
            if isinstance(item, Parameter):
                parameters.append(item)
            else:
                outputs.append((reads[0].line, reads[0].col, item))
    parameters, outputs = _unprefix(context, parameters, outputs)
    outputs.extend(_value_outputs(value_writes, extracted.comments, context.docs))
    outputs.sort(key=lambda entry: (entry[0], entry[1]))
    try:
        spec = OperatorSpec(
            name=name,
            language=language,
            source_file=source.path.name,
            description=extracted.description,
            parameters=tuple(parameters),
            outputs=tuple(entry[2] for entry in outputs),
            dependencies=tuple(extracted.dependencies),
            resources=_resources(source, directives),
            additional_files=tuple(additional_files),
            network=bool(extracted.usage.network),
        )
    except SpecError as exc:
        raise source.error(0, str(exc)) from None
    warnings = tuple(Diagnostic(str(source.error(line, "")).removesuffix(": "), message)
                     for line, message in sorted(context.warnings))
    network = tuple(f"{source.describe(item.line)}: {item.message}"
                    for item in sorted(extracted.usage.network, key=lambda n: n.line))
    return Analysis(spec, tuple(explanations), warnings, network)


def _may_be_prefix(said: ParamDirective | None) -> bool:
    """A directive that types the parameter or makes it an output keeps it from being a prefix."""
    return said is None or (said.role is None and said.type in (None, ParamType.STRING))


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


def _value_writes(source: Source, groups: Mapping[str, list[Read]], writes: Sequence[ValueWrite],
                  warnings: list[tuple[int, str]]) -> list[ValueWrite]:
    """The ``os.environ['x'] = v`` writes that are outputs.

    A write that comes before every read of its name sets up the environment
    (a development cell): it is no output. A write after a read is an error.
    """
    outputs = []
    for write in writes:
        reads = groups.get(write.name)
        if reads is None:
            outputs.append(write)
            continue
        if all(write.line < read.line for read in reads):
            warnings.append((write.line, f"os.environ[{write.name!r}] is set before the code reads it: a "
                             "development setting, not an output. It runs in the container too and overrides "
                             f"the value given at run time; remove it, or use os.environ.setdefault({write.name!r}, "
                             "...) so that a given value wins"))
            continue
        read_line = source.describe(reads[0].line)
        raise source.error(
            write.line, f"{write.name!r} is set as a value output but also read as a parameter ({read_line})"
        )
    return outputs


def _description(comments: Mapping[int, str], anchors: Sequence[int]) -> str:
    for anchor in anchors:
        text = block_above(comments, anchor)
        if text:
            return text
    return ""


def _value_outputs(
    writes: Sequence[ValueWrite], comments: Mapping[int, str], docs: Mapping[str, str]
) -> list[tuple[int, int, Output]]:
    firsts: dict[str, ValueWrite] = {}
    descriptions: dict[str, str] = {}
    for write in writes:
        firsts.setdefault(write.name, write)
        if not descriptions.get(write.name):
            descriptions[write.name] = docs.get(write.name) or _description(comments, write.anchors)
    return [
        (w.line, w.col, Output(w.name, OutputKind.VALUE, description=descriptions[w.name], line=w.line))
        for w in firsts.values()
    ]


def _resolve(
    context: _Context, reads: Sequence[Read], directive: ParamDirective | None
) -> tuple[list[Parameter | Output], Explanation]:
    first = reads[0]
    source = context.source
    said = directive or ParamDirective(first.line)
    uses = context.extracted.usage.of(first.name)
    verdict = decide(first.name, first.type, first.numeric, first.default, uses, prefixes=context.prefixes)
    if said.role == "input" and verdict.output is not None and verdict.role is not ParamRole.REWRITTEN:
        verdict = Verdict(None, ParamType.STRING, why="string: an input by directive, although the code writes it",
                          evidence=verdict.evidence)
    if first.name in context.directories and verdict.type is ParamType.DIRECTORY and said.type is None:
        said = replace(said, type=ParamType.DIRECTORY, role="input")  # a directory the grid updates in place
    _warn_reads(context, first, reads, uses)
    description = context.docs.get(first.name) or next(
        (d for r in reads if (d := _description(context.extracted.comments, r.anchors))), "")
    evidence = tuple(context.locate(use) for use in (verdict.evidence or tuple(uses)))
    if said.ignore:
        return [], Explanation(first.name, "ignored: not a parameter", f"directive at {source.describe(said.line)}")
    output_kind = _output_kind(context, first, said, verdict, uses)
    if output_kind is not None:
        out = _output(first, said, verdict, output_kind, description)
        reason = verdict.why if said.role != "output" and verdict.output else _directive_reason(source, said, first)
        return [out], Explanation(first.name, _describe_output(out), reason, evidence)
    param = _parameter(context, reads, said, verdict, description)
    reason = verdict.why if said.type is None else f"type={said.type.value} directive at {source.describe(said.line)}"
    if param.secret:
        why_secret = "a directive" if said.secret else secret_reason(context, first, reads)
        reason += f"; secret: {why_secret}"
    items: list[Parameter | Output] = [param]
    if param.role is ParamRole.REWRITTEN:
        fallback = first.default if isinstance(first.default, str) and "/" not in first.default else ""
        items.append(Output(first.name, OutputKind.FILE, path="" if param.required else fallback,
                            description=description, line=first.line, rewrites=first.name))
    return items, Explanation(first.name, _describe_param(param), reason, evidence)


def _directive_reason(source: Source, said: ParamDirective, read: Read) -> str:
    if said.role == "output" or said.type in _PATH_TYPES:
        return f"directive at {source.describe(said.line)}"
    return f"the name starts with output_ (CLAIMED convention), read at {source.describe(read.line)}"


def _output_kind(context: _Context, read: Read, said: ParamDirective, verdict: Verdict,
                 uses: Sequence[Use]) -> OutputKind | None:
    """The kind of output ``read`` is, or None for an input; directives first."""
    if said.role == "input" or (said.type is not None and said.type not in _PATH_TYPES):
        return None
    default = None if read.default is None else str(read.default)
    by_rule = OutputKind.DIRECTORY if output_is_directory(read.name, default) else OutputKind.FILE
    if said.role == "output":
        if read.numeric and said.type is None:
            raise context.source.error(
                said.line, f"{read.name!r} cannot be an output path: it is read as {read.type.value}")
        if said.type is not None:
            return OutputKind(said.type.value)
        return verdict.output if verdict.output is not None and verdict.role is not ParamRole.REWRITTEN else by_rule
    if verdict.output is not None and verdict.role is not ParamRole.REWRITTEN:
        return OutputKind(said.type.value) if said.type is not None else verdict.output
    remote = any(u.kind in _REMOTE_KINDS for u in uses)
    if read.name.startswith("output_") and not read.numeric and verdict.role is ParamRole.VALUE \
            and verdict.type is ParamType.STRING and not remote:
        return OutputKind(said.type.value) if said.type is not None else by_rule
    return None


def _output(read: Read, said: ParamDirective, verdict: Verdict, kind: OutputKind, description: str) -> Output:
    default = None if read.default is None else str(read.default)
    path = said.path or output_path(read.name, default, verdict.extension)
    if kind is OutputKind.DIRECTORY and verdict.trailing_slash and not path.endswith("/"):
        path += "/"
    return Output(read.name, kind, path=path, description=description, line=read.line,
                  prefix=verdict.prefix, suffixes=verdict.suffixes)


def _parameter(context: _Context, reads: Sequence[Read], said: ParamDirective, verdict: Verdict,
               description: str) -> Parameter:
    first = reads[0]
    source = context.source
    if said.path is not None:
        raise source.error(said.line, f"path= is only for outputs, and {first.name!r} is an input")
    typed = _Typed(first.type, first.default, first.true_text, first.false_text)
    role, joined_to, slash = verdict.role, verdict.joined_to, verdict.trailing_slash
    if said.type is not None:
        if said.type is not first.type:
            typed = _retype(source, first, said.type, said.line)
        if said.type is not verdict.type:
            role, joined_to, slash = ParamRole.VALUE, "", False
    elif verdict.type is not first.type:
        typed = _retype_by_use(context, first, verdict)
        if typed.type is not verdict.type:
            role, joined_to, slash = ParamRole.VALUE, "", False
    if verdict.spelled_bool and typed.type is ParamType.BOOL:
        typed = replace(typed, true_text="True", false_text="False")
    required = any(r.required for r in reads)
    if said.required is not None:
        if required and not said.required:
            raise source.error(said.line, f"required=false, but the script cannot run without {first.name!r} "
                               f"({source.describe(first.line)}: {first.cast_text}, {first.default_text})")
        required = said.required
    elif verdict.required and role is not ParamRole.PREFIX:
        required = True
    if role is ParamRole.PREFIX:
        required = False
    secret = said.secret if said.secret is not None else (
        typed.type is not ParamType.BOOL and bool(secret_reason(context, first, reads)))  # a flag holds no secret
    if secret and first.default is not None and isinstance(first.default, str) and first.default:
        context.warn(first.line, f"the secret parameter {first.name!r} has a default written in the source, and "
                     "the source is copied into the image as it is, so anyone who can pull the image can read it: "
                     "remove the default and give the value at run time")
    return Parameter(
        name=first.name,
        type=typed.type,
        default=None if required else typed.default,
        required=required,
        description=description,
        secret=secret,
        line=first.line,
        true_text=typed.true_text,
        false_text=typed.false_text,
        role=role,
        joined_to=joined_to,
        trailing_slash=slash,
    )


def _retype_by_use(context: _Context, read: Read, verdict: Verdict) -> _Typed:
    """A string read that the code converts later (``int(b)``) or uses as a path: convert its default."""
    try:
        converted = None if read.default is None else _convert(read.default, verdict.type)
    except (ValueError, OverflowError):
        context.warn(read.line, f"{read.name!r} is used as {verdict.type.value} but its default "
                     f"{read.default!r} is not one: kept a string")
        return _Typed(read.type, read.default, read.true_text, read.false_text)
    return _Typed(verdict.type, converted, "True", "")


def secret_reason(context: _Context, read: Read, reads: Sequence[Read]) -> str:
    """Why the parameter is a secret ('' when it is none): its name, a use, or a connection string."""
    if is_secret_name(read.name):
        return "its name says so"
    if any(u.kind is UseKind.CREDENTIALS for u in context.extracted.usage.of(read.name)):
        return "the code splits credentials out of it"
    if isinstance(read.default, str) and _CREDENTIALS_RE.search(read.default):
        return "its default is a connection string with credentials"
    comments = context.extracted.comments
    if any(_CREDENTIALS_RE.search(_description(comments, r.anchors)) for r in reads):
        return "the comment above it shows a connection string with credentials"
    return ""


def _warn_reads(context: _Context, read: Read, reads: Sequence[Read], uses: Sequence[Use]) -> None:
    """Warn about reads whose meaning is risky: ``bool('False')``, unknown wrappers."""
    if read.cast_text == "bool(...)" and isinstance(read.default, bool) and read.default_text.strip("'\"").lower() \
            in _FALSE_WORDS:
        context.warn(read.line, f"bool({read.default_text}) is True in Python: {read.name!r} defaults to true; "
                     f"compare the text instead (os.getenv({read.name!r}, 'False') == 'True')")
    for use in uses:
        if use.kind is UseKind.WRAPPER and not use.detail.startswith("local:"):
            context.warn(use.line, f"{read.name!r} is read through {use.detail}(), which the compiler does not "
                         "know: its type is kept as the read gives it (booleans are passed as True/False)")
    del reads


def _unprefix(
    context: _Context, parameters: list[Parameter], outputs: list[tuple[int, int, Output]]
) -> tuple[list[Parameter], list[tuple[int, int, Output]]]:
    """Names joined to a parameter that a directive made no prefix become plain strings and outputs."""
    prefixes = {p.name for p in parameters if p.role is ParamRole.PREFIX}
    fixed = []
    for param in parameters:
        if param.joined_to and param.joined_to not in prefixes:
            context.warn(param.line, f"{param.name!r} is joined to {param.joined_to!r}, which a directive made "
                         "no prefix: kept a string")
            fixed.append(replace(param, type=ParamType.STRING, role=ParamRole.VALUE, joined_to=""))
        else:
            fixed.append(param)
    fixed_outputs = [(line, col, replace(out, prefix="") if out.prefix and out.prefix not in prefixes else out)
                     for line, col, out in outputs]
    return fixed, fixed_outputs


def _describe_param(param: Parameter) -> str:
    kind = {
        ParamRole.PREFIX: "string prefix (CWL default './', the working directory)",
        ParamRole.JOINED: f"File, staged into the working directory and passed by name (joined to {param.joined_to})",
        ParamRole.REWRITTEN: "File, staged writable and rewritten in place; also an output",
    }.get(param.role, param.type.value + (" passed with a trailing '/'" if param.trailing_slash else ""))
    details = ["required" if param.required else "optional"]
    if param.input_id != param.name:
        details.append(f"CWL id {param.input_id} (job loaders turn a '{param.name}' key into a file URI)")
    if param.default is not None and not param.secret and param.role is not ParamRole.PREFIX:
        details.append(f"default {param.default!r}")
    if param.secret:
        details.append("secret")
    return f"input {kind}; {', '.join(details)}"


def _describe_output(out: Output) -> str:
    where = f" under the prefix {out.prefix}" if out.prefix else ""
    suffixes = f" (the writer may add {', '.join(out.suffixes)})" if out.suffixes else ""
    return f"output {out.kind.value} {out.path!r}{where}{suffixes}; the name can be set at run time"


def _use_label(use: Use) -> str:
    label = use.kind.value
    if use.position.kind == "prefix":
        label += ", as a prefix"
    elif use.position.kind == "joined":
        label += f", joined to {use.position.prefix}" if use.position.prefix else ", as a name inside a path"
    elif use.position.kind == "stem":
        label += ", with an extension appended"
    elif use.position.kind == "part":
        label += ", as part of a name"
    return label


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
