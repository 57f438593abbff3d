"""``claimed-cwl workflow build PIPELINE.py``: run a pipeline file and write its CWL."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``workflow`` sub-command (with its ``build`` action) to ``subparsers``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "workflow",
        help="build CWL workflows from Python pipeline files",
        description="Work with workflows written in Python (claimed_cwl.workflow).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = actions.add_parser(
        "build",
        help="run PIPELINE.py and write the CWL Workflow it defines",
        description="Run PIPELINE.py (as a script named __claimed_pipeline__, so an 'if __name__ == \"__main__\"' "
        "block does not run) and write the module-level Workflow it defines, the one no other workflow uses as a "
        "step, as OUT/<name>.cwl plus one .cwl file per tool and subworkflow. Errors in the file are shown with "
        "their traceback.",
    )
    build.add_argument("pipeline", type=Path, metavar="PIPELINE.py", help="the Python file that defines the workflow")
    build.add_argument("-o", "--out", type=Path, default=None, metavar="DIR",
                       help="output directory (default: <pipeline directory>/<workflow name>)")
    build.add_argument("--pack", action="store_true",
                       help="also write OUT/<name>.packed.cwl, one self-contained file (as cwltool --pack)")
    build.add_argument("--name", default=None,
                       help="the workflow to build (workflow name or variable), when the file defines several")
    build.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the workflow; print the files written; return the exit code."""
    from claimed_cwl.workflow.script import load_pipeline  # noqa: PLC0415 - keep CLI start-up light

    workflow = load_pipeline(args.pipeline, args.name)
    out: Path = args.out or args.pipeline.parent / workflow.name
    main = workflow.save(out)
    print(main)
    if args.pack:
        packed = workflow.pack(out / f"{workflow.name}.packed.cwl")
        print(packed)
    sys.stdout.flush()
    return 0
