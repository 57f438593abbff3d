"""``claimed-cwl grid``: compile an operator defining ``grid_process(batch_id, ...)`` into a grid workflow."""

from __future__ import annotations

import argparse
from typing import Any

from claimed_cwl.cli.build_cmd import add_keep_old_tags
from claimed_cwl.cli.compile_cmd import add_operator_arguments, operator_relative, settings_from_args

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``grid`` sub-command to ``subparsers``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "grid",
        help="compile a grid operator (grid_process per batch) into a CWL scatter workflow, Job and KFP component",
        description="Compile an operator that defines PROCESS(batch_id, ...) into OUT/<name>-grid.cwl: a CWL "
        "Workflow that lists the batches and runs them in a scatter step, one job per batch (or, with --workers N, "
        "N jobs that each list and loop over the batches), coordinated through a directory or an S3 prefix "
        "(crash-safe, exactly once to completion, resumable), and reports the counts. Also writes "
        "OUT/<name>-grid.job.yaml (Kubernetes Job, parallelism = --workers), OUT/<name>-grid.yaml (KFP) and the "
        "grid image's build context (image REPOSITORY/claimed-<name>-grid:VERSION, or claimed-<name>-grid-s3 with "
        "--backend s3: that image also holds boto3). PROCESS is checked first: a module-level function whose first "
        "parameter is the batch id and whose other parameters have defaults or module-level variables of their "
        "names. See docs/grid.md.",
    )
    add_operator_arguments(parser)
    grid = parser.add_argument_group("grid")
    grid.add_argument("--process", default="grid_process",
                      help="function called once per batch with the batch id (default: grid_process)")
    grid.add_argument("--backend", default="local", choices=["local", "s3"],
                      help="coordinator: a shared directory (local) or s3://bucket/prefix (default: local)")
    grid.add_argument("--workers", type=int, default=None, metavar="N",
                      help="scatter over N workers that each loop over the batches (default: one scatter job per "
                      "batch); also the Job's parallelism")
    grid.add_argument("--writable", action="append", default=[], metavar="PARAM",
                      help="a Directory parameter the workers write into, updated in place (repeatable)")
    parser.add_argument("--build", action="store_true", help="build the grid image with the Docker engine")
    add_keep_old_tags(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compile (and build) the grid; print the image and the written files; return 0."""
    from claimed_cwl.grid.compile import compile_grid  # noqa: PLC0415 - keep CLI start-up light

    client = None
    if args.build:
        from claimed_cwl.build import docker_client  # noqa: PLC0415

        client = docker_client()
    options = {"process": args.process, "backend": args.backend, "workers": args.workers,
               "writable": tuple(args.writable)}
    additional = operator_relative(args.operator, args.additional_files)
    built = compile_grid(args.operator, additional, settings_from_args(args), options, out_dir=args.out,
                         client=client, force=args.force,
                         keep_old_tags=args.keep_old_tags)
    if built.image is not None:
        state = "up to date" if built.image.reused else "built"
        print(f"image {built.image.image} {state} (content digest {built.image.digest[:12]})")
    for path in built.written:
        print(path)
    return 0
