"""One record per job of a run, from cwltool's job events (its ``cwltool`` logger).

cwltool logs, for every job: ``[job NAME] initializing from TOOL as part of
step STEP`` and ``[job NAME] {job order}`` (DEBUG), ``[job NAME] DIR$
COMMAND`` when its container starts, ``[job NAME] completed STATUS`` and
``[job NAME] outputs {...}`` (DEBUG). :class:`JobRecorder` is a logging
handler on that logger (in-process cwltool runs, parallel or not: it is
thread-safe); :func:`records_from_log` reads the same events from log files
(Toil's worker logs), with their timestamps.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["JobRecorder", "StepRecord", "records_from_log", "records_from_logs"]

_INIT = re.compile(r"^initializing from (?P<tool>\S+?)(?: as part of step (?P<step>\S+))?$")
_STARTED = re.compile(r"^\S*\$ ")
_COMPLETED = re.compile(r"^completed (?P<status>\w+)$")
_CACHED = re.compile(r"^Using cached output in ")
_HEAD = re.compile(r"\[(?P<kind>job|step) (?P<name>[^\]]+)\] ?(?P<rest>.*)$", re.DOTALL)


@dataclass
class StepRecord:
    """One job: its name, the tool it ran, the workflow step it belongs to, when, with what, giving what."""

    name: str
    tool: str = ""
    step: str = ""
    started: datetime | None = None
    ended: datetime | None = None
    status: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)


class _Records:
    """Job name -> record, fed one event at a time; and the steps' own start and end."""

    def __init__(self) -> None:
        self.jobs: dict[str, StepRecord] = {}
        self.steps: dict[str, StepRecord] = {}
        self.current: dict[str, str] = {}  # job name -> key of its latest record

    def step_event(self, name: str, rest: str, when: datetime) -> None:
        record = self.steps.setdefault(name, StepRecord(name, step=name))
        completed = _COMPLETED.match(rest)
        if rest.startswith("start"):
            record.started = when
        elif completed:
            record.ended, record.status = when, completed["status"]

    def records(self) -> tuple[StepRecord, ...]:
        """Every job that ran a tool, then every step that ran no such job (an ExpressionTool's)."""
        jobs = [r for r in self.jobs.values() if r.tool or r.status]
        covered = {r.step for r in jobs} | {r.name for r in jobs}
        return (*jobs, *(r for name, r in self.steps.items() if name not in covered and r.status))

    def event(self, name: str, rest: str, when: datetime) -> None:
        init = _INIT.match(rest)
        key = self.current.get(name, name)
        if init and key in self.jobs and self.jobs[key].status:  # the same name again (Toil's scatter jobs)
            key = f"{name}#{sum(1 for k in self.jobs if k.split('#')[0] == name) + 1}"
        self.current[name] = key
        record = self.jobs.setdefault(key, StepRecord(name))
        completed = _COMPLETED.match(rest)
        if init:
            record.tool, record.step = init["tool"], init["step"] or ""
        elif _STARTED.match(rest) and record.started is None:
            record.started = when
        elif _CACHED.match(rest):
            record.started = record.started or when
            record.ended, record.status = when, "cached"
        elif completed:
            record.ended, record.status = when, completed["status"]
            record.started = record.started or when
        elif rest.startswith("outputs "):
            record.outputs = _json(rest[len("outputs "):])
        elif rest.startswith("{") and not record.inputs:
            record.inputs = _json(rest)


def _json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


class JobRecorder(logging.Handler):
    """A handler for cwltool's logger that keeps a :class:`StepRecord` per job (at DEBUG, whatever is echoed)."""

    def __init__(self) -> None:
        """Record every level: the job order and outputs come at DEBUG."""
        super().__init__(logging.DEBUG)
        self._records = _Records()
        self._guard = threading.Lock()

    def setLevel(self, level: int | str) -> None:
        """Stay at DEBUG (cwltool sets its handlers' level from --quiet/--debug)."""
        super().setLevel(logging.DEBUG)

    def emit(self, record: logging.LogRecord) -> None:
        """Take one log record; those of no job are ignored."""
        head = _HEAD.match(record.getMessage())
        if head is None:
            return
        with self._guard:
            _feed(self._records, head, datetime.fromtimestamp(record.created, UTC))

    def steps(self) -> tuple[StepRecord, ...]:
        """The records of the jobs (and of steps without a job), in the order they were first seen."""
        with self._guard:
            return self._records.records()


def _feed(records: _Records, head: re.Match[str], when: datetime) -> None:
    if head["kind"] == "job":
        records.event(head["name"], head["rest"], when)
    else:
        records.step_event(head["name"], head["rest"], when)


_TOIL_LINE = re.compile(r"^\[(?P<when>\d{4}-\d\d-\d\dT[\d:.]+[+-]\d{4})\] \[[^\]]*\] \[\w\] \[(?P<logger>[\w.]+)\] "
                        r"(?P<msg>.*)$")


_TOIL_JOB = re.compile(r"^(?P<what>Working on job|Completed body for) 'CWLJob' (?P<name>\S+) ")


def records_from_log(lines: Iterable[str]) -> tuple[StepRecord, ...]:
    """The job records in log lines of Toil's format (``[2026-12-02T00:43:01+0000] [Thread] [I] [cwltool] ...``)."""
    records = _Records()
    current: tuple[datetime, str] | None = None
    pending: list[str] = []

    def flush() -> None:
        if current is not None:
            head = _HEAD.match("\n".join([current[1], *pending]))
            if head is not None:
                _feed(records, head, current[0])

    for line in lines:
        match = _TOIL_LINE.match(line.rstrip("\n"))
        if match is None:
            if current is not None:
                pending.append(line.rstrip("\n"))
            continue
        flush()
        when = datetime.strptime(match["when"], "%Y-%m-%dT%H:%M:%S%z")
        current, pending = ((when, match["msg"]) if match["logger"] == "cwltool" else None), []
        worker = _TOIL_JOB.match(match["msg"]) if match["logger"] == "toil.worker" else None
        if worker is not None:  # a job's body, also of jobs cwltool logs nothing for (an ExpressionTool's)
            records.event(worker["name"], "$ " if worker["what"] == "Working on job" else "completed success", when)
    flush()
    return records.records()


def records_from_logs(directory: Path) -> tuple[StepRecord, ...]:
    """The job records of every log file in ``directory`` (Toil's ``--writeLogs``), ordered by start."""
    found: list[StepRecord] = []
    for path in sorted(directory.glob("*.log")) if directory.is_dir() else ():
        if ".stdout_" in path.name:  # what the worker printed besides its log
            continue
        with path.open(encoding="utf-8", errors="replace") as lines:
            found.extend(records_from_log(lines))
    unique = {(r.name, r.tool, r.started, json.dumps(r.inputs, sort_keys=True, default=str)): r for r in found}
    earliest = datetime.max.replace(tzinfo=UTC)  # Toil writes a chained job's log under each job's name
    return tuple(sorted(unique.values(), key=lambda r: r.started or earliest))
