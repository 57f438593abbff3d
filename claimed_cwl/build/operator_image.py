"""Operator images by name: found locally or pulled (one pull policy), their spec label read.

``claimed-cwl build`` labels every operator image with its OperatorSpec
(:data:`~claimed_cwl.spec.codec.SPEC_LABEL`). Running an image by name
(``claimed-cwl run --component IMAGE``), the workflow API's ``image:`` steps and
the check that a run's images exist all go through here; the tool written for
an image is pinned to the reference as given (``ImageSettings.for_reference``).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from claimed_cwl.errors import ClaimedError
from claimed_cwl.spec import OperatorSpec, SpecError
from claimed_cwl.spec.codec import SPEC_LABEL, spec_from_json

if TYPE_CHECKING:
    from docker import DockerClient
    from docker.models.images import Image

__all__ = ["find_image", "image_spec"]


def find_image(client: DockerClient, image: str) -> Image | None:
    """The local image ``image``, else pulled (saying so on stderr, as cwltool would pull it); None if neither."""
    from docker.errors import DockerException, ImageNotFound  # noqa: PLC0415

    try:
        return client.images.get(image)
    except ImageNotFound:
        pass
    except DockerException:
        return None
    print(f"claimed-cwl: image {image} is not local: pulling it", file=sys.stderr)
    try:
        return client.images.pull(image)
    except DockerException:
        return None


def image_spec(client: DockerClient, image: str) -> OperatorSpec:
    """The OperatorSpec in the label of the operator image ``image`` (local, or pulled); ClaimedError saying why not."""
    found = find_image(client, image)
    if found is None:
        raise ClaimedError(f"image {image} is not local and cannot be pulled")
    label = (found.labels or {}).get(SPEC_LABEL)
    if not label:
        raise ClaimedError(f"image {image} has no {SPEC_LABEL} label: it was not built by claimed-cwl build, "
                           "so its parameters are unknown; run its CWL tool instead")
    try:
        return spec_from_json(label)
    except SpecError as exc:
        raise ClaimedError(f"image {image}: its {SPEC_LABEL} label is unreadable: {exc}") from exc
