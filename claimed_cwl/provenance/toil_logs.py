"""What a Toil run needs for provenance: worker logs with cwltool's job events, and a leader that stays readable.

Toil runs each job in a worker process and keeps its log only when asked:
``--writeLogs DIR`` writes every worker's log there, at the level of
``--logLevel``. cwltool's job order and outputs come at DEBUG, so a run with
``--provenance`` runs Toil at DEBUG and shows the leader's lines only from
the level the user asked for (:func:`shown`).
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["LevelFilter", "toil_provenance_args"]

_LEVEL = re.compile(r"^\[[^\]]+\] \[[^\]]*\] \[(?P<level>[DIWEC])\] ")
_ORDER = "DIWEC"


def toil_provenance_args(logs: Path) -> list[str]:
    """The Toil options that keep every worker's log, at DEBUG, in ``logs``."""
    logs.mkdir(parents=True, exist_ok=True)
    return ["--logLevel=DEBUG", f"--writeLogs={logs}"]


class LevelFilter:
    """Pass the leader's log lines (and their continuation lines) from ``level`` (``I`` or ``W``) up."""

    def __init__(self, level: str) -> None:
        """``level`` is the first letter Toil writes for the least level shown."""
        self.least = _ORDER.index(level)
        self.showing = True

    def shown(self, line: str) -> bool:
        """Whether ``line`` is shown (a line without a level goes with the one before it)."""
        match = _LEVEL.match(line)
        if match is not None:
            self.showing = _ORDER.index(match["level"]) >= self.least
        return self.showing
