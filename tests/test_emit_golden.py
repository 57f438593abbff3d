"""Golden files: example operators and their expected artifacts side by side in tests/golden/<example>/.

Regenerate with ``pytest tests/test_emit_golden.py --update-golden`` and review the diff.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
from ruamel.yaml import YAML

from claimed_cwl.compile import compile_operator

GOLDEN = Path(__file__).parent / "golden"
EXAMPLES = {
    "filter_csv": ("filter_csv.py", ("helpers/util.py",)),
    "clean_text": ("clean_text.ipynb", ()),
    "summarize_table": ("summarize_table.R", ()),
}
CWLTOOL = str(Path(sys.executable).with_name("cwltool"))


def _artifact_names(name: str) -> list[str]:
    return [f"{name}.cwl", "Dockerfile", f"{name}.yaml", f"{name}.job.yaml"]


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_golden(example: str, tmp_path: Path, update_golden: bool) -> None:
    source, extra = EXAMPLES[example]
    folder = GOLDEN / example
    result = compile_operator(folder / source, extra, out_dir=tmp_path / "out")
    for name in _artifact_names(result.spec.name):
        produced = (result.out_dir / name).read_bytes()
        expected_path = folder / name
        if update_golden:
            expected_path.write_bytes(produced)
        assert expected_path.exists(), f"{expected_path} missing: run pytest --update-golden"
        assert produced == expected_path.read_bytes(), f"{name} differs from {expected_path}"


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_golden_files_are_valid(example: str) -> None:
    folder = GOLDEN / example
    cwl_file = next(folder.glob("*.cwl"))
    name = cwl_file.stem
    result = subprocess.run([CWLTOOL, "--enable-ext", "--validate", str(cwl_file)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    yaml = YAML(typ="safe")
    schema = json.loads(resources.files("claimed_cwl").joinpath("schemas/kfp_component_v1.json").read_text())
    jsonschema.validate(yaml.load((folder / f"{name}.yaml").read_text()), schema)
    kubernetes_validate.validate(yaml.load((folder / f"{name}.job.yaml").read_text()), "1.30", strict=True)
    assert "not-a-real-token" not in "".join(
        (folder / artifact).read_text() for artifact in _artifact_names(name)
    )
