"""``claimed-cwl viz WORKFLOW.cwl -o graph.svg``: draw a CWL workflow with Graphviz."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from claimed_cwl.viz import FORMATS, render_workflow

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``viz`` sub-command to ``subparsers``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "viz",
        help="draw a CWL workflow (steps, data edges, scatter) with Graphviz",
        description="Draw WORKFLOW.cwl (a saved or packed CWL Workflow) with Graphviz: inputs, steps, outputs and "
        "the data edges between them, scattered steps with a double border, subworkflows as 3-D boxes. "
        f"The format comes from the suffix of the output file ({', '.join(FORMATS)}). Needs Graphviz's 'dot'.",
    )
    parser.add_argument("workflow", type=Path, metavar="WORKFLOW.cwl", help="the CWL Workflow to draw")
    parser.add_argument("-o", "--out", type=Path, default=None, metavar="PICTURE",
                        help="output picture, e.g. graph.svg or graph.png (default: WORKFLOW.svg)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Render the picture; print its path; return the exit code."""
    out: Path = args.out or args.workflow.with_suffix(".svg")
    print(render_workflow(args.workflow, out))
    return 0
