"""Write the crate of a finished ``claimed-cwl run --provenance DIR`` (called once the outputs are delivered)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from claimed_cwl.provenance.crate import RunFacts, write_run_crate
from claimed_cwl.runners.base import RunOptions, RunResult
from claimed_cwl.runners.private import private_dir

__all__ = ["record_run"]

_ENGINES = {"cwltool": "cwltool", "toil": "toil"}


def record_run(document: Path, options: RunOptions, backend: str, result: RunResult, *,
               outputs: dict[str, Any] | None, started: datetime, ended: datetime) -> None:
    """Write the Provenance Run Crate of the run into ``options.provenance`` and say where."""
    if options.provenance is None:
        return
    values, secrets, mask = _inputs(document, options)
    facts = RunFacts(document=document, engine=backend, engine_version=version(_ENGINES.get(backend, backend)),
                     inputs=values, outputs=outputs or {}, started=started, ended=ended,
                     succeeded=result.code == 0, container_engine=options.engine, secret_inputs=secrets,
                     mask=(*options.mask, *mask))
    path = write_run_crate(options.provenance, facts, result.steps)
    print(f"claimed-cwl: provenance ({len(result.steps)} job(s)) in {path}", file=sys.stderr)


def _inputs(document: Path, options: RunOptions) -> tuple[dict[str, Any], frozenset[str], tuple[str, ...]]:
    """The run's input values, the names of its secret inputs and the texts to mask (their values).

    The values are the job file and flags merged as the runner got them, then the defaults.
    """
    from claimed_cwl.cwl_secrets import secret_inputs  # noqa: PLC0415 - loads cwl-utils
    from claimed_cwl.runners.job_inputs import inputs_of, load_process, merge_job  # noqa: PLC0415
    from claimed_cwl.runners.secret_inputs import mask_texts  # noqa: PLC0415

    process = load_process(document)
    secrets = secret_inputs(process)
    with private_dir("claimed-prov-job-") as scratch:
        values: dict[str, Any] = json.loads(merge_job(document, options.job, options.inputs, scratch).read_text())
    for item in inputs_of(process):
        if item.cwl_id not in values and item.default is not None:
            values[item.cwl_id] = item.default
    return values, secrets.values | secrets.paths, tuple(mask_texts(secrets, values))
