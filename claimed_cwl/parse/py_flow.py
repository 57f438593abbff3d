"""Python value flow: which parameter values each expression of an operator may carry.

The value of a read flows through assignments (also tuple unpacking,
``self.x = ...``, module variables used inside functions, dict entries),
string building (``+``, f-strings, ``%``, ``.format``, ``os.path.join``,
``pathlib``), calls into the operator's own functions (arguments to
parameters, return values; a function the module never calls gets the module
variables of its parameters' names, as a grid's ``grid_process`` does) and
``argparse`` defaults (``default=os.environ.get('x')`` -> ``args.x``). The
analysis is flow-insensitive: a variable carries every value ever assigned
to it (at most MAX_ALTERNATIVES). :mod:`claimed_cwl.parse.py_usage` records
what the code then does with each value.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from claimed_cwl.parse.sinks import CLIENT_CONSTRUCTORS, IDENTITY_FUNCTIONS, PATH_METHODS
from claimed_cwl.parse.usage import MAX_ALTERNATIVES, UNKNOWN, Built, Piece, concat

__all__ = ["CASTS", "Flow", "Imports", "add_operands", "is_format_call", "is_none", "is_str"]

CASTS = frozenset({"int", "float", "bool"})
_MAX_ROUNDS = 8
_FORMAT_FIELD_RE = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]")
_BRACE_FIELD_RE = re.compile(r"\{([^{}]*)\}")
_Scope = ast.AST  # a function (or lambda), a class (for self.x), or the module
_SLASH = (Piece(text="/"),)


@dataclass
class Imports:
    """Local name -> full dotted name of what it was imported as."""

    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, tree: ast.Module) -> Imports:
        """The imports of ``tree`` (``import pandas as pd``, ``from os import path``)."""
        found = cls()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    found.names[local] = alias.name if alias.asname else local
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    found.names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        return found

    def full_name(self, node: ast.AST) -> str:
        """Dotted name of a Name/Attribute chain with its root resolved through the imports; '' if none."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return ""
        parts.append(self.names.get(node.id, node.id))
        return ".".join(reversed(parts))



class Flow:
    """The values every variable of one module may carry, and how expressions evaluate to them."""

    def __init__(self, tree: ast.Module, read_nodes: Mapping[ast.AST, str]) -> None:
        self.tree = tree
        self.reads = dict(read_nodes)
        self.imports = Imports.of(tree)
        self.scope_of: dict[ast.AST, _Scope] = {}
        self.parents: dict[ast.AST, ast.AST] = {}
        self.locals: dict[_Scope, set[str]] = {tree: set()}
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.classes: dict[ast.AST, ast.ClassDef] = {}  # method -> its class
        self.global_names: dict[_Scope, set[str]] = {}
        self._located: dict[ast.AST, ast.AST] = {}  # synthetic names (dict entries) -> the node they stand at
        self._index(tree, tree, None)
        self.env: dict[tuple[_Scope, str], list[Built]] = {}
        self.returns: dict[ast.AST, list[Built]] = {}
        self.arg_dests: dict[str, list[Built]] = {}
        self.clients: set[tuple[_Scope, str]] = set()

    # ------------------------------------------------------------------ indexing

    def _index(self, node: ast.AST, scope: _Scope, klass: ast.ClassDef | None) -> None:
        for child in ast.iter_child_nodes(node):
            self.parents[child] = node
            self.scope_of[child] = scope
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                self._declare_function(child, scope, klass)
                self._index(child, child, None)
            elif isinstance(child, ast.ClassDef):
                self._index(child, scope, child)
            else:
                if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                    self.locals.setdefault(scope, set()).add(child.id)
                self._index(child, scope, klass)

    def _declare_function(self, func: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, scope: _Scope,
                          klass: ast.ClassDef | None) -> None:
        names = {a.arg for a in (*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs)}
        declared_global: set[str] = set()
        if not isinstance(func, ast.Lambda):
            self.functions.setdefault(func.name, func)
            for node in ast.walk(func):
                if isinstance(node, ast.Global | ast.Nonlocal):
                    declared_global.update(node.names)
            if klass is not None:
                self.classes[func] = klass
        self.locals[func] = names - declared_global
        self.global_names[func] = declared_global

    def _key(self, name: str, at: ast.AST) -> tuple[_Scope, str]:
        scope = self.scope_of.get(at, self.tree)
        while scope is not self.tree:
            if name in self.locals.get(scope, set()) and name not in self.global_names.get(scope, set()):
                return scope, name
            scope = self.scope_of.get(scope, self.tree)
        return self.tree, name

    def _self_key(self, node: ast.Attribute) -> tuple[_Scope, str] | None:
        if not (isinstance(node.value, ast.Name) and node.value.id == "self"):
            return None
        scope = self.scope_of.get(node, self.tree)
        while scope is not self.tree and scope not in self.classes:
            scope = self.scope_of.get(scope, self.tree)
        klass = self.classes.get(scope)
        return (klass, f"self.{node.attr}") if klass is not None else None

    # ------------------------------------------------------------------ propagation

    def propagate(self) -> None:
        """Bind every assignment, call argument and return value until nothing changes."""
        nodes = [n for n in ast.walk(self.tree) if isinstance(
            n, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.NamedExpr | ast.Return | ast.Call)]
        entry_points = self._entry_points(nodes)
        for _ in range(_MAX_ROUNDS):
            before = self._size()
            for node in nodes:
                self._bind(node)
            for func in entry_points:
                self._bind_by_name(func)
            if self._size() == before:
                return

    def _entry_points(self, nodes: Sequence[ast.AST]) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
        """Module-level functions the module never calls: something outside calls them.

        A grid's ``grid_process(batch_id, data_dir)`` gets each module variable of the same name.
        """
        called = {n.func.id for n in nodes if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        return [f for f in self.tree.body if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
                and f.name not in called]

    def _bind_by_name(self, func: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for arg in (*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs):
            vals = self.env.get((self.tree, arg.arg))
            if vals:
                self._extend(self.env.setdefault((func, arg.arg), []), vals)

    def _size(self) -> int:
        return (sum(len(v) for v in self.env.values()) + sum(len(v) for v in self.returns.values())
                + sum(len(v) for v in self.arg_dests.values()) + len(self.clients))

    def _bind(self, node: ast.AST) -> None:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self._assign(target, node.value, node)
        elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and node.value is not None:
            self._assign(node.target, node.value, node)
        elif isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add):
            joined = concat([self.pieces(node.target), self.pieces(node.value)])
            self._store(node.target, [Built(p, "+") for p in joined if any(x.param for x in p)], node)
        elif isinstance(node, ast.Return) and node.value is not None:
            scope = self.scope_of.get(node, self.tree)
            self._extend(self.returns.setdefault(scope, []), self.eval(node.value))
        elif isinstance(node, ast.Call):
            self._bind_call(node)

    def _assign(self, target: ast.expr, value: ast.expr, at: ast.AST) -> None:
        if isinstance(target, ast.Tuple | ast.List) and isinstance(value, ast.Tuple | ast.List):
            if len(target.elts) == len(value.elts):
                for sub_target, sub_value in zip(target.elts, value.elts, strict=True):
                    self._assign(sub_target, sub_value, at)
            return
        if self._is_client(value):
            key = self._target_key(target)
            if key is not None:
                self.clients.add(key)
        if isinstance(value, ast.Dict) and isinstance(target, ast.Name):
            for key_node, item in zip(value.keys, value.values, strict=True):
                if is_str(key_node):
                    assert isinstance(key_node, ast.Constant)
                    entry = ast.Name(f"{target.id}[{key_node.value!r}]", ast.Store())
                    self._located[entry] = target
                    self._store(entry, self.eval(item), at)
        self._store(target, self.eval(value), at)

    def _target_key(self, target: ast.expr) -> tuple[_Scope, str] | None:
        if isinstance(target, ast.Name):
            base = target.id.split("[", 1)[0]
            scope, _ = self._key(base, self._located.get(target, target))
            return scope, target.id
        if isinstance(target, ast.Attribute):
            return self._self_key(target)
        return None

    def _store(self, target: ast.expr, vals: list[Built], at: ast.AST) -> None:
        key = self._target_key(target)
        if key is not None and vals:
            self._extend(self.env.setdefault(key, []), vals)

    @staticmethod
    def _extend(found: list[Built], vals: Sequence[Built]) -> None:
        for val in vals:
            if val not in found and len(found) < MAX_ALTERNATIVES:
                found.append(val)

    def _bind_call(self, node: ast.Call) -> None:
        """Arguments of a call to one of the module's functions flow into its parameters."""
        func = self.local_function(node.func)
        if func is not None:
            params = [a.arg for a in (*func.args.posonlyargs, *func.args.args)]
            if isinstance(node.func, ast.Attribute) and params and params[0] in ("self", "cls"):
                params = params[1:]
            for name, arg in zip(params, node.args, strict=False):
                self._extend(self.env.setdefault((func, name), []), self.eval(arg))
            for keyword in node.keywords:
                if keyword.arg is not None:
                    self._extend(self.env.setdefault((func, keyword.arg), []), self.eval(keyword.value))
            defaults = func.args.defaults
            for name, default in zip(params[len(params) - len(defaults):], defaults, strict=False):
                self._extend(self.env.setdefault((func, name), []), self.eval(default))
        if isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument":
            self._bind_argparse(node)

    def _bind_argparse(self, node: ast.Call) -> None:
        keywords = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        default = keywords.get("default")
        if default is None:
            return
        vals = self.eval(default)
        if not vals:
            return
        dest = _argparse_dest(node, keywords)
        cast = self.imports.full_name(keywords["type"]) if "type" in keywords else ""
        if cast in CASTS:
            vals = [_cast(val, cast) for val in vals]
        if dest:
            self._extend(self.arg_dests.setdefault(dest, []), vals)

    def local_function(self, func: ast.expr) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The operator's own function a call goes to (``f(...)``, ``self.f(...)``), or None."""
        if isinstance(func, ast.Name) and func.id not in self.imports.names:
            return self.functions.get(func.id)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
            return self.functions.get(func.attr)
        return None

    def _is_client(self, value: ast.expr) -> bool:
        """Tell whether ``value`` is a call that makes (or derives from) a remote-storage client."""
        return isinstance(value, ast.Call) and self.chain_has_client(value)

    def chain_has_client(self, node: ast.expr) -> bool:
        """Tell whether a call/attribute chain starts at, or passes through, a remote-storage client."""
        current: ast.expr = node
        while True:
            if isinstance(current, ast.Call):
                name = self.imports.full_name(current.func)
                if name in CLIENT_CONSTRUCTORS or name.rsplit(".", 1)[0] in CLIENT_CONSTRUCTORS:
                    return True
                current = current.func
            elif isinstance(current, ast.Attribute):
                key = self._self_key(current)
                if key is not None:
                    return key in self.clients
                current = current.value
            elif isinstance(current, ast.Subscript):
                current = current.value
            elif isinstance(current, ast.Name):
                return self._key(current.id, current) in self.clients
            else:
                return False

    # ------------------------------------------------------------------ evaluation

    def eval(self, node: ast.expr) -> list[Built]:
        """The parameter-carrying values ``node`` may have (empty when it carries none)."""
        name = self.reads.get(node)
        if name is not None:
            return [Built((Piece(param=name),))]
        if isinstance(node, ast.BinOp | ast.JoinedStr) or is_format_call(node):
            joiner = _joiner(node)
            return [Built(p, joiner) for p in self.pieces(node) if any(x.param for x in p)]
        handler = _EVALUATORS.get(type(node))
        return handler(self, node) if handler is not None else []

    def _eval_name(self, node: ast.Name) -> list[Built]:
        return list(self.env.get(self._key(node.id, node), []))

    def _eval_either(self, node: ast.BoolOp | ast.IfExp) -> list[Built]:
        """``a or b`` and ``a if c else b``: either value."""
        if isinstance(node, ast.BoolOp):
            return _union(self.eval(v) for v in node.values) if isinstance(node.op, ast.Or) else []
        return _union([self.eval(node.body), self.eval(node.orelse)])

    def _eval_inner(self, node: ast.NamedExpr | ast.Await) -> list[Built]:
        return self.eval(node.value)

    def _eval_entry(self, node: ast.Subscript) -> list[Built]:
        """``cfg['x']``: a dict entry assigned from a literal dict."""
        if not (isinstance(node.value, ast.Name) and is_str(node.slice)):
            return []
        return self._entry(node.value, node.slice)

    def _entry(self, owner: ast.Name, key: ast.expr) -> list[Built]:
        assert isinstance(key, ast.Constant)
        scope, _ = self._key(owner.id, owner)
        return list(self.env.get((scope, f"{owner.id}[{key.value!r}]"), []))

    def _eval_attribute(self, node: ast.Attribute) -> list[Built]:
        key = self._self_key(node)
        if key is not None:
            return list(self.env.get(key, []))
        if isinstance(node.value, ast.Name) and node.attr in self.arg_dests:
            return list(self.arg_dests[node.attr])
        return []

    def _eval_call(self, node: ast.Call) -> list[Built]:
        name = self.imports.full_name(node.func)
        args = node.args
        if name in ("os.path.join", "posixpath.join") or (name in IDENTITY_FUNCTIONS and len(args) > 1):
            return self._joined([self.pieces(a) for a in args], "os.path.join")
        if (name in IDENTITY_FUNCTIONS or name in CASTS) and len(args) == 1:
            vals = self.eval(args[0])
            return [_cast(val, name) for val in vals] if name in CASTS else vals
        if isinstance(node.func, ast.Attribute):
            return self._eval_method(node, node.func)
        func = self.local_function(node.func)
        return list(self.returns.get(func, [])) if func is not None else []

    def _eval_method(self, node: ast.Call, func: ast.Attribute) -> list[Built]:
        """``Path(p).resolve()``, ``cfg.get('x')``, ``Path(d).joinpath(n)``."""
        if func.attr in PATH_METHODS and PATH_METHODS[func.attr] is None:
            return self.eval(func.value)
        if func.attr == "get" and isinstance(func.value, ast.Name) and node.args and is_str(node.args[0]):
            return self._entry(func.value, node.args[0])
        if func.attr == "joinpath":
            return self._joined([self.pieces(func.value), *(self.pieces(a) for a in node.args)], "/")
        local = self.local_function(func)
        return list(self.returns.get(local, [])) if local is not None else []

    def _joined(self, parts: list[list[tuple[Piece, ...]]], joiner: str) -> list[Built]:
        """Parts joined by '/' (``os.path.join``, ``joinpath``): the values that carry a parameter."""
        return [Built(p, joiner) for p in concat(_interleave(parts, _SLASH)) if any(x.param for x in p)]

    def pieces(self, node: ast.expr) -> list[tuple[Piece, ...]]:
        """The alternative piece sequences of a string ``node`` (literal text, parameters, unknowns)."""
        if isinstance(node, ast.BinOp):
            return self._binop_pieces(node)
        if isinstance(node, ast.JoinedStr):
            parts: list[list[tuple[Piece, ...]]] = []
            for value in node.values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    parts.append([(Piece(text=value.value),)])
                elif isinstance(value, ast.FormattedValue):
                    parts.append(self.pieces(value.value))
            return concat(parts)
        if is_format_call(node):
            assert isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            assert isinstance(node.func.value, ast.Constant)
            return self._template(_BRACE_FIELD_RE, str(node.func.value.value), list(node.args),
                                  {kw.arg: kw.value for kw in node.keywords if kw.arg})
        vals = self.eval(node)
        if vals:
            return [v.pieces for v in vals]
        if is_str(node):
            assert isinstance(node, ast.Constant)
            return [(Piece(text=str(node.value)),)]
        return [(UNKNOWN,)]

    def _binop_pieces(self, node: ast.BinOp) -> list[tuple[Piece, ...]]:
        """``a + b``, pathlib's ``base / name``, ``'%s/%s' % (a, b)``."""
        if isinstance(node.op, ast.Add):
            return concat([self.pieces(operand) for operand in add_operands(node)])
        if isinstance(node.op, ast.Div):
            return concat(_interleave([self.pieces(node.left), self.pieces(node.right)], _SLASH))
        if isinstance(node.op, ast.Mod) and is_str(node.left):
            assert isinstance(node.left, ast.Constant)
            values = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
            return self._template(_FORMAT_FIELD_RE, str(node.left.value), list(values))
        return [(UNKNOWN,)]

    def _template(self, pattern: re.Pattern[str], template: str, values: list[ast.expr],
                  named: Mapping[str, ast.expr] | None = None) -> list[tuple[Piece, ...]]:
        """Pieces of a ``%``- or ``{}``-template filled with ``values``."""
        parts: list[list[tuple[Piece, ...]]] = []
        position = 0
        index = 0
        for match in pattern.finditer(template):
            if match.group(0) == "%%":
                continue
            parts.append([(Piece(text=template[position:match.start()]),)])
            field_name = match.group(1) if match.groups() and match.group(1) else ""
            value: ast.expr | None = None
            if named and field_name and not field_name.isdigit():
                value = named.get(field_name.split(".")[0].split("[")[0])
            elif field_name.isdigit() and int(field_name) < len(values):
                value = values[int(field_name)]
            elif index < len(values):
                value = values[index]
                index += 1
            parts.append(self.pieces(value) if value is not None else [(UNKNOWN,)])
            position = match.end()
        parts.append([(Piece(text=template[position:]),)])
        return concat(parts)


_EVALUATORS: dict[type, Callable[[Flow, Any], list[Built]]] = {
    ast.Name: Flow._eval_name,
    ast.Attribute: Flow._eval_attribute,
    ast.Call: Flow._eval_call,
    ast.BoolOp: Flow._eval_either,
    ast.IfExp: Flow._eval_either,
    ast.NamedExpr: Flow._eval_inner,
    ast.Await: Flow._eval_inner,
    ast.Subscript: Flow._eval_entry,
}


# ---------------------------------------------------------------------- helpers


def _interleave(parts: list[list[tuple[Piece, ...]]], separator: tuple[Piece, ...]) -> list[
        list[tuple[Piece, ...]]]:
    result: list[list[tuple[Piece, ...]]] = []
    for index, part in enumerate(parts):
        if index:
            result.append([separator])
        result.append(part)
    return result


def _union(groups: Sequence[list[Built]] | Iterator[list[Built]]) -> list[Built]:
    found: list[Built] = []
    for group in groups:
        Flow._extend(found, group)
    return found


def _cast(val: Built, cast: str) -> Built:
    return replace(val, pieces=tuple(replace(p, cast=cast) if p.param else p for p in val.pieces))


def add_operands(node: ast.BinOp) -> list[ast.expr]:
    """The operands of a chain ``a + b + c`` in order, without recursion."""
    operands: list[ast.expr] = []
    stack: list[ast.expr] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.BinOp) and isinstance(current.op, ast.Add):
            stack.extend((current.right, current.left))
        else:
            operands.append(current)
    return operands


def _joiner(node: ast.expr) -> str:
    if isinstance(node, ast.JoinedStr):
        return "f-string"
    if isinstance(node, ast.BinOp):
        return {ast.Add: "+", ast.Mod: "%", ast.Div: "/"}.get(type(node.op), "")
    return "format"


def is_str(node: ast.AST | None) -> bool:
    """Tell whether ``node`` is a string literal."""
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def is_none(node: ast.AST) -> bool:
    """Tell whether ``node`` is the literal None."""
    return isinstance(node, ast.Constant) and node.value is None


def is_format_call(node: ast.AST) -> bool:
    """Tell whether ``node`` is ``'literal template'.format(...)``."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
            and is_str(node.func.value))


def _argparse_dest(node: ast.Call, keywords: Mapping[str, ast.expr]) -> str:
    dest = keywords.get("dest")
    if is_str(dest):
        assert isinstance(dest, ast.Constant)
        return str(dest.value)
    options = [str(a.value) for a in node.args if is_str(a)]  # type: ignore[attr-defined]
    longs = [o for o in options if o.startswith("--")]
    chosen = longs[0] if longs else (options[0] if options else "")
    return chosen.lstrip("-").replace("-", "_")


