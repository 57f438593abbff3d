"""Runners: thin adapters that hand a CWL document and its inputs to cwltool or Toil."""

from claimed_cwl.runners.base import BACKENDS, RunOptions, run_cwl

__all__ = ["BACKENDS", "RunOptions", "run_cwl"]
