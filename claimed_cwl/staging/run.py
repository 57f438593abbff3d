"""A run with stage-in of ``s3://`` inputs before it and an optional publish of its outputs after it."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from claimed_cwl.runners.base import RunOptions, run_cwl
from claimed_cwl.runners.private import private_dir
from claimed_cwl.staging.capture import captured_stdout, output_object
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


def run_staged(
    document: Path,
    options: RunOptions,
    backend: str = "cwltool",
    *,
    publish: str | None = None,
    endpoint: str | None = None,
    region: str | None = None,
    policy: RetryPolicy | None = None,
) -> int:
    """Stage ``s3://`` inputs, run ``document``, then upload its outputs to ``publish`` (if given).

    Returns the runner's exit code; a failed publish raises :class:`PublishError`.
    """
    if publish is not None:
        parse_s3_url(publish)  # a bad destination fails before the run, not after it
    with private_dir("claimed-stage-") as scratch:
        options = _staged_options(document, options, scratch, endpoint, region)
        if publish is None:
            return run_cwl(document, options, backend)
        with captured_stdout(scratch) as stdout_file:
            code = run_cwl(document, options, backend)
        printed = stdout_file.read_text(encoding="utf-8")
        sys.stdout.write(printed)
        sys.stdout.flush()
        if code != 0:
            print(f"claimed-cwl: the run failed: nothing published to {publish}", file=sys.stderr)
            return code
        outputs = output_object(printed)
        files = publish_outputs(outputs, options.outdir, publish, s3_client(endpoint, region),
                                policy=policy)
        manifest = parse_s3_url(publish).child(MANIFEST_NAME)
        print(f"claimed-cwl: published {len(files)} file(s) to {publish}; manifest {manifest}", file=sys.stderr)
        return 0
