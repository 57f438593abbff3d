"""Every touch on Toil's internals, in one place: how its leader is started, how its workers and jobs are named.

claimed-cwl runs Toil as a child process (``toil-cwl-runner``'s own ``main``)
and reads nothing of Toil's but what it prints. What it relies on beyond that,
to stop what a killed run left behind, is named here and checked against the
installed Toil by ``tests/test_seam_tripwires.py`` (which reads Toil's sources):

- the leader's entry point, :data:`LEADER_MAIN` (``toil.cwl.cwltoil.main``);
- the command-line options claimed-cwl passes (:data:`LEADER_OPTIONS`);
- the worker program, :data:`WORKER_PROGRAM`, started with the job store
  locator among its arguments (``toil/leader.py``), in a process group of its
  own on a single machine;
- the Slurm job name prefix, :data:`SLURM_JOB_PREFIX` (``toil/batchSystems/slurm.py``);
- for the run report, the per-job statistics that ``--stats`` makes the workers
  write (:data:`JOB_STAT_FIELDS`, ``toil/job.py``), read back with the job
  store's ``read_logs`` (:func:`job_statistics`).

The tested Toil versions are the range in ``pyproject.toml``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

__all__ = [
    "JOB_STAT_FIELDS",
    "LEADER_MAIN",
    "LEADER_OPTIONS",
    "SLURM_JOB_PREFIX",
    "WORKER_PROGRAM",
    "leader_command",
    "slurm_jobs",
    "stop_local_workers",
]

LEADER_MAIN = ("toil.cwl.cwltoil", "main")
"""Module and function of the leader: what the ``toil-cwl-runner`` script calls."""
LEADER_OPTIONS = ("--jobStore", "--outdir", "--no-prepull", "--relax-path-checks", "--logLevel", "--batchSystem",
                  "--restart", "--podman", "--custom-net", "--workDir", "--tmpdir-prefix", "--stats",
                  "--clean", "--writeLogs")
"""Every Toil option claimed-cwl passes."""
WORKER_PROGRAM = "_toil_worker"
"""The program (an entry point of Toil's) that runs each job, with the job store locator in its arguments."""
SLURM_JOB_PREFIX = "toil_job_"
"""How Toil names its Slurm jobs (``toil_job_<id>_<name>``)."""


JOB_STAT_FIELDS = ("start", "time", "clock", "class_name", "memory", "succeeded")
"""The fields of each job's ``--stats`` record that the run report reads (all strings)."""


def job_statistics(job_store: str) -> list[dict[str, str]]:
    """The per-job records Toil's workers wrote with ``--stats`` into ``job_store`` (empty when none can be read)."""
    from toil.common import Toil  # noqa: PLC0415 - heavy import, only for a report

    found: list[dict[str, str]] = []

    def collect(handle: Any) -> None:
        with contextlib.suppress(ValueError, AttributeError):
            found.extend(json.loads(handle.read()).get("jobs", []))

    try:
        Toil.resumeJobStore(job_store).read_logs(collect, read_all=True)
    except Exception:
        return []
    return found


def leader_command() -> list[str]:
    """The command that starts a Toil leader in this interpreter (``toil.cwl.cwltoil`` has no ``__main__`` guard)."""
    module, function = LEADER_MAIN
    return [sys.executable, "-c", f"import sys; from {module} import {function}; sys.exit({function}())"]


def _processes() -> dict[int, tuple[int, list[str]]]:
    """Running processes (from /proc): pid -> (process group, argv)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
            group = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2])
        except (OSError, ValueError, IndexError):
            continue
        found[int(entry.name)] = (group, argv)
    return found


def _bind_sources(argv: list[str]) -> set[str]:
    """The host paths a ``docker run``/``podman run`` command line bind-mounts."""
    if len(argv) < 2 or Path(argv[0]).name not in ("docker", "podman") or "run" not in argv:
        return set()
    sources = set()
    for arg in argv:
        if arg.startswith("--mount="):
            fields = dict(item.partition("=")[::2] for item in arg.removeprefix("--mount=").split(","))
            sources.add(fields.get("source", fields.get("src", "")))
    return sources - {""}


def _containers_with_sources(sources: set[str], engine: str, env: dict[str, str]) -> list[str]:
    """Ids of running containers that bind-mount any of ``sources``."""
    listed = subprocess.run([engine, "ps", "-q", "--no-trunc"], capture_output=True, text=True, check=False,
                            env=env, timeout=60)
    ids = listed.stdout.split()
    if not ids or not sources:
        return []
    inspected = subprocess.run([engine, "inspect", "--format", "{{.Id}}{{range .Mounts}} {{.Source}}{{end}}", *ids],
                               capture_output=True, text=True, check=False, env=env, timeout=60)
    return [words[0] for words in map(str.split, inspected.stdout.splitlines())
            if words and sources.intersection(words[1:])]


def stop_local_workers(job_store: str, engine: str, env: dict[str, str]) -> list[str]:
    """Kill the local worker process groups (:data:`WORKER_PROGRAM`) of this job store and their containers."""
    processes = _processes()
    groups = {group for group, argv in processes.values()
              if job_store in argv and any(Path(arg).name == WORKER_PROGRAM for arg in argv)}
    sources = set().union(*(_bind_sources(argv) for group, argv in processes.values() if group in groups))
    stopped = []
    for group in sorted(groups):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)  # the worker and its `docker run` client
            stopped.append(f"worker process group {group}")
    for container in _containers_with_sources(sources, engine, env):
        if subprocess.run([engine, "kill", container], capture_output=True, check=False, env=env,
                          timeout=60).returncode == 0:
            stopped.append(f"container {container[:12]}")
    return stopped


def slurm_jobs(job_store: str, env: dict[str, str]) -> list[str]:
    """Ids of queued or running Slurm jobs whose batch script runs a Toil worker of this job store."""
    try:
        listed = subprocess.run(["squeue", "-h", "--me", "-o", "%i %j"], capture_output=True, text=True,
                                check=True, env=env, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for line in listed.stdout.splitlines():
        job_id, _, name = line.strip().partition(" ")
        if not name.startswith(SLURM_JOB_PREFIX):
            continue
        script = subprocess.run(["scontrol", "write", "batch_script", job_id, "-"], capture_output=True,
                                text=True, check=False, env=env, timeout=30)
        if f" {job_store} " in script.stdout:
            found.append(job_id)
    return found
