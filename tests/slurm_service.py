"""Pytest plugin: a one-node Slurm cluster on 127.0.0.1 (scripts/slurm.sh) for the Toil tests.

Fixture ``slurm_cluster`` (session): reuses the cluster when ``scripts/slurm.sh
status`` answers, else starts it with ``scripts/slurm.sh start`` (installs
Debian's slurm-wlm, munge, slurmdbd and MariaDB when missing: root) and stops
what it started at the end of the session. ``SLURM_CONF`` is set in this
process's environment for the session, so Toil and its ``sbatch``/``sacct``
calls find the cluster. Without root or packages the test is skipped with the
reason; under CI (``CI=true``) it fails instead.

Enable with ``pytest_plugins = ["slurm_service"]`` in tests/conftest.py.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = ["SlurmCluster", "running_cluster", "slurm_cluster"]

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = REPO_ROOT / "scripts" / "slurm.sh"


@dataclass(frozen=True)
class SlurmCluster:
    """The running cluster: its configuration file and the environment that reaches it."""

    conf: Path

    @property
    def env(self) -> dict[str, str]:
        """This process's environment with ``SLURM_CONF`` pointing at the cluster."""
        return {**os.environ, "SLURM_CONF": str(self.conf)}

    def sacct(self, *fields: str, since: str = "now-1days", job_name_prefix: str = "") -> list[dict[str, str]]:
        """Allocations (``sacct -X``) submitted since ``since`` as dicts of ``fields`` (JobName among them)."""
        listed = subprocess.run(["sacct", "-X", "-n", "-P", "-S", since, "-o", ",".join(fields)],
                                capture_output=True, text=True, check=True, env=self.env)
        rows = [dict(zip(fields, line.split("|"), strict=True)) for line in listed.stdout.splitlines() if line]
        return [row for row in rows if row.get("JobName", "").startswith(job_name_prefix)]


def _script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, check=False)


@contextmanager
def running_cluster() -> Iterator[SlurmCluster]:
    """The cluster of scripts/slurm.sh: reused when it answers, else started here and stopped on leaving.

    RuntimeError, with the script's reason, when it cannot be started (used by the benchmarks too).
    """
    started = False
    if _script("status").returncode != 0:
        done = _script("start")
        if done.returncode != 0:
            raise RuntimeError(f"cannot start Slurm with scripts/slurm.sh start: {done.stderr.strip()[-500:]}")
        started = True
    try:
        yield SlurmCluster(Path(_script("env").stdout.strip().removeprefix("export SLURM_CONF=")))
    finally:
        if started:
            _script("stop")


@pytest.fixture(scope="session")
def slurm_cluster() -> Iterator[SlurmCluster]:
    """A running Slurm cluster (reused, or started by scripts/slurm.sh for the session)."""
    with ExitStack() as stack:
        try:
            cluster = stack.enter_context(running_cluster())
        except RuntimeError as exc:
            if os.environ.get("CI") == "true":
                pytest.fail(str(exc), pytrace=False)
            pytest.skip(str(exc))
        saved = os.environ.get("SLURM_CONF")
        os.environ["SLURM_CONF"] = str(cluster.conf)
        try:
            yield cluster
        finally:
            if saved is None:
                os.environ.pop("SLURM_CONF", None)
            else:
                os.environ["SLURM_CONF"] = saved
