"""Run CWL with cwltool, in-process, watching its log; the output object is the one its executor returns.

cwltool's job directories (where secret values are staged as files) go into
a private directory removed however the run ends (see
:mod:`claimed_cwl.runners.private`); when the run is interrupted, the
containers it started are stopped first.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from claimed_cwl.runners.base import RunOptions, RunResult, job_arguments
from claimed_cwl.runners.podman import podman_path
from claimed_cwl.runners.private import private_dir
from claimed_cwl.runners.secret_inputs import MaskFilter, mask_text
from claimed_cwl.runners.step_log import JobRow, StepWatcher, failure_note, job_records, write_summary

__all__ = ["cwltool_argv", "run_cwltool"]

log = logging.getLogger(__name__)

def cwltool_argv(document: Path, options: RunOptions, scratch: Path | None = None) -> list[str]:
    """The cwltool command line (without the program name) for one run.

    cwltool's temporary and intermediate output directories go under
    ``scratch`` (else under ``options.workdir``, else the system's temporary directory).
    """
    # Never --quiet: cwltool would then lower our handler to WARNING and hide step
    # status; quietness is applied by the echo handler in run_cwltool instead.
    # --enable-ext: cwltool:Secrets, cwltool:CUDARequirement; --relax-path-checks: file names with spaces,
    # '#' or non-ASCII letters are file names (claimed-cwl hands every path in as a percent-encoded URI)
    argv = [f"--outdir={options.outdir}", "--enable-ext", "--relax-path-checks"]
    if options.engine == "podman":
        argv.append("--podman")
    if options.max_parallel is not None and options.max_parallel > 1:
        argv += ["--parallel", f"--parallel-max={options.max_parallel}"]
    elif options.parallel and options.max_parallel is None:
        argv.append("--parallel")
    if options.network:
        argv.append(f"--custom-net={options.network}")
    if options.cache is not None:
        argv.append(f"--cachedir={options.cache.resolve()}")
    tmp_root = scratch or options.workdir
    if tmp_root is not None:
        argv.append(f"--tmpdir-prefix={tmp_root}/tmp")
        if options.cache is None:  # with --cachedir, each job's outputs go into the cache instead
            argv.append(f"--tmp-outdir-prefix={tmp_root}/out")
    argv += list(options.extra_args)
    argv += job_arguments(document, options)
    return argv


@contextlib.contextmanager
def _engine_path(engine: str) -> Iterator[None]:
    """For podman, run with the PATH that podman_path gives (cwltool starts ``podman`` from PATH)."""
    if engine != "podman":
        yield
        return
    saved = os.environ.get("PATH", "")
    with podman_path() as path:
        os.environ["PATH"] = path
        try:
            yield
        finally:
            os.environ["PATH"] = saved


def _echo_handler(options: RunOptions) -> logging.Handler:
    """The handler that shows cwltool's log at the user's verbosity, secrets masked."""
    echo = logging.StreamHandler(sys.stderr)
    echo.setLevel(logging.WARNING if options.quiet else logging.INFO)
    echo.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    if options.mask:
        echo.addFilter(MaskFilter(options.mask))
    return echo


def _display(monitor: Any, watcher: StepWatcher, document: Path, options: RunOptions) -> Any:
    """The run's live display (:class:`~claimed_cwl.report.live.LiveDisplay`), reading the watcher's jobs."""
    from claimed_cwl.report.live import LiveDisplay  # noqa: PLC0415

    def states() -> list[tuple[str, str]]:
        return [(row.name, row.status) for row in list(watcher.jobs.values())]

    if monitor is not None:
        return monitor.display(states)
    return LiveDisplay(document.name, states, quiet=options.quiet, interval=options.progress_seconds)


def run_cwltool(document: Path, options: RunOptions) -> RunResult:
    """Run ``document`` with cwltool; name the failed steps on failure."""
    if options.workdir is not None:
        options.workdir.mkdir(parents=True, exist_ok=True)
    with private_dir("claimed-cwltool-", options.workdir) as scratch:
        return _run(document, options, scratch)


def _run(document: Path, options: RunOptions, scratch: Path) -> RunResult:
    from claimed_cwl.runners._cwltool import run  # noqa: PLC0415 - heavy import, only for runs

    argv = cwltool_argv(document, options, scratch)
    log.debug("cwltool %s", " ".join(argv))
    cwltool_logger = logging.getLogger("cwltool")
    saved = cwltool_logger.propagate, cwltool_logger.level
    cwltool_logger.propagate = False  # our watcher echoes; no duplicates through the root logger
    cwltool_logger.setLevel(logging.DEBUG)  # the watcher reads the per-job "outputs" records
    watcher = StepWatcher()
    recorder = None
    if options.provenance is not None:
        from claimed_cwl.provenance import JobRecorder  # noqa: PLC0415

        recorder = JobRecorder()
        cwltool_logger.addHandler(recorder)
    stdout = sys.stdout if options.echo_outputs else io.StringIO()
    monitor = options.monitor
    try:
        with _engine_path(options.engine), _display(monitor, watcher, document, options) as display:
            watcher.echo, watcher.progress = _echo_handler(options), display  # stderr as the display redirects it
            code, outputs = run(argv, watcher, stdout)  # interrupted, it stops the containers cwltool started
    finally:
        cwltool_logger.propagate, level = saved
        cwltool_logger.setLevel(level)
        cwltool_logger.removeHandler(watcher)
        if recorder is not None:
            cwltool_logger.removeHandler(recorder)
    if monitor is not None:
        for step in monitor.steps_without_jobs(watcher.jobs) if code != 0 else ():
            watcher.jobs[step] = JobRow(step, 0.0)  # never reached: "not started" in the table
        monitor.jobs = job_records(watcher)
    if not options.quiet:
        write_summary(watcher, sys.stderr)
    if code != 0:
        print(f"claimed-cwl: {mask_text(failure_note(watcher), options.mask)}", file=sys.stderr)
    printed = stdout.getvalue() if isinstance(stdout, io.StringIO) and outputs is None else ""
    return RunResult(code, outputs, printed, steps=recorder.steps() if recorder is not None else ())
