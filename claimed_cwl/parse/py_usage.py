"""Python usage analysis: record what the code does with each parameter's value.

:class:`~claimed_cwl.parse.py_flow.Flow` knows which values each expression
may carry; each place a carried value reaches something that tells what it
is (see :mod:`claimed_cwl.parse.sinks`) becomes a
:class:`~claimed_cwl.parse.usage.Use`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from claimed_cwl.parse.py_flow import CASTS, Flow, add_operands, is_format_call, is_none, is_str
from claimed_cwl.parse.sinks import (
    CLIENT_CONSTRUCTORS,
    CLIENT_LOCAL_PATHS,
    FUNCTION_SINKS,
    KNOWN_WRAPPERS,
    METHOD_SINKS,
    NETWORK_KEYWORDS,
    PATH_METHODS,
    SPARK_FORMATS,
    Sink,
)
from claimed_cwl.parse.usage import Built, Piece, Usage, Use, UseKind, positions

__all__ = ["analyse_usage"]

_URL_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
_SQL_RE = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE\s+TABLE|FROM|INTO|WHERE|JOIN)\b", re.IGNORECASE)
_EXIT_CALLS = frozenset({"sys.exit", "exit", "quit", "os._exit"})


def analyse_usage(tree: ast.Module, read_nodes: Mapping[ast.AST, str]) -> Usage:
    """Follow every read in ``read_nodes`` (the node of each read -> parameter name) through ``tree``."""
    flow = Flow(tree, read_nodes)
    flow.propagate()
    return _Recorder(flow).record()


class _Recorder:
    """Walks the module once and records every use of every carried value."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.tree = flow.tree
        self.reads = flow.reads
        self.parents = flow.parents
        self.imports = flow.imports
        self.eval = flow.eval
        self.pieces = flow.pieces
        self.usage = Usage()

    def _record_credentials(self, node: ast.Attribute) -> None:
        """``urlparse(conn).password``: the value carries credentials."""
        if node.attr in ("password", "username") and isinstance(node.value, ast.Call) and node.value.args \
                and self.imports.full_name(node.value.func) in ("urllib.parse.urlparse", "urllib.parse.urlsplit"):
            self._use(self.eval(node.value.args[0]), UseKind.CREDENTIALS, node, node.attr)

    def record(self) -> Usage:
        """Walk the module once more and record every use of every carried value."""
        for node in ast.walk(self.tree):
            handler = _RECORDERS.get(type(node))
            if handler is not None:
                handler(self, node)
            if isinstance(node, ast.BinOp | ast.JoinedStr) or is_format_call(node):
                self._record_text(node)
        return self.usage

    def _record_loop_test(self, node: ast.If | ast.While | ast.IfExp) -> None:
        self._record_test(node.test, node)

    def _record_bool_op(self, node: ast.BoolOp) -> None:
        for value in node.values:
            self._record_test(value, node)

    def _record_not(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            self._record_test(node.operand, node)

    def _record_subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.ctx, ast.Load):
            self._needs_value(node.value, "subscript")

    def _record_iteration(self, node: ast.For | ast.comprehension) -> None:
        self._needs_value(node.iter, "iteration")

    def _record_dict(self, node: ast.Dict) -> None:
        """``client_kwargs={'endpoint_url': endpoint}``: a network keyword in a dict."""
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and key.value in NETWORK_KEYWORDS:
                self._use(self.eval(value), NETWORK_KEYWORDS[str(key.value)], node, str(key.value))

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
            self.usage.needs_network(node.lineno, _text(node))
            for arg in node.args:
                self._use(self.eval(arg), UseKind.HOST, node, name)
            return
        if isinstance(node.func, ast.Attribute) and self._client_call(node):
            self.usage.needs_network(node.lineno, _text(node))
            return
        if any(sink.kind in (UseKind.REMOTE, UseKind.HOST) for sink in FUNCTION_SINKS.get(name, ())):
            self.usage.needs_network(node.lineno, _text(node))
        if name == "os.open" and node.args:
            flags = {n.attr if isinstance(n, ast.Attribute) else getattr(n, "id", "") for n in ast.walk(node)}
            writes = bool(flags & {"O_WRONLY", "O_RDWR", "O_CREAT", "O_APPEND", "O_TRUNC"})
            self._record_path(node.args[0], (UseKind.WRITE,) if writes else (UseKind.READ,), node, name)
        elif name in FUNCTION_SINKS:
            self._record_sinks(node, FUNCTION_SINKS[name], name)
        elif isinstance(node.func, ast.Attribute):
            self._record_method(node, name)
        if name in CASTS and len(node.args) == 1 and node.args[0] not in self.reads and not self._probed(node):
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
            if self.flow.local_function(node.func) is not None:
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
        if attr in ("split", "rsplit", "partition", "rpartition") and node.args and is_str(node.args[0]) \
                and "@" in str(node.args[0].value):  # type: ignore[attr-defined]
            self._use(vals, UseKind.CREDENTIALS, node, "splits user:secret@host")

    def _client_call(self, node: ast.Call) -> bool:
        """A call on a remote-storage client: local path arguments are local, the others remote."""
        assert isinstance(node.func, ast.Attribute)
        if not self.flow.chain_has_client(node.func.value):
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
                if isinstance(op, ast.Is | ast.IsNot) and is_none(other):
                    self._use(vals, UseKind.GUARD, node, "is None")
                elif isinstance(op, ast.Eq | ast.NotEq) and isinstance(other, ast.Constant) and other.value == "":
                    self._use(vals, UseKind.GUARD, node, "== ''")
                elif isinstance(op, ast.Eq | ast.NotEq) and is_str(other):
                    assert isinstance(other, ast.Constant)
                    self._use(vals, UseKind.CHOICE, node, str(other.value))
                elif isinstance(op, ast.In | ast.NotIn) and value is left and isinstance(other, ast.Tuple | ast.List
                                                                                           | ast.Set):
                    for element in other.elts:
                        if is_str(element):
                            assert isinstance(element, ast.Constant)
                            self._use(vals, UseKind.CHOICE, node, str(element.value))
                elif isinstance(op, ast.In | ast.NotIn) and value is right:
                    self._use(vals, UseKind.NEEDS_VALUE, node, "in")

    def _record_test(self, test: ast.expr, node: ast.AST) -> None:
        """``if p:``, ``if not p``, ``p or x``: the code tests whether the value was given."""
        subject = test.operand if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) else test
        if isinstance(subject, ast.Compare) and len(subject.ops) == 1 and is_none(subject.comparators[0]):
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
        if isinstance(subject, ast.Compare) and len(subject.ops) == 1 and is_none(subject.comparators[0]):
            subject = subject.left
        if isinstance(subject, ast.Name | ast.Attribute):
            self._use(self.eval(subject), UseKind.REQUIRE, node, "assert")

    def _needs_value(self, node: ast.expr, what: str) -> None:
        if isinstance(node, ast.Name | ast.Attribute) or node in self.reads:
            self._use(self.eval(node), UseKind.NEEDS_VALUE, node, what)

    def _record_text(self, node: ast.AST) -> None:
        """URLs and SQL built from parameters; ``+`` on a value that may be None."""
        if isinstance(node, ast.BinOp) and not isinstance(node.op, ast.Mod | ast.Div):
            for operand in (node.left, node.right):
                self._needs_value(operand, "+")
        parent = self.parents.get(node)
        if isinstance(parent, ast.BinOp | ast.JoinedStr) or (isinstance(node, ast.BinOp) and not _stringish(node)):
            return  # recorded once, at the outermost string expression
        assert isinstance(node, ast.expr)
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



_RECORDERS: dict[type, Callable[[_Recorder, Any], None]] = {
    ast.Call: _Recorder._record_call,
    ast.Compare: _Recorder._record_compare,
    ast.If: _Recorder._record_loop_test,
    ast.While: _Recorder._record_loop_test,
    ast.IfExp: _Recorder._record_loop_test,
    ast.Assert: _Recorder._record_assert,
    ast.BoolOp: _Recorder._record_bool_op,
    ast.UnaryOp: _Recorder._record_not,
    ast.Subscript: _Recorder._record_subscript,
    ast.For: _Recorder._record_iteration,
    ast.comprehension: _Recorder._record_iteration,
    ast.Attribute: _Recorder._record_credentials,
    ast.Dict: _Recorder._record_dict,
}


# ---------------------------------------------------------------------- helpers


def _stringish(node: ast.BinOp) -> bool:
    """A ``+``/``%`` expression that builds text (some operand is a string literal or an f-string)."""
    return any(is_str(op) or isinstance(op, ast.JoinedStr) for op in add_operands(node)) or (
        isinstance(node.op, ast.Mod) and is_str(node.left))


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
    if mode is None or not is_str(mode):
        return (UseKind.READ,)
    assert isinstance(mode, ast.Constant)
    text = str(mode.value)
    if "+" in text:
        return (UseKind.READ, UseKind.WRITE)
    return (UseKind.WRITE,) if _write_mode(mode) else (UseKind.READ,)


def _write_mode(mode: ast.expr | None) -> bool:
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and any(c in mode.value for c in "wax")


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

