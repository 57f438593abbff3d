"""``claimed-cwl run --provenance DIR``: a Workflow Run RO-Crate (Provenance Run Crate profile) of a run.

:mod:`record` follows the engine's job events (one :class:`StepRecord` per
job: tool, step, times, inputs, outputs); :mod:`crate` writes the crate from
them, the workflow, its inputs and outputs, and each image by digest.
"""

from claimed_cwl.provenance.crate import write_run_crate
from claimed_cwl.provenance.record import JobRecorder, StepRecord

__all__ = ["JobRecorder", "StepRecord", "write_run_crate"]
