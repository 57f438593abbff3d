"""Grid workflows run for real: cwltool via `claimed-cwl run`, Docker, a shared directory or SeaweedFS.

The fault matrix (concurrent runs, kills, an S3 outage, signals) is in test_grid_faults_e2e.py.
Exactly once is asserted from the operator's own outputs: each batch creates
``<out>/<batch>.done`` with O_EXCL (a second completion would fail and leave an
error marker) and appends to ``completions.log``.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from _engine_events import EngineEvents
from _grid_e2e import REPOSITORY, GridRun, compile_grid, wait_all
from s3_service import SeaweedFS

from claimed_cwl.cli import main

pytestmark = [pytest.mark.docker]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, docker_client: Any, python_base_image: str) -> dict[str, Path]:
    """The grid workflows (images built once): local/s3 x per-batch/workers."""
    root = tmp_path_factory.mktemp("grid-build")
    return {
        "local-batch": compile_grid(root / "local-batch", "local", None, "e2e-local"),
        "local-workers": compile_grid(root / "local-workers", "local", 2, "e2e-local"),
        "s3-batch": compile_grid(root / "s3-batch", "s3", None, "e2e-s3"),
        "s3-workers": compile_grid(root / "s3-workers", "s3", 2, "e2e-s3"),
    }


def _credentials(root: Path, server: SeaweedFS) -> list[str]:
    creds = root / "aws-credentials"
    creds.write_text(f"[default]\naws_access_key_id = {server.access_key}\n"
                     f"aws_secret_access_key = {server.secret_key}\n")
    return ["--gw_s3_credentials", str(creds), "--gw_s3_endpoint", server.endpoint]


def _assert_exactly_once(grid: GridRun) -> None:
    completions = grid.completions()
    assert set(completions) == set(grid.batches), "some batch never completed"
    assert max(completions.values()) == 1, f"completed twice: {[b for b, n in completions.items() if n > 1]}"
    assert grid.done_files() == set(grid.batches)


def _two_runs(grid: GridRun, timeout: float) -> None:
    codes = wait_all([grid.start("run1"), grid.start("run2")], timeout)
    assert codes == [0, 0], grid.log("run1")[-3000:] + grid.log("run2")[-3000:]
    _assert_exactly_once(grid)


def _report(grid: GridRun, run: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((grid.root / run / "report.json").read_text())
    return data


@pytest.mark.slow
def test_two_concurrent_runs_per_batch_local(built: dict[str, Path], tmp_path: Path) -> None:
    grid = GridRun(tmp_path, built["local-batch"], str(tmp_path / "coord"), 200, ["--gw_lease_seconds", "8"])
    _two_runs(grid, timeout=1800)
    # per-batch provenance: one result file per batch in each run
    results = {p.name for p in (tmp_path / "run1").glob("gw_result-*.json")}
    assert results == {f"gw_result-{batch}.json" for batch in grid.batches}


@pytest.mark.slow
def test_two_concurrent_runs_per_batch_s3(built: dict[str, Path], tmp_path: Path, s3_server: SeaweedFS,
                                          s3_bucket: str) -> None:
    grid = GridRun(tmp_path, built["s3-batch"], f"s3://{s3_bucket}/run", 200,
                   ["--gw_lease_seconds", "8", *_credentials(tmp_path, s3_server)], network=True)
    _two_runs(grid, timeout=1800)


@pytest.mark.slow
def test_toil_single_machine_shares_the_local_coordinator(built: dict[str, Path], tmp_path: Path) -> None:
    """Toil runs InplaceUpdateRequirement with --bypass-file-store: both workers and the report share the directory."""
    grid = GridRun(tmp_path, built["local-workers"], str(tmp_path / "coord"), 20,
                   runner=["--backend", "toil", "--bypass-file-store"])
    assert wait_all([grid.start("run1")], 600) == [0], grid.log("run1")[-4000:]
    _assert_exactly_once(grid)
    report = _report(grid, "run1")
    assert (report["processed"], report["failed"], report["pending"], report["skipped"]) == (20, 0, 0, 0)
    # one result file per worker, each named by its worker (Toil would otherwise stage them over each other)
    results = {p.name: json.loads(p.read_text()) for p in (tmp_path / "run1").glob("gw_result-*.json")}
    assert set(results) == {"gw_result-1.json", "gw_result-2.json"}
    ran = [batch for outcomes in results.values() for batch, outcome in outcomes.items() if outcome == "processed"]
    assert sorted(ran) == grid.batches


def test_failing_batch(built: dict[str, Path], tmp_path: Path) -> None:
    coord = tmp_path / "coord"
    grid = GridRun(tmp_path, built["local-workers"], str(coord), 12, ["--fail_on", "b0003"])
    assert wait_all([grid.start("run1")], 300) != [0]
    assert grid.done_files() == set(grid.batches) - {"b0003"}
    marker = json.loads((coord / "b0003.err").read_text())
    assert "cannot process b0003" in marker["error"]
    assert "report_batches" in grid.log("run1") and "11 processed, 1 failed" in grid.log("run1")
    # told to tolerate errors, a re-run succeeds: everything else is skipped, the failure is counted
    assert wait_all([grid.start("run2", "--gw_tolerate_errors")], 300) == [0]
    report = _report(grid, "run2")
    assert (report["processed"], report["failed"], report["skipped"]) == (11, 1, 12)
    assert max(grid.completions().values()) == 1


def _rerun_containers(grid: GridRun, name: str, *more: str, runner: list[str] | None = None) -> int:
    """Run the grid once more as ``name``; return how many grid-image containers the engine started for it."""
    if runner is not None:
        grid.runner = runner
    with EngineEvents(f"{REPOSITORY}/claimed-grid-op-grid:e2e-local") as seen:
        assert wait_all([grid.start(name, *more)], 600) == [0], grid.log(name)[-4000:]
    return seen.started


@pytest.mark.parametrize("runner", [pytest.param(["--parallel"], id="cwltool"),
                                    pytest.param(["--backend", "toil", "--bypass-file-store"], id="toil",
                                                 marks=pytest.mark.slow)])
def test_rerun_of_a_finished_per_batch_grid_starts_no_batch_container(built: dict[str, Path], tmp_path: Path,
                                                                      runner: list[str]) -> None:
    """The list step leaves out done batches: a re-run starts the list and report containers, none per batch."""
    grid = GridRun(tmp_path, built["local-batch"], str(tmp_path / "coord"), 6, ["--fail_on", "b0003"],
                   runner=runner)
    assert wait_all([grid.start("run1")], 600) != [0]  # b0003 failed
    assert _rerun_containers(grid, "run2", "--gw_tolerate_errors") == 2
    report = _report(grid, "run2")
    assert (report["processed"], report["failed"], report["pending"], report["skipped"]) == (5, 1, 0, 6)
    assert list((tmp_path / "run2").glob("gw_result-*.json")) == []  # no batch job ran
    # retrying the failed batch runs that one batch alone (it fails again: the operator fails on it)
    assert _rerun_containers(grid, "run3", "--gw_ignore_error_files", "--gw_tolerate_errors") == 3
    report = _report(grid, "run3")
    assert (report["processed"], report["failed"], report["skipped"]) == (5, 1, 5)
    assert [p.name for p in (tmp_path / "run3").glob("gw_result-*.json")] == ["gw_result-b0003.json"]
    assert grid.done_files() == set(grid.batches) - {"b0003"} and max(grid.completions().values()) == 1


@pytest.mark.parametrize(("mode", "bad"), [("local-batch", "../x"), ("local-workers", "/etc/passwd"),
                                         ("local-workers", "a\x00b")])
def test_unsafe_batch_id_stops_before_any_work(built: dict[str, Path], tmp_path: Path, mode: str, bad: str) -> None:
    coord = tmp_path / "coord"
    grid = GridRun(tmp_path, built[mode], str(coord), 3)
    grid.batch_file.write_text(f"b0000,{bad},b0001\n")
    assert wait_all([grid.start("run1")], 300) != [0]
    log = grid.log("run1")
    assert "unsafe batch id" in log
    assert grid.done_files() == set() and list(coord.iterdir()) == []  # no batch taken, nothing written
    if mode == "local-batch":  # the list step stops the run: no batch job ever starts
        assert "list_batches" in log and "[job run_batches" not in log
    else:  # each worker validates the whole list before it takes a batch
        assert "grid worker: error: " in log


def test_list_step_has_no_64_kib_limit(built: dict[str, Path], tmp_path: Path,
                                       capfd: pytest.CaptureFixture[str]) -> None:
    """The list tool's outputs come from cwl.output.json: 10 000 ids (88 KiB) are more than loadContents reads."""
    workflow = yaml.safe_load(built["local-batch"].read_text())
    lister = {"cwlVersion": "v1.2", **workflow["steps"][0]["run"]}
    tool = tmp_path / "list.cwl"
    tool.write_text(json.dumps(lister))
    batches = [f"batch-{i:05d}" for i in range(10_000)]
    (tmp_path / "b.txt").write_text(",".join(batches))
    assert (tmp_path / "b.txt").stat().st_size > 64 * 1024
    coordinator = tmp_path / "coord"
    coordinator.mkdir()
    (coordinator / "batch-00003.processed").write_text("{}")  # done before: left out of the batches to run
    code = main(["run", "--quiet", "--outdir", str(tmp_path / "out"), str(tool), "--gw_batch_file",
                 str(tmp_path / "b.txt"), "--gw_coordinator", str(coordinator)])
    out = capfd.readouterr().out
    assert code == 0
    assert json.loads(out)["batches"] == [batch for batch in batches if batch != "batch-00003"]
    assert json.loads((tmp_path / "out" / "batches.json").read_text()) == batches
    assert json.loads((tmp_path / "out" / "gw_result.skipped.json").read_text()) == {"batch-00003": "skipped"}


@pytest.fixture(autouse=True)
def _no_leftover_containers() -> Iterator[None]:
    yield
    subprocess.run(f"docker ps -q --filter ancestor={REPOSITORY}/claimed-grid-op-grid:e2e-local "
                   "| xargs -r docker kill", shell=True, check=False, capture_output=True)
