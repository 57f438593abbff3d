"""Every artifact the project generates conforms to its standard.

The ``.cwl`` files (compiler corpus compiled here, the example library under
cwl/ and workflows/, converted KFP components, a packed workflow) pass
``cwltool --validate`` and load with cwl-utils; every KFP component YAML
validates against claimed_cwl/schemas/kfp_component_v1.json and every Job
YAML against the Kubernetes schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from _artifact_checks import job_errors, kfp_errors, load_cwl, load_yaml, validate_cwl, yaml_kind
from _workflow_helpers import KFP, build_chunked_count

from claimed_cwl.compile import compile_operator
from claimed_cwl.errors import ClaimedError
from claimed_cwl.importers.kfp import emit_kfp_cwl

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"
LIBRARY_DIRS = (ROOT / "cwl", ROOT / "workflows")


@dataclass
class Artifacts:
    """The generated files, by origin, and what could not be generated."""

    cwl: dict[str, list[Path]] = field(default_factory=dict)
    yaml: dict[str, list[Path]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def add(self, origin: str, directory: Path) -> None:
        """Record the .cwl and .yaml files under ``directory`` as coming from ``origin``."""
        self.cwl.setdefault(origin, []).extend(sorted(directory.rglob("*.cwl")))
        self.yaml.setdefault(origin, []).extend(sorted(directory.rglob("*.yaml")))

    def all_cwl(self) -> list[Path]:
        """Every .cwl file, whatever its origin."""
        return [path for paths in self.cwl.values() for path in paths]


def _compile_corpus(out: Path, artifacts: Artifacts) -> None:
    cases = load_yaml(CORPUS / "expected.yaml")["operators"]
    for case in cases:
        target = out / "corpus" / Path(case["source"]).stem
        try:
            compile_operator(CORPUS / case["source"], tuple(case.get("files", [])), None, target)
        except ClaimedError as exc:
            artifacts.errors[case["source"]] = str(exc)
            continue
        artifacts.add("corpus", target)


def _convert_kfp(out: Path, artifacts: Artifacts) -> None:
    target = out / "kfp"
    target.mkdir()
    for component in sorted(KFP.glob("*.yaml")):
        try:
            text = emit_kfp_cwl(component)
        except ClaimedError:  # tests/data/kfp also holds deliberately bad components
            continue
        (target / f"{component.stem}.cwl").write_text(text, encoding="utf-8")
    artifacts.cwl["kfp-import"] = sorted(target.glob("*.cwl"))


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Artifacts:
    """Every generated artifact: compiled corpus, example library, KFP conversions, a packed workflow."""
    out = tmp_path_factory.mktemp("artifacts")
    found = Artifacts()
    _compile_corpus(out, found)
    for directory in LIBRARY_DIRS:
        if directory.is_dir():  # the example library may not exist yet
            found.add(f"library:{directory.name}", directory)
    _convert_kfp(out, found)
    packed = build_chunked_count().pack(out / "packed" / "chunked-count.cwl")
    found.cwl["packed"] = [packed, *sorted(p for p in found.all_cwl() if p.name.endswith(".packed.cwl"))]
    return found


@pytest.fixture(scope="module")
def validations(artifacts: Artifacts) -> dict[Path, tuple[int, str]]:
    """``cwltool --enable-ext --validate`` of every generated .cwl (the schema loaded once)."""
    return validate_cwl(dict.fromkeys(artifacts.all_cwl()))


def test_every_corpus_operator_compiles(artifacts: Artifacts) -> None:
    assert not artifacts.errors, artifacts.errors
    assert len(artifacts.cwl["corpus"]) >= 30


def test_there_are_artifacts_of_every_origin(artifacts: Artifacts) -> None:
    assert artifacts.cwl["kfp-import"], "no KFP component converted"
    assert artifacts.cwl["packed"], "no packed workflow"
    library = [p for origin, paths in artifacts.cwl.items() if origin.startswith("library:") for p in paths]
    assert len(artifacts.all_cwl()) >= 1 + len(library)


@pytest.mark.parametrize("origin", ["corpus", "kfp-import", "packed", "library:cwl", "library:workflows"])
def test_cwl_validates_and_loads(origin: str, artifacts: Artifacts,
                                 validations: dict[Path, tuple[int, str]]) -> None:
    paths = artifacts.cwl.get(origin, [])
    if not paths and origin.startswith("library:"):
        pytest.skip(f"no .cwl under {origin.split(':')[1]}/ yet")
    assert paths, f"no .cwl from {origin}"
    failures = {str(p): log[-2000:] for p in paths for code, log in [validations[p]] if code != 0}
    assert not failures, f"cwltool --validate failed for {len(failures)} file(s): {failures}"
    for path in paths:
        document: Any = load_cwl(path)
        documents = document if isinstance(document, list) else [document]  # packed: $graph
        for doc in documents:
            assert doc.cwlVersion == "v1.2", path
            assert doc.class_ in {"CommandLineTool", "Workflow", "ExpressionTool"}, path


@pytest.fixture(scope="module")
def yaml_documents(artifacts: Artifacts) -> dict[str, dict[Path, Any]]:
    """The generated YAML documents by kind ("kfp", "job"); other YAML files are left out."""
    found: dict[str, dict[Path, Any]] = {"kfp": {}, "job": {}}
    for paths in artifacts.yaml.values():
        for path in paths:
            document = load_yaml(path)
            kind = yaml_kind(document)
            if kind is not None:
                found[kind][path] = document
    return found


def test_kfp_components_validate_against_the_schema(artifacts: Artifacts,
                                                    yaml_documents: dict[str, dict[Path, Any]]) -> None:
    components = yaml_documents["kfp"]
    assert len(components) >= len(artifacts.cwl["corpus"]), "a compiled operator has no KFP component"
    errors = {str(p): e for p, doc in components.items() if (e := kfp_errors(doc))}
    assert not errors, errors


def test_jobs_validate_against_the_kubernetes_schema(artifacts: Artifacts,
                                                     yaml_documents: dict[str, dict[Path, Any]]) -> None:
    jobs = yaml_documents["job"]
    assert len(jobs) >= len(artifacts.cwl["corpus"]), "a compiled operator has no Job"
    errors = {str(p): e for p, doc in jobs.items() if (e := job_errors(doc))}
    assert not errors, errors


def test_the_checks_catch_bad_artifacts(tmp_path: Path, yaml_documents: dict[str, dict[Path, Any]],
                                        validations: dict[Path, tuple[int, str]]) -> None:
    component = load_yaml(next(iter(yaml_documents["kfp"])))
    component["inputs"] = [{"name": "x", "default": 3}]  # KFP v1 defaults are strings
    assert kfp_errors(component)
    job = load_yaml(next(iter(yaml_documents["job"])))
    job["spec"]["template"]["spec"]["containers"][0]["imag"] = "typo"
    assert job_errors(job)
    bad = tmp_path / "bad.cwl"
    bad.write_text("cwlVersion: v1.2\nclass: CommandLineTool\ninputs: {x: {type: Fil}}\noutputs: []\n")
    assert validations, "the schema is loaded"
    assert validate_cwl([bad], schema_loaded=True)[bad][0] != 0
