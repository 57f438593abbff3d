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
for at most the seconds of the S3-retry setting (default 120 s) per call. A conditional put
whose earlier attempt may have landed is checked by reading the object back. When a request
goes through after failures (the end of an outage), ``recovered_at`` is set to the time by
which every other client in back-off has tried again (see the coordinator's takeover rule).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from claimed_cwl.runtime import core
from claimed_cwl.runtime.grid.config import env_value, redact, seconds
from claimed_cwl.runtime.grid.coordinator import MarkerKind
from claimed_cwl.runtime.grid.errors import GridError
from claimed_cwl.runtime.grid.settings import S3_RETRY
from claimed_cwl.runtime.s3 import (
    BOTO3_REQUIREMENT,
    CLIENT_ATTEMPTS,
    CLIENT_CONNECT_TIMEOUT,
    Exhausted,
    RetryPolicy,
    conditional_write_problem,
    error_code,
    make_client,
    retrying,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ListObjectsV2OutputTypeDef

__all__ = ["S3Store", "client", "parse_s3_url", "read_s3_text"]

log = logging.getLogger(__name__)
T = TypeVar("T")

_RETRY_CODES = frozenset({"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "503", "500", "502"})
_KINDS: tuple[MarkerKind, ...] = ("processed", "err")
_MAX_KEY_BYTES = 1024
_MAX_DELAY = 5.0  # the longest back-off between two attempts of one request
# How long after the store is back a live holder may still be on its way to it: a request it started while the
# store was down runs out its botocore attempts (each up to the connect timeout, plus botocore's own back-off),
# then it sleeps at most _MAX_DELAY before the attempt that goes through.
_RECOVERY_SLACK = CLIENT_ATTEMPTS * (CLIENT_CONNECT_TIMEOUT + 1.0) + _MAX_DELAY + 1.0


class _Precondition(Exception):
    """A conditional write lost (HTTP 412)."""


class _Transient(Exception):
    """A request that may succeed when tried again (5xx, throttling, no connection)."""


def parse_s3_url(url: str) -> tuple[str, str]:
    """Split ``s3://bucket/prefix`` into bucket and key prefix (the core's rules); GridError when it is none."""
    try:
        return core.parse_s3_url(url)
    except ValueError as exc:
        raise GridError(str(exc)) from None


def client() -> S3Client:
    """The S3 client of the grid: short timeouts (a lease must be renewed in time), botocore's retries.

    GridError when boto3 is missing or too old for conditional writes (checked at start, before any request).
    """
    try:
        s3 = make_client()
    except ImportError:
        raise GridError(f"the s3 backend needs boto3 (pip install '{BOTO3_REQUIREMENT}')") from None
    problem = conditional_write_problem(s3)
    if problem:
        raise GridError(problem)
    return s3


def _retry_budget() -> float:
    return seconds(env_value(S3_RETRY.env), S3_RETRY)


class S3Store:
    """A :class:`~claimed_cwl.runtime.grid.coordinator.CoordinationStore` on ``s3://bucket/prefix``."""

    def __init__(
        self, bucket: str, prefix: str, s3: S3Client | None = None, retry_seconds: float | None = None
    ) -> None:
        """Use ``bucket`` and ``prefix`` (a trailing ``/`` is added); ``s3`` defaults to :func:`client`."""
        self.bucket = bucket
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.location = f"s3://{bucket}/{self.prefix}"
        self.client = s3 if s3 is not None else client()
        self.retry_seconds = _retry_budget() if retry_seconds is None else retry_seconds
        self.recovered_at = 0.0

    @classmethod
    def from_url(cls, url: str) -> S3Store:
        """Open ``s3://bucket/prefix``."""
        bucket, prefix = parse_s3_url(url)
        return cls(bucket, prefix)

    def check_ids(self, batches: list[str]) -> None:
        """GridError when an id makes a key longer than S3 allows (1024 bytes, with the prefix and ``.processed``)."""
        room = _MAX_KEY_BYTES - len(self._key("", "processed").encode())
        for batch in batches:
            if len(batch.encode("utf-8", "surrogatepass")) > room:
                raise GridError(f"batch id {batch[:40]!r}... is too long for the coordinator {self.location}: its "
                                f"keys may take {room} bytes for the id, it has {len(batch.encode())}")

    def _key(self, batch: str, suffix: str) -> str:
        return f"{self.prefix}{batch}.{suffix}"

    def _call(self, op: str, key: str, fn: Callable[[], T], on_ambiguous: Callable[[], T | None] | None = None) -> T:
        """Run one request with retries; raise _Precondition on 412, KeyError on 404, GridError when out of time."""
        where = f"S3 {op} s3://{self.bucket}/{key}"

        policy = RetryPolicy(attempts=0, delay=0.2, factor=2.0, seconds=self.retry_seconds, max_delay=_MAX_DELAY)

        def attempt(number: int) -> T:
            try:
                result = self._classified(op, key, fn)
            except _Precondition:
                if number > 1 and on_ambiguous is not None:  # an earlier attempt may have landed
                    landed = on_ambiguous()
                    if landed is not None:
                        self._recovered()
                        return landed
                raise
            if number > 1:
                self._recovered()
            return result

        try:
            return retrying(attempt, where, policy, lambda exc: isinstance(exc, _Transient))
        except Exhausted as exc:
            raise GridError(f"{where}: still failing after {exc.attempts} attempts in {self.retry_seconds:.0f} s "
                            f"({exc.last})") from None

    def _recovered(self) -> None:
        """A request went through after failures: others retrying in back-off get through by ``recovered_at``."""
        self.recovered_at = time.monotonic() + _RECOVERY_SLACK

    def _classified(self, op: str, key: str, fn: Callable[[], T]) -> T:
        """Run ``fn`` once, its errors sorted: _Precondition, KeyError, _Transient, or GridError (final)."""
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        try:
            return fn()
        except ClientError as exc:
            code = error_code(exc)
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
            if code == "NoSuchBucket":
                raise GridError(f"S3 {op}: no bucket {self.bucket!r}") from None
            if status == 412 or code in ("PreconditionFailed", "412"):
                raise _Precondition() from None
            if status == 404 or code in ("NoSuchKey", "404", "NotFound"):
                raise KeyError(key) from None
            if not (status >= 500 or code in _RETRY_CODES):
                raise GridError(redact(f"S3 {op} s3://{self.bucket}/{key}: {code or status}: {exc}")) from None
            raise _Transient(code or str(status)) from None
        except BotoCoreError as exc:
            problem = type(exc).__name__
            if "Credentials" in problem or "ParamValidation" in problem:
                raise GridError(redact(f"S3 {op} s3://{self.bucket}/{key}: {exc}")) from None
            raise _Transient(problem) from None

    def _get(self, key: str) -> tuple[bytes, str] | None:
        def fn() -> tuple[bytes, str]:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
            return response["Body"].read(), str(response["ETag"])

        try:
            result: tuple[bytes, str] = self._call("get", key, fn)
        except KeyError:
            return None
        return result

    def _put(self, key: str, data: bytes, *, if_none_match: str = "", if_match: str = "") -> str | None:
        condition = bool(if_none_match or if_match)

        def fn() -> str:
            if if_none_match:
                response = self.client.put_object(Bucket=self.bucket, Key=key, Body=data, IfNoneMatch=if_none_match)
            elif if_match:
                response = self.client.put_object(Bucket=self.bucket, Key=key, Body=data, IfMatch=if_match)
            else:
                response = self.client.put_object(Bucket=self.bucket, Key=key, Body=data)
            return str(response["ETag"])

        def landed() -> str | None:
            current = self._get(key)
            return current[1] if current is not None and current[0] == data else None

        try:
            etag: str = self._call("put", key, fn, on_ambiguous=landed if condition else None)
        except (_Precondition, KeyError):
            return None
        return etag

    def _list_page(self, token: str | None) -> ListObjectsV2OutputTypeDef:
        if token:
            return self.client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix, ContinuationToken=token)
        return self.client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix)

    def read_lock(self, batch: str) -> tuple[bytes, str] | None:
        """GET ``<batch>.lock`` with its ETag."""
        return self._get(self._key(batch, "lock"))

    def create_lock(self, batch: str, data: bytes) -> str | None:
        """PUT ``<batch>.lock`` with If-None-Match: *."""
        return self._put(self._key(batch, "lock"), data, if_none_match="*")

    def replace_lock(self, batch: str, data: bytes, token: str) -> str | None:
        """PUT ``<batch>.lock`` with If-Match: token."""
        return self._put(self._key(batch, "lock"), data, if_match=token)

    def write_marker(self, batch: str, kind: MarkerKind, data: bytes, exclusive: bool) -> bool:
        """PUT ``<batch>.<kind>`` (If-None-Match: * when exclusive)."""
        return self._put(self._key(batch, kind), data, if_none_match="*" if exclusive else "") is not None

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
            page = self._call("list", self.prefix, partial(self._list_page, token))
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
