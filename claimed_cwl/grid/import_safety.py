"""Grid operators must import cleanly: every worker imports the module to call its process function.

A script whose module level does the work (no ``if __name__ == "__main__":``
guard) would run it in every worker, before any batch, with no batch's
parameters: it crashes or repeats the whole job. :func:`check_import_safety`
finds such statements with ``ast``: calls, loops and ``with`` blocks at module
level are an error; an assignment from a call (``model = load()``) is a
warning, since loading something once per worker can be meant.
"""

from __future__ import annotations

import ast
import logging
from pathlib import Path

from claimed_cwl.errors import OperatorError

__all__ = ["check_import_safety"]

log = logging.getLogger(__name__)

# Calls that configure rather than work: allowed at module level.
_CHEAP_CALLS = frozenset(
    {
        *("int", "float", "str", "bool", "list", "dict", "set", "tuple", "frozenset", "len", "range", "print"),
        *("getenv", "get", "getLogger", "basicConfig", "filterwarnings", "simplefilter", "set_option", "join"),
        *("Path", "compile", "append", "insert", "setLevel", "namedtuple", "TypeVar", "field", "dataclass"),
        *("seed", "lower", "upper", "strip", "split", "format", "expanduser", "abspath", "dirname", "basename"),
        *("use", "makedirs", "environ", "partial", "setdefault", "update"),
    }
)


def check_import_safety(path: Path, text: str, process: str) -> None:
    """Raise OperatorError naming each module-level statement that works at import; warn for costly assignments."""
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError:
        return  # the parser reported it already
    errors: list[str] = []
    for statement in tree.body:
        problem, fatal = _problem(statement, process)
        if not problem:
            continue
        if fatal:
            errors.append(f"line {statement.lineno}: {problem}")
        else:
            log.warning("%s:%d: %s runs when each grid worker imports the module (before any batch); make sure it "
                        "needs no batch parameter", path, statement.lineno, problem)
    if errors:
        raise OperatorError(
            path, 0,
            "a grid operator's module must not do its work when imported: every worker imports it to call "
            f"{process}() per batch, so this code would run in each worker first ({'; '.join(errors)}). "
            "Put it under 'if __name__ == \"__main__\":' or inside a function.",
        )


_DECLARATIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_BLOCKS = (ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)


def _problem(statement: ast.stmt, process: str) -> tuple[str, bool]:
    """What a module-level statement does at import, and whether it is an error (else a warning)."""
    if isinstance(statement, _DECLARATIONS) or (isinstance(statement, ast.If) and _is_main_guard(statement.test)):
        return "", False
    if isinstance(statement, ast.If | ast.Try):
        inner = [*statement.body, *statement.orelse]
        if isinstance(statement, ast.Try):
            inner += [*statement.finalbody, *(stmt for handler in statement.handlers for stmt in handler.body)]
        return _worst([_problem(stmt, process) for stmt in inner])
    if isinstance(statement, _BLOCKS):
        return f"a {type(statement).__name__.lower().replace('async', 'async ')} block", True
    return _expression_problem(statement, process)


def _expression_problem(statement: ast.stmt, process: str) -> tuple[str, bool]:
    """A module-level expression or assignment: a call is an error, an assignment from a call a warning."""
    value = statement.value if isinstance(statement, ast.Expr | ast.Assign | ast.AnnAssign | ast.AugAssign) else None
    call = _costly_call(value) if value is not None else None
    if call is None:
        return "", False
    if isinstance(statement, ast.Expr) or call == process:
        return f"a call to {call}()", True
    return f"an assignment from {call}()", False


def _worst(problems: list[tuple[str, bool]]) -> tuple[str, bool]:
    fatal = [p for p in problems if p[0] and p[1]]
    found = fatal or [p for p in problems if p[0]]
    return found[0] if found else ("", False)


def _is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


def _costly_call(node: ast.expr) -> str | None:
    """The name of the first call in ``node`` that is not a cheap configuration call; None if none."""
    for inner in ast.walk(node):
        if isinstance(inner, ast.Call):
            name = _call_name(inner.func)
            if name not in _CHEAP_CALLS:
                return name
    return None


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return "<expression>"
