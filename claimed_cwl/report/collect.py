"""Gather a run's report: its masked inputs, the files of its output object, and write the HTML file.

Inputs are masked by the project's one secret rule: the document says which
inputs are secret (:func:`claimed_cwl.cwl_secrets.secret_inputs`); their values
and the paths of secret files are replaced by the mask, and every text of the
report (log lines, errors, paths) has the run's mask texts
(:func:`claimed_cwl.runners.secret_inputs.mask_texts`) replaced too.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from claimed_cwl.cwl_secrets import SecretInputs
from claimed_cwl.report.html import render_html
from claimed_cwl.report.model import BatchRecord, JobRecord, OutputFile, RunRecord
from claimed_cwl.runners.secret_inputs import MASK, mask_text
from claimed_cwl.runtime.core import atomic_write

__all__ = ["mask_record", "masked", "masked_inputs", "output_files", "write_report"]


def masked(value: Any, texts: tuple[str, ...]) -> Any:
    """``value`` (JSON-like) with every one of ``texts`` in its strings replaced by the mask."""
    if isinstance(value, str):
        return mask_text(value, texts)
    if isinstance(value, list | tuple):
        return [masked(item, texts) for item in value]
    if isinstance(value, Mapping):
        return {masked(str(key), texts): masked(item, texts) for key, item in value.items()}
    return value


def masked_inputs(values: Mapping[str, Any], secrets: SecretInputs, texts: tuple[str, ...]) -> dict[str, Any]:
    """The job's inputs for display: secret values and secret files replaced by the mask, mask texts hidden."""
    shown: dict[str, Any] = {}
    for name, value in values.items():
        if name in secrets.values or name in secrets.paths:
            shown[name] = MASK
        else:
            shown[name] = masked(value, texts)
    return shown


def _local(location: str) -> str:
    return unquote(urlparse(location).path) if location.startswith("file:") else location


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return f"sha256${digest.hexdigest()}"


def _file(output: str, item: Mapping[str, Any]) -> OutputFile:
    path = _local(str(item.get("path") or item.get("location", "")))
    size = item.get("size")
    checksum = str(item.get("checksum") or "")
    if (size is None or not checksum) and os.path.isfile(path):
        size = os.path.getsize(path) if size is None else size
        checksum = checksum or _sha256(path)
    return OutputFile(output, path, None if size is None else int(size), checksum or "-")


def _walk(output: str, value: Any) -> Iterator[OutputFile]:
    if isinstance(value, list):
        for item in value:
            yield from _walk(output, item)
    elif isinstance(value, Mapping) and value.get("class") == "File":
        yield _file(output, value)
    elif isinstance(value, Mapping) and value.get("class") == "Directory":
        if "listing" in value:
            yield from _walk(output, value["listing"])
            return
        root = _local(str(value.get("path") or value.get("location", "")))
        for folder, _, names in sorted(os.walk(root)):
            for name in sorted(names):
                yield _file(output, {"path": os.path.join(folder, name)})
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _walk(output, item)


def output_files(outputs: Mapping[str, Any] | None) -> tuple[OutputFile, ...]:
    """Every file of a CWL output object, with its size and checksum (the runner's, else SHA-256)."""
    if not outputs:
        return ()
    return tuple(item for name in sorted(outputs) for item in _walk(name, outputs[name]))


def write_report(path: Path, record: RunRecord, texts: tuple[str, ...]) -> Path:
    """Write ``record`` as one self-contained HTML file at ``path`` (atomically, in pieces), masked with ``texts``."""
    return atomic_write(path, render_html(mask_record(record, texts)))


def mask_record(record: RunRecord, texts: tuple[str, ...]) -> RunRecord:
    """``record`` with ``texts`` masked in every string it holds (objects without one are kept as they are)."""
    if not texts:
        return record

    def text(value: str) -> str:
        return mask_text(value, texts)

    def job(item: JobRecord) -> JobRecord:
        tail = tuple(text(line) for line in item.log_tail)
        return replace(item, name=text(item.name), log_tail=tail, cpu_note=text(item.cpu_note),
                       memory_note=text(item.memory_note))

    def batch(item: BatchRecord) -> BatchRecord:
        shown = (text(item.batch), text(item.worker), text(item.error))
        return item if shown == (item.batch, item.worker, item.error) else replace(
            item, batch=shown[0], worker=shown[1], error=shown[2])

    grid = record.grid
    if grid is not None:
        grid = replace(grid, coordinator=text(grid.coordinator), batches=tuple(map(batch, grid.batches)),
                       problem=text(grid.problem))
    return replace(
        record, document=text(record.document), jobs=tuple(map(job, record.jobs)),
        inputs=masked(record.inputs, texts),
        outputs=tuple(replace(item, output=text(item.output), path=text(item.path)) for item in record.outputs),
        grid=grid, notes=tuple(map(text, record.notes)))
