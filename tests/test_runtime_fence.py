"""The fence around claimed_cwl/runtime: what is copied into images imports the standard library only.

Every import of every module under claimed_cwl/runtime is read with ``ast``
(those inside functions too). Allowed: the standard library; other runtime
modules; and, each only where it is installed and only when a function runs
(never at import), boto3/botocore in the S3 modules and IPython in the notebook
runner. Typing-only imports (under ``if TYPE_CHECKING:``) may name stub packages.
Then the grid image's copy of the runtime is imported by an interpreter that
sees no site-packages at all.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from claimed_cwl.grid.image import RUNTIME_DIR, runtime_files

RUNTIME = Path(__file__).parents[1] / "claimed_cwl" / "runtime"
# Installed into some images only, so imported lazily: module -> the runtime files that may do so.
LAZY = {
    "boto3": {"s3.py", "grid/s3_store.py"},
    "botocore": {"s3.py", "grid/s3_store.py"},
    "IPython": {"claimed_notebook.py"},
    "traitlets": {"claimed_notebook.py"},  # IPython's own dependency
    "claimed_notebook": {"claimed_launcher.py"},  # its sibling, copied beside it
}
TYPING_ONLY = {"mypy_boto3_s3", "docker"}


@dataclass(frozen=True)
class Import:
    """One import: the top-level module, its line, and whether it runs at import time or only for typing."""

    top: str
    module: str
    line: int
    in_function: bool
    typing_only: bool


def _imports(tree: ast.AST) -> list[Import]:
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool, typing_only: bool) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if isinstance(node, ast.ImportFrom) and node.level:
                names = ["." + (node.module or "")]
            found.extend(Import(n.split(".")[0], n, node.lineno, in_function, typing_only) for n in names)
        inner_function = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                visit(child, inner_function, True)
            for child in node.orelse:
                visit(child, inner_function, typing_only)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, inner_function, typing_only)

    visit(tree, False, False)
    return found


def _problem(relative: str, item: Import) -> str | None:
    if item.top in sys.stdlib_module_names or item.top == "__future__":
        return None
    if item.module == "claimed_cwl" or item.module.startswith("claimed_cwl.runtime"):
        return None
    if item.typing_only and item.top in TYPING_ONLY:
        return None
    if relative in LAZY.get(item.top, set()):
        return None if item.in_function else f"imports {item.module} at module level (it must be lazy)"
    return f"imports {item.module}, which is neither the standard library nor the runtime"


RUNTIME_FILES = sorted(p.relative_to(RUNTIME).as_posix() for p in RUNTIME.rglob("*.py"))


@pytest.mark.parametrize("relative", RUNTIME_FILES)
def test_runtime_module_imports_only_the_standard_library(relative: str) -> None:
    path = RUNTIME / relative
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    problems = [f"{relative}:{i.line}: {p}" for i in _imports(tree) if (p := _problem(relative, i))]
    assert not problems, "\n".join(problems)


def test_the_fence_catches_an_import_from_outside() -> None:
    """The check above fails for the imports it is there to stop."""
    tree = ast.parse("import yaml\nfrom claimed_cwl.emit import cwl\nimport boto3\n"
                     "def f():\n    import IPython\n")
    problems = [p for i in _imports(tree) if (p := _problem("grid/worker.py", i))]
    assert len(problems) == 4
    lazy = [p for i in _imports(tree) if (p := _problem("s3.py", i))]
    assert any("boto3 at module level" in p for p in lazy)


def test_the_image_copy_of_the_runtime_imports_without_site_packages(tmp_path: Path) -> None:
    for name, data in runtime_files().items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    root = tmp_path / RUNTIME_DIR
    modules = sorted(
        ".".join(("claimed_cwl", "runtime", *p.relative_to(root / "claimed_cwl" / "runtime").with_suffix("").parts))
        for p in (root / "claimed_cwl" / "runtime").rglob("*.py") if p.name != "__init__.py"
    )
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\nprint('ok')\n"
    # -S: no site-packages (nor the editable install of this checkout); only the copy on PYTHONPATH
    done = subprocess.run([sys.executable, "-S", "-c", code, *modules], cwd=root, capture_output=True,
                          text=True, env={"PYTHONPATH": str(root)}, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
    assert "claimed_cwl.runtime.grid.worker" in modules and "claimed_cwl.runtime.core" in modules
