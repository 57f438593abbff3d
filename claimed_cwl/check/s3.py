"""S3 checks: credentials accepted, bucket exists, and the bucket calls Toil's S3 job store makes.

Toil 9.6 creates its job store bucket with CreateBucket, PutBucketTagging,
DeletePublicAccessBlock, DeleteBucketOwnershipControls and PutBucketEncryption
(toil.lib.aws.s3.create_s3_bucket with public=True, encryptable=True). A
service that answers NotImplemented to any of them cannot hold a Toil job store:
Toil retries for minutes, then fails. The probe makes these calls on a scratch
bucket of its own and deletes it.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from claimed_cwl.check.result import CheckResult, failed, passed
from claimed_cwl.runtime.s3 import error_code

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["TOIL_BUCKET_CALLS", "check_bucket", "check_credentials", "check_toil_job_store", "probe_toil_calls"]

_CREDENTIAL_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
                     "InvalidClientTokenId", "AuthorizationHeaderMalformed"}
# Answers that mean "nothing to delete": fine for Toil.
_BENIGN_CODES = {"NoSuchPublicAccessBlockConfiguration", "OwnershipControlsNotFoundError"}
_UNSUPPORTED_CODES = {"NotImplemented", "MethodNotAllowed", "XNotImplemented", "UnsupportedOperation"}


def _unreachable(exc: Exception, where: str) -> CheckResult | None:
    from botocore.exceptions import EndpointConnectionError, NoCredentialsError  # noqa: PLC0415

    if isinstance(exc, NoCredentialsError):
        return failed("s3-credentials", f"no S3 credentials for {where}: set AWS_ACCESS_KEY_ID and "
                      "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in the environment")
    if isinstance(exc, EndpointConnectionError) or type(exc).__name__ in ("ConnectTimeoutError", "ReadTimeoutError"):
        return failed("s3", f"S3 at {where} is not reachable ({type(exc).__name__}): start it or fix s3.endpoint")
    if error_code(exc) in _CREDENTIAL_CODES:
        return failed("s3-credentials", f"S3 at {where} rejected the credentials ({error_code(exc)}): set "
                      "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to a key that this service knows")
    return None


def check_credentials(client: S3Client, where: str) -> CheckResult:
    """ListBuckets: the service answers and accepts the key (AccessDenied still proves the key is known)."""
    try:
        client.list_buckets()
    except Exception as exc:
        problem = _unreachable(exc, where)
        if problem is not None:
            return problem
        if error_code(exc) != "AccessDenied":
            return failed("s3", f"S3 at {where} answered ListBuckets with {error_code(exc)}")
    return passed("s3-credentials", f"S3 at {where} accepts the credentials")


def check_bucket(client: S3Client, bucket: str, where: str, purpose: str) -> CheckResult:
    """HeadBucket: ``bucket`` exists and these credentials may use it."""
    try:
        client.head_bucket(Bucket=bucket)
    except Exception as exc:
        problem = _unreachable(exc, where)
        if problem is not None:
            return problem
        code = error_code(exc)
        if code in ("404", "NoSuchBucket", "NotFound"):
            return failed("s3-bucket", f"S3 bucket {bucket!r} ({purpose}) does not exist at {where}: create it "
                          f"(aws --endpoint-url {where} s3 mb s3://{bucket})")
        if code in ("403", "AccessDenied", "Forbidden"):
            return failed("s3-bucket", f"no access to S3 bucket {bucket!r} ({purpose}) at {where}: grant these "
                          "credentials s3:ListBucket, s3:GetObject and s3:PutObject on it")
        return failed("s3-bucket", f"S3 bucket {bucket!r} ({purpose}) at {where}: HeadBucket answered {code}")
    return passed("s3-bucket", f"bucket {bucket!r} ({purpose}) exists at {where}")


def _toil_calls(client: S3Client, bucket: str) -> dict[str, Callable[[], object]]:
    return {
        "PutBucketTagging": lambda: client.put_bucket_tagging(
            Bucket=bucket, Tagging={"TagSet": [{"Key": "Owner", "Value": "claimed-cwl-check"}]}),
        "DeletePublicAccessBlock": lambda: client.delete_public_access_block(Bucket=bucket),
        "DeleteBucketOwnershipControls": lambda: client.delete_bucket_ownership_controls(Bucket=bucket),
        "PutBucketEncryption": lambda: client.put_bucket_encryption(
            Bucket=bucket, ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}),
    }


TOIL_BUCKET_CALLS = ("CreateBucket", "PutBucketTagging", "DeletePublicAccessBlock", "DeleteBucketOwnershipControls",
                     "PutBucketEncryption")
"""The bucket calls Toil 9.6 makes when it creates its job store bucket (each probed by :func:`probe_toil_calls`)."""


def probe_toil_calls(client: S3Client, where: str) -> CheckResult:
    """Make Toil's bucket-creation calls on a scratch bucket; name those the service does not implement."""
    bucket = f"claimed-probe-{uuid.uuid4().hex[:16]}"
    try:
        client.create_bucket(Bucket=bucket)
    except Exception as exc:
        return _unreachable(exc, where) or failed(
            "s3-toil", f"S3 at {where} refused CreateBucket ({error_code(exc)}): Toil's S3 job store creates its own "
            "bucket; grant s3:CreateBucket")
    missing: list[str] = []
    refused: list[str] = []
    try:
        for name, call in _toil_calls(client, bucket).items():
            try:
                call()
            except Exception as exc:
                code = error_code(exc)
                if code in _UNSUPPORTED_CODES or code == "501":
                    missing.append(name)
                elif code not in _BENIGN_CODES:
                    refused.append(f"{name} ({code})")
    finally:
        with contextlib.suppress(Exception):  # a leftover scratch bucket is harmless and named as such
            client.delete_bucket(Bucket=bucket)
    if missing:
        return failed("s3-toil", f"S3 at {where} does not implement {', '.join(missing)}; Toil's S3 job store "
                      "cannot use it (see docs/environments.md for S3 services that work)")
    if refused:
        return failed("s3-toil", f"S3 at {where} refused {', '.join(refused)}, which Toil's S3 job store makes when "
                      "it creates its bucket: grant these calls (see docs/environments.md)")
    return passed("s3-toil", f"S3 at {where} implements the bucket calls of Toil's S3 job store")


def check_toil_job_store(client: S3Client, job_store: str, where: str, restart: bool) -> list[CheckResult]:
    """``aws:REGION:NAME``: the bucket NAME--toil is absent for a new run, present for ``--restart``."""
    parts = job_store.split(":")
    if len(parts) != 3 or not parts[2]:
        return [failed("job-store", f"{job_store}: expected aws:REGION:NAME")]
    bucket = f"{parts[2]}--toil"
    try:
        client.head_bucket(Bucket=bucket)
        exists = True
    except Exception as exc:
        problem = _unreachable(exc, where)
        if problem is not None:
            return [problem]
        exists = False
    if exists and not restart:
        result = failed("job-store", f"{job_store} already exists (bucket {bucket}): resume it with --restart "
                        f"or remove it (toil clean {job_store})")
    elif not exists and restart:
        result = failed("job-store", f"{job_store} does not exist (no bucket {bucket}): nothing to --restart")
    else:
        result = passed("job-store", f"{job_store} {'exists (resumable)' if exists else 'can be created'}")
    return [result, probe_toil_calls(client, where)]
