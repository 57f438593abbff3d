"""Pin every ``dockerPull`` of a packed document to its image's registry digest (``name@sha256:...``).

A tag can be moved; a digest names exactly one image. The digest is the one
the registry gave when the image was pushed or pulled (``RepoDigests`` in the
local engine), for the repository the tool names: an image that was never
pushed there has none, and the export stops with the list of such images.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from claimed_cwl.build.builder import split_image
from claimed_cwl.errors import ClaimedError

__all__ = ["docker_requirements", "pin_digests"]


def docker_requirements(document: Any) -> Iterator[dict[str, Any]]:
    """Every DockerRequirement mapping in ``document`` (requirements and hints of every process, at any depth)."""
    if isinstance(document, list):
        for item in document:
            yield from docker_requirements(item)
    elif isinstance(document, dict):
        if document.get("class") == "DockerRequirement":
            yield document
        for value in document.values():
            yield from docker_requirements(value)


def pin_digests(document: dict[str, Any], client: Any) -> dict[str, str]:
    """Replace each ``dockerPull`` in ``document`` by ``repository@digest``; return the old -> new names."""
    pinned: dict[str, str] = {}
    missing: list[str] = []
    for requirement in docker_requirements(document):
        image = requirement.get("dockerPull")
        if not isinstance(image, str):
            continue
        if image not in pinned:
            digest = _registry_digest(client, image)
            if digest is None:
                missing.append(image)
                continue
            pinned[image] = digest
        requirement["dockerPull"] = pinned[image]
    if missing:
        raise ClaimedError("cannot pin by digest: no registry digest for " + ", ".join(sorted(set(missing)))
                           + " (push the image first: claimed-cwl build OPERATOR --push, or docker push IMAGE)")
    return pinned


def _registry_digest(client: Any, image: str) -> str | None:
    """``repository@sha256:...`` of ``image`` as its registry knows it, or None."""
    import docker.errors  # noqa: PLC0415 - the SDK only where images are looked up

    repository = image.split("@", 1)[0] if "@" in image else split_image(image)[0]
    if "@sha256:" in image:
        return image
    try:
        attrs = client.images.get(image).attrs
    except docker.errors.ImageNotFound:
        return None
    for entry in attrs.get("RepoDigests") or ():
        name, _, digest = str(entry).partition("@")
        if name == repository and digest.startswith("sha256:"):
            return f"{repository}@{digest}"
    return None
