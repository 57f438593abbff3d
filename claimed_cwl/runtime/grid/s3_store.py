"""Coordination state in an S3 bucket (conditional writes), and reading ``s3://`` batch files.

Layout under ``s3://bucket/prefix/``: ``<batch>.lock`` (the lease record),
``<batch>.processed`` and ``<batch>.err`` (JSON markers). The claim is a
``PutObject`` with ``If-None-Match: *``; renew, takeover and release are a
``PutObject`` with ``If-Match: <ETag read>``, so of several writers of one
version only one wins (SeaweedFS and AWS S3 enforce both).

Credentials and endpoint come from the environment only (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_ENDPOINT_URL_S3``, as boto3 reads them); a URL
with ``user:secret@`` is refused without echoing it. Errors name the bucket and
key, never a credential.

Transient failures (connection refused, timeouts, HTTP 5xx) are retried by
botocore and then by :meth:`S3Store._call` with bounded exponential back-off,
for at most ``gw_s3_retry_seconds`` (default 120 s) per call. A conditional put
whose earlier attempt may have landed is checked by reading the object back.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from claimed_cwl.runtime.grid.config import env_value, redact
from claimed_cwl.runtime.grid.coordinator import MarkerKind
from claimed_cwl.runtime.grid.errors import GridError

__all__ = ["S3Store", "make_client", "parse_s3_url", "read_s3_text"]

log = logging.getLogger(__name__)

_RETRY_CODES = frozenset({"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "503", "500", "502"})
_KINDS: tuple[MarkerKind, ...] = ("processed", "err")


class _Precondition(Exception):
    """A conditional write lost (HTTP 412)."""


def parse_s3_url(url: str) -> tuple[str, str]:
    """Split ``s3://bucket/prefix`` into bucket and key prefix; refuse credentials in the URL."""
    if not url.startswith("s3://"):
        raise GridError("expected an s3://bucket/... URL")
    rest = url[len("s3://") :]
    bucket, _, key = rest.partition("/")
    if "@" in bucket or ":" in bucket:
        raise GridError(
            "S3 URLs must not carry credentials or endpoints (s3://bucket/prefix only): pass them as "
            "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_ENDPOINT_URL_S3"
        )
    if not bucket:
        raise GridError("S3 URL without a bucket")
    return bucket, key


def make_client() -> Any:
    """Return a boto3 S3 client configured from the environment, with short timeouts and standard retries."""
    try:
        import boto3  # noqa: PLC0415 (boto3 is imported by the S3 backend only)
        from botocore.config import Config  # noqa: PLC0415
    except ImportError:
        raise GridError("the s3 backend needs boto3 (pip install boto3)") from None
    config = Config(
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=2,
        read_timeout=20,
    )
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return boto3.session.Session().client("s3", region_name=region, config=config)


def _retry_budget() -> float:
    try:
        return float(env_value("gw_s3_retry_seconds") or 120)
    except ValueError:
        raise GridError("gw_s3_retry_seconds must be a number of seconds") from None


class S3Store:
    """A :class:`~claimed_cwl.runtime.grid.coordinator.CoordinationStore` on ``s3://bucket/prefix``."""

    def __init__(self, bucket: str, prefix: str, client: Any = None, retry_seconds: float | None = None) -> None:
        """Use ``bucket`` and ``prefix`` (a trailing ``/`` is added); ``client`` defaults to :func:`make_client`."""
        self.bucket = bucket
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.location = f"s3://{bucket}/{self.prefix}"
        self.client = client if client is not None else make_client()
        self.retry_seconds = _retry_budget() if retry_seconds is None else retry_seconds

    @classmethod
    def from_url(cls, url: str) -> S3Store:
        """Open ``s3://bucket/prefix``."""
        bucket, prefix = parse_s3_url(url)
        return cls(bucket, prefix)

    def _key(self, batch: str, suffix: str) -> str:
        return f"{self.prefix}{batch}.{suffix}"

    def _call(self, op: str, key: str, fn: Callable[[], Any], on_ambiguous: Callable[[], Any] | None = None) -> Any:
        """Run one request with retries; raise _Precondition on 412, KeyError on 404, GridError when out of time."""
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        deadline = time.monotonic() + self.retry_seconds
        delay, attempt = 0.2, 0
        while True:
            attempt += 1
            try:
                return fn()
            except ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code", ""))
                status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
                if code == "NoSuchBucket":
                    raise GridError(f"S3 {op}: no bucket {self.bucket!r}") from None
                if status == 412 or code in ("PreconditionFailed", "412"):
                    if attempt > 1 and on_ambiguous is not None:
                        landed = on_ambiguous()
                        if landed is not None:
                            return landed
                    raise _Precondition() from None
                if status == 404 or code in ("NoSuchKey", "404", "NotFound"):
                    raise KeyError(key) from None
                if not (status >= 500 or code in _RETRY_CODES):
                    raise GridError(redact(f"S3 {op} s3://{self.bucket}/{key}: {code or status}: {exc}")) from None
                problem = f"{code or status}"
            except BotoCoreError as exc:
                problem = type(exc).__name__
                if "Credentials" in problem or "ParamValidation" in problem:
                    raise GridError(redact(f"S3 {op} s3://{self.bucket}/{key}: {exc}")) from None
            if time.monotonic() + delay > deadline:
                raise GridError(
                    f"S3 {op} s3://{self.bucket}/{key}: still failing after {attempt} attempts "
                    f"in {self.retry_seconds:.0f} s ({problem})"
                )
            log.info("S3 %s %s: %s, retrying in %.1f s", op, key, problem, delay)
            time.sleep(delay)
            delay = min(delay * 2, 5.0)

    def _get(self, key: str) -> tuple[bytes, str] | None:
        def fn() -> tuple[bytes, str]:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
            return response["Body"].read(), str(response["ETag"])

        try:
            result: tuple[bytes, str] = self._call("get", key, fn)
        except KeyError:
            return None
        return result

    def _put(self, key: str, data: bytes, **condition: str) -> str | None:
        def fn() -> str:
            return str(self.client.put_object(Bucket=self.bucket, Key=key, Body=data, **condition)["ETag"])

        def landed() -> str | None:
            current = self._get(key)
            return current[1] if current is not None and current[0] == data else None

        try:
            etag: str = self._call("put", key, fn, on_ambiguous=landed if condition else None)
        except (_Precondition, KeyError):
            return None
        return etag

    def read_lock(self, batch: str) -> tuple[bytes, str] | None:
        """GET ``<batch>.lock`` with its ETag."""
        return self._get(self._key(batch, "lock"))

    def create_lock(self, batch: str, data: bytes) -> str | None:
        """PUT ``<batch>.lock`` with If-None-Match: *."""
        return self._put(self._key(batch, "lock"), data, IfNoneMatch="*")

    def replace_lock(self, batch: str, data: bytes, token: str) -> str | None:
        """PUT ``<batch>.lock`` with If-Match: token."""
        return self._put(self._key(batch, "lock"), data, IfMatch=token)

    def write_marker(self, batch: str, kind: MarkerKind, data: bytes, exclusive: bool) -> bool:
        """PUT ``<batch>.<kind>`` (If-None-Match: * when exclusive)."""
        condition = {"IfNoneMatch": "*"} if exclusive else {}
        return self._put(self._key(batch, kind), data, **condition) is not None

    def read_marker(self, batch: str, kind: MarkerKind) -> bytes | None:
        """GET ``<batch>.<kind>``."""
        found = self._get(self._key(batch, kind))
        return None if found is None else found[0]

    def delete_marker(self, batch: str, kind: MarkerKind) -> None:
        """DELETE ``<batch>.<kind>``."""
        key = self._key(batch, kind)
        with contextlib.suppress(KeyError):
            self._call("delete", key, lambda: self.client.delete_object(Bucket=self.bucket, Key=key))

    def list_markers(self) -> dict[str, set[str]]:
        """LIST the prefix for marker objects."""
        found: dict[str, set[str]] = {kind: set() for kind in _KINDS}
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self.prefix}
            if token:
                kwargs["ContinuationToken"] = token
            page: dict[str, Any] = self._call("list", self.prefix, partial(self.client.list_objects_v2, **kwargs))
            for item in page.get("Contents", []):
                name = str(item["Key"])[len(self.prefix) :]
                for kind in _KINDS:
                    if name.endswith(f".{kind}"):
                        found[kind].add(name[: -len(kind) - 1])
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return found


def read_s3_text(url: str) -> str:
    """Read the text object at ``s3://bucket/key`` (a batch file)."""
    bucket, key = parse_s3_url(url)
    store = S3Store(bucket, "")
    found = store._get(key)
    if found is None:
        raise GridError("batch file not found", url)
    try:
        return found[0].decode("utf-8-sig")
    except UnicodeDecodeError:
        raise GridError("batch file is not UTF-8 text", url) from None
