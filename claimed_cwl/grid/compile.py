"""``claimed-cwl grid``: render every grid artifact in memory, write them atomically, optionally build the image.

The output directory is the grid image's docker build context (the operator's
files, the launcher, the grid runtime, the grid Dockerfile) beside the grid
workflow ``<name>-grid.cwl``, the Kubernetes Job ``<name>-grid.job.yaml`` and
the KFP component ``<name>-grid.yaml``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claimed_cwl.build.builder import BuildResult, build_image
from claimed_cwl.build.operator_build import import_checker, prepare_lock
from claimed_cwl.compile import fitting_lock, read_user_files, user_file_paths, with_lock, write_atomically
from claimed_cwl.emit import ArtifactSettings
from claimed_cwl.emit.launch import launcher_files
from claimed_cwl.errors import ClaimedError
from claimed_cwl.grid.image import emit_grid_dockerfile, runtime_files
from claimed_cwl.grid.import_safety import check_import_safety
from claimed_cwl.grid.k8s_kfp import emit_grid_job, emit_grid_kfp
from claimed_cwl.grid.process_check import check_process
from claimed_cwl.grid.spec import GridSpec
from claimed_cwl.grid.workflow import emit_grid_cwl
from claimed_cwl.parse import analyse_operator

__all__ = ["GridBuild", "compile_grid", "grid_context", "render_grid"]

_NAMING = ("cwl", "job", "kfp")


@dataclass(frozen=True)
class GridBuild:
    """What ``compile_grid`` did: the grid spec, the workflow file, all written files, the image (if built)."""

    grid: GridSpec
    cwl: Path
    written: tuple[Path, ...]
    image: BuildResult | None


def _file_names(grid: GridSpec) -> dict[str, str]:
    return {"cwl": f"{grid.name}.cwl", "job": f"{grid.name}.job.yaml", "kfp": f"{grid.name}.yaml"}


def render_grid(grid: GridSpec, settings: ArtifactSettings, user_files: dict[str, bytes]) -> dict[str, bytes]:
    """Every grid artifact and build-context file, name -> bytes, sorted by name."""
    names = _file_names(grid)
    generated = {
        names["cwl"]: emit_grid_cwl(grid, settings.image).encode(),
        names["job"]: emit_grid_job(grid, settings.image, settings.job).encode(),
        names["kfp"]: emit_grid_kfp(grid, settings.image).encode(),
        "Dockerfile": emit_grid_dockerfile(grid, settings.dockerfile).encode(),
        **launcher_files(grid.operator),
        **runtime_files(),
    }
    clashes = sorted(set(generated) & set(user_files))
    if clashes:
        raise ClaimedError(f"{clashes[0]}: an operator file has the name of a generated file; rename it")
    return dict(sorted({**generated, **user_files}.items()))


def grid_context(grid: GridSpec, artifacts: dict[str, bytes]) -> dict[str, bytes]:
    """The docker build context among ``artifacts`` (without the files that name the image)."""
    naming = set(_file_names(grid).values())
    return {name: data for name, data in artifacts.items() if name not in naming}


def compile_grid(
    source: Path,
    additional_files: Sequence[Path],
    settings: ArtifactSettings,
    grid_options: dict[str, Any],
    *,
    out_dir: Path | None = None,
    client: Any = None,
    force: bool = False,
    keep_old_tags: bool = False,
) -> GridBuild:
    """Parse ``source``, render the grid artifacts, build the image when ``client`` is given, then write.

    ``grid_options`` are the GridSpec fields besides the operator (process,
    backend, workers, writable). Nothing is written unless everything
    rendered (and the image, when asked for, was built); ``force`` overwrites
    files in ``out_dir`` that claimed-cwl did not write; ``keep_old_tags``
    keeps the image repository's earlier ``sha-`` tags.
    """
    spec = analyse_operator(source, tuple(additional_files), tuple(grid_options.get("writable", ()))).spec
    grid = GridSpec(spec, **grid_options)
    check_process(source, grid.process)
    check_import_safety(source, source.read_text(encoding="utf-8", errors="replace"), grid.process)
    target = out_dir if out_dir is not None else Path.cwd() / grid.name
    if client is not None:  # the operator's lock (resolved when missing or out of date), as for 'build'
        lock = prepare_lock(client, spec, settings, target)[0]
    else:
        lock = fitting_lock(spec, settings, target)
    settings = dataclasses.replace(settings, dockerfile=dataclasses.replace(settings.dockerfile, lock=lock))
    artifacts = with_lock(render_grid(grid, settings, read_user_files(source, spec)), spec, lock)
    image = None
    if client is not None:
        reference = settings.image.image(grid.image_name)
        image = build_image(client, reference, settings.dockerfile.base_for(spec.language),
                            grid_context(grid, artifacts),
                            check=import_checker(client, spec, source.parent, reference),
                            python_version=lock.python_version() if lock else "", keep_old_tags=keep_old_tags)
    written = write_atomically(target, artifacts, originals=user_file_paths(source, spec), force=force)
    return GridBuild(grid, target / _file_names(grid)["cwl"], written, image)
