"""Follow cwltool's log: which steps run, how they end, how long they take, what they output.

cwltool reports each job on its ``cwltool`` logger: ``[job NAME] initializing``
(DEBUG) when it is prepared, ``[job NAME] DIR$ COMMAND`` when its process
starts, ``[job NAME] exited with status: N`` when that fails, ``[job NAME]
completed STATUS`` at the end and, at DEBUG level, ``[job NAME] outputs {...}``;
a job whose results come from the cache (``--cache``) logs only ``[job NAME]
Using cached output in DIR``, and its row says ``cached``.
Workflow steps log ``[step NAME] start`` and ``[step NAME] completed STATUS``
(a step can fail after its job succeeded, e.g. on its outputs). The watcher is
a logging handler, so it reads cwltool's public log, not its internals; it
passes each record on to an echo handler that applies the user's verbosity.

For the run report it also keeps each job's exit status, the peak memory
of the ``[job NAME] Max memory used: NMiB`` line (written for containers that
ran longer than a second) and the last lines of its output (the ``[job NAME]
log tail`` record of :mod:`claimed_cwl.runners._cwltool`).

A job whose script exited 0 but did not write a declared output fails in
cwltool with a glob message pointing into the ``.cwl``; the watcher says
instead that the script succeeded but did not write that output, and where.
"""

from __future__ import annotations

import ast
import json
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from claimed_cwl.report.model import JobRecord, human_size

__all__ = ["JobRow", "StepWatcher", "failure_note", "format_summary", "job_records", "write_summary"]

_HEAD = re.compile(r"^\[(?P<kind>job|step|workflow) (?P<name>[^\]]*)\] ?(?P<rest>.*)$", re.DOTALL)
_COMPLETED = re.compile(r"^completed (?P<status>\w+)")
_STARTED = re.compile(r"^\S*\$ ")  # "[job NAME] /its/outdir$ docker run ...": the job's process starts
_EXITED = re.compile(r"^(exited with status|was terminated by signal)")
_EXIT_CODE = re.compile(r"^exited with status: (?P<code>-?\d+)")
_MEMORY = re.compile(r"^Max memory used: (?P<mib>\d+)MiB")
_LOG_TAIL = "claimed_log_tail"  # claimed_cwl.runners._cwltool.LOG_TAIL_ATTRIBUTE (not imported: cwltool is heavy)
_NO_OUTPUT = re.compile(r"Error collecting output for parameter '(?P<param>[^']+)':.*"
                        r"Did not find output file with glob pattern: (?P<globs>\[.*\])", re.DOTALL)
_OUTPUTS_FORMAT = "[job %s] outputs %s"
# cwltool names the job of a tool run alone after the tool's id, its file name when it has none:
# "word-count.cwl", "word-count.cwl_2"; the row is "word-count", "word-count_2".
_FILE_SUFFIX = re.compile(r"\.cwl(?=(_\d+)?$)")
_CWLTOOL_HINT = "Workflow error, try again with --debug for more information:"
# Status of a job that is prepared but whose process has not started; of one whose process runs.
WAITING, RUNNING = "waiting", "running"
# Status of a job whose outputs came from the cache (--cache): "[job NAME] Using cached output in DIR".
CACHED = "cached"
_CACHED = re.compile(r"^Using cached output in ")
# Statuses that are no failure: cwltool's success and skipped (a 'when' that was false), and unfinished jobs.
_NOT_FAILED = frozenset({"success", "skipped", CACHED, WAITING, RUNNING})


@dataclass
class JobRow:
    """One job (a tool run, or one scatter element) as the summary shows it."""

    name: str
    started: float
    ended: float | None = None
    status: str = WAITING
    output_bytes: int = 0
    output_files: int = 0
    script_failed: bool = False
    exit_code: int | None = None
    peak_mib: int | None = None
    log_tail: tuple[str, ...] = ()
    ran: bool = False

    @property
    def seconds(self) -> float | None:
        """Wall time, once the job has ended."""
        return None if self.ended is None else self.ended - self.started

    @property
    def final_status(self) -> str:
        """The status for the summary: a job still waiting never started; one still running never finished."""
        return {WAITING: "not started", RUNNING: "unfinished"}.get(self.status, self.status)


@dataclass(eq=False)  # handlers must stay hashable
class StepWatcher(logging.Handler):
    """Logging handler for cwltool's logger that keeps a :class:`JobRow` per job."""

    progress: Any = None  # anything with update(text): the live display
    echo: logging.Handler | None = None
    jobs: dict[str, JobRow] = field(default_factory=dict)
    running_steps: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(logging.DEBUG)

    def setLevel(self, level: int | str) -> None:
        """Stay at DEBUG: cwltool sets its handler's level, verbosity is the echo handler's job."""
        super().setLevel(logging.DEBUG)

    last_error: str = ""

    @property
    def failed(self) -> list[str]:
        """Names of the jobs and steps that did not succeed, in order of completion."""
        return [row.name for row in self.jobs.values() if row.status not in _NOT_FAILED]

    def emit(self, record: logging.LogRecord) -> None:
        """Update the rows from one record, then hand it (or what it means, said plainly) to the echo handler."""
        tail = getattr(record, _LOG_TAIL, None)
        if isinstance(tail, list) and isinstance(record.args, tuple) and record.args:
            row = self.jobs.get(str(record.args[0]))
            if row is not None:
                row.log_tail = tuple(str(line) for line in tail)
            return
        if record.msg == _OUTPUTS_FORMAT and isinstance(record.args, tuple) and len(record.args) == 2:
            self._echo(record)
            self._outputs(_row_name(str(record.args[0])), str(record.args[1]))
            return
        message = record.getMessage()
        head = _HEAD.match(message)
        name = _row_name(head["name"]) if head is not None else ""
        if head is not None and head["kind"] == "job":
            record = self._plainer(name, head["rest"], record)
        if record.levelno >= logging.ERROR:
            self.last_error = record.getMessage()
        self._echo(record)
        if head is None or head["kind"] == "workflow":
            return
        self._status(head["kind"], name, head["rest"])
        if self.progress is not None:
            done = sum(1 for row in self.jobs.values() if row.ended is not None)
            running = [row.name for row in self.jobs.values() if row.status == RUNNING]
            self.progress.update(f"{done} done, running: {', '.join(running[-3:]) or '-'}")

    def _echo(self, record: logging.LogRecord) -> None:
        if self.echo is not None and record.levelno >= self.echo.level:
            self.echo.handle(record)

    def _plainer(self, name: str, rest: str, record: logging.LogRecord) -> logging.LogRecord:
        """Say cwltool's glob error for a script that exited 0 as the script's own failure to write an output."""
        missing = _NO_OUTPUT.search(rest)
        row = self.jobs.get(name)
        if missing is None or (row is not None and row.script_failed):
            return record
        try:
            globs = [str(item) for item in ast.literal_eval(missing["globs"])]
        except (ValueError, SyntaxError):
            globs = [missing["globs"]]
        where = " or ".join(globs)
        relative = "" if all(glob.startswith("/") for glob in globs) else " in its working directory"
        text = (f"[job {name}] the script succeeded but did not write {missing['param']} "
                f"(expected at {where}{relative})")
        return logging.makeLogRecord({**record.__dict__, "msg": text, "args": None})

    def _status(self, kind: str, name: str, rest: str) -> None:
        completed = _COMPLETED.match(rest)
        if kind == "step":
            if rest.startswith("start"):
                self.running_steps.append(name)
            elif completed and name in self.running_steps:
                self.running_steps.remove(name)
            if not completed or completed["status"] in ("success", "skipped"):
                return
            row = self.jobs.get(name)
            if row is not None and row.status not in _NOT_FAILED:
                return
            # a step that failed before any of its jobs ran (e.g. a bad valueFrom), or after its job
            # succeeded (e.g. on its outputs): the step's status is the one to show
        row = self.jobs.setdefault(name, JobRow(name, time.monotonic()))
        if kind == "job" and row.status == WAITING and _STARTED.match(rest):
            row.started, row.status, row.ran = time.monotonic(), RUNNING, True
        if kind == "job" and _EXITED.match(rest):
            row.script_failed = True
            code = _EXIT_CODE.match(rest)
            row.exit_code = int(code["code"]) if code else None
        memory = _MEMORY.match(rest) if kind == "job" else None
        if memory is not None:
            row.peak_mib = int(memory["mib"])
        if kind == "job" and _CACHED.match(rest):
            row.ended, row.status = time.monotonic(), CACHED
        if completed:
            row.ended, row.status = row.ended or time.monotonic(), completed["status"]

    def _outputs(self, name: str, text: str) -> None:
        row = self.jobs.get(name)
        if row is None:
            return
        try:
            outputs = json.loads(text)
        except json.JSONDecodeError:
            return
        for size in _file_sizes(outputs):
            row.output_files += 1
            row.output_bytes += size


def job_records(watcher: StepWatcher) -> tuple[JobRecord, ...]:
    """The watcher's jobs for the run report, with wall-clock times and what cwltool measured."""
    offset = time.time() - time.monotonic()
    records = []
    for row in watcher.jobs.values():
        exit_code = row.exit_code if row.exit_code is not None else 0 if row.status == "success" and row.ran else None
        peak = row.peak_mib or None  # 0 MiB: docker stats gave no sample of the running container
        if not row.ran:
            memory_note = "the job did not start"
        elif row.peak_mib is None:
            memory_note = "not measured: cwltool samples memory only of containers running longer than 1 s"
        else:
            memory_note = "not measured: no sample while the container ran" if peak is None else ""
        records.append(JobRecord(
            name=row.name, status=row.final_status,
            started=row.started + offset if row.ran else None,
            ended=row.ended + offset if row.ran and row.ended is not None else None,
            exit_code=exit_code, peak_memory=None if peak is None else peak * 2**20,
            cpu_note="not measured by cwltool" if row.ran else "the job did not start",
            memory_note=memory_note, log_tail=row.log_tail if row.final_status not in _NOT_FAILED else ()))
    return tuple(records)


def _file_sizes(value: Any) -> Iterator[int]:
    """Sizes of every File in a CWL output object (Directories through their listing)."""
    if isinstance(value, list):
        for item in value:
            yield from _file_sizes(item)
    elif isinstance(value, dict):
        if value.get("class") == "File":
            yield int(value.get("size", 0))
        else:
            for item in value.values():
                yield from _file_sizes(item)


def format_summary(rows: list[JobRow]) -> str:
    """A plain-text table: step, status, wall time, outputs (count and total size)."""
    header = ("step", "status", "wall time", "outputs")
    lines = [
        (
            row.name,
            row.final_status,
            "-" if row.seconds is None else f"{row.seconds:.1f} s",
            "-" if not row.output_files else f"{row.output_files} file(s), {human_size(row.output_bytes)}",
        )
        for row in rows
    ]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()
                     for cells in [header, *lines])


def write_summary(watcher: StepWatcher, stream: TextIO) -> None:
    """Write the summary table of ``watcher``'s jobs to ``stream``."""
    if watcher.jobs:
        stream.write(format_summary(list(watcher.jobs.values())) + "\n")


def failure_note(watcher: StepWatcher) -> str:
    """Why a failed run failed, for the line after the table: the failed steps, or the last error."""
    if watcher.failed:
        return f"failed step(s): {', '.join(dict.fromkeys(watcher.failed))}"
    said = " ".join(watcher.last_error.split()).removeprefix(_CWLTOOL_HINT).strip() or "see the log above"
    return f"the run failed outside its steps: {said[:300]}"


def _row_name(job_name: str) -> str:
    """The name of a job's row: cwltool's job name without the ``.cwl`` of a tool's file name."""
    return _FILE_SUFFIX.sub("", job_name)
