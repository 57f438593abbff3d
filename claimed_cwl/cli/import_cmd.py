"""``claimed-cwl import-kfp COMPONENT.yaml -o tool.cwl``: a KubeFlow v1 component as a CWL tool."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``import-kfp`` sub-command to ``subparsers``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "import-kfp",
        help="convert a KubeFlow Pipelines v1 component YAML into a CWL CommandLineTool",
        description="Convert a KubeFlow Pipelines v1 component (implementation.container with inputValue, "
        "inputPath, outputPath, concat and if/isPresent placeholders) into a CWL v1.2 CommandLineTool that runs "
        "the same image with the same command line, so the component can join CWL workflows.",
    )
    parser.add_argument("component", type=Path, metavar="COMPONENT.yaml", help="the KFP component file")
    parser.add_argument("-o", "--out", type=Path, default=None, metavar="TOOL.cwl",
                        help="output file (default: COMPONENT.cwl next to the component)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Convert and write the tool (all or nothing); print its path; return the exit code."""
    from claimed_cwl.importers.kfp import emit_kfp_cwl  # noqa: PLC0415 - keep CLI start-up light
    from claimed_cwl.runtime.core import atomic_write  # noqa: PLC0415

    out: Path = args.out or args.component.with_suffix(".cwl")
    print(atomic_write(out, emit_kfp_cwl(args.component)))
    return 0
