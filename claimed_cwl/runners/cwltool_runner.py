"""Run CWL with cwltool, in-process, watching its log for step status."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from claimed_cwl.progress import Progress
from claimed_cwl.runners.base import RunOptions, job_arguments
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


def _parse(argv: list[str]) -> tuple[argparse.Namespace, Any]:
    """Cwltool's own argument parsing, and a runtime context with a None-tolerant secret store.

    cwltool 3.3 puts every secret input of the command line into its secret
    store, including optional ones that were not given (None), and then fails
    with "Secret store only accepts strings". Skipping None values is all the
    store needs; everything else is cwltool's own behaviour.
    """
    from cwltool.argparser import arg_parser  # noqa: PLC0415
    from cwltool.context import RuntimeContext  # noqa: PLC0415
    from cwltool.secrets import SecretStore  # noqa: PLC0415

    class _SecretStore(SecretStore):
        def store(self, secrets: list[str], job: MutableMapping[str, Any]) -> None:
            for key, value in job.items():
                if key in secrets and value is not None:
                    job[key] = self.add(value)

    extra = os.environ.get("CWLTOOL_OPTIONS", "").split()  # honoured as cwltool itself does
    parsed = arg_parser().parse_args(extra + argv)
    if parsed.record_container_id:
        parsed.cidfile_dir = parsed.cidfile_dir or os.getcwd()
    del parsed.record_container_id
    context = RuntimeContext(vars(parsed))
    context.secret_store = _SecretStore()
    return parsed, context


def run_cwltool(document: Path, options: RunOptions) -> int:
    """Run ``document`` with cwltool; name the failed steps on failure."""
    from cwltool.main import main as cwltool_main  # noqa: PLC0415 - heavy import, only for runs

    echo = logging.StreamHandler(sys.stderr)
    echo.setLevel(logging.WARNING if options.quiet else logging.INFO)
    echo.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    argv = cwltool_argv(document, options)
    log.debug("cwltool %s", " ".join(argv))
    parsed, context = _parse(argv)
    cwltool_logger = logging.getLogger("cwltool")
    saved = cwltool_logger.propagate, cwltool_logger.level
    cwltool_logger.propagate = False  # our watcher echoes; no duplicates through the root logger
    cwltool_logger.setLevel(logging.DEBUG)  # the watcher reads the per-job "outputs" records
    watcher = StepWatcher(echo=echo)
    try:
        with Progress(f"running {document.name}") as progress:
            watcher.progress = progress
            code = int(cwltool_main(args=parsed, runtimeContext=context, stdout=sys.stdout, logger_handler=watcher))
    finally:
        cwltool_logger.propagate, level = saved
        cwltool_logger.setLevel(level)
        cwltool_logger.removeHandler(watcher)
    if not options.quiet:
        write_summary(watcher, sys.stderr)
    if code != 0 and watcher.failed:
        print(f"claimed-cwl: failed step(s): {', '.join(dict.fromkeys(watcher.failed))}", file=sys.stderr)
    return code
