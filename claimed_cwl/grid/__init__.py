"""Compile-time side of grid operators: the grid CWL Workflow, image, Kubernetes Job and KFP component.

The in-container runtime is :mod:`claimed_cwl.runtime.grid` (standard library only);
this package imports cwl-utils and never runs inside the image.
"""

from claimed_cwl.grid.spec import GridCompileError, GridSpec
from claimed_cwl.grid.workflow import build_grid_workflow, emit_grid_cwl

__all__ = ["GridCompileError", "GridSpec", "build_grid_workflow", "emit_grid_cwl"]
