"""Golden files of the grid target: the grid's CWL workflow, Dockerfile, Kubernetes Job and KFP component.

tests/golden/grid/<case>/ holds what ``claimed-cwl grid`` writes for the example
grid operator (tests/e2e/grid/grid_op.py); regenerate with
``pytest tests/test_grid_golden.py --update-golden`` and review the diff. The
settings table in docs/grid.md is checked (and updated) the same way.
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

from claimed_cwl.emit import ArtifactSettings, ImageSettings
from claimed_cwl.grid.compile import compile_grid
from claimed_cwl.grid.settings_doc import BEGIN, END, settings_table

ROOT = Path(__file__).parents[1]
GOLDEN = ROOT / "tests" / "golden" / "grid"
OPERATOR = ROOT / "tests" / "e2e" / "grid" / "grid_op.py"
CASES = {
    "local-batch": {"backend": "local", "workers": None, "writable": ("out_dir",)},
    "s3-workers": {"backend": "s3", "workers": 3},
}
NAME = "grid-op-grid"
ARTIFACTS = (f"{NAME}.cwl", "Dockerfile", f"{NAME}.job.yaml", f"{NAME}.yaml")
CWLTOOL = str(Path(sys.executable).with_name("cwltool"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_grid_golden(case: str, tmp_path: Path, update_golden: bool) -> None:
    settings = ArtifactSettings(image=ImageSettings(repository="claimed", version="0.1.0"))
    built = compile_grid(OPERATOR, (), settings, dict(CASES[case]), out_dir=tmp_path / "out")
    for name in ARTIFACTS:
        produced = (built.cwl.parent / name).read_bytes()
        expected = GOLDEN / case / name
        if update_golden:
            expected.parent.mkdir(parents=True, exist_ok=True)
            expected.write_bytes(produced)
        assert expected.exists(), f"{expected} missing: run pytest --update-golden"
        assert produced == expected.read_bytes(), f"{name} differs from {expected}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_grid_golden_files_are_valid(case: str) -> None:
    folder = GOLDEN / case
    done = subprocess.run([CWLTOOL, "--enable-ext", "--validate", str(folder / f"{NAME}.cwl")], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    yaml = YAML(typ="safe")
    schema = json.loads(resources.files("claimed_cwl").joinpath("schemas/kfp_component_v1.json").read_text())
    jsonschema.validate(yaml.load((folder / f"{NAME}.yaml").read_text()), schema)
    kubernetes_validate.validate(yaml.load((folder / f"{NAME}.job.yaml").read_text()), "1.30", strict=True)


def test_docs_settings_table_is_generated_from_the_table(update_golden: bool) -> None:
    doc = ROOT / "docs" / "grid.md"
    text = doc.read_text(encoding="utf-8")
    assert BEGIN in text and END in text, f"{doc}: the settings table's markers are missing"
    start, end = text.index(BEGIN), text.index(END) + len(END)
    if update_golden:
        text = text[:start] + settings_table() + text[end:]
        doc.write_text(text, encoding="utf-8")
        end = start + len(settings_table())
    assert text[start:end] == settings_table(), f"{doc}: the settings table is out of date: run --update-golden"
