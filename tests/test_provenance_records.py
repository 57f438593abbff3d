"""The job records that provenance is written from: cwltool's log records, Toil's worker logs, the leader filter."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from claimed_cwl.provenance import JobRecorder
from claimed_cwl.provenance.record import records_from_logs
from claimed_cwl.provenance.toil_logs import LevelFilter

TOOL = "file:///w/wf.cwl#shout.cwl"


def _log(logger: logging.Logger, job: str, step: str) -> None:
    logger.debug("[job %s] initializing from %s%s", job, TOOL, f" as part of step {step}")
    logger.debug("[job %s] %s", job, '{\n    "input_file": {"class": "File", "checksum": "sha1$aa"}\n}')
    logger.info("[job %s] %s$ %s%s%s%s", job, "/tmp/x", "docker", " \\\n", "    run", "")
    logger.info("[job %s] completed %s", job, "success")
    logger.debug("[job %s] outputs %s", job, '{"output_file": {"class": "File", "checksum": "sha1$bb"}}')


def test_recorder_keeps_one_record_per_job_from_parallel_threads() -> None:
    logger = logging.getLogger("test-provenance-records")
    logger.setLevel(logging.DEBUG)
    recorder = JobRecorder()
    recorder.setLevel(logging.WARNING)  # as cwltool does to its handlers: the recorder stays at DEBUG
    logger.addHandler(recorder)
    try:
        threads = [threading.Thread(target=_log, args=(logger, f"shout_{n}", "shout")) for n in range(2, 12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        logger.info("[step %s] start", "collect")
        logger.info("[step %s] completed %s", "collect", "success")
    finally:
        logger.removeHandler(recorder)
    records = recorder.steps()
    jobs = [r for r in records if r.tool]
    assert sorted(r.name for r in jobs) == sorted(f"shout_{n}" for n in range(2, 12))
    for record in jobs:
        assert (record.tool, record.step, record.status) == (TOOL, "shout", "success")
        assert record.started is not None and record.ended is not None and record.started <= record.ended
        assert record.inputs["input_file"]["checksum"] == "sha1$aa"
        assert record.outputs["output_file"]["checksum"] == "sha1$bb"
    # a step that ran no tool job (an ExpressionTool) is recorded from its own events
    (collect,) = [r for r in records if not r.tool]
    assert (collect.name, collect.status) == ("collect", "success")


TOIL_LOG = """\
[2026-12-02T00:46:00+0000] [MainThread] [I] [toil.worker] Working on job 'CWLJob' wf.cwl.0.shout.cwl kind-CWLJob/i v1
[2026-12-02T00:46:01+0000] [MainThread] [D] [cwltool] [job wf.cwl.0.shout.cwl] initializing from file:///w/wf.cwl#shout.cwl
[2026-12-02T00:46:01+0000] [MainThread] [D] [cwltool] [job wf.cwl.0.shout.cwl] {
    "text": "a"
}
[2026-12-02T00:46:01+0000] [MainThread] [D] [toil.cwl.cwltoil] Initial work dir: {}
[2026-12-02T00:46:01+0000] [MainThread] [I] [cwltool] [job wf.cwl.0.shout.cwl] /tmp/x$ docker \\
    run img
[2026-12-02T00:46:03+0000] [MainThread] [I] [cwltool] [job wf.cwl.0.shout.cwl] completed success
[2026-12-02T00:46:03+0000] [MainThread] [D] [cwltool] [job wf.cwl.0.shout.cwl] outputs {
    "out": {"class": "File", "checksum": "sha1$cc"}
}
[2026-12-02T00:46:03+0000] [M] [I] [toil.worker] Completed body for 'CWLJob' wf.cwl.0.shout.cwl kind-CWLJob/i v3
[2026-12-02T00:46:04+0000] [MainThread] [I] [toil.worker] Working on job 'CWLJob' wf.cwl.collect.collect-files.cwl k v1
[2026-12-02T00:46:05+0000] [M] [I] [toil.worker] Completed body for 'CWLJob' wf.cwl.collect.collect-files.cwl k v3
"""


def test_toil_worker_logs(tmp_path: Path) -> None:
    # Toil writes a chained job's log under each job's name, and the worker's stdout beside it
    for name in ("CWLJob_a_000.log", "CWLJob_b_000.log"):
        (tmp_path / name).write_text(TOIL_LOG)
    (tmp_path / "a.stdout_000.log").write_text("[job wf.cwl.0.shout.cwl] completed permanentFail\n")
    shout, collect = records_from_logs(tmp_path)
    assert (shout.name, shout.tool, shout.status) == ("wf.cwl.0.shout.cwl", "file:///w/wf.cwl#shout.cwl", "success")
    assert shout.inputs == {"text": "a"} and shout.outputs["out"]["checksum"] == "sha1$cc"
    assert shout.started is not None and shout.started.isoformat() == "2026-12-02T00:46:00+00:00"
    assert shout.ended is not None and shout.ended.isoformat() == "2026-12-02T00:46:03+00:00"
    assert (collect.name, collect.tool, collect.status) == ("wf.cwl.collect.collect-files.cwl", "", "success")


def test_leader_filter_keeps_the_asked_level_and_its_continuation_lines() -> None:
    shown = LevelFilter("I")
    lines = ["[t] [M] [D] [toil] debug\n", "  more debug\n", "[t] [M] [I] [toil] info\n", "  more info\n",
             "[t] [M] [W] [toil] warning\n"]
    assert [line for line in lines if shown.shown(line)] == lines[2:]


def test_provenance_directory_must_be_new_or_empty(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    from claimed_cwl.cli import main

    tool = tmp_path / "t.cwl"
    tool.write_text("cwlVersion: v1.2\nclass: CommandLineTool\nbaseCommand: [echo]\ninputs: []\noutputs: []\n")
    crate = tmp_path / "prov"
    crate.mkdir()
    (crate / "earlier.txt").write_text("kept\n")
    assert main(["run", f"--provenance={crate}", str(tool)]) != 0
    assert "exists and is not an empty directory; give a new one" in capfd.readouterr().err
    assert sorted(p.name for p in crate.iterdir()) == ["earlier.txt"]
