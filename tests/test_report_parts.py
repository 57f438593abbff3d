"""The run report's parts without a container: masking, the HTML, Toil's records, the grid's batches, cwltool's log.

The end-to-end runs (real Docker, cwltool and Toil, a real browser) are in tests/test_run_report.py.
"""

from __future__ import annotations

import json
import logging
import re
import time
from pathlib import Path

import pytest

from claimed_cwl.cli import main
from claimed_cwl.cwl_secrets import SecretInputs
from claimed_cwl.report.collect import masked_inputs, output_files, write_report
from claimed_cwl.report.grid import GridSource, grid_source
from claimed_cwl.report.model import BatchRecord, GridRecord, JobRecord, RunRecord
from claimed_cwl.report.toil_stats import FailedJobLogs, step_name, toil_job_records
from claimed_cwl.runners.step_log import StepWatcher, job_records
from claimed_cwl.runtime.grid.coordinator import Coordinator
from claimed_cwl.runtime.grid.local_store import LocalStore

SECRET = "hunter2-secret-token"


def _record(**changes: object) -> RunRecord:
    now = time.time()
    base = RunRecord(document="wf.cwl", backend="cwltool", code=1, started=now - 5, ended=now,
                     jobs=(JobRecord("a", "success", now - 4, now - 3, 0, 2**20),
                           JobRecord("b", "permanentFail", now - 3, now - 1, 2,
                                     log_tail=(f"token {SECRET}", "</script><script>alert(1)</script>"))),
                     inputs={"token": SECRET, "n": 3})
    return RunRecord(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def test_report_masks_every_secret_and_is_self_contained(tmp_path: Path) -> None:
    record = _record(inputs=masked_inputs({"token": SECRET, "n": 3}, SecretInputs(values=frozenset({"token"})),
                                          (SECRET,)),
                     grid=GridRecord("/coord", (BatchRecord("x", "failed", error=f"ValueError: {SECRET}"),)))
    path = write_report(tmp_path / "r.html", record, (SECRET,))
    text = path.read_text()
    assert SECRET not in text
    assert "token ********" in text  # the log tail, masked
    assert "<script>alert(1)</script>" not in text  # log lines are text, not markup
    page = re.sub(r"<script>.*?</script>", "", text, count=1, flags=re.S)  # plotly.js's own code (its strings)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "the report links to something outside"
    assert text.count("<script") == 3  # plotly, the data, the drawing code: all inline
    assert "Plotly.newPlot('timeline'" in text


def test_masked_inputs_hide_secret_files_and_values() -> None:
    secrets = SecretInputs(values=frozenset({"password"}), paths=frozenset({"key_file"}))
    shown = masked_inputs({"password": "pw-1234", "key_file": {"class": "File", "location": "file:///k"},
                           "note": "uses pw-1234"}, secrets, ("pw-1234",))
    assert shown == {"password": "********", "key_file": "********", "note": "uses ********"}


def test_output_files_have_size_and_checksum(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.txt").write_text("abc")
    (tmp_path / "y.txt").write_text("hello")
    found = output_files({"dir": {"class": "Directory", "location": (tmp_path / "d").as_uri()},
                          "file": {"class": "File", "path": str(tmp_path / "y.txt"), "checksum": "sha1$x", "size": 5}})
    assert [(f.output, Path(f.path).name, f.size) for f in found] == [("dir", "x.txt", 3), ("file", "y.txt", 5)]
    assert found[0].checksum == "sha256$ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert found[1].checksum == "sha1$x"


TOIL_LOG = """\
[2026-12-02T00:28:01+0000] [MainThread] [W] [toil.leader] Job failed with exit value 1: \
'CWLJob' wf.cwl.broken.step.cwl kind-CWLJob/instance-96nu v1
[2026-12-02T00:28:01+0000] [MainThread] [W] [toil.leader] Log from job "kind-CWLJob/instance-96nu" follows:
=========>
\t[2026-12-02T00:27:59+0000] [MainThread] [W] [cwltool] [job wf.cwl.broken.step.cwl] exited with status: 3
\t[2026-12-02T00:28:00+0000] [MainThread] [E] [toil.cwl.cwltoil] Failed command standard error:
\tline one
\tline two
\t
\t[2026-12-02T00:28:00+0000] [MainThread] [C] [toil.worker] Worker crashed with traceback:
<=========
"""


def test_toil_failed_job_log_and_records() -> None:
    logs = FailedJobLogs()
    for line in TOIL_LOG.splitlines(keepends=True):
        logs.feed(line)
    assert logs.tails == {"wf.cwl.broken.step.cwl": ["line one", "line two"]}
    stats = [{"class_name": "CWLWorkflow wf.cwl", "start": "10", "time": "9", "succeeded": "True"},
             {"class_name": "CWLJob wf.cwl.broken.step.cwl", "start": "12", "time": "1.5", "succeeded": "False"},
             {"class_name": "CWLJob wf.cwl.first.step.cwl", "start": "11", "time": "0.5", "succeeded": "True"},
             {"class_name": "CWLJob wf.cwl.broken.step.cwl", "start": "14", "time": "1", "succeeded": "False"}]
    records = toil_job_records(stats, ("first", "broken"), logs.tails)
    assert [(r.name, r.status, r.started, r.seconds) for r in records] == [
        ("first", "success", 11.0, 0.5), ("broken", "permanentFail", 12.0, 1.5), ("broken_2", "permanentFail", 14.0, 1)]
    assert records[1].log_tail == ("line one", "line two") and records[0].log_tail == ()
    assert records[0].peak_memory is None and "worker process" in records[0].memory_note
    assert step_name("quickstart.generate-data.generate-data", ("generate-data", "plot")) == "generate-data"


def _log(message: str, *args: object, level: int = logging.INFO, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("cwltool", level, __file__, 0, message, args, None)
    record.__dict__.update(extra)
    return record


def test_cwltool_jobs_carry_exit_status_memory_and_log_tail() -> None:
    watcher = StepWatcher()
    watcher.emit(_log("[job %s] initializing", "a", level=logging.DEBUG))
    watcher.emit(_log("[job %s] %s$ %s%s%s%s", "a", "/out", "docker run x", "", "", ""))
    watcher.emit(_log("[job %s] Max memory used: %iMiB", "a", 12))
    watcher.emit(_log("[job %s] exited with status: %d", "a", 3, level=logging.WARNING))
    watcher.emit(_log("[job %s] log tail", "a", level=logging.DEBUG, claimed_log_tail=["last words"]))
    watcher.emit(_log("[job %s] completed %s", "a", "permanentFail", level=logging.WARNING))
    watcher.emit(_log("[job %s] initializing", "b", level=logging.DEBUG))
    a, b = job_records(watcher)
    assert (a.status, a.exit_code, a.peak_memory, a.log_tail) == ("permanentFail", 3, 12 * 2**20, ("last words",))
    assert a.started is not None and a.ended is not None and a.started <= a.ended <= time.time()
    assert (b.status, b.started, b.exit_code) == ("not started", None, None)


def test_grid_batches_from_the_coordinator(tmp_path: Path) -> None:
    coord = tmp_path / "coord"
    coord.mkdir()
    (tmp_path / "batches.txt").write_text("x,y,z,w\n")
    values = {"gw_coordinator": {"class": "Directory", "location": coord.as_uri()},
              "gw_batch_file": {"class": "File", "path": str(tmp_path / "batches.txt")}}
    coordinator = Coordinator(LocalStore(coord), 60)
    _, lease = coordinator.try_claim("w")
    assert lease is not None and coordinator.mark_done(lease)  # done before the run: skipped
    source = grid_source({"gw_coordinator", "gw_batch_file"}, values)
    assert isinstance(source, GridSource) and source.batches == ["x", "y", "z", "w"]
    for batch in ("x", "y"):
        _, lease = coordinator.try_claim(batch)
        assert lease is not None
        time.sleep(0.05)
        coordinator.mark_done(lease) if batch == "x" else coordinator.mark_failed(lease, ValueError("bad y"))
    progress = source.progress()
    assert (progress.total, progress.done, progress.failed, progress.remaining) == (4, 2, 1, 1)
    assert progress.eta is not None and progress.eta > 0
    record = source.record()
    assert record.counts() == {"total": 4, "processed": 1, "failed": 1, "skipped": 1, "pending": 1}
    rows = {row.batch: row for row in record.batches}
    assert rows["x"].seconds is not None and rows["x"].seconds >= 0.05
    assert rows["y"].seconds is not None and rows["y"].seconds >= 0.05  # from its claim, kept in the marker
    assert rows["x"].ended is not None and rows["y"].started is not None and rows["x"].ended <= rows["y"].started
    assert "bad y" in rows["y"].error and rows["z"].state == "pending"
    store = LocalStore(coord)
    for batch, kind in (("x", "processed"), ("y", "err")):  # markers as an older grid runtime wrote them
        marker = json.loads(store.read_marker(batch, kind) or b"{}")
        del marker["started"]
        store.write_marker(batch, kind, json.dumps(marker).encode(), exclusive=False)
    rows = {row.batch: row for row in source.record().batches}
    assert rows["y"].started == rows["x"].ended  # the same worker's next batch starts when its last one ended
    assert grid_source({"seed"}, {}) is None


def test_report_path_is_checked_before_anything_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tool = tmp_path / "t.cwl"
    tool.write_text(json.dumps({"cwlVersion": "v1.2", "class": "CommandLineTool", "baseCommand": "true",
                                "inputs": [], "outputs": []}))
    assert main(["run", "--report", str(tmp_path / "no" / "r.html"), str(tool)]) != 0
    assert f"no directory {tmp_path / 'no'}" in capsys.readouterr().err
    assert main(["run", "--report", str(tmp_path), str(tool)]) != 0
    assert "is a directory" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", "--progress-seconds", "0", str(tool)])
    assert "above 0" in capsys.readouterr().err
