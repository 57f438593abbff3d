"""Stage-in of ``s3://`` inputs and publish of outputs to S3 with a manifest."""

from claimed_cwl.staging.publish import MANIFEST_NAME, PublishedFile, PublishError, RetryPolicy, publish_outputs
from claimed_cwl.staging.run import run_staged
from claimed_cwl.staging.s3 import S3Location, parse_s3_url, s3_client
from claimed_cwl.staging.stage_in import has_s3_inputs, stage_job, stage_job_file

__all__ = [
    "MANIFEST_NAME",
    "PublishError",
    "PublishedFile",
    "RetryPolicy",
    "S3Location",
    "has_s3_inputs",
    "parse_s3_url",
    "publish_outputs",
    "run_staged",
    "s3_client",
    "stage_job",
    "stage_job_file",
]
