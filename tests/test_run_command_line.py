"""`claimed-cwl run` as a person types it: exact input names, --, --help, booleans, clear errors before any run.

Most tools here have no DockerRequirement, so cwltool runs them on this
machine: real runs, no engine needed. A tool that "ran" leaves a marker file,
so a test can tell that an error came before anything was started.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from claimed_cwl.cli import main

ECHO_TOOL = """\
cwlVersion: v1.2
class: CommandLineTool
doc: Echo the inputs into a file.
requirements: [{class: InlineJavascriptRequirement}]
baseCommand: [sh, -c, 'echo "b=$0 backend=$1 file_name=$2 flag=$3" > echo.txt; touch "$4"']
inputs:
  b: {type: string, default: x, inputBinding: {position: 1}, doc: a letter}
  backend: {type: string, default: none, inputBinding: {position: 2}}
  file_name: {type: string, default: f, inputBinding: {position: 3}, doc: a file name}
  flag: {type: boolean, default: false, inputBinding: {position: 4, valueFrom: '$(self ? "yes" : "no")'}}
  marker: {type: string, default: /dev/null, inputBinding: {position: 5}}
  count: {type: 'int?', doc: how many}
outputs:
  echo: {type: File, outputBinding: {glob: echo.txt}}
"""

COPY_TOOL = """\
cwlVersion: v1.2
class: CommandLineTool
baseCommand: [sh, -c, 'cat "$0" > "copy of $(basename "$0")"']
inputs:
  src: {type: File, inputBinding: {position: 1}}
outputs:
  copy: {type: File, outputBinding: {glob: "copy of *"}}
"""

NO_OUTPUT_TOOL = """\
cwlVersion: v1.2
class: CommandLineTool
baseCommand: [sh, -c, 'echo working']
inputs: []
outputs:
  result: {type: File, outputBinding: {glob: result.txt}}
"""


@pytest.fixture
def echo_tool(tmp_path: Path) -> Path:
    path = tmp_path / "echo.cwl"
    path.write_text(ECHO_TOOL, encoding="utf-8")
    return path


def _run(*args: str, cwd: Path, runner: str = "run") -> subprocess.CompletedProcess[str]:
    """The installed command in a child process, as a user runs it (tracebacks would show in stderr)."""
    command = ["-c", "import sys; from claimed_cwl.cli import runner_main; sys.argv[0] = 'claimed-cwl-runner'; "
               "sys.exit(runner_main())"] if runner == "runner" else ["-m", "claimed_cwl", "run"]
    return subprocess.run([sys.executable, *command, *args], capture_output=True, text=True, check=False, cwd=cwd,
                          timeout=300)


def _echoed(outdir: Path) -> str:
    return (outdir / "echo.txt").read_text(encoding="utf-8").strip()


def test_an_input_named_like_a_prefix_of_a_runner_option(echo_tool: Path, tmp_path: Path) -> None:
    """Before: 'ambiguous option: --b could match --backend, --base-image'."""
    assert main(["run", "--quiet", "--outdir", str(tmp_path / "o"), str(echo_tool), "--b", "1",
                 "--backend", "toil", "--file_name", "q"]) == 0
    assert _echoed(tmp_path / "o") == "b=1 backend=toil file_name=q flag=no"


def test_inputs_must_be_named_in_full(echo_tool: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Before: --file was taken for --file_name."""
    assert main(["run", "--outdir", str(tmp_path / "o"), str(echo_tool), "--file", "q"]) == 1
    err = capsys.readouterr().err
    assert "unknown input flag(s) 'file' (did you mean 'file_name'?)" in err
    assert "the inputs are: b, backend, file_name, flag, marker, count" in err
    assert not (tmp_path / "o").exists()


def test_everything_after_double_dash_is_an_input(echo_tool: Path, tmp_path: Path) -> None:
    assert main(["run", "--quiet", "--outdir", str(tmp_path / "o"), str(echo_tool), "--", "--backend", "x"]) == 0
    assert _echoed(tmp_path / "o") == "b=x backend=x file_name=f flag=no"
    job = tmp_path / "job.yml"
    job.write_text("b: from-job\n", encoding="utf-8")
    assert main(["run", "--quiet", "--outdir", str(tmp_path / "o2"), str(echo_tool), str(job), "--", "--flag"]) == 0
    assert _echoed(tmp_path / "o2") == "b=from-job backend=none file_name=f flag=yes"


def test_a_runner_option_after_the_document_is_explained(echo_tool: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(echo_tool), "--outdir", str(tmp_path / "o")]) == 1
    assert "--outdir: option(s) of claimed-cwl run, not inputs of" in capsys.readouterr().err


def test_help_lists_the_inputs_with_types_defaults_and_docs(echo_tool: Path, tmp_path: Path) -> None:
    done = _run(str(echo_tool), "--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = " ".join(done.stdout.split())
    assert "--b STRING a letter; string, optional; default: x" in lines
    assert "--file_name STRING a file name; string, optional; default: f" in lines
    assert "--flag [BOOL] boolean, optional; default: false (--no-flag: false)" in lines
    assert "--count INT how many; int, optional" in lines
    assert not (tmp_path / "echo.txt").exists() and "Traceback" not in done.stderr


@pytest.mark.parametrize(("words", "expected"), [
    (["--flag", "False"], "no"), (["--flag", "true"], "yes"), (["--flag"], "yes"), (["--no-flag"], "no"),
    (["--flag", "YES"], "yes"), (["--flag", "0"], "no"),
])
def test_booleans_the_claimed_way(echo_tool: Path, tmp_path: Path, words: list[str], expected: str) -> None:
    assert main(["run", "--quiet", "--outdir", str(tmp_path / "o"), str(echo_tool), *words]) == 0
    assert _echoed(tmp_path / "o").endswith(f"flag={expected}")


def test_a_bad_boolean_is_refused(echo_tool: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--outdir", str(tmp_path / "o"), str(echo_tool), "--flag", "maybe"]) == 1
    assert "argument --flag: invalid boolean value: 'maybe'" in capsys.readouterr().err


def test_a_missing_job_file_is_a_clear_error(echo_tool: Path, tmp_path: Path) -> None:
    """Before: a FileNotFoundError traceback."""
    done = _run("--outdir", str(tmp_path / "o"), str(echo_tool), "missing.yml", cwd=tmp_path)
    assert done.returncode == 1
    assert "claimed-cwl: error: missing.yml: no such job file" in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_job_file_keys_are_refused(echo_tool: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    job = tmp_path / "job.yml"
    job.write_text(f"b: one\nbakend: two\nmarker: {marker}\n", encoding="utf-8")
    done = _run("--outdir", str(tmp_path / "o"), str(echo_tool), str(job), cwd=tmp_path)
    assert done.returncode == 1
    assert f"{job}: unknown input key(s) 'bakend' (did you mean 'backend'?)" in done.stderr
    assert not marker.exists()
    # with inputs as flags too, --ignore-unknown-inputs leaves them out with a warning
    done = _run("--ignore-unknown-inputs", "--outdir", str(tmp_path / "o"), str(echo_tool), str(job), "--flag",
                cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "'bakend' is not an input" in done.stderr and marker.exists()
    # claimed-cwl-runner (cwltest's runner) ignores them, as CWL runners do (the conformance suite has such jobs)
    marker.unlink()
    done = _run("--outdir", str(tmp_path / "o3"), str(echo_tool), str(job), cwd=tmp_path, runner="runner")
    assert done.returncode == 0, done.stderr
    assert marker.exists()


def test_an_outdir_that_is_a_file_stops_the_run_before_it_starts(echo_tool: Path, tmp_path: Path) -> None:
    """Before: found only after the run, with a summary saying success."""
    (tmp_path / "taken").write_text("mine\n", encoding="utf-8")
    marker = tmp_path / "ran"
    done = _run("--outdir", str(tmp_path / "taken"), str(echo_tool), "--marker", str(marker), cwd=tmp_path)
    assert done.returncode == 1
    assert f"--outdir {tmp_path / 'taken'}: is a file, not a directory" in done.stderr
    assert not marker.exists() and (tmp_path / "taken").read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize("name", ["item #1.txt", "with space.txt", "grüße ñ.txt", "日本.txt"])
def test_input_paths_with_hash_spaces_and_letters_work(tmp_path: Path, name: str) -> None:
    """Before: a '#' gave a cwltool traceback (KeyError), spaces and non-ASCII letters 'illegal characters'."""
    tool = tmp_path / "copy.cwl"
    tool.write_text(COPY_TOOL, encoding="utf-8")
    folder = tmp_path / "in dir #2"
    folder.mkdir()
    (folder / name).write_text("content\n", encoding="utf-8")
    out = tmp_path / "out ü #3"
    done = _run("--quiet", "--outdir", str(out), str(tool), "--src", str(folder / name), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (out / f"copy of {name}").read_text(encoding="utf-8") == "content\n"
    printed = json.loads(done.stdout)["copy"]
    assert printed["path"] == str(out / f"copy of {name}") and Path(printed["path"]).exists()
    job = tmp_path / "job.yml"  # a job file's path is a file name, relative to the job file
    job.write_text(json.dumps({"src": {"class": "File", "path": f"in dir #2/{name}"}}), encoding="utf-8")
    done = _run("--quiet", "--outdir", str(tmp_path / "o2"), str(tool), str(job), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "o2" / f"copy of {name}").exists()


PARTIAL_WORKFLOW = """\
cwlVersion: v1.2
class: Workflow
inputs: []
outputs:
  first: {type: File, outputSource: one/out}
  second: {type: File, outputSource: two/out}
steps:
  one:
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, 'echo made > one.txt']
      inputs: []
      outputs: {out: {type: File, outputBinding: {glob: one.txt}}}
    in: []
    out: [out]
  two:
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, 'exit 3']
      inputs: []
      outputs: {out: {type: File, outputBinding: {glob: two.txt}}}
    in: []
    out: [out]
"""


def test_a_failed_run_delivers_nothing_to_outdir(tmp_path: Path) -> None:
    """Before: one.txt of the step that succeeded landed in --outdir although the run failed."""
    workflow = tmp_path / "partial.cwl"
    workflow.write_text(PARTIAL_WORKFLOW, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("kept\n", encoding="utf-8")
    done = _run("--outdir", str(out), str(workflow), cwd=tmp_path)
    assert done.returncode != 0
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]
    assert f"the run failed: no output delivered to {out}" in done.stderr
    fresh = tmp_path / "fresh"
    assert _run("--outdir", str(fresh), str(workflow), cwd=tmp_path).returncode != 0
    assert not fresh.exists()  # created for the run, removed again


def test_a_script_that_succeeds_without_its_output_is_named(tmp_path: Path) -> None:
    """Before: cwltool's 'Did not find output file with glob pattern', pointing into the .cwl."""
    tool = tmp_path / "none.cwl"
    tool.write_text(NO_OUTPUT_TOOL, encoding="utf-8")
    done = _run("--outdir", str(tmp_path / "o"), str(tool), cwd=tmp_path)
    assert done.returncode != 0
    assert ("the script succeeded but did not write result (expected at result.txt in its working directory)"
            in done.stderr)
    assert "Did not find output file with glob pattern" not in done.stderr
    assert "failed step(s): none" in done.stderr


def test_a_script_that_fails_keeps_its_own_message(tmp_path: Path) -> None:
    tool = tmp_path / "fails.cwl"
    tool.write_text(NO_OUTPUT_TOOL.replace("echo working", "exit 4"), encoding="utf-8")
    done = _run("--outdir", str(tmp_path / "o"), str(tool), cwd=tmp_path)
    assert done.returncode != 0
    assert "exited with status: 4" in done.stderr and "the script succeeded" not in done.stderr


def test_inputs_are_checked_in_a_clean_environment(echo_tool: Path, tmp_path: Path) -> None:
    """A relative --outdir and document, from another directory: the printed paths point into --outdir."""
    work = tmp_path / "work"
    work.mkdir()
    done = _run("--quiet", "--outdir", "rel out", os.path.relpath(echo_tool, work), "--b", "2", cwd=work)
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)["echo"]
    assert printed["path"] == str(work / "rel out" / "echo.txt")
    assert printed["location"] == (work / "rel out" / "echo.txt").as_uri()
    assert sorted(p.name for p in (work / "rel out").iterdir()) == ["echo.txt"]  # no staging left


def test_the_output_object_points_into_outdir_when_run_in_process(echo_tool: Path, tmp_path: Path,
                                                                    capfd: pytest.CaptureFixture[str]) -> None:
    """Called as a function (sys.stdout need not be fd 1), the printed paths are the delivered ones too."""
    assert main(["run", "--quiet", "--outdir", str(tmp_path / "o"), str(echo_tool)]) == 0
    printed = json.loads(capfd.readouterr().out)["echo"]
    assert printed["path"] == str(tmp_path / "o" / "echo.txt") and Path(printed["path"]).is_file()
