"""A :class:`Workflow` as a cwl-utils ``cwl_v1_2.Workflow`` object.

Ordering without data (``step.after(other)``) is a link from an output of
``other`` into an extra step input named ``claimed_after_<other>``; the process
does not declare that input, so it is not passed on (CWL v1.2 allows such step
inputs, see the conformance test ``valuefrom_wf_step_other``), but the runner
waits for it. A CommandLineTool without outputs gets, in the workflow's own
copy, one optional output ``claimed_done`` whose glob never matches: it is
null when the tool has finished, which is all the link needs.

A workflow input that feeds a secret input of a step is secret too: listed in
the workflow's ``cwltool:Secrets`` (so that runners mask it from the start; a
tool's own list applies only when the tool is run alone) or, for a secret
File or Directory, marked ``claimed:secret``. Such an input may have no
default, and a secret input of a step no literal value: either would write
the secret into the workflow file.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from cwl_utils.parser import cwl_v1_2 as cwl

from claimed_cwl.cwl_secrets import SecretInputs, secret_inputs
from claimed_cwl.emit.cwl import CLAIMED_NAMESPACE, CWLTOOL_NAMESPACE, SECRET_MARK
from claimed_cwl.workflow.step import InputRef, Ref, Step
from claimed_cwl.workflow.types import WorkflowError
from claimed_cwl.workflow.workflow import Workflow

__all__ = [
    "AFTER_PREFIX",
    "DONE_OUTPUT",
    "build_workflow",
    "needs_done_output",
    "with_done_output",
    "workflow_secrets",
]

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
    secrets = workflow_secrets(workflow)
    return cwl.Workflow(
        cwlVersion="v1.2",
        id=workflow.name,
        label=workflow.name,
        doc=workflow.doc or None,
        requirements=_requirements(workflow) or None,
        hints=[{"class": "cwltool:Secrets", "secrets": sorted(secrets.values)}] if secrets.values else None,
        extension_fields=_namespaces(secrets),
        inputs=[_input(workflow, name, secret=name in secrets.paths) for name in workflow.inputs],
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


def _input(workflow: Workflow, name: str, *, secret: bool) -> cwl.WorkflowInputParameter:
    item = workflow.inputs[name]
    return cwl.WorkflowInputParameter(
        id=name, type_=item.ref.type.to_cwl(), default=workflow.default_value(name), doc=item.doc or None,
        extension_fields={SECRET_MARK: True} if secret else None,
    )


def workflow_secrets(workflow: Workflow) -> SecretInputs:
    """The inputs of ``workflow`` that feed a secret input of a step (of a sub-workflow, at any depth).

    Raises WorkflowError for a secret written into the workflow: a default of
    such an input, or a literal value bound to a secret input of a step.
    """
    values: set[str] = set()
    paths: set[str] = set()
    for step in workflow.steps:
        process = step.factory.process
        inner = workflow_secrets(process) if isinstance(process, Workflow) else secret_inputs(process)
        for port, value in step.bindings.items():
            if port not in inner.values | inner.paths:
                continue
            if not isinstance(value, Ref):
                raise WorkflowError(f"step '{step.id}' input '{port}' is secret: bind it to a workflow input, "
                                    "not a value written in the pipeline (it would be written into the workflow file)")
            if isinstance(value, InputRef):
                (values if port in inner.values else paths).add(value.name)
    for name in sorted(values | paths):
        if workflow.default_value(name) is not None:
            raise WorkflowError(f"workflow '{workflow.name}' input '{name}' feeds a secret input: give it no default "
                                "(it would be written into the workflow file); pass the value at run time")
    return SecretInputs(frozenset(values), frozenset(paths))


def _namespaces(secrets: SecretInputs) -> dict[str, Any] | None:
    namespaces = {}
    if secrets.values:
        namespaces["cwltool"] = CWLTOOL_NAMESPACE
    if secrets.paths:
        namespaces["claimed"] = CLAIMED_NAMESPACE
    return {"$namespaces": namespaces} if namespaces else None


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
