"""Compile one operator: parse it, then render and write its artifacts (:func:`claimed_cwl.produce.produce`).

The output directory is a complete ``docker build`` context: the Dockerfile,
the operator source, its additional files and the launcher, beside the CWL
tool, the KFP component and the Kubernetes Job.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from claimed_cwl.emit import ArtifactSettings
from claimed_cwl.parse import Analysis, analyse_operator
from claimed_cwl.produce import operator_target, produce, read_user_files, render, user_file_paths
from claimed_cwl.spec import OperatorSpec

__all__ = [
    "CompileResult",
    "compile_operator",
    "read_user_files",
    "render_artifacts",
    "report_warnings",
    "user_file_paths",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CompileResult:
    """What a compile wrote: the operator's spec, the directory and the files in it, and the analysis.

    The analysis holds each parameter's decision with its evidence, and the warnings.
    """

    spec: OperatorSpec
    out_dir: Path
    written: tuple[Path, ...]
    analysis: Analysis | None = None


def render_artifacts(
    spec: OperatorSpec, options: ArtifactSettings, user_files: Mapping[str, bytes]
) -> dict[str, bytes]:
    """Every output file of an operator (:func:`claimed_cwl.produce.render` of its target), sorted by name."""
    return render(operator_target(spec), options, user_files, options.dockerfile.lock)


def report_warnings(analysis: Analysis) -> None:
    """Log the analysis' warnings (``file:line: message``) at WARNING: the command line shows them on stderr."""
    for warning in analysis.warnings:
        log.warning("%s", warning)


def compile_operator(
    source: Path,
    additional_files: Sequence[str | Path] = (),
    options: ArtifactSettings | None = None,
    out_dir: Path | None = None,
    *,
    force: bool = False,
) -> CompileResult:
    """Parse ``source``, render all artifacts and write them to ``out_dir`` (default ``./<name>``).

    ``additional_files`` are relative to the operator's directory (as for
    :func:`~claimed_cwl.parse.parse_operator`).
    Nothing is written unless everything rendered; files are then moved into
    place one by one with ``os.replace``. Files in ``out_dir`` that claimed-cwl
    did not write are not overwritten unless ``force`` (see :mod:`claimed_cwl.outdir`).
    """
    analysis = analyse_operator(source, tuple(additional_files))
    report_warnings(analysis)
    spec = analysis.spec
    target = out_dir if out_dir is not None else Path.cwd() / spec.name
    produced = produce(operator_target(spec), source, options or ArtifactSettings(), target, force=force)
    return CompileResult(spec=spec, out_dir=target, written=produced.written, analysis=analysis)
