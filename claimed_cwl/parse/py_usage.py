"""Python usage analysis: follow each parameter from its read to what the code does with it.

The value of a read flows through assignments (also tuple unpacking,
``self.x = ...``, ``global``s used inside functions), string building (``+``,
f-strings, ``%``, ``.format``, ``os.path.join``, ``pathlib``), calls into the
operator's own functions (arguments to parameters, return values) and
``argparse`` defaults (``default=os.environ.get('x')`` -> ``args.x``). The
analysis is flow-insensitive: a variable carries every value ever assigned
to it. Each place a carried value reaches something that tells what it is
(see :mod:`claimed_cwl.parse.sinks`) becomes a :class:`~claimed_cwl.parse.usage.Use`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from claimed_cwl.parse.sinks import (
    CLIENT_CONSTRUCTORS,
    CLIENT_LOCAL_PATHS,
    FUNCTION_SINKS,
    IDENTITY_FUNCTIONS,
    KNOWN_WRAPPERS,
    METHOD_SINKS,
    NETWORK_KEYWORDS,
    PATH_METHODS,
    SPARK_FORMATS,
    Sink,
)
from claimed_cwl.parse.usage import (
    MAX_ALTERNATIVES,
    UNKNOWN,
    Built,
    Piece,
    Usage,
    Use,
    UseKind,
    concat,
    positions,
)

__all__ = ["analyse_usage"]

_MAX_ROUNDS = 8
_URL_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
_SQL_RE = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE\s+TABLE|FROM|INTO|WHERE|JOIN)\b", re.IGNORECASE)
_FORMAT_FIELD_RE = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]")
_BRACE_FIELD_RE = re.compile(r"\{([^{}]*)\}")
_EXIT_CALLS = frozenset({"sys.exit", "exit", "quit", "os._exit"})
_CASTS = frozenset({"int", "float", "bool"})
_Scope = ast.AST  # a function (or lambda), a class (for self.x), or the module


def analyse_usage(tree: ast.Module, read_nodes: Mapping[ast.AST, str]) -> Usage:
    """Follow every read in ``read_nodes`` (the node of each read -> parameter name) through ``tree``."""
    flow = _Flow(tree, read_nodes)
    flow.propagate()
    return flow.record()


@dataclass
class _Imports:
    """Local name -> full dotted name of what it was imported as."""

    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, tree: ast.Module) -> _Imports:
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


class _Flow:
    """The propagation state of one module and the recording of uses."""

    def __init__(self, tree: ast.Module, read_nodes: Mapping[ast.AST, str]) -> None:
        self.tree = tree
        self.reads = dict(read_nodes)
        self.imports = _Imports.of(tree)
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
        self.usage = Usage()

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
        """Module-level functions the module never calls: something outside calls them (a grid's
        ``grid_process(batch_id, data_dir)`` gets each module variable of the same name)."""
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
        elif (isinstance(node, ast.AnnAssign) and node.value is not None) or isinstance(node, ast.NamedExpr):
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
                if _is_str(key_node):
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
        func = self._local_function(node.func)
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
        if cast in _CASTS:
            vals = [_cast(val, cast) for val in vals]
        if dest:
            self._extend(self.arg_dests.setdefault(dest, []), vals)

    def _local_function(self, func: ast.expr) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        if isinstance(func, ast.Name) and func.id not in self.imports.names:
            return self.functions.get(func.id)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
            return self.functions.get(func.attr)
        return None

    def _is_client(self, value: ast.expr) -> bool:
        """Tell whether ``value`` is a call that makes (or derives from) a remote-storage client."""
        return isinstance(value, ast.Call) and self._chain_has_client(value)

    def _chain_has_client(self, node: ast.expr) -> bool:
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
        if isinstance(node, ast.Name):
            return list(self.env.get(self._key(node.id, node), []))
        if isinstance(node, ast.Attribute):
            return self._eval_attribute(node)
        if isinstance(node, ast.BinOp | ast.JoinedStr) or _is_format_call(node):
            alternatives = self.pieces(node)
            joiner = _joiner(node)
            return [Built(p, joiner) for p in alternatives if any(x.param for x in p)]
        if isinstance(node, ast.Call):
            return self._eval_call(node)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            return _union(self.eval(v) for v in node.values)
        if isinstance(node, ast.IfExp):
            return _union([self.eval(node.body), self.eval(node.orelse)])
        if isinstance(node, ast.NamedExpr):
            return self.eval(node.value)
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and _is_str(node.slice):
            assert isinstance(node.slice, ast.Constant)
            scope, _ = self._key(node.value.id, node)
            return list(self.env.get((scope, f"{node.value.id}[{node.slice.value!r}]"), []))
        if isinstance(node, ast.Await):
            return self.eval(node.value)
        return []

    def _record_credentials(self, node: ast.Attribute) -> None:
        """``urlparse(conn).password``: the value carries credentials."""
        if node.attr in ("password", "username") and isinstance(node.value, ast.Call) and node.value.args \
                and self.imports.full_name(node.value.func) in ("urllib.parse.urlparse", "urllib.parse.urlsplit"):
            self._use(self.eval(node.value.args[0]), UseKind.CREDENTIALS, node, node.attr)

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
            joined = concat(_interleave([self.pieces(a) for a in args], (Piece(text="/"),)))
            return [Built(p, "os.path.join") for p in joined if any(x.param for x in p)]
        if name in IDENTITY_FUNCTIONS and len(args) == 1:
            return self.eval(args[0])
        if name in _CASTS and len(args) == 1:
            return [_cast(val, name) for val in self.eval(args[0])]
        if isinstance(node.func, ast.Attribute):
            if node.func.attr in PATH_METHODS and PATH_METHODS[node.func.attr] is None:
                return self.eval(node.func.value)
            if node.func.attr == "get" and isinstance(node.func.value, ast.Name) and args and _is_str(args[0]):
                assert isinstance(args[0], ast.Constant)
                scope, _ = self._key(node.func.value.id, node)
                return list(self.env.get((scope, f"{node.func.value.id}[{args[0].value!r}]"), []))
            if node.func.attr == "joinpath":
                parts = [self.pieces(node.func.value), *(self.pieces(a) for a in args)]
                joined = concat(_interleave(parts, (Piece(text="/"),)))
                return [Built(p, "/") for p in joined if any(x.param for x in p)]
        func = self._local_function(node.func)
        if func is not None:
            return list(self.returns.get(func, []))
        return []

    def pieces(self, node: ast.expr) -> list[tuple[Piece, ...]]:
        """The alternative piece sequences of a string ``node`` (literal text, parameters, unknowns)."""
        vals = self.eval(node) if not isinstance(node, ast.BinOp | ast.JoinedStr) and not _is_format_call(node) \
            else []
        if vals:
            return [v.pieces for v in vals]
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [(Piece(text=node.value),)]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return concat([self.pieces(operand) for operand in _add_operands(node)])
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):  # pathlib: base / name
            return concat(_interleave([self.pieces(node.left), self.pieces(node.right)], (Piece(text="/"),)))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and _is_str(node.left):
            assert isinstance(node.left, ast.Constant)
            values = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
            return self._template(_FORMAT_FIELD_RE, str(node.left.value), list(values))
        if isinstance(node, ast.JoinedStr):
            parts: list[list[tuple[Piece, ...]]] = []
            for value in node.values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    parts.append([(Piece(text=value.value),)])
                elif isinstance(value, ast.FormattedValue):
                    parts.append(self.pieces(value.value))
            return concat(parts)
        if _is_format_call(node):
            assert isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            assert isinstance(node.func.value, ast.Constant)
            return self._template(_BRACE_FIELD_RE, str(node.func.value.value), list(node.args),
                                  {kw.arg: kw.value for kw in node.keywords if kw.arg})
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

    # ------------------------------------------------------------------ recording

    def record(self) -> Usage:
        """Walk the module once more and record every use of every carried value."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                self._record_call(node)
            elif isinstance(node, ast.Compare):
                self._record_compare(node)
            elif isinstance(node, ast.If | ast.While | ast.IfExp):
                self._record_test(node.test, node)
            elif isinstance(node, ast.Assert):
                self._record_assert(node)
            elif isinstance(node, ast.BoolOp):
                for value in node.values:
                    self._record_test(value, node)
            elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
                self._record_test(node.operand, node)
            elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
                self._needs_value(node.value, "subscript")
            elif isinstance(node, ast.For | ast.comprehension):
                self._needs_value(node.iter, "iteration")
            elif isinstance(node, ast.Attribute):
                self._record_credentials(node)
            elif isinstance(node, ast.Dict):  # client_kwargs={'endpoint_url': endpoint}
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value in NETWORK_KEYWORDS:
                        self._use(self.eval(value), NETWORK_KEYWORDS[str(key.value)], node, str(key.value))
            if isinstance(node, ast.BinOp | ast.JoinedStr) or _is_format_call(node):
                self._record_text(node)
        return self.usage

    def _use(self, vals: Sequence[Built], kind: UseKind, node: ast.AST, detail: str = "") -> None:
        text = _text(node)
        for val in vals:
            for param, position in positions(val):
                if kind in (UseKind.NEEDS_VALUE, UseKind.GUARD, UseKind.REQUIRE) and position.kind != "whole":
                    continue
                # the directory a glob pattern starts with is listed: glob(os.path.join(d, '*.csv'))
                use_kind = UseKind.LIST if kind is UseKind.GLOB and position.kind == "prefix" else kind
                self.usage.add(param, Use(use_kind, getattr(node, "lineno", 0), text, position, detail))

    def _record_call(self, node: ast.Call) -> None:
        name = self.imports.full_name(node.func)
        self._record_wrapper(node, name)
        for keyword in node.keywords:
            if keyword.arg in NETWORK_KEYWORDS:
                self._use(self.eval(keyword.value), NETWORK_KEYWORDS[keyword.arg], node, keyword.arg)
        if name in CLIENT_CONSTRUCTORS:
            for arg in node.args:
                self._use(self.eval(arg), UseKind.HOST, node, name)
            return
        if isinstance(node.func, ast.Attribute) and self._client_call(node):
            return
        if name == "os.open" and node.args:
            flags = {n.attr if isinstance(n, ast.Attribute) else getattr(n, "id", "") for n in ast.walk(node)}
            writes = bool(flags & {"O_WRONLY", "O_RDWR", "O_CREAT", "O_APPEND", "O_TRUNC"})
            self._record_path(node.args[0], (UseKind.WRITE,) if writes else (UseKind.READ,), node, name)
        elif name in FUNCTION_SINKS:
            self._record_sinks(node, FUNCTION_SINKS[name], name)
        elif isinstance(node.func, ast.Attribute):
            self._record_method(node, name)
        if name in _CASTS and len(node.args) == 1 and node.args[0] not in self.reads and not self._probed(node):
            self._use(self.eval(node.args[0]), UseKind.CAST, node, name)
        elif name in ("len", "os.path.basename", "os.path.dirname", "os.path.splitext", "pathlib.Path", "Path",
                      "os.path.join"):
            for arg in node.args:
                self._needs_value(arg, name)

    def _probed(self, node: ast.AST) -> bool:
        """A cast inside ``try: ... except ValueError`` tests whether the value is a number: no type evidence."""
        child, parent = node, self.parents.get(node)
        while parent is not None and not isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef | ast.Module):
            if isinstance(parent, ast.Try) and child in parent.body and any(
                    _catches_value_errors(handler) for handler in parent.handlers):
                return True
            child, parent = parent, self.parents.get(parent)
        return False

    def _record_wrapper(self, node: ast.Call, name: str) -> None:
        """A read passed straight to a function the compiler does not know, whose result the code keeps.

        ``flag = to_bool(os.getenv('flag', False))``: the detail is the function's name, prefixed with
        ``local:`` for a function of the operator's own.
        """
        if not isinstance(self.parents.get(node), ast.Assign | ast.AnnAssign | ast.Return | ast.NamedExpr):
            return
        for arg in node.args:
            param = self.reads.get(arg)
            if param is None or name in KNOWN_WRAPPERS or name in FUNCTION_SINKS:
                continue
            if isinstance(node.func, ast.Attribute) and node.func.attr in (*METHOD_SINKS, *PATH_METHODS):
                continue
            label = name or _text(node.func)
            if self._local_function(node.func) is not None:
                label = f"local:{label}"
            self.usage.add(param, Use(UseKind.WRAPPER, node.lineno, _text(node), detail=label))

    def _record_sinks(self, node: ast.Call, sinks: Sequence[Sink], name: str) -> None:
        for sink in sinks:
            kind = _mode_kind(node, sink)
            for arg in _sink_args(node, sink):
                self._record_path(arg, kind, node, sink.suffix or name)

    def _record_path(self, arg: ast.expr, kinds: Sequence[UseKind], node: ast.AST, detail: str) -> None:
        vals = self.eval(arg)
        for kind in kinds:
            if vals:
                self._use(vals, kind, node, detail)
            if kind in (UseKind.WRITE, UseKind.MAKE_DIR):
                self._check_absolute_write(arg, node)

    def _check_absolute_write(self, arg: ast.expr, node: ast.AST) -> None:
        for pieces in self.pieces(arg):
            first = next((p for p in pieces if p.param or p.text), None)
            if first is not None and not first.param and first.text and first.text.startswith("/") \
                    and not first.text.startswith(("/tmp/", "/dev/")) and first.text != "/tmp":
                self.usage.notice(getattr(node, "lineno", 0), (
                    f"writes to the absolute path {first.text!r} (in {_text(node)}), outside the working "
                    "directory: CWL runners mount the container's root read-only, so this write fails there"))
                return

    def _record_method(self, node: ast.Call, name: str) -> None:
        assert isinstance(node.func, ast.Attribute)
        attr = node.func.attr
        receiver = node.func.value
        spark = _spark_direction(receiver)
        if spark and attr in SPARK_FORMATS:
            kind = UseKind.READ if spark == "read" else UseKind.MAKE_DIR
            for arg in node.args[:1]:
                self._record_path(arg, (kind,), node, f"Spark {spark}.{attr}")
            return
        if attr in ("textFile", "wholeTextFiles", "binaryFiles"):
            for arg in node.args[:1]:
                self._record_path(arg, (UseKind.READ,), node, f"Spark {attr}")
            return
        receiver_vals = self.eval(receiver)
        if receiver_vals:
            self._record_receiver(node, attr, receiver_vals)
            return
        if attr in METHOD_SINKS and not name.startswith(("json.", "pickle.", "yaml.", "marshal.")):
            if attr.startswith("read_") and any(kw.arg == "storage_options" for kw in node.keywords):
                for arg in node.args[:1]:
                    self._use(self.eval(arg), UseKind.REMOTE, node, "storage_options")
                return
            self._record_sinks(node, METHOD_SINKS[attr], attr)

    def _record_receiver(self, node: ast.Call, attr: str, vals: list[Built]) -> None:
        """A method called on a carried value: ``Path(p).read_text()``, ``p.startswith(...)``."""
        if attr == "open":
            mode = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "mode"), None)
            self._use(vals, UseKind.READ, node, "Path.open")
            if _write_mode(mode):
                self._use(vals, UseKind.WRITE, node, "Path.open")
        elif attr in PATH_METHODS and PATH_METHODS[attr] is not None:
            kind = PATH_METHODS[attr]
            assert kind is not None
            self._use(vals, kind, node, f"Path.{attr}")
        self._use(vals, UseKind.NEEDS_VALUE, node, f".{attr}()")
        if attr in ("split", "rsplit", "partition", "rpartition") and node.args and _is_str(node.args[0]) \
                and "@" in str(node.args[0].value):  # type: ignore[attr-defined]
            self._use(vals, UseKind.CREDENTIALS, node, "splits user:secret@host")

    def _client_call(self, node: ast.Call) -> bool:
        """A call on a remote-storage client: local path arguments are local, the others remote."""
        assert isinstance(node.func, ast.Attribute)
        if not self._chain_has_client(node.func.value):
            return False
        local = CLIENT_LOCAL_PATHS.get(node.func.attr)
        local_arg: ast.expr | None = None
        if local is not None:
            position, keyword, kind = local
            local_arg = next((k.value for k in node.keywords if k.arg == keyword), None)
            if local_arg is None and node.args:
                local_arg = node.args[position] if -len(node.args) <= position < len(node.args) else None
            if local_arg is not None:
                self._record_path(local_arg, (kind,), node, f"client.{node.func.attr}")
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            if arg is not local_arg:
                self._use(self.eval(arg), UseKind.REMOTE, node, f"client.{node.func.attr}")
        return True

    def _record_compare(self, node: ast.Compare) -> None:
        operands = [node.left, *node.comparators]
        for index, op in enumerate(node.ops):
            left, right = operands[index], operands[index + 1]
            for value, other in ((left, right), (right, left)):
                vals = self.eval(value)
                if not vals:
                    continue
                if isinstance(op, ast.Is | ast.IsNot) and _is_none(other):
                    self._use(vals, UseKind.GUARD, node, "is None")
                elif isinstance(op, ast.Eq | ast.NotEq) and isinstance(other, ast.Constant) and other.value == "":
                    self._use(vals, UseKind.GUARD, node, "== ''")
                elif isinstance(op, ast.Eq | ast.NotEq) and _is_str(other):
                    assert isinstance(other, ast.Constant)
                    self._use(vals, UseKind.CHOICE, node, str(other.value))
                elif isinstance(op, ast.In | ast.NotIn) and value is left and isinstance(other, ast.Tuple | ast.List
                                                                                           | ast.Set):
                    for element in other.elts:
                        if _is_str(element):
                            assert isinstance(element, ast.Constant)
                            self._use(vals, UseKind.CHOICE, node, str(element.value))
                elif isinstance(op, ast.In | ast.NotIn) and value is right:
                    self._use(vals, UseKind.NEEDS_VALUE, node, "in")

    def _record_test(self, test: ast.expr, node: ast.AST) -> None:
        """``if p:``, ``if not p``, ``p or x``: the code tests whether the value was given."""
        subject = test.operand if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) else test
        if isinstance(subject, ast.Compare) and len(subject.ops) == 1 and _is_none(subject.comparators[0]):
            subject = subject.left
        vals = self.eval(subject) if isinstance(subject, ast.Name | ast.Attribute) or subject in self.reads else []
        if not vals:
            return
        if isinstance(node, ast.If) and _stops(node.body) and _negative_test(test):
            self._use(vals, UseKind.REQUIRE, node.test, "stops when not given")
        else:
            self._use(vals, UseKind.GUARD, test, "truth test")

    def _record_assert(self, node: ast.Assert) -> None:
        subject = node.test
        if isinstance(subject, ast.Compare) and len(subject.ops) == 1 and _is_none(subject.comparators[0]):
            subject = subject.left
        if isinstance(subject, ast.Name | ast.Attribute):
            self._use(self.eval(subject), UseKind.REQUIRE, node, "assert")

    def _needs_value(self, node: ast.expr, what: str) -> None:
        if isinstance(node, ast.Name | ast.Attribute) or node in self.reads:
            self._use(self.eval(node), UseKind.NEEDS_VALUE, node, what)

    def _record_text(self, node: ast.expr) -> None:
        """URLs and SQL built from parameters; ``+`` on a value that may be None."""
        if isinstance(node, ast.BinOp) and not isinstance(node.op, ast.Mod | ast.Div):
            for operand in (node.left, node.right):
                self._needs_value(operand, "+")
        parent = self.parents.get(node)
        if isinstance(parent, ast.BinOp | ast.JoinedStr) or (isinstance(node, ast.BinOp) and not _stringish(node)):
            return  # recorded once, at the outermost string expression
        for pieces in self.pieces(node):
            self._record_remote_text(pieces, node)

    def _record_remote_text(self, pieces: tuple[Piece, ...], node: ast.AST) -> None:
        literal = "".join(p.text or "" for p in pieces if not p.param)
        sql = bool(_SQL_RE.search(literal)) and len(_SQL_RE.findall(literal)) >= 2
        seen_scheme = False
        for piece in pieces:
            if not piece.param:
                seen_scheme = seen_scheme or bool(piece.text and _URL_RE.search(piece.text))
                continue
            val = [Built((piece,))]
            if seen_scheme:
                self._use(val, UseKind.REMOTE, node, "URL")
            if sql:
                self._use(val, UseKind.SQL, node, "SQL")


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
        _Flow._extend(found, group)
    return found


def _cast(val: Built, cast: str) -> Built:
    return replace(val, pieces=tuple(replace(p, cast=cast) if p.param else p for p in val.pieces))


def _add_operands(node: ast.BinOp) -> list[ast.expr]:
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


def _is_str(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _is_format_call(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
            and _is_str(node.func.value))


def _stringish(node: ast.BinOp) -> bool:
    """A ``+``/``%`` expression that builds text (some operand is a string literal or an f-string)."""
    return any(_is_str(op) or isinstance(op, ast.JoinedStr) for op in _add_operands(node)) or (
        isinstance(node.op, ast.Mod) and _is_str(node.left))


def _spark_direction(receiver: ast.expr) -> str:
    """``read`` or ``write`` when ``receiver`` is a Spark reader/writer chain (``spark.read.format(x)``)."""
    current: ast.AST = receiver
    while isinstance(current, ast.Attribute | ast.Call):
        if isinstance(current, ast.Attribute):
            if current.attr in ("read", "readStream"):
                return "read"
            if current.attr in ("write", "writeStream"):
                return "write"
            current = current.value
        else:
            current = current.func
    return ""


def _sink_args(node: ast.Call, sink: Sink) -> list[ast.expr]:
    found = [node.args[i] for i in sink.args if i < len(node.args)]
    found += [kw.value for kw in node.keywords if kw.arg in sink.keywords]
    return found


def _mode_kind(node: ast.Call, sink: Sink) -> tuple[UseKind, ...]:
    if sink.mode_arg is None:
        return (sink.kind,)
    mode: ast.expr | None = node.args[sink.mode_arg] if sink.mode_arg < len(node.args) else None
    mode = next((kw.value for kw in node.keywords if kw.arg == sink.mode_keyword), mode)
    if mode is None or not _is_str(mode):
        return (UseKind.READ,)
    assert isinstance(mode, ast.Constant)
    text = str(mode.value)
    if "+" in text:
        return (UseKind.READ, UseKind.WRITE)
    return (UseKind.WRITE,) if _write_mode(mode) else (UseKind.READ,)


def _write_mode(mode: ast.expr | None) -> bool:
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and any(c in mode.value for c in "wax")


def _argparse_dest(node: ast.Call, keywords: Mapping[str | None, ast.expr]) -> str:
    dest = keywords.get("dest")
    if _is_str(dest):
        assert isinstance(dest, ast.Constant)
        return str(dest.value)
    options = [str(a.value) for a in node.args if _is_str(a)]  # type: ignore[attr-defined]
    longs = [o for o in options if o.startswith("--")]
    chosen = longs[0] if longs else (options[0] if options else "")
    return chosen.lstrip("-").replace("-", "_")


def _catches_value_errors(handler: ast.ExceptHandler) -> bool:
    caught = handler.type
    names = [caught] if caught is None or not isinstance(caught, ast.Tuple) else list(caught.elts)
    return any(n is None or (isinstance(n, ast.Name) and n.id in ("ValueError", "TypeError", "Exception"))
               for n in names)


def _stops(body: Sequence[ast.stmt]) -> bool:
    """Tell whether a block ends the program (``raise``, ``sys.exit(...)``)."""
    for statement in body:
        if isinstance(statement, ast.Raise):
            return True
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            func = statement.value.func
            name = func.id if isinstance(func, ast.Name) else (
                f"{func.value.id}.{func.attr}" if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                else "")
            if name in _EXIT_CALLS:
                return True
    return False


def _negative_test(test: ast.expr) -> bool:
    """``not p``, ``p is None``, ``p == ''``: true when the value is missing."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return True
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        return isinstance(test.ops[0], ast.Is | ast.Eq)
    return False


def _text(node: ast.AST) -> str:
    """Short source form of ``node`` for explanations."""
    try:
        text = ast.unparse(node)
    except (ValueError, RecursionError):
        return type(node).__name__
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:77] + "..."
