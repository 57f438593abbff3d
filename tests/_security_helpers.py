"""Shared by the security tests: a workflow that runs the secret probe operator twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from claimed_cwl.emit import ImageSettings

__all__ = ["PROBE", "probe_workflow"]

PROBE = Path(__file__).parent / "e2e" / "security" / "secret_probe.py"


def probe_workflow(token_default: Any = None, literal: str | None = None) -> Any:
    """The probe operator twice; ``token_default`` or ``literal`` write a secret into the pipeline (refused)."""
    from claimed_cwl.workflow import Workflow, load_operator

    probe = load_operator(PROBE, ImageSettings(repository="claimed-test", version="security"))
    with Workflow("probe-twice", doc="The probe, twice.") as wf:
        token = wf.input("token", str) if token_default is None else wf.input("token", str, default=token_default)
        key = wf.input("key", "File", default=None)
        first = probe(api_token=token, private_key_file=key)
        second = probe(api_token=literal or token)
        wf.output("first", first.outputs.output_report)
        wf.output("second", second.outputs.output_report)
    return wf
