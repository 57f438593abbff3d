"""The grid image: the operator's own build context and layers, plus the in-image runtime.

The operator's layers (:func:`claimed_cwl.emit.dockerfile.dockerfile_layers`)
are kept as they are; the grid adds boto3 to the dependency layers (S3 backend)
and the runtime to the files, so the user's code and its dependency layers are
exactly those of the operator image.
The runtime is the standard-library package ``claimed_cwl.runtime.grid`` (plus boto3
for the S3 backend), copied to ``/opt/claimed/claimed_cwl`` on ``PYTHONPATH`` and compiled
to bytecode with the operator script at build time.
"""

from __future__ import annotations

import shlex
from dataclasses import replace
from importlib import resources

from claimed_cwl.emit._yaml import generated_header
from claimed_cwl.emit.dockerfile import Layers, copy_instruction, dockerfile_layers
from claimed_cwl.emit.launch import LAUNCHER_DIR, script_path
from claimed_cwl.emit.settings import DockerfileSettings
from claimed_cwl.grid.spec import GridSpec
from claimed_cwl.runtime.s3 import BOTO3_REQUIREMENT

__all__ = ["RUNTIME_DIR", "emit_grid_dockerfile", "grid_layers", "runtime_files"]

RUNTIME_DIR = "claimed_grid_runtime"
_PACKAGE_FILES = ("__init__.py",)
_RUNTIME_PACKAGES = ("runtime", "runtime/grid")


def runtime_files() -> dict[str, bytes]:
    """The in-container runtime by build-context name: ``claimed_grid_runtime/claimed_cwl/runtime/...``."""
    root = resources.files("claimed_cwl")
    files = {f"{RUNTIME_DIR}/claimed_cwl/{name}": root.joinpath(name).read_bytes() for name in _PACKAGE_FILES}
    for package in _RUNTIME_PACKAGES:
        for entry in sorted(root.joinpath(package).iterdir(), key=lambda item: item.name):
            if entry.name.endswith(".py"):
                files[f"{RUNTIME_DIR}/claimed_cwl/{package}/{entry.name}"] = entry.read_bytes()
    return files


def grid_layers(grid: GridSpec, settings: DockerfileSettings) -> Layers:
    """The grid image's layers: the operator's, plus boto3 (S3) with the dependencies and the runtime's files."""
    layers = dockerfile_layers(grid.operator, settings)
    python = (*layers.python, f"RUN python -m pip install --no-cache-dir {shlex.quote(BOTO3_REQUIREMENT)}")
    # Compiled once here: every batch (a container each, per batch) would otherwise compile the runtime and
    # the operator again, as the image's user cannot write their caches.
    compiled = shlex.join(["python", "-m", "compileall", "-q", f"{LAUNCHER_DIR}/claimed_cwl",
                           script_path(grid.operator)])
    runtime = (copy_instruction(f"{RUNTIME_DIR}/claimed_cwl/", f"{LAUNCHER_DIR}/claimed_cwl/"),
               f"ENV PYTHONPATH={LAUNCHER_DIR}", f"RUN {compiled}")
    return replace(layers, python=python if grid.backend == "s3" else layers.python,
                   files=(*layers.files, *runtime))


def emit_grid_dockerfile(grid: GridSpec, settings: DockerfileSettings) -> str:
    """Render the grid image's Dockerfile (:func:`grid_layers`)."""
    return grid_layers(grid, settings).render(generated_header(grid.operator.source_file))
