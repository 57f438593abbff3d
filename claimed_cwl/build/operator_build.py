"""Compile an operator and build its image in one go (``claimed-cwl build``).

Steps: parse; take the dependency lock beside the artifacts when it still fits
the operator's requirements (else resolve one in the base image); render the
artifacts with the lock; build the image (reused when its content digest,
which covers the lock, exists); check inside a new image that every import
can be found (``add_missing`` adds the packages of missing ones, resolves
again and rebuilds); write the artifacts only after the image exists.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claimed_cwl.build.builder import BuildError, BuildResult, build_image, push_image
from claimed_cwl.build.import_check import MissingImport, check_imports, describe_missing
from claimed_cwl.build.resolve import extend_lock, resolve_lock
from claimed_cwl.compile import read_user_files, render_artifacts, report_warnings, user_file_paths, with_lock
from claimed_cwl.emit import EMITTERS, ArtifactSettings
from claimed_cwl.emit.dockerfile import dockerfile_layers, pip_requirements, usable_lock
from claimed_cwl.lockfile import LOCK_FILE, Lock, read_lock
from claimed_cwl.outdir import write_atomically
from claimed_cwl.parse import Analysis, analyse_operator
from claimed_cwl.spec import OperatorSpec

__all__ = ["OperatorBuild", "build_operator", "context_files", "import_checker", "prepare_lock"]

log = logging.getLogger(__name__)

# Artifacts that name the image: they are written beside the context but are not part of it,
# so re-tagging (another --repository or --version) never changes the content digest.
_IMAGE_NAMING = ("cwl", "kfp", "job")


@dataclass(frozen=True)
class OperatorBuild:
    """A built operator: its spec, the written artifacts, the image build result, and what was added."""

    spec: OperatorSpec
    cwl: Path
    written: tuple[Path, ...]
    image: BuildResult
    added: tuple[tuple[str, str], ...] = ()
    resolved: bool = False
    analysis: Analysis | None = None


def context_files(spec: OperatorSpec, artifacts: dict[str, bytes]) -> dict[str, bytes]:
    """The docker build context among ``artifacts``: everything but the image-naming files."""
    naming = {EMITTERS[key].file_name(spec) for key in _IMAGE_NAMING}
    return {name: data for name, data in artifacts.items() if name not in naming}


def prepare_lock(
    client: Any, spec: OperatorSpec, settings: ArtifactSettings, out_dir: Path, *, refresh: bool = False,
    added: Sequence[tuple[str, str]] = (),
) -> tuple[Lock | None, bool]:
    """The lock to build with: the one in ``out_dir`` when it fits, else a new resolution; and whether it is new.

    Packages added by ``--add-missing`` earlier are kept (``added`` adds more).
    An operator without pip requirements gets no lock.
    """
    on_disk = read_lock(out_dir / LOCK_FILE)
    existing = None if refresh else on_disk
    kept = [*(on_disk.added if on_disk else ()), *added]
    kept = list(dict(kept).items())
    requirements = pip_requirements(spec, [requirement for requirement, _ in kept])
    if not requirements:
        return None, False
    dockerfile = dataclasses.replace(settings.dockerfile, lock=existing)
    if existing is not None and not added and usable_lock(spec, dockerfile) is not None:
        return existing, False
    base = settings.dockerfile.base_for(spec.language)
    system = list(dockerfile_layers(spec, settings.dockerfile).system)
    if existing is not None and existing.base == base and existing.options == spec.pip_options():
        extended = extend_lock(client, existing, system, requirements, kept)
        if extended is not None:
            return extended, True
    lock = resolve_lock(client, base, system, requirements, options=spec.pip_options(), added=kept)
    return lock, True


def build_operator(
    client: Any,
    source: Path,
    additional_files: Sequence[Path],
    settings: ArtifactSettings,
    out_dir: Path | None = None,
    *,
    push: bool = False,
    add_missing: bool = False,
    refresh_lock: bool = False,
    no_cache: bool = False,
    force: bool = False,
    keep_old_tags: bool = False,
) -> OperatorBuild:
    """Parse, lock, render, build, check imports (and push); write the artifacts only after the image exists.

    ``force`` overwrites files in ``out_dir`` that claimed-cwl did not write;
    ``keep_old_tags`` keeps the image repository's earlier ``sha-`` tags.
    """
    analysis = analyse_operator(source, tuple(additional_files))
    report_warnings(analysis)
    spec = analysis.spec
    target = out_dir if out_dir is not None else Path.cwd() / spec.name
    lock, resolved = prepare_lock(client, spec, settings, target, refresh=refresh_lock)
    originals = user_file_paths(source, spec)
    user_files = read_user_files(source, spec, originals)
    added: list[tuple[str, str]] = []
    while True:
        artifacts, result, missing = _build_once(client, spec, settings, lock=lock, user_files=user_files,
                                                 operator_dir=source.parent, no_cache=no_cache,
                                                 keep_old_tags=keep_old_tags)
        if not missing:
            break
        addable = [(m.distribution, f"import {m.module.name} at {m.module.where}") for m in missing
                   if m.distribution and not m.local_file]
        image = settings.image.image(spec.name)
        if not add_missing or len(addable) < len(missing) or added:
            raise BuildError(describe_missing(image, spec, missing))
        added = [(str(name), why) for name, why in addable]
        for name, why in added:
            log.info("--add-missing: adding %s (%s)", name, why)
        lock, resolved = prepare_lock(client, spec, settings, target, added=added)
    if push:
        for reference in (result.image, result.digest_image):
            push_image(client, reference)
    written = write_atomically(target, artifacts, originals=originals, force=force)
    return OperatorBuild(spec, target / EMITTERS["cwl"].file_name(spec), written, result, tuple(added), resolved,
                         analysis)


def import_checker(
    client: Any, spec: OperatorSpec, operator_dir: Path, image: str, missing: list[MissingImport] | None = None
) -> Callable[[str], None]:
    """A build check: the operator's imports inside the new image; BuildError naming each missing one.

    The missing imports are also appended to ``missing`` when given (for ``--add-missing``).
    """

    def check(image_id: str) -> None:
        found = check_imports(client, image_id, spec, operator_dir)
        if found:
            if missing is not None:
                missing.extend(found)
            raise BuildError(describe_missing(image, spec, found))

    return check


def _build_once(
    client: Any, spec: OperatorSpec, settings: ArtifactSettings, *, lock: Lock | None, user_files: dict[str, bytes],
    operator_dir: Path, no_cache: bool, keep_old_tags: bool,
) -> tuple[dict[str, bytes], BuildResult, list[MissingImport]]:
    """Render with ``lock`` and build; return the artifacts, the result and the imports the new image lacks."""
    locked = dataclasses.replace(settings, dockerfile=dataclasses.replace(settings.dockerfile, lock=lock))
    artifacts = with_lock(render_artifacts(spec, locked, user_files), spec, lock)
    missing: list[MissingImport] = []
    image = settings.image.image(spec.name)
    check = import_checker(client, spec, operator_dir, image, missing)
    base = settings.dockerfile.base_for(spec.language)
    python = lock.python_version() if lock else ""
    try:
        result = build_image(client, image, base, context_files(spec, artifacts), check=check, python_version=python,
                             no_cache=no_cache, keep_old_tags=keep_old_tags)
    except BuildError:
        if not missing:
            raise
        return artifacts, BuildResult(image, "", "", "", reused=False), missing
    return artifacts, result, []
