"""Steps, their output references, and the factories that make them.

A :class:`StepFactory` wraps one process (a CWL tool or a Workflow). Calling
it inside a ``with Workflow(...)`` block adds a :class:`Step` to that workflow;
every argument is checked at once against the process's typed inputs, so a
wrong link fails at the line that makes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from claimed_cwl.workflow import _context
from claimed_cwl.workflow.process import Interface, Port
from claimed_cwl.workflow.types import PortType, WorkflowError, can_feed, literal_fits, literal_to_cwl

if TYPE_CHECKING:
    from claimed_cwl.workflow.workflow import Workflow

__all__ = ["InputRef", "OutputRef", "Ref", "Step", "StepFactory"]

STEP_ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


class Ref:
    """A value inside a workflow: one of its inputs, or an output of one of its steps."""

    def __init__(self, workflow: Workflow, name: str, port_type: PortType) -> None:
        self.workflow = workflow
        self.name = name
        self.type = port_type

    def source(self) -> str:
        """Return the CWL ``source`` text of this value."""
        raise NotImplementedError

    def describe(self) -> str:
        """Return how error messages name this value."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.describe()}: {self.type}>"


class InputRef(Ref):
    """A workflow input (what ``Workflow.input`` returns)."""

    def source(self) -> str:
        """Return the input's id."""
        return self.name

    def describe(self) -> str:
        """Return ``input 'name' of workflow 'wf'``."""
        return f"input '{self.name}' of workflow '{self.workflow.name}'"


class OutputRef(Ref):
    """An output of a step (``step.outputs.name`` or ``step["name"]``)."""

    def __init__(self, step: Step, name: str, port_type: PortType) -> None:
        super().__init__(step.workflow, name, port_type)
        self.step = step

    def source(self) -> str:
        """Return ``step/output``."""
        return f"{self.step.id}/{self.name}"

    def describe(self) -> str:
        """Return ``step.output``."""
        return f"{self.step.id}.{self.name}"


class _Outputs:
    """Attribute access to a step's outputs: ``step.outputs.report``."""

    def __init__(self, step: Step) -> None:
        self._step = step

    def __getattr__(self, name: str) -> OutputRef:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._step[name]

    def __iter__(self) -> Iterator[OutputRef]:
        return (self._step[port.name] for port in self._step.interface.outputs)

    def __dir__(self) -> list[str]:
        return [port.name for port in self._step.interface.outputs]


class Step:
    """One step of a workflow: a process, its input bindings, optional scatter and ordering."""

    def __init__(self, workflow: Workflow, factory: StepFactory, step_id: str, scatter: str | None) -> None:
        self.workflow = workflow
        self.factory = factory
        self._id = step_id
        self.scatter = scatter
        self.bindings: dict[str, Ref | Any] = {}
        self.after_steps: list[Step] = []

    @property
    def id(self) -> str:
        """Return the step id in the CWL Workflow."""
        return self._id

    @property
    def interface(self) -> Interface:
        """Return the interface of the process this step runs."""
        return self.factory.interface

    @property
    def outputs(self) -> _Outputs:
        """Return the step's outputs, by attribute: ``step.outputs.report``."""
        return _Outputs(self)

    def __getitem__(self, name: str) -> OutputRef:
        port = self.interface.output(name)
        if port is None:
            names = ", ".join(p.name for p in self.interface.outputs) or "none"
            raise WorkflowError(f"step '{self.id}' ({self.interface.name}) has no output '{name}'; outputs: {names}")
        port_type = port.type.array() if self.scatter else port.type
        return OutputRef(self, name, port_type)

    def named(self, step_id: str) -> Step:
        """Give the step the id ``step_id`` (instead of the one made from the tool name); returns the step."""
        self.workflow.rename_step(self, step_id)
        self._id = step_id
        return self

    def after(self, *steps: Step) -> Step:
        """Run this step only after ``steps`` have finished, with no data between them; returns the step.

        CWL has no control dependency. It is written as a link from an output
        of each earlier step into an extra step input (``claimed_after_<step>``)
        that is not an input of the process: CWL v1.2 allows step inputs the
        process does not declare (they are not passed on), and every runner
        waits for all of a step's inputs before it starts the step.
        """
        for other in steps:
            if not isinstance(other, Step):
                raise WorkflowError(f"step '{self.id}': after() takes steps, got {other!r}")
            if other.workflow is not self.workflow:
                raise WorkflowError(f"step '{self.id}': after() names step '{other.id}' of another workflow")
            if not other.interface.outputs and other.interface.kind != "CommandLineTool":
                raise WorkflowError(
                    f"step '{self.id}': cannot run after step '{other.id}': it has no output to wait for"
                )
            self.workflow.check_no_cycle(self, other)
            if other not in self.after_steps:
                self.after_steps.append(other)
        return self

    def upstream(self) -> list[Step]:
        """Return the steps this one waits for: data sources, then ``after`` steps, without repeats."""
        found: dict[int, Step] = {}
        for value in self.bindings.values():
            if isinstance(value, OutputRef):
                found.setdefault(id(value.step), value.step)
        for other in self.after_steps:
            found.setdefault(id(other), other)
        return list(found.values())

    def __repr__(self) -> str:
        return f"<Step {self.id} ({self.interface.name})>"


class StepFactory:
    """Makes steps that run one process; call it with the step's inputs as keyword arguments."""

    def __init__(self, process: Any, interface: Interface, origin: str = "") -> None:
        self.process = process
        self.interface = interface
        self.origin = origin

    @property
    def name(self) -> str:
        """Return the process name; step ids are made from it."""
        return self.interface.name

    def __call__(self, **arguments: Any) -> Step:
        """Add a step running this process to the current workflow, with ``arguments`` as its inputs."""
        return self._make(arguments, scatter=None)

    def scatter(self, input_name: str, /, over: Ref, **arguments: Any) -> Step:
        """Add a step that runs once per item of the list ``over``, fed to input ``input_name``.

        The step's outputs become lists (one item per run, in order).
        """
        return self._make({**arguments, input_name: over}, scatter=input_name)

    def __repr__(self) -> str:
        return f"<StepFactory {self.name} ({self.interface.kind})>"

    def _make(self, arguments: dict[str, Any], scatter: str | None) -> Step:
        workflow = _context.current(f"{self.name}(...)")
        step = Step(workflow, self, workflow.new_step_id(self.name), scatter)
        for name, value in arguments.items():
            port = self.interface.input(name)
            if port is None:
                names = ", ".join(p.variable or p.name for p in self.interface.inputs) or "none"
                raise WorkflowError(f"step '{step.id}' ({self.name}) has no input '{name}'; its inputs: {names}")
            if port.name in step.bindings:
                raise WorkflowError(f"step '{step.id}' ({self.name}): input '{name}' is given twice")
            step.bindings[port.name] = _check_binding(step, port, value, scattered=name == scatter)
        if scatter is not None:
            port = self.interface.input(scatter)
            scatter = port.name if port is not None else scatter
            step.scatter = scatter
        for port in self.interface.inputs:
            if port.required and port.name not in step.bindings:
                raise WorkflowError(
                    f"step '{step.id}' ({self.name}): missing required input '{port.name}' ({port.type})"
                )
        workflow.add_step(step)
        return step


def _check_binding(step: Step, port: Port, value: Any, scattered: bool) -> Any:
    """Check one argument against its input port; return what the step stores for it."""
    where = f"{step.id}.{port.name}"
    if isinstance(value, Step):
        raise WorkflowError(f"{where}: got step '{value.id}'; pass one of its outputs, e.g. {value.id}.outputs.NAME")
    if not isinstance(value, Ref):
        if scattered:
            raise WorkflowError(f"{where}: scatter needs a workflow input or step output that is a list")
        if not literal_fits(value, port.type):
            raise WorkflowError(f"{where} ({port.type}): {value!r} is not a valid {port.type} value")
        return literal_to_cwl(value)
    if value.workflow is not step.workflow:
        raise WorkflowError(
            f"{where}: {value.describe()} belongs to workflow '{value.workflow.name}', not '{step.workflow.name}'; "
            "pass it in as an input of the subworkflow"
        )
    source_type = value.type
    if scattered:
        if source_type.kind != "array" or source_type.items is None:
            raise WorkflowError(f"{where}: scatter needs a list, but {value.describe()} is {source_type}")
        source_type = source_type.items
    if not can_feed(source_type, port.type):
        raise WorkflowError(f"type mismatch: {value.describe()} ({source_type}) -> {where} ({port.type})")
    return value
