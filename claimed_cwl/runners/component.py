"""Run an operator image by name: read its spec label and write its CWL tool again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from claimed_cwl.emit import ImageSettings, emit_cwl
from claimed_cwl.errors import ClaimedError
from claimed_cwl.spec import SpecError
from claimed_cwl.spec.codec import SPEC_LABEL, spec_from_json

__all__ = ["cwl_for_image"]


def cwl_for_image(client: Any, image: str, directory: Path) -> Path:
    """Write ``<name>.cwl`` for the operator image ``image`` into ``directory``; return its path.

    The image must exist locally or be pullable, and carry the ``io.claimed.spec``
    label that ``claimed-cwl build`` puts on every operator image.
    """
    from docker.errors import DockerException, ImageNotFound  # noqa: PLC0415

    try:
        try:
            found = client.images.get(image)
        except ImageNotFound:
            found = client.images.pull(image)
    except DockerException as exc:
        raise ClaimedError(f"image {image} is not local and cannot be pulled: {exc}") from exc
    label = (found.labels or {}).get(SPEC_LABEL)
    if not label:
        raise ClaimedError(f"image {image} has no {SPEC_LABEL} label: it was not built by claimed-cwl build, "
                           "so its parameters are unknown; run its CWL tool instead")
    try:
        spec = spec_from_json(label)
    except SpecError as exc:
        raise ClaimedError(f"image {image}: its {SPEC_LABEL} label is unreadable: {exc}") from exc
    path = directory / f"{spec.name}.cwl"
    path.write_text(emit_cwl(spec, ImageSettings.for_reference(image)), encoding="utf-8")
    return path
