"""The step table reads cwltool's log: records as cwltool 3.3 writes them (copied from real runs)."""

from __future__ import annotations

import logging

from claimed_cwl.runners.step_log import StepWatcher, failure_note, format_summary


def _feed(watcher: StepWatcher, *messages: tuple[int, str]) -> None:
    for level, text in messages:
        watcher.handle(logging.LogRecord("cwltool", level, __file__, 0, text, None, None))


def test_a_job_that_never_started_is_not_shown_running() -> None:
    """Before: 'running' for a job cwltool only initialised (here: its image could not be pulled)."""
    watcher = StepWatcher()
    _feed(watcher,
          (logging.DEBUG, "[job word-count] initializing from file:///tmp/nb.cwl#word-count"),
          (logging.INFO, "['docker', 'pull', 'localhost/cli/claimed-never-built:exp']"),
          (logging.ERROR, "Workflow or tool uses unsupported feature:\nDocker is required to run this tool"))
    row = watcher.jobs["word-count"]
    assert row.final_status == "not started"
    assert "word-count" not in watcher.failed
    assert "not started" in format_summary([row])
    assert failure_note(watcher) == ("the run failed outside its steps: Workflow or tool uses unsupported feature: "
                                     "Docker is required to run this tool")


def test_a_started_job_that_never_ended_is_unfinished() -> None:
    watcher = StepWatcher()
    _feed(watcher,
          (logging.DEBUG, "[job slow] initializing from file:///tmp/wf.cwl#slow"),
          (logging.INFO, "[job slow] /tmp/abc$ docker \\\n    run \\\n    image"))
    assert watcher.jobs["slow"].status == "running"
    assert watcher.jobs["slow"].final_status == "unfinished"


def test_a_step_that_fails_after_its_job_succeeded_is_not_success() -> None:
    """Before: the job's 'completed success' stayed in the table although the step failed on its outputs."""
    watcher = StepWatcher()
    _feed(watcher,
          (logging.INFO, "[step s1] start"),
          (logging.INFO, "[job s1] /tmp/abc$ docker \\\n    run"),
          (logging.INFO, "[job s1] completed success"),
          (logging.ERROR, "[step s1] Output is missing expected field file:///tmp/wf.cwl#s1/n"),
          (logging.WARNING, "[step s1] completed permanentFail"))
    assert watcher.jobs["s1"].status == "permanentFail"
    assert watcher.failed == ["s1"]
    assert failure_note(watcher) == "failed step(s): s1"


def test_skipped_steps_are_no_failure() -> None:
    watcher = StepWatcher()
    _feed(watcher,
          (logging.INFO, "[step maybe] start"),
          (logging.INFO, "[job maybe] completed skipped"),
          (logging.INFO, "[step maybe] completed skipped"))
    assert watcher.failed == []
    assert watcher.jobs["maybe"].final_status == "skipped"


def test_a_missing_output_after_exit_0_is_said_plainly() -> None:
    shown: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            shown.append(record.getMessage())

    watcher = StepWatcher(echo=Collect())
    _feed(watcher,
          (logging.INFO, "[job no-output] /tmp/zk$ docker \\\n    run"),
          (logging.ERROR, "[job no-output] Job error:\nError collecting output for parameter 'output_result': "
                          "no/no-output.cwl:26:7: Did not find output file with glob pattern: ['result.txt']."),
          (logging.WARNING, "[job no-output] completed permanentFail"))
    assert shown[1] == ("[job no-output] the script succeeded but did not write output_result (expected at "
                        "result.txt in its working directory)")
    failed_script = StepWatcher(echo=Collect())
    shown.clear()
    _feed(failed_script,
          (logging.INFO, "[job x] /tmp/zk$ docker \\\n    run"),
          (logging.WARNING, "[job x] exited with status: 1"),
          (logging.ERROR, "[job x] Job error:\nError collecting output for parameter 'out': "
                          "x.cwl:26:7: Did not find output file with glob pattern: ['out.txt']."))
    assert "Did not find output file" in shown[-1]  # the script failed: its own error explains the rest
