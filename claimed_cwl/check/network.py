"""Before a local run: steps that need network access get one, or the run stops at once saying which flag to add.

cwltool gives a container a network only when its tool declares ``NetworkAccess``
(else ``--net=none``), and then Docker's default ``bridge`` network, unless
``--custom-net`` (``claimed-cwl run --network NET``) names another. Two cases fail
only later, after minutes of retries inside the container: an engine without a
``bridge`` network (the daemon runs with ``--bridge=none``), and an input that
points at this machine's loopback (``http://127.0.0.1:8333``, ``localhost``),
which a container on the bridge network cannot reach. Both need ``--network host``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from claimed_cwl.errors import ClaimedError

__all__ = ["check_network", "loopback_inputs", "needs_network"]

_LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


def _processes(process: Any) -> Iterator[Any]:
    yield process
    for step in getattr(process, "steps", None) or []:
        if not isinstance(step.run, str):
            yield from _processes(step.run)


def needs_network(process: Any) -> bool:
    """Whether ``process`` (a cwl-utils object) or any step in it asks for ``NetworkAccess``."""
    for item in _processes(process):
        for entry in [*(item.requirements or []), *(item.hints or [])]:
            if type(entry).__name__ == "NetworkAccess" or (isinstance(entry, dict)
                                                           and entry.get("class") == "NetworkAccess"):
                value = getattr(entry, "networkAccess", None) if not isinstance(entry, dict) else \
                    entry.get("networkAccess")
                if value is True or value == "true":
                    return True
    return False


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def loopback_inputs(values: Mapping[str, Any]) -> dict[str, str]:
    """The string inputs that are URLs of this machine's loopback (``http://127.0.0.1:8333``): name -> URL."""
    found = {}
    for name, value in values.items():
        if isinstance(value, str) and "://" in value:
            host = urlparse(value).hostname or ""
            if _is_loopback(host):
                found[name] = value
    return found


def _has_bridge(engine: str) -> bool:
    """Whether the engine has a ``bridge`` network (docker only; other engines are assumed to have one)."""
    if engine != "docker":
        return True
    from docker.errors import DockerException  # noqa: PLC0415

    from claimed_cwl.build.engine import EngineError, docker_client  # noqa: PLC0415

    try:
        return bool(docker_client().networks.list(names=["bridge"]))
    except (EngineError, DockerException):
        return True  # the engine check reports an unreachable engine; nothing to add here


def check_network(process: Any, values: Mapping[str, Any], engine: str, document: Path | str) -> None:
    """Raise ClaimedError, naming ``--network host``, when steps asking for network access would get none."""
    if not needs_network(process):
        return
    loopback = loopback_inputs(values)
    if loopback:
        given = ", ".join(f"{name} = {url}" for name, url in sorted(loopback.items()))
        raise ClaimedError(
            f"{document}: steps need network access to this machine's loopback ({given}), which a container on "
            "the engine's bridge network cannot reach: add --network host (claimed-cwl run --network host ...)")
    if not _has_bridge(engine):
        raise ClaimedError(
            f"{document}: steps need network access (NetworkAccess), and the {engine} engine has no 'bridge' "
            "network to give them: add --network host (claimed-cwl run --network host ...) or --network NET")
