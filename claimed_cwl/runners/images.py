"""Before a run: every image the document names exists in the local engine, or is pulled, or the run stops.

cwltool finds a missing image only when the step that needs it starts ("Docker
is required to run this tool"), after earlier steps ran. Here every
``dockerPull`` of the document (its steps and ``run:`` files included) is looked
up first, the way ``claimed-cwl check`` does; a missing one is pulled as cwltool
would, and what can be neither found nor pulled is named, with the command that
builds it when it is a claimed-cwl operator image.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from claimed_cwl.check.images import document_images
from claimed_cwl.errors import ClaimedError

__all__ = ["ensure_images", "missing_images"]

# Options of the runners under which no local image is used.
_NO_LOCAL_IMAGES = ("--no-container", "--singularity", "--udocker")
_OPERATOR_IMAGE = re.compile(r"^(?P<repository>.+)/claimed-(?P<name>[a-z0-9][a-z0-9-]*):(?P<version>[^:/@]+)$")


def _podman_has(image: str) -> bool:
    if subprocess.run(["podman", "image", "exists", image], capture_output=True, check=False,
                      timeout=60).returncode == 0:
        return True
    print(f"claimed-cwl: image {image} is not local: pulling it", file=sys.stderr)
    return subprocess.run(["podman", "pull", "-q", image], capture_output=True, check=False,
                          timeout=3600).returncode == 0


def missing_images(images: Sequence[str], engine: str) -> list[str]:
    """The images among ``images`` that are neither in the local ``engine`` nor pullable."""
    if not images:
        return []
    if engine == "podman":
        return [image for image in images if not _podman_has(image)]
    from claimed_cwl.build import docker_client  # noqa: PLC0415 - the SDK only when there are images
    from claimed_cwl.build.operator_image import find_image  # noqa: PLC0415

    client = docker_client()
    return [image for image in images if find_image(client, image) is None]


def _how_to_get(image: str) -> str:
    match = _OPERATOR_IMAGE.match(image)
    if match is None:
        return f"  {image}: build or pull it (docker pull {image})"
    return (f"  {image}: the image of operator {match['name']}; build it: claimed-cwl build "
            f"<its source> --repository {match['repository']} --version {match['version']}")


def ensure_images(document: Path, engine: str, runner_args: Sequence[str] = ()) -> None:
    """Raise ClaimedError naming every image of ``document`` that the run could not find (before any step runs)."""
    if any(arg.split("=", 1)[0] in _NO_LOCAL_IMAGES for arg in runner_args):
        return
    path = Path(str(document).partition("#")[0])
    missing = missing_images(document_images(path), engine)
    if missing:
        listed = "\n".join(_how_to_get(image) for image in missing)
        raise ClaimedError(f"{document}: {len(missing)} image(s) not in the local {engine} engine and not "
                           f"pullable; nothing was run:\n{listed}")
