"""List the batches of a batch source as JSON (the first step of a grid workflow).

    python -m claimed_cwl.runtime.grid.list_batches --batch-file batches.csv --output batches.json

Every batch id is validated (safe as a file name and an object key) before
anything is written; the output is a JSON list, in source order (sorted for a
file path pattern), without duplicates. With ``--cwl-output`` it also writes
``cwl.output.json`` (the CWL tool's outputs: ``batches``, and ``batches_json``,
the ``--output`` file), so the tool needs no JavaScript to read the list.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from claimed_cwl.runtime.core import atomic_write
from claimed_cwl.runtime.grid.batches import resolve_batches
from claimed_cwl.runtime.grid.config import add_batch_source, redact
from claimed_cwl.runtime.grid.errors import GridError

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser."""
    parser = argparse.ArgumentParser(prog="python -m claimed_cwl.runtime.grid.list_batches",
                                     description=__doc__.split("\n")[0])
    add_batch_source(parser)
    parser.add_argument("--output", default=None, help="write the JSON list here (written whole, or not at all)")
    parser.add_argument("--cwl-output", action="store_true",
                        help="also write cwl.output.json: {batches: [...], batches_json: the --output File}")
    parser.add_argument("--quiet", action="store_true", help="do not print the list on stdout")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: print (and write) the batch list; exit 2 with one line on stderr for bad input."""
    args = build_parser().parse_args(argv)
    try:
        batches = resolve_batches(
            args.batch_file, args.batch_file_col_name, args.file_path_pattern, args.group_by, args.batches_json
        )
    except GridError as exc:
        print(f"list_batches: error: {redact(str(exc))}", file=sys.stderr)
        return 2
    if args.cwl_output and not args.output:
        print("list_batches: error: --cwl-output needs --output", file=sys.stderr)
        return 2
    text = json.dumps(batches, ensure_ascii=False) + "\n"
    if args.output:
        atomic_write(args.output, text)
    if args.cwl_output:
        outputs = {"batches": batches, "batches_json": {"class": "File", "location": Path(args.output).name}}
        atomic_write(Path(args.output).with_name("cwl.output.json"), json.dumps(outputs, ensure_ascii=False) + "\n")
    if not args.quiet:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
