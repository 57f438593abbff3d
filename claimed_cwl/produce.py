"""The one path every command that writes a build context takes: render -> build context -> build -> atomic write.

``compile`` (an operator's artifacts), ``build`` (the same, and its image) and
``grid`` (a grid's artifacts, and its image) differ only in their
:class:`Target`: what it renders and which of its files name the image. The rest
is done here once:

1. the dependency lock: the one beside the artifacts when it still fits (else,
   with an engine, a new resolution; without one, unpinned requirements);
2. render every file in memory: the target's generated files, the operator's
   own files (a name clash is an error), the lock;
3. with an engine, build the image from the build context (every file but those
   that name the image, so re-tagging never rebuilds), check its imports inside
   it (``add_missing``: add what is missing, resolve again, rebuild), push;
4. write everything atomically into the output directory, only once all of the
   above succeeded (:func:`claimed_cwl.outdir.write_atomically`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from claimed_cwl.build.builder import BuildError, BuildResult, build_image, push_image
from claimed_cwl.build.import_check import MissingImport, describe_missing
from claimed_cwl.build.prepare import import_checker, prepare_lock
from claimed_cwl.emit import EMITTERS, ArtifactSettings
from claimed_cwl.emit.dockerfile import usable_lock
from claimed_cwl.emit.launch import launcher_files
from claimed_cwl.errors import ClaimedError
from claimed_cwl.lockfile import LOCK_FILE, Lock, read_lock, render_lock
from claimed_cwl.outdir import write_atomically
from claimed_cwl.spec import OperatorSpec

if TYPE_CHECKING:
    from docker import DockerClient

__all__ = [
    "Produced",
    "Target",
    "fitting_lock",
    "operator_target",
    "produce",
    "read_user_files",
    "render",
    "user_file_paths",
    "with_lock",
]

log = logging.getLogger(__name__)

# Artifacts that name the image: written beside the build context, never part of it.
_IMAGE_NAMING = ("cwl", "kfp", "job")


@dataclass(frozen=True)
class Target:
    """What one command produces: the operator's spec, the image's name, the generated files and their roles.

    ``generate`` renders the generated files (name -> bytes) with the settings
    (their Dockerfile settings carry the lock); ``naming`` are those that name
    the image (not in the build context); ``main`` is the primary artifact (the
    ``.cwl``).
    """

    spec: OperatorSpec
    image_name: str
    generate: Callable[[ArtifactSettings], dict[str, bytes]]
    naming: frozenset[str]
    main: str


@dataclass(frozen=True)
class Produced:
    """What :func:`produce` did: the target, its main artifact's path, every file written, the image (if built)."""

    target: Target
    main: Path
    written: tuple[Path, ...]
    image: BuildResult | None = None
    added: tuple[tuple[str, str], ...] = ()
    resolved: bool = False


def operator_target(spec: OperatorSpec) -> Target:
    """An operator: its four artifacts (the EMITTERS table) and its launcher files."""

    def generate(settings: ArtifactSettings) -> dict[str, bytes]:
        files = {emitter.file_name(spec): emitter.render(spec, settings).encode("utf-8")
                 for emitter in EMITTERS.values()}
        return {**files, **launcher_files(spec)}

    naming = frozenset(EMITTERS[key].file_name(spec) for key in _IMAGE_NAMING)
    return Target(spec, spec.name, generate, naming, EMITTERS["cwl"].file_name(spec))


def render(target: Target, settings: ArtifactSettings, user_files: Mapping[str, bytes],
           lock: Lock | None = None) -> dict[str, bytes]:
    """Every output file, name (relative, ``/``-separated) -> bytes, sorted by name; the lock's too when there is one.

    ``user_files`` are the operator's own files (source and additional files)
    by their build-context name; they are copied as they are. A user file
    whose name clashes with a generated file is an error.
    """
    spec = target.spec
    locked = dataclasses.replace(settings, dockerfile=dataclasses.replace(settings.dockerfile, lock=lock))
    generated = target.generate(locked)
    clashes = sorted(set(generated) & set(user_files))
    if clashes:
        raise ClaimedError(f"{clashes[0]}: an operator file has the name of a generated file; rename it")
    if spec.source_file not in user_files:
        raise ClaimedError(f"{spec.source_file}: the operator source is missing from the files to copy")
    return with_lock(dict(sorted({**generated, **user_files}.items())), spec, lock)


def build_context(target: Target, artifacts: Mapping[str, bytes]) -> dict[str, bytes]:
    """The docker build context among ``artifacts``: everything but the files that name the image."""
    return {name: data for name, data in artifacts.items() if name not in target.naming}


def with_lock(artifacts: dict[str, bytes], spec: OperatorSpec, lock: Lock | None) -> dict[str, bytes]:
    """``artifacts`` plus the lock file (when there is a lock), sorted by name."""
    if lock is None:
        return artifacts
    if LOCK_FILE in artifacts:
        raise ClaimedError(f"{LOCK_FILE}: an operator file has the name of the generated lock file; rename it")
    return dict(sorted({**artifacts, LOCK_FILE: render_lock(lock, spec.name).encode("utf-8")}.items()))


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


# ----------------------------------------------------------------- the operator's own files


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


# ----------------------------------------------------------------- the one pipeline


@dataclass(frozen=True)
class BuildOptions:
    """How :func:`produce` builds.

    ``push`` the image, ``add_missing`` imports, ``refresh_lock`` (resolve again), ``no_cache`` (every layer
    again), ``keep_old_tags`` (the repository's earlier ``sha-`` tags).
    """

    push: bool = False
    add_missing: bool = False
    refresh_lock: bool = False
    no_cache: bool = False
    keep_old_tags: bool = False


def produce(
    target: Target,
    source: Path,
    settings: ArtifactSettings,
    out_dir: Path,
    *,
    client: DockerClient | None = None,
    build: BuildOptions | None = None,
    force: bool = False,
) -> Produced:
    """Render ``target``, build its image when ``client`` (a Docker client) is given, then write ``out_dir``.

    Nothing is written unless everything rendered and the image (when asked for)
    was built, checked and pushed. ``force`` overwrites files in ``out_dir`` that
    claimed-cwl did not write.
    """
    spec = target.spec
    originals = user_file_paths(source, spec)
    user_files = read_user_files(source, spec, originals)
    if client is None:
        artifacts = render(target, settings, user_files, fitting_lock(spec, settings, out_dir))
        written = write_atomically(out_dir, artifacts, originals=originals, force=force)
        return Produced(target, out_dir / target.main, written)
    options = build or BuildOptions()
    lock, resolved = prepare_lock(client, spec, settings, out_dir, refresh=options.refresh_lock)
    added: list[tuple[str, str]] = []
    while True:
        artifacts, result, missing = _build_once(client, target, settings, lock, user_files,
                                                 operator_dir=source.parent, options=options)
        if not missing:
            break
        added = _addable(missing, target, settings, options, added)
        lock, resolved = prepare_lock(client, spec, settings, out_dir, added=added)
    if options.push:
        for reference in (result.image, result.digest_image):
            push_image(client, reference)
    written = write_atomically(out_dir, artifacts, originals=originals, force=force)
    return Produced(target, out_dir / target.main, written, result, tuple(added), resolved)


def _addable(missing: list[MissingImport], target: Target, settings: ArtifactSettings, options: BuildOptions,
             added: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The packages ``--add-missing`` adds for ``missing``; BuildError when it is not asked for or cannot help."""
    addable = [(m.distribution, f"import {m.module.name} at {m.module.where}") for m in missing
               if m.distribution and not m.local_file]
    if not options.add_missing or len(addable) < len(missing) or added:
        raise BuildError(describe_missing(settings.image.image(target.image_name), target.spec, missing))
    chosen = [(str(name), why) for name, why in addable]
    for name, why in chosen:
        log.info("--add-missing: adding %s (%s)", name, why)
    return chosen


def _build_once(
    client: DockerClient, target: Target, settings: ArtifactSettings, lock: Lock | None,
    user_files: dict[str, bytes], *, operator_dir: Path, options: BuildOptions,
) -> tuple[dict[str, bytes], BuildResult, list[MissingImport]]:
    """Render with ``lock`` and build; return the artifacts, the result and the imports the new image lacks."""
    spec = target.spec
    artifacts = render(target, settings, user_files, lock)
    missing: list[MissingImport] = []
    image = settings.image.image(target.image_name)
    check = import_checker(client, spec, operator_dir, image, missing)
    base = settings.dockerfile.base_for(spec.language)
    python = lock.python_version() if lock else ""
    try:
        result = build_image(client, image, base, build_context(target, artifacts), check=check,
                             python_version=python, no_cache=options.no_cache, keep_old_tags=options.keep_old_tags)
    except BuildError:
        if not missing:
            raise
        return artifacts, BuildResult(image, "", "", "", reused=False), missing
    return artifacts, result, []
