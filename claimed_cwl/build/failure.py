"""Build failures a person can read: the failing requirement, pip's reason in a few lines, a hint, the log file.

pip prints hundreds of lines (a compiler's output for a source build) with
colour codes. :func:`explain_pip_failure` keeps what matters; the whole log
goes to a file (:func:`save_log`) whose path the message names. When a pinned
version has no release for the image's Python, the hint lists the versions
that have one (from PyPI's JSON API; no hint when it cannot be reached).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

__all__ = ["explain_pip_failure", "save_log", "strip_ansi", "versions_for_python"]

_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]")
_REQUIREMENT_PATTERNS = (
    re.compile(r"No matching distribution found for (\S+)"),
    re.compile(r"Could not find a version that satisfies the requirement (\S+)"),
    re.compile(r"Failed building wheel for (\S+)"),
    re.compile(r"Failed to build (\S+)"),
    re.compile(r"Building wheel for (\S+) \("),
    re.compile(r"Getting requirements to build wheel .*? for (\S+)"),
    re.compile(r"Collecting (\S+)"),
)
_REASON_RE = re.compile(r"^\s*(ERROR: |error: |[A-Za-z]*Error: |\u00d7 |\u2570\u2500> |note: This error originates)")
_MAX_REASON = 8


def strip_ansi(text: str) -> str:
    """Remove terminal colour and cursor codes."""
    return _ANSI_RE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")


def save_log(name: str, text: str) -> Path:
    """Write a full build log under ``$XDG_CACHE_HOME/claimed-cwl/logs`` (or the temp dir); return its path."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "claimed-cwl" / "logs"
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "build"
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    for folder in (base, Path(tempfile.gettempdir()) / "claimed-cwl-logs"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle, path = tempfile.mkstemp(prefix=f"{safe}-{stamp}-", suffix=".log", dir=folder)
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(strip_ansi(text))
            return Path(path)
        except OSError:
            continue
    raise OSError("cannot write a build log anywhere")


def explain_pip_failure(output: str, python_version: str, base_image: str) -> tuple[str, list[str], str]:
    """Return (failing requirement, pip's reason in a few lines, hint) for pip's output."""
    text = strip_ansi(output)
    requirement = ""
    for pattern in _REQUIREMENT_PATTERNS:
        found = pattern.findall(text)
        if found:
            requirement = found[-1].rstrip(",")
            break
    if requirement and not any(op in requirement for op in "=<>~!@"):
        pinned = re.search(rf"(?<![\w.-]){re.escape(requirement)}\s*(?:===?|~=|<=?|>=?)\s*[\w.*+!-]+", text, re.I)
        requirement = pinned.group(0) if pinned else requirement
    reasons: list[str] = []
    for line in text.splitlines():
        cleaned = line.strip()
        if _REASON_RE.match(line) and cleaned not in reasons and len(cleaned) < 400:
            reasons.append(cleaned)
    if len(reasons) > _MAX_REASON:
        reasons = [*reasons[:2], "...", *reasons[-(_MAX_REASON - 3):]]
    hint = _python_hint(requirement, text, python_version, base_image)
    return requirement, reasons, hint


def _python_hint(requirement: str, text: str, python_version: str, base_image: str) -> str:
    """Which versions of a pinned package support the image's Python, when that may be the cause."""
    try:
        parsed = Requirement(requirement)
    except InvalidRequirement:
        return ""
    if not python_version or not any(s.operator in ("==", "===", "<", "<=", "~=") for s in parsed.specifier):
        return ""
    causes = ("different python version", "Failed building wheel", "No matching distribution", "subprocess-exited")
    if not any(cause in text for cause in causes):
        return ""
    versions = versions_for_python(parsed.name, python_version)
    if not versions:
        return f"the base image {base_image} has Python {python_version}"
    shown = versions if len(versions) <= 6 else [*versions[:2], "...", *versions[-3:]]
    return (
        f"the base image {base_image} has Python {python_version}; {parsed.name}{parsed.specifier} has no "
        f"wheel for it. Versions with a wheel for Python {python_version}: {', '.join(shown)} "
        f"(or choose another base image with --base-image)"
    )


def versions_for_python(name: str, python_version: str, timeout: float = 10.0) -> list[str]:
    """Versions of ``name`` on PyPI with a wheel for CPython ``X.Y`` on Linux x86_64 (or a pure-Python one)."""
    url = f"https://pypi.org/pypi/{urllib.parse.quote(name)}/json"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            releases = json.load(response).get("releases", {})
    except (OSError, ValueError):
        return []
    major, _, minor = python_version.partition(".")
    wanted = {f"cp{major}{minor}", f"py{major}{minor}", f"py{major}", "py2.py3"}
    ok: list[Version] = []
    for version, files in releases.items():
        if any(_wheel_fits(f.get("filename", ""), wanted, int(minor or 0)) for f in files):
            try:
                ok.append(Version(version))
            except InvalidVersion:
                continue
    return [str(v) for v in sorted(ok) if not v.is_prerelease]


def _wheel_fits(filename: str, wanted: set[str], minor: int) -> bool:
    if not filename.endswith(".whl"):
        return False
    try:
        _, _, _, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        return False
    for tag in tags:
        platform_ok = tag.platform == "any" or (
            tag.platform.endswith("x86_64") and tag.platform.startswith(("manylinux", "linux"))
        )
        abi3 = tag.abi == "abi3" and tag.interpreter.startswith("cp3") and int(tag.interpreter[3:] or 99) <= minor
        if platform_ok and (tag.interpreter in wanted or abi3):
            return True
    return False
