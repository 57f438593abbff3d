"""Compile an operator and build its image in one go (``claimed-cwl build``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claimed_cwl.build.builder import BuildResult, build_image, push_image
from claimed_cwl.compile import (
    read_user_files,
    render_artifacts,
    report_warnings,
    user_file_paths,
    write_atomically,
)
from claimed_cwl.emit import EMITTERS, ArtifactSettings
from claimed_cwl.parse import Analysis, analyse_operator
from claimed_cwl.spec import OperatorSpec

__all__ = ["OperatorBuild", "build_operator", "context_files"]

log = logging.getLogger(__name__)

# Artifacts that name the image: they are written beside the context but are not part of it,
# so re-tagging (another --repository or --version) never changes the content digest.
_IMAGE_NAMING = ("cwl", "kfp", "job")


@dataclass(frozen=True)
class OperatorBuild:
    """A built operator: its spec, the written artifacts and the image build result."""

    spec: OperatorSpec
    cwl: Path
    written: tuple[Path, ...]
    image: BuildResult
    analysis: Analysis | None = None


def context_files(spec: OperatorSpec, artifacts: dict[str, bytes]) -> dict[str, bytes]:
    """The docker build context among ``artifacts``: everything but the image-naming files."""
    naming = {EMITTERS[key].file_name(spec) for key in _IMAGE_NAMING}
    return {name: data for name, data in artifacts.items() if name not in naming}


def build_operator(
    client: Any,
    source: Path,
    additional_files: Sequence[Path],
    settings: ArtifactSettings,
    out_dir: Path | None = None,
    *,
    push: bool = False,
    force: bool = False,
    keep_old_tags: bool = False,
) -> OperatorBuild:
    """Parse, render, build (and push); write the artifacts only after the image exists.

    ``force`` overwrites files in ``out_dir`` that claimed-cwl did not write;
    ``keep_old_tags`` keeps the image repository's earlier ``sha-`` tags.
    """
    analysis = analyse_operator(source, tuple(additional_files))
    report_warnings(analysis)
    spec = analysis.spec
    originals = user_file_paths(source, spec)
    artifacts = render_artifacts(spec, settings, read_user_files(source, spec, originals))
    image = settings.image.image(spec.name)
    result = build_image(client, image, settings.dockerfile.base_for(spec.language), context_files(spec, artifacts),
                         keep_old_tags=keep_old_tags)
    if push:
        for reference in (image, result.digest_image):
            push_image(client, reference)
    target = out_dir if out_dir is not None else Path.cwd() / spec.name
    written = write_atomically(target, artifacts, originals=originals, force=force)
    return OperatorBuild(spec, target / EMITTERS["cwl"].file_name(spec), written, result, analysis)
