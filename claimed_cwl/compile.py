"""Compile one operator: parse it, render every artifact in memory, then write them atomically.

The output directory is a complete ``docker build`` context: the Dockerfile,
the operator source, its additional files and the launcher, beside the CWL
tool, the KFP component and the Kubernetes Job.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from claimed_cwl.emit import EMITTERS, ArtifactSettings
from claimed_cwl.emit.dockerfile import usable_lock
from claimed_cwl.emit.launch import launcher_files
from claimed_cwl.errors import ClaimedError
from claimed_cwl.lockfile import LOCK_FILE, Lock, read_lock, render_lock
from claimed_cwl.outdir import write_atomically
from claimed_cwl.parse import Analysis, analyse_operator
from claimed_cwl.spec import OperatorSpec

__all__ = [
    "CompileResult",
    "compile_operator",
    "fitting_lock",
    "read_user_files",
    "render_artifacts",
    "report_warnings",
    "user_file_paths",
    "with_lock",
    "write_atomically",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CompileResult:
    """What a compile wrote: the operator's spec, the directory and the files in it, and the analysis.

    The analysis holds each parameter's decision with its evidence, and the warnings.
    """

    spec: OperatorSpec
    out_dir: Path
    written: tuple[Path, ...]
    analysis: Analysis | None = None


def render_artifacts(
    spec: OperatorSpec, options: ArtifactSettings, user_files: Mapping[str, bytes]
) -> dict[str, bytes]:
    """Every output file, name (relative, ``/``-separated) -> bytes, sorted by name.

    ``user_files`` are the operator's own files (source and additional files)
    by their build-context name; they are copied as they are. A user file
    whose name clashes with a generated file is an error.
    """
    generated: dict[str, bytes] = {}
    for emitter in EMITTERS.values():
        generated[emitter.file_name(spec)] = emitter.render(spec, options).encode("utf-8")
    generated.update(launcher_files(spec))
    clashes = sorted(set(generated) & set(user_files))
    if clashes:
        raise ClaimedError(f"{clashes[0]}: an operator file has the name of a generated file; rename it")
    if spec.source_file not in user_files:
        raise ClaimedError(f"{spec.source_file}: the operator source is missing from the files to copy")
    return dict(sorted({**generated, **user_files}.items()))


def report_warnings(analysis: Analysis) -> None:
    """Log the analysis' warnings (``file:line: message``) at WARNING: the command line shows them on stderr."""
    for warning in analysis.warnings:
        log.warning("%s", warning)


def user_file_paths(source: Path, spec: OperatorSpec) -> dict[str, Path]:
    """The operator's source and additional files, by build-context name -> the file to read; directories are walked.

    ``spec.additional_files`` are relative to the operator's directory, as
    the parser checked them; their names in the image are the same. A
    symbolic link is followed only when its target is inside the operator's
    directory: one that leads out of it (``extra/x -> /etc/shadow``) is an
    error naming the link and its target, so no host file reaches the image.
    """
    base = source.parent.resolve()
    files = {spec.source_file: source}
    for name in spec.additional_files:
        _collect(source.parent / name, name.rstrip("/"), base, files, set())
    return files


def read_user_files(source: Path, spec: OperatorSpec, paths: Mapping[str, Path] | None = None) -> dict[str, bytes]:
    """Read the operator's source and additional files (``paths``, default :func:`user_file_paths`), by name."""
    paths = user_file_paths(source, spec) if paths is None else paths
    # additional files are read as resolved, without following a link swapped in since
    return {name: _read(path, follow=name == spec.source_file) for name, path in paths.items()}


def _collect(path: Path, name: str, base: Path, files: dict[str, Path], seen: set[Path]) -> None:
    """Add the file ``path`` (or every file under the directory) to ``files`` as ``name``, resolved."""
    real = path.resolve()
    if not real.is_relative_to(base):
        raise ClaimedError(f"{path}: a symbolic link to {os.readlink(path) if path.is_symlink() else real} "
                           f"(resolves to {real}), outside the operator's directory {base}: refusing to copy it "
                           "into the image; copy the file into the operator's directory instead")
    if real.is_dir():
        if real in seen:
            raise ClaimedError(f"{path}: a symbolic link that loops back to {real}: refusing to copy it")
        for child in sorted(real.iterdir()):
            _collect(path / child.name, f"{name}/{child.name}", base, files, seen | {real})
    elif real.is_file():
        files[name] = real
    else:
        raise ClaimedError(f"{path}: not a regular file or directory (a device, socket or pipe, or a dangling "
                           "symbolic link): it cannot be copied into the image")


def _read(path: Path, *, follow: bool = True) -> bytes:
    try:
        if follow:
            return path.read_bytes()
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(descriptor, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise ClaimedError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def compile_operator(
    source: Path,
    additional_files: Sequence[str | Path] = (),
    options: ArtifactSettings | None = None,
    out_dir: Path | None = None,
    *,
    force: bool = False,
) -> CompileResult:
    """Parse ``source``, render all artifacts and write them to ``out_dir`` (default ``./<name>``).

    ``additional_files`` are relative to the operator's directory (as for
    :func:`~claimed_cwl.parse.parse_operator`).
    Nothing is written unless everything rendered; files are then moved into
    place one by one with ``os.replace``. Files in ``out_dir`` that claimed-cwl
    did not write are not overwritten unless ``force`` (see :mod:`claimed_cwl.outdir`).
    """
    analysis = analyse_operator(source, tuple(additional_files))
    report_warnings(analysis)
    spec = analysis.spec
    target = out_dir if out_dir is not None else Path.cwd() / spec.name
    settings = options or ArtifactSettings()
    lock = fitting_lock(spec, settings, target)
    settings = dataclasses.replace(settings, dockerfile=dataclasses.replace(settings.dockerfile, lock=lock))
    originals = user_file_paths(source, spec)
    artifacts = with_lock(render_artifacts(spec, settings, read_user_files(source, spec, originals)), spec, lock)
    written = write_atomically(target, artifacts, originals=originals, force=force)
    return CompileResult(spec=spec, out_dir=target, written=written, analysis=analysis)


def fitting_lock(spec: OperatorSpec, settings: ArtifactSettings, out_dir: Path) -> Lock | None:
    """The lock in ``out_dir`` when it was resolved for this operator's requirements, else None (with a note)."""
    lock = read_lock(out_dir / LOCK_FILE)
    if lock is None:
        return None
    fitting = usable_lock(spec, dataclasses.replace(settings.dockerfile, lock=lock))
    if fitting is None:
        log.warning("%s is out of date (the requirements or the base image changed): the Dockerfile installs the "
                    "requirements unpinned until 'claimed-cwl build' resolves them again", out_dir / LOCK_FILE)
    return fitting


def with_lock(artifacts: dict[str, bytes], spec: OperatorSpec, lock: Lock | None) -> dict[str, bytes]:
    """``artifacts`` plus the lock file (when there is a lock), sorted by name."""
    if lock is None:
        return artifacts
    if LOCK_FILE in artifacts:
        raise ClaimedError(f"{LOCK_FILE}: an operator file has the name of the generated lock file; rename it")
    return dict(sorted({**artifacts, LOCK_FILE: render_lock(lock, spec.name).encode("utf-8")}.items()))
