"""Crash-safe batch coordination: leased locks, processed and error markers, on any :class:`CoordinationStore`.

Per batch the store keeps a *lock* (a small JSON record with an atomic create
and an atomic compare-and-swap) and two *markers*: ``processed`` and ``err``.
The lock record's ``state`` is ``held`` (with an ``expires`` time), ``released``
(interrupted: free at once), ``done`` (written when a takeover finds the
processed marker) or ``failed``. The lease logic lives here,
once, for every backend:

- **claim**: create the lock (the common case, one write); if it exists, read
  it, and only read it at every later look (a worker never tries to create a
  lock it has seen: a write less per look, and no room for a store that
  answers a conditional create wrongly while it shuts down). ``done`` /
  ``failed`` say so at once; a ``held`` record that has not expired is busy;
  a ``released`` one (or a ``failed`` one under the ignore-error-files
  setting) is swapped for ours by a compare-and-swap on the version read, so of
  several takers only one wins; so is an expired one, once this worker has seen
  it unchanged for a whole lease while the store answered (an outage of the
  store stops every renewal: its live holders renew when it is back, and keep
  their batches). After a takeover the markers are read again: a holder that wrote its marker and died before
  updating the lock is never run again.
- **renew**: the holder swaps its own version for one with a later expiry (a
  background :class:`LeaseKeeper` does it every third of the lease); a failed
  swap means another worker took the batch over: the lease is lost. The lease
  is short (the lease setting, default 60 s) so that a dead holder's batch is
  taken over within about a minute however long batches run; the time limit
  (the lock-timeout setting) is the longest a live holder may keep a batch: at
  its end the holder's :class:`LeaseKeeper` marks the batch failed (``ran
  longer than ...``) and gives it up.
- **mark done**: while the lease is provably ours (more than half of it left,
  or else a successful renewal), create the ``processed`` marker exclusively.
  The lock is not written again (one request less per batch on S3): a claimer
  that finds a ``held`` lock looks for the marker. **mark failed** writes the
  ``err`` marker (message and traceback, secrets redacted), then sets the lock
  to ``failed``.

Every record carries a random nonce, so no two versions have the same bytes
(S3 ETags are content hashes), and its owner: host name, process id and a
random part, unique per worker process (containers under ``--network host``
share a host name, and often a process id). Lease expiry uses the wall clock:
clocks of the machines sharing a coordinator must agree to well under the lease.
A claimer that finds a live holder logs once which batch, held by whom, until when. The
lock is the truth for claims: to run a processed batch again, delete both its
``.processed`` marker and its ``.lock``.

Guarantee: a batch is marked processed at most once, and a run that ends with
every worker finished has every batch processed or failed. A batch whose
worker dies is run again by the taker, so ``grid_process`` may *start* twice
for one batch, and run to its end twice when the worker died after its return
but before the marker was written: its outputs should be written at the end,
or be safe to overwrite.
"""

from __future__ import annotations

import enum
import json
import logging
import math
import os
import threading
import time
import traceback
from collections.abc import Callable
from typing import Literal, Protocol

from claimed_cwl.runtime.grid.config import redact
from claimed_cwl.runtime.grid.errors import GridError
from claimed_cwl.runtime.grid.settings import COORDINATOR, LEASE_SECONDS, LOCK_TIMEOUT

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
    #: ``time.monotonic()`` by which every client has reached the store again after an outage (0: none seen)
    recovered_at: float

    def check_ids(self, batches: list[str]) -> None:
        """Raise GridError when a (valid) batch id makes a name too long for this store."""

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
        raise GridError(f"no coordinator: give --coordinator (or {COORDINATOR.env})")
    backend = backend or ("s3" if coordinator.startswith("s3://") else "local")
    if backend == "s3":
        from claimed_cwl.runtime.grid.s3_store import S3Store  # noqa: PLC0415 (boto3 only when needed)

        return S3Store.from_url(coordinator)
    if backend == "local":
        if coordinator.startswith("s3://"):
            raise GridError("the local backend needs a directory, not an s3:// URL (use --backend s3)")
        from claimed_cwl.runtime.grid.local_store import LocalStore  # noqa: PLC0415 (it imports this module)

        return LocalStore(coordinator)
    raise GridError(f"unknown backend {backend!r}: expected local or s3")


class ClaimState(enum.Enum):
    """What a claim attempt found."""

    CLAIMED = "claimed"
    PROCESSED = "processed"
    FAILED = "failed"
    LOCKED = "locked"


class Lease:
    """A held lock: the version token of our last write and its expiry.

    (A plain class, not a dataclass: ``dataclasses`` imports ``inspect``, a tenth of the worker's start in a
    container per batch.)
    """

    __slots__ = ("batch", "deadline", "expires", "had_error", "lost", "overtime", "started", "token")

    def __init__(  # noqa: PLR0917 (the record's fields)
        self, batch: str, token: str, expires: float, deadline: float = math.inf, started: float | None = None,
        had_error: bool = False, overtime: bool = False,
    ) -> None:
        """``started``: when this worker claimed the batch (wall time), kept in its marker."""
        self.batch = batch
        self.token = token
        self.expires = expires
        self.deadline = deadline
        self.started = started
        self.had_error = had_error
        self.overtime = overtime
        self.lost = threading.Event()

    def __repr__(self) -> str:
        """The batch, version and expiry."""
        return f"Lease(batch={self.batch!r}, token={self.token!r}, expires={self.expires!r})"


def owner_id() -> str:
    """An owner id unique per worker process: ``host:pid:random`` (host and pid alone repeat across containers)."""
    return f"{os.uname().nodename}:{os.getpid()}:{os.urandom(6).hex()}"


def _when(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch))


class Coordinator:
    """Claim, renew, release and mark batches on a store, with leases of ``lease_seconds``.

    ``time_limit`` (None: none) is the longest a live holder may keep one batch (see :class:`LeaseKeeper`).
    """

    def __init__(  # noqa: PLR0917 (the store and the two durations are positional)
        self,
        store: CoordinationStore,
        lease_seconds: float,
        time_limit: float | None = None,
        ignore_errors_before: float | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Coordinate on ``store``; error markers older than ``ignore_errors_before`` (epoch s) do not block.

        ``clock`` gives the wall time of lease records, ``monotonic`` this worker's own time (see
        :meth:`_unchanged_for_a_lease`; in the store's ``recovered_at`` scale).
        """
        if lease_seconds <= 0:
            raise GridError(f"{LEASE_SECONDS.env} must be positive, got {lease_seconds}")
        if time_limit is not None and time_limit <= 0:
            raise GridError(f"{LOCK_TIMEOUT.env} must be positive, got {time_limit}")
        self.store = store
        self.lease_seconds = lease_seconds
        self.time_limit = time_limit
        self.ignore_errors_before = ignore_errors_before
        self.clock = clock
        self.monotonic = monotonic
        self.owner = owner_id()
        self._seen_holders: dict[str, str] = {}
        self._observed: dict[str, tuple[str, float]] = {}
        self._locks_seen: set[str] = set()  # batches whose lock this worker knows to exist

    def _record(self, state: str, expires: float, deadline: float = math.inf) -> bytes:
        record: dict[str, object] = {"owner": self.owner, "state": state, "expires": expires, "time": self.clock()}
        if math.isfinite(deadline):
            record["deadline"] = deadline
        record["nonce"] = os.urandom(16).hex()
        return json.dumps(record, sort_keys=True).encode()

    def _log_holder(self, batch: str, record: dict[str, object]) -> None:
        """Say once per holder that ``batch`` is waited for: held by whom, until when."""
        owner = str(record.get("owner", "?"))
        if self._seen_holders.get(batch) == owner:
            return
        self._seen_holders[batch] = owner
        expires = _number(record.get("expires"))
        if expires > self.clock():
            log.info("batch %s: held by %s until %s (lease renewed while it lives); waiting", batch, owner,
                     _when(expires))
        else:
            log.info("batch %s: held by %s, whose lease ran out at %s; taken over unless renewed within %g s",
                     batch, owner, _when(expires), self.lease_seconds)

    def _may_retry(self, failed_at: float) -> bool:
        return self.ignore_errors_before is not None and failed_at < self.ignore_errors_before

    def _blocked_by_marker(self, batch: str) -> ClaimState | None:
        if self.store.read_marker(batch, "processed") is not None:
            return ClaimState.PROCESSED
        err = self.store.read_marker(batch, "err")
        if err is not None and not self._may_retry(_marker_time(err)):
            return ClaimState.FAILED
        return None

    def _blocked_by_record(self, record: dict[str, object]) -> ClaimState | None:
        """Why a lock record stops a claim, or None when it may be taken over (released, expired, retryable)."""
        state = record.get("state")
        if state == "done":
            return ClaimState.PROCESSED
        if state == "failed" and not self._may_retry(_number(record.get("time"))):
            return ClaimState.FAILED
        if state == "held" and _number(record.get("expires")) > self.clock():
            return ClaimState.LOCKED
        return None

    def _unchanged_for_a_lease(self, batch: str, token: str) -> bool:
        """Whether this worker has seen ``batch``'s lock at version ``token`` for a whole lease, the store reachable.

        A holder renews every third of the lease, so a version unchanged for a whole lease is a dead holder's.
        Time spent while the store was unreachable does not count (nobody could renew; a live holder in
        back-off renews by the store's ``recovered_at``), nor does any time before this worker first looked.
        """
        now = self.monotonic()
        first = self._observed.get(batch)
        since = first[1] if first is not None and first[0] == token else now
        self._observed[batch] = (token, since)
        return now - max(since, self.store.recovered_at) >= self.lease_seconds

    def try_claim(self, batch: str) -> tuple[ClaimState, Lease | None]:
        """Try to take the batch: CLAIMED with a lease, or why not (PROCESSED, FAILED, LOCKED)."""
        now = self.clock()
        expires = now + self.lease_seconds
        deadline = now + self.time_limit if self.time_limit is not None else math.inf
        held = self._record("held", expires, deadline)
        if batch not in self._locks_seen:  # locks are never deleted: a lock seen once is only ever read again
            self._locks_seen.add(batch)
            token = self.store.create_lock(batch, held)
            if token is not None:  # never claimed before: nothing can be marked yet
                return ClaimState.CLAIMED, Lease(batch, token, expires, deadline, started=now)
        current = self.store.read_lock(batch)
        if current is None:
            self._locks_seen.discard(batch)
            return ClaimState.LOCKED, None  # deleted meanwhile (by hand): create it at the next look
        record = _parse_record(current[0])
        blocked = self._blocked_by_record(record)
        watched = self._unchanged_for_a_lease(batch, current[1]) if record.get("state") == "held" else True
        if blocked is None and not watched:
            blocked = ClaimState.LOCKED  # ran out, but maybe only while the store was unreachable: watch it a lease
        if blocked is ClaimState.LOCKED and self.store.read_marker(batch, "processed") is not None:
            blocked = ClaimState.PROCESSED  # done: the lock is not updated after a success
            if _number(record.get("expires")) <= self.clock():  # its holder is gone: say done in the lock itself
                self.store.replace_lock(batch, self._record("done", 0.0), current[1])
        if blocked is ClaimState.LOCKED:
            self._log_holder(batch, record)
        if blocked:
            return blocked, None
        token = self.store.replace_lock(batch, held, current[1])
        if token is None:
            return ClaimState.LOCKED, None
        if record.get("state") == "held":
            log.warning("batch %s: taken over from %s, whose lease ended at %s", batch, record.get("owner", "?"),
                        _when(_number(record.get("expires"))))
        lease = Lease(batch, token, expires, deadline, started=now, had_error=record.get("state") == "failed")
        # Taken over: the previous holder may have written its marker and died before updating the lock.
        blocked = self._blocked_by_marker(batch)
        if blocked:
            self._finish(lease, "done" if blocked is ClaimState.PROCESSED else "failed")
            return blocked, None
        return ClaimState.CLAIMED, lease

    def renew(self, lease: Lease) -> bool:
        """Extend the lease; False (and ``lease.lost`` set) when another worker took it over."""
        if lease.lost.is_set():
            return False
        expires = self.clock() + self.lease_seconds
        token = self.store.replace_lock(lease.batch, self._record("held", expires, lease.deadline), lease.token)
        if token is None:
            lease.lost.set()
            return False
        lease.token, lease.expires = token, expires
        return True

    def _still_held(self, lease: Lease) -> bool:
        """True while nobody can have taken the lease over: more than half of it left, or a renewal succeeded."""
        if lease.lost.is_set():
            return False
        return lease.expires - self.clock() > self.lease_seconds / 2 or self.renew(lease)

    def _finish(self, lease: Lease, state: str) -> None:
        if not lease.lost.is_set():
            self.store.replace_lock(lease.batch, self._record(state, 0.0), lease.token)
            lease.lost.set()

    def release(self, lease: Lease) -> None:
        """Give the lock up (free for the next claimer at once); a lost lease is left alone."""
        self._finish(lease, "released")

    def mark_done(self, lease: Lease) -> bool:
        """Write the processed marker (only while still holding the lease), then release; False if not written."""
        if not self._still_held(lease):
            log.warning(
                "batch %s: lease lost before completion; the worker that took it over completes it", lease.batch
            )
            return False
        info = {"batch": lease.batch, "owner": self.owner, "started": lease.started, "time": self.clock()}
        written = self.store.write_marker(lease.batch, "processed", json.dumps(info).encode(), exclusive=True)
        if not written:
            log.error("batch %s: already marked processed by another worker", lease.batch)
        if lease.had_error:
            self.store.delete_marker(lease.batch, "err")
        lease.lost.set()  # the lock stays as it is: one write less per batch; the marker decides from now on
        return written

    def mark_failed(self, lease: Lease, error: BaseException) -> bool:
        """Write the error marker (message and traceback, secrets redacted), then release; False if lease lost."""
        if not self._still_held(lease):
            return False
        info = {
            "batch": lease.batch,
            "owner": self.owner,
            "started": lease.started,
            "time": self.clock(),
            "error": redact(f"{type(error).__name__}: {error}"),
            "traceback": redact("".join(traceback.format_exception(error))),
        }
        self.store.write_marker(lease.batch, "err", json.dumps(info, indent=1).encode(), exclusive=False)
        self._finish(lease, "failed")
        return True


def _parse_record(data: bytes) -> dict[str, object]:
    try:
        record = json.loads(data)
    except ValueError:
        return {}  # not a record of ours (an empty or foreign lock file): treated as expired
    return record if isinstance(record, dict) else {}


def _number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def _marker_time(data: bytes) -> float:
    try:
        return float(json.loads(data)["time"])
    except (ValueError, KeyError, TypeError):
        return 0.0


class LeaseKeeper:
    """Renew a lease in a background thread while the batch runs: ``with LeaseKeeper(coordinator, lease): ...``.

    At the lease's deadline (the coordinator's time limit) the batch is marked failed, "ran longer than"
    the limit, and given up (``lease.overtime``): the worker's result of it, if it ever returns, is dropped.
    """

    def __init__(self, coordinator: Coordinator, lease: Lease) -> None:
        """Renew every third of the lease (at least every 0.1 s)."""
        self.coordinator = coordinator
        self.lease = lease
        self.interval = max(0.1, coordinator.lease_seconds / 3)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{lease.batch}", daemon=True)

    def _run(self) -> None:
        lease, coordinator = self.lease, self.coordinator
        while not self._stop.wait(max(0.0, min(self.interval, lease.deadline - coordinator.clock()))):
            try:
                if coordinator.clock() >= lease.deadline:
                    self._give_up()
                    return
                if not coordinator.renew(lease):
                    log.warning("batch %s: lease taken over by another worker", lease.batch)
                    return
            except Exception as exc:  # keep trying: the store may be back before the lease expires
                log.warning("batch %s: lease renewal failed, retrying: %s", lease.batch, redact(str(exc)))

    def _give_up(self) -> None:
        limit = self.coordinator.time_limit or 0.0
        error = TimeoutError(f"batch {self.lease.batch} ran longer than {LOCK_TIMEOUT.env} ({limit:g} s)")
        log.error("%s: marked failed; its result will not count", error)
        if self.coordinator.mark_failed(self.lease, error):
            self.lease.overtime = True

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
