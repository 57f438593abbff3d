"""The grid's fault matrix, for real: cwltool via `claimed-cwl run`, Docker, a shared directory or SeaweedFS.

Two concurrent runs, a run killed with SIGKILL (and its containers with it) then run again, a killed
container, an S3 outage longer than twice the lease, and SIGTERM / SIGINT to a run: 0 batches lost, 0
completed twice (the operator's own O_EXCL ``.done`` files and ``completions.log``), report counts exact,
no container and no temporary directory left behind. Leases are short through the setting
(``--gw_lease_seconds``), never by waiting out the default; the time limit keeps its default (3 h).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _grid_e2e import REPOSITORY, GridRun, compile_grid, wait_all
from s3_service import SeaweedFS

pytestmark = [pytest.mark.docker]

VERSION = {"local": "faults-local", "s3": "faults-s3"}
IMAGES = (f"{REPOSITORY}/claimed-grid-op-grid:faults-local", f"{REPOSITORY}/claimed-grid-op-grid-s3:faults-s3")
LEASE = ["--gw_lease_seconds", "3"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, docker_client: Any, python_base_image: str) -> dict[str, Path]:
    """The --workers 2 grid workflows, local and S3, with images of this module's own tags."""
    root = tmp_path_factory.mktemp("grid-faults")
    built = {backend: compile_grid(root / backend, backend, 2, VERSION[backend]) for backend in ("local", "s3")}
    built["local-batch"] = compile_grid(root / "local-batch", "local", None, VERSION["local"])
    return built


def _credentials(root: Path, server: SeaweedFS) -> list[str]:
    creds = root / "aws-credentials"
    creds.write_text(f"[default]\naws_access_key_id = {server.access_key}\n"
                     f"aws_secret_access_key = {server.secret_key}\n")
    return ["--gw_s3_credentials", str(creds), "--gw_s3_endpoint", server.endpoint]


def _grid(backend: str, built: dict[str, Path], root: Path, n: int, *extra: str,
          server: SeaweedFS | None = None) -> GridRun:
    if backend == "local":
        return GridRun(root, built["local"], str(root / "coord"), n, [*LEASE, *extra], tmp=_tmp(root))
    assert server is not None
    return GridRun(root, built["s3"], f"s3://{server.make_bucket()}/run", n,
                   [*LEASE, *extra, *_credentials(root, server)], network=True, tmp=_tmp(root))


def _tmp(root: Path) -> Path:
    (root / "tmp").mkdir(exist_ok=True)
    return root / "tmp"


def _running(image: str) -> list[str]:
    done = subprocess.run(["docker", "ps", "-q", "--filter", f"ancestor={image}"], capture_output=True, text=True,
                          check=True)
    return done.stdout.split()


def _report(grid: GridRun, run: str) -> tuple[int, int, int, int]:
    data = json.loads((grid.root / run / "report.json").read_text())
    return data["processed"], data["failed"], data["pending"], data["skipped"]


def _assert_exactly_once(grid: GridRun) -> None:
    completions = grid.completions()
    assert sorted(completions) == grid.batches, "some batch never completed"
    assert [b for b, n in completions.items() if n > 1] == [], "completed twice"
    assert grid.done_files() == set(grid.batches)


def _wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def server(backend: str, request: pytest.FixtureRequest) -> SeaweedFS | None:
    return request.getfixturevalue("s3_server") if backend == "s3" else None


@pytest.fixture(autouse=True)
def _no_leftover_containers() -> Iterator[None]:
    yield
    for image in IMAGES:
        for cid in _running(image):
            subprocess.run(["docker", "kill", cid], check=False, capture_output=True)


def test_two_concurrent_runs(built: dict[str, Path], tmp_path: Path, backend: str,
                             server: SeaweedFS | None) -> None:
    grid = _grid(backend, built, tmp_path, 120, server=server)
    codes = wait_all([grid.start("run1"), grid.start("run2")], 900)
    assert codes == [0, 0], grid.log("run1")[-3000:] + grid.log("run2")[-3000:]
    _assert_exactly_once(grid)
    reports = [_report(grid, run) for run in ("run1", "run2")]
    assert [r[:3] for r in reports] == [(120, 0, 0)] * 2
    assert sum(r[3] for r in reports) <= 120  # a batch one run skipped, the other ran
    if server is not None:  # the keys reach the jobs in a file: never in a log or the workflow
        for text in [grid.log("run1"), grid.log("run2"), grid.workflow.read_text()]:
            assert server.secret_key not in text and server.access_key not in text


@pytest.mark.slow
def test_sigkill_with_its_containers_then_rerun(built: dict[str, Path], tmp_path: Path, backend: str,
                                                server: SeaweedFS | None) -> None:
    """A machine lost mid-batch: the run and its containers SIGKILLed; the re-run takes the batches over in a lease.

    The kill comes while both workers hang inside a batch: a worker killed between the end of ``grid_process`` and
    its processed marker runs that batch again on the re-run (at least once, docs/grid.md), which the operator's
    O_EXCL ``.done`` files would report as done twice.
    """
    hang = ["b0005", "b0015", "b0025"]
    grid = _grid(backend, built, tmp_path, 30, "--sleep_seconds", "0.2", server=server)
    run1 = grid.start("run1", "--hang_on", ",".join(hang))  # the re-run hangs nowhere
    _wait_for(lambda: len([b for b in hang if grid.attempts(b)]) == 2, 300, "both workers to hang")
    hung = [b for b in hang if grid.attempts(b)]
    os.killpg(run1.pid, signal.SIGKILL)  # claimed-cwl, cwltool and the docker clients
    run1.wait()
    image = IMAGES[backend == "s3"]
    subprocess.run(["docker", "kill", *_running(image)], check=False, capture_output=True)
    _wait_for(lambda: not _running(image), 60, "the containers to end")
    assert not set(hung) & grid.done_files()
    started = time.monotonic()
    run2 = grid.start("run2")
    assert run2.wait(timeout=900) == 0, grid.log("run2")[-4000:]
    _assert_exactly_once(grid)
    assert [len(grid.attempts(b)) for b in hung] == [2, 2]
    processed, failed, pending, skipped = _report(grid, "run2")
    outcomes = [json.loads(p.read_text()) for p in (grid.root / "run2").glob("gw_result-*.json")]
    ran = [batch for result in outcomes for batch, outcome in result.items() if outcome == "processed"]
    assert set(hung) <= set(ran) and len(ran) == len(set(ran))
    assert (processed, failed, pending, skipped) == (30, 0, 0, 30 - len(ran))
    log = grid.log("run2")
    for batch in hung:
        assert f"batch {batch}: held by " in log and f"batch {batch}: taken over from " in log
    assert time.monotonic() - started < 300


@pytest.mark.slow
def test_killed_container_is_taken_over_within_the_lease(built: dict[str, Path], tmp_path: Path,
                                                         backend: str, server: SeaweedFS | None) -> None:
    grid = _grid(backend, built, tmp_path, 30, "--sleep_seconds", "0.1", "--hang_on", "b0005", server=server)
    run = grid.start("run1")
    _wait_for(lambda: grid.attempts("b0005"), 300, "b0005 to start")
    killed = grid.attempts("b0005")[0]
    subprocess.run(["docker", "kill", "--signal", "KILL", killed], check=True, capture_output=True)
    code = run.wait(timeout=900)
    # the other worker took b0005 over after the lease, within the same run
    assert len(grid.attempts("b0005")) == 2 and grid.attempts("b0005")[1] != killed
    if code != 0:  # cwltool fails the run for the killed scatter job: a re-run resumes, doing nothing twice
        assert wait_all([grid.start("run2")], 600) == [0], grid.log("run2")[-3000:]
        assert _report(grid, "run2") == (30, 0, 0, 30)
    else:
        assert _report(grid, "run1") == (30, 0, 0, 0)
    _assert_exactly_once(grid)


@pytest.mark.slow
def test_s3_outage_longer_than_twice_the_lease(built: dict[str, Path], tmp_path: Path,
                                               private_s3: SeaweedFS) -> None:
    grid = _grid("s3", built, tmp_path, 60, "--sleep_seconds", "0.3", server=private_s3)
    run = grid.start("run1")
    _wait_for(lambda: len(grid.completions()) >= 5, 300, "5 batches")
    private_s3.stop()
    stopped = time.monotonic()
    time.sleep(7)  # over twice the lease (3 s): every lease runs out while nobody can renew
    private_s3.start()
    assert time.monotonic() - stopped > 6
    assert run.wait(timeout=900) == 0, grid.log("run1")[-4000:]
    assert len(grid.completions()) == 60 and grid.completions().most_common(1)[0][1] == 1
    _assert_exactly_once(grid)
    assert _report(grid, "run1") == (60, 0, 0, 0)


@pytest.mark.parametrize("signals", [(signal.SIGTERM,), (signal.SIGINT, signal.SIGINT)],
                         ids=["SIGTERM", "SIGINT-twice"])
def test_interrupted_run_leaves_no_container_and_no_temporary_directory(
    built: dict[str, Path], tmp_path: Path, signals: tuple[int, ...]
) -> None:
    grid = _grid("local", built, tmp_path, 40, "--sleep_seconds", "2")
    run = grid.start("run1")
    _wait_for(lambda: run.poll() is not None or (len(_running(IMAGES[0])) >= 2
                                                 and len(list((grid.out / "attempts").iterdir())) >= 2),
              300, "both workers to run")
    assert run.poll() is None, grid.log("run1")[-3000:]
    for signum in signals:  # SIGTERM to the run; Ctrl-C to its whole process group, as a terminal sends it
        if signum == signal.SIGINT:
            os.killpg(run.pid, signum)
        else:
            run.send_signal(signum)
        time.sleep(0.3)
    code = run.wait(timeout=90)  # never hangs, also after a second Ctrl-C
    assert code == 128 + signals[0], grid.log("run1")[-3000:]
    assert _running(IMAGES[0]) == []
    assert list(_tmp(tmp_path).iterdir()) == []
    assert len(grid.completions()) < 40


def test_ids_like_options_and_the_longest_ids_run_per_batch(built: dict[str, Path], tmp_path: Path) -> None:
    """Each scatter job gets ``--batch=ID``: ``-x`` and ``--help`` are batches; a 1000-byte id names its result."""
    longest = "/".join(["s" * 199] * 5)
    grid = GridRun(tmp_path, built["local-batch"], str(tmp_path / "coord"), 1, [*LEASE])
    grid.batches = sorted(["-x", "--help", longest])
    grid.batch_file.write_text(",".join(grid.batches) + "\n")
    assert wait_all([grid.start("run1")], 600) == [0], grid.log("run1")[-4000:]
    assert grid.completions() == dict.fromkeys(grid.batches, 1)
    assert all((grid.out / f"{batch}.done").is_file() for batch in grid.batches)
    assert _report(grid, "run1") == (3, 0, 0, 0)
    results = sorted(p.name for p in (tmp_path / "run1").glob("gw_result-*.json"))
    assert len(results) == 3 and max(len(name) for name in results) <= 255
