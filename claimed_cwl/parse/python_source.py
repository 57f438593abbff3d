"""Python front end: find environment reads and writes with ``ast``.

Understands ``os.getenv``, ``os.environ.get``, ``os.environ[...]`` (also via
``import os as o`` and ``from os import getenv, environ``), the cast or
comparison around each read, and ``os.environ['x'] = value`` writes. Comments
come from ``tokenize``. The rules are those of docs/operators.md.
"""

from __future__ import annotations

import ast
import math
import operator
import tokenize
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

from claimed_cwl.parse.comments import python_comments
from claimed_cwl.parse.infer import is_identifier, strip_blank_lines
from claimed_cwl.parse.py_usage import analyse_usage
from claimed_cwl.parse.reads import Extracted, Read, ValueWrite
from claimed_cwl.parse.source import Source
from claimed_cwl.parse.usage import Usage
from claimed_cwl.spec import DefaultValue, ParamType

__all__ = ["extract_python", "parse_tree"]

_CASTS = {"int": ParamType.INT, "float": ParamType.FLOAT, "bool": ParamType.BOOL, "str": ParamType.STRING}
_UNSUPPORTED = frozenset({"complex", "bytes", "bytearray", "list", "tuple", "set", "frozenset", "dict", "eval"})
_CONST_CALLS = {"str": str, "int": int, "float": float}
_NO_DEFAULT = ("none",)
# CWL's widest integer is ``long`` (64-bit); a default outside it cannot be written as CWL.
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
_SHOWN_CHARS = 60


@dataclass
class _Names:
    """Local names bound to ``os``, ``os.getenv`` and ``os.environ``."""

    os: set[str] = field(default_factory=lambda: {"os"})
    getenv: set[str] = field(default_factory=set)
    environ: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Cast:
    """What surrounds a read: a cast, ``.lower()``, or a comparison with literals."""

    kind: str  # none, str, int, float, bool, lower, compare
    op: str = ""
    literals: tuple[str, ...] = ()
    lowered: bool = False


@dataclass(frozen=True)
class _Default:
    """The written default of a read: absent, a constant, or an expression."""

    key: tuple[object, ...]
    value: DefaultValue | None = None
    text: str = "no default"


def parse_tree(source: Source) -> ast.Module:
    """Parse Python text; a syntax error is an OperatorError at its line."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source.text, filename=str(source.path))
    except SyntaxError as exc:
        raise source.error(exc.lineno or 0, f"Python syntax error: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise source.error(0, f"cannot parse the Python source: {exc}") from None


class _Segments:
    """Source text of nodes, in time linear in their length.

    ``ast.get_source_segment`` splits the whole text again on every call, one
    character at a time: quadratic in the length of a line (14 s for a 1 MB line).
    Columns are UTF-8 byte offsets, so each line is encoded once, when first needed.
    """

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")  # the front ends hand in Unix newlines only
        self._encoded: dict[int, bytes] = {}

    def _line(self, index: int) -> bytes:
        if index not in self._encoded:
            self._encoded[index] = self.lines[index].encode("utf-8")
        return self._encoded[index]

    def of(self, node: ast.AST) -> str | None:
        """The text of ``node``, or None when it has no position."""
        first = getattr(node, "lineno", 0) - 1
        last, col, end_col = getattr(node, "end_lineno", None), getattr(node, "col_offset", 0), getattr(
            node, "end_col_offset", None)
        if last is None or end_col is None or not 0 <= first < last <= len(self.lines):
            return None
        if first == last - 1:
            return self._line(first)[col:end_col].decode("utf-8", "replace")
        middle = self.lines[first + 1:last - 1]
        head = self._line(first)[col:].decode("utf-8", "replace")
        return "\n".join([head, *middle, self._line(last - 1)[:end_col].decode("utf-8", "replace")])


def extract_python(source: Source, with_docstring: bool = True) -> Extracted:
    """Extract reads, value writes, comment lines and (optionally) the docstring of Python source."""
    tree = parse_tree(source)
    try:
        comments = python_comments(source.text)
    except (tokenize.TokenError, SyntaxError) as exc:
        raise source.error(0, f"cannot tokenize the Python source: {exc}") from None
    walker = _Walker(source, tree)
    description = strip_blank_lines(ast.get_docstring(tree) or "") if with_docstring else ""
    usage = analyse_usage(tree, walker.read_nodes)
    usage.merge(walker.usage)
    return Extracted(description=description, reads=walker.reads, writes=walker.writes, comments=comments,
                     usage=usage)


class _Walker:
    """One pass over the tree collecting reads and writes in source order."""

    def __init__(self, source: Source, tree: ast.Module) -> None:
        self.source = source
        self.segments = _Segments(source.text)
        self.names = _collect_names(tree)
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
        self.reads: list[Read] = []
        self.writes: list[ValueWrite] = []
        self.read_nodes: dict[ast.AST, str] = {}
        self.usage = Usage()
        self.helpers = _helper_functions(tree, self)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                self._visit_call(node)
            elif isinstance(node, ast.Subscript):
                self._visit_subscript(node)
        self.reads.sort(key=lambda r: (r.line, r.col))
        self.writes.sort(key=lambda w: (w.line, w.col))

    def _visit_call(self, node: ast.Call) -> None:
        if any(isinstance(a, ast.Starred) for a in node.args):
            return
        keywords = {kw.arg: kw.value for kw in node.keywords}
        if isinstance(node.func, ast.Name) and node.func.id in self.helpers:
            name_node, default_node = self.helpers[node.func.id].arguments(node)
        elif not self._is_getenv(node.func) or None in keywords or len(node.args) > 2:
            return
        else:
            name_node = node.args[0] if node.args else keywords.get("key")
            default_node = node.args[1] if len(node.args) > 1 else keywords.get("default")
            if _names_a_parameter(name_node, node, self):
                return  # inside a helper function: its calls are the reads
        name = self._literal_name(name_node, node)
        if name is not None:
            self.reads.append(self._read(node, name, default_node, subscript=False))
            self.read_nodes[node] = name

    def _visit_subscript(self, node: ast.Subscript) -> None:
        if not self._is_environ(node.value):
            return
        if not isinstance(node.ctx, ast.Load) and not _is_str_constant(node.slice):
            return  # os.environ[key] = value with a computed key: the script sets up its environment
        if isinstance(node.ctx, ast.Load) and _names_a_parameter(node.slice, node, self):
            return
        name = self._literal_name(node.slice, node)
        if name is None:
            return
        if isinstance(node.ctx, ast.Store):
            self.writes.append(ValueWrite(name, node.lineno, node.col_offset, self._anchors(node)))
        elif isinstance(node.ctx, ast.Load):
            self.reads.append(self._read(node, name, None, subscript=True))
            self.read_nodes[node] = name

    def _literal_name(self, node: ast.AST | None, at: ast.expr) -> str | None:
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            if node is not None:
                text = _shorten(self.segments.of(node) or "an expression")
                self.usage.notice(at.lineno, f"an environment variable is read by a computed name ({text}): "
                                  "it is no parameter of the interface; read it with a literal name to make it one")
            return None
        if not is_identifier(node.value):
            raise self.source.error(
                at.lineno,
                f"environment variable {node.value!r} is not an identifier (letters, digits, '_'), "
                "so not a parameter name",
            )
        return node.value

    def _is_environ(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.names.environ
        return (
            isinstance(node, ast.Attribute)
            and node.attr == "environ"
            and isinstance(node.value, ast.Name)
            and node.value.id in self.names.os
        )

    def _is_getenv(self, func: ast.AST) -> bool:
        if isinstance(func, ast.Name):
            return func.id in self.names.getenv
        if not isinstance(func, ast.Attribute):
            return False
        if func.attr == "getenv":
            return isinstance(func.value, ast.Name) and func.value.id in self.names.os
        return func.attr == "get" and self._is_environ(func.value)

    def _anchors(self, node: ast.AST) -> tuple[int, ...]:
        line = getattr(node, "lineno", 0)
        stmt: ast.AST | None = node
        while stmt is not None and not isinstance(stmt, ast.stmt):
            stmt = self.parents.get(stmt)
        stmt_line = getattr(stmt, "lineno", line)
        return (line,) if stmt_line == line else (line, stmt_line)

    def _read(self, node: ast.expr, name: str, default_node: ast.expr | None, subscript: bool) -> Read:
        cast = self._cast_of(node, name)
        default = self._default(default_node)
        kind = _KIND_RULES[cast.kind]
        param_type, value, required = kind(self, cast, default, node.lineno, name)
        true_text, false_text = _bool_texts(cast)
        return Read(
            name=name,
            line=node.lineno,
            col=node.col_offset,
            anchors=self._anchors(node),
            type=param_type,
            default=None if subscript else value,
            required=required or subscript,
            signature=(cast.kind, cast.op, cast.literals, cast.lowered),
            default_key=default.key,
            cast_text=_cast_text(cast),
            default_text=default.text,
            path_like=param_type is ParamType.STRING and cast.kind in ("none", "str", "lower"),
            numeric=param_type in (ParamType.INT, ParamType.FLOAT, ParamType.BOOL),
            true_text=true_text,
            false_text=false_text,
        )

    def _cast_of(self, node: ast.expr, name: str) -> _Cast:
        parent = self.parents.get(node)
        current: ast.AST = node
        lowered = False
        if isinstance(parent, ast.Attribute) and parent.attr == "lower":
            call = self.parents.get(parent)
            if isinstance(call, ast.Call) and call.func is parent and not call.args and not call.keywords:
                current, parent, lowered = call, self.parents.get(call), True
        if isinstance(parent, ast.Compare):
            compared = _compare_cast(parent, current, lowered)
            if compared is not None:
                return compared
        if lowered:
            return _Cast("lower")
        if (
            isinstance(parent, ast.Call)
            and isinstance(parent.func, ast.Name)
            and len(parent.args) == 1
            and parent.args[0] is current
            and not parent.keywords
        ):
            if parent.func.id in _UNSUPPORTED:
                raise self.source.error(
                    node.lineno,
                    f"unsupported cast {parent.func.id}(...) of {name!r}: use int, float, bool or str",
                )
            if parent.func.id in _CASTS:
                return _Cast(parent.func.id)
        return _Cast("none")

    def _default(self, node: ast.expr | None) -> _Default:
        if node is None:
            return _Default(_NO_DEFAULT)
        full = self.segments.of(node) or "<expression>"
        text = _shorten(full)
        ok, value = _constant(node)
        if not ok:
            return _Default(("expr", full), None, text)
        if value is None:
            return _Default(_NO_DEFAULT)
        if isinstance(value, float) and not math.isfinite(value):
            raise self.source.error(node.lineno, f"default {text} is not a finite number")
        return _Default(("const", type(value).__name__, value), value, text)


def _shorten(text: str) -> str:
    """``text`` for a message: at most about 60 characters."""
    if len(text) <= _SHOWN_CHARS:
        return text
    return f"{text[:_SHOWN_CHARS - 20]}...{text[-10:]} ({len(text):,} characters)"


def _check_long(source: Source, line: int, value: int, text: str) -> None:
    """A default integer must fit CWL's ``long`` (64-bit); one beyond 32 bits is emitted as ``long``."""
    if not _LONG_MIN <= value <= _LONG_MAX:
        raise source.error(line, f"default {text} does not fit CWL's widest integer type (long, 64-bit: "
                           f"{_LONG_MIN:,} to {_LONG_MAX:,})")


def _collect_names(tree: ast.Module) -> _Names:
    names = _Names()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "os" and alias.asname:
                    names.os.add(alias.asname)
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and not node.level:
            for alias in node.names:
                if alias.name == "getenv":
                    names.getenv.add(alias.asname or alias.name)
                elif alias.name == "environ":
                    names.environ.add(alias.asname or alias.name)
    return names


@dataclass(frozen=True)
class _Helper:
    """A function of the operator that reads the variable its caller names: ``def env(k, d=None): ...``.

    ``name_index``/``default_index`` are the positions of the parameters that
    the function passes to ``os.getenv`` as the name and the default.
    """

    params: tuple[str, ...]
    name_index: int
    default_index: int | None
    own_defaults: dict[str, ast.expr]

    def arguments(self, call: ast.Call) -> tuple[ast.expr | None, ast.expr | None]:
        """The name and default expressions of a call to the helper."""
        bound = dict(zip(self.params, call.args, strict=False))
        bound.update({kw.arg: kw.value for kw in call.keywords if kw.arg})
        name = bound.get(self.params[self.name_index])
        if self.default_index is None:
            return name, None
        default_param = self.params[self.default_index]
        return name, bound.get(default_param, self.own_defaults.get(default_param))


def _helper_functions(tree: ast.Module, walker: _Walker) -> dict[str, _Helper]:
    """Module-level functions that read ``os.getenv(<their parameter>, <their parameter>)``."""
    helpers: dict[str, _Helper] = {}
    for func in tree.body:
        if not isinstance(func, ast.FunctionDef):
            continue
        params = tuple(a.arg for a in (*func.args.posonlyargs, *func.args.args))
        defaults = dict(zip(params[len(params) - len(func.args.defaults):], func.args.defaults, strict=False))
        for node in ast.walk(func):
            if not (isinstance(node, ast.Call) and walker._is_getenv(node.func) and node.args):
                continue
            first = node.args[0]
            if isinstance(first, ast.Name) and first.id in params:
                second = node.args[1] if len(node.args) > 1 else next(
                    (kw.value for kw in node.keywords if kw.arg == "default"), None)
                default_index = params.index(second.id) if isinstance(second, ast.Name) and second.id in params \
                    else None
                helpers[func.name] = _Helper(params, params.index(first.id), default_index, defaults)
                break
    return helpers


def _names_a_parameter(node: ast.AST | None, at: ast.AST, walker: _Walker) -> bool:
    """Tell whether ``node`` is a parameter of the helper function ``at`` sits in (a computed name it forwards)."""
    if not isinstance(node, ast.Name):
        return False
    parent = walker.parents.get(at)
    while parent is not None and not isinstance(parent, ast.FunctionDef):
        parent = walker.parents.get(parent)
    return isinstance(parent, ast.FunctionDef) and parent.name in walker.helpers and node.id in walker.helpers[
        parent.name].params


def _is_str_constant(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


_FOLDABLE: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
}
_FOLD_LIMIT = 10**18


def _fold(node: ast.BinOp) -> tuple[bool, DefaultValue | None]:
    """A constant arithmetic expression (``2*3600``, ``'a' + 'b'``): its value, within sane bounds."""
    ok_left, left = _constant(node.left)
    ok_right, right = _constant(node.right)
    value = _arithmetic(node.op, left, right) if ok_left and ok_right else None
    return value is not None, value


def _arithmetic(op: ast.operator, left: DefaultValue | None, right: DefaultValue | None) -> DefaultValue | None:
    """``left op right`` for numbers (and ``+`` of strings); None when it is no sane constant."""
    if isinstance(left, str) and isinstance(right, str):
        return left + right if isinstance(op, ast.Add) else None
    operation = _FOLDABLE.get(type(op))
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (left, right))
    if operation is None or not numbers:
        return None
    assert isinstance(left, int | float) and isinstance(right, int | float)
    if isinstance(op, ast.Pow) and (abs(right) > 64 or abs(left) > _FOLD_LIMIT):
        return None
    try:
        value = operation(left, right)
    except (ArithmeticError, ValueError):
        return None
    sane = abs(value) <= _FOLD_LIMIT and not (isinstance(value, float) and not math.isfinite(value))
    return value if sane else None


def _constant(node: ast.expr) -> tuple[bool, DefaultValue | None]:
    """Return (True, value) for a literal, a signed number, str/int/float(literal), or constant arithmetic."""
    if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, str | int | float)):
        return True, node.value
    if isinstance(node, ast.BinOp):
        return _fold(node)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        ok, value = _constant(node.operand)
        if ok and isinstance(value, int | float) and not isinstance(value, bool):
            return True, -value if isinstance(node.op, ast.USub) else value
        return False, None
    return _constant_call(node)


def _constant_call(node: ast.expr) -> tuple[bool, DefaultValue | None]:
    """``str(3)``, ``int('4')``, ``float(1)``: the converted literal."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _CONST_CALLS
            and len(node.args) == 1 and not node.keywords):
        return False, None
    ok, value = _constant(node.args[0])
    if not ok or value is None:
        return False, None
    try:
        return True, _CONST_CALLS[node.func.id](value)
    except (ValueError, TypeError, OverflowError):
        return False, None


def _compare_cast(compare: ast.Compare, node: ast.AST, lowered: bool) -> _Cast | None:
    if len(compare.ops) != 1:
        return None
    op = compare.ops[0]
    other = compare.comparators[0] if compare.left is node else compare.left
    if isinstance(op, ast.Eq | ast.NotEq):
        if isinstance(other, ast.Constant) and isinstance(other.value, str):
            return _Cast("compare", "==" if isinstance(op, ast.Eq) else "!=", (other.value,), lowered)
        return None
    if (
        isinstance(op, ast.In | ast.NotIn)
        and compare.left is node
        and isinstance(other, ast.Tuple | ast.List | ast.Set)
    ):
        values = [e.value for e in other.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        if values and len(values) == len(other.elts):
            return _Cast("compare", "in" if isinstance(op, ast.In) else "not in", tuple(values), lowered)
    return None


def _bool_texts(cast: _Cast) -> tuple[str, str]:
    """Strings handed to the script for CWL true/false so that its own test agrees."""
    if cast.kind != "compare":
        return "True", ""

    def hits(text: str) -> bool:
        return (text.lower() if cast.lowered else text) in cast.literals

    true_word, false_word = ("true", "false") if cast.lowered else ("True", "False")
    if cast.op in ("==", "in"):
        false_text = next(c for c in (false_word, "", "0", "no", "off", "claimed-false") if not hits(c))
        return cast.literals[0], false_text
    true_text = next(c for c in (true_word, "1", "yes", "on", "claimed-true") if not hits(c))
    return true_text, cast.literals[0]


def _cast_text(cast: _Cast) -> str:
    if cast.kind == "compare":
        lower = ".lower()" if cast.lowered else ""
        literals = cast.literals[0] if cast.op in ("==", "!=") else cast.literals
        return f"comparison {lower} {cast.op} {literals!r}".replace("  ", " ")
    if cast.kind == "lower":
        return ".lower()"
    return "no cast" if cast.kind == "none" else f"{cast.kind}(...)"


_Resolved = tuple[ParamType, DefaultValue | None, bool]


def _plain(walker: _Walker, cast: _Cast, default: _Default, line: int, name: str) -> _Resolved:
    value = default.value
    if isinstance(value, bool):
        return ParamType.BOOL, value, False
    if isinstance(value, int):
        _check_long(walker.source, line, value, default.text)
        return ParamType.INT, value, False
    if isinstance(value, float):
        return ParamType.FLOAT, value, False
    return ParamType.STRING, value, False


def _lower(walker: _Walker, cast: _Cast, default: _Default, line: int, name: str) -> _Resolved:
    if default.key == _NO_DEFAULT:
        return ParamType.STRING, None, True
    if default.value is not None and not isinstance(default.value, str):
        raise walker.source.error(line, f"default {default.text} of {name!r} has no .lower(): the script would crash")
    return ParamType.STRING, default.value, False


def _converted(walker: _Walker, cast: _Cast, default: _Default, line: int, name: str) -> _Resolved:
    param_type = _CASTS[cast.kind]
    if default.key == _NO_DEFAULT:
        return param_type, None, cast.kind in ("int", "float")
    if default.value is None:
        return param_type, None, False
    converter = {"int": int, "float": float, "bool": bool, "str": str}[cast.kind]
    try:
        value = converter(default.value)
    except (ValueError, TypeError, OverflowError):
        raise walker.source.error(
            line, f"default {default.text} of {name!r} cannot be converted by {cast.kind}(): the script would crash"
        ) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise walker.source.error(line, f"default {default.text} of {name!r} is not a finite number")
    if isinstance(value, int) and not isinstance(value, bool):
        _check_long(walker.source, line, value, default.text)
    return param_type, value, False


def _compared(walker: _Walker, cast: _Cast, default: _Default, line: int, name: str) -> _Resolved:
    if default.key == _NO_DEFAULT:
        return ParamType.BOOL, None, cast.lowered
    value = default.value
    if value is None:
        return ParamType.BOOL, None, False
    if cast.lowered and not isinstance(value, str):
        raise walker.source.error(line, f"default {default.text} of {name!r} has no .lower(): the script would crash")
    hit = isinstance(value, str) and (value.lower() if cast.lowered else value) in cast.literals
    return ParamType.BOOL, hit if cast.op in ("==", "in") else not hit, False


_KIND_RULES = {
    "none": _plain,
    "lower": _lower,
    "str": _converted,
    "int": _converted,
    "float": _converted,
    "bool": _converted,
    "compare": _compared,
}
