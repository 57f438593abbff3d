"""``claimed-cwl config show``: the merged settings of one environment, with origins, secrets masked."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from claimed_cwl.config.arguments import add_environment_arguments, resolve_from_args
from claimed_cwl.config.show import render_toml

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``config`` sub-command to ``subparsers``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "config",
        help="show the merged settings of an execution environment",
        description="Print the settings of an execution environment as TOML, merged from the built-in defaults, "
        "claimed-cwl.toml, CLAIMED_CWL_* environment variables and flags, each with where it came from. "
        "Secret values are masked.",
    )
    parser.add_argument("action", choices=["show"], help="show: print the merged settings")
    add_environment_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the merged settings; return 0."""
    resolved = resolve_from_args(args)
    sys.stdout.write(render_toml(resolved, os.environ))
    return 0
