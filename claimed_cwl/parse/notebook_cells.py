"""Notebook shell lines and magics at compile time: what they install, need and cannot do.

Each code cell goes through IPython's own input transformer (the one the image
runs it with), so ``!cmd`` inside a string literal is text, not a command. The
``get_ipython()`` calls it writes are read with
:func:`claimed_cwl.runtime.claimed_notebook.shell_calls`: install commands
become dependencies, commands such as ``git`` or ``wget`` add their Debian
package, ``%load_ext`` and ``%matplotlib`` add the module they load to the
import check, and what cannot work in a container is a warning naming the cell
and line, never a silent skip.
"""

from __future__ import annotations

import ast
import logging
from dataclasses import dataclass, field

from claimed_cwl.runtime.claimed_notebook import ShellCall, command_words, install_tool, shell_calls

__all__ = ["COMMAND_PACKAGES", "CellFindings", "analyse_cell", "python_lines"]

log = logging.getLogger(__name__)

# IPython's built-in magics (IPython 8 and 9); others need an extension loaded with %load_ext.
_LINE_MAGICS = frozenset(
    [
        "alias",
        "alias_magic",
        "autoawait",
        "autocall",
        "automagic",
        "bookmark",
        "cat",
        "cd",
        "clear",
        "code_wrap",
        "colors",
        "conda",
        "config",
        "cp",
        "debug",
        "dhist",
        "dirs",
        "doctest_mode",
        "ed",
        "edit",
        "env",
        "gui",
        "hist",
        "history",
        "killbgscripts",
        "ldir",
        "less",
        "lf",
        "lk",
        "ll",
        "load",
        "load_ext",
        "loadpy",
        "logoff",
        "logon",
        "logstart",
        "logstate",
        "logstop",
        "ls",
        "lsmagic",
        "lx",
        "macro",
        "magic",
        "mamba",
        "man",
        "matplotlib",
        "micromamba",
        "mkdir",
        "more",
        "mv",
        "notebook",
        "page",
        "pastebin",
        "pdb",
        "pdef",
        "pdoc",
        "pfile",
        "pinfo",
        "pinfo2",
        "pip",
        "popd",
        "pprint",
        "precision",
        "prun",
        "psearch",
        "psource",
        "pushd",
        "pwd",
        "pycat",
        "pylab",
        "quickref",
        "recall",
        "rehashx",
        "reload_ext",
        "rep",
        "rerun",
        "reset",
        "reset_selective",
        "rm",
        "rmdir",
        "run",
        "save",
        "sc",
        "set_env",
        "store",
        "sx",
        "system",
        "tb",
        "time",
        "timeit",
        "unalias",
        "unload_ext",
        "uv",
        "who",
        "who_ls",
        "whos",
        "xdel",
        "xmode",
    ]
)
_CELL_MAGICS = frozenset(
    [
        "!",
        "HTML",
        "SVG",
        "bash",
        "capture",
        "code_wrap",
        "debug",
        "file",
        "html",
        "javascript",
        "js",
        "latex",
        "markdown",
        "perl",
        "prun",
        "pypy",
        "python",
        "python2",
        "python3",
        "ruby",
        "script",
        "sh",
        "svg",
        "sx",
        "system",
        "time",
        "timeit",
        "writefile",
    ]
)
# Magics that need a person or a front end: they do nothing useful in a batch run.
_INTERACTIVE = frozenset(
    [
        "debug",
        "pdb",
        "ed",
        "edit",
        "gui",
        "notebook",
        "pastebin",
        "qtconsole",
        "connect_info",
        "recall",
        "rerun",
        "rep",
        "macro",
        "less",
        "more",
        "page",
        "man",
        "clear",
        "pinfo",
        "pinfo2",
        "psource",
        "pdef",
        "pdoc",
        "pfile",
    ]
)
_IPYTHON_CELLS = frozenset({"capture", "time", "timeit", "prun"})  # their body is IPython code
_SHELL_CELLS = frozenset({"bash", "sh", "script", "system", "sx", "!"})
_INTERPRETER_CELLS = {"perl": "perl", "ruby": "ruby", "pypy": "pypy3", "python2": "python2"}
_GUI_BACKENDS = frozenset({"notebook", "widget", "ipympl", "qt", "qt5", "qt6", "tk", "gtk", "gtk3", "wx", "osx"})

# Commands of shell lines -> the Debian package that provides them (the Python base image is minimal).
COMMAND_PACKAGES: dict[str, str] = {
    "git": "git",
    "wget": "wget",
    "curl": "curl",
    "unzip": "unzip",
    "zip": "zip",
    "jq": "jq",
    "bzip2": "bzip2",
    "xz": "xz-utils",
    "sqlite3": "sqlite3",
    "convert": "imagemagick",
    "ffmpeg": "ffmpeg",
    "pdftotext": "poppler-utils",
    "pdftoppm": "poppler-utils",
    "tesseract": "tesseract-ocr",
    "java": "default-jre-headless",
    "Rscript": "r-base-core",
    "make": "make",
    "gcc": "gcc",
    "rsync": "rsync",
    "ssh": "openssh-client",
    "file": "file",
    "perl": "perl",
}


@dataclass
class CellFindings:
    """What the shell lines and magics of the notebook need, by line of the merged source.

    ``installs`` are install commands (line, words); ``modules`` modules that
    magics load (name, line); ``system`` Debian packages that commands need
    (package, line, command); ``run_files`` the files ``%run`` runs (path, line);
    ``written_files`` the files ``%%writefile`` writes (a module the notebook then imports);
    ``env_set`` the variables ``%env NAME=value``/``%set_env`` set (name -> first line).
    """

    installs: list[tuple[int, list[str]]] = field(default_factory=list)
    modules: list[tuple[str, int]] = field(default_factory=list)
    system: list[tuple[str, int, str]] = field(default_factory=list)
    run_files: list[tuple[str, int]] = field(default_factory=list)
    written_files: list[str] = field(default_factory=list)
    env_set: dict[str, int] = field(default_factory=dict)
    extensions: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Cell:
    """One cell being read: its number, the merged line of its first line, how to name a line of it."""

    file_name: str
    number: int
    first_line: int

    def where(self, line: int) -> str:
        return f"{self.file_name}, cell {self.number}, line {line}"

    def merged(self, line: int) -> int:
        return self.first_line + line - 1


def python_lines(lines: list[str]) -> list[str]:
    r"""The cell as Python, one line per cell line: IPython's transform of shell lines and magics.

    A ``%%`` cell is not Python: its lines become blank. When IPython's
    transform joins lines (a ``\\`` continued shell line), each shell or
    magic line becomes blank (``pass`` when indented) instead.
    """
    from IPython.core.inputtransformer2 import TransformerManager  # noqa: PLC0415 - 0.1 s, notebooks only

    if "\n".join(lines).lstrip().startswith("%%"):
        return [""] * len(lines)
    try:
        transformed = TransformerManager().transform_cell("\n".join(lines))  # type: ignore[no-untyped-call]
    except (SyntaxError, ValueError):
        transformed = ""
    python = transformed.split("\n")
    if python[-1:] == [""] and len(python) == len(lines) + 1:
        python.pop()
    if len(python) == len(lines):
        return python
    blanked = []
    for line in lines:
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        blanked.append((f"{indent}pass" if indent else "") if stripped.startswith(("!", "%")) else line)
    return blanked


def analyse_cell(text: str, number: int, first_line: int, file_name: str, found: CellFindings) -> None:
    """Read cell ``number`` (whose first line is ``first_line`` of the merged source) into ``found``."""
    _analyse(text, _Cell(file_name, number, first_line), 1, found)


def _analyse(text: str, cell: _Cell, offset: int, found: CellFindings) -> None:
    """Read IPython text that starts at line ``offset`` of the cell."""
    from IPython.core.inputtransformer2 import TransformerManager  # noqa: PLC0415 - 0.1 s, notebooks only

    try:
        tree = ast.parse(TransformerManager().transform_cell(text))  # type: ignore[no-untyped-call]
    except (SyntaxError, ValueError):
        return  # the merged source reports Python syntax errors; shell and magic cells need no parse here
    for call in shell_calls(tree):
        line = offset + call.line - 1
        if call.method in ("system", "getoutput"):
            _shell(call.text, line, cell, found)
        elif call.method == "run_line_magic":
            _line_magic(call.magic, call.text or "", line, cell, found)
        else:
            _cell_magic(call, line, cell, found)


def _shell(command: str | None, line: int, cell: _Cell, found: CellFindings) -> None:
    if command is None:
        return
    for words in command_words(command):
        kind, _, _ = install_tool(words)
        if kind:
            if any("{" in w or "$" in w for w in words):
                log.warning(
                    "%s: the packages of %r are named through variables, which the compiler cannot "
                    "read: name them literally or in a '# pip install' comment",
                    cell.where(line),
                    command,
                )
            found.installs.append((cell.merged(line), words))
            continue
        program = words[1] if words[0] == "sudo" and len(words) > 1 else words[0]
        package = COMMAND_PACKAGES.get(program.rsplit("/", 1)[-1])
        if package is not None:
            found.system.append((package, cell.merged(line), program))


def _line_magic(magic: str, argument: str, line: int, cell: _Cell, found: CellFindings) -> None:
    words = argument.split()
    if magic in ("pip", "conda", "mamba", "micromamba", "uv"):
        _shell(f"{magic} {argument}", line, cell, found)
    elif magic in ("system", "sx"):
        _shell(argument, line, cell, found)
    elif magic in ("env", "set_env") and ("=" in argument or len(words) > 1):
        name = argument.replace("=", " ", 1).split()[0]
        found.env_set.setdefault(name, cell.merged(line))
    elif magic in ("load_ext", "reload_ext") and words:
        found.extensions.add(words[0])
        found.modules.append((words[0].split(".")[0], cell.merged(line)))
    elif magic in ("matplotlib", "pylab"):
        found.modules.append(("matplotlib", cell.merged(line)))
        if words and words[0] in _GUI_BACKENDS:
            log.warning(
                "%s: %%%s %s needs a display, which a container has not: figures are not shown "
                "(save them with savefig)",
                cell.where(line),
                magic,
                words[0],
            )
    elif magic == "run" and words and not words[-1].startswith("-"):
        found.run_files.append((words[-1], cell.merged(line)))
    else:
        _check_magic(f"%{magic}", _LINE_MAGICS, line, cell, found)


def _cell_magic(call: ShellCall, line: int, cell: _Cell, found: CellFindings) -> None:
    magic, argument, body = call.magic, call.text or "", call.body or ""
    if magic in ("writefile", "file") and argument.strip():
        found.written_files.append(argument.rsplit(maxsplit=1)[-1])
    elif magic in _SHELL_CELLS:
        for number, text in _logical_lines(body, line + 1):
            _shell(text, number, cell, found)
    elif magic in _IPYTHON_CELLS:
        _analyse(body, cell, line + 1, found)
    elif magic in _INTERPRETER_CELLS:
        found.system.append((_INTERPRETER_CELLS[magic], cell.merged(line), magic))
    else:
        _check_magic(f"%%{magic}", _CELL_MAGICS, line, cell, found)


def _check_magic(shown: str, known: frozenset[str], line: int, cell: _Cell, found: CellFindings) -> None:
    """Warn for a magic that needs a person, or that IPython does not define (unless an extension may)."""
    magic = shown.lstrip("%")
    if magic in _INTERACTIVE:
        log.warning("%s: %s needs an interactive session; in the container it does nothing useful",
                    cell.where(line), shown)
    elif magic not in known and not found.extensions:
        log.warning("%s: %s is not an IPython built-in magic: it works only if an extension loaded with "
                    "%%load_ext defines it", cell.where(line), shown)


def _logical_lines(body: str, first: int) -> list[tuple[int, str]]:
    r"""Shell lines with ``\`` continuations joined, each with the cell line it starts on."""
    found: list[tuple[int, str]] = []
    pending, start = "", first
    for number, text in enumerate(body.split("\n"), start=first):
        if not pending:
            start = number
        if text.endswith("\\"):
            pending += text[:-1] + " "
            continue
        if (pending + text).strip():
            found.append((start, pending + text))
        pending = ""
    return found

