"""What the Docker engine itself saw: container events of one image between two times (``docker events``)."""

from __future__ import annotations

import json
import subprocess


def container_events(image: str, since: float, until: float) -> list[tuple[int, str]]:
    """``(timeNano, action)`` of every container ``start`` and ``die`` of ``image`` from ``since`` to ``until``
    (epoch seconds), in time order."""
    lines = subprocess.run(
        ["docker", "events", "--since", f"{since:.3f}", "--until", f"{until:.3f}", "--filter", "type=container",
         "--filter", f"image={image}", "--format", "{{json .}}"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.splitlines()
    return sorted((int(event["timeNano"]), event["Action"]) for event in map(json.loads, lines)
                  if event["Action"] in ("start", "die"))


def containers_started(image: str, since: float, until: float) -> int:
    """How many containers of ``image`` the engine started between ``since`` and ``until``."""
    return sum(action == "start" for _, action in container_events(image, since, until))
