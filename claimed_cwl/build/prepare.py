"""What a build needs before it starts: the dependency lock to build with, and the import check of a new image."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from claimed_cwl.build.builder import BuildError
from claimed_cwl.build.import_check import MissingImport, check_imports, describe_missing
from claimed_cwl.build.resolve import extend_lock, resolve_lock
from claimed_cwl.emit import ArtifactSettings
from claimed_cwl.emit.dockerfile import dockerfile_layers, pip_requirements, usable_lock
from claimed_cwl.lockfile import LOCK_FILE, Lock, read_lock
from claimed_cwl.spec import OperatorSpec

if TYPE_CHECKING:
    from docker import DockerClient

__all__ = ["import_checker", "prepare_lock"]


def prepare_lock(
    client: DockerClient, spec: OperatorSpec, settings: ArtifactSettings, out_dir: Path, *, refresh: bool = False,
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


def import_checker(
    client: DockerClient, spec: OperatorSpec, operator_dir: Path, image: str, missing: list[MissingImport] | None = None
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
