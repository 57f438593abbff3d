"""claimed-cwl notebook runner: run a notebook's code cells under IPython, as Jupyter would.

Copied into notebook images beside ``claimed_launcher.py``; the standard library
plus IPython (installed into every notebook image). The compiler imports the
same module for :func:`command_words`, :func:`install_tool` and
:func:`shell_calls`, so the image and the compiler agree on what a shell line
is and which lines only install packages.

Each code cell runs with ``InteractiveShell.run_cell``: ``!cmd``, ``x = !cmd``,
line and cell magics, ``display`` and ``get_ipython()`` work as in Jupyter.
Lines that only install packages (``!pip install``, ``%pip install``, ``pip
install`` lines of ``%%bash`` cells, ``apt-get install``, ...) are not run: the
compiler read them and the packages are in the image; each prints a note.
Tracebacks name the cell (``Cell In[N]``, N counting all cells from 1) and the
line within it. The first failing cell stops the run with status 1; ``sys.exit(n)``
stops it with status n.
"""

from __future__ import annotations

import ast
import json
import os
import shlex
import shutil
import sys
import tempfile
import warnings
from dataclasses import dataclass
from typing import Any

__all__ = ["ShellCall", "command_words", "install_tool", "installs_only", "run_notebook", "shell_calls"]

SKIP_FUNCTION = "__claimed_cwl_skip_install__"
_SEPARATORS = frozenset({"&&", "||", ";", "|", "&", "\n", ";;", "|&"})
_SHELL_MAGICS = frozenset({"bash", "sh", "script", "system", "sx", "!"})
_INSTALL_MAGICS = frozenset({"pip", "conda", "mamba", "micromamba", "uv"})
_SYSTEM_TOOLS = {"apt-get": "apt", "apt": "apt", "dnf": "dnf", "yum": "dnf", "microdnf": "dnf"}
_CONDA_TOOLS = frozenset({"conda", "mamba", "micromamba"})


def command_words(command: str) -> list[list[str]]:
    r"""Split shell text into simple commands (at ``&&``, ``||``, ``;``, ``|``, ``&``, newlines), each a word list.

    Comments are dropped and ``\`` line continuations joined. Text that a
    shell would not parse either (an unbalanced quote) is split at spaces.
    """
    text = command.replace("\\\n", " ").replace("\n", "\n ; ")
    # '<' and '>' stay in words: 'pandas>=2' is a requirement (a shell would redirect, which nobody means)
    lexer = shlex.shlex(text, posix=True, punctuation_chars="();|&")
    lexer.whitespace = " \t\r\n"
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        tokens = list(lexer)
    except ValueError:
        tokens = text.split()
    commands: list[list[str]] = [[]]
    for token in tokens:
        if token in _SEPARATORS or (token and set(token) <= set("&|;\n")):
            commands.append([])
        else:
            commands[-1].append(token)
    return [words for words in commands if words]


def install_tool(words: list[str]) -> tuple[str, str, int]:
    """Classify one simple command: (kind, tool, index of the first word after ``install``).

    kind is ``pip`` (pip, ``python -m pip``, ``uv pip``, conda and mamba),
    ``apt``, ``dnf`` or ``""`` when the command installs nothing.
    """
    start = 1 if words[:1] == ["sudo"] else 0
    rest = words[start:]
    tool = rest[0].rsplit("/", 1)[-1] if rest else ""
    if tool.startswith("python") and rest[1:3] == ["-m", "pip"]:
        tool, rest = "pip", rest[2:]
    elif tool == "uv" and rest[1:2] == ["pip"]:
        tool, rest = "pip", rest[1:]
    if len(rest) < 2 or rest[1] != "install":
        return "", tool, 0
    after = len(words) - len(rest) + 2
    if tool in ("pip", "pip3") or (tool.startswith("pip3.") and tool[5:].isdigit()):
        return "pip", "pip", after
    if tool in _CONDA_TOOLS:
        return "pip", tool, after
    kind = _SYSTEM_TOOLS.get(tool, "")
    return kind, tool, after if kind else 0


def installs_only(command: str) -> bool:
    """Tell whether every simple command of ``command`` installs packages (and there is one)."""
    commands = command_words(command)
    return bool(commands) and all(install_tool(words)[0] for words in commands)


@dataclass(frozen=True)
class ShellCall:
    """A ``get_ipython().<method>(...)`` call that IPython made of a shell line or magic.

    ``method`` is ``system`` (``!cmd``), ``getoutput`` (``x = !cmd``),
    ``run_line_magic`` or ``run_cell_magic``; ``magic`` the magic's name;
    ``text`` the command or the magic's line (None when not a literal);
    ``body`` a cell magic's body; ``line`` the line in the cell.
    """

    node: ast.Call
    method: str
    magic: str
    text: str | None
    body: str | None
    line: int


def shell_calls(tree: ast.AST) -> list[ShellCall]:
    """Every shell or magic call IPython's input transformer wrote into ``tree``, in source order."""
    found: list[ShellCall] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        if not (isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "get_ipython"):
            continue
        method = node.func.attr
        texts = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args]
        if method in ("system", "getoutput") and texts:
            found.append(ShellCall(node, method, "", texts[0], None, node.lineno))
        elif method == "run_line_magic" and len(texts) >= 2 and texts[0]:
            found.append(ShellCall(node, method, texts[0], texts[1], None, node.lineno))
        elif method == "run_cell_magic" and len(texts) >= 3 and texts[0]:
            found.append(ShellCall(node, method, texts[0], texts[1], texts[2], node.lineno))
    found.sort(key=lambda call: (call.line, call.node.col_offset))
    return found


def _install_line(call: ShellCall) -> str | None:
    """The install command a shell line or magic runs, when it runs nothing else; else None."""
    if call.method in ("system", "getoutput") and call.text is not None and installs_only(call.text):
        return call.text
    if call.method == "run_line_magic" and call.magic in _INSTALL_MAGICS and call.text is not None:
        command = f"{call.magic} {call.text}"
        if installs_only(command):
            return command
    return None


def _shell_body(body: str) -> str:
    """A shell cell's body with its install-only lines replaced by a note on stderr."""
    lines = body.replace("\\\n", " ").split("\n")
    kept = []
    for line in lines:
        if line.strip() and installs_only(line):
            kept.append(f"echo {shlex.quote(_note(line.strip()))} >&2")
        else:
            kept.append(line)
    return "\n".join(kept)


def _note(command: str) -> str:
    return f"[claimed-cwl] not run: {command} (installed in the image at build time)"


class _SkipInstalls(ast.NodeTransformer):
    """Replace install-only shell lines and magics by a call that prints a note (line numbers kept)."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        calls = shell_calls(ast.Expression(body=node))
        call = calls[0] if calls and calls[0].node is node else None
        if call is None:
            return node
        command = _install_line(call)
        if command is not None:
            replacement = ast.Call(ast.Name(SKIP_FUNCTION, ast.Load()), [ast.Constant(command)], [])
            return ast.copy_location(replacement, node)
        if call.method == "run_cell_magic" and call.magic in _SHELL_MAGICS and call.body is not None:
            node.args[2] = ast.copy_location(ast.Constant(_shell_body(call.body)), node.args[2])
        return node


def _skip_install(command: str) -> list[str]:
    print(_note(command), file=sys.stderr)
    return []


def _shell(ipython_dir: str) -> Any:
    """A non-interactive IPython shell: no colours, no history file, its profile in a temporary folder."""
    os.environ["IPYTHONDIR"] = ipython_dir
    from IPython.core.interactiveshell import InteractiveShell  # noqa: PLC0415 - only in notebook images
    from traitlets.config import Config  # noqa: PLC0415

    config = Config()
    config.HistoryManager.enabled = False
    try:
        shell = InteractiveShell.instance(config=config, colors="nocolor")
    except Exception:  # IPython 8 spells the scheme NoColor
        InteractiveShell.clear_instance()
        shell = InteractiveShell.instance(config=config, colors="NoColor")
    shell.ast_transformers.append(_SkipInstalls())
    shell.user_ns[SKIP_FUNCTION] = _skip_install
    show = shell.showtraceback

    def showtraceback(*args: Any, **kwargs: Any) -> None:
        """IPython reports sys.exit() as an error; the run ends with its status instead."""
        kind = sys.exc_info()[0]
        if kind is None or not issubclass(kind, SystemExit):
            show(*args, **kwargs)

    def print_traceback(etype: Any, evalue: Any, stb: Any) -> None:
        """Tracebacks go to stderr, where a workflow engine's log of the step has them."""
        print(shell.InteractiveTB.stb2text(stb), file=sys.stderr)

    shell.showtraceback = showtraceback  # type: ignore[method-assign]
    shell._showtraceback = print_traceback  # type: ignore[method-assign]
    warnings.filterwarnings("ignore", message="To exit: use")
    return shell


def _cell_text(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(str(part) for part in source) if isinstance(source, list) else str(source)


def run_notebook(path: str) -> int:
    """Run the code cells of the notebook at ``path`` in order; return the exit status."""
    with open(path, encoding="utf-8") as handle:
        notebook = json.load(handle)
    sys.argv = [path]
    # As in a Jupyter kernel: the working directory first (a %%writefile module imports), then the notebook's.
    sys.path[0:1] = ["", os.path.dirname(os.path.abspath(path))]
    ipython_dir = tempfile.mkdtemp(prefix="claimed-ipython-")
    try:
        shell = _shell(ipython_dir)
        for number, cell in enumerate(notebook.get("cells", []), start=1):
            if cell.get("cell_type") != "code":
                continue
            shell.execution_count = number
            result = shell.run_cell(_cell_text(cell), store_history=False)
            sys.stdout.flush()
            if isinstance(result.error_in_exec, SystemExit):
                raise SystemExit(result.error_in_exec.code)
            if not result.success:
                print(f"claimed-cwl: {os.path.basename(path)} failed in cell {number} (Cell In[{number}] above)",
                      file=sys.stderr)
                return 1
        return 0
    finally:
        shutil.rmtree(ipython_dir, ignore_errors=True)
