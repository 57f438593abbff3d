"""Grid compile: the workflow, image, Job and KFP component emitted for a grid operator (no engine needed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from claimed_cwl.cli import main
from claimed_cwl.emit import DockerfileSettings, ImageSettings, JobSettings, emit_dockerfile
from claimed_cwl.emit.cwl import build_tool
from claimed_cwl.grid import GridCompileError, GridSpec, emit_grid_cwl
from claimed_cwl.grid.image import emit_grid_dockerfile, runtime_files
from claimed_cwl.grid.k8s_kfp import emit_grid_job, emit_grid_kfp
from claimed_cwl.parse import analyse_operator, parse_operator
from claimed_cwl.runtime.s3 import BOTO3_REQUIREMENT
from claimed_cwl.spec import OperatorSpec

OPERATOR = Path(__file__).parent / "e2e" / "grid" / "grid_op.py"
SHAPES = [("local", None), ("local", 3), ("s3", None), ("s3", 2)]


@pytest.fixture(scope="module")
def spec() -> OperatorSpec:
    return analyse_operator(OPERATOR, directories=("out_dir",)).spec  # as `grid --writable out_dir` parses it


def _load(text: str) -> dict:
    return YAML(typ="safe", pure=True).load(text)


@pytest.mark.parametrize(("backend", "workers"), SHAPES)
def test_workflow_is_valid_cwl_and_deterministic(spec: OperatorSpec, tmp_path: Path, backend: str,
                                                 workers: int | None) -> None:
    grid = GridSpec(spec, backend=backend, workers=workers, writable=("out_dir",))
    text = emit_grid_cwl(grid, ImageSettings())
    assert text == emit_grid_cwl(GridSpec(spec, backend=backend, workers=workers, writable=("out_dir",)),
                                 ImageSettings())
    assert "_:" not in text
    path = tmp_path / "grid.cwl"
    path.write_text(text)
    result = subprocess.run([sys.executable, "-m", "cwltool", "--validate", str(path)],
                            check=False, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "previously defined" not in result.stderr


def _steps(text: str) -> dict[str, dict]:
    return {step["id"]: step for step in _load(text)["steps"]}


def test_operator_parameters_are_bound_as_the_operator_tool_binds_them(spec: OperatorSpec) -> None:
    text = emit_grid_cwl(GridSpec(spec, workers=2), ImageSettings())
    worker = _steps(text)["run_batches"]["run"]
    by_id = {item["id"]: item for item in worker["inputs"]}
    operator_tool = build_tool(spec, ImageSettings()).save(top=True)
    for item in operator_tool["inputs"]:
        name = item["id"].rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        assert by_id[name]["inputBinding"] == item["inputBinding"]
        assert by_id[name]["type"] == item["type"]
    workflow_inputs = {item["id"]: item for item in _load(text)["inputs"]}
    assert workflow_inputs["sleep_seconds"]["default"] == 0.0
    assert workflow_inputs["gw_worker_ids"]["default"] == [1, 2]
    assert _steps(text)["run_batches"]["scatter"] == "worker"
    assert "--workers-loop" in [a.get("valueFrom") for a in worker["arguments"]]


def test_workers_mode_has_no_list_step_and_javascript_only_where_needed(spec: OperatorSpec) -> None:
    per_batch = _load(emit_grid_cwl(GridSpec(spec), ImageSettings()))
    workers = _load(emit_grid_cwl(GridSpec(spec, workers=2), ImageSettings()))
    s3_workers = _load(emit_grid_cwl(GridSpec(spec, backend="s3", workers=2), ImageSettings()))
    assert [step["id"] for step in per_batch["steps"]] == ["list_batches", "run_batches", "report_batches"]
    assert [step["id"] for step in workers["steps"]] == ["run_batches", "report_batches"]
    sources = {"gw_batch_file", "gw_batch_url", "gw_batch_file_col_name", "gw_file_path_pattern", "gw_group_by",
               "gw_file_root"}
    for step in workers["steps"]:  # each worker (and the report) lists the batches from the same source
        assert sources <= {item["id"] for item in step["in"]}
    # the list step's outputs come from cwl.output.json, not from an outputEval
    lister = per_batch["steps"][0]["run"]
    assert all("outputBinding" not in out for out in lister["outputs"]) and "--cwl-output" in str(lister)
    # JavaScript only for the per-job location of a shared local directory
    def classes(document: dict) -> set[str]:
        return {r["class"] for r in document["requirements"]}
    assert "InlineJavascriptRequirement" in classes(per_batch) and "InlineJavascriptRequirement" in classes(workers)
    assert "InlineJavascriptRequirement" not in classes(s3_workers)
    for document in (per_batch, workers, s3_workers):
        for step in document["steps"]:
            assert "InlineJavascriptRequirement" not in classes(step["run"])
            assert "${" not in str(step["run"]) and "? " not in str(step["run"])


def test_local_shares_directories_in_place_per_job(spec: OperatorSpec) -> None:
    steps = _steps(emit_grid_cwl(GridSpec(spec, writable=("out_dir",)), ImageSettings()))
    assert steps["run_batches"]["scatter"] == "batch"
    step_in = {item["id"]: item for item in steps["run_batches"]["in"]}
    for name in ("gw_coordinator", "out_dir"):
        assert "claimed_job=" in step_in[name]["valueFrom"]
    requirements = {r["class"]: r for r in steps["run_batches"]["run"]["requirements"]}
    assert requirements["InplaceUpdateRequirement"]["inplaceUpdate"] is True
    assert all(e["writable"] for e in requirements["InitialWorkDirRequirement"]["listing"])
    assert "NetworkAccess" not in requirements


def test_s3_needs_network_and_takes_credentials_as_a_file_only(spec: OperatorSpec) -> None:
    text = emit_grid_cwl(GridSpec(spec, backend="s3", workers=2), ImageSettings())
    steps = _steps(text)
    for step in steps.values():
        classes = {r["class"] for r in step["run"]["requirements"]}
        assert "InplaceUpdateRequirement" not in classes
    worker = steps["run_batches"]["run"]
    assert "NetworkAccess" in {r["class"] for r in worker["requirements"]}
    creds = next(item for item in worker["inputs"] if item["id"] == "gw_s3_credentials")
    assert creds["type"] == ["null", "File"]
    assert creds["inputBinding"]["prefix"] == "AWS_SHARED_CREDENTIALS_FILE="
    assert "AWS_SECRET_ACCESS_KEY" not in text and "AWS_ACCESS_KEY_ID" not in text


def test_grid_dockerfile_is_the_operator_dockerfile_plus_the_runtime(spec: OperatorSpec) -> None:
    operator_lines = emit_dockerfile(spec, DockerfileSettings()).splitlines()
    for backend in ("local", "s3"):
        lines = emit_grid_dockerfile(GridSpec(spec, backend=backend), DockerfileSettings()).splitlines()
        assert [line for line in lines if line in operator_lines] == operator_lines
        assert "ENV PYTHONPATH=/opt/claimed" in lines
        assert any("boto3" in line for line in lines) is (backend == "s3")
        if backend == "s3":  # the package's own floor (conditional writes), not an older one
            assert f"RUN python -m pip install --no-cache-dir '{BOTO3_REQUIREMENT}'" in lines
        assert lines.index("ENV PYTHONPATH=/opt/claimed") < next(
            i for i, line in enumerate(lines) if line.startswith("RUN chmod"))
    files = runtime_files()
    assert "claimed_grid_runtime/claimed_cwl/runtime/grid/worker.py" in files
    assert not any("gridwf" in name for name in files)


def test_job_runs_parallel_worker_loops_with_secret_credentials(spec: OperatorSpec) -> None:
    job = _load(emit_grid_job(GridSpec(spec, backend="s3", workers=4), ImageSettings(version="1"), JobSettings()))
    assert (job["spec"]["parallelism"], job["spec"]["completions"]) == (4, 4)
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "claimed/claimed-grid-op-grid-s3:1"  # the S3 image differs from the local one
    assert container["command"][:3] == ["python", "-m", "claimed_cwl.runtime.grid.worker"]
    assert "--workers-loop" in container["command"]
    env = {item["name"]: item for item in container["env"]}
    assert env["gw_backend"]["value"] == "s3"
    assert env["AWS_SECRET_ACCESS_KEY"]["valueFrom"]["secretKeyRef"] == {
        "name": "grid-op-grid-s3", "key": "AWS_SECRET_ACCESS_KEY"}
    assert env["sleep_seconds"]["value"] == "0.0"
    local = _load(emit_grid_job(GridSpec(spec), ImageSettings(), JobSettings(pvc_name="data", pvc_mount="/data")))
    env = {item["name"]: item for item in local["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["gw_coordinator_path"]["value"] == "/data/coordinator"


def test_kfp_component_runs_the_worker_loop(spec: OperatorSpec) -> None:
    component = _load(emit_grid_kfp(GridSpec(spec, workers=2), ImageSettings()))
    names = [item["name"] for item in component["inputs"]]
    assert names[:4] == ["out_dir", "sleep_seconds", "fail_on", "hang_on"] and "gw_coordinator" in names
    command = component["implementation"]["container"]["command"]
    assert command[0] == "env" and command[-1] == "--workers-loop"
    assert component["implementation"]["container"]["image"] == "claimed/claimed-grid-op-grid:latest"


def test_grid_spec_rejects_what_cannot_run(tmp_path: Path, spec: OperatorSpec) -> None:
    with pytest.raises(GridCompileError, match="must be a Directory parameter"):
        GridSpec(spec, writable=("sleep_seconds",))
    with pytest.raises(GridCompileError, match="no parameter of that name"):
        GridSpec(spec, writable=("nope",))
    with pytest.raises(GridCompileError, match="not a Python function name"):
        GridSpec(spec, process="1x")
    clash = tmp_path / "clash.py"
    clash.write_text('import os\ngw_lock_timeout = os.getenv("gw_lock_timeout", "1")\n')
    with pytest.raises(GridCompileError, match=r"clash.py:2: parameter 'gw_lock_timeout' clashes"):
        GridSpec(parse_operator(clash))
    notebook = tmp_path / "nb.R"
    notebook.write_text('x <- Sys.getenv("x", "1")\n')
    with pytest.raises(GridCompileError, match="must be Python scripts"):
        GridSpec(parse_operator(notebook))


def test_cli_writes_everything_or_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["grid", str(OPERATOR), "--backend", "s3", "--workers", "2", "--out", str(out)]) == 0
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"grid-op-grid.cwl", "grid-op-grid.job.yaml", "grid-op-grid.yaml", "Dockerfile", "grid_op.py",
            "claimed_grid_runtime/claimed_cwl/runtime/grid/worker.py"} <= names
    bad = tmp_path / "bad"
    assert main(["grid", str(OPERATOR), "--writable", "fail_on", "--out", str(bad)]) == 1
    assert "must be a Directory parameter" in capsys.readouterr().err
    assert not bad.exists()
