"""The stack of workflows being defined (``with Workflow(...)`` blocks), innermost last."""

from __future__ import annotations

from typing import TYPE_CHECKING

from claimed_cwl.workflow.types import WorkflowError

if TYPE_CHECKING:
    from claimed_cwl.workflow.workflow import Workflow

_STACK: list[Workflow] = []


def push(workflow: Workflow) -> None:
    """Enter ``workflow``: steps created from now on belong to it."""
    _STACK.append(workflow)


def pop(workflow: Workflow) -> None:
    """Leave ``workflow`` (the innermost one)."""
    if _STACK and _STACK[-1] is workflow:
        _STACK.pop()


def current(what: str) -> Workflow:
    """Return the innermost workflow being defined; WorkflowError naming ``what`` outside of any."""
    if not _STACK:
        raise WorkflowError(f"{what}: a step can only be created inside a 'with Workflow(...):' block")
    return _STACK[-1]
