"""The dependency lock: every Python package an operator image installs, pinned, in layer groups.

``claimed-cwl build`` resolves the operator's pip requirements once inside its
base image (:mod:`claimed_cwl.build.resolve`) and writes the result as
``requirements.lock`` beside the other artifacts; the Dockerfile installs
exactly these pins (with their hashes), one layer per declared requirement,
so a change of one requirement leaves the layers before it cached. The file
is pip's requirements format (``pip install -r requirements.lock`` works)
with comment lines that carry what the lock was made from:

    # claimed-cwl lock ...
    # inputs: <sha256 of the requirements, options and base image it was resolved for>
    # python: CPython 3.11.2 (x86_64)
    # base: python:3.11-slim
    # added: scikit-learn  <- import sklearn at cell 3, line 2      (from build --add-missing)
    --extra-index-url https://...                                   (index options, if any)
    # group: pandas>=2
    numpy==2.1.0 --hash=sha256:...
    pandas==2.2.3 --hash=sha256:...
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from claimed_cwl.errors import ClaimedError

__all__ = [
    "LOCK_FILE",
    "Lock",
    "LockError",
    "LockGroup",
    "LockedPackage",
    "lock_inputs",
    "parse_lock",
    "read_lock",
    "render_lock",
]

log = logging.getLogger(__name__)

LOCK_FILE = "requirements.lock"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_VERSION_RE = re.compile(r"^[A-Za-z0-9.+!_-]+$")
_HASH_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
_URL_RE = re.compile(r"^(?:git\+)?https?://[^\s'\"\\`$;|&<>]+$")


class LockError(ClaimedError):
    """A lock file that cannot be read back."""


@dataclass(frozen=True)
class LockedPackage:
    """One pinned package: name and version, the hash of the file pip chose, or a direct URL (VCS at a commit)."""

    name: str
    version: str
    hash: str = ""
    url: str = ""

    def __post_init__(self) -> None:
        if not _NAME_RE.match(self.name) or not (self.url or _VERSION_RE.match(self.version)):
            raise LockError(f"bad locked package {self.name!r} {self.version!r}")
        if self.hash and not _HASH_RE.match(self.hash):
            raise LockError(f"bad hash {self.hash!r} for {self.name}")
        if self.url and not _URL_RE.match(self.url):
            raise LockError(f"bad URL {self.url!r} for {self.name}")

    def line(self) -> str:
        """The package as one requirements-file line."""
        text = f"{self.name} @ {self.url}" if self.url else f"{self.name}=={self.version}"
        return f"{text} --hash={self.hash}" if self.hash else text


@dataclass(frozen=True)
class LockGroup:
    """The packages one declared requirement brings that earlier groups did not: one image layer."""

    requirement: str
    packages: tuple[LockedPackage, ...]


@dataclass(frozen=True)
class Lock:
    """A resolved dependency set: what it was resolved from, for which Python, and the pinned groups."""

    inputs: str
    python: str
    groups: tuple[LockGroup, ...]
    options: tuple[str, ...] = ()
    added: tuple[tuple[str, str], ...] = ()
    base: str = ""

    def packages(self) -> tuple[LockedPackage, ...]:
        """Every pinned package, group by group."""
        return tuple(package for group in self.groups for package in group.packages)

    def python_version(self) -> str:
        """The ``X.Y`` Python version of the image the lock was resolved in ('' if unknown)."""
        match = re.search(r"(\d+\.\d+)", self.python)
        return match.group(1) if match else ""


def lock_inputs(requirements: Sequence[str], options: Sequence[str], base_image: str) -> str:
    """Fingerprint of what a lock is resolved from: a lock with another fingerprint is out of date."""
    data = json.dumps({"requirements": list(requirements), "options": list(options), "base": base_image})
    return hashlib.sha256(data.encode()).hexdigest()


def render_lock(lock: Lock, operator: str) -> str:
    """The lock file's text (deterministic)."""
    lines = [
        f"# claimed-cwl lock of the Python packages of operator {operator}; generated, do not edit.",
        "# Resolved once in the base image by 'claimed-cwl build'; 'claimed-cwl build --refresh-lock' resolves again.",
        f"# inputs: {lock.inputs}",
        f"# python: {lock.python}",
        *([f"# base: {lock.base}"] if lock.base else []),
        *(f"# added: {requirement}  <- {why}" for requirement, why in lock.added),
        *(_option_line(option) for option in lock.options),
    ]
    for group in lock.groups:
        lines.append(f"# group: {group.requirement}")
        lines.extend(package.line() for package in group.packages)
    return "\n".join(lines) + "\n"


def _option_line(option: str) -> str:
    name, _, value = option.partition("=")
    return f"{name} {value}" if value else name


def parse_lock(text: str) -> Lock:
    """Read a lock file written by :func:`render_lock`; LockError if it is not one."""
    inputs, python, base = "", "", ""
    options: list[str] = []
    added: list[tuple[str, str]] = []
    groups: list[tuple[str, list[LockedPackage]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            if line.startswith("# inputs: "):
                inputs = line[10:].strip()
            elif line.startswith("# python: "):
                python = line[10:].strip()
            elif line.startswith("# base: "):
                base = line[8:].strip()
            elif line.startswith("# added: "):
                requirement, _, why = line[9:].partition("  <- ")
                added.append((requirement.strip(), why.strip()))
            elif line.startswith("# group: "):
                groups.append((line[9:].strip(), []))
            elif line.startswith("--"):
                name, _, value = line.partition(" ")
                options.append(f"{name}={value.strip()}" if value.strip() else name)
            elif line.strip() and not line.startswith("#"):
                if not groups:
                    raise LockError("a package line before the first '# group:' line")
                groups[-1][1].append(_package(line))
        except LockError as exc:
            raise LockError(f"{LOCK_FILE}, line {number}: {exc}") from None
    if not inputs:
        raise LockError(f"{LOCK_FILE}: no '# inputs:' line; not a claimed-cwl lock")
    groups_read = tuple(LockGroup(r, tuple(p)) for r, p in groups)
    return Lock(inputs, python, groups_read, tuple(options), tuple(added), base)


def _package(line: str) -> LockedPackage:
    requirement, _, hashed = line.partition(" --hash=")
    if " @ " in requirement:
        name, _, url = requirement.partition(" @ ")
        return LockedPackage(name.strip(), "", hashed.strip(), url.strip())
    name, sep, version = requirement.partition("==")
    if not sep:
        raise LockError(f"expected NAME==VERSION, got {requirement!r}")
    return LockedPackage(name.strip(), version.strip(), hashed.strip())


def read_lock(path: Path) -> Lock | None:
    """The lock at ``path``; None when there is none, or (with a warning) when it cannot be read."""
    try:
        return parse_lock(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, LockError) as exc:
        log.warning("%s cannot be read (%s); it is resolved again by 'claimed-cwl build'", path, exc)
        return None
