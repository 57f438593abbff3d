"""``claimed-cwl compile``: write an operator's CWL tool, Dockerfile, KFP component and Job."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from claimed_cwl.emit import ArtifactSettings, DockerfileSettings, ImageSettings, JobSettings, SettingsError
from claimed_cwl.outdir import MANIFEST_NAME

__all__ = ["operator_relative", "register", "run", "settings_from_args"]


def register(subparsers: Any) -> None:
    """Add the ``compile`` sub-command to ``subparsers``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "compile",
        help="compile an operator into a CWL tool, Dockerfile, KFP component and Kubernetes Job",
        description="Compile an operator (.py, .ipynb, .R) into OUT/<name>.cwl, OUT/Dockerfile, OUT/<name>.yaml "
        "(KubeFlow v1 component) and OUT/<name>.job.yaml (Kubernetes Job). OUT also receives the source, the "
        "additional files and the launcher, so it is a complete docker build context.",
    )
    add_operator_arguments(parser)
    parser.set_defaults(func=run)


def add_operator_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the operator, its files and the artifact options: shared by ``compile`` and ``build``."""
    parser.add_argument("operator", type=Path, metavar="OPERATOR", help="the operator source file")
    parser.add_argument(
        "additional_files", type=Path, nargs="*", metavar="ADDITIONAL_FILES",
        help="further files or directories the operator needs, inside the operator's directory; copied into the "
        "image at the same path relative to the operator (/opt/app/...)",
    )
    image = parser.add_argument_group("image")
    image.add_argument("--repository", default="claimed",
                       help="image repository; the image is REPOSITORY/claimed-<name>:VERSION (default: claimed)")
    image.add_argument("--version", default="latest", help="image tag (default: latest)")
    image.add_argument("--base-image", default=None,
                       help="base image of the Dockerfile (default: python:3.11-slim for Python and notebooks, "
                       "r-base:4.2.2 for R)")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="output directory (default: ./<operator name>). Files there that claimed-cwl did not "
                        "write are not overwritten; files an earlier compile wrote and this one does not are removed "
                        f"(the list is kept in DIR/{MANIFEST_NAME})")
    parser.add_argument("--force", action="store_true",
                        help="overwrite files in --out that claimed-cwl did not write, or that were changed since")
    parser.add_argument("--explain", action="store_true",
                        help="print, for every parameter, what it became and the uses in the code that decided it "
                        "(file:line)")
    job = parser.add_argument_group("Kubernetes Job")
    job.add_argument("--pull-secret", default=None, help="image pull secret of the Job (default: none)")
    job.add_argument("--backoff-limit", type=int, default=0, help="retries of the Job (default: 0)")
    job.add_argument("--restart-policy", default="Never", choices=["Never", "OnFailure"],
                     help="pod restart policy (default: Never)")
    job.add_argument("--pvc", default=None, metavar="NAME:MOUNT",
                     help="PersistentVolumeClaim to mount, and where; output paths are written under MOUNT "
                     "(default: none)")
    job.add_argument("--secret-name", default=None,
                     help="Kubernetes Secret holding the secret parameters (default: <operator name>-secrets)")


def _pvc(text: str | None) -> tuple[str | None, str]:
    if text is None:
        return None, "/data"
    name, sep, mount = text.partition(":")
    if not sep or not name or not mount:
        raise SettingsError(f"--pvc expects NAME:MOUNT (e.g. mydata:/data), got {text!r}")
    return name, mount


def settings_from_args(args: argparse.Namespace) -> ArtifactSettings:
    """Return the emitters' settings from the parsed command line."""
    pvc_name, pvc_mount = _pvc(args.pvc)
    return ArtifactSettings(
        image=ImageSettings(repository=args.repository, version=args.version),
        dockerfile=DockerfileSettings(base_image=args.base_image),
        job=JobSettings(
            pull_secret=args.pull_secret,
            backoff_limit=args.backoff_limit,
            restart_policy=args.restart_policy,
            pvc_name=pvc_name,
            pvc_mount=pvc_mount,
            secret_name=args.secret_name,
        ),
    )


def operator_relative(operator: Path, paths: list[Path]) -> list[Path]:
    """Paths as typed (relative to the working directory) made relative to the operator's directory.

    A path that does not exist from the working directory is kept as it is,
    so the parser reads it relative to the operator's directory (or reports it).
    """
    base = Path(os.path.abspath(operator.parent))
    result = []
    for path in paths:
        full = Path(os.path.abspath(path))
        if path.exists() and full.is_relative_to(base):
            result.append(full.relative_to(base))
        else:
            result.append(path)
    return result


def run(args: argparse.Namespace) -> int:
    """Compile the operator named in ``args``; print the written paths; return 0."""
    additional = operator_relative(args.operator, args.additional_files)
    from claimed_cwl.compile import compile_operator  # noqa: PLC0415 - keep CLI start-up light

    result = compile_operator(args.operator, additional, settings_from_args(args), args.out, force=args.force)
    if args.explain and result.analysis is not None:
        print_explanation(args.operator, result.analysis)
    for path in result.written:
        print(path)
    return 0


def print_explanation(operator: Path, analysis: Any) -> None:
    """Print ``--explain``: each parameter's decision and the evidence (shared by compile and build)."""
    from claimed_cwl.parse import format_explanations  # noqa: PLC0415

    print(format_explanations(str(operator), analysis.explanations, analysis.network), end="")
