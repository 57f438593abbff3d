"""Coordination state in a directory (local disk or a shared file system).

Layout, for batch ``b``:

- ``b.lock/g000000000001``, ``g000000000002`` ...: the lock. Each version is a
  new *generation* file, published with ``os.link`` of a complete temporary
  file, which fails when the name exists: creating generation 1 is the atomic
  claim, creating generation n+1 is the compare-and-swap "replace version n".
  Only one writer can ever create a given generation, and the newest one is
  the lock. Old generations are pruned (all but the two newest); a late writer
  that re-creates a pruned one sees a newer generation and gives up.
- ``b.processed``, ``b.err``: markers (JSON), written whole through a temporary
  file; the processed marker with ``os.link`` (exclusive).

Nothing depends on ``flock`` or on timestamps of the file system, so the
directory may be shared over NFS by several machines.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from claimed_cwl.runtime.grid.coordinator import MarkerKind
from claimed_cwl.runtime.grid.errors import GridError

__all__ = ["LocalStore"]

_GEN = re.compile(r"^g(\d{12})$")
_KINDS: tuple[MarkerKind, ...] = ("processed", "err")


def _gen_name(number: int) -> str:
    return f"g{number:012d}"


class LocalStore:
    """A :class:`~claimed_cwl.runtime.grid.coordinator.CoordinationStore` on a directory."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        """Use (and create) the directory ``root``."""
        self.root = Path(root)
        self.location = str(self.root)
        self.recovered_at = 0.0  # a directory has no outages to recover from
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise GridError(f"cannot create the coordinator directory: {exc.strerror}", self.location) from None

    def check_ids(self, batches: list[str]) -> None:
        """Nothing to check: a valid id's segments (200 bytes at most) leave room for every suffix."""

    def _lock_dir(self, batch: str) -> Path:
        return self.root / f"{batch}.lock"

    def _publish(self, path: Path, data: bytes, exclusive: bool) -> bool:
        """Write ``data`` to a temporary file beside ``path``, then link (exclusive) or rename it into place."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f".tmp-{os.urandom(16).hex()}"
        with open(tmp, "xb") as handle:
            handle.write(data)
        try:
            if not exclusive:
                os.replace(tmp, path)
                return True
            try:
                os.link(tmp, path)
            except FileExistsError:
                return False
            return True
        finally:
            tmp.unlink(missing_ok=True)

    def _generations(self, lock_dir: Path) -> list[int]:
        try:
            names = os.listdir(lock_dir)
        except FileNotFoundError:
            return []
        return sorted(int(m.group(1)) for m in map(_GEN.match, names) if m)

    def read_lock(self, batch: str) -> tuple[bytes, str] | None:
        """Return the newest generation's record and number."""
        lock_dir = self._lock_dir(batch)
        for _ in range(100):
            generations = self._generations(lock_dir)
            if not generations:
                return None
            try:
                data = (lock_dir / _gen_name(generations[-1])).read_bytes()
            except FileNotFoundError:
                continue  # pruned between listing and reading: list again
            return data, str(generations[-1])
        raise GridError(f"lock of batch {batch!r} keeps changing under us", self.location)

    def create_lock(self, batch: str, data: bytes) -> str | None:
        """Create generation 1."""
        return self._new_generation(batch, data, 1)

    def replace_lock(self, batch: str, data: bytes, token: str) -> str | None:
        """Create generation ``token + 1``."""
        return self._new_generation(batch, data, int(token) + 1)

    def _new_generation(self, batch: str, data: bytes, number: int) -> str | None:
        lock_dir = self._lock_dir(batch)
        if not self._publish(lock_dir / _gen_name(number), data, exclusive=True):
            return None
        generations = self._generations(lock_dir)
        if generations[-1] != number:
            # We re-created a pruned generation: a newer one exists, so our base version was stale.
            (lock_dir / _gen_name(number)).unlink(missing_ok=True)
            return None
        for old in generations[:-2]:
            (lock_dir / _gen_name(old)).unlink(missing_ok=True)
        return str(number)

    def write_marker(self, batch: str, kind: MarkerKind, data: bytes, exclusive: bool) -> bool:
        """Write ``<batch>.<kind>`` whole."""
        return self._publish(self.root / f"{batch}.{kind}", data, exclusive)

    def read_marker(self, batch: str, kind: MarkerKind) -> bytes | None:
        """Read ``<batch>.<kind>``."""
        try:
            return (self.root / f"{batch}.{kind}").read_bytes()
        except FileNotFoundError:
            return None

    def delete_marker(self, batch: str, kind: MarkerKind) -> None:
        """Delete ``<batch>.<kind>``."""
        (self.root / f"{batch}.{kind}").unlink(missing_ok=True)

    def list_markers(self) -> dict[str, set[str]]:
        """Walk the directory for marker files."""
        found: dict[str, set[str]] = {kind: set() for kind in _KINDS}
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = [d for d in dirnames if not d.endswith(".lock")]
            rel = Path(dirpath).relative_to(self.root)
            for name in filenames:
                for kind in _KINDS:
                    if name.endswith(f".{kind}") and not name.startswith(".tmp-"):
                        batch = name[: -len(kind) - 1]
                        found[kind].add(str(rel / batch) if rel.parts else batch)
        return found
