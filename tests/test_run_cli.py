"""`claimed-cwl run` on the real Docker engine: input checking, failures, run by image, summary, progress."""

from __future__ import annotations

import io
import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from claimed_cwl.build.operator_build import OperatorBuild, build_operator
from claimed_cwl.cli import main
from claimed_cwl.emit import ArtifactSettings, ImageSettings
from claimed_cwl.progress import Progress

E2E = Path(__file__).parent / "e2e"

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def ops(docker_client: Any, python_base_image: str,
        tmp_path_factory: pytest.TempPathFactory) -> dict[str, OperatorBuild]:
    settings = ArtifactSettings(image=ImageSettings(repository="claimed-test", version="run"))
    root = tmp_path_factory.mktemp("run-cli")
    return {name: build_operator(docker_client, E2E / f"{name}.py", (), settings, root / name)
            for name in ("word_count", "fail_on_purpose")}


@pytest.fixture
def text(tmp_path: Path) -> Path:
    path = tmp_path / "in.txt"
    path.write_text("a b a\n", encoding="utf-8")
    return path


def test_bad_int_is_rejected_before_any_container_starts(ops: dict[str, OperatorBuild], text: Path,
                                                         tmp_path: Path, docker_client: Any,
                                                         capfd: pytest.CaptureFixture[str]) -> None:
    events_since = int(time.time())
    code = main(["run", f"--outdir={tmp_path / 'out'}", str(ops["word_count"].cwl),
                 "--input_file", str(text), "--top", "three"])
    captured = capfd.readouterr()
    assert code != 0
    assert "argument --top: invalid int value: 'three'" in captured.err
    events = docker_client.events(since=events_since, until=int(time.time()) + 1, decode=True,
                                  filters={"type": "container", "event": "create"})
    assert [e for e in events if "claimed-word-count" in e.get("from", "")] == []  # no container was created
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_missing_required_input_is_named(ops: dict[str, OperatorBuild], tmp_path: Path,
                                         capfd: pytest.CaptureFixture[str]) -> None:
    code = main(["run", f"--outdir={tmp_path / 'out'}", str(ops["word_count"].cwl), "--top", "1"])
    captured = capfd.readouterr()
    assert code != 0
    assert "--input_file" in captured.err and "required" in captured.err


def test_job_file_and_flags_mix_and_bad_flag_in_the_mix(ops: dict[str, OperatorBuild], text: Path, tmp_path: Path,
                                                        capfd: pytest.CaptureFixture[str]) -> None:
    job = tmp_path / "job.yaml"
    job.write_text(f"input_file: {{class: File, path: {text.name}}}\ntop: 5\n", encoding="utf-8")
    code = main(["run", "--quiet", f"--outdir={tmp_path / 'out'}", str(ops["word_count"].cwl), str(job),
                 "--top", "1"])
    captured = capfd.readouterr()
    assert code == 0, captured.err
    assert (tmp_path / "out" / "counts.tsv").read_text() == "a\t2\n"
    code = main(["run", f"--outdir={tmp_path / 'out2'}", str(ops["word_count"].cwl), str(job), "--top", "x"])
    assert code != 0
    assert "argument --top: invalid int value: 'x'" in capfd.readouterr().err


def test_failing_operator_exits_non_zero_and_is_named(ops: dict[str, OperatorBuild], tmp_path: Path,
                                                      capfd: pytest.CaptureFixture[str]) -> None:
    code = main(["run", f"--outdir={tmp_path / 'out'}", str(ops["fail_on_purpose"].cwl), "--reason", "for the test"])
    captured = capfd.readouterr()
    assert code != 0
    assert "RuntimeError: failing for the test" in captured.err  # the step's own log, streamed
    assert 'fail_on_purpose.py", line 7' in captured.err  # the user's own line number
    assert re.search(r"failed step\(s\): fail-on-purpose(_\d+)?$", captured.err, re.MULTILINE)
    assert re.search(r"^fail-on-purpose(_\d+)?\s+permanentFail", captured.err, re.MULTILINE)  # summary table


def test_summary_table_lists_step_status_time_and_output_size(ops: dict[str, OperatorBuild], text: Path,
                                                              tmp_path: Path,
                                                              capfd: pytest.CaptureFixture[str]) -> None:
    code = main(["run", f"--outdir={tmp_path / 'out'}", str(ops["word_count"].cwl), "--input_file", str(text)])
    captured = capfd.readouterr()
    assert code == 0, captured.err
    table = captured.err[captured.err.index("step  "):].splitlines()
    assert table[0].split() == ["step", "status", "wall", "time", "outputs"]
    name, status, seconds, unit, *outputs = table[1].split()
    size = (tmp_path / "out" / "counts.tsv").stat().st_size  # n_words is a string output, not a file
    # cwltool numbers job names per process (word-count, word-count_2, ...) and this runs in-process
    assert re.fullmatch(r"word-count(_\d+)?", name)
    assert (status, unit) == ("success", "s") and float(seconds) > 0
    assert " ".join(outputs) == f"1 file(s), {size} B"


def test_run_operator_image_by_name(ops: dict[str, OperatorBuild], text: Path, tmp_path: Path,
                                    capfd: pytest.CaptureFixture[str]) -> None:
    """Like `claimed --component IMAGE --param value`: the interface comes from the image label."""
    code = main(["run", "--quiet", f"--outdir={tmp_path / 'out'}", "--component",
                 "claimed-test/claimed-word-count:run", "--input_file", str(text), "--top", "1"])
    captured = capfd.readouterr()
    assert code == 0, captured.err
    assert json.loads(captured.out)["n_words"] == "3"
    assert (tmp_path / "out" / "counts.tsv").read_text() == "a\t2\n"


def test_run_image_without_label_is_a_clear_error(python_base_image: str, capfd: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "--component", python_base_image, "--x", "1"])
    assert code == 1
    assert "has no io.claimed.spec label" in capfd.readouterr().err


def test_run_operator_source_compiles_and_builds_first(python_base_image: str, text: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    source = tmp_path / "word_count.py"
    shutil.copy(E2E / "word_count.py", source)
    code = main(["run", "--quiet", f"--outdir={tmp_path / 'out'}", str(source), "--input_file", str(text)])
    captured = capfd.readouterr()
    assert code == 0, captured.err
    assert (tmp_path / "out" / "counts.tsv").read_text() == "a\t2\nb\t1\n"
    assert list((tmp_path / "cache").rglob("word-count.cwl"))


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_line_only_on_a_terminal_and_after_the_delay() -> None:
    terminal = _Terminal()
    with Progress("running x", stream=terminal, delay=0.2) as progress:
        progress.update("1 done, running: step-b")
        time.sleep(1.2)
    assert "running x: 1 done, running: step-b (" in terminal.getvalue()
    assert terminal.getvalue().endswith("\r\033[K")  # the line is cleared at the end
    quick = _Terminal()
    with Progress("running y", stream=quick, delay=5):
        time.sleep(0.6)
    assert quick.getvalue() == ""
    pipe = io.StringIO()
    with Progress("running z", stream=pipe, delay=0):
        time.sleep(0.6)
    assert pipe.getvalue() == ""
