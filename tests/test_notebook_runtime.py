"""The in-image notebook runner (claimed_notebook.py) under the real IPython, in a subprocess (no engine).

The image runs ``python claimed_launcher.py NOTEBOOK``; these tests run the
same launcher file with the test environment's IPython.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from claimed_cwl.runtime.claimed_notebook import command_words, installs_only
from tests.test_parse_notebook import write_notebook

LAUNCHER = Path(__file__).parent.parent / "claimed_cwl" / "runtime" / "claimed_launcher.py"


def run(tmp_path: Path, *cells: str) -> subprocess.CompletedProcess[str]:
    path = write_notebook(tmp_path / "nb.ipynb", [("code", cell) for cell in cells])
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    return subprocess.run([sys.executable, str(LAUNCHER), str(path)], cwd=work, capture_output=True, text=True,
                          timeout=120, check=False)


def test_shell_lines_magics_and_display(tmp_path: Path) -> None:
    done = run(
        tmp_path,
        "import os\n!echo from-shell > a.txt\nlines = !cat a.txt\nprint('lines', lines)",
        "%%bash\necho from-bash > b.txt\n",
        "%%writefile c.py\nVALUE = 3\n",
        "import c\n%env FLAG=on\nprint('env', os.environ['FLAG'], c.VALUE)\ndisplay({'shown': True})",
        "%%capture hidden\nprint('not printed')\n",
        "print('captured', repr(hidden.stdout))\nget_ipython().system('echo via-get-ipython')",
        "def in_function(name):\n    out = !echo {name}\n    return out[0]\nprint('function', in_function('local'))",
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "lines ['from-shell']" in out
    assert (tmp_path / "work" / "b.txt").read_text() == "from-bash\n"
    assert "env on 3" in out and "{'shown': True}" in out
    assert "captured 'not printed\\n'" in out and "via-get-ipython" in out
    assert "function local" in out  # {name} expands from the function's own frame


def test_install_lines_are_not_run(tmp_path: Path) -> None:
    done = run(
        tmp_path,
        "!pip install surely-not-a-real-package-xyz==0.0.1\n%pip install another-missing-package-xyz",
        "%%bash\npip install third-missing-package-xyz\necho after > after.txt\n",
    )
    assert done.returncode == 0, done.stderr
    assert "[claimed-cwl] not run: pip install surely-not-a-real-package-xyz==0.0.1" in done.stderr
    assert "[claimed-cwl] not run: pip install another-missing-package-xyz" in done.stderr
    assert "[claimed-cwl] not run: pip install third-missing-package-xyz" in done.stderr
    assert (tmp_path / "work" / "after.txt").read_text() == "after\n"


def test_traceback_names_the_cell_and_line(tmp_path: Path) -> None:
    done = run(tmp_path, "x = 1", "y = 2\n\nraise ValueError('bad value')", "print('never')")
    assert done.returncode == 1
    assert "Cell In[2], line 3" in done.stdout + done.stderr
    assert "ValueError: bad value" in done.stdout + done.stderr
    assert "nb.ipynb failed in cell 2" in done.stderr
    assert "never" not in done.stdout
    assert "\x1b[" not in done.stdout + done.stderr  # no colour codes in logs


def test_sys_exit_status_is_the_notebooks(tmp_path: Path) -> None:
    done = run(tmp_path, "import sys\nsys.exit(3)", "print('never')")
    assert done.returncode == 3
    assert "never" not in done.stdout


def test_failing_shell_cell_fails_the_run(tmp_path: Path) -> None:
    done = run(tmp_path, "%%bash\nexit 4\n", "print('never')")
    assert done.returncode == 1
    assert "never" not in done.stdout


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("pip install a b", True),
        ("sudo apt-get install -y curl && python -m pip install x", True),
        ("pip install a; python run.py", False),
        ("echo pip install a", False),
        ("pip list", False),
        ("uv pip install x", True),
    ],
)
def test_installs_only(command: str, expected: bool) -> None:
    assert installs_only(command) is expected


def test_command_words_keeps_specifiers_and_quotes() -> None:
    assert command_words("pip install 'a b' c>=1 && echo x # note\nls") == [
        ["pip", "install", "a b", "c>=1"], ["echo", "x"], ["ls"],
    ]
