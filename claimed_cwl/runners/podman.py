"""Podman as the container engine of cwltool and Toil.

cwltool always adds ``--userns=keep-id`` to ``podman run``; podman accepts it
only rootless ("keep-id is only supported in rootless mode"). When we run as
root, a one-line shim named ``podman`` that drops that flag goes first on
PATH for the duration of the run. Everything else is podman's own behaviour.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from claimed_cwl.errors import ClaimedError

__all__ = ["podman_path"]

_SHIM = """#!/bin/sh
# claimed-cwl: rootful podman rejects cwltool's --userns=keep-id; drop it.
for arg in "$@"; do shift; [ "$arg" = "--userns=keep-id" ] || set -- "$@" "$arg"; done
exec {podman} "$@"
"""


@contextlib.contextmanager
def podman_path(base: str | None = None) -> Iterator[str]:
    """Yield ``base`` (default: this PATH) to run cwltool/Toil ``--podman`` with: the shim first when root."""
    podman = shutil.which("podman")
    if podman is None:
        raise ClaimedError("--engine podman: podman is not installed (Debian: apt-get install podman), "
                           "or use --engine docker")
    path = os.environ.get("PATH", "") if base is None else base
    if os.geteuid() != 0:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="claimed-podman-") as shim_dir:
        shim = Path(shim_dir) / "podman"
        shim.write_text(_SHIM.format(podman=shlex.quote(podman)), encoding="utf-8")
        shim.chmod(0o755)
        yield os.pathsep.join([shim_dir, path])
