"""Build an operator image with the Docker SDK; skip the build when its content digest exists."""

from __future__ import annotations

import io
import logging
import re
import tarfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from claimed_cwl.build.digest import content_digest
from claimed_cwl.build.failure import explain_pip_failure, save_log, strip_ansi
from claimed_cwl.errors import ClaimedError
from claimed_cwl.progress import Progress

if TYPE_CHECKING:
    from docker import DockerClient
    from docker.models.images import Image

__all__ = [
    "DIGEST_LABEL",
    "BuildError",
    "BuildResult",
    "build_image",
    "follow_build",
    "push_image",
    "remove_old_digest_tags",
    "split_image",
]

log = logging.getLogger(__name__)

DIGEST_LABEL = "io.claimed.content-digest"
_TAIL_LINES = 15


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
    """Split ``repo/name:tag`` (or ``repo/name@digest``) into repository and tag, by the Docker SDK's rules.

    The tag defaults to ``latest``.
    """
    from docker.utils import parse_repository_tag  # noqa: PLC0415 - the SDK only where images are named

    repository, tag = parse_repository_tag(image)
    return repository, tag or "latest"


def build_image(
    client: DockerClient,
    image: str,
    base_image: str,
    context: Mapping[str, bytes],
    *,
    check: Callable[[str], None] | None = None,
    python_version: str = "",
    no_cache: bool = False,
    keep_old_tags: bool = False,
) -> BuildResult:
    """Build ``image`` from ``context`` (file name -> bytes, with a ``Dockerfile``).

    The image is also tagged ``<repo>:sha-<digest12>``; if that tag exists
    already, nothing is built and ``image`` is pointed at it. ``check`` runs
    on a new image before it gets its digest tag (so a failed check leaves no
    tag that a later build would reuse); it raises BuildError to fail the
    build. ``python_version`` (the base image's ``X.Y``) feeds the hint of a
    failed pip install. ``no_cache`` builds every layer again. The
    repository's other ``sha-`` tags (earlier contents of the same operator)
    are removed unless ``keep_old_tags``; an image left without tags goes
    with its last one.
    """
    base_id = _base_image_id(client, base_image)
    digest = content_digest(context, base_id)
    repo, _ = split_image(image)
    digest_image = f"{repo}:sha-{digest[:12]}"
    existing = _image_or_none(client, digest_image)
    if existing is not None:
        existing.tag(*split_image(image))
        log.info("image %s is up to date (content digest %s)", image, digest[:12])
        result = BuildResult(image, digest, digest_image, str(existing.id), reused=True)
    else:
        log.info("building %s from %s", image, base_image)
        image_id = _run_build(client, image, _tar(context), {DIGEST_LABEL: digest}, (base_image, python_version),
                              no_cache=no_cache)
        built = client.images.get(image_id)
        if check is not None:
            try:
                check(image_id)
            except BuildError:
                _untag(client, image)
                raise
        built.tag(*split_image(digest_image))
        result = BuildResult(image, digest, digest_image, str(built.id), reused=False)
    if not keep_old_tags:
        remove_old_digest_tags(client, repo, digest_image)
    return result


def remove_old_digest_tags(client: DockerClient, repo: str, keep: str) -> list[str]:
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


def push_image(client: DockerClient, image: str) -> None:
    """Push ``image`` to its registry; BuildError with the registry's message on failure."""
    repo, tag = split_image(image)
    with Progress(f"pushing {image}") as progress:
        for chunk in client.api.push(repo, tag=tag, stream=True, decode=True):
            if "error" in chunk:
                raise BuildError(f"push of {image} failed: {chunk['error']}")
            status = chunk.get("status", "")
            progress.update(status)
            log.debug("push %s: %s %s", image, status, chunk.get("progress", ""))


def _base_image_id(client: DockerClient, base_image: str) -> str:
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


def _image_or_none(client: DockerClient, name: str) -> Image | None:
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


def _untag(client: DockerClient, image: str) -> None:
    from docker.errors import DockerException  # noqa: PLC0415

    try:
        client.images.remove(image, noprune=True)
    except DockerException as exc:
        log.debug("could not untag %s: %s", image, exc)


def _run_build(
    client: DockerClient, image: str, tar: io.BytesIO, labels: dict[str, str], base: tuple[str, str], *, no_cache: bool
) -> str:
    """Build with the engine's builder; ``base`` is (base image, its Python version) for failure hints."""
    chunks = client.api.build(
        fileobj=tar, custom_context=True, tag=image, network_mode="host",
        rm=True, forcerm=True, decode=True, labels=labels, nocache=no_cache,
    )
    return follow_build(image, chunks, *base)


def follow_build(
    image: str, chunks: Iterable[dict[str, Any]], base_image: str = "", python_version: str = ""
) -> str:
    """Consume the build stream: log it at DEBUG, show the step, raise a readable BuildError on error."""
    step, image_id = "", ""
    output: list[str] = []
    everything: list[str] = []
    with Progress(f"building {image}") as progress:
        for chunk in chunks:
            if "error" in chunk:
                everything.append(str(chunk["error"]))
                raise BuildError(_failure(image, step, output="".join(output), everything="".join(everything),
                                          error=chunk["error"], base=(base_image, python_version)))
            text = chunk.get("stream", "")
            everything.append(text)
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


def _failure(image: str, step: str, *, output: str, everything: str, error: str, base: tuple[str, str]) -> str:
    """The failed step, pip's reason in a few lines and a hint (for pip steps), and where the full log is."""
    log_path = save_log(image, everything)
    shown_step = step if len(step) <= 160 else f"{step[:157]}..."
    lines = [f"build of {image} failed at {shown_step or 'start'}"]
    hint = ""
    if "pip install" in step:
        requirement, reasons, hint = explain_pip_failure(f"{step}\n{output}", base[1], base[0])
        if requirement:
            lines[0] += f" (failing requirement: {requirement})"
        lines += [f"  {reason}" for reason in reasons]
    else:
        tail = strip_ansi(output).rstrip().splitlines()[-_TAIL_LINES:]
        lines += [f"  {line}" for line in tail]
    message = strip_ansi(str(error)).strip()
    code = re.search(r"returned a non-zero code: \d+", message)
    lines.append(f"  the step {code.group(0)}" if message.startswith("The command ") and code else f"  {message}")
    if hint:
        lines.append(f"hint: {hint}")
    lines.append(f"full log: {log_path}")
    return "\n".join(lines)
