"""The stack of workflows being defined (``with Workflow(...)`` blocks), innermost last.

The stack is a context variable: each thread (and each asyncio task) defines its own workflows.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

from claimed_cwl.workflow.types import WorkflowError

if TYPE_CHECKING:
    from claimed_cwl.workflow.workflow import Workflow

_STACK: ContextVar[tuple[Workflow, ...]] = ContextVar("claimed_cwl_workflows", default=())


def push(workflow: Workflow) -> None:
    """Enter ``workflow``: steps created from now on belong to it."""
    _STACK.set((*_STACK.get(), workflow))


def pop(workflow: Workflow) -> None:
    """Leave ``workflow`` (the innermost one)."""
    stack = _STACK.get()
    if stack and stack[-1] is workflow:
        _STACK.set(stack[:-1])


def current(what: str) -> Workflow:
    """Return the innermost workflow being defined; WorkflowError naming ``what`` outside of any."""
    stack = _STACK.get()
    if not stack:
        raise WorkflowError(f"{what}: a step can only be created inside a 'with Workflow(...):' block")
    return stack[-1]
