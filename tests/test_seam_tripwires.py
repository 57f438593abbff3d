"""Tripwires on the seam to cwltool and Toil: everything claimed-cwl relies on, read from their sources. No Docker.

claimed_cwl/runners/_cwltool.py and _toil.py list what they rely on: the
signatures of the cwltool methods overridden or called, the log lines
step_log reads, Toil's entry point, options, worker program and Slurm job
names. These tests read the installed packages' *sources* (with ``ast``, nothing
is imported) and fail, naming the difference, when one of them changed.

To try another cwltool or Toil without installing it (a newer release, a
doctored copy), point the tests at a folder holding its package directories:
``CLAIMED_SEAM_SOURCES=DIR pytest tests/test_seam_tripwires.py``, where DIR
has ``cwltool/`` and/or ``toil/``; a package missing there is read from the
installed one. ``test_tripwires_fail_on_a_doctored_cwltool`` does exactly that.
"""

from __future__ import annotations

import ast
import importlib.util
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from claimed_cwl.runners import _cwltool, _toil
from claimed_cwl.runners._cwltool import LOG_FORMATS, OVERRIDES, Override, loading_context, seam_problems
from claimed_cwl.runners.step_log import StepWatcher

SOURCES_VARIABLE = "CLAIMED_SEAM_SOURCES"


def package_root(package: str) -> Path:
    """The directory holding ``package``: from CLAIMED_SEAM_SOURCES when it has it, else the installed one."""
    override = os.environ.get(SOURCES_VARIABLE)
    if override and (Path(override) / package).is_dir():
        return Path(override)
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None, f"{package} is not installed"
    return Path(spec.origin).parent.parent


def source_of(module: str) -> tuple[Path, str]:
    """The file and text of ``module`` (dotted) under its package root."""
    root = package_root(module.split(".", maxsplit=1)[0])
    path = root / (module.replace(".", "/") + ".py")
    return path, path.read_text(encoding="utf-8")


def _definition(tree: ast.Module, qualname: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    body: list[ast.stmt] = tree.body
    *owners, name = qualname.split(".")
    for owner in owners:
        found = next((n for n in body if isinstance(n, ast.ClassDef) and n.name == owner), None)
        if found is None:
            return None
        body = found.body
    return next((n for n in body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name), None)


def source_parameters(override: Override) -> tuple[str, ...] | None:
    """The parameter names of ``override``'s function as its source defines it; None when it is not there."""
    path, text = source_of(override.module)
    function = _definition(ast.parse(text, filename=str(path)), override.qualname)
    if function is None:
        return None
    args = function.args
    return tuple(a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs])


@pytest.mark.parametrize("override", OVERRIDES, ids=lambda o: f"{o.module}.{o.qualname}")
def test_cwltool_signature_is_as_relied_on(override: Override) -> None:
    found = source_parameters(override)
    where = f"{override.module}.{override.qualname}"
    assert found is not None, f"{where} is not defined in {source_of(override.module)[0]}"
    if override.exact:
        assert found == override.parameters, f"{where}{found} changed (relied on: {override.parameters})"
    else:
        missing = set(override.parameters) - set(found)
        assert not missing, f"{where} lost the parameter(s) {sorted(missing)}"


@pytest.mark.parametrize(("file", "text"), LOG_FORMATS, ids=[f"{f}:{t}" for f, t in LOG_FORMATS])
def test_cwltool_log_format_is_as_relied_on(file: str, text: str) -> None:
    path = package_root("cwltool") / file
    assert text in path.read_text(encoding="utf-8"), f"{path} no longer writes {text!r}"


def _record(message: str, *args: object, level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord("cwltool", level, __file__, 0, message, args, None)


def test_step_log_reads_every_format_it_relies_on() -> None:
    """The formats above, filled in as cwltool fills them, are what the watcher understands."""
    watcher = StepWatcher()
    step = "step %s" % "count"  # noqa: UP031 - cwltool's own format, as it applies it
    watcher.emit(_record("[%s] start", step))
    watcher.emit(_record("[job %s] %s$ %s%s%s%s", "count", "/out", "docker run x", "", "", ""))
    assert watcher.jobs["count"].status == "running"
    watcher.emit(_record("[job %s] exited with status: %d", "count", 1, level=logging.WARNING))
    watcher.emit(_record("[job %s] completed %s", "count", "permanentFail", level=logging.WARNING))
    watcher.emit(_record("[%s] completed %s", step, "permanentFail", level=logging.WARNING))
    assert watcher.jobs["count"].script_failed and watcher.failed == ["count"]
    watcher.emit(_record("[job %s] outputs %s", "count", '{"o": {"class": "File", "size": 3}}', level=logging.DEBUG))
    assert watcher.jobs["count"].output_files == 1


def test_toil_entry_point_options_and_names_are_as_relied_on() -> None:
    module, function = _toil.LEADER_MAIN
    path, text = source_of(module)
    assert _definition(ast.parse(text), function) is not None, f"{path} defines no {function}()"
    toil_root = package_root("toil") / "toil"
    sources = "\n".join(p.read_text(encoding="utf-8") for p in toil_root.rglob("*.py") if "test" not in p.parts)
    missing = [option for option in _toil.LEADER_OPTIONS if f'"{option}"' not in sources]
    assert not missing, f"Toil under {toil_root} has no option(s) {missing}"
    leader = (toil_root / "leader.py").read_text(encoding="utf-8")
    assert f'resolveEntryPoint("{_toil.WORKER_PROGRAM}")' in leader, "Toil no longer starts its workers as " \
        f"{_toil.WORKER_PROGRAM} (with the job store locator after the job name)"
    assert "self.jobStoreLocator," in leader
    job = (toil_root / "job.py").read_text(encoding="utf-8")
    assert all(f"{field}=" in job for field in _toil.JOB_STAT_FIELDS), "Toil's --stats job records changed"
    slurm = (toil_root / "batchSystems" / "slurm.py").read_text(encoding="utf-8")
    assert f'f"{_toil.SLURM_JOB_PREFIX}{{' in slurm, f"Toil no longer names its Slurm jobs {_toil.SLURM_JOB_PREFIX}..."


def test_start_up_check_matches_the_installed_cwltool() -> None:
    assert seam_problems() == []


def test_a_mismatching_signature_falls_back_to_cwltool_with_a_warning(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """The check at start-up compares the installed methods; a changed one keeps cwltool's own classes."""
    import cwltool.docker

    def create_runtime(self: object, env: object, runtime_context: object, extra: object) -> None:
        """A cwltool whose create_runtime gained a parameter."""

    monkeypatch.setattr(cwltool.docker.DockerCommandLineJob, "create_runtime", create_runtime)
    problems = seam_problems()
    assert len(problems) == 1 and "DockerCommandLineJob.create_runtime" in problems[0]
    with caplog.at_level(logging.WARNING, logger="cwltool"):
        context = loading_context(["tool.cwl"])
    assert context.construct_tool_object is not _cwltool.make_tool
    assert "running with cwltool's own classes" in caplog.text


def test_tripwires_fail_on_a_doctored_cwltool(tmp_path: Path) -> None:
    """Pointed at a copy of cwltool whose docker_monitor takes another parameter, the tripwire fails and says so."""
    copy = tmp_path / "cwltool"
    shutil.copytree(package_root("cwltool") / "cwltool", copy)
    job = copy / "job.py"
    text = job.read_text(encoding="utf-8")
    assert "        cleanup_cidfile: bool,\n" in text
    job.write_text(text.replace("        cleanup_cidfile: bool,\n", "        cleanup_cidfile: bool,\n"
                                "        poll_interval: float,\n", 1), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"{__file__}::"
         "test_cwltool_signature_is_as_relied_on"],
        capture_output=True, text=True, env={**os.environ, SOURCES_VARIABLE: str(tmp_path)}, check=False,
        cwd=Path(__file__).parents[1], timeout=300,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "ContainerCommandLineJob.docker_monitor" in done.stdout
    assert "poll_interval" in done.stdout
    assert "1 failed" in done.stdout
