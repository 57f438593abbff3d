"""Dockerfile emitter: the operator image as a list of layers, dependencies before the sources.

:func:`dockerfile_layers` returns the instructions as data (:class:`Layers`, in
named sections that a composed image adds to); :func:`emit_dockerfile` writes
them. System packages come first (one layer), then R packages, then one pip
layer per declared requirement (from the lock when there is one: exact pins
with hashes, ``--no-deps``), so operators with the same base and requirements
share layers and a change of one requirement leaves the layers before it
cached. The fixed environment follows, then the launcher and the operator's
files. Every package name and option is shell-quoted (the parser admits no
shell characters); no secret ever appears here.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from claimed_cwl.emit._yaml import generated_header
from claimed_cwl.emit.launch import APP_DIR, LAUNCHER_DIR, launch_command, launcher_files, runtime_requirements
from claimed_cwl.emit.settings import DockerfileSettings
from claimed_cwl.lockfile import Lock, LockedPackage, lock_inputs
from claimed_cwl.spec import DependencyKind, OperatorSpec
from claimed_cwl.spec.codec import SPEC_LABEL, spec_to_json

__all__ = [
    "CRAN_MIRROR",
    "Layers",
    "copy_instruction",
    "dockerfile_layers",
    "emit_dockerfile",
    "locked_pip_layers",
    "pip_requirements",
    "usable_lock",
]

CRAN_MIRROR = "https://cloud.r-project.org"
RUNTIME_USER = "1000:1000"
_PIP = "python -m pip install --no-cache-dir --no-color --progress-bar off --disable-pip-version-check"
_REQUIREMENTS_FILE = "/tmp/claimed-requirements.txt"
# The image's user gets a passwd entry (home /tmp): Java (Spark, Hadoop), git and ssh fail for a user without one.
_USER_ENTRY = (
    "RUN grep -q '^[^:]*:[^:]*:1000:' /etc/passwd || echo 'claimed:x:1000:1000:claimed-cwl operator:/tmp:/bin/sh' "
    ">> /etc/passwd; grep -q '^[^:]*:[^:]*:1000:' /etc/group || echo 'claimed:x:1000:' >> /etc/group"
)


@dataclass(frozen=True)
class Layers:
    """A Dockerfile as data: its instructions in named sections, in the order they are written.

    ``system`` (the image user's passwd entry, system and R packages) and
    ``python`` (pip) are the dependency layers; ``environment`` the fixed
    environment; ``files`` the launcher and operator COPY lines; ``finish``
    the permissions, the spec label, the user, the working directory and the
    command. A composed image (the grid's) adds to a section; nothing is ever
    found in a Dockerfile's text.
    """

    base: tuple[str, ...]
    system: tuple[str, ...]
    python: tuple[str, ...]
    environment: tuple[str, ...]
    files: tuple[str, ...]
    finish: tuple[str, ...]

    def instructions(self) -> list[str]:
        """Every instruction, in order."""
        return [*self.base, *self.system, *self.python, *self.environment, *self.files, *self.finish]

    def render(self, header: str) -> str:
        """The Dockerfile's text: ``header`` (a comment line), then one instruction per line."""
        return "\n".join([header, *self.instructions()]) + "\n"


def emit_dockerfile(spec: OperatorSpec, settings: DockerfileSettings) -> str:
    """Render the Dockerfile that builds the operator image from a build context holding its files."""
    return dockerfile_layers(spec, settings).render(generated_header(spec.source_file))


def dockerfile_layers(spec: OperatorSpec, settings: DockerfileSettings) -> Layers:
    """The Dockerfile's instructions as :class:`Layers` (the data a Dockerfile is written from)."""
    return Layers(
        base=(f"FROM {settings.base_for(spec.language)}",),
        system=(_USER_ENTRY, *_system_layers(spec), *_r_layers(spec)),
        python=tuple(_pip_layers(spec, usable_lock(spec, settings))),
        environment=(*_environment(spec), "ENV HOME=/tmp PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1"),
        files=(
            *(copy_instruction(name, f"{LAUNCHER_DIR}/{name}") for name in launcher_files(spec)),
            copy_instruction(spec.source_file, f"{APP_DIR}/{spec.source_file}"),
            *(copy_instruction(path, f"{APP_DIR}/{path}") for path in spec.additional_files),
        ),
        finish=(
            f"RUN chmod -R a+rX {APP_DIR} {LAUNCHER_DIR}",
            f"LABEL {SPEC_LABEL}={_label_value(spec_to_json(spec))}",
            f"USER {RUNTIME_USER}",
            "WORKDIR /tmp",
            f"CMD {json.dumps(launch_command(spec))}",
        ),
    )


def pip_requirements(spec: OperatorSpec, added: Sequence[str] = ()) -> tuple[str, ...]:
    """The pip requirements the image installs, in layer order: the launch runtime's, the declared, the added."""
    ordered = dict.fromkeys([*runtime_requirements(spec), *spec.packages(DependencyKind.PIP), *added])
    return tuple(ordered)


def usable_lock(spec: OperatorSpec, settings: DockerfileSettings) -> Lock | None:
    """The settings' lock if it was resolved for exactly this operator's requirements and base image."""
    lock = settings.lock
    if lock is None:
        return None
    requirements = pip_requirements(spec, [requirement for requirement, _ in lock.added])
    inputs = lock_inputs(requirements, spec.pip_options(), settings.base_for(spec.language))
    return lock if lock.inputs == inputs else None


def _quoted(packages: Sequence[str]) -> str:
    return " ".join(shlex.quote(pkg) for pkg in packages)


def _system_layers(spec: OperatorSpec) -> list[str]:
    """One RUN per system package manager."""
    lines = []
    apt = spec.packages(DependencyKind.APT)
    if apt:
        lines.append(
            "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "
            f"{_quoted(apt)} && rm -rf /var/lib/apt/lists/*"
        )
    dnf = spec.packages(DependencyKind.DNF)
    if dnf:
        lines.append(f"RUN dnf install -y {_quoted(dnf)} && dnf clean all")
    return lines


def _r_layers(spec: OperatorSpec) -> list[str]:
    """R packages: Debian's r-cran-* build when the base has it (binary, no compiler), else CRAN; then checked."""
    packages = spec.packages(DependencyKind.R)
    if not packages:
        return []
    names = " ".join(packages)  # R package names: letters, digits and dots (checked by the parser)
    vector = ", ".join(json.dumps(p) for p in packages)
    cran = (
        f'Rscript -e "install.packages(strsplit(trimws(\\"$cran\\"), \\" +\\")[[1]], repos=\\"{CRAN_MIRROR}\\")"'
    )
    check = (
        f"Rscript -e 'for (p in c({vector})) if (!requireNamespace(p, quietly = TRUE)) "
        'stop(\"R package \", p, \" did not install\")'
    )
    return [
        "RUN set -e; debs=''; cran=''; "
        "if command -v apt-get >/dev/null; then apt-get update; fi; "
        f"for p in {names}; do deb=\"r-cran-$(echo \"$p\" | tr 'A-Z' 'a-z')\"; "
        'if command -v apt-get >/dev/null && apt-cache show "$deb" >/dev/null 2>&1; '
        'then debs="$debs $deb"; else cran="$cran $p"; fi; done; '
        'if [ -n "$debs" ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $debs; fi; '
        "rm -rf /var/lib/apt/lists/*; "
        f'if [ -n "$cran" ]; then {cran}; fi; '
        f"{check}'"
    ]


def _pip_layers(spec: OperatorSpec, lock: Lock | None) -> list[str]:
    """One RUN per requirement: the locked pins of its group, or the requirement itself when there is no lock."""
    options = [shlex.quote(option) for option in spec.pip_options() if option != "--pre"]
    if lock is None:
        prefix = " ".join([_PIP, *options, *(["--pre"] if "--pre" in spec.pip_options() else [])])
        return [f"RUN {prefix} {shlex.quote(requirement)}" for requirement in pip_requirements(spec)]
    return locked_pip_layers(lock)


def locked_pip_layers(lock: Lock) -> list[str]:
    """The pip layers of a lock: per group, its hashed pins (``--require-hashes``), then its direct URLs."""
    index = [shlex.quote(option) for option in lock.options if option != "--pre"]
    layers = []
    for group in lock.groups:
        hashed = [p for p in group.packages if p.hash and not p.url]
        direct = [p for p in group.packages if p not in hashed]
        if hashed:
            layers.append(_locked_layer(hashed, [*index, "--no-deps", "--require-hashes"]))
        if direct:
            layers.append(_locked_layer(direct, [*index, "--no-deps"]))
    return layers


def _locked_layer(packages: Sequence[LockedPackage], options: Sequence[str]) -> str:
    lines = " ".join(shlex.quote(package.line()) for package in packages)
    return (
        f"RUN printf '%s\\n' {lines} > {_REQUIREMENTS_FILE} && "
        f"{_PIP} {' '.join(options)} -r {_REQUIREMENTS_FILE} && rm {_REQUIREMENTS_FILE}"
    )


def _environment(spec: OperatorSpec) -> list[str]:
    """The operator's fixed environment (``# claimed: env`` and well-known needs), one ENV line."""
    if not spec.environment:
        return []
    return ["ENV " + " ".join(f"{name}={_label_value(value)}" for name, value in spec.environment)]


def copy_instruction(*paths: str) -> str:
    """COPY in JSON form (sources, then the destination), so names with spaces stay one argument."""
    return f"COPY {json.dumps(list(paths))}"


def _label_value(text: str) -> str:
    """Double-quote ``text`` for a Dockerfile: escape backslash, quote and ``$`` (no variable expansion)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return f'"{escaped}"'
