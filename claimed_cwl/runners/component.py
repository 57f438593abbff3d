"""Run an operator image by name: write its CWL tool again from its spec label."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from claimed_cwl.build.operator_image import image_spec
from claimed_cwl.emit import ImageSettings, emit_cwl
from claimed_cwl.runtime.core import atomic_write

if TYPE_CHECKING:
    from docker import DockerClient

__all__ = ["cwl_for_image"]


def cwl_for_image(client: DockerClient, image: str, directory: Path) -> Path:
    """Write ``<name>.cwl`` for the operator image ``image`` into ``directory``; return its path.

    The image must exist locally or be pullable, and carry the ``io.claimed.spec``
    label that ``claimed-cwl build`` puts on every operator image.
    """
    spec = image_spec(client, image)
    return atomic_write(directory / f"{spec.name}.cwl", emit_cwl(spec, ImageSettings.for_reference(image)))
