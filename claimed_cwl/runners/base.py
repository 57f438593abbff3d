"""What every runner gets (RunOptions) and the table of backends."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from claimed_cwl.errors import ClaimedError

__all__ = ["BACKENDS", "ENGINES", "RunOptions", "run_cwl"]

ENGINES = ("docker", "podman")


@dataclass(frozen=True)
class RunOptions:
    """Settings of one run, independent of the backend.

    ``extra_args`` are passed to the backend verbatim (before the document),
    ``inputs`` after the document and job file (``--name value`` pairs that
    the backend types against the document's inputs).
    """

    outdir: Path = Path(".")
    engine: str = "docker"
    quiet: bool = True
    parallel: bool = False
    network: str | None = None
    extra_args: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    job: Path | None = None
    workdir: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    # Toil only: batch system (single_machine, slurm, kubernetes), job store
    # (None: a throw-away file job store), and further batch-system options.
    batch_system: str = "single_machine"
    job_store: str | None = None
    restart: bool = False
    batch_args: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ClaimedError(f"unknown engine {self.engine!r}: expected one of {', '.join(ENGINES)}")


Runner = Callable[[Path, RunOptions], int]


def _backends() -> dict[str, Runner]:
    from claimed_cwl.runners.cwltool_runner import run_cwltool  # noqa: PLC0415
    from claimed_cwl.runners.toil_runner import run_toil  # noqa: PLC0415

    return {"cwltool": run_cwltool, "toil": run_toil}


BACKENDS: tuple[str, ...] = ("cwltool", "toil")


def run_cwl(document: Path, options: RunOptions, backend: str = "cwltool") -> int:
    """Run ``document`` (a CWL tool or workflow) with ``backend``; return its exit code."""
    runners = _backends()
    if backend not in runners:
        raise ClaimedError(f"unknown backend {backend!r}: expected one of {', '.join(sorted(runners))}")
    from claimed_cwl.runners.job_inputs import merge_job, names_variables  # noqa: PLC0415

    if not options.inputs and (options.job is None or not names_variables(document, options.job)):
        return runners[backend](document, options)

    with tempfile.TemporaryDirectory(prefix="claimed-job-") as scratch:
        job = merge_job(document, options.job, options.inputs, Path(scratch))
        return runners[backend](document, replace(options, job=job, inputs=()))


def job_arguments(document: Path, options: RunOptions) -> Sequence[str]:
    """The document, the job file if any, then the ``--name value`` inputs."""
    args = [str(document)]
    if options.job is not None:
        args.append(str(options.job))
    args.extend(options.inputs)
    return args
