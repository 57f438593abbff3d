"""Preflight checks: every resource a run needs, reachable and present before anything is submitted."""

from claimed_cwl.check.images import document_images, image_in_registry
from claimed_cwl.check.plan import run_checks
from claimed_cwl.check.result import CheckResult

__all__ = ["CheckResult", "document_images", "image_in_registry", "run_checks"]
