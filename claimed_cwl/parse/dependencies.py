"""Everything an operator needs in its image, from every place it is declared or implied.

Runs after :func:`~claimed_cwl.parse.assemble.assemble`: it reads dependency
comments (``# pip install``, ``# apt-get install``, ``# dnf install``), the
install commands of notebook shell lines and magics, requirement files named
with ``-r``, R ``install.packages``/``library``/``require``, the operator's
imports (kept for the image's import check), the system needs of well-known
modules (:data:`~claimed_cwl.parse.system_needs.SYSTEM_NEEDS`), the Debian
packages of commands that shell lines run, and ``# claimed: env NAME=VALUE``
directives (a fixed environment variable of the container).
"""

from __future__ import annotations

import logging
import re
import shlex
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath

from claimed_cwl.parse.comments import is_dependency_line
from claimed_cwl.parse.imports import python_imports, r_imports
from claimed_cwl.parse.python_source import parse_tree
from claimed_cwl.parse.reads import Extracted
from claimed_cwl.parse.requirements import InstallReader, Location
from claimed_cwl.parse.source import Source
from claimed_cwl.parse.system_needs import SYSTEM_NEEDS
from claimed_cwl.runtime.claimed_notebook import command_words
from claimed_cwl.spec import (
    Dependency,
    DependencyKind,
    Language,
    ModuleImport,
    OperatorSpec,
    Parameter,
    SpecError,
)

__all__ = ["complete_operator", "env_directive"]

log = logging.getLogger(__name__)

_ENV_RE = re.compile(r"\s*claimed\s*:\s*env(?:\s+(.*))?\Z", re.DOTALL)
_IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SHELL_OPERATORS = frozenset(";|&$`\\")


def complete_operator(
    spec: OperatorSpec, source: Source, extracted: Extracted, additional_files: Sequence[str] = ()
) -> OperatorSpec:
    """Return ``spec`` with every dependency, the imports and the fixed environment filled in."""
    reader = InstallReader(source.path.parent, additional_files)
    for line in sorted(extracted.comments):
        text = extracted.comments[line]
        if is_dependency_line(text):
            _check_comment(text, _location(source, line))
            for words in command_words(text.strip()):
                reader.read_command(words, line, _location(source, line))
    for line, words in extracted.shell.installs:
        reader.read_command(words, line, _location(source, line))
    _check_run_files(source, extracted, additional_files)
    imports = _imports(spec, source, extracted)
    dependencies = sorted([*spec.dependencies, *reader.dependencies], key=lambda d: d.line)
    dependencies += _r_library_dependencies(spec, dependencies, imports)
    implied, implied_environment = _implied(source, extracted, imports)
    environment = _merge_environment(source, extracted, implied_environment)
    parameters = _without_magic_env(spec, source, extracted)
    try:
        return replace(
            spec,
            parameters=parameters,
            dependencies=(*dependencies, *implied),
            imports=tuple(imports),
            environment=tuple(sorted(environment.items())),
        )
    except SpecError as exc:
        raise source.error(0, str(exc)) from None


def _check_comment(text: str, where: Location) -> None:
    """A dependency comment declares packages; a shell operator in it is an error, never a command."""
    quote = ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in _SHELL_OPERATORS:
            raise where.error(f"dependency line {text.strip()!r} contains the shell character {char!r}; "
                              "name packages only")


def _without_magic_env(spec: OperatorSpec, source: Source, extracted: Extracted) -> tuple[Parameter, ...]:
    """A variable that ``%env NAME=value`` sets before any read of it is the notebook's own state, not a parameter."""
    kept = []
    for param in spec.parameters:
        set_at = extracted.shell.env_set.get(param.name)
        if set_at is not None and set_at < param.line:
            log.info("%s, %s: %s is set by %%env before it is read: not a parameter",
                     source.path.name, source.describe(set_at), param.name)
            continue
        kept.append(param)
    return tuple(kept)


def _location(source: Source, line: int) -> Location:
    return Location(f"{source.path.name}, {source.describe(line)}", lambda message: source.error(line, message))


def _imports(spec: OperatorSpec, source: Source, extracted: Extracted) -> list[ModuleImport]:
    if spec.language is Language.R:
        return r_imports(source)
    written = {PurePosixPath(path).parts[0].removesuffix(".py") for path in extracted.shell.written_files}
    found = [item for item in python_imports(parse_tree(source), source.describe) if item.name not in written]
    seen = {item.name for item in found}
    for name, line in extracted.shell.modules:
        if name not in seen:
            seen.add(name)
            found.append(ModuleImport(name, source.describe(line)))
    return found


def _r_library_dependencies(
    spec: OperatorSpec, dependencies: Sequence[Dependency], imports: Sequence[ModuleImport]
) -> list[Dependency]:
    """R packages loaded with library()/require()/pkg:: that no install.packages names."""
    if spec.language is not Language.R:
        return []
    declared = {pkg for dep in dependencies if dep.kind is DependencyKind.R for pkg in dep.packages}
    missing = [item for item in imports if item.name not in declared]
    return [Dependency(DependencyKind.R, (item.name,), 0, origin=f"library({item.name}) at {item.where}")
            for item in missing]


def _implied(
    source: Source, extracted: Extracted, imports: Sequence[ModuleImport]
) -> tuple[list[Dependency], dict[str, tuple[str, int]]]:
    """Debian packages and environment implied by imports (SYSTEM_NEEDS) and by shell commands."""
    dependencies: list[Dependency] = []
    environment: dict[str, tuple[str, int]] = {}
    for item in imports:
        need = SYSTEM_NEEDS.get(item.name)
        if need is None:
            continue
        origin = f"import {item.name} at {item.where}"
        log.info("%s: %s: adds %s (%s)", source.path.name, origin, ", ".join(need.apt), need.why)
        dependencies.append(Dependency(DependencyKind.APT, need.apt, 0, origin=origin))
        for name, value in need.environment:
            environment.setdefault(name, (value, 0))
    for package, line, command in extracted.shell.system:
        origin = f"command {command} at {source.describe(line)}"
        dependencies.append(Dependency(DependencyKind.APT, (package,), line, origin=origin))
    return dependencies, environment


def env_directive(text: str, line: int, source: Source) -> list[tuple[str, str]] | None:
    """Parse ``claimed: env NAME=VALUE ...`` (values may be quoted); None if the comment is not one."""
    match = _ENV_RE.match(text)
    if not match:
        return None
    try:
        items = shlex.split(match.group(1) or "")
    except ValueError as exc:
        raise source.error(line, f"'# claimed: env' directive: {exc}") from None
    if not items:
        raise source.error(line, "'# claimed: env' directive names no variable: expected NAME=VALUE")
    pairs = []
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not _IDENT_RE.match(name):
            raise source.error(line, f"'# claimed: env' item {item!r}: expected NAME=VALUE with NAME an identifier")
        if not value.isprintable():
            raise source.error(line, f"'# claimed: env' item {name}: the value has a control character")
        pairs.append((name, value))
    return pairs


def _merge_environment(
    source: Source, extracted: Extracted, implied: dict[str, tuple[str, int]]
) -> dict[str, str]:
    """Directive values win over implied ones; one name set twice differently is an error."""
    said: dict[str, tuple[str, int]] = {}
    for line in sorted(extracted.comments):
        for name, value in env_directive(extracted.comments[line], line, source) or []:
            if name in said and said[name][0] != value:
                raise source.error(line, f"environment variable {name} is set again, differently from "
                                         f"{source.describe(said[name][1])}")
            said[name] = (value, line)
    merged = {name: value for name, (value, _) in implied.items()}
    merged.update({name: value for name, (value, _) in said.items()})
    return merged


def _check_run_files(source: Source, extracted: Extracted, additional_files: Sequence[str]) -> None:
    for target, line in extracted.shell.run_files:
        relative = PurePosixPath(target)
        listed = any(relative == PurePosixPath(f) or PurePosixPath(f) in relative.parents for f in additional_files)
        if not listed and not Path(target).is_absolute():
            log.warning("%s, %s: %%run %s: the file is not among the operator's additional files, so the image "
                        "does not have it; add it (claimed-cwl build OPERATOR %s)",
                        source.path.name, source.describe(line), target, target)
