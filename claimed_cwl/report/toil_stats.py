"""Toil's per-job ``--stats`` records as report jobs.

Each record of a ``CWLJob`` (a tool run; Toil's own bookkeeping jobs are left
out) gives the start, the wall time and whether it succeeded. Toil also
records CPU time and memory, but of its worker process and the children it
waits for (the ``docker run`` client), not of the container, so the report
does not show them as the job's figures. The last log lines of a failed job
come from the leader's log, where Toil copies the failed worker's log.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

from claimed_cwl.report.model import JobRecord

__all__ = ["FailedJobLogs", "step_name", "toil_job_records"]

_FAILED = re.compile(r"Job failed with exit value -?\d+: 'CWLJob' (?P<name>\S+) (?P<instance>kind-CWLJob/\S+)")
_FOLLOWS = re.compile(r'Log from job "(?P<instance>[^"]+)" follows:')
_COMMAND_OUTPUT = "Failed command standard error:"
_LOG_LINE = re.compile(r"^\[\d{4}-\d\d-\d\dT")  # Toil's log format: a worker's own lines, not the tool's
_NOT_THE_CONTAINER = "not measured: Toil measures its worker process, not the container"


def _number(value: object) -> float | None:
    try:
        return float(str(value))
    except ValueError:
        return None


def step_name(display: str, steps: Iterable[str]) -> str:
    """The step a Toil job name (``wf.cwl.step.tool.cwl``: workflow, step, tool) runs: the longest step id in it."""
    for step in sorted(steps, key=len, reverse=True):
        if f".{step}." in f".{display}.":
            return step
    return display


def toil_job_records(stats: Iterable[Mapping[str, str]], steps: Iterable[str] = (),
                     tails: Mapping[str, list[str]] | None = None) -> tuple[JobRecord, ...]:
    """The tool runs among Toil's job records, in order of start; repeated step names numbered as cwltool does.

    ``steps`` are the workflow's step ids; ``tails`` the last log lines of failed jobs by Toil job name
    (:class:`FailedJobLogs`), given to the failed records of that job.
    """
    steps = tuple(steps)
    tails = dict(tails or {})
    runs = []
    for item in stats:
        kind, _, display = str(item.get("class_name", "")).partition(" ")
        name = step_name(display, steps) if kind == "CWLJob" and display else None
        start, seconds = _number(item.get("start")), _number(item.get("time"))
        if name is None or start is None:
            continue
        runs.append((start, seconds, name, str(item.get("succeeded")) == "True", display))
    seen: Counter[str] = Counter()
    records = []
    for start, seconds, name, succeeded, display in sorted(runs):
        seen[name] += 1
        records.append(JobRecord(
            name=name if seen[name] == 1 else f"{name}_{seen[name]}",
            status="success" if succeeded else "permanentFail", started=start,
            ended=None if seconds is None else start + seconds, exit_code=0 if succeeded else None,
            cpu_note=_NOT_THE_CONTAINER, memory_note=_NOT_THE_CONTAINER,
            log_tail=() if succeeded else tuple(tails.get(display, ()))))
    return tuple(records)


def _command_output(lines: list[str]) -> list[str]:
    """The tool's own output in a worker's log (after ``Failed command standard error:``), else every line."""
    start = next((i + 1 for i, line in enumerate(lines) if line.endswith(_COMMAND_OUTPUT)), None)
    if start is None:
        return lines
    end = next((i for i in range(start, len(lines)) if _LOG_LINE.match(lines[i])), len(lines))
    output = lines[start:end]
    while output and not output[-1].strip():
        output.pop()
    return output


class FailedJobLogs:
    """Reads the Toil leader's log line by line and keeps the last lines of each failed job's log.

    The leader says ``Job failed with exit value N: 'CWLJob' NAME kind-CWLJob/instance-ID``, then
    ``Log from job "kind-CWLJob/instance-ID" follows:`` and the worker's log between ``=========>`` and
    ``<=========``, each line indented by a tab.
    """

    def __init__(self, keep: int = 40) -> None:
        self.keep = keep
        self.tails: dict[str, list[str]] = {}
        self._names: dict[str, str] = {}
        self._current: str | None = None
        self._lines: list[str] = []

    def feed(self, line: str) -> None:
        """Take one line of the leader's standard error."""
        failed = _FAILED.search(line)
        if failed is not None:
            self._names[failed["instance"]] = failed["name"]
            return
        follows = _FOLLOWS.search(line)
        if follows is not None:
            self._current, self._lines = follows["instance"], []
            return
        if self._current is None:
            return
        if line.startswith("<========="):
            name = self._names.get(self._current, self._current)
            self.tails[name] = _command_output(self._lines)[-self.keep:]
            self._current = None
        elif line.startswith("\t"):
            self._lines.append(line[1:].rstrip("\n"))
