"""Image builder: build context -> content digest -> image (Docker SDK) -> push."""

from claimed_cwl.build.builder import BuildError, BuildResult, build_image, push_image
from claimed_cwl.build.digest import content_digest
from claimed_cwl.build.engine import docker_client

__all__ = ["BuildError", "BuildResult", "build_image", "content_digest", "docker_client", "push_image"]
