"""Compile-time check of the function a grid calls per batch (``--process``), read with ``ast``.

The grid worker imports the operator and calls ``PROCESS(batch_id, ...)``,
binding every further parameter to the module-level variable of the same name
(see :mod:`claimed_cwl.runtime.grid.worker`). What can be seen without running the
script is checked here, so that a misspelt ``--process`` or a parameter with no
variable behind it fails at compile time, not in every scatter job.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from claimed_cwl.grid.spec import GridCompileError

__all__ = ["check_process"]

_Function = ast.FunctionDef | ast.AsyncFunctionDef
# Statements whose bodies run at module level (their names are module-level names).
_BLOCKS = (ast.If, ast.Try, ast.With, ast.For, ast.While, ast.TryStar)


def _module_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement that runs at module level, including those inside if/try/with/for blocks."""
    for statement in body:
        yield statement
        if isinstance(statement, _BLOCKS):
            for field in ("body", "orelse", "finalbody"):
                yield from _module_statements(getattr(statement, field, []) or [])
            for handler in getattr(statement, "handlers", []) or []:
                yield from _module_statements(handler.body)


def _bound_names(statement: ast.stmt) -> Iterator[str]:
    """The names a module-level statement binds."""
    if isinstance(statement, _Function | ast.ClassDef):
        yield statement.name
    elif isinstance(statement, ast.Import | ast.ImportFrom):
        for alias in statement.names:
            yield alias.asname or alias.name.split(".")[0]
    else:
        targets: list[ast.AST] = []
        if isinstance(statement, ast.Assign):
            targets = list(statement.targets)
        elif isinstance(statement, ast.AnnAssign | ast.AugAssign | ast.For):
            targets = [statement.target]
        elif isinstance(statement, ast.With):
            targets = [item.optional_vars for item in statement.items if item.optional_vars is not None]
        for target in targets:
            yield from (node.id for node in ast.walk(target) if isinstance(node, ast.Name))


def check_process(source: Path, process: str) -> None:
    """Raise GridCompileError unless ``source`` defines ``process`` so that the worker can call it."""
    try:
        tree = ast.parse(source.read_bytes(), filename=str(source))
    except (OSError, SyntaxError, ValueError) as exc:  # the operator parser reported these already
        raise GridCompileError(f"{source}: cannot read it to find {process}(): {exc}") from exc
    statements = list(_module_statements(tree.body))
    names = {name for statement in statements for name in _bound_names(statement)}
    functions = [s for s in statements if isinstance(s, _Function) and s.name == process]
    if not functions:
        if process in names:  # bound some other way (an import, an assignment): callable at run time, maybe
            return
        defined = sorted(s.name for s in statements if isinstance(s, _Function))
        raise GridCompileError(
            f"{source}: defines no function {process}(batch_id, ...) at module level (--process {process}); "
            f"its functions: {', '.join(defined) or 'none'}")
    function = functions[-1]  # the last definition wins, as at run time
    args = function.args
    positional = [*args.posonlyargs, *args.args]
    where = f"{source}:{function.lineno}"
    if not positional:
        raise GridCompileError(f"{where}: {process}() must take the batch id as its first parameter")
    if isinstance(function, ast.AsyncFunctionDef):
        raise GridCompileError(f"{where}: {process}() is async; the grid worker calls it as a plain function")
    defaults = len(args.defaults)
    later = [(arg, index >= len(positional) - defaults) for index, arg in enumerate(positional) if index > 0]
    later += [(arg, default is not None) for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True)]
    unbound = [arg.arg for arg, has_default in later if not has_default and arg.arg not in names]
    if unbound:
        raise GridCompileError(
            f"{where}: {process}() parameter(s) {', '.join(unbound)} have no default and no module-level variable "
            "of the same name; the grid worker passes each parameter from the variable of its name")
