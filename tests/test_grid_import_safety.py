"""Grid operators must import cleanly: module-level work is refused at compile time (no engine)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from claimed_cwl.emit import ArtifactSettings
from claimed_cwl.errors import OperatorError
from claimed_cwl.grid.compile import compile_grid

HEADER = (  # 10 lines
    "import os\nimport logging\n\nlogging.basicConfig(level=logging.INFO)\n# where outputs go\n"
    "out_dir = os.getenv('out_dir', 'out')\n\n\ndef grid_process(batch_id, out_dir):\n    return batch_id\n"
)
OPTIONS = {"process": "grid_process", "backend": "local"}


def compile_text(tmp_path: Path, text: str) -> None:
    source = tmp_path / "grid_op.py"
    source.write_text(text, encoding="utf-8")
    compile_grid(source, (), ArtifactSettings(), OPTIONS, out_dir=tmp_path / "out")


def test_guarded_module_compiles(tmp_path: Path) -> None:
    main = "\nif __name__ == '__main__':\n    for b in ['a']:\n        grid_process(b, out_dir)\n"
    compile_text(tmp_path, HEADER + main)
    assert (tmp_path / "out" / "grid-op-grid.cwl").is_file()


def test_work_at_import_is_refused_with_its_lines(tmp_path: Path) -> None:
    with pytest.raises(OperatorError) as info:
        compile_text(tmp_path, HEADER + "\nfor b in ['a', 'b']:\n    grid_process(b, out_dir)\nprint_report()\n")
    message = str(info.value)
    assert "line 12: a for block" in message and "line 14: a call to print_report()" in message
    assert "if __name__ == \"__main__\":" in message
    assert not (tmp_path / "out").exists()


def test_assignment_from_a_call_is_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        compile_text(tmp_path, HEADER + "model = load_model(out_dir)\n")
    assert "grid_op.py:11: an assignment from load_model() runs when each grid worker imports" in caplog.text
