"""End to end on the real Docker engine: compile + build + run a script, a notebook and an R operator.

Each operator reads a File input and writes a File output; the output's
content is asserted. The same generated .cwl is run by ``claimed-cwl run``,
by plain ``cwltool`` and by ``toil-cwl-runner`` (single machine).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from claimed_cwl.build.operator_build import OperatorBuild, build_operator
from claimed_cwl.cli import main
from claimed_cwl.emit import ArtifactSettings, ImageSettings

E2E = Path(__file__).parent / "e2e"
TEXT = "Hello world\nhello again, world\n\nthe end hello\n"
BIN = Path(sys.executable).parent
# Toil starts its workers as `_toil_worker` from PATH: the virtualenv's bin must be on it.
TOIL_ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}

pytestmark = pytest.mark.docker


@dataclass(frozen=True)
class Case:
    source: Path
    output: str  # output id in the CWL
    expected: str  # exact content of the output file


CASES = {
    "python": Case(E2E / "word_count.py", "output_counts", "hello\t3\nworld\t2\nagain,\t1\n"),
    "notebook": Case(E2E / "word_count_nb" / "line_match.ipynb", "output_lines", "3\n"),
    "r": Case(E2E / "word_count_r" / "char_stats.R", "output_stats", '"lines","chars"\n3,42\n'),
}


@pytest.fixture(scope="module")
def built(docker_client: Any, python_base_image: str, r_base_image: str,
          tmp_path_factory: pytest.TempPathFactory) -> dict[str, OperatorBuild]:
    """The three operators compiled and built once for the module."""
    settings = ArtifactSettings(image=ImageSettings(repository="claimed-test", version="e2e"))
    root = tmp_path_factory.mktemp("e2e-build")
    return {key: build_operator(docker_client, case.source, (), settings, root / key) for key, case in CASES.items()}


@pytest.fixture
def job(tmp_path: Path) -> Path:
    text = tmp_path / "input.txt"
    text.write_text(TEXT, encoding="utf-8")
    path = tmp_path / "job.json"
    path.write_text(json.dumps({"input_file": {"class": "File", "path": str(text)}}), encoding="utf-8")
    return path


def _output_text(outdir: Path, result: dict[str, Any], output: str) -> str:
    location = Path(result[output]["path"])
    assert location.parent == outdir.resolve(), f"output not collected into --outdir: {location}"
    return location.read_text(encoding="utf-8")


@pytest.mark.parametrize("key", sorted(CASES))
def test_claimed_cwl_run(key: str, built: dict[str, OperatorBuild], job: Path, tmp_path: Path,
                         capfd: pytest.CaptureFixture[str]) -> None:
    outdir = tmp_path / "out"
    code = main(["run", "--quiet", f"--outdir={outdir}", str(built[key].cwl), str(job)])
    captured = capfd.readouterr()
    assert code == 0, captured.err
    result = json.loads(captured.out)
    assert _output_text(outdir, result, CASES[key].output) == CASES[key].expected


@pytest.mark.parametrize("key", sorted(CASES))
def test_plain_cwltool(key: str, built: dict[str, OperatorBuild], job: Path, tmp_path: Path) -> None:
    outdir = tmp_path / "out"
    done = subprocess.run([str(BIN / "cwltool"), "--quiet", f"--outdir={outdir}", str(built[key].cwl), str(job)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert _output_text(outdir, json.loads(done.stdout), CASES[key].output) == CASES[key].expected


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(CASES))
def test_toil_single_machine(key: str, built: dict[str, OperatorBuild], job: Path, tmp_path: Path) -> None:
    outdir = tmp_path / "out"
    done = subprocess.run(
        [str(BIN / "toil-cwl-runner"), "--no-prepull", "--logLevel=WARNING", f"--jobStore=file:{tmp_path}/js",
         f"--outdir={outdir}", str(built[key].cwl), str(job)],
        capture_output=True, text=True, check=False, env=TOIL_ENV)
    assert done.returncode == 0, done.stderr[-3000:]
    assert _output_text(outdir, json.loads(done.stdout), CASES[key].output) == CASES[key].expected


def test_value_output_and_defaults(built: dict[str, OperatorBuild], job: Path, tmp_path: Path,
                                   capfd: pytest.CaptureFixture[str]) -> None:
    """os.environ['n_words'] = ... becomes a string output; --top 1 and a false boolean reach the script."""
    outdir = tmp_path / "out"
    code = main(["run", "--quiet", f"--outdir={outdir}", str(built["python"].cwl), str(job), "--top", "1"])
    captured = capfd.readouterr()
    assert code == 0, captured.err
    result = json.loads(captured.out)
    assert result["n_words"] == "8"
    assert _output_text(outdir, result, "output_counts") == "hello\t3\n"

    job_false = tmp_path / "job-false.json"
    job_false.write_text(json.dumps({**json.loads(job.read_text()), "lower": False}), encoding="utf-8")
    code = main(["run", "--quiet", f"--outdir={tmp_path / 'out2'}", str(built["python"].cwl), str(job_false)])
    captured = capfd.readouterr()
    assert code == 0, captured.err
    # with lower=false, "Hello" and "hello" are different words: bool('') must be False in the script
    counts = _output_text(tmp_path / "out2", json.loads(captured.out), "output_counts").splitlines()
    assert sorted(counts) == ["Hello\t1", "hello\t2", "world\t2"]
