"""The launch strategy and the Python launcher, run for real in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from _emit_samples import full_spec, minimal_spec

from claimed_cwl.emit.launch import interpreter_command, launch_command, launcher_files
from claimed_cwl.spec import Language, OperatorSpec, Output, OutputKind

LAUNCHER = Path(__file__).parents[1] / "claimed_cwl" / "runtime" / "claimed_launcher.py"


def test_plain_python_runs_directly() -> None:
    assert launch_command(minimal_spec()) == ["python", "/opt/app/hello.py"]


def test_value_outputs_go_through_the_launcher() -> None:
    assert launch_command(full_spec()) == [
        "python", "/opt/claimed/claimed_launcher.py", "/opt/app/filter_csv.py", "--export", "row_count=row_count.value",
    ]
    assert launch_command(full_spec(), export_dir="/data/")[-1] == "row_count=/data/row_count.value"


def test_notebook_and_r_commands() -> None:
    assert launch_command(minimal_spec(Language.NOTEBOOK)) == [
        "python", "/opt/claimed/claimed_launcher.py", "/opt/app/hello.ipynb",
    ]
    assert interpreter_command(minimal_spec(Language.R)) == [
        "Rscript", "/opt/claimed/claimed_launcher.R", "/opt/app/hello.R",
    ]
    assert set(launcher_files(minimal_spec(Language.R))) == {"claimed_launcher.R"}
    assert b"install.packages" in launcher_files(minimal_spec(Language.R))["claimed_launcher.R"]


def test_r_notebook_value_output_spec_is_consistent() -> None:
    spec = OperatorSpec(name="n", language=Language.NOTEBOOK, source_file="n.ipynb",
                        outputs=(Output("x", OutputKind.VALUE),))
    assert launch_command(spec)[-2:] == ["--export", "x=x.value"]


def _launch(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(LAUNCHER), *args], cwd=tmp_path, capture_output=True, text=True, env=env, check=False,
    )


def test_script_runs_as_main_and_exports(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "helper.py").write_text("VALUE = 'from-helper'\n")
    (app / "op.py").write_text(
        "import os, sys\n"
        "import helper\n"
        "assert __name__ == '__main__'\n"
        "print(sys.argv[0])\n"
        "os.environ['answer'] = helper.VALUE + '-' + os.getenv('who', 'nobody')\n"
    )
    result = _launch(tmp_path, str(app / "op.py"), "--export", "answer=out/answer.value",
                     "--export", "unset_one=unset.value", env={"who": "ann", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(app / "op.py")
    assert (tmp_path / "out" / "answer.value").read_text() == "from-helper-ann"
    assert (tmp_path / "unset.value").read_text() == ""


def test_script_traceback_shows_user_line(tmp_path: Path) -> None:
    script = tmp_path / "broken.py"
    script.write_text("x = 1\n\n\ny = x / 0\n")
    result = _launch(tmp_path, str(script), "--export", "y=y.value")
    assert result.returncode == 1
    assert f'File "{script}", line 4' in result.stderr
    assert "ZeroDivisionError" in result.stderr
    assert "runpy" not in result.stderr
    assert not (tmp_path / "y.value").exists()


def test_script_exit_status_is_kept(tmp_path: Path) -> None:
    script = tmp_path / "exits.py"
    script.write_text("import sys\nsys.exit(3)\n")
    assert _launch(tmp_path, str(script)).returncode == 3
    script.write_text("import sys\nsys.exit(None)\n")
    assert _launch(tmp_path, str(script)).returncode == 0


def _notebook(path: Path, cells: list[tuple[str, str]]) -> None:
    nb = {
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [
            {"cell_type": kind, "metadata": {}, "source": src.splitlines(keepends=True),
             **({"outputs": [], "execution_count": None} if kind == "code" else {})}
            for kind, src in cells
        ],
    }
    path.write_text(json.dumps(nb))


def test_notebook_cells_share_a_namespace_and_run_shell_lines(tmp_path: Path) -> None:
    nb = tmp_path / "op.ipynb"
    _notebook(nb, [
        ("markdown", "# Title\nA description."),
        ("code", "!pip install nothing-at-all\nimport os\nn = int(os.getenv('n', '2'))"),
        ("code", "%%bash\necho from-bash > bash.txt"),
        ("code", "if n:\n    !echo hi\nos.environ['total'] = str(n * 21)"),
    ])
    result = _launch(tmp_path, str(nb), "--export", "total=total.value", env={"n": "2", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "total.value").read_text() == "42"
    assert (tmp_path / "bash.txt").read_text() == "from-bash\n"  # the %%bash cell ran
    assert "hi" in result.stdout.splitlines()  # the shell line in the if block ran
    assert "[claimed-cwl] not run: pip install nothing-at-all" in result.stderr


def test_notebook_traceback_names_cell_and_line(tmp_path: Path) -> None:
    nb = tmp_path / "bad.ipynb"
    _notebook(nb, [
        ("markdown", "text"),
        ("code", "a = 1"),
        ("code", "b = 2\n!ls\nraise ValueError('boom ' + str(a + b))"),
    ])
    result = _launch(tmp_path, str(nb))
    assert result.returncode == 1
    assert "Cell In[3], line 3" in result.stderr  # cell 3 of the notebook (markdown cells count), its line 3
    assert "raise ValueError('boom ' + str(a + b))" in result.stderr
    assert "ValueError: boom 3" in result.stderr
    assert "bad.ipynb failed in cell 3" in result.stderr


def test_notebook_syntax_error_names_cell(tmp_path: Path) -> None:
    nb = tmp_path / "syntax.ipynb"
    _notebook(nb, [("code", "x = 1\ny = (")])
    result = _launch(tmp_path, str(nb))
    assert result.returncode == 1
    assert "Cell In[1], line 2" in result.stderr and "syntax.ipynb failed in cell 1" in result.stderr
    assert "SyntaxError" in result.stderr


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    assert _launch(tmp_path).returncode == 2
    assert _launch(tmp_path, "x.py", "--export", "no-equals").returncode == 2
