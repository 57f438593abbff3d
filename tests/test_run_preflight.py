"""`claimed-cwl run` on the real Docker engine: images checked before any step, --component with --publish,
operator sources built under --repository, an operator that does not write its output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from s3_service import SeaweedFS

from claimed_cwl.build.operator_build import build_operator
from claimed_cwl.cli import main
from claimed_cwl.emit import ArtifactSettings, ImageSettings
from claimed_cwl.staging import MANIFEST_NAME

E2E = Path(__file__).parent / "e2e"

pytestmark = pytest.mark.docker

PIPELINE = """\
from pathlib import Path

from claimed_cwl.emit import ImageSettings
from claimed_cwl.workflow import Workflow, load_operator

HERE = Path(__file__).parent
count = load_operator(HERE / "word_count.py", image=ImageSettings(repository="REPOSITORY"))
with Workflow("counted") as wf:
    text = wf.input("text", "File")
    first = count(input_file=text)
    second = count(input_file=first.outputs.output_counts)
    wf.output("counts", second.outputs.output_counts)
"""


def _created_containers(client: Any, since: int, image_part: str) -> list[dict[str, Any]]:
    events = client.events(since=since, until=int(time.time()) + 1, decode=True,
                           filters={"type": "container", "event": "create"})
    return [event for event in events if image_part in event.get("from", "")]


def test_a_workflow_of_unbuilt_source_operators_names_what_to_build(
        docker_client: Any, python_base_image: str, image_repository: str, tmp_path: Path,
        capfd: pytest.CaptureFixture[str]) -> None:
    """Before: the first step ran, then cwltool failed with 'Docker is required to run this tool'."""
    shutil.copy(E2E / "word_count.py", tmp_path / "word_count.py")
    (tmp_path / "pipeline.py").write_text(PIPELINE.replace("REPOSITORY", image_repository), encoding="utf-8")
    assert main(["workflow", "build", str(tmp_path / "pipeline.py"), "-o", str(tmp_path / "wf")]) == 0
    (tmp_path / "in.txt").write_text("a b a\n", encoding="utf-8")
    capfd.readouterr()
    since = int(time.time())
    code = main(["run", "--outdir", str(tmp_path / "out"), str(tmp_path / "wf" / "counted.cwl"),
                 "--text", str(tmp_path / "in.txt")])
    err = capfd.readouterr().err
    assert code == 1
    assert f"{image_repository}/claimed-word-count:latest: the image of operator word-count; build it: claimed-cwl " \
           f"build <its source> --repository {image_repository} --version latest" in err
    assert "nothing was run" in err and "Docker is required" not in err
    assert _created_containers(docker_client, since, image_repository) == []
    # built as the message says, the same command runs
    assert main(["build", str(tmp_path / "word_count.py"), "--repository", image_repository, "--out",
                 str(tmp_path / "built")]) == 0
    assert main(["run", "--quiet", "--outdir", str(tmp_path / "out"), str(tmp_path / "wf" / "counted.cwl"),
                 "--text", str(tmp_path / "in.txt")]) == 0
    assert (tmp_path / "out" / "counts.tsv").read_text(encoding="utf-8") == "a\t1\n2\t1\nb\t1\n"  # counts of counts


def test_an_operator_source_is_built_under_the_repository_given(
        docker_client: Any, python_base_image: str, image_repository: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    shutil.copy(E2E / "word_count.py", tmp_path / "word_count.py")
    (tmp_path / "in.txt").write_text("b b\n", encoding="utf-8")
    assert main(["run", "--quiet", "--repository", image_repository, "--outdir", str(tmp_path / "out"),
                 str(tmp_path / "word_count.py"), "--input_file", str(tmp_path / "in.txt")]) == 0
    assert docker_client.images.get(f"{image_repository}/claimed-word-count:latest")
    assert (tmp_path / "out" / "counts.tsv").read_text(encoding="utf-8") == "b\t2\n"


def test_an_operator_source_with_a_bad_input_is_not_even_built(
        docker_client: Any, python_base_image: str, image_repository: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    shutil.copy(E2E / "word_count.py", tmp_path / "word_count.py")
    assert main(["run", "--repository", image_repository, "--outdir", str(tmp_path / "out"),
                 str(tmp_path / "word_count.py"), "--top", "three"]) == 1
    assert "argument --top: invalid int value: 'three'" in capfd.readouterr().err
    assert docker_client.images.list(name=f"{image_repository}/claimed-word-count") == []


def test_component_runs_publish_their_outputs(docker_client: Any, python_base_image: str, image_repository: str,
                                              tmp_path: Path, s3_server: SeaweedFS, s3_bucket: str) -> None:
    """Before: --publish was silently ignored with --component."""
    settings = ArtifactSettings(image=ImageSettings(repository=image_repository, version="pub"))
    build_operator(docker_client, E2E / "word_count.py", (), settings, tmp_path / "op")
    (tmp_path / "in.txt").write_text("a b a\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "claimed_cwl", "run", "--quiet", "--outdir", str(tmp_path / "out"),
         "--publish", f"s3://{s3_bucket}/run", "--component", f"{image_repository}/claimed-word-count:pub",
         "--input_file", str(tmp_path / "in.txt")],
        capture_output=True, text=True, check=False, timeout=600,
        env={**{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CLAIMED_CWL_"))}, **s3_server.env()})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["n_words"] == "3"
    body = s3_server.client().get_object(Bucket=s3_bucket, Key=f"run/{MANIFEST_NAME}")["Body"].read()
    assert [item["path"] for item in json.loads(body)["files"]] == ["counts.tsv"]
    uploaded = s3_server.client().get_object(Bucket=s3_bucket, Key="run/counts.tsv")["Body"].read()
    assert uploaded == b"a\t2\nb\t1\n"


def test_an_operator_that_does_not_write_its_output_is_told_so(
        docker_client: Any, python_base_image: str, image_repository: str, tmp_path: Path,
        capfd: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "no_output.py"
    source.write_text('"""Forget the output."""\nimport os\n# where the result goes\n'
                      'output_result = os.getenv("output_result", "result.txt")\nprint("done")\n', encoding="utf-8")
    settings = ArtifactSettings(image=ImageSettings(repository=image_repository, version="x"))
    built = build_operator(docker_client, source, (), settings, tmp_path / "op")
    capfd.readouterr()
    assert main(["run", "--outdir", str(tmp_path / "out"), str(built.cwl)]) == 1
    err = capfd.readouterr().err
    assert ("[job no-output] the script succeeded but did not write output_result (expected at result.txt in its "
            "working directory)") in err
    assert "glob pattern" not in err
    assert not (tmp_path / "out").exists()
