"""slurm: Toil's Slurm batch system on the one-node cluster of scripts/slurm.sh.

The square-sum scatter (tests/_toil_helpers.py) runs end to end with
``RunOptions(batch_system="slurm")``; its jobs are then read back from
``sacct``: every step ran as a Slurm job, and the CWL ResourceRequirement of
``two-core-sum`` (``# claimed: cores=2 ram=300Mi`` -> coresMin 2, ramMin 300)
reached Slurm as 2 CPUs and 300 MiB. The example scatter workflow gives
byte-identical outputs under cwltool, Toil single machine and Toil on Slurm.
"""

from __future__ import annotations

import json
import subprocess
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from _toil_helpers import build_square_sum, expected_outputs, output_texts, runner_argv, write_job
from ruamel.yaml import YAML
from slurm_service import SlurmCluster

from claimed_cwl.build.operator_build import build_operator
from claimed_cwl.emit import ArtifactSettings, ImageSettings

pytestmark = [pytest.mark.docker, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
SCATTER = ROOT / "workflows" / "scatter_seeds" / "scatter-seeds.packed.cwl"
SACCT_FIELDS = ("JobID", "JobName", "State", "ReqCPUS", "ReqMem", "AllocCPUS")


@pytest.fixture(scope="module")
def square_sum(docker_client: Any, python_base_image: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packed square-sum workflow, its two images built."""
    return build_square_sum(docker_client, tmp_path_factory.mktemp("square-sum"))


def test_scatter_on_slurm_with_resources(square_sum: Path, slurm_cluster: SlurmCluster, tmp_path: Path) -> None:
    """Each step is a Slurm job in sacct; two-core-sum asked Slurm for 2 CPUs and 300 MiB, slow-square for 1 CPU."""
    since = datetime.now().strftime("%Y-%m-%dT%H:%M:%S")
    time.sleep(1)  # sacct -S has a resolution of one second
    values = [2, 4]
    job = write_job(tmp_path / "job.json", values, 0.0)
    done = subprocess.run(runner_argv(square_sum, outdir=tmp_path / "out", job=job, batch_system="slurm",
                                      workdir=tmp_path / "work"),
                          capture_output=True, text=True, check=False, cwd=tmp_path, env=slurm_cluster.env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert output_texts(json.loads(done.stdout)) == expected_outputs(values)

    rows = slurm_cluster.sacct(*SACCT_FIELDS, since=since, job_name_prefix="toil_job_")
    squares = [row for row in rows if "slow-square" in row["JobName"]]
    sums = [row for row in rows if "two-core-sum" in row["JobName"]]
    assert len(squares) == len(sums) == len(values), rows
    assert all(row["State"] == "COMPLETED" for row in squares + sums), rows
    assert {(row["ReqCPUS"], row["AllocCPUS"], row["ReqMem"]) for row in sums} == {("2", "2", "300M")}
    # no ResourceRequirement: cwltool's defaults (1 core, 256 MiB), as Toil passes them
    assert {(row["ReqCPUS"], row["ReqMem"]) for row in squares} == {("1", "256M")}


def test_more_cpus_than_the_node_is_refused_at_once(slurm_cluster: SlurmCluster, tmp_path: Path) -> None:
    """EnforcePartLimits=ALL: a job asking for more CPUs than exist fails at submission instead of pending forever."""
    started = time.monotonic()
    done = subprocess.run(["sbatch", "--cpus-per-task=64", "--wrap=true"], capture_output=True, text=True,
                          check=False, cwd=tmp_path, env=slurm_cluster.env)
    assert done.returncode != 0
    assert "More processors requested than permitted" in done.stderr
    assert time.monotonic() - started < 10


@pytest.fixture(scope="module")
def example_images(docker_client: Any, python_base_image: str, r_base_image: str,
                   tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The images of the example operators (cwl/), under the names the checked-in tools pull."""
    settings = ArtifactSettings(image=ImageSettings(repository="claimed", version="0.1.0"))
    root = tmp_path_factory.mktemp("example-images")
    images = []
    for source in sorted(p for p in (ROOT / "cwl").glob("*/*") if p.suffix in (".py", ".ipynb", ".R")
                         and not p.name.startswith(("claimed_launcher", "claimed_notebook"))):
        built = build_operator(docker_client, source, (), settings, root / source.parent.name)
        checked_in = YAML(typ="safe").load((source.parent / built.cwl.name).read_text(encoding="utf-8"))
        pulls = [r.get("dockerPull") for r in checked_in["requirements"] if r["class"] == "DockerRequirement"]
        assert pulls == [built.image.image]
        images.append(built.image.image)
    return images


def _contents(value: Any) -> Any:
    """An output object with every File replaced by its bytes (lists kept in order)."""
    if isinstance(value, list):
        return [_contents(item) for item in value]
    if isinstance(value, dict) and value.get("class") == "File":
        return (value["basename"], Path(value["path"]).read_bytes())
    if isinstance(value, dict):
        return {key: _contents(item) for key, item in sorted(value.items())}
    return value


def test_example_scatter_identical_everywhere(example_images: list[str], slurm_cluster: SlurmCluster,
                                              tmp_path: Path) -> None:
    """workflows/scatter_seeds gives byte-identical outputs under local (cwltool), toil-local and slurm."""
    runs: dict[str, tuple[str, dict[str, Any]]] = {"local": ("cwltool", {"parallel": True}), "toil-local": ("toil", {}),
                                                    "slurm": ("toil", {"batch_system": "slurm",
                                                                       "workdir": tmp_path / "slurm-work"})}
    outputs = {}
    for name, (backend, fields) in runs.items():
        done = subprocess.run(runner_argv(SCATTER, backend, outdir=tmp_path / name, **fields), capture_output=True,
                              text=True, check=False, cwd=tmp_path, env=slurm_cluster.env)
        assert done.returncode == 0, f"{name}: {done.stderr[-3000:]}"
        outputs[name] = _contents(json.loads(done.stdout))
    assert sorted(outputs["local"]) == ["data_archive", "merged_stats", "stats"]
    assert len(outputs["local"]["stats"]) == 3
    assert outputs["toil-local"] == outputs["local"]
    assert outputs["slurm"] == outputs["local"]
