"""What every runner gets (RunOptions) and the table of backends."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from claimed_cwl.errors import ClaimedError
from claimed_cwl.runners.private import private_dir

__all__ = ["BACKENDS", "ENGINES", "RunOptions", "RunResult", "run_cwl", "run_document"]

ENGINES = ("docker", "podman")


@dataclass(frozen=True)
class RunOptions:
    """Settings of one run, independent of the backend.

    ``extra_args`` are passed to the backend verbatim (before the document),
    ``inputs`` after the document and job file (``--name value`` pairs that
    the backend types against the document's inputs). ``mask`` holds texts
    (secret values, paths of secret files) that the backend's log lines must
    not show.
    """

    outdir: Path = Path(".")
    engine: str = "docker"
    quiet: bool = True
    parallel: bool = False
    # At most this many jobs at once (None: as many as the cores allow); cwltool runs in parallel up to it.
    max_parallel: int | None = None
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
    mask: tuple[str, ...] = ()
    # Print the output object on standard output (as cwltool does); False when the caller prints it itself.
    echo_outputs: bool = True
    # Seconds between two progress lines when stderr is not a terminal.
    progress_seconds: float = 5.0
    # The run's live display and report (claimed_cwl.report.monitor.RunMonitor); set by run_document.
    monitor: Any = None
    # cwltool only: re-use the results of steps whose tool, inputs and image (by id) are unchanged.
    cache: Path | None = None
    # Write a Provenance Run Crate of the run there (claimed_cwl.provenance).
    provenance: Path | None = None

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ClaimedError(f"unknown engine {self.engine!r}: expected one of {', '.join(ENGINES)}")


@dataclass(frozen=True)
class RunResult:
    """How a run ended: its exit code, and the CWL output object the backend returned (None when none).

    ``printed`` is what the backend wrote on standard output when it was not echoed
    (``echo_outputs`` false) and gave no output object (``--validate``, ``--print-deps``, ...).
    """

    code: int
    outputs: dict[str, Any] | None = None
    printed: str = ""
    monitor: Any = None  # the RunMonitor the runner filled in (jobs), for the run report
    mask: tuple[str, ...] = ()
    # One record per job (claimed_cwl.provenance.StepRecord), when RunOptions.provenance asks for them.
    steps: tuple[Any, ...] = ()


Runner = Callable[[Path, RunOptions], RunResult]


def _backends() -> dict[str, Runner]:
    from claimed_cwl.runners.cwltool_runner import run_cwltool  # noqa: PLC0415
    from claimed_cwl.runners.toil_runner import run_toil  # noqa: PLC0415

    return {"cwltool": run_cwltool, "toil": run_toil}


BACKENDS: tuple[str, ...] = ("cwltool", "toil")


def run_cwl(document: Path, options: RunOptions, backend: str = "cwltool") -> int:
    """Run ``document`` (a CWL tool or workflow) with ``backend``; return its exit code (:func:`run_document`)."""
    return run_document(document, options, backend).code


def run_document(document: Path, options: RunOptions, backend: str = "cwltool") -> RunResult:
    """Run ``document`` (a CWL tool or workflow) with ``backend``; return its exit code and output object.

    The job the backend gets (flags and secrets merged, see
    :func:`~claimed_cwl.runners.job_inputs.prepare_job`) is written into a
    private directory that is removed however the run ends.
    """
    runners = _backends()
    if backend not in runners:
        raise ClaimedError(f"unknown backend {backend!r}: expected one of {', '.join(sorted(runners))}")
    from claimed_cwl.report.monitor import run_monitor  # noqa: PLC0415
    from claimed_cwl.runners.job_inputs import prepare_job  # noqa: PLC0415 - loads cwl-utils

    with private_dir("claimed-job-") as scratch:
        prepared = prepare_job(document, options, scratch)
        monitor = run_monitor(document, prepared.job, backend, options.quiet, options.progress_seconds)
        result = runners[backend](document, replace(prepared, monitor=monitor))
        return replace(result, monitor=monitor, mask=prepared.mask)


def job_arguments(document: Path, options: RunOptions) -> Sequence[str]:
    """The document, the job file if any, then the ``--name value`` inputs."""
    args = [str(document)]
    if options.job is not None:
        args.append(str(options.job))
    args.extend(options.inputs)
    return args
