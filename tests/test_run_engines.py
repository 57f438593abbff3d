"""`claimed-cwl run` with the other backend (Toil single machine) and the other engine (podman)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from claimed_cwl.build.operator_build import OperatorBuild, build_operator
from claimed_cwl.cli import main
from claimed_cwl.emit import ArtifactSettings, ImageSettings

E2E = Path(__file__).parent / "e2e"
IMAGE = "claimed-test/claimed-word-count:engines"

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture(scope="module")
def word_count(docker_client: Any, python_base_image: str, tmp_path_factory: pytest.TempPathFactory) -> OperatorBuild:
    settings = ArtifactSettings(image=ImageSettings(repository="claimed-test", version="engines"))
    return build_operator(docker_client, E2E / "word_count.py", (), settings, tmp_path_factory.mktemp("engines"))


@pytest.fixture
def text(tmp_path: Path) -> Path:
    path = tmp_path / "in.txt"
    path.write_text("x y x z x\n", encoding="utf-8")
    return path


def test_toil_backend(word_count: OperatorBuild, text: Path, tmp_path: Path,
                      capfd: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "--quiet", "--backend", "toil", f"--outdir={tmp_path / 'out'}", str(word_count.cwl),
                 "--input_file", str(text), "--top", "2"])
    captured = capfd.readouterr()
    assert code == 0, captured.err
    assert json.loads(captured.out)["n_words"] == "5"
    assert (tmp_path / "out" / "counts.tsv").read_text() == "x\t3\ny\t1\n"


def test_toil_backend_reports_failure(tmp_path: Path, python_base_image: str, docker_client: Any,
                                      capfd: pytest.CaptureFixture[str]) -> None:
    settings = ArtifactSettings(image=ImageSettings(repository="claimed-test", version="engines"))
    failing = build_operator(docker_client, E2E / "fail_on_purpose.py", (), settings, tmp_path / "op")
    code = main(["run", "--quiet", "--backend", "toil", f"--outdir={tmp_path / 'out'}", str(failing.cwl)])
    assert code != 0
    assert "toil-cwl-runner failed with exit code" in capfd.readouterr().err


@pytest.fixture(scope="module")
def podman_image(word_count: OperatorBuild) -> str:
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed (scripts/tools.sh installs it)")
    save = subprocess.Popen(["docker", "save", IMAGE], stdout=subprocess.PIPE)
    loaded = subprocess.run(["podman", "load", "-q"], stdin=save.stdout, capture_output=True, text=True, check=False)
    save.wait()
    assert loaded.returncode == 0, loaded.stderr
    return IMAGE


@pytest.mark.parametrize("backend", ["cwltool", "toil"])
def test_podman_engine(backend: str, podman_image: str, word_count: OperatorBuild, text: Path, tmp_path: Path,
                       capfd: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "--quiet", "--engine", "podman", "--backend", backend, f"--outdir={tmp_path / 'out'}",
                 str(word_count.cwl), "--input_file", str(text)])
    captured = capfd.readouterr()
    assert code == 0, captured.err
    assert (tmp_path / "out" / "counts.tsv").read_text() == "x\t3\ny\t1\nz\t1\n"
