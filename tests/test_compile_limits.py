"""Hostile inputs to the compiler: very long lines, FIFOs, huge integer defaults.

Each must be compiled in time linear in its size or refused with a clear
error (file, line, what is wrong); never a hang, a traceback, or invalid CWL.
The long-line test is a hang guard with a wide margin, not a timing: the
figures are in benchmarks/compile_long_lines.py.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _artifact_checks import validate_cwl

from claimed_cwl.compile import compile_operator
from claimed_cwl.errors import ClaimedError, OperatorError
from claimed_cwl.parse import parse_operator


def _compile_in_child(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """``claimed-cwl compile ARGS`` in a child process that is killed after ``timeout`` seconds."""
    return subprocess.run([sys.executable, "-m", "claimed_cwl", "compile", *args], capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_a_3_mb_line_compiles_without_quadratic_time(tmp_path: Path) -> None:
    """Before: 14 s for 1 MB, so about 2 minutes for 3 MB; now a few seconds. 90 s is the hang guard."""
    source = tmp_path / "long_line.py"
    blob = "x" * 3_000_000
    source.write_text(f'"""Long lines."""\nimport os\n# {blob}\nname = os.getenv("name", "{blob}")\n',
                      encoding="utf-8")
    done = _compile_in_child([str(source), "--out", str(tmp_path / "out")], timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    assert blob in (tmp_path / "out" / "long-line.cwl").read_text(encoding="utf-8")


@pytest.mark.parametrize("text", [
    'x = f(a, "bé", c)\n',
    'x = f(\n  "ü€",\n  [1,\n   2],\n)\n',
    'y = 1; x = g("日本語", h("ö" * 3))\n',
])
def test_segments_give_the_same_text_as_ast(text: str) -> None:
    from claimed_cwl.parse.python_source import _Segments

    tree = ast.parse(text)
    segments = _Segments(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.expr):
            assert segments.of(node) == ast.get_source_segment(text, node)


def test_a_fifo_as_additional_file_is_refused_not_read(tmp_path: Path) -> None:
    """Reading a FIFO blocks until a writer comes: before, compile hung here."""
    (tmp_path / "op.py").write_text('"""Op."""\nimport os\nx = os.getenv("x", "1")\n', encoding="utf-8")
    os.mkfifo(tmp_path / "pipe")
    done = _compile_in_child([str(tmp_path / "op.py"), str(tmp_path / "pipe"), "--out", str(tmp_path / "out")],
                             timeout=60)
    assert done.returncode == 1
    assert "additional file 'pipe': not a regular file or directory" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_fifo_inside_an_additional_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "op.py").write_text('"""Op."""\nimport os\nx = os.getenv("x", "1")\n', encoding="utf-8")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "table.csv").write_text("a\n", encoding="utf-8")
    os.mkfifo(tmp_path / "data" / "pipe")
    done = _compile_in_child([str(tmp_path / "op.py"), str(tmp_path / "data"), "--out", str(tmp_path / "out")],
                             timeout=60)
    assert done.returncode == 1
    assert "pipe: not a regular file" in done.stderr and "Traceback" not in done.stderr


def test_an_integer_default_beyond_32_bits_is_a_cwl_long(tmp_path: Path) -> None:
    source = tmp_path / "big_int.py"
    source.write_text('"""Big."""\nimport os\n# a count\nn = int(os.getenv("n", "4294967296"))\n'
                      'm = os.getenv("m", -3000000000)\nsmall = int(os.getenv("small", "2147483647"))\n',
                      encoding="utf-8")
    result = compile_operator(source, out_dir=tmp_path / "out")
    cwl_path = tmp_path / "out" / "big-int.cwl"
    text = cwl_path.read_text(encoding="utf-8")
    assert "default: 4294967296\n    type:\n      - 'null'\n      - long" in text
    assert "default: -3000000000\n    type:\n      - 'null'\n      - long" in text
    assert "default: 2147483647\n    type:\n      - 'null'\n      - int" in text
    code, log = validate_cwl([cwl_path])[cwl_path]
    assert code == 0, log
    assert result.spec.parameter("n").default == 4294967296


@pytest.mark.parametrize(("default", "expected"), [
    ('"' + "9" * 4400 + '"', "cannot be converted by int()"),  # int() of a string over Python's 4,300 digits
    ("0x" + "f" * 4000, "does not fit CWL's widest integer type"),  # a hex literal Python reads, CWL cannot hold
    ('"' + "9" * 30 + '"', "does not fit CWL's widest integer type"),
])
def test_huge_integer_defaults_are_clean_errors(tmp_path: Path, default: str, expected: str) -> None:
    source = tmp_path / "huge.py"
    source.write_text(f'"""Huge."""\nimport os\nn = int(os.getenv("n", {default}))\n', encoding="utf-8")
    with pytest.raises(OperatorError) as caught:
        parse_operator(source)
    message = str(caught.value)
    assert message.startswith(f"{source}:3: default ") and expected in message
    assert len(message) < 400, "the default is shortened in the message"


def test_huge_integer_default_from_the_command_line_has_no_traceback(tmp_path: Path) -> None:
    source = tmp_path / "huge.py"
    source.write_text(f'"""Huge."""\nimport os\nn = os.getenv("n", 0x{"f" * 4000})\n', encoding="utf-8")
    done = _compile_in_child([str(source), "--out", str(tmp_path / "out")], timeout=60)
    assert done.returncode == 1
    assert "huge.py:3: default 0xfff" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_compile_error_leaves_nothing_for_a_fifo_operator(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "op.py")
    with pytest.raises(ClaimedError, match="not a regular file"):
        compile_operator(tmp_path / "op.py", out_dir=tmp_path / "out")
