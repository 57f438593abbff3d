"""The grid CWL Workflow: list batches -> scatter per batch -> report, or N looping workers -> report.

Built with the cwl-utils object model, with the tools inline, so one
self-contained, deterministic file runs with ``cwltool``, ``toil-cwl-runner``
or ``claimed-cwl run``. In ``--workers`` mode there is no list step: each worker
lists (and validates) the batches itself before it takes any, as does the report,
so the run pays for N + 1 jobs, not N + 2.
"""

from __future__ import annotations

from typing import Any

from cwl_utils.parser import cwl_v1_2 as cwl

from claimed_cwl.emit._yaml import dump_yaml, generated_header
from claimed_cwl.emit.cwl import normalise_document
from claimed_cwl.emit.settings import ImageSettings
from claimed_cwl.grid.spec import GridSpec
from claimed_cwl.grid.tools import cwl_type, list_tool, report_tool, worker_tool
from claimed_cwl.runtime.grid.settings import COORDINATOR, SETTINGS, WORKER_IDS, settings_for

__all__ = ["build_grid_workflow", "emit_grid_cwl"]

_FILE_ARRAY = {"type": "array", "items": "File"}


def emit_grid_cwl(grid: GridSpec, image: ImageSettings) -> str:
    """Render the grid workflow as YAML text."""
    document = build_grid_workflow(grid, image).save(top=True)
    header = f"#!/usr/bin/env cwl-runner\n{generated_header(grid.operator.source_file)}"
    return dump_yaml(normalise_document(document), header=header)


def _inputs(grid: GridSpec, worker: cwl.CommandLineTool) -> list[Any]:
    """Workflow inputs: the operator's parameters (types, defaults, docs as its tool has them), then the settings."""
    setting_names = {setting.name for setting in SETTINGS}
    inputs = [
        cwl.WorkflowInputParameter(id=_short(p.id), type_=p.type_, default=p.default, doc=p.doc)
        for p in worker.inputs
        if _short(p.id) not in {"batch", "worker", *setting_names}
    ]
    for setting in settings_for("", grid.backend, workers=grid.workers is not None):
        type_ = setting.cwl_type(grid.backend)
        if not type_:
            continue
        default: Any = setting.default if isinstance(setting.default, bool) else None
        if setting is WORKER_IDS:
            default = list(range(1, (grid.workers or 0) + 1))
        inputs.append(cwl.WorkflowInputParameter(id=setting.name, type_=cwl_type(type_), default=default,
                                                 doc=setting.described(grid.backend)))
    return inputs


def _short(identifier: str) -> str:
    return identifier.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _link(names: list[str], step_names: set[str]) -> list[cwl.WorkflowStepInput]:
    return [cwl.WorkflowStepInput(id=name, source=name) for name in names if name in step_names]


def _per_job_location(job_key: str) -> str:
    """A step-input expression giving each scatter job its own location of one shared Directory.

    cwltool's MutationManager lets only one job per run update a location in
    place; a ``?claimed_job=...`` query makes every job's location distinct,
    and cwltool maps a ``file:`` location to its path without the query, so all
    jobs bind-mount the same host directory. The basename is given too: Toil
    does not fill it in for an expression's Directory.
    """
    return ('$(self === null ? null : {"class": "Directory", "basename": self.basename, '
            '"location": self.location + "?claimed_job=" + '
            f"encodeURIComponent(String(inputs.{job_key}))}})")


def _shared_in_place(grid: GridSpec, worker_in: list[cwl.WorkflowStepInput], job_key: str) -> bool:
    """Give every shared Directory a per-job location; True when there was one (JavaScript is then needed)."""
    shared = set(grid.writable) | ({COORDINATOR.name} if grid.backend == "local" else set())
    for step_input in worker_in:
        if step_input.id in shared:
            step_input.valueFrom = _per_job_location(job_key)
    return bool(shared)


def build_grid_workflow(grid: GridSpec, image: ImageSettings) -> cwl.Workflow:
    """Return the grid workflow as a cwl-utils object."""
    worker, reporter = worker_tool(grid, image), report_tool(grid, image)
    lister = list_tool(grid, image) if grid.workers is None else None
    inputs = _inputs(grid, worker)
    names = [param.id for param in inputs]
    worker_in = _link(names, {_short(p.id) for p in worker.inputs})
    report_in = _link(names, {_short(p.id) for p in reporter.inputs})
    if lister is None:
        worker_in.append(cwl.WorkflowStepInput(id="worker", source=WORKER_IDS.name))
        scatter = "worker"
    else:
        worker_in.append(cwl.WorkflowStepInput(id="batch", source="list_batches/batches"))
        report_in.append(cwl.WorkflowStepInput(id="batches_json", source="list_batches/batches_json"))
        scatter = "batch"
    if lister is None:
        report_in.append(cwl.WorkflowStepInput(id="results", source="run_batches/result"))
    else:  # the batches done before this run, which no scatter job ran, then each job's outcome
        report_in.append(cwl.WorkflowStepInput(id="results", source=["list_batches/skipped", "run_batches/result"],
                                               linkMerge="merge_flattened"))
    uses_js = _shared_in_place(grid, worker_in, scatter)
    namespaces = worker.extension_fields
    for tool in (lister, worker, reporter):
        if tool is not None:
            tool.id = None  # type: ignore[assignment]  # inline: the step id names it
    worker.extension_fields = {}  # $namespaces belong to the top-level document only
    steps = [
        cwl.WorkflowStep(id="run_batches", run=worker, in_=worker_in, out=["result"], scatter=scatter),
        cwl.WorkflowStep(id="report_batches", run=reporter, in_=report_in, out=["report"]),
    ]
    if lister is not None:
        steps.insert(0, cwl.WorkflowStep(id="list_batches", run=lister,
                                         in_=_link(names, {_short(p.id) for p in lister.inputs}),
                                         out=["batches", "batches_json", "skipped"]))
    requirements: list[Any] = [cwl.ScatterFeatureRequirement()]
    if lister is not None:
        requirements.append(cwl.MultipleInputFeatureRequirement())
    if uses_js:
        requirements += [cwl.InlineJavascriptRequirement(), cwl.StepInputExpressionRequirement()]
    mode = "one scatter job per batch" if grid.workers is None else f"{grid.workers} workers looping over the batches"
    return cwl.Workflow(
        cwlVersion="v1.2",
        id=grid.name,
        label=grid.name,
        doc=f"Grid of {grid.operator.name}: {grid.process}(batch_id, ...) per batch, {mode}, coordinated through "
            f"a {'directory' if grid.backend == 'local' else 'S3 prefix'}.",
        requirements=requirements,
        inputs=inputs,
        outputs=[
            cwl.WorkflowOutputParameter(id="report", type_="File", outputSource="report_batches/report"),
            cwl.WorkflowOutputParameter(id="results", type_=_FILE_ARRAY, outputSource="run_batches/result"),
        ],
        steps=steps,
        extension_fields=namespaces,
    )
