"""S3 locations and clients on the host: the runtime's core URL rules and client factory, with host errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from claimed_cwl.errors import ClaimedError
from claimed_cwl.runtime import core
from claimed_cwl.runtime.s3 import make_client

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["S3Location", "parse_s3_url", "s3_client"]

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
    """``s3://bucket/key`` -> :class:`S3Location` (the core's rules); a clear error for anything else."""
    try:
        bucket, key = core.parse_s3_url(url)
    except ValueError as exc:
        message = str(exc)  # a URL with credentials in it is never repeated
        raise ClaimedError(message if message.startswith(url) or "@" in url else f"{url}: {message}") from None
    return S3Location(bucket, key)


def s3_client(endpoint: str | None = None, region: str | None = None, attempts: int = 3) -> S3Client:
    """A boto3 S3 client (:func:`claimed_cwl.runtime.s3.make_client`); ``endpoint`` None: AWS_ENDPOINT_URL_S3 or AWS.

    Credentials come from boto3's own chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
    a profile, ...), so they never pass through our arguments, messages or logs.
    """
    return make_client(endpoint, region, attempts=attempts, connect_timeout=3, read_timeout=30)
