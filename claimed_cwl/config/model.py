"""Typed settings of one execution environment, and the table of keys they are read from.

Every setting has a dotted key (``engine``, ``s3.endpoint``, ``slurm.partition``);
:data:`KEYS` says its type and allowed values. The loader (``load.py``) merges
values by key; :func:`build_environment` turns the merged, validated values
into small frozen dataclasses, one per concern.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BUILTIN_ENVIRONMENTS",
    "KEYS",
    "TOIL_IMAGE",
    "Environment",
    "KeySpec",
    "KubernetesSettings",
    "Resources",
    "S3Settings",
    "SlurmSettings",
    "build_environment",
    "check_value",
]

# The Toil appliance image of the Toil release these settings were written for (toil.version.dockerTag).
TOIL_IMAGE = "quay.io/ucsc_cgl/toil:9.6.0-6793fc7f112785e13a229691d6de23225e73339e-py3.10"

_SIZE = re.compile(r"^[0-9]+(\.[0-9]+)?([KMGTP]i?)?$")
_S3_URL = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$")


@dataclass(frozen=True)
class KeySpec:
    """One settable key: its Python type, allowed values (if a closed set), and a one-line description."""

    kind: type
    doc: str
    choices: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    expected: str = ""


KEYS: dict[str, KeySpec] = {
    "runner": KeySpec(str, "cwltool or toil", ("cwltool", "toil")),
    "batch_system": KeySpec(str, "Toil batch system", ("single_machine", "slurm", "kubernetes")),
    "engine": KeySpec(str, "container engine of the steps", ("docker", "podman", "singularity")),
    "registry": KeySpec(str, "registry (host[:port][/path]) that holds the operator images"),
    "pull_secret": KeySpec(str, "name of the Kubernetes Secret (dockerconfigjson) for pulling from the registry"),
    "job_store": KeySpec(str, "Toil job store: file:DIR or aws:REGION:NAME (empty: a throw-away file store)"),
    "publish": KeySpec(str, "default --publish destination", pattern=_S3_URL, expected="s3://BUCKET[/PREFIX]"),
    "s3.endpoint": KeySpec(str, "S3 endpoint URL (empty: AWS S3); exported as AWS_ENDPOINT_URL_S3"),
    "s3.region": KeySpec(str, "S3 region"),
    "s3.credentials": KeySpec(
        str, "where S3 credentials come from: env (AWS_* variables) or secret:NAME (a Kubernetes Secret)",
        pattern=re.compile(r"^(env|secret:[a-z0-9][a-z0-9.-]*)$"), expected="env or secret:NAME",
    ),
    "kubernetes.namespace": KeySpec(str, "namespace the Toil leader and its jobs run in"),
    "kubernetes.service_account": KeySpec(str, "service account of the Toil leader and its jobs"),
    "kubernetes.toil_image": KeySpec(str, "Toil appliance image of the leader and worker pods"),
    "slurm.partition": KeySpec(str, "Slurm partition (empty: the cluster's default)"),
    "slurm.time": KeySpec(str, "Slurm time limit per job (e.g. 1:00:00)"),
    "resources.cores": KeySpec(float, "default cores of a step without a ResourceRequirement"),
    "resources.memory": KeySpec(str, "default memory (e.g. 2G)", pattern=_SIZE, expected="a size such as 512M or 2G"),
    "resources.disk": KeySpec(str, "default disk (e.g. 4G)", pattern=_SIZE, expected="a size such as 512M or 2G"),
}

_COMMON: dict[str, Any] = {
    "runner": "cwltool", "batch_system": "single_machine", "engine": "docker",
    "s3.region": "us-east-1", "s3.credentials": "env",
    "kubernetes.namespace": "claimed", "kubernetes.service_account": "claimed-toil",
    "kubernetes.toil_image": TOIL_IMAGE,
}  # fmt: skip

# Built-in environments: usable with no project file at all.
BUILTIN_ENVIRONMENTS: dict[str, dict[str, Any]] = {
    "local": {**_COMMON},
    "toil-local": {**_COMMON, "runner": "toil"},
    "slurm": {**_COMMON, "runner": "toil", "batch_system": "slurm"},
    "kubernetes": {
        **_COMMON, "runner": "toil", "batch_system": "kubernetes", "engine": "singularity",
        "job_store": "aws:us-east-1:claimed-run", "s3.credentials": "secret:claimed-s3",
    },
}  # fmt: skip


def _check_number(value: Any) -> tuple[Any, str]:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None, "a number"
    try:
        number = float(value)
    except ValueError:
        return None, "a number"
    return (number, "") if number > 0 else (None, "a positive number")


def check_value(key: str, value: Any) -> tuple[Any, str]:
    """Return ``(value converted to the key's type, "")``, or ``(None, what was expected)``."""
    spec = KEYS[key]
    if spec.kind is float:
        return _check_number(value)
    if not isinstance(value, str):
        return None, "a string"
    if spec.choices and value not in spec.choices:
        return None, f"one of {', '.join(spec.choices)}"
    if spec.pattern is not None and value and not spec.pattern.match(value):
        return None, spec.expected
    return value, ""


@dataclass(frozen=True)
class S3Settings:
    """S3 endpoint (None: AWS), region and credential source (``env`` or ``secret:NAME``)."""

    endpoint: str | None = None
    region: str = "us-east-1"
    credentials: str = "env"

    @property
    def secret_name(self) -> str | None:
        """Name of the Kubernetes Secret holding the credentials, when they come from one."""
        return self.credentials.split(":", 1)[1] if self.credentials.startswith("secret:") else None


@dataclass(frozen=True)
class KubernetesSettings:
    """Where the Toil leader runs on Kubernetes, as whom, with which Toil image."""

    namespace: str = "claimed"
    service_account: str = "claimed-toil"
    toil_image: str = TOIL_IMAGE


@dataclass(frozen=True)
class SlurmSettings:
    """Slurm partition and time limit (None: the cluster's defaults)."""

    partition: str | None = None
    time: str | None = None


@dataclass(frozen=True)
class Resources:
    """Default resources of steps that ask for none (None: the runner's default)."""

    cores: float | None = None
    memory: str | None = None
    disk: str | None = None


@dataclass(frozen=True)
class Environment:
    """One named execution environment, fully merged and validated."""

    name: str
    runner: str = "cwltool"
    batch_system: str = "single_machine"
    engine: str = "docker"
    registry: str | None = None
    pull_secret: str | None = None
    job_store: str | None = None
    publish: str | None = None
    s3: S3Settings = S3Settings()
    kubernetes: KubernetesSettings = KubernetesSettings()
    slurm: SlurmSettings = SlurmSettings()
    resources: Resources = Resources()


def _group(values: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {key.split(".", 1)[1]: value for key, value in values.items() if key.startswith(prefix + ".")}


def build_environment(name: str, values: Mapping[str, Any]) -> Environment:
    """Build the :class:`Environment` named ``name`` from validated ``values`` (dotted keys; empty means unset)."""
    present = {key: value for key, value in values.items() if value not in ("", None)}
    top = {key: value for key, value in present.items() if "." not in key}
    return Environment(
        name=name,
        **top,
        s3=S3Settings(**_group(present, "s3")),
        kubernetes=KubernetesSettings(**_group(present, "kubernetes")),
        slurm=SlurmSettings(**_group(present, "slurm")),
        resources=Resources(**_group(present, "resources")),
    )
