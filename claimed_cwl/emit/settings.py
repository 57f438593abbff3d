"""Small, stage-specific settings for the emitters (no shared bag of options)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from claimed_cwl.errors import ClaimedError
from claimed_cwl.lockfile import Lock
from claimed_cwl.spec import Language, unsafe_character

__all__ = [
    "DEFAULT_BASE_IMAGES",
    "ArtifactSettings",
    "DockerfileSettings",
    "ImageSettings",
    "JobSettings",
    "SettingsError",
]

DEFAULT_BASE_IMAGES: dict[Language, str] = {
    Language.PYTHON: "python:3.11-slim",
    Language.NOTEBOOK: "python:3.11-slim",
    Language.R: "r-base:4.2.2",
}

_REPOSITORY_RE = re.compile(r"^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*$")
_TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_DNS_NAME_RE = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")
_RESTART_POLICIES = ("Never", "OnFailure")


class SettingsError(ClaimedError):
    """A setting given on the command line (or in code) has a bad value."""


@dataclass(frozen=True)
class ImageSettings:
    """Where the operator image lives: ``<repository>/claimed-<name>:<version>``.

    ``reference``, when set, is the whole image reference, used as it is
    (see :meth:`for_reference`).
    """

    repository: str = "claimed"
    version: str = "latest"
    reference: str | None = None

    @classmethod
    def for_reference(cls, reference: str) -> ImageSettings:
        """Return settings naming exactly the image ``reference`` (e.g. an image run by name)."""
        return cls(reference=reference)

    def __post_init__(self) -> None:
        if self.reference is not None and (not self.reference or any(c.isspace() for c in self.reference)
                                           or unsafe_character(self.reference) is not None):
            raise SettingsError(
                f"image reference {self.reference!r} must be one reference, without spaces or control characters")
        if not _REPOSITORY_RE.match(self.repository):
            raise SettingsError(f"repository {self.repository!r} is not a valid image repository (e.g. docker.io/me)")
        if not _TAG_RE.match(self.version):
            raise SettingsError(f"version {self.version!r} is not a valid image tag")

    def image(self, operator_name: str) -> str:
        """Return the image reference of the operator called ``operator_name``."""
        if self.reference is not None:
            return self.reference
        return f"{self.repository}/claimed-{operator_name}:{self.version}"


@dataclass(frozen=True)
class DockerfileSettings:
    """How the image is built; ``base_image`` None means the default for the language.

    ``lock``, when given and up to date, pins the Python packages (see
    :mod:`claimed_cwl.lockfile`); without it the declared requirements are
    installed as they are, one layer each.
    """

    base_image: str | None = None
    lock: Lock | None = None

    def __post_init__(self) -> None:
        if self.base_image is not None and (not self.base_image or any(c.isspace() for c in self.base_image)
                                            or unsafe_character(self.base_image) is not None):
            raise SettingsError(
                f"base image {self.base_image!r} must be one image reference, without spaces or control characters")

    def base_for(self, language: Language) -> str:
        """Return the base image for an operator written in ``language``."""
        return self.base_image or DEFAULT_BASE_IMAGES[language]


@dataclass(frozen=True)
class JobSettings:
    """Knobs of the Kubernetes Job: pull secret, retries, PVC, Secret holding secret parameters.

    ``secret_name`` None means ``<operator name>-secrets``. The PVC is mounted
    at ``pvc_mount`` and output paths are written under it.
    """

    pull_secret: str | None = None
    backoff_limit: int = 0
    restart_policy: str = "Never"
    pvc_name: str | None = None
    pvc_mount: str = "/data"
    secret_name: str | None = None

    def __post_init__(self) -> None:
        if self.backoff_limit < 0:
            raise SettingsError(f"backoff limit must be 0 or more, got {self.backoff_limit}")
        if self.restart_policy not in _RESTART_POLICIES:
            choices = ", ".join(_RESTART_POLICIES)
            raise SettingsError(f"restart policy must be one of {choices}, got {self.restart_policy!r}")
        for what, value in (("pull secret", self.pull_secret), ("secret name", self.secret_name)):
            if value is not None and not _DNS_NAME_RE.match(value):
                raise SettingsError(f"{what} {value!r} is not a valid Kubernetes object name")
        if self.pvc_name is not None and not _DNS_NAME_RE.match(self.pvc_name):
            raise SettingsError(f"PVC name {self.pvc_name!r} is not a valid Kubernetes object name")
        if not self.pvc_mount.startswith("/") or self.pvc_mount in ("/", "/tmp"):
            raise SettingsError(
                f"PVC mount path must be an absolute path other than / and /tmp, got {self.pvc_mount!r}"
            )

    def secret_for(self, operator_name: str) -> str:
        """Return the name of the Kubernetes Secret that holds the operator's secret parameters."""
        return self.secret_name or f"{operator_name}-secrets"


@dataclass(frozen=True)
class ArtifactSettings:
    """The stage settings of every emitter, kept apart: each emitter reads only its own."""

    image: ImageSettings = field(default_factory=ImageSettings)
    dockerfile: DockerfileSettings = field(default_factory=DockerfileSettings)
    job: JobSettings = field(default_factory=JobSettings)
