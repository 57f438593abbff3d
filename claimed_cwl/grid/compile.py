"""``claimed-cwl grid``: render every grid artifact in memory, write them atomically, optionally build the image.

The output directory is the grid image's docker build context (the operator's
files, the launcher, the grid runtime, the grid Dockerfile) beside the grid
workflow ``<name>-grid.cwl``, the Kubernetes Job ``<name>-grid.job.yaml`` and
the KFP component ``<name>-grid.yaml``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claimed_cwl.build.builder import BuildResult
from claimed_cwl.emit import ArtifactSettings
from claimed_cwl.emit.launch import launcher_files
from claimed_cwl.grid.image import emit_grid_dockerfile, runtime_files
from claimed_cwl.grid.import_safety import check_import_safety
from claimed_cwl.grid.k8s_kfp import emit_grid_job, emit_grid_kfp
from claimed_cwl.grid.process_check import check_process
from claimed_cwl.grid.spec import GridSpec
from claimed_cwl.grid.workflow import emit_grid_cwl
from claimed_cwl.parse import analyse_operator
from claimed_cwl.produce import BuildOptions, Target, produce

if TYPE_CHECKING:
    from docker import DockerClient

__all__ = ["GridBuild", "compile_grid", "grid_target"]


@dataclass(frozen=True)
class GridBuild:
    """What ``compile_grid`` did: the grid spec, the workflow file, all written files, the image (if built)."""

    grid: GridSpec
    cwl: Path
    written: tuple[Path, ...]
    image: BuildResult | None


def grid_target(grid: GridSpec) -> Target:
    """A grid: its workflow, Job and KFP component (which name the image), and its image's build context."""
    names = {"cwl": f"{grid.name}.cwl", "job": f"{grid.name}.job.yaml", "kfp": f"{grid.name}.yaml"}

    def generate(settings: ArtifactSettings) -> dict[str, bytes]:
        return {
            names["cwl"]: emit_grid_cwl(grid, settings.image).encode(),
            names["job"]: emit_grid_job(grid, settings.image, settings.job).encode(),
            names["kfp"]: emit_grid_kfp(grid, settings.image).encode(),
            "Dockerfile": emit_grid_dockerfile(grid, settings.dockerfile).encode(),
            **launcher_files(grid.operator),
            **runtime_files(),
        }

    return Target(grid.operator, grid.image_name, generate, frozenset(names.values()), names["cwl"])


def compile_grid(
    source: Path,
    additional_files: Sequence[Path],
    settings: ArtifactSettings,
    grid_options: dict[str, Any],
    *,
    out_dir: Path | None = None,
    client: DockerClient | None = None,
    force: bool = False,
    keep_old_tags: bool = False,
) -> GridBuild:
    """Parse ``source``, check its process function, then render, build (when ``client`` is given) and write.

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
    produced = produce(grid_target(grid), source, settings, target, client=client,
                       build=BuildOptions(keep_old_tags=keep_old_tags), force=force)
    return GridBuild(grid, produced.main, produced.written, produced.image)
