"""A :class:`Workflow` as a cwl-utils ``cwl_v1_2.Workflow`` object.

Ordering without data (``step.after(other)``) is a link from an output of
``other`` into an extra step input named ``claimed_after_<other>``; the process
does not declare that input, so it is not passed on (CWL v1.2 allows such step
inputs, see the conformance test ``valuefrom_wf_step_other``), but the runner
waits for it. A CommandLineTool without outputs gets, in the workflow's own
copy, one optional output ``claimed_done`` whose glob never matches: it is
null when the tool has finished, which is all the link needs.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from cwl_utils.parser import cwl_v1_2 as cwl

from claimed_cwl.workflow.step import Ref, Step
from claimed_cwl.workflow.workflow import Workflow

__all__ = ["AFTER_PREFIX", "DONE_OUTPUT", "build_workflow", "needs_done_output", "with_done_output"]

AFTER_PREFIX = "claimed_after_"
DONE_OUTPUT = "claimed_done"
_DONE_GLOB = ".claimed-done-never-written"


def needs_done_output(workflow: Workflow) -> set[int]:
    """Return the ids (``id()``) of the processes that need the ``claimed_done`` output in ``workflow``."""
    return {id(other.factory.process) for step in workflow.steps for other in step.after_steps
            if not other.interface.outputs}


def with_done_output(tool: Any) -> Any:
    """Return a copy of the CommandLineTool ``tool`` with the optional, always-null ``claimed_done`` output."""
    tool = copy.deepcopy(tool)
    tool.outputs = [*tool.outputs, cwl.CommandOutputParameter(
        id=DONE_OUTPUT,
        type_=["null", "File"],
        doc="claimed-cwl: null once the tool has finished (lets later steps wait for it)",
        outputBinding=cwl.CommandOutputBinding(glob=_DONE_GLOB),
    )]
    return tool


def build_workflow(workflow: Workflow, run_path: Callable[[Step], str]) -> cwl.Workflow:
    """Return the cwl-utils Workflow; ``run_path(step)`` gives the relative file each step runs."""
    done = needs_done_output(workflow)
    return cwl.Workflow(
        cwlVersion="v1.2",
        id=workflow.name,
        label=workflow.name,
        doc=workflow.doc or None,
        requirements=_requirements(workflow) or None,
        inputs=[_input(workflow, name) for name in workflow.inputs],
        outputs=[
            cwl.WorkflowOutputParameter(id=name, type_=ref.type.to_cwl(), outputSource=ref.source())
            for name, ref in workflow.outputs.items()
        ],
        steps=[_step(step, run_path(step), id(step.factory.process) in done) for step in workflow.steps],
    )


def _requirements(workflow: Workflow) -> list[Any]:
    requirements: list[Any] = []
    if any(step.interface.kind == "Workflow" for step in workflow.steps):
        requirements.append(cwl.SubworkflowFeatureRequirement())
    if any(step.scatter for step in workflow.steps):
        requirements.append(cwl.ScatterFeatureRequirement())
    return requirements


def _input(workflow: Workflow, name: str) -> cwl.WorkflowInputParameter:
    item = workflow.inputs[name]
    return cwl.WorkflowInputParameter(
        id=name, type_=item.ref.type.to_cwl(), default=workflow.default_value(name), doc=item.doc or None
    )


def _step(step: Step, run: str, with_done: bool) -> cwl.WorkflowStep:
    inputs = []
    for port in step.interface.inputs:
        if port.name not in step.bindings:
            continue
        value = step.bindings[port.name]
        if isinstance(value, Ref):
            inputs.append(cwl.WorkflowStepInput(id=port.name, source=value.source()))
        else:
            inputs.append(cwl.WorkflowStepInput(id=port.name, default=value))
    declared = {port.name for port in step.interface.inputs}
    for other in step.after_steps:
        name = f"{AFTER_PREFIX}{other.id}"
        while name in declared:
            name += "_"
        first = other.interface.outputs[0].name if other.interface.outputs else DONE_OUTPUT
        inputs.append(cwl.WorkflowStepInput(id=name, source=f"{other.id}/{first}"))
    outputs = [port.name for port in step.interface.outputs]
    if with_done:
        outputs.append(DONE_OUTPUT)
    return cwl.WorkflowStep(
        id=step.id,
        run=run,
        in_=inputs,
        out=outputs,
        scatter=step.scatter,
    )
