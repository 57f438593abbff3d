"""The Workflow: inputs, steps and outputs, defined in a ``with`` block.

::

    with Workflow("count-words") as wf:
        text = wf.input("text", File)
        words = split(text=text)
        wf.output("counts", count.scatter("chunk", over=words.outputs.chunks).outputs.count)
    wf.save("out/")

Steps created inside the block belong to the workflow. A finished workflow can
be used as a step of another one (a subworkflow): call it like a factory.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import TracebackType
from typing import Any

from claimed_cwl.workflow import _context
from claimed_cwl.workflow.process import Interface, Port
from claimed_cwl.workflow.step import STEP_ID_RE, InputRef, Ref, Step, StepFactory
from claimed_cwl.workflow.types import (
    PortType,
    WorkflowError,
    literal_fits,
    literal_to_cwl,
    port_type_from_python,
)

__all__ = ["MISSING", "Workflow", "WorkflowInput"]

_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_PORT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class WorkflowInput:
    """A declared workflow input."""

    def __init__(self, ref: InputRef, default: Any, doc: str) -> None:
        self.ref = ref
        self.default = default
        self.doc = doc

    @property
    def has_default(self) -> bool:
        """Return True when a default was given (None counts: the input is then optional)."""
        return self.default is not MISSING


class Workflow:
    """A CWL v1.2 Workflow built from Python. Use it as a context manager to add steps."""

    def __init__(self, name: str, doc: str = "") -> None:
        if not _NAME_RE.match(name):
            raise WorkflowError(f"workflow name {name!r} must start with a letter; letters, digits, '_', '-' only")
        self.name = name
        self.doc = doc
        self.inputs: dict[str, WorkflowInput] = {}
        self.outputs: dict[str, Ref] = {}
        self.steps: list[Step] = []
        self._factory: StepFactory | None = None

    def __enter__(self) -> Workflow:
        _context.push(self)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        _context.pop(self)

    def __repr__(self) -> str:
        return f"<Workflow {self.name}: {len(self.steps)} steps>"

    # -- definition -------------------------------------------------------

    def input(self, name: str, type_: Any, default: Any = MISSING, doc: str = "") -> InputRef:
        """Declare a workflow input of type ``type_`` (int, float, str, bool, File, Directory, list[...]).

        With ``default`` the input may be left out of the job; ``default=None``
        makes it optional with no value.
        """
        self._check_new_name(name, "input")
        port_type = port_type_from_python(type_)
        if default is None:
            port_type = PortType(port_type.kind, port_type.items, port_type.members, optional=True)
        elif default is not MISSING and not literal_fits(default, port_type):
            raise WorkflowError(f"workflow '{self.name}' input '{name}' ({port_type}): bad default {default!r}")
        ref = InputRef(self, name, port_type)
        self.inputs[name] = WorkflowInput(ref, default, doc)
        return ref

    def output(self, name: str, value: Ref) -> None:
        """Declare a workflow output ``name`` that takes ``value`` (a step output or a workflow input)."""
        self._check_new_name(name, "output")
        if not isinstance(value, Ref):
            raise WorkflowError(f"workflow '{self.name}' output '{name}': expected a step output, got {value!r}")
        if value.workflow is not self:
            raise WorkflowError(
                f"workflow '{self.name}' output '{name}': {value.describe()} is not of this workflow"
            )
        self.outputs[name] = value

    def _check_new_name(self, name: str, what: str) -> None:
        if not _PORT_RE.match(name):
            raise WorkflowError(f"workflow '{self.name}' {what} name {name!r} must be an identifier")
        if name in self.inputs or name in self.outputs or any(step.id == name for step in self.steps):
            raise WorkflowError(f"workflow '{self.name}': {what} name '{name}' is already used")

    # -- steps (called by StepFactory and Step) ---------------------------

    def new_step_id(self, base: str) -> str:
        """Return a step id made from ``base`` that no step, input or output uses yet."""
        base = re.sub(r"[^A-Za-z0-9_.-]", "-", base) or "step"
        if not base[0].isalpha() and base[0] != "_":
            base = f"step-{base}"
        taken = {step.id for step in self.steps} | set(self.inputs) | set(self.outputs)
        candidate, number = base, 1
        while candidate in taken:
            number += 1
            candidate = f"{base}-{number}"
        return candidate

    def add_step(self, step: Step) -> None:
        """Append ``step`` (its bindings already checked)."""
        self.steps.append(step)

    def rename_step(self, step: Step, step_id: str) -> None:
        """Check that ``step`` may be called ``step_id``."""
        if not STEP_ID_RE.match(step_id):
            raise WorkflowError(f"step id {step_id!r} must start with a letter and hold only letters, digits, '_.-'")
        if any(other.id == step_id for other in self.steps if other is not step) or step_id in self.inputs:
            raise WorkflowError(f"workflow '{self.name}': step id '{step_id}' is already used")

    def check_no_cycle(self, step: Step, before: Step) -> None:
        """Raise if making ``step`` wait for ``before`` closes a cycle; the message lists the steps."""
        path = _path(before, step)
        if path is not None:
            chain = " -> ".join(s.id for s in [step, *path])
            raise WorkflowError(f"workflow '{self.name}': cycle between steps: {chain}")

    # -- use as a subworkflow ---------------------------------------------

    def interface(self) -> Interface:
        """Return this workflow's ports, as a step of another workflow sees them."""
        inputs = tuple(
            Port(name, item.ref.type, required=not item.has_default and not item.ref.type.optional, doc=item.doc)
            for name, item in self.inputs.items()
        )
        outputs = tuple(Port(name, ref.type) for name, ref in self.outputs.items())
        return Interface(self.name, "Workflow", inputs, outputs)

    def as_factory(self) -> StepFactory:
        """Return a step factory that runs this workflow as a subworkflow."""
        return StepFactory(self, self.interface(), origin=f"workflow {self.name}")

    def __call__(self, **arguments: Any) -> Step:
        """Add this workflow as a step (a subworkflow) of the workflow being defined."""
        self._check_not_inside(_context.current(f"{self.name}(...)"))
        return self.as_factory()(**arguments)

    def scatter(self, input_name: str, /, over: Ref, **arguments: Any) -> Step:
        """Add this workflow as a scattered subworkflow step (see :meth:`StepFactory.scatter`)."""
        self._check_not_inside(_context.current(f"{self.name}.scatter(...)"))
        return self.as_factory().scatter(input_name, over=over, **arguments)

    def _check_not_inside(self, parent: Workflow) -> None:
        if parent is self or parent in self.subworkflows():
            raise WorkflowError(f"workflow '{self.name}' cannot be a step of '{parent.name}': it contains it")

    def subworkflows(self) -> list[Workflow]:
        """Return every workflow used as a step in this one, at any depth, each once."""
        found: list[Workflow] = []
        for step in self.steps:
            process = step.factory.process
            if isinstance(process, Workflow) and process not in found:
                found.append(process)
                found.extend(w for w in process.subworkflows() if w not in found)
        return found

    # -- output -----------------------------------------------------------

    def default_value(self, name: str) -> Any:
        """Return the CWL default of input ``name`` (None when it has none)."""
        item = self.inputs[name]
        return literal_to_cwl(item.default) if item.has_default else None

    def save(self, directory: str | Path) -> Path:
        """Write ``<name>.cwl`` and every tool and subworkflow it runs into ``directory``; return the main file."""
        from claimed_cwl.workflow.save import save_workflow  # noqa: PLC0415 (save.py imports this module)

        return save_workflow(self, Path(directory))

    def pack(self, path: str | Path) -> Path:
        """Write one self-contained packed CWL file (as ``cwltool --pack``) to ``path``; return it."""
        from claimed_cwl.workflow.save import pack_workflow  # noqa: PLC0415 (save.py imports this module)

        return pack_workflow(self, Path(path))


def _path(start: Step, goal: Step) -> list[Step] | None:
    """Return the steps from ``start`` back through what it waits for to ``goal`` (None: not reached)."""
    if start is goal:
        return [start]
    for previous in start.upstream():
        rest = _path(previous, goal)
        if rest is not None:
            return [start, *rest]
    return None

