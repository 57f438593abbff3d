"""Content digest of an image: what goes into it, not when it was built."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

__all__ = ["content_digest"]


def content_digest(context: Mapping[str, bytes], base_image_id: str) -> str:
    """SHA-256 over the build context files (names and bytes) and the base image's ID.

    The context holds the Dockerfile (base image name, requirements, layout),
    the operator source, its additional files and the launcher, so equal
    digests mean equal images. The image *name* and version are not part of
    it: re-tagging never rebuilds.
    """
    hasher = hashlib.sha256()
    hasher.update(b"claimed-cwl image v1\0")
    hasher.update(base_image_id.encode() + b"\0")
    for name in sorted(context):
        data = context[name]
        hasher.update(f"{name}\0{len(data)}\0".encode())
        hasher.update(data)
    return hasher.hexdigest()
