"""Build an operator image with the Docker SDK; skip the build when its content digest exists."""

from __future__ import annotations

import io
import logging
import tarfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from claimed_cwl.build.digest import content_digest
from claimed_cwl.errors import ClaimedError
from claimed_cwl.progress import Progress

__all__ = [
    "DIGEST_LABEL",
    "BuildError",
    "BuildResult",
    "build_image",
    "push_image",
    "remove_old_digest_tags",
    "split_image",
]

log = logging.getLogger(__name__)

DIGEST_LABEL = "io.claimed.content-digest"
_TAIL_LINES = 40


class BuildError(ClaimedError):
    """An image build or push failed; the message holds the failing step and its output."""


@dataclass(frozen=True)
class BuildResult:
    """What a build produced: the image reference, its digest tag, and whether it was reused."""

    image: str
    digest: str
    digest_image: str
    image_id: str
    reused: bool


def split_image(image: str) -> tuple[str, str]:
    """Split ``repo/name:tag`` into (``repo/name``, ``tag``); the tag defaults to ``latest``."""
    name, sep, tag = image.rpartition(":")
    if not sep or "/" in tag:
        return image, "latest"
    return name, tag


def build_image(client: Any, image: str, base_image: str, context: Mapping[str, bytes], *,
                keep_old_tags: bool = False) -> BuildResult:
    """Build ``image`` from ``context`` (file name -> bytes, with a ``Dockerfile``).

    The image is also tagged ``<repo>:sha-<digest12>``; if that tag exists
    already, nothing is built and ``image`` is pointed at it. The repository's
    other ``sha-`` tags (earlier contents of the same operator) are removed
    unless ``keep_old_tags``; an image left without tags goes with its last one.
    """
    base_id = _base_image_id(client, base_image)
    digest = content_digest(context, base_id)
    repo, _ = split_image(image)
    digest_image = f"{repo}:sha-{digest[:12]}"
    existing = _image_or_none(client, digest_image)
    if existing is not None:
        existing.tag(*split_image(image))
        log.info("image %s is up to date (content digest %s)", image, digest[:12])
        result = BuildResult(image, digest, digest_image, existing.id, reused=True)
    else:
        log.info("building %s from %s", image, base_image)
        image_id = _run_build(client, image, _tar(context), {DIGEST_LABEL: digest})
        built = client.images.get(image_id)
        built.tag(*split_image(digest_image))
        result = BuildResult(image, digest, digest_image, built.id, reused=False)
    if not keep_old_tags:
        remove_old_digest_tags(client, repo, digest_image)
    return result


def remove_old_digest_tags(client: Any, repo: str, keep: str) -> list[str]:
    """Remove the ``<repo>:sha-*`` tags other than ``keep``; return the removed ones.

    Only the tags go: an image that still has another tag (a version that
    still names it) stays. A tag whose image a container still uses is left,
    with a note in the log.
    """
    from docker.errors import APIError  # noqa: PLC0415

    removed = []
    for found in client.images.list(name=repo):
        for tag in found.tags or []:
            if not tag.startswith(f"{repo}:sha-") or tag == keep:
                continue
            try:
                client.images.remove(tag)
            except APIError as exc:  # e.g. a container of that image exists
                log.info("kept %s: %s", tag, exc.explanation or exc)
                continue
            removed.append(tag)
            log.info("removed the earlier content tag %s", tag)
    return removed


def push_image(client: Any, image: str) -> None:
    """Push ``image`` to its registry; BuildError with the registry's message on failure."""
    repo, tag = split_image(image)
    with Progress(f"pushing {image}") as progress:
        for chunk in client.api.push(repo, tag=tag, stream=True, decode=True):
            if "error" in chunk:
                raise BuildError(f"push of {image} failed: {chunk['error']}")
            status = chunk.get("status", "")
            progress.update(status)
            log.debug("push %s: %s %s", image, status, chunk.get("progress", ""))


def _base_image_id(client: Any, base_image: str) -> str:
    found = _image_or_none(client, base_image)
    if found is not None:
        return str(found.id)
    from docker.errors import DockerException  # noqa: PLC0415

    log.info("base image %s is not local; pulling it", base_image)
    try:
        return str(client.images.pull(*split_image(base_image)).id)
    except DockerException as exc:
        raise BuildError(
            f"base image {base_image} is neither local nor pullable ({exc}); build or pull it first "
            "(offline: scripts/base-images.sh), or choose another with --base-image"
        ) from exc


def _image_or_none(client: Any, name: str) -> Any:
    from docker.errors import ImageNotFound  # noqa: PLC0415

    try:
        return client.images.get(name)
    except ImageNotFound:
        return None


def _tar(context: Mapping[str, bytes]) -> io.BytesIO:
    """A deterministic tar of the context: sorted names, fixed mtime, owner and mode."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(context):
            data = context[name]
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer


def _run_build(client: Any, image: str, tar: io.BytesIO, labels: dict[str, str]) -> str:
    chunks = client.api.build(
        fileobj=tar, custom_context=True, tag=image, network_mode="host",
        rm=True, forcerm=True, decode=True, labels=labels,
    )
    return _follow_build(image, chunks)


def _follow_build(image: str, chunks: Iterable[dict[str, Any]]) -> str:
    """Consume the build stream: log it at DEBUG, show the step, raise on error."""
    step, image_id = "", ""
    output: list[str] = []
    with Progress(f"building {image}") as progress:
        for chunk in chunks:
            if "error" in chunk:
                tail = "".join(output[-_TAIL_LINES:]).rstrip()
                raise BuildError(f"build of {image} failed at {step or 'start'}:\n{tail}\n{chunk['error'].strip()}")
            text = chunk.get("stream", "")
            if text.startswith("Step "):
                step, output = text.strip(), []
                progress.update(step[:100])
            elif text:
                output.append(text)
            for line in text.splitlines():
                log.debug("%s", line)
            aux = chunk.get("aux")
            if isinstance(aux, dict) and "ID" in aux:
                image_id = str(aux["ID"])
    if not image_id:
        raise BuildError(f"build of {image} ended without an image ID")
    return image_id
