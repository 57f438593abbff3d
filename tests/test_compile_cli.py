"""``claimed-cwl compile`` and compile_operator: complete build context, atomic writes, clean errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from claimed_cwl.cli import main
from claimed_cwl.compile import compile_operator
from claimed_cwl.errors import ClaimedError
from claimed_cwl.outdir import MANIFEST_NAME

GOLDEN = Path(__file__).parent / "golden"
SECRET = "not-a-real-token"


@pytest.fixture
def operator_dir(tmp_path: Path) -> Path:
    """A copy of the filter_csv example with its helper module."""
    folder = tmp_path / "src"
    shutil.copytree(GOLDEN / "filter_csv", folder)
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_compile_writes_a_build_context(operator_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main(["compile", str(operator_dir / "filter_csv.py"), str(operator_dir / "helpers" / "util.py"),
                 "--out", str(out), "--repository", "registry.local:5000/team", "--version", "0.3"])
    assert code == 0
    files = _snapshot(out)
    assert sorted(files) == sorted([
        "Dockerfile", "claimed_launcher.py", "filter-csv.cwl", "filter-csv.job.yaml", "filter-csv.yaml",
        "filter_csv.py", "helpers/util.py", MANIFEST_NAME,
    ])
    printed = capsys.readouterr().out.split()
    assert sorted(printed) == sorted(str(out / name) for name in files if name != MANIFEST_NAME)
    assert files["filter_csv.py"] == (operator_dir / "filter_csv.py").read_bytes()
    for line in files["Dockerfile"].decode().splitlines():
        if line.startswith("COPY "):
            source = json.loads(line.removeprefix("COPY "))[0]
            assert source in files, f"{source} is not in the build context"
    assert b"registry.local:5000/team/claimed-filter-csv:0.3" in files["filter-csv.cwl"]
    for name in ("Dockerfile", "filter-csv.cwl", "filter-csv.yaml", "filter-csv.job.yaml"):
        assert SECRET.encode() not in files[name], name


def test_default_out_is_operator_name(operator_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["compile", str(operator_dir / "filter_csv.py"), "--pvc", "shared:/mnt/shared",
                 "--secret-name", "tokens"]) == 0
    job = (tmp_path / "filter-csv" / "filter-csv.job.yaml").read_text()
    assert "claimName: shared" in job and "value: /mnt/shared/filtered.csv" in job and "name: tokens" in job


def test_additional_file_relative_to_operator_dir(operator_dir: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(operator_dir)
    assert main(["compile", "filter_csv.py", "helpers/util.py", "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "helpers" / "util.py").is_file()
    monkeypatch.chdir(tmp_path)
    assert main(["compile", str(operator_dir / "filter_csv.py"), "helpers", "--out", str(tmp_path / "d")]) == 0
    assert (tmp_path / "d" / "helpers" / "util.py").is_file()


def test_compile_is_deterministic(operator_dir: Path, tmp_path: Path) -> None:
    first = compile_operator(operator_dir / "filter_csv.py", ["helpers/util.py"], out_dir=tmp_path / "a")
    second = compile_operator(operator_dir / "filter_csv.py", ["helpers/util.py"], out_dir=tmp_path / "b")
    assert _snapshot(first.out_dir) == _snapshot(second.out_dir)
    assert len(first.written) == 7


def test_out_dir_may_be_the_source_dir(operator_dir: Path) -> None:
    before = (operator_dir / "filter_csv.py").read_bytes()
    result = compile_operator(operator_dir / "filter_csv.py", ["helpers/util.py"], out_dir=operator_dir)
    assert (operator_dir / "filter_csv.py").read_bytes() == before
    assert (operator_dir / "Dockerfile").is_file() and result.spec.name == "filter-csv"
    assert not [p for p in operator_dir.parent.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_bad_operator_leaves_out_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "bad_op.py"
    source.write_text("import os\n\nx = complex(os.getenv('x', '1'))\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["compile", str(source), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{source}:3:" in err and "Traceback" not in err
    assert _snapshot(out) == {"keep.txt": b"mine"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad_op.py", "out"]


def test_write_error_leaves_out_untouched(operator_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "Dockerfile").mkdir(parents=True)  # a directory where a file must go
    (out / "filter-csv.cwl").write_text("old")
    with pytest.raises(ClaimedError, match="in the way"):
        compile_operator(operator_dir / "filter_csv.py", ["helpers/util.py"], out_dir=out)
    assert _snapshot(out) == {"filter-csv.cwl": b"old"}
    blocked = tmp_path / "file"
    blocked.write_text("x")
    with pytest.raises(ClaimedError, match="not a directory"):
        compile_operator(operator_dir / "filter_csv.py", out_dir=blocked)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "out", "src"]


def test_user_file_clashing_with_artifact(operator_dir: Path, tmp_path: Path) -> None:
    (operator_dir / "Dockerfile").write_text("FROM scratch\n")
    with pytest.raises(ClaimedError, match="generated file"):
        compile_operator(operator_dir / "filter_csv.py", ["Dockerfile"], out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_bad_options_are_clean_errors(operator_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = str(operator_dir / "filter_csv.py")
    assert main(["compile", script, "--pvc", "nomount", "--out", str(tmp_path / "o")]) == 1
    assert "NAME:MOUNT" in capsys.readouterr().err
    assert main(["compile", script, "--repository", "Bad Repo", "--out", str(tmp_path / "o")]) == 1
    assert "repository" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_help_documents_every_option_and_default() -> None:
    result = subprocess.run([sys.executable, "-m", "claimed_cwl", "compile", "--help"], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for option in ("--repository", "--version", "--base-image", "--out", "--pull-secret", "--backoff-limit",
                   "--restart-policy", "--pvc", "--secret-name"):
        assert option in text
    assert text.count("(default:") >= 9
