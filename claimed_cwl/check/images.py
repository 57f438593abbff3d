"""Which images a CWL document uses, and whether each exists in the local engine or its registry."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from claimed_cwl.build.builder import split_image as builder_split_image
from claimed_cwl.check.result import CheckResult, failed, passed
from claimed_cwl.errors import ClaimedError

__all__ = ["document_images", "image_in_registry", "split_image"]

_MANIFEST_TYPES = ", ".join([
    "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
])  # fmt: skip


def _load(path: Path) -> Any:
    try:
        return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError) as exc:
        raise ClaimedError(f"{path}: cannot read the CWL document: {exc}") from exc


def _walk(node: Any, base: Path, seen: set[Path]) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, base, seen)
        return
    if not isinstance(node, dict):
        return
    if node.get("class") == "DockerRequirement" and isinstance(node.get("dockerPull"), str):
        yield node["dockerPull"]
    requirement = node.get("DockerRequirement")  # the map form of requirements/hints
    if isinstance(requirement, dict) and isinstance(requirement.get("dockerPull"), str):
        yield requirement["dockerPull"]
    run = node.get("run")
    if isinstance(run, str) and not run.startswith("#") and "://" not in run:
        yield from _images_of(base / run.split("#", 1)[0], seen)
    for value in node.values():
        yield from _walk(value, base, seen)


def _images_of(path: Path, seen: set[Path]) -> Iterator[str]:
    resolved = path.resolve()
    if resolved in seen:
        return
    seen.add(resolved)
    yield from _walk(_load(resolved), resolved.parent, seen)


def document_images(path: Path) -> list[str]:
    """Sorted dockerPull images of a tool or workflow, its ``run:`` files and packed ``$graph``."""
    return sorted(set(_images_of(path, set())))


def split_image(image: str) -> tuple[str | None, str, str]:
    """``(registry host or None, repository, tag or digest)`` of an image reference (the Docker SDK's rules)."""
    from docker.auth import resolve_repository_name  # noqa: PLC0415
    from docker.errors import InvalidRepository  # noqa: PLC0415

    named, reference = builder_split_image(image)
    try:
        host, repository = resolve_repository_name(named)
    except InvalidRepository:
        return None, named, reference
    return (host, repository, reference) if named.startswith(f"{host}/") else (None, named, reference)


def _scheme(host: str) -> str:
    loopback = host.split(":", maxsplit=1)[0] in ("localhost", "127.0.0.1", "::1")
    return "http" if loopback else "https"


def image_in_registry(image: str, timeout: float = 10) -> CheckResult:
    """HEAD the image's manifest with the registry HTTP API v2."""
    host, repository, reference = split_image(image)
    if host is None:
        return failed("image", f"{image}: names no registry, so a cluster would pull it from Docker Hub: "
                      "tag and push it to your registry (set 'registry' in claimed-cwl.toml)")
    url = f"{_scheme(host)}://{host}/v2/{repository}/manifests/{reference}"
    request = urllib.request.Request(url, method="HEAD", headers={"Accept": _MANIFEST_TYPES})
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return passed("image", f"{image} is in registry {host}")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return failed("image", f"{image} is not in registry {host}: push it (docker push {image})")
        if exc.code in (401, 403):
            return failed("image", f"registry {host} asks for credentials (HTTP {exc.code}): cannot tell whether "
                          f"{image} exists; log in (docker login {host}) and set pull_secret")
        return failed("image", f"registry {host} answered HTTP {exc.code} for {image}")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return failed("image", f"registry {host} is not reachable ({reason}): start it or fix the image name "
                      f"{image}")
