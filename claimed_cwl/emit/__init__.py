"""Emitters: one pure function per target artifact, chosen from the EMITTERS table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from claimed_cwl.emit.cwl import emit_cwl
from claimed_cwl.emit.dockerfile import emit_dockerfile
from claimed_cwl.emit.k8s_job import emit_job
from claimed_cwl.emit.kfp import emit_kfp
from claimed_cwl.emit.settings import (
    ArtifactSettings,
    DockerfileSettings,
    ImageSettings,
    JobSettings,
    SettingsError,
)
from claimed_cwl.spec import OperatorSpec

__all__ = [
    "EMITTERS",
    "ArtifactSettings",
    "DockerfileSettings",
    "Emitter",
    "ImageSettings",
    "JobSettings",
    "SettingsError",
    "emit_cwl",
    "emit_dockerfile",
    "emit_job",
    "emit_kfp",
]


@dataclass(frozen=True)
class Emitter:
    """One target: the name of the file it writes and the function that renders it."""

    file_name: Callable[[OperatorSpec], str]
    render: Callable[[OperatorSpec, ArtifactSettings], str]


# Target -> emitter. Order is the order artifacts are reported in.
EMITTERS: dict[str, Emitter] = {
    "cwl": Emitter(lambda spec: f"{spec.name}.cwl", lambda spec, s: emit_cwl(spec, s.image)),
    "dockerfile": Emitter(lambda spec: "Dockerfile", lambda spec, s: emit_dockerfile(spec, s.dockerfile)),
    "kfp": Emitter(lambda spec: f"{spec.name}.yaml", lambda spec, s: emit_kfp(spec, s.image)),
    "job": Emitter(lambda spec: f"{spec.name}.job.yaml", lambda spec, s: emit_job(spec, s.image, s.job)),
}
