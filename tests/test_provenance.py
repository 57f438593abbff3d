"""`claimed-cwl run --provenance DIR`: a Provenance Run Crate of cwltool (sequential, --parallel) and Toil runs.

The three-step workflow (make -> shout -> count) of operators built here runs
under each runner; the crate is read back with the ``rocrate`` library and
checked: the profiles, the workflow as main entity, one run action with the
inputs and outputs (by checksum, the output file copied), one ControlAction
per step whose CreateAction names the tool, its image by the digest the engine
reports, its start and end, and the data it read and wrote (shout's output is
count's input, by checksum). A tool with a secret input is run too: its value
is nowhere in the crate.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from _toy_operators import GREET, build_toy, three_steps
from rocrate.rocrate import ROCrate

from claimed_cwl.cli import main
from claimed_cwl.emit import ArtifactSettings, ImageSettings

pytestmark = [pytest.mark.docker, pytest.mark.slow]

SETTINGS = ArtifactSettings(image=ImageSettings(repository="claimed-test", version="prov"))
STEPS = ("make-text", "shout", "count-chars")
PROVENANCE = "https://w3id.org/ro/wfrun/provenance/0.5"
RUNNERS = {"cwltool": [], "cwltool-parallel": ["--parallel"], "toil": ["--backend", "toil"]}


@pytest.fixture(scope="module")
def workflow(docker_client: Any, python_base_image: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return three_steps(docker_client, tmp_path_factory.mktemp("prov"), SETTINGS)


def _sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def _ids(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value] if value else []
    return [item.id if hasattr(item, "id") else item["@id"] if isinstance(item, dict) else str(item)
            for item in items]


@pytest.mark.parametrize("runner", sorted(RUNNERS))
def test_run_crate(runner: str, workflow: Path, docker_client: Any, tmp_path: Path,
                   capfd: pytest.CaptureFixture[str]) -> None:
    crate_dir, outdir = tmp_path / "prov", tmp_path / "out"
    code = main(["run", "--quiet", *RUNNERS[runner], f"--provenance={crate_dir}", f"--outdir={outdir}",
                 str(workflow)])
    captured = capfd.readouterr()
    assert code == 0, captured.err[-3000:]
    output = Path(json.loads(captured.out)["count"]["path"])
    assert output.read_text() == "0\n"

    crate = ROCrate(crate_dir)
    assert PROVENANCE in _ids(crate.root_dataset["conformsTo"])
    workflow_entity = crate.mainEntity
    assert workflow_entity.id == "workflow/packed.cwl"
    assert "ComputationalWorkflow" in workflow_entity.type
    assert (crate_dir / "workflow" / "packed.cwl").is_file()
    steps = {entity["name"]: entity for entity in workflow_entity["step"]}
    assert sorted(steps) == sorted(STEPS)

    actions = [e for e in crate.get_entities() if e.type == "CreateAction"]
    run = [a for a in actions if _ids(a["instrument"]) == [workflow_entity.id]]
    assert len(run) == 1 and run[0]["actionStatus"] == "http://schema.org/CompletedActionStatus"
    assert run[0]["startTime"] <= run[0]["endTime"]
    results = run[0]["result"]
    assert [r["sha1"] for r in results] == [_sha1(output)]
    assert _sha1(crate_dir / results[0].id) == _sha1(output)  # the output file is in the crate

    controls = [e for e in crate.get_entities() if e.type == "ControlAction"]
    by_step = {}
    for control in controls:
        step = control["instrument"]
        assert step.id in {s.id for s in steps.values()}
        by_step.setdefault(step["name"], []).append(control["object"])
    assert sorted(by_step) == sorted(STEPS)
    assert all(len(jobs) == 1 for jobs in by_step.values()), by_step  # one action per step
    for name, (job,) in by_step.items():
        assert job.type == "CreateAction"
        assert job["instrument"].id == steps[name]["workExample"].id
        assert job["startTime"] <= job["endTime"]
        image = job["containerImage"]
        assert image.type == "ContainerImage"
        expected = docker_client.images.get(f"claimed-test/claimed-{name}:prov").id
        assert image["identifier"] == expected and expected == f"sha256:{image['sha256']}"
        assert image["name"] == f"claimed-test/claimed-{name}" and image["tag"] == "prov"
    shouted = [f for f in by_step["shout"][0]["result"] if f.type == "File"]
    counted = [f for f in by_step["count-chars"][0]["object"] if f.type == "File"]
    assert len(shouted) == 1 and shouted[0]["sha1"]
    assert [f["sha1"] for f in counted] == [shouted[0]["sha1"]]  # the lineage, by checksum

    organize = [e for e in crate.get_entities() if e.type == "OrganizeAction"]
    assert len(organize) == 1 and organize[0]["result"].id == run[0].id
    assert organize[0]["instrument"]["name"] == ("toil" if runner == "toil" else "cwltool")


def test_secret_is_not_in_the_crate(docker_client: Any, python_base_image: str, tmp_path: Path,
                                    capfd: pytest.CaptureFixture[str]) -> None:
    tool = build_toy(docker_client, tmp_path, "greet", GREET, SETTINGS)
    secret = "S3cr3t-Value-For-Provenance"
    job = tmp_path / "job.yaml"
    job.write_text(f"api_token: {secret}\nname: Ada\n")
    crate_dir = tmp_path / "prov"
    code = main(["run", "--quiet", f"--provenance={crate_dir}", f"--outdir={tmp_path / 'out'}", str(tool), str(job)])
    captured = capfd.readouterr()
    assert code == 0, captured.err[-3000:]
    greeting = Path(json.loads(captured.out)["output_file"]["path"])
    assert greeting.read_text() == f"hello Ada, your token has {len(secret)} characters\n"
    files = [p for p in crate_dir.rglob("*") if p.is_file()]
    assert files and all(secret.encode() not in p.read_bytes() for p in files)
    crate = ROCrate(crate_dir)
    values = [e for e in crate.get_entities() if e.type == "PropertyValue"]
    assert {v["name"] for v in values} >= {"name"} and "api_token" not in {v["name"] for v in values}
    jobs = [e for e in crate.get_entities() if e.type == "CreateAction" and e.get("containerImage")]
    assert len(jobs) == 1
