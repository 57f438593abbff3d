"""What a run shows while it lasts and leaves behind: the live display and the self-contained HTML run report.

:func:`~claimed_cwl.report.monitor.run_monitor` gathers a run's inputs, secrets
and grid before it starts; the runner shows its
:class:`~claimed_cwl.report.live.LiveDisplay` and hands over its jobs;
:func:`~claimed_cwl.report.collect.write_report` writes the report (see docs/report.md).
"""

from claimed_cwl.report.collect import write_report
from claimed_cwl.report.live import LiveDisplay
from claimed_cwl.report.model import BatchRecord, GridRecord, JobRecord, OutputFile, RunRecord
from claimed_cwl.report.monitor import RunMonitor, run_monitor

__all__ = [
    "BatchRecord",
    "GridRecord",
    "JobRecord",
    "LiveDisplay",
    "OutputFile",
    "RunMonitor",
    "RunRecord",
    "run_monitor",
    "write_report",
]
