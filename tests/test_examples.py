"""The example library (cwl/) and example workflows (workflows/) are valid and up to date.

- Regenerating every generated file with scripts/regen-examples.sh into a
  temporary directory gives the checked-in files byte for byte, and no
  checked-in generated file is left over from an older source.
- Every .cwl file (operators, saved workflows and their tools, packed
  workflows) passes ``cwltool --validate`` and loads with cwl-utils.
- Each workflow picture in docs/img names every step of its workflow.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cwl_utils.parser import load_document_by_uri
from cwltool.main import main as cwltool_main
from ruamel.yaml import YAML

from claimed_cwl.outdir import MANIFEST_NAME

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "cwl"
WORKFLOWS = ROOT / "workflows"
IMAGES = ROOT / "docs" / "img"
BIN = Path(sys.executable).parent
HAND_WRITTEN = {LIBRARY / "collect_files" / "collect_files.cwl"}
SOURCE_SUFFIXES = (".py", ".ipynb", ".R")
ALL_CWL = sorted([*LIBRARY.glob("*/*.cwl"), *WORKFLOWS.glob("*/*.cwl")])
PIPELINES = sorted(WORKFLOWS.glob("*.py"))


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _generated_files(root: Path) -> set[str]:
    """Every file under root/cwl/*/ and root/workflows/*/, relative to root (hand-written and sources excluded).

    The launcher that compile copies beside each operator (so that the folder is
    a complete build context) is the package's own file, and compile's list of
    the files it generated is a local record: neither is tracked (.gitignore),
    so neither is compared.
    """
    files = {*root.glob("cwl/*/*"), *root.glob("workflows/*/*")}
    return {
        str(path.relative_to(root)) for path in files
        if path.is_file() and path.resolve() not in HAND_WRITTEN and "__pycache__" not in path.parts
        and not path.name.startswith(("claimed_launcher.", "claimed_notebook."))
        and path.name != MANIFEST_NAME
    }


def test_library_has_the_promised_coverage() -> None:
    """At least 6 operators in script, notebook and R; at least 3 workflows."""
    sources = [path for path in LIBRARY.glob("*/*") if path.suffix in SOURCE_SUFFIXES
               and not path.name.startswith(("claimed_launcher", "claimed_notebook"))]
    assert len(sources) >= 6
    assert {path.suffix for path in sources} == {".py", ".ipynb", ".R"}
    assert len(PIPELINES) >= 3


def test_generated_files_are_up_to_date(tmp_path: Path) -> None:
    """scripts/regen-examples.sh into a temporary directory reproduces the checked-in files exactly."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(["bash", str(ROOT / "scripts" / "regen-examples.sh"), "--out", str(tmp_path), "--no-images"],
                          capture_output=True, text=True, check=False, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    fresh, checked_in = _generated_files(tmp_path), _generated_files(ROOT)
    assert fresh, "the script generated nothing"
    missing = sorted(fresh - checked_in)
    stale = sorted(checked_in - fresh)
    assert not missing, f"generated but not checked in (run scripts/regen-examples.sh): {missing}"
    assert not stale, f"checked in but no longer generated (delete them): {stale}"
    differ = [name for name in sorted(fresh) if (tmp_path / name).read_bytes() != (ROOT / name).read_bytes()]
    assert not differ, f"out of date (run scripts/regen-examples.sh): {differ}"


@pytest.mark.parametrize("path", ALL_CWL, ids=_rel)
def test_cwl_is_valid(path: Path) -> None:
    """cwltool --validate accepts the file (in process: the same code as the command) and cwl-utils loads it."""
    out, err = io.StringIO(), io.StringIO()
    code = cwltool_main(argsl=["--validate", str(path)], stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    assert "is valid CWL" in out.getvalue() + err.getvalue()
    document = load_document_by_uri(path)
    process = document[0] if isinstance(document, list) else document
    assert process.cwlVersion == "v1.2"


@pytest.mark.parametrize("pipeline", PIPELINES, ids=lambda path: path.stem)
def test_each_pipeline_has_a_packed_workflow_and_picture(pipeline: Path) -> None:
    """workflows/<stem>/ holds one packed workflow; docs/img/<stem>.svg draws every one of its steps."""
    packed = sorted((WORKFLOWS / pipeline.stem).glob("*.packed.cwl"))
    assert len(packed) == 1, f"expected one packed workflow in workflows/{pipeline.stem}/"
    document = YAML(typ="safe").load(packed[0].read_text(encoding="utf-8"))
    main = next(item for item in document["$graph"] if item["id"] == "#main") if "$graph" in document else document
    step_ids = [str(step["id"]).rsplit("/", 1)[-1] for step in main["steps"]]
    picture = IMAGES / f"{pipeline.stem}.svg"
    assert picture.is_file(), f"{_rel(picture)} missing: run scripts/regen-examples.sh"
    text = " ".join(ET.parse(picture).getroot().itertext())
    for step_id in step_ids:
        assert step_id in text, f"{_rel(picture)} does not show step {step_id}: run scripts/regen-examples.sh"


def test_operator_images_are_named_by_one_convention() -> None:
    """Every generated operator tool runs claimed/claimed-<name>:0.1.0 (the tag the tests build)."""
    tools = [path for path in LIBRARY.glob("*/*.cwl") if path not in HAND_WRITTEN]
    assert tools
    for tool in tools:
        document = YAML(typ="safe").load(tool.read_text(encoding="utf-8"))
        pulls = [req["dockerPull"] for req in document["requirements"] if req["class"] == "DockerRequirement"]
        assert "id" not in document, tool  # the file's address is its id
        assert pulls == [f"claimed/claimed-{document['label']}:0.1.0"], tool
