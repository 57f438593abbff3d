"""Outputs reach ``--outdir`` only when the run succeeded.

The runner writes its outputs into a fresh directory inside ``--outdir``
(same file system, so delivery is a rename). After a successful run each
top-level output is moved up into ``--outdir`` and the output object the
runner returned is rewritten to point there; after a failed run the staging
directory is removed, so ``--outdir`` holds exactly what it held before (and
is removed again if the run created it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from claimed_cwl.errors import ClaimedError

__all__ = ["StagedOutdir", "check_outdir", "deliver_outputs", "staged_outdir"]

_STAGING_PREFIX = ".claimed-run-"
_PATH_KEYS = ("location", "path", "dirname")


def check_outdir(outdir: Path) -> None:
    """``outdir`` is a directory, or can be made one: else a ClaimedError saying why (before any run)."""
    if outdir.exists():
        if not outdir.is_dir():
            raise ClaimedError(f"--outdir {outdir}: is a file, not a directory; give a directory for the outputs")
        if not os.access(outdir, os.W_OK | os.X_OK):
            raise ClaimedError(f"--outdir {outdir}: the directory is not writable")
        return
    for parent in outdir.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise ClaimedError(f"--outdir {outdir}: cannot be created, {parent} is a file")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise ClaimedError(f"--outdir {outdir}: cannot be created, {parent} is not writable")
            return


@dataclass
class StagedOutdir:
    """Where the runner writes (``staging``, inside ``outdir``), and whether the outputs were delivered."""

    staging: Path
    outdir: Path
    created: bool
    delivered: bool = False


@contextlib.contextmanager
def staged_outdir(outdir: Path) -> Iterator[StagedOutdir]:
    """A fresh directory inside ``outdir`` for the runner's outputs, removed at the end.

    ``outdir`` is created if needed, and removed again when nothing was
    delivered into it.
    """
    check_outdir(outdir)
    created = not outdir.exists()
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        staging = Path(os.path.abspath(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=outdir)))
    except OSError as exc:
        raise ClaimedError(f"--outdir {outdir}: cannot create it: {exc.strerror or exc}") from exc
    staged = StagedOutdir(staging, outdir, created)
    try:
        yield staged
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if created and not staged.delivered:
            with contextlib.suppress(OSError):
                outdir.rmdir()  # only when empty


def _moved(value: Any, stagings: tuple[Path, ...], outdir: Path) -> Any:
    """``value`` with every local location/path under a staging path pointing to the same place under ``outdir``."""
    if isinstance(value, list):
        return [_moved(item, stagings, outdir) for item in value]
    if not isinstance(value, dict):
        return value
    result = {key: _moved(item, stagings, outdir) for key, item in value.items()}
    for key in _PATH_KEYS:
        where = result.get(key)
        if not isinstance(where, str):
            continue
        is_uri = where.startswith("file://")
        local = Path(unquote(urlparse(where).path)) if is_uri else Path(where)
        for staging in stagings:
            if local == staging or staging in local.parents:
                target = outdir / local.relative_to(staging)
                result[key] = target.as_uri() if is_uri else str(target)
                break
    return result


def deliver_outputs(staged: StagedOutdir, outputs: dict[str, Any] | None) -> dict[str, Any] | None:
    """Move the outputs from the staging directory into ``outdir``; return the output object pointing there.

    An output whose name already exists in ``outdir`` replaces it, as the
    runner itself would have done. ``outputs`` is the object the runner returned.
    """
    staging, outdir = staged.staging, staged.outdir
    staged.delivered = True
    for entry in sorted(staging.iterdir()):
        target = outdir / entry.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        os.replace(entry, target)
    if outputs is None:
        return None
    stagings = (staging, staging.resolve())  # as the runner was given it, and without symbolic links
    moved: dict[str, Any] = _moved(outputs, stagings, Path(os.path.abspath(outdir)))
    return moved
