"""`claimed-cwl run --max-parallel N`: at most N jobs at once, counted from the Docker engine's own events.

The square-sum workflow (tests/_toil_helpers.py) scatters a 1-core step that waits ``delay`` seconds over four
values; how many of its containers ran at the same time comes from ``docker events`` (start and die), under
cwltool and under Toil's single-machine batch system.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _engine_events import EngineEvents
from _toil_helpers import build_square_sum, expected_outputs, output_texts, runner_argv, write_job

from claimed_cwl.runners.base import RunOptions
from claimed_cwl.runners.cwltool_runner import cwltool_argv
from claimed_cwl.runners.toil_runner import toil_argv

SQUARE_IMAGE = "claimed-test/claimed-slow-square:toil"


def test_cap_reaches_both_runners(tmp_path: Path) -> None:
    document = tmp_path / "wf.cwl"
    capped = cwltool_argv(document, RunOptions(max_parallel=3))
    assert "--parallel" in capped and "--parallel-max=3" in capped
    one = cwltool_argv(document, RunOptions(parallel=True, max_parallel=1))  # one at a time: cwltool's serial run
    assert not any(arg.startswith("--parallel") for arg in one)
    assert "--maxJobs=2" in toil_argv(document, RunOptions(max_parallel=2), "file:/tmp/js")
    assert not any(arg.startswith("--maxJobs") for arg in toil_argv(document, RunOptions(), "file:/tmp/js"))


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_a_cap_that_is_no_count_of_jobs_is_refused(value: str, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "claimed_cwl", "run", "--max-parallel", value,
                           str(tmp_path / "wf.cwl")], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "--max-parallel" in done.stderr and "Traceback" not in done.stderr
    assert "whole number of jobs" in done.stderr or "at least 1 job" in done.stderr


@pytest.fixture(scope="module")
def square_sum(docker_client: Any, python_base_image: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_square_sum(docker_client, tmp_path_factory.mktemp("square-sum-cap"))


def _most_at_once(changes: list[tuple[int, str]]) -> int:
    """The most square-step containers that ran at the same time, from the engine's start and die events."""
    assert changes, "no container of the step in the engine's events"
    running = most = 0
    for _, action in changes:
        running += 1 if action == "start" else -1
        most = max(most, running)
    return most


def _run(square_sum: Path, tmp_path: Path, backend: str, **fields: Any) -> int:
    values = [1, 2, 3, 4]
    tmp_path.mkdir(exist_ok=True)
    job = write_job(tmp_path / "job.json", values, 1.5)
    with EngineEvents(SQUARE_IMAGE) as seen:
        done = subprocess.run(runner_argv(square_sum, backend, outdir=tmp_path / "out", job=job, **fields),
                              capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert output_texts(json.loads(done.stdout)) == expected_outputs(values)
    return _most_at_once(seen.changes)


@pytest.mark.docker
@pytest.mark.slow
def test_cwltool_runs_at_most_n_jobs(square_sum: Path, tmp_path: Path) -> None:
    if (os.cpu_count() or 1) >= 2:  # uncapped, cwltool runs as many 1-core jobs as there are cores
        assert _run(square_sum, tmp_path / "uncapped", "cwltool", parallel=True) >= 2  # the cap has work to do
    assert _run(square_sum, tmp_path / "capped", "cwltool", parallel=True, max_parallel=1) == 1


@pytest.mark.docker
@pytest.mark.slow
def test_toil_runs_at_most_n_jobs(square_sum: Path, tmp_path: Path) -> None:
    assert _run(square_sum, tmp_path, "toil", max_parallel=1) == 1
