"""Shared inference rules of docs/operators.md, independent of the source language.

Pure functions: operator name from the file stem, secret names, the output
path rule and the resource value formats.
Value parsers raise ValueError with a message meant for the user.
"""

from __future__ import annotations

import keyword
import math
import posixpath
import re
from collections.abc import Callable

from claimed_cwl.runtime.core import is_secret_name, name_words

__all__ = [
    "RESOURCE_PARSERS",
    "is_identifier",
    "is_secret_name",
    "name_from_stem",
    "name_words",
    "output_is_directory",
    "output_path",
    "parse_cores",
    "parse_gpus",
    "parse_ram",
    "parse_time",
    "strip_blank_lines",
]

_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DIR_SUFFIXES = ("_dir", "_directory", "_folder")
_URL_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
_NUMBER_RE = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_RAM_UNITS = {
    "": 2**20,
    "k": 10**3,
    "m": 10**6,
    "g": 10**9,
    "t": 10**12,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "ki": 2**10,
    "mi": 2**20,
    "gi": 2**30,
    "ti": 2**40,
}
_TIME_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def name_from_stem(stem: str) -> str:
    """Operator name from a file stem: lower case, runs of non-alphanumerics -> '-'.

    Returns "" when nothing is left (the caller reports the error).
    """
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")


def is_identifier(name: str) -> bool:
    """Tell whether ``name`` is an ASCII identifier and not a Python keyword."""
    return bool(_IDENT_RE.fullmatch(name)) and not keyword.iskeyword(name)


def strip_blank_lines(text: str) -> str:
    """Remove leading and trailing blank lines (and trailing spaces of the last line)."""
    lines = text.splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(line.rstrip() for line in lines)


def _is_url(default: str | None) -> bool:
    return default is not None and bool(_URL_RE.match(default))


def output_is_directory(name: str, default: str | None) -> bool:
    """Tell whether an output path is a directory by the directory rule."""
    return name.lower().endswith(_DIR_SUFFIXES) or (default is not None and default.endswith("/"))


def output_path(name: str, default: str | None, extension: str = "") -> str:
    """Relative path handed to an output: the default if relative, its basename if absolute, else the name.

    A trailing ``/`` of the default (a directory) is kept. Without a usable
    default the name is used, with ``extension`` (the writer's, e.g. ``.csv``).
    """
    if not default or _is_url(default):
        return name + extension
    candidate = posixpath.normpath(default)
    if candidate.startswith("/") or candidate.startswith("../") or candidate == "..":
        candidate = posixpath.basename(candidate)
    if candidate in ("", ".", "..", "/"):
        return name + extension
    return candidate + "/" if default.endswith("/") else candidate


def _split_number(text: str, what: str) -> tuple[float, str]:
    match = _NUMBER_RE.match(text.strip())
    if not match:
        raise ValueError(f"{what} must be a number with an optional unit, got {text!r}")
    value = float(match.group(1))
    if not math.isfinite(value) or value > 1e15:
        raise ValueError(f"{what} is too large: {text!r}")
    return value, text.strip()[match.end() :].strip().lower()


def parse_ram(text: str) -> int:
    """``4G``, ``512Mi``, ``2GB``, ``1024`` (MiB) -> MiB, rounded up."""
    value, unit = _split_number(text, "ram")
    if unit not in _RAM_UNITS:
        raise ValueError(f"ram unit must be one of K, M, G, T, Ki..Ti, KB..TB, got {text!r}")
    mib = math.ceil(value * _RAM_UNITS[unit] / 2**20)
    if value <= 0 or mib <= 0:
        raise ValueError(f"ram must be positive, got {text!r}")
    return mib


def parse_time(text: str) -> int:
    """``90``, ``30m``, ``2h``, ``1d`` -> seconds, rounded up."""
    value, unit = _split_number(text, "time")
    if unit not in _TIME_UNITS:
        raise ValueError(f"time unit must be s, m, h or d, got {text!r}")
    seconds = math.ceil(value * _TIME_UNITS[unit])
    if seconds <= 0:
        raise ValueError(f"time must be positive, got {text!r}")
    return seconds


def parse_cores(text: str) -> float:
    """``2`` or ``0.5`` -> cores (positive, may be fractional)."""
    value, unit = _split_number(text, "cores")
    if unit or value <= 0:
        raise ValueError(f"cores must be a positive number, got {text!r}")
    return value


def parse_gpus(text: str) -> int:
    """``1`` -> number of GPUs (a positive whole number)."""
    if not re.fullmatch(r"[0-9]{1,9}", text.strip()) or int(text) <= 0:
        raise ValueError(f"gpu must be a positive whole number, got {text!r}")
    return int(text)


# Directive key -> (Resources field, parser).
RESOURCE_PARSERS: dict[str, tuple[str, Callable[[str], float]]] = {
    "cores": ("cores", parse_cores),
    "ram": ("ram_mib", parse_ram),
    "gpu": ("gpus", parse_gpus),
    "time": ("time_limit_s", parse_time),
}
