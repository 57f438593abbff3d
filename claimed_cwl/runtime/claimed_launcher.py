#!/usr/bin/env python3
"""claimed-cwl launcher: run an operator script or notebook unmodified, then export values.

Copied into the operator image by claimed-cwl; standard library only.

    python claimed_launcher.py SCRIPT.py|NOTEBOOK.ipynb [--export NAME=PATH ...] [--secret NAME=FILE ...]

A ``.py`` script runs as ``__main__`` (``runpy``). A notebook's code cells run
in order under IPython (``claimed_notebook.py``, copied beside this file):
shell lines, magics and ``display`` work as in Jupyter, and tracebacks show
the cell (``Cell In[N]``, N counting all cells from 1) and the line within
it. After a successful run, each ``--export NAME=PATH`` writes
``os.environ[NAME]`` (empty when unset) to PATH. Before the script starts,
each ``--secret NAME=FILE`` sets ``os.environ[NAME]`` to the content of FILE
when it exists (the runner writes secret values there so that they never
appear on a command line; a missing FILE is an optional secret not given).
The exit status is the script's own.
"""

from __future__ import annotations

import os
import runpy
import sys
import traceback
from types import TracebackType

__all__ = ["main"]

_USAGE = "usage: claimed_launcher.py SCRIPT.py|NOTEBOOK.ipynb [--export NAME=PATH ...] [--secret NAME=FILE ...]"


def _parse_args(argv: list[str]) -> tuple[str, list[tuple[str, str]], list[tuple[str, str]]]:
    """Return the script path, the (name, path) pairs to export and the (name, file) pairs of secrets."""
    if not argv or argv[0].startswith("-"):
        raise ValueError(_USAGE)
    script, rest = argv[0], argv[1:]
    pairs: dict[str, list[tuple[str, str]]] = {"--export": [], "--secret": []}
    while rest:
        if rest[0] not in pairs or len(rest) < 2 or "=" not in rest[1]:
            raise ValueError(_USAGE)
        name, _, path = rest[1].partition("=")
        pairs[rest[0]].append((name, path))
        rest = rest[2:]
    return script, pairs["--export"], pairs["--secret"]


def _read_secrets(secrets: list[tuple[str, str]]) -> None:
    """Set each secret variable from its file; the value is never printed, a missing file sets nothing."""
    for name, path in secrets:
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as handle:
                value = handle.read()
        except FileNotFoundError:
            continue
        if "\0" in value:
            raise ValueError(f"claimed_launcher: the value of secret {name} contains a NUL character")
        os.environ[name] = value


def _run_script(path: str) -> None:
    """Run a Python file as ``__main__`` with argv and sys.path as ``python FILE`` sets them."""
    sys.argv = [path]
    sys.path[0] = os.path.dirname(os.path.abspath(path))
    runpy.run_path(path, run_name="__main__")


def _run_notebook(path: str) -> None:
    """Run the notebook's code cells under IPython; a failing cell ends the run with its status."""
    try:
        from claimed_notebook import run_notebook  # type: ignore[import-not-found]  # noqa: PLC0415
    except ImportError:
        from claimed_cwl.runtime.claimed_notebook import run_notebook  # noqa: PLC0415 - in the package
    code = run_notebook(path)
    if code:
        raise SystemExit(code)


def _user_traceback(tb: TracebackType | None, script: str) -> TracebackType | None:
    """Drop the launcher's own frames so the traceback starts in the user's code."""
    current = tb
    while current is not None:
        filename = current.tb_frame.f_code.co_filename
        if filename == script or os.path.abspath(filename) == script:
            return current
        current = current.tb_next
    return None


def _exit_code(exc: SystemExit) -> int:
    """Exit status Python itself gives for ``SystemExit(code)``."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def _write_exports(exports: list[tuple[str, str]]) -> None:
    for name, path in exports:
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(os.environ.get(name, ""))


def main(argv: list[str]) -> int:
    """Run the operator named in ``argv``; return its exit status."""
    try:
        script, exports, secrets = _parse_args(argv)
        _read_secrets(secrets)
    except (ValueError, OSError) as exc:
        print(exc, file=sys.stderr)
        return 2
    script = os.path.abspath(script)
    runner = _run_notebook if script.endswith(".ipynb") else _run_script
    try:
        runner(script)
    except SystemExit as exc:
        code = _exit_code(exc)
    except KeyboardInterrupt:
        return 130
    except BaseException as exc:  # the user's error: print it as Python would, from the user's frame
        traceback.print_exception(type(exc), exc, _user_traceback(exc.__traceback__, script))
        return 1
    else:
        code = 0
    if code == 0:
        _write_exports(exports)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
