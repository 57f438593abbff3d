"""Capture what a runner prints on standard output (file descriptor 1), child processes included."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from claimed_cwl.errors import ClaimedError

__all__ = ["captured_stdout", "find_output_object", "output_object"]


@contextlib.contextmanager
def captured_stdout(scratch: Path) -> Iterator[Path]:
    """Send fd 1 and ``sys.stdout`` to a file under ``scratch`` for the block; yield its path.

    Both: child processes write to fd 1, this process to ``sys.stdout``, which
    need not be fd 1 (a test's capture, an embedding program).
    """
    sys.stdout.flush()
    fd, name = tempfile.mkstemp(prefix="stdout-", dir=scratch)
    saved, saved_stream = os.dup(1), sys.stdout
    stream = open(os.dup(fd), "w", encoding="utf-8", closefd=True)  # noqa: SIM115 (closed below)
    try:
        os.dup2(fd, 1)
        sys.stdout = stream
        yield Path(name)
    finally:
        stream.flush()
        sys.stdout = saved_stream
        stream.close()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(fd)


def find_output_object(text: str) -> tuple[int, int, dict[str, Any]] | None:
    """The last top-level JSON object a runner printed in ``text``: (start, end, value), or None."""
    stripped = text.strip()
    starts = [text.index(stripped)] if stripped else []
    last = text.rfind("\n{")
    if last >= 0:
        starts.append(last + 1)
    for start in starts:
        candidate = text[start:].rstrip()
        try:
            value = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return start, start + len(candidate), value
    return None


def output_object(text: str) -> dict[str, Any]:
    """The CWL output object a runner printed: the last top-level JSON object in ``text``."""
    found = find_output_object(text)
    if found is None:
        raise ClaimedError("the runner printed no CWL output object: nothing to publish")
    return found[2]
