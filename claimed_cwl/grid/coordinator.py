"""Crash-safe batch coordination: leased locks, processed and error markers, on any :class:`CoordinationStore`.

Per batch the store keeps a *lock* (a small JSON lease record that supports an
atomic create and an atomic compare-and-swap) and two *markers*: ``processed``
and ``err``. The lease logic lives here, once, for every backend:

- **claim**: create the lock if it does not exist; or, when the record says
  ``released`` or its ``expires`` time has passed, swap it for ours (a
  compare-and-swap on the version read: of several takers only one wins).
  After winning, the markers are read again, so a batch completed meanwhile is
  never run again.
- **renew**: the holder swaps its own version for one with a later expiry (a
  background :class:`LeaseKeeper` does it every third of the timeout); a failed
  swap means another worker took the batch over: the lease is lost.
- **mark done**: renew once more (proves nobody took over), create the
  ``processed`` marker exclusively, then release. **mark failed** writes the
  ``err`` marker (message and traceback, secrets redacted), then releases.

Every record carries a random nonce, so no two versions have the same bytes
(S3 ETags are content hashes). Lease expiry uses the wall clock: clocks of the
machines sharing a coordinator must agree to well under the lock timeout.
"""

from __future__ import annotations

import enum
import json
import logging
import os
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from claimed_cwl.grid.config import redact
from claimed_cwl.grid.errors import GridError

__all__ = [
    "ClaimState",
    "CoordinationStore",
    "Coordinator",
    "Lease",
    "LeaseKeeper",
    "MarkerKind",
    "open_store",
]

log = logging.getLogger(__name__)

MarkerKind = Literal["processed", "err"]


class CoordinationStore(Protocol):
    """Where coordination state lives. Tokens are opaque version strings of a lock."""

    location: str

    def read_lock(self, batch: str) -> tuple[bytes, str] | None:
        """Return the lock record and its version token, or None when there is no lock."""

    def create_lock(self, batch: str, data: bytes) -> str | None:
        """Create the lock atomically; return its token, or None when it already exists."""

    def replace_lock(self, batch: str, data: bytes, token: str) -> str | None:
        """Replace the lock if it is still at version ``token``; return the new token, or None."""

    def write_marker(self, batch: str, kind: MarkerKind, data: bytes, exclusive: bool) -> bool:
        """Write a marker; with ``exclusive``, only if absent. Return False when an exclusive write found one."""

    def read_marker(self, batch: str, kind: MarkerKind) -> bytes | None:
        """Return a marker's content, or None when it does not exist."""

    def delete_marker(self, batch: str, kind: MarkerKind) -> None:
        """Delete a marker if it exists."""

    def list_markers(self) -> dict[str, set[str]]:
        """Return ``{"processed": {batch ids}, "err": {batch ids}}`` for the whole coordinator."""


def open_store(backend: str | None, coordinator: str) -> CoordinationStore:
    """Open the store of ``backend`` (``local`` or ``s3``; guessed from the URL when None) at ``coordinator``."""
    if not coordinator:
        raise GridError("no coordinator: give --coordinator (or gw_coordinator_path)")
    backend = backend or ("s3" if coordinator.startswith("s3://") else "local")
    if backend == "s3":
        from claimed_cwl.grid.s3_store import S3Store  # noqa: PLC0415 (boto3 only when needed)

        return S3Store.from_url(coordinator)
    if backend == "local":
        if coordinator.startswith("s3://"):
            raise GridError("the local backend needs a directory, not an s3:// URL (use --backend s3)")
        from claimed_cwl.grid.local_store import LocalStore  # noqa: PLC0415 (it imports this module)

        return LocalStore(coordinator)
    raise GridError(f"unknown backend {backend!r}: expected local or s3")


class ClaimState(enum.Enum):
    """What a claim attempt found."""

    CLAIMED = "claimed"
    PROCESSED = "processed"
    FAILED = "failed"
    LOCKED = "locked"


@dataclass
class Lease:
    """A held lock: the version token of our last write and its expiry."""

    batch: str
    token: str
    expires: float
    lost: threading.Event = field(default_factory=threading.Event)


def _owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Coordinator:
    """Claim, renew, release and mark batches on a store, with leases of ``lock_timeout`` seconds."""

    def __init__(
        self,
        store: CoordinationStore,
        lock_timeout: float,
        ignore_errors_before: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Coordinate on ``store``; error markers older than ``ignore_errors_before`` (epoch s) do not block."""
        if lock_timeout <= 0:
            raise GridError(f"gw_lock_timeout must be positive, got {lock_timeout}")
        self.store = store
        self.lock_timeout = lock_timeout
        self.ignore_errors_before = ignore_errors_before
        self.clock = clock
        self.owner = _owner_id()

    def _record(self, state: str, expires: float) -> bytes:
        record = {"owner": self.owner, "state": state, "expires": expires, "nonce": uuid.uuid4().hex}
        return json.dumps(record, sort_keys=True).encode()

    def _blocked_by_marker(self, batch: str) -> ClaimState | None:
        if self.store.read_marker(batch, "processed") is not None:
            return ClaimState.PROCESSED
        err = self.store.read_marker(batch, "err")
        if err is not None and (self.ignore_errors_before is None or _marker_time(err) >= self.ignore_errors_before):
            return ClaimState.FAILED
        return None

    def try_claim(self, batch: str) -> tuple[ClaimState, Lease | None]:
        """Try to take the batch: CLAIMED with a lease, or why not (PROCESSED, FAILED, LOCKED)."""
        blocked = self._blocked_by_marker(batch)
        if blocked:
            return blocked, None
        expires = self.clock() + self.lock_timeout
        current = self.store.read_lock(batch)
        if current is None:
            token = self.store.create_lock(batch, self._record("held", expires))
        else:
            data, old_token = current
            if not _takeable(data, self.clock()):
                return ClaimState.LOCKED, None
            token = self.store.replace_lock(batch, self._record("held", expires), old_token)
        if token is None:
            return ClaimState.LOCKED, None
        lease = Lease(batch, token, expires)
        blocked = self._blocked_by_marker(batch)
        if blocked:
            self.release(lease)
            return blocked, None
        return ClaimState.CLAIMED, lease

    def renew(self, lease: Lease) -> bool:
        """Extend the lease; False (and ``lease.lost`` set) when another worker took it over."""
        if lease.lost.is_set():
            return False
        expires = self.clock() + self.lock_timeout
        token = self.store.replace_lock(lease.batch, self._record("held", expires), lease.token)
        if token is None:
            lease.lost.set()
            return False
        lease.token, lease.expires = token, expires
        return True

    def release(self, lease: Lease) -> None:
        """Give the lock up (a released record, free for the next claimer); a lost lease is left alone."""
        if not lease.lost.is_set():
            self.store.replace_lock(lease.batch, self._record("released", 0.0), lease.token)
            lease.lost.set()

    def mark_done(self, lease: Lease) -> bool:
        """Write the processed marker (only while still holding the lease), then release; False if not written."""
        if not self.renew(lease):
            log.warning(
                "batch %s: lease lost before completion; the worker that took it over completes it", lease.batch
            )
            return False
        info = {"batch": lease.batch, "owner": self.owner, "time": self.clock()}
        written = self.store.write_marker(lease.batch, "processed", json.dumps(info).encode(), exclusive=True)
        if not written:
            log.error("batch %s: already marked processed by another worker", lease.batch)
        self.store.delete_marker(lease.batch, "err")
        self.release(lease)
        return written

    def mark_failed(self, lease: Lease, error: BaseException) -> bool:
        """Write the error marker (message and traceback, secrets redacted), then release; False if lease lost."""
        if not self.renew(lease):
            return False
        info = {
            "batch": lease.batch,
            "owner": self.owner,
            "time": self.clock(),
            "error": redact(f"{type(error).__name__}: {error}"),
            "traceback": redact("".join(traceback.format_exception(error))),
        }
        self.store.write_marker(lease.batch, "err", json.dumps(info, indent=1).encode(), exclusive=False)
        self.release(lease)
        return True


def _takeable(data: bytes, now: float) -> bool:
    try:
        record = json.loads(data)
        return bool(record["state"] == "released" or float(record["expires"]) <= now)
    except (ValueError, KeyError, TypeError):
        return True  # not a record of ours (an empty or foreign lock file): treat as expired


def _marker_time(data: bytes) -> float:
    try:
        return float(json.loads(data)["time"])
    except (ValueError, KeyError, TypeError):
        return 0.0


class LeaseKeeper:
    """Renew a lease in a background thread while the batch runs: ``with LeaseKeeper(coordinator, lease): ...``."""

    def __init__(self, coordinator: Coordinator, lease: Lease) -> None:
        """Renew every third of the lock timeout (at least every 0.1 s)."""
        self.coordinator = coordinator
        self.lease = lease
        self.interval = max(0.1, coordinator.lock_timeout / 3)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{lease.batch}", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if not self.coordinator.renew(self.lease):
                    log.warning("batch %s: lease taken over by another worker", self.lease.batch)
                    return
            except Exception as exc:  # keep trying: the store may be back before the lease expires
                log.warning("batch %s: lease renewal failed, retrying: %s", self.lease.batch, redact(str(exc)))

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
