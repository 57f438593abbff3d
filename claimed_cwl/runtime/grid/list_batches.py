"""List the batches of a batch source as JSON (the first step of a grid workflow).

    python -m claimed_cwl.runtime.grid.list_batches --batch-file batches.csv --output batches.json

Every batch id is validated (safe as a file name and an object key) before
anything is written; the output is a JSON list, in source order (sorted for a
file path pattern), without duplicates. With ``--cwl-output`` it also writes
``cwl.output.json`` (the CWL tool's outputs: ``batches``, and ``batches_json``,
the ``--output`` file), so the tool needs no JavaScript to read the list.

With ``--coordinator``, ``batches`` (and the printed list) holds only the batches still to
do: those with a processed marker, or an error marker unless the ignore-error-files setting
is true, are left out, so a re-run of a finished grid starts no container for them. They
are written to ``--skipped`` as ``{batch: "skipped"}`` (a worker result file, which the
report counts). ``--output`` always holds every batch. A batch listed as to do and finished
meanwhile by another run is found done by its worker, as before.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from claimed_cwl.runtime.core import atomic_write
from claimed_cwl.runtime.grid.batches import resolve_batches
from claimed_cwl.runtime.grid.config import add_batch_source, add_setting, add_settings, parse_bool, redact
from claimed_cwl.runtime.grid.coordinator import CoordinationStore, open_store
from claimed_cwl.runtime.grid.errors import GridError
from claimed_cwl.runtime.grid.settings import IGNORE_ERRORS

__all__ = ["done_batches", "main"]

SKIPPED = "skipped"


def done_batches(store: CoordinationStore, batches: list[str], retry_failed: bool) -> set[str]:
    """The batches of ``batches`` that a worker would skip: processed, or failed unless ``retry_failed``."""
    markers = store.list_markers()
    done = markers["processed"] if retry_failed else markers["processed"] | markers["err"]
    return done & set(batches)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser."""
    parser = argparse.ArgumentParser(prog="python -m claimed_cwl.runtime.grid.list_batches",
                                     description=__doc__.split("\n")[0])
    add_batch_source(parser)
    add_settings(parser, "coordinator", "coordinator (leave out the batches already done)")
    add_setting(parser, IGNORE_ERRORS)
    parser.add_argument("--skipped", default=None,
                        help="with --coordinator: write the batches left out as {batch: \"skipped\"} JSON here")
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
        if args.cwl_output and not args.output:
            raise GridError("--cwl-output needs --output")
        if args.skipped and not args.coordinator:
            raise GridError("--skipped needs --coordinator")
        done: set[str] = set()
        if args.coordinator:
            retry_failed = parse_bool(args.ignore_error_files, IGNORE_ERRORS.env)
            done = done_batches(open_store(args.backend, args.coordinator), batches, retry_failed)
    except GridError as exc:
        print(f"list_batches: error: {redact(str(exc))}", file=sys.stderr)
        return 2
    to_do = [batch for batch in batches if batch not in done]
    if args.output:
        atomic_write(args.output, json.dumps(batches, ensure_ascii=False) + "\n")
    if args.skipped:
        skipped = {batch: SKIPPED for batch in batches if batch in done}
        atomic_write(args.skipped, json.dumps(skipped, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    if args.cwl_output:
        outputs: dict[str, object] = {"batches": to_do,
                                      "batches_json": {"class": "File", "location": Path(args.output).name}}
        if args.skipped:
            outputs["skipped"] = {"class": "File", "location": Path(args.skipped).name}
        atomic_write(Path(args.output).with_name("cwl.output.json"), json.dumps(outputs, ensure_ascii=False) + "\n")
    if not args.quiet:
        sys.stdout.write(json.dumps(to_do, ensure_ascii=False) + "\n")
    if done:
        print(f"list_batches: {len(done)} of {len(batches)} batches already done (skipped), {len(to_do)} to do",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
