"""Write generated files into an output directory that may hold the user's own files.

``compile``, ``build`` and ``grid`` write a build context into ``--out``. The
directory keeps a manifest, :data:`MANIFEST_NAME`, of what claimed-cwl wrote
there (name and SHA-256), so that a later write can tell its own files from the
user's:

- a file is overwritten only when it holds what would be written anyway, or
  when the manifest lists it and it is unchanged since; any other file in the
  way (a Dockerfile the user wrote, a generated file the user edited) stops the
  write before anything changes, unless ``force`` is given;
- files that an earlier write generated and this one does not are removed
  (when unchanged since; an edited one is kept, with a warning);
- a user file copied onto itself (``--out`` is the operator's own directory) is
  neither written nor listed: it is the user's, never removed.

Everything is written into a temporary directory beside ``out_dir`` first, then
moved into place file by file with ``os.replace``; the manifest comes last.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from claimed_cwl.errors import ClaimedError

__all__ = ["MANIFEST_NAME", "write_atomically"]

log = logging.getLogger(__name__)

# No .json/.yaml extension: tools that read every such file of a folder (``kubectl apply -R -f DIR`` over the
# manifests of ``claimed-cwl k8s``) must not take the list for one of the artifacts.
MANIFEST_NAME = ".claimed-cwl-generated"
_LEGACY_MANIFEST_NAME = ".claimed-cwl-generated.json"  # as written before; read, then replaced
_FORMAT = "claimed-cwl generated files v1"


@dataclass(frozen=True)
class _Plan:
    """What one write does: files to move into place, user files left alone, stale files to remove."""

    write: dict[str, bytes]
    own_files: frozenset[str]
    stale: tuple[str, ...]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_manifest(out_dir: Path) -> dict[str, str]:
    """Name -> SHA-256 of the files an earlier write generated in ``out_dir`` (empty when none)."""
    path = out_dir / MANIFEST_NAME
    if not path.exists() and (out_dir / _LEGACY_MANIFEST_NAME).is_file():
        path = out_dir / _LEGACY_MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ClaimedError(f"{path}: unreadable list of generated files ({exc}); remove it and give --force") from exc
    files = data.get("files") if isinstance(data, dict) and data.get("format") == _FORMAT else None
    if not isinstance(files, dict):
        raise ClaimedError(f"{path}: not a list of generated files written by claimed-cwl; remove it and give "
                           "--force")
    return {str(name): str(digest) for name, digest in files.items()}


def _current_digest(path: Path) -> str | None:
    if not path.is_file():
        return None
    try:
        return _sha256(path.read_bytes())
    except OSError:
        return None


def _is_same_file(path: Path, original: Path | None) -> bool:
    if original is None or not path.exists():
        return False
    with contextlib.suppress(OSError):
        return os.path.samefile(path, original)
    return False


def _plan(out_dir: Path, files: Mapping[str, bytes], originals: Mapping[str, Path], previous: Mapping[str, str],
          force: bool) -> _Plan:
    """Decide what to write, refusing (unless ``force``) to overwrite a file claimed-cwl did not write."""
    write: dict[str, bytes] = {}
    own: set[str] = set()
    in_the_way: list[str] = []
    for name, content in files.items():
        destination = out_dir / name
        if _is_same_file(destination, originals.get(name)):
            own.add(name)  # the operator's own file, in its own directory
            continue
        write[name] = content
        digest = _current_digest(destination)
        if digest is None and not destination.exists():
            continue
        if digest == _sha256(content) or (digest is not None and previous.get(name) == digest):
            continue
        in_the_way.append(name)
    if in_the_way and not force:
        listed = ", ".join(str(out_dir / name) for name in in_the_way)
        raise ClaimedError(f"not overwriting {listed}: written by someone else, or changed since claimed-cwl wrote "
                           "it. Move it away or choose another --out; --force overwrites")
    stale = tuple(sorted(name for name in previous if name not in files))
    return _Plan(write, frozenset(own), stale)


def _check_target(out_dir: Path, names: Sequence[str]) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise ClaimedError(f"{out_dir}: output path exists and is not a directory")
    for name in names:
        path = out_dir / name
        if path.is_dir() and not path.is_symlink():
            raise ClaimedError(f"{path}: a directory is in the way of an output file")
        for parent in Path(name).parents:
            if parent != Path(".") and (out_dir / parent).exists() and not (out_dir / parent).is_dir():
                raise ClaimedError(f"{out_dir / parent}: a file is in the way of an output directory")


def _remove_stale(out_dir: Path, stale: Sequence[str], previous: Mapping[str, str]) -> None:
    """Remove files an earlier write generated and this one does not, if unchanged; then their empty folders."""
    for name in stale:
        path = out_dir / name
        digest = _current_digest(path)
        if digest is None:
            continue
        if digest != previous.get(name):
            log.warning("kept %s: an earlier compile generated it, this one does not, but it was changed since", path)
            continue
        path.unlink()
        for parent in Path(name).parents:
            if parent == Path("."):
                break
            with contextlib.suppress(OSError):
                (out_dir / parent).rmdir()  # only when empty


def write_atomically(out_dir: Path, files: Mapping[str, bytes], *, originals: Mapping[str, Path] | None = None,
                     force: bool = False) -> tuple[Path, ...]:
    """Write ``files`` (name -> bytes) under ``out_dir``; return the paths of all of them.

    ``originals`` maps the names of copied user files to the files they are
    copied from. ``force`` overwrites files claimed-cwl did not write. On an
    error before the move nothing in ``out_dir`` has changed.
    """
    _check_target(out_dir, list(files))
    previous = _read_manifest(out_dir) if out_dir.is_dir() else {}
    plan = _plan(out_dir, files, originals or {}, previous, force)
    manifest = {"format": _FORMAT, "files": {name: _sha256(data) for name, data in sorted(plan.write.items())}}
    parent = out_dir.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=parent))
    except OSError as exc:
        raise ClaimedError(f"{out_dir}: cannot create the output directory: {exc.strerror or exc}") from exc
    try:
        for name, content in [*plan.write.items(), (MANIFEST_NAME, (json.dumps(manifest, indent=1) + "\n").encode())]:
            staged = staging / name
            staged.parent.mkdir(parents=True, exist_ok=True)
            staged.write_bytes(content)
        out_dir.mkdir(exist_ok=True)
        for name in [*plan.write, MANIFEST_NAME]:
            destination = out_dir / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, destination)
        _remove_stale(out_dir, plan.stale, previous)
        (out_dir / _LEGACY_MANIFEST_NAME).unlink(missing_ok=True)
    except OSError as exc:
        raise ClaimedError(f"{out_dir}: cannot write the output: {exc.strerror or exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return tuple(out_dir / name for name in files)
