"""Run a pipeline file (a Python file that defines a Workflow) and find the workflow it defines.

Convention: the file is run as a script whose ``__name__`` is
``"__claimed_pipeline__"`` (so an ``if __name__ == "__main__":`` block does
not run), with its own directory first on ``sys.path``. The workflow to build
is the module-level :class:`Workflow` that no other module-level workflow uses
as a step; when there are several such, ``name`` (a workflow name or a
variable name) picks one. Paths inside the file are relative to the current
directory, as for any Python script: use ``Path(__file__).parent`` to be
independent of it.
"""

from __future__ import annotations

import runpy
import sys
import traceback
from pathlib import Path

from claimed_cwl.errors import ClaimedError
from claimed_cwl.workflow.workflow import Workflow

__all__ = ["PipelineError", "load_pipeline"]

RUN_NAME = "__claimed_pipeline__"
_PACKAGE_DIR = Path(__file__).resolve().parent.parent


class PipelineError(ClaimedError):
    """The pipeline file failed, or defines no (or no single) workflow; the message holds the traceback."""


def load_pipeline(path: str | Path, name: str | None = None) -> Workflow:
    """Run the pipeline file at ``path`` and return the workflow it defines."""
    path = Path(path)
    if not path.is_file():
        raise PipelineError(f"{path}: no such pipeline file")
    namespace = _run(path)
    found = {var: value for var, value in namespace.items() if isinstance(value, Workflow)}
    if name is not None:
        chosen = [wf for var, wf in found.items() if name in (var, wf.name)]
        if not chosen:
            raise PipelineError(f"{path}: no module-level workflow called {name!r}; found: {_names(found)}")
        return chosen[0]
    used = {id(sub) for wf in found.values() for sub in wf.subworkflows()}
    top = list({id(wf): wf for wf in found.values() if id(wf) not in used}.values())
    if len(top) == 1:
        return top[0]
    if not top:
        raise PipelineError(f"{path}: defines no module-level Workflow (write e.g. 'with Workflow(\"name\") as wf:')")
    raise PipelineError(
        f"{path}: defines several top-level workflows ({', '.join(sorted(wf.name for wf in top))}); choose one by name"
    )


def _names(found: dict[str, Workflow]) -> str:
    return ", ".join(sorted(f"{var} ({wf.name})" for var, wf in found.items())) or "none"


def _run(path: Path) -> dict[str, object]:
    directory = str(path.resolve().parent)
    sys.path.insert(0, directory)
    try:
        return runpy.run_path(str(path), run_name=RUN_NAME)
    except SystemExit as exc:
        raise PipelineError(f"{path}: the pipeline called exit({exc.code})") from exc
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise PipelineError(f"{path}: the pipeline failed\n{user_traceback(exc, path)}") from exc
    finally:
        if directory in sys.path:
            sys.path.remove(directory)


def user_traceback(exc: BaseException, path: Path) -> str:
    """Return the traceback of ``exc`` with only the frames in the user's files (the pipeline's directory)."""
    root = path.resolve().parent
    frames = [
        frame for frame in traceback.extract_tb(exc.__traceback__)
        if _is_user_file(Path(frame.filename), root)
    ]
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)] if frames else []
    lines.extend(traceback.format_exception_only(type(exc), exc))
    return "".join(lines).rstrip("\n")


def _is_user_file(filename: Path, root: Path) -> bool:
    if str(filename).startswith("<"):
        return False
    try:
        resolved = filename.resolve()
    except OSError:
        return False
    return (
        resolved.is_relative_to(root)
        and not resolved.is_relative_to(_PACKAGE_DIR)
        and "site-packages" not in resolved.parts
    )
