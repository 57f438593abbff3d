"""``claimed-cwl build``: compile an operator and build (and push) its image."""

from __future__ import annotations

import argparse
from typing import Any

from claimed_cwl.cli.compile_cmd import (
    add_operator_arguments,
    operator_relative,
    print_explanation,
    settings_from_args,
)
from claimed_cwl.errors import ClaimedError

__all__ = ["add_keep_old_tags", "register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``build`` sub-command to ``subparsers``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "build",
        help="compile an operator and build its container image (optionally push it)",
        description="Compile an operator as 'compile' does, then build its image with the Docker engine. "
        "The image is tagged REPOSITORY/claimed-<name>:VERSION and REPOSITORY/claimed-<name>:sha-<digest>, "
        "where the digest covers the source, additional files, the dependency lock and base image: building an "
        "unchanged operator again does no work. The Python requirements are resolved once in the base image and "
        "pinned in OUT/requirements.lock (used until the requirements change, or --refresh-lock). After a build, "
        "every module the operator imports is looked up inside the image; a missing one fails the build with "
        "its line and the package to add (or --add-missing). Build output is shown with --log-level DEBUG; a "
        "failed build shows the failing step, pip's reason and the path of the full log.",
    )
    add_operator_arguments(parser)
    parser.add_argument("--push", action="store_true", help="push the image (both tags) to its registry")
    parser.add_argument("--add-missing", action="store_true",
                        help="when the built image lacks a module the operator imports, add the package that "
                        "provides it (recorded in OUT/requirements.lock), and build again")
    parser.add_argument("--no-cache", action="store_true",
                        help="build every layer again, without the engine's layer cache (a changed content "
                        "digest is still needed: an unchanged operator is reused)")
    parser.add_argument("--refresh-lock", action="store_true",
                        help="resolve the Python requirements again instead of using OUT/requirements.lock")
    add_keep_old_tags(parser)
    parser.add_argument("--engine", default="docker", choices=["docker", "podman"],
                        help="container engine that builds the image (default: docker; podman can only run)")
    parser.set_defaults(func=run)


def add_keep_old_tags(parser: argparse.ArgumentParser) -> None:
    """Add ``--keep-old-tags``: shared by ``build`` and ``grid``."""
    parser.add_argument("--keep-old-tags", action="store_true",
                        help="keep the earlier sha-<digest> tags of the image's repository (default: only the tag of "
                        "the current content is kept; an earlier image left without any tag is removed)")


def run(args: argparse.Namespace) -> int:
    """Build the operator named in ``args``; print the image and the written files."""
    if args.engine != "docker":
        raise ClaimedError("building images needs the Docker engine; podman is supported for running only "
                           "(claimed-cwl run --engine podman)")
    from claimed_cwl.build import docker_client  # noqa: PLC0415 - keep CLI start-up light
    from claimed_cwl.build.operator_build import build_operator  # noqa: PLC0415

    additional = operator_relative(args.operator, args.additional_files)
    built = build_operator(docker_client(), args.operator, additional, settings_from_args(args),
                           args.out, push=args.push, add_missing=args.add_missing, refresh_lock=args.refresh_lock,
                           no_cache=args.no_cache, force=args.force, keep_old_tags=args.keep_old_tags)
    for name, why in built.added:
        print(f"added {name} ({why}); recorded in requirements.lock")
    if built.resolved:
        print("resolved the Python requirements in the base image: requirements.lock")
    if args.explain and built.analysis is not None:
        print_explanation(args.operator, built.analysis)
    state = "up to date" if built.image.reused else "built"
    print(f"image {built.image.image} {state} (content digest {built.image.digest[:12]})")
    for path in built.written:
        print(path)
    return 0
