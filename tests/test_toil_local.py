"""toil-local: Toil's single-machine batch system with Docker and local images, and restarts.

A scatter workflow of two tiny operators (tests/_toil_helpers.py) runs through
``run_cwl(..., backend="toil")``; one run is killed mid-way (SIGKILL to the
leader's process group while containers run) and resumed from its job store
with ``restart=True``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from _toil_helpers import build_square_sum, expected_outputs, output_texts, runner_argv, write_job

from claimed_cwl.errors import ClaimedError
from claimed_cwl.runners.base import RunOptions, run_cwl
from claimed_cwl.runners.cwltool_runner import cwltool_argv
from claimed_cwl.runners.toil_runner import toil_argv

pytestmark = [pytest.mark.docker, pytest.mark.slow]

SQUARE_IMAGE = "claimed-test/claimed-slow-square:toil"


@pytest.fixture(scope="module")
def square_sum(docker_client: Any, python_base_image: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packed square-sum workflow, its two images built."""
    return build_square_sum(docker_client, tmp_path_factory.mktemp("square-sum"))


def _running(image: str) -> list[str]:
    listed = subprocess.run(["docker", "ps", "-q", "--filter", f"ancestor={image}"], capture_output=True,
                            text=True, check=True)
    return listed.stdout.split()


def _workers(job_store: str) -> list[str]:
    listed = subprocess.run(["ps", "-ww", "-eo", "args"], capture_output=True, text=True, check=True)
    return [line for line in listed.stdout.splitlines() if "_toil_worker" in line and job_store in line]


def test_toil_local_scatter(square_sum: Path, tmp_path: Path) -> None:
    """The scatter runs to the right outputs; the throw-away job store is gone afterwards."""
    values = [3, 5, 7]
    job = write_job(tmp_path / "job.json", values, 0.0)
    done = subprocess.run(runner_argv(square_sum, outdir=tmp_path / "out", job=job), capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert output_texts(json.loads(done.stdout)) == expected_outputs(values)


def test_killed_run_restarts(square_sum: Path, tmp_path: Path) -> None:
    """SIGKILL the leader while steps run; restart=True stops the stale workers and containers, then completes."""
    values, store = [1, 2, 3, 4], f"file:{tmp_path}/jobstore"
    job = write_job(tmp_path / "job.json", values, 6.0)
    first = subprocess.Popen(runner_argv(square_sum, outdir=tmp_path / "out", job=job, job_store=store),
                             start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not _running(SQUARE_IMAGE) and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.3)
    assert first.poll() is None, "the run ended before it could be interrupted"
    assert _running(SQUARE_IMAGE), "no step container started within 120 s"
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    assert _workers(store), "Toil's workers are expected to outlive the killed leader"
    assert Path(store.removeprefix("file:")).is_dir()

    done = subprocess.run(runner_argv(square_sum, outdir=tmp_path / "out", job=job, job_store=store,
                                      restart=True), capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "stopped worker process group" in done.stderr
    assert output_texts(json.loads(done.stdout)) == expected_outputs(values)
    assert "Job failed" not in done.stderr, "a restarted job failed: stale workers interfered"
    assert not _workers(store)
    assert not Path(store.removeprefix("file:")).exists(), "Toil removes the job store after success"


def test_existing_job_store_needs_restart(tmp_path: Path) -> None:
    """A job store left by an earlier run is not silently reused: the error says to pass --restart."""
    (tmp_path / "jobstore").mkdir()
    options = RunOptions(outdir=tmp_path / "out", job_store=f"file:{tmp_path}/jobstore")
    with pytest.raises(ClaimedError, match="resume it with --restart"):
        run_cwl(tmp_path / "missing.cwl", options, backend="toil")


def test_unknown_batch_system(tmp_path: Path) -> None:
    """A batch system Toil's runner does not support is a clean error."""
    with pytest.raises(ClaimedError, match="unknown Toil batch system 'lsf'"):
        run_cwl(tmp_path / "missing.cwl", RunOptions(batch_system="lsf"), backend="toil")


def test_network_reaches_toil_as_custom_net(tmp_path: Path) -> None:
    """`--network NET` is cwltool's --custom-net for both backends (steps with NetworkAccess use it)."""
    document = tmp_path / "wf.cwl"
    toil = toil_argv(document, RunOptions(network="host"), "file:/tmp/js")
    assert "--custom-net=host" in toil and toil.index("--custom-net=host") < toil.index(str(document))
    assert "--custom-net=host" in cwltool_argv(document, RunOptions(network="host"))
    assert not any(arg.startswith("--custom-net") for arg in toil_argv(document, RunOptions(), "file:/tmp/js"))
