"""``claimed-cwl k8s manifests``: the Kubernetes objects a Toil run in a cluster needs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from claimed_cwl.config.arguments import add_environment_arguments, resolve_from_args
from claimed_cwl.errors import ClaimedError

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``k8s`` sub-command to ``subparsers``."""
    group: argparse.ArgumentParser = subparsers.add_parser(
        "k8s", help="write the Kubernetes manifests of a Toil run (RBAC, secret templates, leader Job)",
        description="Kubernetes deployment assets for Toil runs. See runners/kubernetes/README.md.")
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    parser: argparse.ArgumentParser = actions.add_parser(
        "manifests",
        help="write the manifests",
        description="Write, for an environment with batch_system = kubernetes, the Namespace, ServiceAccount, "
        "Role and RoleBinding Toil's kubernetes batch system needs (setup/), Secret templates with placeholders "
        "(secrets/), and a Job that runs the Toil leader (toil-cwl-runner --batchSystem kubernetes with the S3 "
        "job store) plus a ConfigMap holding the packed workflow and its job file (run/). See "
        "runners/kubernetes/README.md.",
    )
    parser.add_argument("document", nargs="?", type=Path, metavar="WORKFLOW.cwl",
                        help="the workflow the leader runs (packed into a ConfigMap)")
    parser.add_argument("job", nargs="?", type=Path, metavar="JOB.yaml",
                        help="its inputs (use s3:// or https:// locations: the pod sees no local files)")
    parser.add_argument("-o", "--out", type=Path, required=True, metavar="DIR", help="output directory")
    add_environment_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the manifests; print their paths; return 0."""
    from claimed_cwl.k8s import write_manifests  # noqa: PLC0415

    for path in (args.document, args.job):
        if path is not None and not path.is_file():
            raise ClaimedError(f"{path}: no such file")
    env = resolve_from_args(args).environment
    for path in write_manifests(env, args.out, args.document, args.job):
        print(path)
    return 0
