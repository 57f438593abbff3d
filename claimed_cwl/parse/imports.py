"""What an operator imports (Python modules, R packages), with the user's location of each.

Python: every absolute ``import``/``from ... import`` at any depth (functions
too) and ``importlib.import_module('x')`` with a literal name; imports under
``try: ... except ImportError`` are optional, those under ``if TYPE_CHECKING``
are left out. R: ``library(x)``, ``require(x)``, ``requireNamespace('x')`` and
``x::f``, base packages left out. The built image is checked for each of them
(:mod:`claimed_cwl.build.import_check`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Sequence

from claimed_cwl.parse.r_tokens import Token, tokenize_r
from claimed_cwl.parse.source import Source
from claimed_cwl.spec import ModuleImport

__all__ = ["R_BASE_PACKAGES", "python_imports", "r_imports"]

_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})
R_BASE_PACKAGES = frozenset(
    [
        "base",
        "compiler",
        "datasets",
        "graphics",
        "grDevices",
        "grid",
        "methods",
        "parallel",
        "splines",
        "stats",
        "stats4",
        "tcltk",
        "tools",
        "utils",
    ]
)
_R_LOADERS = frozenset({"library", "require", "requireNamespace", "loadNamespace", "suppressPackageStartupMessages"})


def python_imports(tree: ast.AST, describe: Callable[[int], str]) -> list[ModuleImport]:
    """Top-level module names imported anywhere in ``tree``, first location each, in source order."""
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: list[tuple[int, str, bool]] = []
    for node in ast.walk(tree):
        names = _imported(node)
        if not names or _type_checking_only(node, parents):
            continue
        optional = _guarded(node, parents)
        found.extend((node.lineno, name, optional) for name in names)  # type: ignore[attr-defined]
    return _merge(found, describe)


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name.split(".")[0] for alias in node.names]
    if isinstance(node, ast.ImportFrom) and not node.level and node.module and node.module != "__future__":
        return [node.module.split(".")[0]]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "import_module"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "importlib"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
        and not node.args[0].value.startswith(".")
    ):
        return [node.args[0].value.split(".")[0]]
    return []


def _guarded(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """True inside the body of a ``try`` whose handlers catch ImportError (or wider)."""
    child, current = node, parents.get(node)
    while current is not None:
        if isinstance(current, ast.Try) and child in current.body:
            for handler in current.handlers:
                if handler.type is None or _names(handler.type) & _IMPORT_ERRORS:
                    return True
        child, current = current, parents.get(current)
    return False


def _names(node: ast.expr) -> set[str]:
    items = node.elts if isinstance(node, ast.Tuple) else [node]
    return {item.id if isinstance(item, ast.Name) else getattr(item, "attr", "") for item in items}


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    current = parents.get(node)
    while current is not None:
        if isinstance(current, ast.If) and "TYPE_CHECKING" in ast.unparse(current.test):
            return True
        current = parents.get(current)
    return False


def _merge(found: Iterable[tuple[int, str, bool]], describe: Callable[[int], str]) -> list[ModuleImport]:
    """One entry per name: its first location; optional only if every import of it is."""
    first: dict[str, tuple[int, bool]] = {}
    for line, name, optional in sorted(found):
        if name in first:
            first[name] = (first[name][0], first[name][1] and optional)
        else:
            first[name] = (line, optional)
    ordered = sorted(first.items(), key=lambda item: item[1][0])
    return [ModuleImport(name, describe(line), optional) for name, (line, optional) in ordered]


def r_imports(source: Source) -> list[ModuleImport]:
    """R packages loaded with library/require/requireNamespace or used as ``pkg::f``, base packages left out."""
    code = [t for t in tokenize_r(source) if t.kind != "comment"]
    found: list[tuple[int, str, bool]] = []
    for index, token in enumerate(code):
        name = _r_loaded(code, index) if token.kind == "name" else None
        if name is None and token.kind == "op" and token.text in ("::", ":::") and index > 0:
            before = code[index - 1]
            name = before.text if before.kind in ("name", "str") else None
        if name and name not in R_BASE_PACKAGES and _r_package_name(name):
            found.append((token.line, name, False))
    return _merge(found, source.describe)


def _r_loaded(code: Sequence[Token], index: int) -> str | None:
    """The package a ``library(x)``-style call loads, when it is written literally."""
    token = code[index]
    if token.text not in _R_LOADERS or index + 2 >= len(code):
        return None
    opening, argument = code[index + 1], code[index + 2]
    if opening.kind != "op" or opening.text != "(" or argument.kind not in ("name", "str"):
        return None
    if index + 3 < len(code) and code[index + 3].kind == "op" and code[index + 3].text == "(":
        return None  # suppressPackageStartupMessages(library(x)): the inner call is read on its own
    if argument.kind == "name" and token.text in ("requireNamespace", "loadNamespace"):
        return None  # a variable holding the name
    return argument.text


def _r_package_name(name: str) -> bool:
    return name[:1].isalpha() and all(c.isalnum() or c == "." for c in name)
