"""The ``claimed-cwl`` command: one module per sub-command, chosen from a table.

Each command module exposes ``register(subparsers)`` (adds its parser and sets
``func``) and a ``run(args) -> int``. Only :func:`main` turns errors into exit
codes; commands return them.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from claimed_cwl import __version__
from claimed_cwl.errors import ClaimedError
from claimed_cwl.runners.private import Terminated

__all__ = ["build_parser", "main", "runner_main"]

# Sub-command name -> module under claimed_cwl.cli. Order is the order of --help.
COMMANDS: dict[str, str] = {
    "compile": "claimed_cwl.cli.compile_cmd",
    "build": "claimed_cwl.cli.build_cmd",
    "run": "claimed_cwl.cli.run_cmd",
    "workflow": "claimed_cwl.cli.workflow_cmd",
    "viz": "claimed_cwl.cli.viz_cmd",
    "export": "claimed_cwl.cli.export_cmd",
    "import-kfp": "claimed_cwl.cli.import_cmd",
    "config": "claimed_cwl.cli.config_cmd",
    "check": "claimed_cwl.cli.check_cmd",
    "k8s": "claimed_cwl.cli.k8s_cmd",
    "grid": "claimed_cwl.cli.grid_cmd",
}


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="claimed-cwl",
        allow_abbrev=False,  # options are matched in full: run's inputs may look like prefixes of ours
        description="Compile CLAIMED operators (Python scripts, notebooks, R scripts) into container images, "
        "typed CWL v1.2 tools, KubeFlow components and Kubernetes Jobs; compose and run them.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="verbosity of log messages on stderr (default: WARNING)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMANDS.values():
        importlib.import_module(module_name).register(subparsers)
    return parser


def _configure_logging(level: str) -> None:
    """Send claimed_cwl's log records at ``level`` and above to the current stderr (once per call)."""
    logger = logging.getLogger("claimed_cwl")
    for handler in [h for h in logger.handlers if getattr(h, "claimed_cli", False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.claimed_cli = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        if not hasattr(args, "backend_args"):
            parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        args.backend_args = unknown  # 'run' hands options it does not know to the backend
    _configure_logging(args.log_level)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        code: int = args.func(args)
    except ClaimedError as exc:
        print(f"claimed-cwl: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("claimed-cwl: interrupted", file=sys.stderr)
        return 130
    except Terminated as exc:
        print(f"claimed-cwl: {exc}", file=sys.stderr)
        return exc.exit_code
    return code


def runner_main() -> int:
    """``claimed-cwl-runner``: ``claimed-cwl run`` under the cwl-runner name that cwltest calls.

    As CWL runners do, it leaves out job-file keys that are no inputs (with a warning) instead of refusing them.
    """
    return main(["run", "--ignore-unknown-inputs", *sys.argv[1:]])
