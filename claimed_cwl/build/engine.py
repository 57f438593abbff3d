"""The one Docker session of a process: a connected client, made once, with an error that says how to fix it."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from claimed_cwl.errors import ClaimedError

if TYPE_CHECKING:
    from docker import DockerClient

__all__ = ["EngineError", "docker_client"]

_TIMEOUT = 300  # seconds for one API call: builds and pushes stream for long
_session: list[DockerClient] = []
_lock = threading.Lock()


class EngineError(ClaimedError):
    """The container engine is not reachable."""


def docker_client() -> DockerClient:
    """The process' connected ``docker.DockerClient`` (from DOCKER_HOST or the default socket), made on first use.

    Every command that talks to the engine (build, run, grid, check, the workflow API's ``image:``) shares it.
    """
    with _lock:
        if not _session:
            _session.append(_connect())
        return _session[0]


def _connect() -> DockerClient:
    import docker  # noqa: PLC0415 - the SDK is only needed by commands that talk to the engine
    from docker.errors import DockerException  # noqa: PLC0415

    try:
        client = docker.from_env(timeout=_TIMEOUT)
        client.ping()
    except DockerException as exc:
        raise EngineError(
            f"the Docker engine is not reachable ({exc}). Start one (on this project's machines: "
            "scripts/services.sh start docker) or point DOCKER_HOST at it."
        ) from exc
    return client
