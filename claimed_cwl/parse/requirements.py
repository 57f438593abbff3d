"""Install commands and requirement lines -> dependencies, with nothing a comment says reaching a shell.

One parser for every place an operator declares what it needs: ``# pip install``
comments, ``!pip``/``%pip`` lines and ``pip install`` lines of ``%%bash`` cells
(split into commands by :func:`claimed_cwl.runtime.claimed_notebook.command_words`,
the splitter the image uses too), requirement files named with ``-r`` and
``# apt``/``# dnf`` lines. pip requirements are checked and normalised with
``packaging`` (extras, version specifiers, markers, ``name @ URL``); URLs are
accepted only where the image can fetch them at build time; index options are
kept as data. Whatever is returned is safe to shell-quote into a Dockerfile.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from packaging.requirements import InvalidRequirement, Requirement

from claimed_cwl.errors import OperatorError
from claimed_cwl.runtime.claimed_notebook import install_tool
from claimed_cwl.spec import Dependency, DependencyKind

__all__ = ["InstallReader", "Location", "install_kind", "normalise_requirement"]

log = logging.getLogger(__name__)

_PIP_FLAGS = frozenset(
    {
        *("-U", "--upgrade", "-q", "--quiet", "-qq", "-qqq", "-v", "--verbose", "--user", "--no-cache-dir"),
        *("--force-reinstall", "--ignore-installed", "-I", "--no-warn-script-location", "--no-input", "-y"),
        *("--disable-pip-version-check", "--no-color", "--upgrade-strategy", "--progress-bar", "--yes"),
        *("--break-system-packages", "--no-build-isolation", "--prefer-binary", "--only-binary", "--no-binary"),
    }
)
_FLAG_VALUES = frozenset({"--upgrade-strategy", "--progress-bar", "--only-binary", "--no-binary"})
_INDEX_OPTIONS = {
    "-i": "--index-url",
    "--index-url": "--index-url",
    "--extra-index-url": "--extra-index-url",
    "-f": "--find-links",
    "--find-links": "--find-links",
    "--trusted-host": "--trusted-host",
}
_REFUSED = {
    "-t": "installs into another directory", "--target": "installs into another directory",
    "--prefix": "installs into another prefix", "--root": "installs into another root",
    "-e": "is an editable (development) install", "--editable": "is an editable (development) install",
}
_URL_SCHEMES = ("https", "http", "git+https", "git+http")
_CONDA_CHANNEL = ("-c", "--channel")
_REDIRECT_RE = re.compile(r"\d*[<>]{1,2}&?\d*")
_KINDS = {"pip": DependencyKind.PIP, "apt": DependencyKind.APT, "dnf": DependencyKind.DNF}


@dataclass(frozen=True)
class Location:
    """Where a declaration is, as the user sees it, and how to raise an error there."""

    text: str
    error: Callable[[str], OperatorError]


def install_kind(words: Sequence[str]) -> tuple[DependencyKind | None, str, int]:
    """Classify one command: (kind, tool name, index of the first argument after ``install``).

    ``kind`` is None when the command installs nothing; conda, mamba and
    ``uv pip`` installs count as pip installs (the image has pip only).
    """
    kind, tool, start = install_tool(list(words))
    return _KINDS.get(kind), tool, start


@dataclass
class InstallReader:
    """Reads install commands and requirement files of one operator into Dependencies.

    ``operator_dir`` and ``additional_files`` decide whether ``-r FILE`` can be
    read (the file must go into the image with the operator); otherwise the
    line gets a warning and its requirements are not installed.
    """

    operator_dir: Path
    additional_files: Sequence[str] = ()
    dependencies: list[Dependency] = field(default_factory=list)
    _reading: set[Path] = field(default_factory=set)

    def read_command(self, words: Sequence[str], line: int, where: Location) -> bool:
        """Read one install command; return False if it is not one."""
        kind, tool, start = install_kind(words)
        if kind is None:
            return False
        arguments = list(words[start:])
        _check_characters(arguments, where)
        if kind is DependencyKind.PIP:
            self._pip(arguments, tool, line, where)
        else:
            packages = [a for a in arguments if not a.startswith("-")]
            for package in packages:
                _check_system_name(package, where)
            if not packages:
                raise where.error(f"{tool} install names no package")
            self.dependencies.append(Dependency(kind, tuple(packages), line, origin=where.text))
        return True

    def _pip(self, arguments: list[str], tool: str, line: int, where: Location, folder: str = "") -> None:
        options = _PipOptions(tool != "pip", where)
        items = iter(arguments)
        for item in items:
            options.take(item, items)
        if options.conda:
            log.warning("%s: %s install: the packages %s are installed with pip from PyPI (images have no conda)",
                        where.text, tool, ", ".join(options.packages) or "(none)")
        if options.packages or options.options:
            self.dependencies.append(
                Dependency(DependencyKind.PIP, tuple(options.packages), line, tuple(options.options), where.text)
            )
        for name in options.files:  # relative to the file that names it, as pip reads them
            self._requirement_file(str(PurePosixPath(folder) / name) if folder else name, line, where)
        if not options.packages and not options.files and not options.options:
            raise where.error("pip install names no package")

    def _requirement_file(self, name: str, line: int, where: Location) -> None:
        relative = PurePosixPath(name.replace("\\", "/"))
        if not self._is_additional(relative):
            log.warning(
                "%s: requirements file %r is not among the operator's additional files, so its requirements are "
                "not installed; add it (claimed-cwl build OPERATOR %s)", where.text, name, name,
            )
            return
        path = self.operator_dir / relative
        if path.resolve() in self._reading:
            raise where.error(f"requirements file {name!r} includes itself")
        self._reading.add(path.resolve())
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise where.error(f"cannot read the requirements file {name!r}: {exc}") from None
        for number, words in _requirement_lines(text):
            here = _file_location(path, name, number)
            self._pip(words, "pip", line, here, str(relative.parent) if relative.parent != PurePosixPath(".") else "")
        self._reading.discard(path.resolve())

    def _is_additional(self, relative: PurePosixPath) -> bool:
        if relative.is_absolute() or ".." in relative.parts:
            return False
        for entry in self.additional_files:
            given = PurePosixPath(entry)
            if relative == given or given in relative.parents:
                return (self.operator_dir / relative).is_file()
        return False


@dataclass
class _PipOptions:
    """The arguments of one pip (or conda) install command, sorted into packages, options and files."""

    conda: bool
    where: Location
    packages: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def take(self, item: str, items: Iterator[str]) -> None:
        """Sort ``item`` (reading its value from ``items`` when the option takes one)."""
        where = self.where
        name, eq, value = item.partition("=") if item.startswith("--") else (item, "", "")
        if self.conda and name in _CONDA_CHANNEL:
            next(items, None)
            log.warning("%s: conda channel option %r ignored: packages come from PyPI", where.text, item)
        elif name in ("-r", "--requirement"):
            self.files.append(value if eq else _value(items, item, where))
        elif name in ("-c", "--constraint"):
            constraint = value if eq else _value(items, item, where)
            log.warning("%s: constraints file %s is not applied (the lock pins every version)", where.text, constraint)
        elif name in _INDEX_OPTIONS:
            self.options.append(_index_option(_INDEX_OPTIONS[name], value if eq else _value(items, item, where), where))
        elif name == "--pre":
            self.options.append("--pre")
        elif name in _REFUSED:
            raise where.error(f"pip option {name} {_REFUSED[name]}, which an image build cannot honour; "
                              "name the package to install instead")
        elif _REDIRECT_RE.match(item):
            if _REDIRECT_RE.fullmatch(item) and not item.rstrip("<>").endswith("&"):
                next(items, None)  # the redirect's target
        elif name in _PIP_FLAGS:
            if name in _FLAG_VALUES and not eq:
                next(items, None)
        elif item.startswith("-"):
            log.warning("%s: pip option %r ignored", where.text, item)
        else:
            self.packages.append(normalise_requirement(item, where, conda=self.conda))


def _file_location(path: Path, name: str, number: int) -> Location:
    return Location(f"{name}, line {number}", lambda message: OperatorError(path, number, message))


def _requirement_lines(text: str) -> list[tuple[int, list[str]]]:
    r"""Pip requirement-file lines: comments dropped, ``\`` continuations joined, split at spaces."""
    found: list[tuple[int, list[str]]] = []
    pending, first = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = "" if raw.lstrip().startswith("#") else raw
        if " #" in line or "\t#" in line:
            line = line[: min(i for i in (line.find(" #"), line.find("\t#")) if i >= 0)]
        if not pending:
            first = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        words = (pending + line).split()
        pending = ""
        if words:
            found.append((first, words))
    return found


def _value(items: Iterator[str], option: str, where: Location) -> str:
    value = next(items, None)
    if value is None:
        raise where.error(f"pip option {option} needs a value")
    return str(value)


def _index_option(option: str, value: str, where: Location) -> str:
    if option == "--trusted-host":
        if not value or any(not (c.isalnum() or c in ".-:[]") for c in value):
            raise where.error(f"{option} {value!r} is not a host name")
        return f"{option}={value}"
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise where.error(f"{option} {value!r}: expected an http(s) URL that the image build can reach")
    if parts.username or parts.password:
        raise where.error(f"{option}: the URL carries credentials, which would be written into the image; "
                          "use an index that needs none")
    if any(c in value for c in " '\"\\`$"):
        raise where.error(f"{option} {value!r} contains a character that is not allowed in a URL")
    return f"{option}={value}"


def _check_characters(arguments: Sequence[str], where: Location) -> None:
    """Refuse invisible or non-ASCII spacing characters: they would silently split or join names."""
    for argument in arguments:
        for char in argument:
            if char.isascii() and char.isprintable():
                continue
            code = f"U+{ord(char):04X}"
            name = unicodedata.name(char, "a control character")
            raise where.error(f"{code} ({name}) in {argument!r}: retype the line with plain spaces and letters")


def _check_system_name(package: str, where: Location) -> None:
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+-_:=~")
    if not package[:1].isalnum() or set(package) - allowed:
        raise where.error(f"{package!r} is not a valid system package name")


def normalise_requirement(text: str, where: Location, *, conda: bool = False) -> str:
    """Check one requirement and return its normal form; URLs the image cannot fetch are refused."""
    if conda and "=" in text and not any(op in text for op in ("==", ">=", "<=", "!=", "~=")):
        text = text.replace("=", "==", 1)  # conda's name=version
    lowered = text.lower()
    if lowered.startswith(("file:", "/", "./", "../", "~")) or lowered in (".", "..") or (lowered.endswith(
        (".whl", ".tar.gz", ".zip")
    ) and "://" not in lowered):
        raise where.error(
            f"{text!r} is a file on the machine that runs the notebook, which the image build cannot see: "
            "publish the package to an index, or install it from an http(s) or git+https URL"
        )
    if "://" in text and " @ " not in text and "@" not in text.split("://", 1)[0]:
        return _bare_url(text, where)
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        raise where.error(f"{text!r} is not a valid pip requirement: {exc}") from None
    if requirement.url is not None:
        _check_url(requirement.url, where)
    return str(requirement)


def _bare_url(text: str, where: Location) -> str:
    """A requirement given as a URL alone (``git+https://...#egg=name``): named form when it says its name."""
    _check_url(text, where)
    fragment = urlsplit(text).fragment
    egg = next((part[4:] for part in fragment.split("&") if part.startswith("egg=")), "")
    if egg:
        return normalise_requirement(f"{egg} @ {text}", where)
    return text


def _check_url(url: str, where: Location) -> None:
    parts = urlsplit(url)
    if parts.scheme not in _URL_SCHEMES:
        raise where.error(
            f"requirement URL {url!r}: the scheme {parts.scheme!r} is not supported; use one of "
            + ", ".join(f"{s}://" for s in _URL_SCHEMES)
        )
    if not parts.netloc or parts.username or parts.password:
        raise where.error(f"requirement URL {url!r} must name a host and carry no credentials")
    if any(c in url for c in " '\"\\`$;|&<>"):
        raise where.error(f"requirement URL {url!r} contains a shell character")
