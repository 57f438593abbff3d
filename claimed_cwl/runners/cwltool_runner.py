"""Run CWL with cwltool, in-process, watching its log for step status."""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from claimed_cwl.progress import Progress
from claimed_cwl.runners.base import RunOptions, job_arguments

__all__ = ["StepWatcher", "cwltool_argv", "run_cwltool"]

log = logging.getLogger(__name__)

# cwltool logs "[step NAME] start", "[job NAME] completed success", "[step NAME] completed permanentFail".
_STATUS = re.compile(r"^\[(?P<kind>job|step|workflow) (?P<name>[^\]]*)\] (?P<what>start|completed (?P<status>\w+))")


class StepWatcher(logging.Handler):
    """Logging handler on cwltool's logger: tracks running, done and failed steps."""

    def __init__(self, progress: Progress | None = None, echo: logging.Handler | None = None) -> None:
        super().__init__(logging.DEBUG)
        self.running: list[str] = []
        self.done: list[str] = []
        self.failed: list[str] = []
        self._progress = progress
        self._echo = echo

    def emit(self, record: logging.LogRecord) -> None:
        """Record step status from one cwltool log record, then pass it on."""
        if self._echo is not None and record.levelno >= self._echo.level:
            self._echo.handle(record)
        match = _STATUS.match(record.getMessage())
        if not match or match["kind"] == "workflow":
            return
        name = match["name"]
        if match["what"] == "start":
            self.running.append(name)
        else:
            if name in self.running:
                self.running.remove(name)
            (self.done if match["status"] == "success" else self.failed).append(name)
        if self._progress is not None:
            self._progress.update(f"{len(self.done)} done, running: {', '.join(self.running[-3:]) or '-'}")


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
    propagate, cwltool_logger.propagate = cwltool_logger.propagate, False  # our watcher echoes; no duplicates
    try:
        with Progress(f"running {document.name}") as progress:
            watcher = StepWatcher(progress, echo)
            code = int(cwltool_main(args=parsed, runtimeContext=context, stdout=sys.stdout, logger_handler=watcher))
    finally:
        cwltool_logger.propagate = propagate
        cwltool_logger.removeHandler(watcher)
    if code != 0 and watcher.failed:
        print(f"claimed-cwl: failed step(s): {', '.join(dict.fromkeys(watcher.failed))}", file=sys.stderr)
    return code
