"""Stage-in: download the ``s3://`` File and Directory inputs of a job before the run.

``http(s)://`` locations are left as they are: cwltool and Toil fetch them
themselves (cwltool downloads them into its staging directory).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claimed_cwl.errors import ClaimedError
from claimed_cwl.runners.private import write_private
from claimed_cwl.staging.s3 import S3Location, parse_s3_url

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["has_s3_inputs", "stage_job", "stage_job_file"]

log = logging.getLogger(__name__)


def _is_s3(value: Any) -> bool:
    return isinstance(value, dict) and value.get("class") in ("File", "Directory") and str(
        value.get("location") or value.get("path") or "").startswith("s3://")


def has_s3_inputs(value: Any) -> bool:
    """True when ``value`` (a job object, list or value) holds an ``s3://`` File or Directory."""
    if _is_s3(value):
        return True
    if isinstance(value, dict):
        return any(has_s3_inputs(item) for item in value.values())
    if isinstance(value, list):
        return any(has_s3_inputs(item) for item in value)
    return False


def _download_error(url: str, exc: Exception) -> ClaimedError:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
    return ClaimedError(f"cannot download input {url}: {code}")


def _download_file(client: S3Client, where: S3Location, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        client.download_file(where.bucket, where.key, str(target))
    except Exception as exc:  # botocore raises many kinds; each becomes one message
        raise _download_error(str(where), exc) from exc


def _download_directory(client: S3Client, where: S3Location, target: Path) -> None:
    prefix = where.key.rstrip("/") + "/" if where.key else ""
    try:
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=where.bucket, Prefix=prefix)
        keys = sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))
    except Exception as exc:
        raise _download_error(str(where), exc) from exc
    if not keys:
        raise ClaimedError(f"cannot download input {where}: no objects under this prefix")
    for key in keys:
        if not key.endswith("/"):
            _download_file(client, S3Location(where.bucket, key), target / key[len(prefix):])


def _stage(value: Any, client: S3Client, scratch: Path, counter: list[int]) -> Any:
    if _is_s3(value):
        url = str(value.get("location") or value.get("path"))
        where = parse_s3_url(url)
        counter[0] += 1
        name = where.key.rstrip("/").rsplit("/", 1)[-1] or where.bucket
        target = scratch / f"input-{counter[0]}" / name
        log.info("staging %s", url)
        if value["class"] == "File":
            _download_file(client, where, target)
        else:
            _download_directory(client, where, target)
        staged = {key: item for key, item in value.items() if key not in ("location", "path")}
        return {**staged, "location": target.resolve().as_uri()}
    if isinstance(value, dict):
        return {key: _stage(item, client, scratch, counter) for key, item in value.items()}
    if isinstance(value, list):
        return [_stage(item, client, scratch, counter) for item in value]
    return value


def stage_job(job: dict[str, Any], client: S3Client, scratch: Path) -> dict[str, Any]:
    """A copy of ``job`` whose ``s3://`` inputs are downloaded under ``scratch`` and point there."""
    result: dict[str, Any] = _stage(job, client, scratch, [0])
    return result


def stage_job_file(job_file: Path, client: S3Client, scratch: Path) -> Path:
    """Stage the inputs of the JSON job file ``job_file``; return the rewritten job file (or ``job_file``)."""
    job = json.loads(job_file.read_text(encoding="utf-8"))
    if not has_s3_inputs(job):
        return job_file
    text = json.dumps(stage_job(job, client, scratch / "inputs"), indent=2, sort_keys=True)
    return write_private(scratch / "staged-job.json", text)  # every input in clear: owner only
