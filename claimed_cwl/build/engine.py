"""Connection to the container engine, with an error that says how to fix it."""

from __future__ import annotations

from typing import Any

from claimed_cwl.errors import ClaimedError

__all__ = ["EngineError", "docker_client"]


class EngineError(ClaimedError):
    """The container engine is not reachable."""


def docker_client() -> Any:
    """Return a connected ``docker.DockerClient`` (from DOCKER_HOST or the default socket)."""
    import docker  # noqa: PLC0415 - the SDK is only needed by commands that talk to the engine
    from docker.errors import DockerException  # noqa: PLC0415

    try:
        client = docker.from_env(timeout=300)
        client.ping()
    except DockerException as exc:
        raise EngineError(
            f"the Docker engine is not reachable ({exc}). Start one (on this project's machines: "
            "scripts/services.sh start docker) or point DOCKER_HOST at it."
        ) from exc
    return client
