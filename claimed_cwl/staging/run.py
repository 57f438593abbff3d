"""A run with stage-in of ``s3://`` inputs before it, and its outputs delivered (and published) only on success.

The runner writes into a staging directory inside ``--outdir``
(:mod:`claimed_cwl.staging.deliver`); the output object it returns (cwltool's
executor's, Toil's export) is rewritten to the delivered paths, printed after
the run and published from.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from claimed_cwl.errors import ClaimedError
from claimed_cwl.provenance.run import record_run
from claimed_cwl.runners.base import RunOptions, RunResult, run_document
from claimed_cwl.runners.private import private_dir
from claimed_cwl.staging.deliver import deliver_outputs, staged_outdir
from claimed_cwl.staging.publish import MANIFEST_NAME, RetryPolicy, publish_outputs
from claimed_cwl.staging.s3 import parse_s3_url, s3_client
from claimed_cwl.staging.stage_in import stage_job_file

__all__ = ["run_staged"]


def _staged_options(document: Path, options: RunOptions, scratch: Path, endpoint: str | None,
                    region: str | None) -> RunOptions:
    if not options.inputs and (options.job is None or "s3://" not in options.job.read_text(encoding="utf-8")):
        return options  # nothing to merge or stage: the job file goes to the backend untouched
    from claimed_cwl.runners.job_inputs import merge_job  # noqa: PLC0415

    job = merge_job(document, options.job, options.inputs, scratch)
    staged = stage_job_file(job, s3_client(endpoint, region), scratch) if "s3://" in job.read_text() else job
    return replace(options, job=staged, inputs=())


def _write_report(path: Path | None, result: RunResult, outputs: dict[str, Any] | None) -> None:
    if path is None or result.monitor is None:
        return
    from claimed_cwl.report.collect import write_report  # noqa: PLC0415

    write_report(path, result.monitor.record(result.code, outputs, result.mask), result.mask)
    print(f"claimed-cwl: run report written to {path}", file=sys.stderr)


def run_staged(
    document: Path,
    options: RunOptions,
    backend: str = "cwltool",
    *,
    publish: str | None = None,
    endpoint: str | None = None,
    region: str | None = None,
    policy: RetryPolicy | None = None,
    report: Path | None = None,
) -> int:
    """Stage ``s3://`` inputs, run ``document``, deliver its outputs to ``--outdir`` and publish them (if asked).

    A failed run delivers nothing: ``--outdir`` is left as it was. Returns the
    runner's exit code; a failed publish raises :class:`PublishError`. With
    ``report``, the run report (:mod:`claimed_cwl.report`) is written there, whether the run succeeded or not.
    """
    if publish is not None:
        parse_s3_url(publish)  # a bad destination fails before the run, not after it
    with private_dir("claimed-stage-") as scratch, staged_outdir(options.outdir) as staged:
        options = _staged_options(document, options, scratch, endpoint, region)
        started = datetime.now(UTC)
        result = run_document(document, replace(options, outdir=staged.staging, echo_outputs=False), backend)
        ended = datetime.now(UTC)
        if result.code != 0:
            record_run(document, options, backend, result, outputs=None, started=started, ended=ended)
            published = f"; nothing published to {publish}" if publish else ""
            print(f"claimed-cwl: the run failed: no output delivered to {options.outdir}{published}", file=sys.stderr)
            _write_report(report, result, None)
            return result.code
        outputs = deliver_outputs(staged, result.outputs)
        record_run(document, options, backend, result, outputs=outputs, started=started, ended=ended)
    _write_report(report, result, outputs)
    if outputs is not None:
        sys.stdout.write(json.dumps(outputs, indent=4, ensure_ascii=False, default=str) + "\n")
    else:
        sys.stdout.write(result.printed)
    sys.stdout.flush()
    if publish is None:
        return 0
    if outputs is None:
        raise ClaimedError("the runner returned no CWL output object: nothing to publish")
    files = publish_outputs(outputs, options.outdir, publish, s3_client(endpoint, region), policy=policy)
    manifest = parse_s3_url(publish).child(MANIFEST_NAME)
    print(f"claimed-cwl: published {len(files)} file(s) to {publish}; manifest {manifest}", file=sys.stderr)
    return 0
