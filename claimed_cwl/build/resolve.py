"""Resolve an operator's pip requirements once, inside the image it will be installed in, into a Lock.

pip itself resolves (``pip install --dry-run --report -``) in a container of
the base image, or of the base image plus the operator's system layers when it
has any (those layers are built from the same instructions as the operator
image, so its build reuses them). The report names every package pip would
install, its version and the hash of the file it chose; they are split into
one group per declared requirement by following each one's dependencies
(markers and extras evaluated for the image's Python).
"""

from __future__ import annotations

import io
import json
import logging
import tarfile
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from packaging.markers import UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from claimed_cwl.build.builder import BuildError, follow_build
from claimed_cwl.build.failure import explain_pip_failure, save_log
from claimed_cwl.emit.dockerfile import locked_pip_layers
from claimed_cwl.lockfile import Lock, LockedPackage, LockGroup, lock_inputs
from claimed_cwl.progress import Progress

if TYPE_CHECKING:
    from docker import DockerClient

__all__ = ["extend_lock", "group_report", "resolve_lock"]

log = logging.getLogger(__name__)

_DRY_RUN = ["python", "-m", "pip", "install", "--dry-run", "--quiet", "--report", "-", "--no-color",
            "--progress-bar", "off", "--disable-pip-version-check"]


def resolve_lock(
    client: DockerClient,
    base_image: str,
    system_layers: Sequence[str],
    requirements: Sequence[str],
    *,
    options: Sequence[str] = (),
    added: Sequence[tuple[str, str]] = (),
) -> Lock:
    """Resolve ``requirements`` (with pip ``options``) in ``base_image`` plus ``system_layers``; return the Lock."""
    image = _resolver_image(client, base_image, system_layers)
    report = _dry_run(client, image, base_image, requirements, options)
    return Lock(
        lock_inputs(requirements, options, base_image), _python(report), tuple(group_report(report, requirements)),
        tuple(options), tuple(added), base_image,
    )


def extend_lock(
    client: DockerClient,
    old: Lock,
    system_layers: Sequence[str],
    requirements: Sequence[str],
    added: Sequence[tuple[str, str]],
) -> Lock | None:
    """Resolve only the requirements ``old`` lacks, on top of its installed pins; None if that cannot work.

    The new requirements are resolved in an image that has the old lock's
    packages installed (its layers, from the engine's cache), so the old pins
    and layers stay and each new requirement adds a group at the end. When a
    new requirement needs another version of a pinned package, None: the
    caller resolves everything again.
    """
    old_requirements = [group.requirement for group in old.groups]
    new = [requirement for requirement in requirements if requirement not in old_requirements]
    if not new or any(requirement not in requirements for requirement in old_requirements):
        return None
    image = _resolver_image(client, old.base, [*system_layers, *locked_pip_layers(old)])
    report = _dry_run(client, image, old.base, new, old.options)
    pinned = {canonicalize_name(package.name) for package in old.packages()}
    if any(canonicalize_name(item["metadata"]["name"]) in pinned for item in report.get("install", [])):
        return None
    groups = (*old.groups, *group_report(report, new))
    return Lock(lock_inputs(requirements, old.options, old.base), old.python, groups, old.options, tuple(added),
                old.base)


def _dry_run(
    client: DockerClient, image: str, base_image: str, requirements: Sequence[str], options: Sequence[str]
) -> dict[str, Any]:
    """The report of what pip would install for ``requirements`` in ``image``; BuildError if pip fails."""
    command = [*_DRY_RUN, *(_option_words(options)), *requirements]
    with Progress(f"resolving {len(requirements)} requirement(s) in {base_image}"):
        container = client.containers.run(image, command, entrypoint=[], network_mode="host", user="0",
                                          detach=True, environment={"PIP_NO_INPUT": "1"})
        try:
            status = container.wait().get("StatusCode", 1)
            stdout = container.logs(stdout=True, stderr=False).decode("utf-8", "replace")
            stderr = container.logs(stdout=False, stderr=True).decode("utf-8", "replace")
        finally:
            container.remove(force=True)
    if status != 0:
        raise BuildError(_resolution_error(stdout + stderr, base_image, client, image, requirements))
    report: dict[str, Any] = json.loads(stdout)
    return report


def _python(report: dict[str, Any]) -> str:
    environment = report.get("environment", {})
    return (f"{environment.get('platform_python_implementation', 'Python')} "
            f"{environment.get('python_full_version', '?')} ({environment.get('platform_machine', '?')})")


def _option_words(options: Sequence[str]) -> list[str]:
    return [word for option in options for word in option.split("=", 1)]


def _resolver_image(client: DockerClient, base_image: str, system_layers: Sequence[str]) -> str:
    """The base image, or an image of it plus the system layers (built with the engine's layer cache)."""
    if not system_layers:
        return base_image
    dockerfile = "\n".join([f"FROM {base_image}", *system_layers]) + "\n"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile.encode())
        tar.addfile(info, io.BytesIO(dockerfile.encode()))
    buffer.seek(0)
    chunks = client.api.build(fileobj=buffer, custom_context=True, network_mode="host", rm=True, forcerm=True,
                              decode=True)
    return follow_build(f"{base_image} with system packages", chunks, base_image)


def _resolution_error(
    output: str, base_image: str, client: DockerClient, image: str, requirements: Sequence[str]
) -> str:
    log_path = save_log("resolve", output)
    python = _python_version(client, image)
    requirement, reasons, hint = explain_pip_failure(output, python, base_image)
    lines = [f"pip could not resolve the operator's requirements in {base_image}"
             + (f" (failing requirement: {requirement})" if requirement else "") + ":"]
    lines += [f"  {reason}" for reason in reasons] or [f"  requirements: {', '.join(requirements)}"]
    if hint:
        lines.append(f"hint: {hint}")
    lines.append(f"full log: {log_path}")
    return "\n".join(lines)


def _python_version(client: DockerClient, image: str) -> str:
    try:
        output = client.containers.run(image, ["python", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                       entrypoint=[], network_mode="none", remove=True)
        return str(output.decode().strip())
    except Exception:  # only a hint depends on it
        return ""


def group_report(report: dict[str, Any], requirements: Sequence[str]) -> list[LockGroup]:
    """Split pip's install report into one group per requirement, in order; each package in its first group."""
    environment = {key: str(value) for key, value in report.get("environment", {}).items()}
    items: dict[str, Any] = {canonicalize_name(item["metadata"]["name"]): item for item in report.get("install", [])}
    order = list(items)
    assigned: set[str] = set()
    groups = []
    for requirement in requirements:
        root, extras = _root(requirement, items)
        closure: set[str] = set()
        if root is not None:
            _walk(root, extras, items, environment, closure)
        names = [name for name in order if name in closure and name not in assigned]
        assigned.update(names)
        groups.append(LockGroup(requirement, tuple(_locked(items[name]) for name in names)))
    rest = [name for name in order if name not in assigned]
    if rest:  # should not happen: pip installs nothing that no requirement needs
        groups.append(LockGroup("(resolver)", tuple(_locked(items[name]) for name in rest)))
    return groups


def _root(requirement: str, items: dict[str, Any]) -> tuple[str | None, set[str]]:
    try:
        parsed = Requirement(requirement)
        return canonicalize_name(parsed.name), set(parsed.extras)
    except InvalidRequirement:  # a bare URL: the report says which package it became
        for name, item in items.items():
            if item.get("is_direct") and item.get("download_info", {}).get("url", "") in requirement:
                return name, set()
    return None, set()


def _walk(name: str, extras: set[str], items: dict[str, Any], env: dict[str, str], seen: set[str]) -> None:
    if name not in items or name in seen:
        return
    seen.add(name)
    for text in items[name]["metadata"].get("requires_dist") or []:
        try:
            dependency = Requirement(text)
        except InvalidRequirement:
            continue
        if dependency.marker is not None and not _marker_holds(dependency, extras, env):
            continue
        _walk(canonicalize_name(dependency.name), set(dependency.extras), items, env, seen)


def _marker_holds(dependency: Requirement, extras: set[str], env: dict[str, str]) -> bool:
    assert dependency.marker is not None
    for extra in sorted(extras) or [""]:
        try:
            if dependency.marker.evaluate({**env, "extra": extra}):
                return True
        except UndefinedEnvironmentName:
            return True
    return False


def _locked(item: dict[str, Any]) -> LockedPackage:
    metadata, info = item["metadata"], item.get("download_info", {})
    sha = info.get("archive_info", {}).get("hashes", {}).get("sha256", "")
    hashed = f"sha256:{sha}" if sha else ""
    vcs = info.get("vcs_info")
    if vcs:
        url = f"{vcs['vcs']}+{info['url']}@{vcs['commit_id']}"
        return LockedPackage(metadata["name"], metadata["version"], url=url)
    if item.get("is_direct"):
        return LockedPackage(metadata["name"], metadata["version"], hashed, url=info["url"])
    return LockedPackage(metadata["name"], metadata["version"], hashed)
