"""Compile an operator and build its image in one go (``claimed-cwl build``): :func:`claimed_cwl.produce.produce`.

Steps: parse; take the dependency lock beside the artifacts when it still fits
the operator's requirements (else resolve one in the base image); render the
artifacts with the lock; build the image (reused when its content digest,
which covers the lock, exists); check inside a new image that every import
can be found (``add_missing`` adds the packages of missing ones, resolves
again and rebuilds); write the artifacts only after the image exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from claimed_cwl.build.builder import BuildError, BuildResult
from claimed_cwl.compile import report_warnings
from claimed_cwl.emit import ArtifactSettings
from claimed_cwl.parse import Analysis, analyse_operator
from claimed_cwl.produce import BuildOptions, operator_target, produce
from claimed_cwl.spec import OperatorSpec

if TYPE_CHECKING:
    from docker import DockerClient

__all__ = ["OperatorBuild", "build_operator"]


@dataclass(frozen=True)
class OperatorBuild:
    """A built operator: its spec, the written artifacts, the image build result, and what was added."""

    spec: OperatorSpec
    cwl: Path
    written: tuple[Path, ...]
    image: BuildResult
    added: tuple[tuple[str, str], ...] = ()
    resolved: bool = False
    analysis: Analysis | None = None


def build_operator(
    client: DockerClient,
    source: Path,
    additional_files: Sequence[Path],
    settings: ArtifactSettings,
    out_dir: Path | None = None,
    *,
    push: bool = False,
    add_missing: bool = False,
    refresh_lock: bool = False,
    no_cache: bool = False,
    force: bool = False,
    keep_old_tags: bool = False,
) -> OperatorBuild:
    """Parse, lock, render, build, check imports (and push); write the artifacts only after the image exists.

    ``force`` overwrites files in ``out_dir`` that claimed-cwl did not write;
    ``keep_old_tags`` keeps the image repository's earlier ``sha-`` tags.
    """
    analysis = analyse_operator(source, tuple(additional_files))
    report_warnings(analysis)
    spec = analysis.spec
    options = BuildOptions(push=push, add_missing=add_missing, refresh_lock=refresh_lock, no_cache=no_cache,
                           keep_old_tags=keep_old_tags)
    produced = produce(operator_target(spec), source, settings, out_dir if out_dir is not None else Path.cwd() /
                       spec.name, client=client, build=options, force=force)
    if produced.image is None:  # cannot happen: a client was given
        raise BuildError("no image was built")
    return OperatorBuild(spec, produced.main, produced.written, produced.image, produced.added, produced.resolved,
                         analysis)
