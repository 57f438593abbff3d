"""What one run's live display and report need, gathered once before it starts and filled in by its runner.

:func:`run_monitor` reads the job the backend gets (inputs and secrets), finds a
grid's coordinator and batches, and notes the start; the runner shows
:meth:`RunMonitor.display` while it runs and hands over its jobs
(:attr:`RunMonitor.jobs`) when it ends; :meth:`RunMonitor.record` then makes
the :class:`~claimed_cwl.report.model.RunRecord` that the report is written from.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimed_cwl.cwl_secrets import SecretInputs
from claimed_cwl.errors import ClaimedError
from claimed_cwl.report.collect import masked_inputs, output_files
from claimed_cwl.report.grid import GridSource, grid_source
from claimed_cwl.report.live import JobStates, LiveDisplay
from claimed_cwl.report.model import JobRecord, RunRecord

__all__ = ["RunMonitor", "run_monitor"]

log = logging.getLogger(__name__)


@dataclass
class RunMonitor:
    """One run: its document, backend, (secret) inputs, grid, start time, and the jobs its runner saw."""

    document: Path
    backend: str
    values: dict[str, Any] = field(default_factory=dict)
    secrets: SecretInputs = field(default_factory=SecretInputs)
    grid: GridSource | None = None
    quiet: bool = False
    interval: float = 5.0
    started: float = field(default_factory=time.time)
    jobs: tuple[JobRecord, ...] = ()
    steps: tuple[str, ...] | None = None  # the workflow's steps that run a tool; None: not read yet
    notes: list[str] = field(default_factory=list)

    def display(self, jobs: JobStates | None) -> LiveDisplay:
        """The live display of this run, reading the job states from ``jobs`` (None: not followed)."""
        return LiveDisplay(self.document.name, jobs, self.grid, quiet=self.quiet, interval=self.interval)

    def record(self, code: int, outputs: Mapping[str, Any] | None, mask: tuple[str, ...]) -> RunRecord:
        """The report's record of the run that ended with ``code`` and delivered ``outputs``."""
        grid = self.grid.record() if self.grid is not None else None
        return RunRecord(
            document=str(self.document), backend=self.backend, code=code, started=self.started, ended=time.time(),
            jobs=self.jobs + (self._not_started() if code else ()),
            inputs=masked_inputs(self.values, self.secrets, mask),
            outputs=output_files(outputs), grid=grid, notes=tuple(self.notes))

    def tool_steps(self) -> tuple[str, ...]:
        """The workflow's steps that run a tool (not a subworkflow), read from the document when first asked."""
        if self.steps is None:
            from claimed_cwl.runners.job_inputs import load_process  # noqa: PLC0415 - loads cwl-utils

            try:
                self.steps = _tool_steps(load_process(self.document))
            except ClaimedError:
                self.steps = ()
        return self.steps

    def steps_without_jobs(self, names: Iterable[str]) -> list[str]:
        """The tool steps of the workflow that none of the jobs ``names`` ran (``step`` or ``step_N``)."""
        ran = set(names)
        return [step for step in self.tool_steps()
                if step not in ran and not any(name.startswith(f"{step}_") for name in ran)]

    def _not_started(self) -> tuple[JobRecord, ...]:
        """A failed run's tool steps that no job ran: not started."""
        return tuple(JobRecord(step, "not started", cpu_note="the job did not start",
                               memory_note="the job did not start")
                     for step in self.steps_without_jobs(job.name for job in self.jobs))


def _tool_steps(process: Any) -> tuple[str, ...]:
    """Ids of the steps of a workflow that run a tool (an embedded subworkflow's jobs have its inner names)."""
    steps = []
    for step in getattr(process, "steps", None) or []:
        if type(getattr(step, "run", None)).__name__ != "Workflow":
            steps.append(str(step.id).rsplit("#", 1)[-1].rsplit("/", 1)[-1])
    return tuple(steps)


def _job_values(job: Path | None) -> dict[str, Any]:
    if job is None:
        return {}
    from claimed_cwl.runners.job_inputs import read_job  # noqa: PLC0415 - loads cwl-utils

    try:
        return read_job(job)
    except ClaimedError as exc:
        log.debug("the run report shows no inputs: %s", exc)
        return {}


def run_monitor(document: Path, job: Path | None, backend: str, quiet: bool, interval: float = 5.0) -> RunMonitor:
    """The monitor of a run of ``document`` with the job file ``job`` (the one the backend gets).

    The document is read with cwl-utils (cached: the inputs were checked with it) only when inputs are given.
    """
    from claimed_cwl.cwl_secrets import secret_inputs  # noqa: PLC0415
    from claimed_cwl.runners.job_inputs import inputs_of, load_process  # noqa: PLC0415

    monitor = RunMonitor(document, backend, _job_values(job), quiet=quiet, interval=interval)
    if not monitor.values:  # no inputs given: no secret to mask, no grid (its coordinator is an input)
        return monitor
    try:
        process = load_process(document)
    except ClaimedError as exc:  # cwltool may still run what cwl-utils cannot load
        monitor.notes.append(f"the document's inputs could not be read ({exc}): every input value is masked")
        monitor.secrets = SecretInputs(values=frozenset(monitor.values))
        return monitor
    monitor.secrets = secret_inputs(process)
    names = {item.cwl_id for item in inputs_of(process)}
    monitor.steps = _tool_steps(process)
    monitor.grid = grid_source(names, monitor.values)
    if monitor.grid is not None and monitor.grid.problem:
        monitor.notes.append(f"grid: {monitor.grid.problem}")
    return monitor
