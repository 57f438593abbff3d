"""``claimed-cwl check``: preflight of an environment (and a document's images) before a run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from claimed_cwl.config.arguments import add_environment_arguments, resolve_from_args
from claimed_cwl.errors import ClaimedError

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``check`` sub-command to ``subparsers``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "check",
        help="preflight: are the engine, images, job store, S3, cluster and secrets ready for a run?",
        description="Check, before anything is submitted, that each resource a run in the environment needs is "
        "reachable and exists: container engine, the document's images (local engine or registry), job store, "
        "S3 credentials and buckets (and whether the S3 service implements the bucket calls of Toil's S3 job "
        "store), Kubernetes namespace, service account and secrets, Slurm controller. One line per check; "
        "exit status 1 when any check fails.",
    )
    parser.add_argument("document", nargs="?", type=Path, metavar="TOOL_OR_WORKFLOW.cwl",
                        help="check the images this CWL document (and its run: files) uses")
    add_environment_arguments(parser)
    parser.add_argument("--publish", default=None, metavar="s3://BUCKET/PREFIX", help="check this destination too")
    parser.add_argument("--input-bucket", action="append", default=[], metavar="BUCKET",
                        help="an S3 bucket the inputs come from (repeatable)")
    parser.add_argument("--restart", action="store_true", help="the run resumes an existing job store")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the checks; print one line each; return 1 when any failed."""
    from claimed_cwl.check import run_checks  # noqa: PLC0415

    if args.document is not None and not args.document.is_file():
        raise ClaimedError(f"{args.document}: no such file")
    env = resolve_from_args(args).environment
    results = run_checks(env, args.document, publish=args.publish, input_buckets=tuple(args.input_bucket),
                         restart=args.restart)
    for result in results:
        print(result.line())
    failures = sum(not result.ok for result in results)
    print(f"claimed-cwl check --env {env.name}: {len(results) - failures} ok, {failures} failed", file=sys.stderr)
    return 1 if failures else 0
