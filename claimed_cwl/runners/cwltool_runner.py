"""Run CWL with cwltool, in-process, watching its log for step status."""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

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
    argv = [f"--outdir={options.outdir}"]
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


def run_cwltool(document: Path, options: RunOptions) -> int:
    """Run ``document`` with cwltool; name the failed steps on failure."""
    from cwltool.main import main as cwltool_main  # noqa: PLC0415 - heavy import, only for runs

    echo = logging.StreamHandler(sys.stderr)
    echo.setLevel(logging.WARNING if options.quiet else logging.INFO)
    echo.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    argv = cwltool_argv(document, options)
    log.debug("cwltool %s", " ".join(argv))
    cwltool_logger = logging.getLogger("cwltool")
    propagate, cwltool_logger.propagate = cwltool_logger.propagate, False  # our watcher echoes; no duplicates
    try:
        with Progress(f"running {document.name}") as progress:
            watcher = StepWatcher(progress, echo)
            code = int(cwltool_main(argv, stdout=sys.stdout, logger_handler=watcher))
    finally:
        cwltool_logger.propagate = propagate
        cwltool_logger.removeHandler(watcher)
    if code != 0 and watcher.failed:
        print(f"claimed-cwl: failed step(s): {', '.join(dict.fromkeys(watcher.failed))}", file=sys.stderr)
    return code
