"""Run CWL with cwltool, in-process, watching its log for step status."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from claimed_cwl.progress import Progress
from claimed_cwl.runners.base import RunOptions, job_arguments
from claimed_cwl.runners.podman import podman_path
from claimed_cwl.runners.step_log import StepWatcher, write_summary

__all__ = ["cwltool_argv", "run_cwltool"]

log = logging.getLogger(__name__)

def cwltool_argv(document: Path, options: RunOptions) -> list[str]:
    """The cwltool command line (without the program name) for one run."""
    # Never --quiet: cwltool would then lower our handler to WARNING and hide step
    # status; quietness is applied by the echo handler in run_cwltool instead.
    argv = [f"--outdir={options.outdir}", "--enable-ext"]  # cwltool:Secrets, cwltool:CUDARequirement
    if options.engine == "podman":
        argv.append("--podman")
    if options.parallel:
        argv.append("--parallel")
    if options.network:
        argv.append(f"--custom-net={options.network}")
    if options.workdir is not None:
        argv += [f"--tmpdir-prefix={options.workdir}/tmp", f"--tmp-outdir-prefix={options.workdir}/out"]
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


def run_cwltool(document: Path, options: RunOptions) -> int:
    """Run ``document`` with cwltool; name the failed steps on failure."""
    from cwltool.main import main as cwltool_main  # noqa: PLC0415 - heavy import, only for runs

    from claimed_cwl.runners.container_monitor import loading_context  # noqa: PLC0415 - imports cwltool

    echo = logging.StreamHandler(sys.stderr)
    echo.setLevel(logging.WARNING if options.quiet else logging.INFO)
    echo.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    argv = cwltool_argv(document, options)
    log.debug("cwltool %s", " ".join(argv))
    cwltool_logger = logging.getLogger("cwltool")
    saved = cwltool_logger.propagate, cwltool_logger.level
    cwltool_logger.propagate = False  # our watcher echoes; no duplicates through the root logger
    cwltool_logger.setLevel(logging.DEBUG)  # the watcher reads the per-job "outputs" records
    watcher = StepWatcher(echo=echo)
    try:
        with _engine_path(options.engine), Progress(f"running {document.name}") as progress:
            watcher.progress = progress
            code = int(cwltool_main(argv, stdout=sys.stdout, logger_handler=watcher,
                                        loadingContext=loading_context(argv)))
    finally:
        cwltool_logger.propagate, level = saved
        cwltool_logger.setLevel(level)
        cwltool_logger.removeHandler(watcher)
    if not options.quiet:
        write_summary(watcher, sys.stderr)
    if code != 0 and watcher.failed:
        print(f"claimed-cwl: failed step(s): {', '.join(dict.fromkeys(watcher.failed))}", file=sys.stderr)
    return code
