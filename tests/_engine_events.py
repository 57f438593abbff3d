"""What the Docker engine itself saw: the container starts and deaths of one image while something ran.

The engine keeps only its last 256 events for ``docker events --since`` to replay, so a run of more than
a few dozen containers cannot be counted afterwards: :class:`EngineEvents` follows the live stream instead.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from types import TracebackType


class EngineEvents:
    """Record the ``start`` and ``die`` events of ``image``'s containers from entering the block to leaving it.

    ``with EngineEvents(image) as seen: ...`` then ``seen.changes`` (``(timeNano, action)`` in time order) and
    ``seen.started``.
    """

    def __init__(self, image: str) -> None:
        """Follow the containers of ``image`` (as the engine names it: ``repository:tag``)."""
        self.image = image
        self.changes: list[tuple[int, str]] = []
        self._out = tempfile.TemporaryFile()  # noqa: SIM115 (closed on leaving the block)
        self._process: subprocess.Popen[bytes] | None = None
        self._since = 0.0

    def __enter__(self) -> EngineEvents:
        """Start following the engine's events (from now on)."""
        self._since = time.time()
        self._process = subprocess.Popen(
            ["docker", "events", "--since", f"{self._since:.3f}", "--filter", "type=container", "--filter",
             f"image={self.image}", "--filter", "event=start", "--filter", "event=die", "--format", "{{json .}}"],
            stdout=self._out, stderr=subprocess.DEVNULL)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        """Stop following once the engine has passed on the events up to now; keep what was seen."""
        until = time.time() + 1
        time.sleep(1)  # the stream lags the engine a little
        assert self._process is not None
        self._process.terminate()
        self._process.wait(timeout=30)
        self._out.seek(0)
        events = [json.loads(line) for line in self._out.read().splitlines() if line.strip()]
        self._out.close()
        self.changes = sorted((int(event["timeNano"]), str(event["Action"])) for event in events
                              if event["Action"] in ("start", "die") and int(event["timeNano"]) <= until * 1e9)

    @property
    def started(self) -> int:
        """How many containers of the image the engine started."""
        return sum(action == "start" for _, action in self.changes)
