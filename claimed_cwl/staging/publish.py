"""Publish: upload a run's output files to ``s3://bucket/prefix`` and write a manifest beside them.

The manifest (``manifest.json``: paths, sizes, SHA-256 checksums) is written
last, and only when every upload succeeded: a destination without a manifest
is an incomplete publish, never one reported as done.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from claimed_cwl.errors import ClaimedError
from claimed_cwl.runtime.s3 import Exhausted, RetryPolicy, error_code, retrying
from claimed_cwl.staging.s3 import S3Location, parse_s3_url

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["MANIFEST_NAME", "PublishError", "PublishedFile", "RetryPolicy", "output_files", "publish_outputs"]

log = logging.getLogger(__name__)
MANIFEST_NAME = "manifest.json"


class PublishError(ClaimedError):
    """An upload failed after its retries; no manifest was written."""


@dataclass(frozen=True)
class PublishedFile:
    """One uploaded file, as the manifest lists it."""

    output: str
    path: str
    key: str
    size: int
    sha256: str


def _local_path(obj: dict[str, Any]) -> Path:
    if obj.get("path"):
        return Path(obj["path"])
    parsed = urlparse(str(obj.get("location", "")))
    if parsed.scheme not in ("", "file"):
        raise PublishError(f"output {obj.get('location')} is not a local file: cannot publish it")
    return Path(unquote(parsed.path))


def _relative(path: Path, outdir: Path) -> str:
    try:
        return path.resolve().relative_to(outdir.resolve()).as_posix()
    except ValueError:
        return path.name


def _walk(name: str, value: Any, outdir: Path) -> Iterator[tuple[str, Path, str]]:
    if isinstance(value, list):
        for item in value:
            yield from _walk(name, item, outdir)
    elif isinstance(value, dict) and value.get("class") == "File":
        path = _local_path(value)
        yield name, path, _relative(path, outdir)
        for secondary in value.get("secondaryFiles", []):
            yield from _walk(name, secondary, outdir)
    elif isinstance(value, dict) and value.get("class") == "Directory":
        root = _local_path(value)
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            yield name, path, _relative(path, outdir)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk(name, item, outdir)


def output_files(outputs: dict[str, Any], outdir: Path) -> list[tuple[str, Path, str]]:
    """``(output name, local path, relative path)`` of every file in a CWL output object, sorted, unique."""
    seen: dict[str, tuple[str, Path, str]] = {}
    for name in sorted(outputs):
        for entry in _walk(name, outputs[name], outdir):
            seen.setdefault(entry[2], entry)
    return [seen[key] for key in sorted(seen)]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _with_retries(action: Callable[[], object], what: str, policy: RetryPolicy) -> None:
    try:
        retrying(lambda _attempt: action(), f"upload of {what}", policy)
    except Exhausted as exc:  # botocore raises many kinds (ClientError, EndpointConnectionError, ...)
        raise PublishError(f"upload of {what} failed after {exc.attempts} attempts: {error_code(exc.last)}") from exc


def _uploader(client: S3Client, path: Path, where: S3Location) -> Callable[[], object]:
    return lambda: client.upload_file(str(path), where.bucket, where.key)


def publish_outputs(
    outputs: dict[str, Any],
    outdir: Path,
    destination: str,
    client: S3Client,
    *,
    policy: RetryPolicy | None = None,
    on_uploaded: Callable[[PublishedFile], None] | None = None,
) -> list[PublishedFile]:
    """Upload every output file below ``destination``, then write the manifest; return the files.

    Raises :class:`PublishError` (and writes no manifest) when an upload fails after its retries.
    """
    policy = policy or RetryPolicy()
    target: S3Location = parse_s3_url(destination)
    files = output_files(outputs, outdir)
    published: list[PublishedFile] = []
    for name, path, relative in files:
        where = target.child(relative)
        entry = PublishedFile(name, relative, where.key, path.stat().st_size, _sha256(path))
        try:
            _with_retries(_uploader(client, path, where), str(where), policy)
        except PublishError as exc:
            raise PublishError(f"{exc}; {len(published)} of {len(files)} files uploaded to {target}; "
                               f"no {MANIFEST_NAME} written (the publish is incomplete)") from exc
        published.append(entry)
        if on_uploaded is not None:
            on_uploaded(entry)
    manifest = {"destination": str(target), "files": [asdict(entry) for entry in published]}
    body = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    where = target.child(MANIFEST_NAME)
    try:
        _with_retries(lambda: client.put_object(Bucket=where.bucket, Key=where.key, Body=body), str(where), policy)
    except PublishError as exc:
        raise PublishError(f"{exc}; all {len(files)} files uploaded but the manifest is missing: "
                           "the publish is incomplete") from exc
    return published
