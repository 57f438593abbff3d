"""Which checks an environment needs, run in order; nothing is submitted or changed (but a scratch probe bucket)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from claimed_cwl.check.images import document_images, image_in_registry
from claimed_cwl.check.kube import check_kubernetes
from claimed_cwl.check.local import check_engine, check_file_job_store, check_local_image, check_slurm
from claimed_cwl.check.result import CheckResult
from claimed_cwl.check.s3 import check_bucket, check_credentials, check_toil_job_store
from claimed_cwl.config.model import Environment
from claimed_cwl.staging.s3 import parse_s3_url, s3_client

if TYPE_CHECKING:
    from docker import DockerClient

__all__ = ["run_checks"]


def _s3_checks(env: Environment, publish: str | None, input_buckets: list[str], restart: bool) -> list[CheckResult]:
    uses_store = env.runner == "toil" and (env.job_store or "").startswith("aws:")
    if not (uses_store or publish or input_buckets):
        return []
    where = env.s3.endpoint or os.environ.get("AWS_ENDPOINT_URL_S3") or "AWS S3"
    client = s3_client(env.s3.endpoint, env.s3.region, attempts=1)
    credentials = check_credentials(client, where)
    if not credentials.ok:
        return [credentials]
    results = [credentials]
    if publish:
        results.append(check_bucket(client, parse_s3_url(publish).bucket, where, "publish destination"))
    results += [check_bucket(client, bucket, where, "inputs") for bucket in input_buckets]
    if uses_store:
        results += check_toil_job_store(client, env.job_store or "", where, restart)
    return results


def _image_checks(env: Environment, images: list[str], client: DockerClient | None) -> list[CheckResult]:
    if env.batch_system == "kubernetes":  # pods pull every image from its registry
        return [image_in_registry(image) for image in images]
    return [check_local_image(image, client) for image in images]


def run_checks(
    env: Environment,
    document: Path | None = None,
    *,
    publish: str | None = None,
    input_buckets: tuple[str, ...] = (),
    restart: bool = False,
) -> list[CheckResult]:
    """All preflight checks of a run of ``document`` in ``env``; each result is one line."""
    results: list[CheckResult] = []
    client = None
    if env.batch_system != "kubernetes":
        engine, client = check_engine(env.engine)
        results.append(engine)
    if document is not None:
        results += _image_checks(env, document_images(document), client)
    if env.runner == "toil" and (env.job_store or "").startswith("file:"):
        results.append(check_file_job_store(env.job_store or "", restart))
    results += _s3_checks(env, publish or env.publish, sorted(set(input_buckets)), restart)
    if env.batch_system == "slurm":
        results += check_slurm(env.slurm.partition)
    if env.batch_system == "kubernetes":
        results += check_kubernetes(env)
    return results
