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

__all__ = ["captured_stdout", "output_object"]


@contextlib.contextmanager
def captured_stdout(scratch: Path) -> Iterator[Path]:
    """Send fd 1 (and ``sys.stdout``) to a file under ``scratch`` for the block; yield its path."""
    sys.stdout.flush()
    fd, name = tempfile.mkstemp(prefix="stdout-", dir=scratch)
    saved = os.dup(1)
    try:
        os.dup2(fd, 1)
        yield Path(name)
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(fd)


def output_object(text: str) -> dict[str, Any]:
    """The CWL output object a runner printed: the last top-level JSON object in ``text``."""
    start = text.rfind("\n{")
    candidates = [text.strip(), text[start + 1:].strip()] if start >= 0 else [text.strip()]
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    raise ClaimedError("the runner printed no CWL output object: nothing to publish")
