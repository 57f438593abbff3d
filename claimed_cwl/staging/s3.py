"""S3 URLs and clients: credentials only from the environment (boto3's chain), never from arguments or logs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from claimed_cwl.errors import ClaimedError

__all__ = ["S3Location", "parse_s3_url", "s3_client"]

_URL = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(?P<key>.*))?$")


@dataclass(frozen=True)
class S3Location:
    """A bucket and a key (or key prefix) in it."""

    bucket: str
    key: str = ""

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}" if self.key else f"s3://{self.bucket}"

    def child(self, name: str) -> S3Location:
        """The location ``name`` below this one (a prefix)."""
        return S3Location(self.bucket, f"{self.key.rstrip('/')}/{name}" if self.key.strip("/") else name)


def parse_s3_url(url: str) -> S3Location:
    """``s3://bucket/key`` -> :class:`S3Location`; a clear error for anything else."""
    found = _URL.match(url)
    if not found:
        raise ClaimedError(f"{url}: not an S3 URL (expected s3://BUCKET[/KEY] with a valid bucket name)")
    return S3Location(found.group("bucket"), found.group("key") or "")


def s3_client(endpoint: str | None = None, region: str | None = None, attempts: int = 3) -> Any:
    """A boto3 S3 client; ``endpoint`` None means AWS_ENDPOINT_URL_S3 or AWS itself.

    Credentials come from boto3's own chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
    a profile, ...), so they never pass through our arguments, messages or logs.
    """
    import boto3  # noqa: PLC0415 - only commands that touch S3 need it
    from botocore.config import Config  # noqa: PLC0415

    config = Config(retries={"max_attempts": attempts, "mode": "standard"}, connect_timeout=3, read_timeout=30)
    session = boto3.session.Session()
    return session.client("s3", endpoint_url=endpoint or None, region_name=region or None, config=config)
