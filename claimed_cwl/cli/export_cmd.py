"""``claimed-cwl export WORKFLOW.cwl --out DIR``: a bundle for workflow registries and other CWL platforms."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from claimed_cwl.errors import ClaimedError

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``export`` sub-command to ``subparsers``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "export",
        help="write a workflow as a bundle for registries: packed CWL pinned by digest, .dockstore.yml, RO-Crate",
        description="Write into DIR: WORKFLOW.cwl packed into one file, with schema.org metadata (s:author, "
        "s:license, s:codeRepository, s:dateCreated) and every dockerPull pinned to its registry digest "
        "(name@sha256:...; push the images first); NAME.test.json, the test parameters (--test-job, else the "
        "workflow's defaults), with the local files they name under test-data/; .dockstore.yml (version 1.2); "
        "and NAME.crate.zip, a Workflow RO-Crate of all of it. Nothing is written unless everything checks out.",
    )
    parser.add_argument("workflow", type=Path, metavar="WORKFLOW.cwl", help="the CWL workflow (saved or packed)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="the bundle's directory")
    parser.add_argument("--author", action="append", default=[], metavar="'NAME [<EMAIL>] [ORCID]'",
                        help="an author, e.g. 'Ada Lovelace <ada@example.org> 0000-0002-1825-0097' (repeatable; "
                        "default: git's user.name and user.email)")
    parser.add_argument("--license", required=True, metavar="SPDX-ID", help="the licence, e.g. Apache-2.0")
    parser.add_argument("--code-repository", default=None, metavar="URL",
                        help="where the workflow's code lives (default: the git remote 'origin', as https)")
    parser.add_argument("--date-created", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                        help="when the workflow was made (default: the date of the last commit that changed it, "
                        "else today)")
    parser.add_argument("--test-job", type=Path, default=None, metavar="JOB",
                        help="test parameters (YAML or JSON) for the required inputs the workflow has no default for")
    parser.add_argument("--force", action="store_true", help="overwrite files in DIR that claimed-cwl did not write")
    parser.set_defaults(func=run)


def _git_author(workflow: Path) -> list[str]:
    import subprocess  # noqa: PLC0415

    def config(key: str) -> str:
        done = subprocess.run(["git", "-C", str(workflow.parent), "config", key], capture_output=True, text=True,
                              check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    name, email = config("user.name"), config("user.email")
    return [f"{name} <{email}>" if email else name] if name else []


def run(args: argparse.Namespace) -> int:
    """Export the workflow; print the paths written; return the exit code."""
    from claimed_cwl.build import docker_client  # noqa: PLC0415 - the engine only when exporting
    from claimed_cwl.export import BundleMetadata, export_workflow, parse_author  # noqa: PLC0415
    from claimed_cwl.export.metadata import git_code_repository, git_date  # noqa: PLC0415

    workflow: Path = args.workflow
    if not workflow.is_file():
        raise ClaimedError(f"{workflow}: no such file")
    authors = args.author or _git_author(workflow)
    repository = args.code_repository or git_code_repository(workflow)
    if repository is None:
        raise ClaimedError(f"{workflow}: no git remote 'origin' to take the code repository from: "
                           "give --code-repository URL")
    metadata = BundleMetadata(tuple(parse_author(text) for text in authors), args.license, repository,
                              args.date_created or git_date(workflow))
    result = export_workflow(workflow, args.out, metadata, docker_client(), test_job=args.test_job, force=args.force)
    for path in result.paths:
        print(path)
    return 0
