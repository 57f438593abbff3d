"""Run CWL with Toil (``toil-cwl-runner``): single machine or Slurm, restartable.

Toil runs in a child process: it installs its own signal handlers and
logging, and a killed run must be restartable from its job store.

A killed leader leaves its workers running: Toil starts each worker in a
session of its own (single machine) or as a Slurm job, and a worker's container
outlives its ``docker run`` client. A stale worker that finishes later writes
into the job store while the restarted leader has issued the same job again.
So before ``restart`` resumes a job store, whatever the killed run left is
stopped: its Slurm jobs (those whose batch script names the job store), its
local worker processes (their command line names it) with their process group,
and the containers those workers' ``docker run`` started (found by their bind
mounts, which are unique per job). cwltool's ``--record-container-id`` would
name the containers directly, but Toil 9.6's workers then fail every job's
first attempt.

Toil pickles each job, with the secret values of ``cwltool:Secrets`` in
clear, into its job store (files of mode 0644), and keeps the job store after
a failed run. The throw-away job store, and on a single machine Toil's work
directory (where secret values are staged as files for the container), live
in a private directory (mode 0700) that is removed however the run ends: an
interrupted run (SIGINT, SIGTERM) first stops the Toil leader, its workers and
their containers. A job store named with ``job_store`` is the user's to
protect and to clean (``toil clean``), see docs/security.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from claimed_cwl.errors import ClaimedError
from claimed_cwl.runners._toil import job_statistics, leader_command, slurm_jobs, stop_local_workers
from claimed_cwl.runners.base import RunOptions, RunResult, job_arguments
from claimed_cwl.runners.podman import podman_path
from claimed_cwl.runners.private import private_dir
from claimed_cwl.runners.secret_inputs import mask_text

__all__ = ["run_toil", "stop_stale_run", "toil_argv", "toil_environment"]

BATCH_SYSTEMS = ("single_machine", "slurm", "kubernetes")
_LEADER_GRACE = 20.0
"""Seconds an interrupted Toil leader gets to stop by itself before it is killed."""


def _file_store_path(job_store: str) -> Path | None:
    """The directory of a ``file:`` job store (or a bare path), else None (aws:, google:)."""
    if job_store.startswith("file:"):
        return Path(job_store.removeprefix("file:"))
    if ":" not in job_store:
        return Path(job_store)
    return None


def toil_argv(document: Path, options: RunOptions, job_store: str) -> list[str]:
    """The toil-cwl-runner command line for one run.

    ``--no-prepull``: Toil would otherwise ``docker pull`` every image first,
    which fails for images that exist only in the local engine.
    """
    argv = [
        *leader_command(),
        f"--jobStore={job_store}",
        f"--outdir={options.outdir}",
        "--no-prepull",
        "--relax-path-checks",  # file names with spaces, '#' or non-ASCII letters
        "--logLevel=WARNING" if options.quiet else "--logLevel=INFO",
        f"--batchSystem={options.batch_system}",
    ]
    if options.restart:
        argv.append("--restart")
    if options.max_parallel is not None:
        argv.append(f"--maxJobs={options.max_parallel}")
    argv += list(options.batch_args)
    if options.engine == "podman":
        argv.append("--podman")
    if options.network:
        argv.append(f"--custom-net={options.network}")
    if options.workdir is not None:
        argv += [f"--workDir={options.workdir}", f"--tmpdir-prefix={options.workdir}/tmp"]
    argv += list(options.extra_args)
    argv += job_arguments(document, options)
    return argv


def toil_environment() -> dict[str, str]:
    """This environment with the interpreter's bin directory first on PATH.

    Toil starts its workers (:data:`~claimed_cwl.runners._toil.WORKER_PROGRAM`) from PATH, which is only there
    when the virtualenv that holds Toil is on it (Slurm jobs inherit it too:
    Toil submits with ``--export=ALL``).
    """
    bin_dir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")])}


def stop_stale_run(job_store: str, options: RunOptions, env: dict[str, str]) -> list[str]:
    """Stop what a killed run of ``job_store`` left running; return a description of each thing stopped."""
    stopped = []
    if options.batch_system == "slurm":
        for job_id in slurm_jobs(job_store, env):
            subprocess.run(["scancel", job_id], check=False, env=env, timeout=30)
            stopped.append(f"Slurm job {job_id}")
    stopped += stop_local_workers(job_store, options.engine, env)
    return stopped


def _resolve_restart(options: RunOptions, job_store: str) -> RunOptions:
    """Check the job store against ``restart``; a restart of a run that never began starts afresh."""
    path = _file_store_path(job_store)
    if path is None or options.job_store is None:
        return options
    if options.restart and not path.exists():
        print(f"claimed-cwl: no job store at {path} yet: starting a new run", file=sys.stderr)
        return replace(options, restart=False)
    if not options.restart and path.exists():
        raise ClaimedError(f"job store {path} exists (an earlier run): resume it with --restart, "
                           "or remove it to start again")
    return options


def _scratch_parent(options: RunOptions) -> Path | None:
    """Where a throw-away job store goes.

    The system's temporary directory on a single machine; on a cluster the work
    directory (or else the output directory), which must be on the shared file system.
    """
    if options.batch_system == "single_machine":
        return None
    parent = options.workdir or options.outdir
    parent.mkdir(parents=True, exist_ok=True)
    return parent


def run_toil(document: Path, options: RunOptions) -> RunResult:
    """Run ``document`` with Toil; a throw-away file job store unless ``options.job_store`` names one."""
    if options.batch_system not in BATCH_SYSTEMS:
        raise ClaimedError(f"unknown Toil batch system {options.batch_system!r}: "
                           f"expected one of {', '.join(BATCH_SYSTEMS)}")
    env = {**toil_environment(), **options.env}
    with (private_dir("claimed-toil-", _scratch_parent(options)) as scratch,
          contextlib.ExitStack() as stack):
        if options.engine == "podman":
            env["PATH"] = stack.enter_context(podman_path(env["PATH"]))
        job_store = options.job_store or f"file:{scratch}/jobstore"
        options = _resolve_restart(options, job_store)
        if options.restart:
            for thing in stop_stale_run(job_store, options, env):
                print(f"claimed-cwl: stopped {thing} left by the interrupted run", file=sys.stderr)
        if options.batch_system == "single_machine":  # Toil's own temporary files go with the scratch too
            (scratch / "tmp").mkdir()
            env["TMPDIR"] = str(scratch / "tmp")
            if options.workdir is None:  # and so do the job directories, where secret files are staged
                options = replace(options, workdir=scratch / "tmp")
        argv, logs = toil_argv(document, options, job_store), None
        # per-job records for the report, only in our own job store (the user's stays as Toil leaves it)
        stats = options.monitor is not None and options.job_store is None
        if stats:
            argv[len(leader_command()):len(leader_command())] = ["--stats", "--clean=never"]  # records for the report
        if options.provenance is not None:  # every worker's cwltool events, at DEBUG (claimed_cwl.provenance)
            from claimed_cwl.provenance.toil_logs import toil_provenance_args  # noqa: PLC0415

            logs = scratch / "worker-logs"
            level = next(i for i, arg in enumerate(argv) if arg.startswith("--logLevel="))
            argv[level:level + 1] = toil_provenance_args(logs)
        from claimed_cwl.report.toil_stats import FailedJobLogs, toil_job_records  # noqa: PLC0415

        failed_logs = FailedJobLogs()
        with _display(options):
            code, printed = _run_leader(argv, options, job_store, env, failed_logs.feed)
        steps = _records(logs) if logs is not None else ()
        if stats:
            options.monitor.jobs = toil_job_records(job_statistics(job_store), options.monitor.tool_steps(),
                                                    failed_logs.tails)
        elif options.monitor is not None:
            options.monitor.notes.append("no job figures: Toil's job statistics are read only from the throw-away "
                                         "job store (a named job store is left as Toil leaves it)")
    if code != 0:
        print(f"claimed-cwl: toil-cwl-runner failed with exit code {code}", file=sys.stderr)
    outputs = _output_object(printed) if code == 0 else None
    if options.echo_outputs:
        sys.stdout.write(printed)
        sys.stdout.flush()
    return RunResult(code, outputs, "" if outputs is not None else printed, steps=steps)


def _records(logs: Path) -> tuple[Any, ...]:
    from claimed_cwl.provenance.record import records_from_logs  # noqa: PLC0415

    return records_from_logs(logs)


def _display(options: RunOptions) -> Any:
    """The live display while the leader runs: elapsed time and, for a grid, its batches.

    Toil's steps are not followed while it runs.
    """
    if options.monitor is None:
        return contextlib.nullcontext()
    return options.monitor.display(None)


def _output_object(printed: str) -> dict[str, Any] | None:
    """The output object the leader printed: its whole standard output is that JSON object (Toil's export)."""
    try:
        value = json.loads(printed)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _run_leader(argv: list[str], options: RunOptions, job_store: str, env: dict[str, str],
                observe: Callable[[str], None] | None = None) -> tuple[int, str]:
    """Run the Toil leader; return its exit code and standard output (where it prints the output object).

    Its stderr is masked when there is something to mask; everything is stopped if the run is interrupted.
    """
    # copied line by line when there is something to mask, a live display to stay below, or DEBUG lines to filter
    masking = bool(options.mask) or options.monitor is not None or options.provenance is not None
    leader = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE if masking else None,
                              text=True, errors="replace")
    copier = None
    if masking:
        least = "W" if options.quiet else "I"
        copier = threading.Thread(target=_copy_masked, args=(leader.stderr, options.mask, least, observe),
                                  daemon=True)
        copier.start()
    try:
        printed = leader.stdout.read() if leader.stdout is not None else ""
        code = leader.wait()
    except BaseException:  # interrupted: the workers and their containers (found while they run), then the leader
        stop_local_workers(job_store, options.engine, env)
        leader.terminate()
        try:
            leader.wait(timeout=_LEADER_GRACE)
        except subprocess.TimeoutExpired:
            leader.kill()
            leader.wait()
        stop_local_workers(job_store, options.engine, env)  # any the leader started meanwhile
        raise
    finally:
        if copier is not None:
            copier.join(timeout=_LEADER_GRACE)
    return code, printed


def _copy_masked(stream: TextIO, texts: tuple[str, ...], least: str = "D",
                 observe: Callable[[str], None] | None = None) -> None:
    """Copy the leader's stderr to ours line by line, from level ``least`` up, secrets and their paths masked.

    ``observe`` sees every line, masked, whatever its level (the run report reads the failed jobs' logs from it).
    """
    from claimed_cwl.provenance.toil_logs import LevelFilter  # noqa: PLC0415

    level = LevelFilter(least)
    for line in stream:
        shown = mask_text(line, texts)
        if level.shown(line):
            sys.stderr.write(shown)
            sys.stderr.flush()
        if observe is not None:
            observe(shown)
