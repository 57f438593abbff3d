r"""Count processed, failed, pending and skipped batches of a grid run (its last step).

    python -m claimed_cwl.runtime.grid.report --coordinator s3://bucket/run1 --batches-json batches.json \\
        --results worker-*.json --output report.json

``processed`` / ``failed`` / ``pending`` come from the coordinator's markers for
the listed batches (a batch with both markers counts as processed); ``skipped``
counts the batches that this run's workers found already done or failed (from
their ``--result-file``). Exit 0 when every batch is processed, 1 when some
failed (unless ``--tolerate-errors``) or are still pending, 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from claimed_cwl.runtime.core import atomic_write
from claimed_cwl.runtime.grid.batches import resolve_batches
from claimed_cwl.runtime.grid.config import add_batch_source, add_settings, parse_bool, redact
from claimed_cwl.runtime.grid.coordinator import CoordinationStore, open_store
from claimed_cwl.runtime.grid.errors import GridError

__all__ = ["count_batches", "main"]


def count_batches(store: CoordinationStore, batches: Sequence[str], results: Sequence[str] = ()) -> dict[str, Any]:
    """Return the counts (and the failed batches with their error lines) for ``batches`` on ``store``."""
    markers = store.list_markers()
    processed = [b for b in batches if b in markers["processed"]]
    failed = [b for b in batches if b in markers["err"] and b not in markers["processed"]]
    done = set(processed) | set(failed)
    said_skipped: set[str] = set()
    ran_here: set[str] = set()
    for result in results:
        try:
            outcomes = json.loads(Path(result).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise GridError(f"cannot read a worker result file: {exc}", result) from None
        for batch, outcome in outcomes.items():
            (said_skipped if outcome == "skipped" else ran_here).add(batch)
    # Skipped: no worker of this run ran it, and one found it already done (or failed) before.
    skipped = (said_skipped - ran_here) & set(batches)
    errors = {}
    for batch in failed:
        data = store.read_marker(batch, "err")
        try:
            errors[batch] = str(json.loads(data or b"{}").get("error", ""))
        except ValueError:
            errors[batch] = "(unreadable error marker)"
    return {
        "total": len(batches),
        "processed": len(processed),
        "failed": len(failed),
        "pending": len([b for b in batches if b not in done]),
        "skipped": len(skipped),
        "failed_batches": errors,
    }


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser."""
    parser = argparse.ArgumentParser(prog="python -m claimed_cwl.runtime.grid.report",
                                     description=__doc__.split("\n")[0])
    add_settings(parser, "coordinator")
    add_batch_source(parser)
    parser.add_argument("--results", nargs="*", default=[], help="worker --result-file JSON files of this run")
    add_settings(parser, "report")
    parser.add_argument("--output", default=None, help="write the counts as JSON here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: print the counts; exit 0 (all processed), 1 (failed or pending) or 2 (bad input)."""
    args = build_parser().parse_args(argv)
    try:
        tolerate = parse_bool(args.tolerate_errors, "--tolerate-errors")
        batches = resolve_batches(
            args.batch_file, args.batch_file_col_name, args.file_path_pattern, args.group_by, args.batches_json
        )
        counts = count_batches(open_store(args.backend, args.coordinator or ""), batches, args.results)
    except GridError as exc:
        print(f"report: error: {redact(str(exc))}", file=sys.stderr)
        return 2
    text = json.dumps(counts, indent=1, sort_keys=True) + "\n"
    if args.output:
        atomic_write(args.output, text)
    print(
        f"{counts['total']} batches: {counts['processed']} processed, {counts['failed']} failed, "
        f"{counts['pending']} pending, {counts['skipped']} skipped (done before this run)"
    )
    for batch, error in counts["failed_batches"].items():
        print(f"  failed {batch}: {redact(error)}", file=sys.stderr)
    if counts["pending"] or (counts["failed"] and not tolerate):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
