"""Dockerfile emitter: the operator image, with dependency layers before the sources.

Layers that depend only on the base image and the packages come first, so
operators with the same base and requirements share them. Every package name
is shell-quoted (the parser already rejects shell characters); no secret ever
appears here.
"""

from __future__ import annotations

import json
import shlex

from claimed_cwl.emit._yaml import generated_header
from claimed_cwl.emit.settings import DockerfileSettings
from claimed_cwl.launch import APP_DIR, LAUNCHER_DIR, launch_command, launcher_files
from claimed_cwl.spec import DependencyKind, OperatorSpec
from claimed_cwl.spec_codec import SPEC_LABEL, spec_to_json

__all__ = ["CRAN_MIRROR", "emit_dockerfile"]

CRAN_MIRROR = "https://cloud.r-project.org"
RUNTIME_USER = "1000:1000"


def emit_dockerfile(spec: OperatorSpec, settings: DockerfileSettings) -> str:
    """Render the Dockerfile that builds the operator image from a build context holding its files."""
    lines = [
        generated_header(spec.source_file),
        f"FROM {settings.base_for(spec.language)}",
        *_install_lines(spec),
        "ENV HOME=/tmp PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1",
        *(_copy(name, f"{LAUNCHER_DIR}/{name}") for name in launcher_files(spec)),
        _copy(spec.source_file, f"{APP_DIR}/{spec.source_file}"),
        *(_copy(path, f"{APP_DIR}/{path}") for path in spec.additional_files),
        f"RUN chmod -R a+rX {APP_DIR} {LAUNCHER_DIR}",
        f"LABEL {SPEC_LABEL}={_label_value(spec_to_json(spec))}",
        f"USER {RUNTIME_USER}",
        "WORKDIR /tmp",
        f"CMD {json.dumps(launch_command(spec))}",
    ]
    return "\n".join(lines) + "\n"


def _quoted(packages: tuple[str, ...]) -> str:
    return " ".join(shlex.quote(pkg) for pkg in packages)


def _install_lines(spec: OperatorSpec) -> list[str]:
    """One RUN per package manager, system packages first."""
    lines = []
    apt = spec.packages(DependencyKind.APT)
    if apt:
        lines.append(
            "RUN apt-get update && apt-get install -y --no-install-recommends "
            f"{_quoted(apt)} && rm -rf /var/lib/apt/lists/*"
        )
    dnf = spec.packages(DependencyKind.DNF)
    if dnf:
        lines.append(f"RUN dnf install -y {_quoted(dnf)} && dnf clean all")
    pip = spec.packages(DependencyKind.PIP)
    if pip:
        lines.append(f"RUN python -m pip install --no-cache-dir {_quoted(pip)}")
    r_packages = spec.packages(DependencyKind.R)
    if r_packages:
        names = ", ".join(json.dumps(pkg) for pkg in r_packages)
        expression = f"install.packages(c({names}), repos={json.dumps(CRAN_MIRROR)})"
        lines.append(f"RUN Rscript -e {shlex.quote(expression)}")
    return lines


def _copy(source: str, destination: str) -> str:
    """COPY in JSON form, so names with spaces stay one argument."""
    return f"COPY {json.dumps([source, destination])}"


def _label_value(text: str) -> str:
    """Double-quote ``text`` for a Dockerfile: escape backslash, quote and ``$`` (no variable expansion)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return f'"{escaped}"'
