"""A grid run seen from the host: its coordinator and batch list, read from the run's own inputs.

A document is a grid workflow when it has the ``gw_coordinator`` input
(:mod:`claimed_cwl.runtime.grid.settings`). Its batches are resolved once, before
the run, from the same inputs the grid's steps get (the batch file, or the file
pattern and group-by rule matched in ``gw_file_root``); the coordinator's markers
then tell, at any time, which batches are processed or failed. Batches that were
processed or failed before the run started are *skipped* by it.

Batch times come from the coordinator too: a batch starts when its worker claimed
it and ends at its marker's time (both in the marker). Markers written by an older
grid runtime have no start: there a batch starts when the same worker ended its
previous batch, or, for a worker's first batch, at the time of the lock record it
holds (which a lease renewal moves later; a failed first batch has no start).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote, urlparse

from claimed_cwl.report.model import BatchRecord, GridRecord
from claimed_cwl.runtime.grid import settings
from claimed_cwl.runtime.grid.batches import resolve_batches
from claimed_cwl.runtime.grid.coordinator import CoordinationStore, MarkerKind, open_store
from claimed_cwl.runtime.grid.errors import GridError

__all__ = ["PROGRESS_EVERY", "GridProgress", "GridSource", "grid_source"]

PROGRESS_EVERY = 1.0
"""Seconds between two listings of the coordinator for the live display."""


def _path(value: Any) -> str | None:
    """The local path of a File/Directory object (or a plain path string); None for other values."""
    if isinstance(value, Mapping):
        value = value.get("path") or value.get("location")
    if not isinstance(value, str) or not value:
        return None
    if value.startswith("file:"):
        return unquote(urlparse(value).path)
    return None if "://" in value else value


@dataclass(frozen=True)
class GridProgress:
    """Batch counts of a running grid, and the estimated seconds left (None until one batch ended)."""

    total: int
    done: int
    failed: int
    remaining: int
    eta: float | None


@dataclass
class GridSource:
    """The coordinator and batch list of one grid run, with the markers found before it started."""

    coordinator: str
    store: CoordinationStore | None
    batches: list[str]
    problem: str = ""
    before: dict[str, set[str]] = field(default_factory=lambda: {"processed": set(), "err": set()})
    started: float = field(default_factory=time.monotonic)
    _last: tuple[float, GridProgress] | None = field(default=None, repr=False)

    def markers(self) -> dict[str, set[str]]:
        """The coordinator's markers now (empty when it cannot be read)."""
        if self.store is None:
            return {"processed": set(), "err": set()}
        try:
            return self.store.list_markers()
        except (GridError, OSError):
            return {"processed": set(), "err": set()}

    def progress(self) -> GridProgress:
        """Counts of this run's batches now, and the time left at the rate seen since the run started.

        The coordinator is listed at most once a second (on S3 a listing is a request per 1,000 markers).
        """
        now = time.monotonic()
        if self._last is not None and now - self._last[0] < PROGRESS_EVERY:
            return self._last[1]
        self._last = (now, self._progress())
        return self._last[1]

    def _progress(self) -> GridProgress:
        markers = self.markers()
        done = sum(1 for b in self.batches if b in markers["processed"])
        failed = sum(1 for b in self.batches if b in markers["err"] and b not in markers["processed"])
        remaining = len(self.batches) - done - failed
        ended_here = done + failed - sum(1 for b in self.batches if b in self.before["processed"] | self.before["err"])
        elapsed = time.monotonic() - self.started
        eta = remaining * elapsed / ended_here if ended_here > 0 else None
        return GridProgress(len(self.batches), done, failed, remaining, eta)

    def record(self) -> GridRecord:
        """Every batch with its state and times, as the coordinator shows them now."""
        if self.store is None:
            return GridRecord(self.coordinator, problem=self.problem)
        markers = self.markers()
        rows = [self._batch(batch, markers) for batch in self.batches]
        return GridRecord(self.coordinator, tuple(self._starts(rows)), self.problem)

    def _batch(self, batch: str, markers: dict[str, set[str]]) -> BatchRecord:
        """A batch's state, start, end, worker and error from its marker (an older marker's start: see _starts)."""
        assert self.store is not None
        before = batch in self.before["processed"] or batch in self.before["err"]
        kind: MarkerKind | None = ("processed" if batch in markers["processed"] else
                                   "err" if batch in markers["err"] else None)
        if kind is None:
            return BatchRecord(batch, "pending")
        marker = _json(self.store.read_marker(batch, kind))
        return BatchRecord(batch, "processed" if kind == "processed" else "failed", _float(marker.get("started")),
                           _float(marker.get("time")),
                           str(marker.get("owner", "")), str(marker.get("error", "")), before)

    def _claimed(self, row: BatchRecord) -> float | None:
        """When the batch's worker claimed it: the time of the lock record it holds (None when not held)."""
        assert self.store is not None
        lock = self.store.read_lock(row.batch)
        record = _json(lock[0]) if lock is not None else {}
        held = record.get("owner") == row.worker and record.get("state") == "held"  # "failed" comes after the marker
        return _float(record.get("time")) if held else None

    def _starts(self, rows: list[BatchRecord]) -> list[BatchRecord]:
        """Start the batches whose markers have no start (older runtimes) from their workers' sequences.

        Such a batch starts when its worker ended the one before, a worker's first when the worker claimed
        it. A worker runs its batches one after another; the claim costs one lock read per worker.
        """
        by_worker: dict[str, list[int]] = {}
        for index, row in enumerate(rows):
            if row.worker and row.ended is not None and row.started is None:  # a marker without its start
                by_worker.setdefault(row.worker, []).append(index)
        result = list(rows)
        for indexes in by_worker.values():
            indexes.sort(key=lambda i: rows[i].ended or 0.0)
            starts = [self._claimed(rows[indexes[0]]), *(rows[i].ended for i in indexes[:-1])]
            for index, start in zip(indexes, starts, strict=True):
                result[index] = replace(rows[index], started=start)
        return result


def _json(data: bytes | None) -> dict[str, Any]:
    try:
        value = json.loads(data or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _batch_list(values: Mapping[str, Any]) -> list[str]:
    """The batches the grid's steps will list, from the run's inputs (local batch file or pattern)."""
    batch_file = _path(values.get(settings.BATCH_FILE.name))
    column = str(values.get(settings.COL_NAME.name) or "filename")
    pattern = values.get(settings.FILE_PATTERN.name)
    group_by = values.get(settings.GROUP_BY.name)
    if batch_file:
        return resolve_batches(batch_file, column)
    root = _path(values.get(settings.FILE_ROOT.name))
    if isinstance(pattern, str) and isinstance(group_by, str) and root:
        with contextlib.chdir(root):  # before the run starts: no other thread of ours runs yet
            return resolve_batches(None, column, pattern, group_by)
    raise GridError("the batch list is not on this machine (an s3:// batch file?): counts come from the markers")


def grid_source(input_names: set[str], values: Mapping[str, Any]) -> GridSource | None:
    """The grid of a run whose document has ``input_names`` and whose job holds ``values``; None: no grid."""
    if settings.COORDINATOR.name not in input_names:
        return None
    given = values.get(settings.COORDINATOR.name)
    local = _path(given)
    coordinator = local if local is not None else str(given or "")
    source = GridSource(coordinator, None, [])
    try:
        source.store = open_store("local" if local is not None else "s3", coordinator) if coordinator else None
        source.batches = _batch_list(values)
    except (GridError, OSError, ImportError) as exc:
        source.problem = str(exc)
        return source
    source.before = source.markers()
    return source
