"""The grid image: the operator's own build context and Dockerfile, plus the ``claimed_cwl.runtime.grid`` runtime.

The operator's Dockerfile (from :func:`claimed_cwl.emit.dockerfile.emit_dockerfile`)
is kept line for line; the grid lines go before its ``chmod`` line, so the
user's code and its dependency layers are exactly those of the operator image.
The runtime is the standard-library package ``claimed_cwl.runtime.grid`` (plus boto3
for the S3 backend), copied to ``/opt/claimed/claimed_cwl`` on ``PYTHONPATH``.
"""

from __future__ import annotations

import json
import shlex
from importlib import resources

from claimed_cwl.emit.dockerfile import emit_dockerfile
from claimed_cwl.emit.launch import LAUNCHER_DIR
from claimed_cwl.emit.settings import DockerfileSettings
from claimed_cwl.grid.spec import GridSpec

__all__ = ["BOTO3_REQUIREMENT", "RUNTIME_DIR", "emit_grid_dockerfile", "runtime_files"]

BOTO3_REQUIREMENT = "boto3>=1.28"
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


def emit_grid_dockerfile(grid: GridSpec, settings: DockerfileSettings) -> str:
    """Render the grid image's Dockerfile: the operator's, plus boto3 (S3) and the runtime before ``RUN chmod``."""
    lines = emit_dockerfile(grid.operator, settings).splitlines()
    if grid.backend == "s3":  # with the other dependency layers, before the sources
        env_at = next(i for i, line in enumerate(lines) if line.startswith("ENV HOME="))
        lines.insert(env_at, f"RUN python -m pip install --no-cache-dir {shlex.quote(BOTO3_REQUIREMENT)}")
    chmod_at = next(i for i, line in enumerate(lines) if line.startswith("RUN chmod"))
    runtime = [
        f"COPY {json.dumps([f'{RUNTIME_DIR}/claimed_cwl/', f'{LAUNCHER_DIR}/claimed_cwl/'])}",
        f"ENV PYTHONPATH={LAUNCHER_DIR}",
    ]
    return "\n".join(lines[:chmod_at] + runtime + lines[chmod_at:]) + "\n"
