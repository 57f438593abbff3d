"""One boto3 floor for the package and the S3 grid image, and the start-up check for conditional writes."""

from __future__ import annotations

import gzip
import json
import tomllib
from pathlib import Path

import boto3
import botocore.session
import pytest
from botocore.config import Config

from claimed_cwl.runtime.grid import s3_store
from claimed_cwl.runtime.grid.errors import GridError
from claimed_cwl.runtime.s3 import BOTO3_FLOOR, BOTO3_REQUIREMENT, conditional_write_problem

REPO = Path(__file__).resolve().parent.parent


def test_package_and_grid_image_share_one_boto3_floor() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = [dep for dep in project["dependencies"] if dep.startswith("boto3")]
    assert pins == [BOTO3_REQUIREMENT] == [f"boto3>={BOTO3_FLOOR}"]
    assert tuple(int(p) for p in boto3.__version__.split(".")[:2]) >= tuple(map(int, BOTO3_FLOOR.split(".")))


def _old_s3_client(tmp_path: Path) -> object:
    """A real botocore S3 client whose service model lacks conditional writes, as botocore before 1.36 had."""
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    model = loader.load_service_model("s3", "service-2")
    version = loader.determine_latest_version("s3", "service-2")
    shape = model["shapes"][model["operations"]["PutObject"]["input"]["shape"]]
    for member in ("IfNoneMatch", "IfMatch"):
        shape["members"].pop(member, None)
    target = tmp_path / "s3" / version
    target.mkdir(parents=True)
    with gzip.open(target / "service-2.json.gz", "wt") as handle:
        json.dump(model, handle)
    loader.search_paths.insert(0, str(tmp_path))
    return boto3.session.Session(botocore_session=session).client(
        "s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y",
        config=Config(retries={"max_attempts": 1}))


def test_start_up_check_refuses_a_botocore_without_conditional_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _old_s3_client(tmp_path)
    problem = conditional_write_problem(old)  # type: ignore[arg-type]
    assert "cannot make conditional writes (PutObject without IfNoneMatch / IfMatch)" in problem
    assert problem.endswith(f"install {BOTO3_REQUIREMENT}")
    monkeypatch.setattr(s3_store, "make_client", lambda: old)  # the grid's factory made this client
    with pytest.raises(GridError, match="cannot make conditional writes"):
        s3_store.client()


def test_installed_boto3_passes_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    assert conditional_write_problem(s3_store.client()) == ""
