"""`claimed-cwl export`: packed CWL pinned by digest with schema.org metadata, .dockstore.yml, Workflow RO-Crate.

Two operators are built and pushed to the local registry; a workflow of them
(one required File input) is exported. The bundle is checked with cwltool
(``--validate``, then a real run of the exported file with its test
parameters, on the pinned images), cwl-utils (loads it), the ``rocrate``
library (reads the crate: main entity, language, licence, authors, parts) and
the ``.dockstore.yml`` against the fields of Dockstore's version 1.2 schema.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from _toy_operators import COUNT, SHOUT, build_toy
from cwl_utils.parser import load_document_by_uri
from rocrate.rocrate import ROCrate
from ruamel.yaml import YAML

from claimed_cwl.cli import main
from claimed_cwl.emit import ArtifactSettings, ImageSettings
from claimed_cwl.errors import ClaimedError
from claimed_cwl.export import BundleMetadata, export_workflow, parse_author
from claimed_cwl.workflow import File, Workflow, load_operator

pytestmark = [pytest.mark.docker, pytest.mark.slow]

CWLTOOL = str(Path(sys.executable).with_name("cwltool"))
ADA = "Ada Lovelace <ada@example.org> 0000-0002-1825-0097"
ARGS = ["--author", ADA, "--author", "Charles Babbage", "--license", "Apache-2.0",
        "--code-repository", "https://github.com/example/text-workflows", "--date-created", "2026-11-30"]

# The fields of a .dockstore.yml version 1.2 with CWL workflows, as Dockstore documents them.
DOCKSTORE_1_2 = {
    "type": "object",
    "required": ["version", "workflows"],
    "additionalProperties": False,
    "properties": {
        "version": {"const": 1.2},
        "workflows": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "required": ["subclass", "primaryDescriptorPath"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "pattern": "^[a-zA-Z0-9]+([-_][a-zA-Z0-9]+)*$"},
                "subclass": {"enum": ["CWL", "WDL", "NFL", "GALAXY"]},
                "primaryDescriptorPath": {"type": "string", "pattern": "^/"},
                "testParameterFiles": {"type": "array", "items": {"type": "string", "pattern": "^/"}},
                "authors": {"type": "array", "items": {
                    "type": "object", "required": ["name"], "additionalProperties": False,
                    "properties": {"name": {"type": "string"}, "email": {"type": "string"},
                                   "orcid": {"type": "string"}, "affiliation": {"type": "string"},
                                   "role": {"type": "string"}}}},
            },
        }},
    },
}


@pytest.fixture(scope="module")
def workflow(docker_client: Any, python_base_image: str, registry_url: str,
             tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved two-step workflow (shout -> count) whose images are in the local registry."""
    root = tmp_path_factory.mktemp("export")
    settings = ArtifactSettings(image=ImageSettings(repository=f"{registry_url}/claimed-test-export",
                                                    version="export"))
    shout = load_operator(build_toy(docker_client, root, "shout", SHOUT.format(change=".upper()"), settings,
                                    push=True))
    count = load_operator(build_toy(docker_client, root, "count_chars", COUNT, settings, push=True))
    with Workflow("text-report", doc="Upper-case a text and count its capitals.") as wf:
        text = wf.input("text", File, doc="the text to read")
        shouted = shout(input_file=text)
        wf.output("count", count(input_file=shouted.outputs.output_file).outputs.output_file)
    return wf.save(root / "wf")


@pytest.fixture
def test_job(tmp_path: Path) -> Path:
    (tmp_path / "words.txt").write_text("Hello export\n")
    job = tmp_path / "job.yaml"
    job.write_text("text:\n  class: File\n  path: words.txt\n")
    return job


def _export(workflow: Path, out: Path, *more: str) -> int:
    return main(["export", str(workflow), "--out", str(out), *ARGS, *more])


def test_bundle(workflow: Path, test_job: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bundle"
    assert _export(workflow, out, "--test-job", str(test_job)) == 0, capfd.readouterr().err
    packed, params, crate = out / "text-report.cwl", out / "text-report.test.json", out / "text-report.crate.zip"
    assert {p.name for p in out.iterdir()} >= {packed.name, params.name, crate.name, ".dockstore.yml", "test-data"}

    # cwltool and cwl-utils take it; every image is pinned by its registry digest
    done = subprocess.run([CWLTOOL, "--validate", str(packed)], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "is valid CWL" in done.stdout + done.stderr, done.stderr
    assert load_document_by_uri(packed) is not None
    document = YAML(typ="safe").load(packed.read_text(encoding="utf-8"))
    main_process = next(item for item in document["$graph"] if item["id"] == "#main")
    pulls = [req["dockerPull"] for item in document["$graph"] for req in item.get("requirements", [])
             if req["class"] == "DockerRequirement"]
    assert len(pulls) == 2 and all("/claimed-test-export/claimed-" in p and "@sha256:" in p for p in pulls), pulls
    assert document["$namespaces"]["s"] == "https://schema.org/"
    assert main_process["s:license"] == "https://spdx.org/licenses/Apache-2.0"
    assert main_process["s:codeRepository"] == "https://github.com/example/text-workflows"
    assert main_process["s:dateCreated"] == "2026-11-30"
    assert main_process["s:author"][0] == {"class": "s:Person", "s:name": "Ada Lovelace",
                                           "s:email": "mailto:ada@example.org",
                                           "s:identifier": "https://orcid.org/0000-0002-1825-0097"}
    assert main_process["s:author"][1] == {"class": "s:Person", "s:name": "Charles Babbage"}

    # the test parameters name the copied file, relative to themselves
    assert json.loads(params.read_text()) == {"text": {"class": "File", "location": "test-data/words.txt"}}
    assert (out / "test-data" / "words.txt").read_text() == "Hello export\n"

    # .dockstore.yml 1.2, and every path it names is in the bundle
    dockstore = YAML(typ="safe").load((out / ".dockstore.yml").read_text(encoding="utf-8"))
    jsonschema.validate(dockstore, DOCKSTORE_1_2)
    entry = dockstore["workflows"][0]
    assert (out / entry["primaryDescriptorPath"].lstrip("/")) == packed
    assert [(out / p.lstrip("/")) for p in entry["testParameterFiles"]] == [params]
    assert entry["authors"][0] == {"name": "Ada Lovelace", "email": "ada@example.org",
                                   "orcid": "0000-0002-1825-0097"}

    # the crate, read back by the rocrate library
    ro = ROCrate(crate)
    assert ro.mainEntity.id == "text-report.cwl"
    assert "ComputationalWorkflow" in ro.mainEntity.type
    assert ro.mainEntity["programmingLanguage"].id == "https://w3id.org/workflowhub/workflow-ro-crate#cwl"
    assert ro.root_dataset["license"] == "https://spdx.org/licenses/Apache-2.0"
    assert [a.id for a in ro.root_dataset["author"]] == ["https://orcid.org/0000-0002-1825-0097", "#author-2"]
    assert ro.root_dataset["datePublished"] == "2026-11-30"
    assert {"text-report.test.json", "test-data/words.txt"} <= {e.id for e in ro.get_entities()}
    with zipfile.ZipFile(crate) as archive:
        assert archive.read("text-report.cwl") == packed.read_bytes()
        assert archive.read("text-report.test.json") == params.read_bytes()

    # the exported file runs with its test parameters, on the pinned images
    ran = subprocess.run([CWLTOOL, "--quiet", "--outdir", str(tmp_path / "run"), str(packed), str(params)],
                         capture_output=True, text=True, check=False, cwd=out)
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert Path(json.loads(ran.stdout)["count"]["path"]).read_text() == "11\n"  # HELLO EXPORT

    # the same input gives the same bytes
    again = tmp_path / "again"
    assert _export(workflow, again, "--test-job", str(test_job)) == 0
    for path in out.rglob("*"):
        if path.is_file():
            assert (again / path.relative_to(out)).read_bytes() == path.read_bytes(), path


def test_required_input_needs_test_parameters(workflow: Path, tmp_path: Path,
                                              capfd: pytest.CaptureFixture[str]) -> None:
    assert _export(workflow, tmp_path / "bundle") != 0
    assert "no value for the required input(s) text" in capfd.readouterr().err
    assert not (tmp_path / "bundle").exists()


def test_image_without_a_registry_digest_stops_the_export(docker_client: Any, python_base_image: str,
                                                         tmp_path: Path, test_job: Path) -> None:
    settings = ArtifactSettings(image=ImageSettings(repository="claimed-test", version="unpushed"))
    shout = load_operator(build_toy(docker_client, tmp_path, "shout", SHOUT.format(change=""), settings))
    with Workflow("unpushed") as wf:
        wf.output("shouted", shout(input_file=wf.input("text", File)).outputs.output_file)
    saved = wf.save(tmp_path / "wf")
    metadata = BundleMetadata((parse_author(ADA),), "MIT", "https://example.org/r", date(2026, 1, 2))
    with pytest.raises(ClaimedError, match=r"no registry digest for claimed-test/claimed-shout:unpushed \(push"):
        export_workflow(saved, tmp_path / "bundle", metadata, docker_client, test_job=test_job)
    assert not (tmp_path / "bundle").exists()


@pytest.mark.parametrize(("text", "message"), [
    ("<a@b.c>", "expected 'Name"),
    ("Ada 1234", "is no ORCID iD"),
])
def test_bad_author(text: str, message: str) -> None:
    with pytest.raises(ClaimedError, match=message):
        parse_author(text)


def test_bad_license_and_repository() -> None:
    ada = (parse_author(ADA),)
    with pytest.raises(ClaimedError, match="expected an SPDX licence id"):
        BundleMetadata(ada, "Apache 2.0", "https://example.org/r", date(2026, 1, 2))
    with pytest.raises(ClaimedError, match=r"--code-repository 'example\.org': expected a URL"):
        BundleMetadata(ada, "MIT", "example.org", date(2026, 1, 2))
    with pytest.raises(ClaimedError, match="no author"):
        BundleMetadata((), "MIT", "https://example.org/r", date(2026, 1, 2))
