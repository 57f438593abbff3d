"""S3 for the in-image runtime and the host alike: one client factory, one retry loop.

:func:`make_client` is the one way claimed-cwl makes an S3 client: credentials
and endpoint from the environment (boto3's own chain, never an argument), short
timeouts, and botocore's standard retry mode. :func:`retrying` is the one loop
on top of it, for what botocore's retries cannot know: a time budget that
outlasts an outage (the grid's coordination), or a bounded number of attempts
whose failure must be reported as such (a publish).

boto3 is imported when a client is made: this module imports without it (it is
installed into S3 grid images only).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = [
    "BOTO3_FLOOR",
    "BOTO3_REQUIREMENT",
    "Exhausted",
    "RetryPolicy",
    "conditional_write_problem",
    "error_code",
    "make_client",
    "retrying",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

#: The oldest boto3 with conditional writes (``PutObject`` with ``IfNoneMatch`` / ``IfMatch``), which
#: make the grid's S3 locks atomic: the floor of the package and of the S3 grid image alike.
BOTO3_FLOOR = "1.36"
BOTO3_REQUIREMENT = f"boto3>={BOTO3_FLOOR}"


CLIENT_ATTEMPTS = 3
"""botocore's ``max_attempts`` of a client from :func:`make_client` (by default)."""
CLIENT_CONNECT_TIMEOUT = 2.0
"""Seconds a client from :func:`make_client` waits for a connection (by default)."""


def make_client(
    endpoint: str | None = None, region: str | None = None, *, attempts: int = CLIENT_ATTEMPTS,
    connect_timeout: float = CLIENT_CONNECT_TIMEOUT, read_timeout: float = 20.0,
) -> S3Client:
    """A boto3 S3 client: ``endpoint`` None means ``AWS_ENDPOINT_URL_S3`` or AWS itself.

    The region is ``region``, else ``AWS_REGION`` / ``AWS_DEFAULT_REGION``, else ``us-east-1``.
    ``attempts`` is botocore's ``max_attempts`` (standard retry mode: throttling, 5xx and
    connection errors). ImportError names the missing package when boto3 is not installed.
    """
    try:
        import boto3  # noqa: PLC0415 - only what touches S3 needs it
        from botocore.config import Config  # noqa: PLC0415
    except ImportError:
        raise ImportError("S3 needs boto3 (pip install boto3)") from None
    config = Config(retries={"max_attempts": attempts, "mode": "standard"}, connect_timeout=connect_timeout,
                    read_timeout=read_timeout)
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return boto3.session.Session().client("s3", endpoint_url=endpoint or None, region_name=region, config=config)


def conditional_write_problem(client: S3Client) -> str:
    """Why ``client`` cannot make conditional writes (its botocore lacks them), or ``""`` when it can."""
    shape = client.meta.service_model.operation_model("PutObject").input_shape
    members = shape.members if shape is not None else {}
    missing = [name for name in ("IfNoneMatch", "IfMatch") if name not in members]
    if not missing:
        return ""
    import botocore  # noqa: PLC0415 - installed with boto3

    return (f"the installed botocore {botocore.__version__} cannot make conditional writes (PutObject without "
            f"{' / '.join(missing)}), which the grid's S3 locks need: install {BOTO3_REQUIREMENT}")


def error_code(exc: BaseException) -> str:
    """The S3 error code of a botocore error (``NoSuchKey``, ``412``, ...), else the exception's type name."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if code:
            return str(code)
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status:
            return str(status)
    return type(exc).__name__


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential back-off.

    At most ``attempts`` tries (0: no bound) and ``seconds`` of retrying (0: no bound), sleeping
    ``delay * factor**n`` (at most ``max_delay``) between them.
    """

    attempts: int = 4
    delay: float = 0.5
    factor: float = 2.0
    seconds: float = 0.0
    max_delay: float = 5.0


class Exhausted(Exception):
    """The retries ran out: ``attempts`` were made; ``last`` is the last transient error."""

    def __init__(self, attempts: int, last: BaseException) -> None:
        self.attempts = attempts
        self.last = last
        super().__init__(f"still failing after {attempts} attempts: {error_code(last)}")


def retrying(
    action: Callable[[int], T], what: str, policy: RetryPolicy,
    transient: Callable[[BaseException], bool] = lambda exc: isinstance(exc, Exception),
) -> T:
    """Run ``action(attempt)`` (attempts count from 1) until it returns; retry the errors ``transient`` accepts.

    Any other error is raised at once; :class:`Exhausted` is raised when the policy's attempts or
    seconds are spent. Each retry is logged (``what`` names the request) at WARNING.
    """
    deadline = time.monotonic() + policy.seconds if policy.seconds else None
    delay, attempt = policy.delay, 0
    while True:
        attempt += 1
        try:
            return action(attempt)
        except BaseException as exc:
            if not transient(exc):
                raise
            out_of_attempts = policy.attempts and attempt >= policy.attempts
            if out_of_attempts or (deadline is not None and time.monotonic() + delay > deadline):
                raise Exhausted(attempt, exc) from exc
            problem = error_code(exc) if hasattr(exc, "response") else str(exc) or type(exc).__name__
            log.warning("%s failed (%s); retrying in %.1f s", what, problem, delay)
        time.sleep(delay)
        delay = min(delay * policy.factor, policy.max_delay)
