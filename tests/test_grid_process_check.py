"""``claimed-cwl grid`` checks at compile time that the operator defines the ``--process`` function it can call."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from claimed_cwl.cli import main
from claimed_cwl.grid.spec import GridSpec

E2E = Path(__file__).parent / "e2e"
HEADER = '"""A grid operator."""\nimport os\n\n# where outputs go\nout_dir = os.getenv("out_dir", "/tmp")\n'


def _grid(tmp_path: Path, body: str, *extra: str) -> tuple[int, str]:
    source = tmp_path / "op.py"
    source.write_text(HEADER + body, encoding="utf-8")
    return main(["grid", str(source), "--out", str(tmp_path / "out"), *extra]), str(source)


def test_a_missing_process_function_is_a_compile_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, source = _grid(tmp_path, "\ndef process_one(batch_id, out_dir):\n    pass\n")
    err = capsys.readouterr().err
    assert code == 1
    assert f"{source}: defines no function grid_process(batch_id, ...) at module level" in err
    assert "its functions: process_one" in err
    assert not (tmp_path / "out").exists()
    code, _ = _grid(tmp_path, "\ndef process_one(batch_id, out_dir):\n    pass\n", "--process", "process_one")
    assert code == 0


def test_the_process_must_take_the_batch_id_and_have_its_parameters_bound(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _grid(tmp_path, "\ndef grid_process():\n    pass\n")[0] == 1
    assert "op.py:7: grid_process() must take the batch id as its first parameter" in capsys.readouterr().err
    assert _grid(tmp_path, "\ndef grid_process(batch_id, out_dir, size):\n    pass\n")[0] == 1
    assert "grid_process() parameter(s) size have no default and no module-level variable" in capsys.readouterr().err
    assert _grid(tmp_path, "\nasync def grid_process(batch_id):\n    pass\n")[0] == 1
    assert "is async" in capsys.readouterr().err


@pytest.mark.parametrize("body", [
    "\ndef grid_process(batch_id, out_dir, size=3, *, mode='a'):\n    pass\n",
    "\nif True:\n    size = 1\n\ndef grid_process(batch_id, out_dir, size):\n    pass\n",
    "\nfrom helpers import grid_process\n",  # bound by an import: the worker finds it at run time
    "\ntry:\n    import numpy as np\nexcept ImportError:\n    np = None\n\ndef grid_process(batch_id, np):\n    pass\n",
])
def test_valid_process_functions_compile(tmp_path: Path, body: str) -> None:
    assert _grid(tmp_path, body)[0] == 0


def test_the_example_grid_operator_passes(tmp_path: Path) -> None:
    shutil.copy(E2E / "grid" / "grid_op.py", tmp_path / "grid_op.py")
    assert main(["grid", str(tmp_path / "grid_op.py"), "--out", str(tmp_path / "out")]) == 0


def test_local_and_s3_grid_images_have_distinct_names(tmp_path: Path) -> None:
    from claimed_cwl.parse import parse_operator

    spec = parse_operator(E2E / "grid" / "grid_op.py")
    assert GridSpec(spec, backend="local").image_name == "grid-op-grid"
    assert GridSpec(spec, backend="s3").image_name == "grid-op-grid-s3"
