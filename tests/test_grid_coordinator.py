"""The lease logic on both real stores: a directory and a SeaweedFS bucket."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pytest
from s3_service import SeaweedFS

from claimed_cwl.runtime.grid.coordinator import ClaimState, CoordinationStore, Coordinator, LeaseKeeper, open_store
from claimed_cwl.runtime.grid.errors import GridError
from claimed_cwl.runtime.grid.local_store import LocalStore

StoreFactory = Callable[[], CoordinationStore]


@pytest.fixture(params=["local", "s3"])
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    """Return a function opening the same fresh coordinator (a new store object per call, as separate workers)."""
    if request.param == "local":
        return lambda: open_store("local", str(tmp_path / "coord"))
    request.getfixturevalue("s3_env")
    bucket = request.getfixturevalue("s3_bucket")
    return lambda: open_store("s3", f"s3://{bucket}/run")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_claim_is_exclusive_and_done_is_final(new_store: StoreFactory) -> None:
    clock = Clock()
    first, second = (Coordinator(new_store(), 60, clock=clock, monotonic=clock) for _ in range(2))
    state, lease = first.try_claim("b1")
    assert state is ClaimState.CLAIMED and lease is not None
    assert second.try_claim("b1") == (ClaimState.LOCKED, None)
    assert first.mark_done(lease)
    assert second.try_claim("b1") == (ClaimState.PROCESSED, None)
    clock.now += 10_000  # long after any lease: still never processed again
    assert first.try_claim("b1") == (ClaimState.PROCESSED, None)
    assert set(new_store().list_markers()["processed"]) == {"b1"}


def test_expired_lease_is_taken_over_and_the_old_holder_cannot_complete(new_store: StoreFactory) -> None:
    clock = Clock()
    old, new = (Coordinator(new_store(), 30, clock=clock, monotonic=clock) for _ in range(2))
    _, old_lease = old.try_claim("b")
    assert old_lease is not None
    clock.now += 29
    assert new.try_claim("b")[0] is ClaimState.LOCKED
    assert old.renew(old_lease)  # a live holder renews ...
    clock.now += 29
    assert new.try_claim("b")[0] is ClaimState.LOCKED  # ... and keeps the batch
    clock.now += 2
    assert new.try_claim("b")[0] is ClaimState.LOCKED  # expired, but not yet seen unchanged for a whole lease
    clock.now += 28
    state, new_lease = new.try_claim("b")  # unchanged for a lease: its holder is dead, taken over
    assert state is ClaimState.CLAIMED and new_lease is not None
    assert not old.renew(old_lease) and old_lease.lost.is_set()
    assert not old.mark_done(old_lease)
    assert new_store().read_marker("b", "processed") is None
    assert new.mark_done(new_lease)
    assert json.loads(new_store().read_marker("b", "processed") or b"{}")["owner"] == new.owner


def test_released_lock_is_free_at_once(new_store: StoreFactory) -> None:
    one, two = Coordinator(new_store(), 3600), Coordinator(new_store(), 3600)
    _, lease = one.try_claim("r")
    assert lease is not None
    one.release(lease)
    state, lease2 = two.try_claim("r")
    assert state is ClaimState.CLAIMED and lease2 is not None


def test_takeover_race_has_one_winner(new_store: StoreFactory) -> None:
    clock = Clock()
    holder = Coordinator(new_store(), 5, clock=clock, monotonic=clock)
    assert holder.try_claim("race")[1] is not None
    takers = [Coordinator(new_store(), 5, clock=clock, monotonic=clock) for _ in range(12)]
    assert {taker.try_claim("race")[0] for taker in takers} == {ClaimState.LOCKED}  # each starts watching
    clock.now += 10
    results: list[ClaimState] = []
    barrier = threading.Barrier(len(takers))

    def take(coordinator: Coordinator) -> None:
        barrier.wait()
        results.append(coordinator.try_claim("race")[0])

    threads = [threading.Thread(target=take, args=(c,)) for c in takers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(ClaimState.CLAIMED) == 1
    assert results.count(ClaimState.LOCKED) == len(takers) - 1


def test_fresh_claim_race_has_one_winner(new_store: StoreFactory) -> None:
    coordinators = [Coordinator(new_store(), 60) for _ in range(12)]
    barrier = threading.Barrier(len(coordinators))
    results: list[ClaimState] = []

    def claim(coordinator: Coordinator) -> None:
        barrier.wait()
        results.append(coordinator.try_claim("fresh")[0])

    threads = [threading.Thread(target=claim, args=(c,)) for c in coordinators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(ClaimState.CLAIMED) == 1


def test_error_marker_and_ignore_error_files(new_store: StoreFactory) -> None:
    clock = Clock()
    worker = Coordinator(new_store(), 60, clock=clock, monotonic=clock)
    _, lease = worker.try_claim("bad")
    assert lease is not None
    try:
        raise ValueError("broken input in bad")
    except ValueError as exc:
        assert worker.mark_failed(lease, exc)
    marker = json.loads(new_store().read_marker("bad", "err") or b"{}")
    assert marker["error"] == "ValueError: broken input in bad"
    assert "Traceback (most recent call last)" in marker["traceback"]
    assert 'raise ValueError("broken input in bad")' in marker["traceback"]
    assert Coordinator(new_store(), 60, clock=clock, monotonic=clock).try_claim("bad") == (ClaimState.FAILED, None)
    clock.now += 1
    retry = Coordinator(new_store(), 60, ignore_errors_before=clock.now, clock=clock, monotonic=clock)
    state, lease = retry.try_claim("bad")
    assert state is ClaimState.CLAIMED and lease is not None
    assert retry.mark_done(lease)
    markers = new_store().list_markers()
    assert "bad" in markers["processed"] and "bad" not in markers["err"]


def test_error_recorded_during_this_run_is_not_retried_again(new_store: StoreFactory) -> None:
    clock = Clock()
    retry = Coordinator(new_store(), 60, ignore_errors_before=clock.now, clock=clock, monotonic=clock)
    clock.now += 1
    _, lease = retry.try_claim("again")
    assert lease is not None
    assert retry.mark_failed(lease, RuntimeError("still broken"))
    assert retry.try_claim("again") == (ClaimState.FAILED, None)


def test_lease_keeper_renews_while_work_runs(new_store: StoreFactory) -> None:
    holder, other = Coordinator(new_store(), 0.6), Coordinator(new_store(), 0.6)
    _, lease = holder.try_claim("long")
    assert lease is not None
    first_expiry = lease.expires
    with LeaseKeeper(holder, lease):
        for _ in range(6):  # 1.8 s: three lease lengths
            threading.Event().wait(0.3)
            assert other.try_claim("long")[0] is ClaimState.LOCKED
    assert lease.expires > first_expiry + 1.0
    assert holder.mark_done(lease)


def test_nested_batch_ids_round_trip(new_store: StoreFactory) -> None:
    worker = Coordinator(new_store(), 60)
    for batch in ["data/a.tif", "data/sub/b.tif"]:
        _, lease = worker.try_claim(batch)
        assert lease is not None and worker.mark_done(lease)
    assert new_store().list_markers()["processed"] == {"data/a.tif", "data/sub/b.tif"}


def test_local_stale_writer_of_a_pruned_generation_loses(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    token = store.create_lock("p", b"v1")
    assert token == "1"
    t2 = store.replace_lock("p", b"v2", token)
    t3 = store.replace_lock("p", b"v3", t2 or "")
    t4 = store.replace_lock("p", b"v4", t3 or "")
    assert t4 == "4"
    assert not (tmp_path / "p.lock" / "g000000000001").exists()  # pruned
    assert store.replace_lock("p", b"stale", "0") is None  # re-creating generation 1 does not win
    assert store.replace_lock("p", b"stale", "2") is None  # generation 3 exists
    assert store.read_lock("p") == (b"v4", "4")


def test_open_store_checks_its_arguments(tmp_path: Path) -> None:
    with pytest.raises(GridError, match="no coordinator"):
        open_store("local", "")
    with pytest.raises(GridError, match="needs a directory"):
        open_store("local", "s3://b/p")
    with pytest.raises(GridError, match="must not carry credentials"):
        open_store(None, "s3://AKID:SECRET@bucket/p")
    assert isinstance(open_store(None, str(tmp_path)), LocalStore)


def test_s3_missing_bucket_is_a_clean_error(s3_env: dict[str, str]) -> None:
    store = open_store("s3", "s3://no-such-bucket-claimed/p")
    with pytest.raises(GridError, match="no bucket 'no-such-bucket-claimed'") as info:
        store.read_lock("b")
    assert s3_env["AWS_SECRET_ACCESS_KEY"] not in str(info.value)


def test_holder_that_died_after_its_marker_is_not_run_again(new_store: StoreFactory) -> None:
    clock = Clock()
    dying = Coordinator(new_store(), 10, clock=clock, monotonic=clock)
    _, lease = dying.try_claim("half")
    assert lease is not None
    # it wrote the processed marker and died before updating the lock
    assert new_store().write_marker("half", "processed", b'{"time": 1}', exclusive=True)
    clock.now += 11
    taker = Coordinator(new_store(), 10, clock=clock, monotonic=clock)
    assert taker.try_claim("half") == (ClaimState.PROCESSED, None)
    record = json.loads((new_store().read_lock("half") or (b"{}", ""))[0])
    assert record["state"] == "done"  # repaired: later claims need one read


def test_dead_holder_is_taken_over_after_the_lease_not_the_time_limit(
    new_store: StoreFactory, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    dead = Coordinator(new_store(), 60, time_limit=10800, clock=clock, monotonic=clock)
    taker = Coordinator(new_store(), 60, time_limit=10800, clock=clock, monotonic=clock)
    _, lease = dead.try_claim("b")
    assert lease is not None and lease.deadline == clock.now + 10800
    caplog.set_level("INFO", logger="claimed_cwl.runtime.grid.coordinator")
    clock.now += 59
    assert taker.try_claim("b")[0] is ClaimState.LOCKED
    assert taker.try_claim("b")[0] is ClaimState.LOCKED
    waits = [r.getMessage() for r in caplog.records if "held by" in r.getMessage()]
    assert waits == [f"batch b: held by {dead.owner} until 1970-01-12 13:47:40 UTC (lease renewed while it lives); "
                     "waiting"]  # once per holder, not per look
    clock.now += 2  # the holder stopped renewing 61 s ago: its lease ran out ...
    assert taker.try_claim("b")[0] is ClaimState.LOCKED  # ... but the taker has watched it for 2 s only
    clock.now += 58  # unchanged for a whole lease: taken over, long before the 3 h limit
    state, taken = taker.try_claim("b")
    assert state is ClaimState.CLAIMED and taken is not None
    assert any(f"batch b: taken over from {dead.owner}" in r.getMessage() for r in caplog.records)
    assert not any("ran out" in r.getMessage() for r in caplog.records)  # one line per holder


@pytest.mark.slow
def test_s3_outage_longer_than_the_lease_keeps_live_holders(private_s3: SeaweedFS,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The store is down for over twice the lease: nobody renews, and nobody takes a live holder's batch."""
    for name, value in private_s3.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("gw_s3_retry_seconds", "90")
    url = f"s3://{private_s3.make_bucket()}/run"
    holder, taker = Coordinator(open_store("s3", url), 2.0), Coordinator(open_store("s3", url), 2.0)
    _, lease = holder.try_claim("b")
    assert lease is not None
    seen: list[ClaimState] = []
    stop = threading.Event()

    def watch() -> None:  # a waiting worker polling all along
        while not stop.is_set():
            seen.append(taker.try_claim("b")[0])
            stop.wait(0.3)

    watcher = threading.Thread(target=watch)
    with LeaseKeeper(holder, lease):
        watcher.start()
        threading.Event().wait(1.0)
        private_s3.stop()
        threading.Event().wait(5.0)  # over twice the lease
        private_s3.start()
        threading.Event().wait(6.0)  # the taker reaches the store again and watches
    stop.set()
    watcher.join()
    assert ClaimState.CLAIMED not in seen and seen.count(ClaimState.LOCKED) > 3
    assert holder.mark_done(lease)  # the live holder kept its batch through the outage
    assert taker.try_claim("b") == (ClaimState.PROCESSED, None)


class CountingStore:
    """A real store that counts the lock creations asked of it."""

    def __init__(self, store: CoordinationStore) -> None:
        self.store = store
        self.creates = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    def create_lock(self, batch: str, data: bytes) -> str | None:
        self.creates += 1
        return self.store.create_lock(batch, data)


def test_a_lock_seen_once_is_only_read_at_later_looks(new_store: StoreFactory) -> None:
    """A waiting worker never asks to create a lock it has seen: one request less per look, and no create to
    be answered wrongly by a store that is shutting down (the live holder's lock overwritten)."""
    holder = Coordinator(new_store(), 60)
    _, lease = holder.try_claim("b")
    assert lease is not None
    spy = CountingStore(new_store())
    taker = Coordinator(cast(CoordinationStore, spy), 60)
    assert [taker.try_claim("b")[0] for _ in range(3)] == [ClaimState.LOCKED] * 3
    assert spy.creates == 1  # the first look only
    holder.release(lease)
    state, taken = taker.try_claim("b")  # a compare-and-swap on the lock it read
    assert state is ClaimState.CLAIMED and taken is not None and spy.creates == 1


def test_a_lock_deleted_by_hand_is_created_again(tmp_path: Path) -> None:
    holder = Coordinator(LocalStore(str(tmp_path)), 60)
    spy = CountingStore(LocalStore(str(tmp_path)))
    taker = Coordinator(cast(CoordinationStore, spy), 60)
    _, lease = holder.try_claim("b")
    assert lease is not None and taker.try_claim("b")[0] is ClaimState.LOCKED
    shutil.rmtree(tmp_path / "b.lock")  # a user resets the batch by hand
    assert taker.try_claim("b")[0] is ClaimState.LOCKED  # gone: looked at again ...
    state, taken = taker.try_claim("b")  # ... and created
    assert state is ClaimState.CLAIMED and taken is not None and spy.creates == 2


def test_owners_are_unique_per_worker(new_store: StoreFactory) -> None:
    owners = {Coordinator(new_store(), 60).owner for _ in range(50)}
    assert len(owners) == 50
    host, pid, nonce = next(iter(owners)).split(":")
    assert host and pid == str(os.getpid()) and len(nonce) == 12


def test_live_holder_past_the_time_limit_marks_the_batch_failed(new_store: StoreFactory) -> None:
    holder = Coordinator(new_store(), 0.6, time_limit=1.0)
    other = Coordinator(new_store(), 0.6)
    _, lease = holder.try_claim("stuck")
    assert lease is not None
    with LeaseKeeper(holder, lease):
        threading.Event().wait(0.7)
        assert other.try_claim("stuck")[0] is ClaimState.LOCKED  # renewed: still held within the limit
        threading.Event().wait(1.0)
    assert lease.overtime and lease.lost.is_set()
    assert not holder.mark_done(lease)  # its late result does not count
    assert other.try_claim("stuck") == (ClaimState.FAILED, None)
    marker = json.loads(new_store().read_marker("stuck", "err") or b"{}")
    assert marker["error"] == "TimeoutError: batch stuck ran longer than gw_lock_timeout (1 s)"
    assert new_store().read_marker("stuck", "processed") is None


def test_lease_and_time_limit_must_be_positive(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    with pytest.raises(GridError, match="gw_lease_seconds must be positive"):
        Coordinator(store, 0)
    with pytest.raises(GridError, match="gw_lock_timeout must be positive"):
        Coordinator(store, 60, time_limit=-1)


def test_s3_ids_too_long_for_a_key_are_refused_before_any_work(s3_env: dict[str, str], s3_bucket: str) -> None:
    longest = "/".join(["s" * 199] * 5)  # 999 bytes: valid, and fits under a short prefix
    open_store("s3", f"s3://{s3_bucket}/run").check_ids([longest])
    store = open_store("s3", f"s3://{s3_bucket}/" + "p" * 30)
    with pytest.raises(GridError, match=r"too long for the coordinator s3://.*: its keys may take 983 bytes for the "
                                        r"id, it has 999"):
        store.check_ids(["short", longest])
    assert store.list_markers() == {"processed": set(), "err": set()}
