#!/usr/bin/env python3
"""The vendored CWL v1.2 conformance suite in conformance/cwl-v1.2: copy it in, or check it is unmodified.

    python conformance/vendor_suite.py --check               # every file matches conformance/cwl-v1.2.sha256
    python conformance/vendor_suite.py --from CHECKOUT --commit SHA
                                                             # replace the suite with a cwl-v1.2 checkout's files

The suite is test data from https://github.com/common-workflow-language/cwl-v1.2
(Apache-2.0, LICENSE.txt beside it). Its files are never edited here: ORIGIN.txt
records the commit they came from, and cwl-v1.2.sha256 the SHA-256 of each file,
so that ``--check`` (run by tests/test_conformance_required.py) finds any change.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from pathlib import Path

__all__ = ["check", "main", "manifest"]

HERE = Path(__file__).resolve().parent
SUITE = HERE / "cwl-v1.2"
MANIFEST = HERE / "cwl-v1.2.sha256"
ORIGIN = "ORIGIN.txt"
UPSTREAM = "https://github.com/common-workflow-language/cwl-v1.2"
# What is taken from a checkout: the test list, the tests, their documentation and the licence.
PARTS = ("conformance_tests.yaml", "tests", "CONFORMANCE_TESTS.md", "LICENSE.txt")


def manifest(root: Path) -> str:
    """``sha256  relative/path`` for every file under ``root`` but ORIGIN.txt, sorted by path."""
    lines = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.relative_to(root).as_posix() != ORIGIN):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  {path.relative_to(root).as_posix()}")
    return "\n".join(lines) + "\n"


def check(root: Path = SUITE, recorded: Path = MANIFEST) -> list[str]:
    """Differences between the files under ``root`` and the manifest ``recorded`` (empty: unmodified)."""
    want = dict(reversed(line.split("  ", 1)) for line in recorded.read_text(encoding="utf-8").splitlines())
    have = dict(reversed(line.split("  ", 1)) for line in manifest(root).splitlines())
    problems = [f"missing: {name}" for name in sorted(set(want) - set(have))]
    problems += [f"not in the manifest: {name}" for name in sorted(set(have) - set(want))]
    problems += [f"changed: {name}" for name in sorted(set(want) & set(have)) if want[name] != have[name]]
    if not (root / ORIGIN).is_file():
        problems.append(f"missing: {ORIGIN}")
    return problems


def vendor(checkout: Path, commit: str) -> None:
    """Replace the suite with ``PARTS`` of a cwl-v1.2 checkout at ``commit``; write ORIGIN.txt and the manifest."""
    for part in PARTS:
        if not (checkout / part).exists():
            raise SystemExit(f"vendor_suite: {checkout / part}: not found (is this a cwl-v1.2 checkout?)")
    shutil.rmtree(SUITE, ignore_errors=True)
    SUITE.mkdir(parents=True)
    for part in PARTS:
        source = checkout / part
        if source.is_dir():
            shutil.copytree(source, SUITE / part)
        else:
            shutil.copy2(source, SUITE / part)
    (SUITE / ORIGIN).write_text(
        f"Source: {UPSTREAM} at commit {commit}\n"
        f"Files: {', '.join(PARTS)} (unmodified; Apache-2.0, see LICENSE.txt).\n"
        "The CWL v1.2 conformance suite (test data). Do not edit: replace it with\n"
        "    python conformance/vendor_suite.py --from CHECKOUT --commit SHA\n"
        "conformance/cwl-v1.2.sha256 lists the SHA-256 of every file; `vendor_suite.py --check` compares.\n",
        encoding="utf-8")
    MANIFEST.write_text(manifest(SUITE), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Check or replace the vendored suite; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare the suite with its manifest")
    parser.add_argument("--from", dest="checkout", type=Path, help="a cwl-v1.2 checkout to copy the suite from")
    parser.add_argument("--commit", help="the commit of that checkout (recorded in ORIGIN.txt)")
    args = parser.parse_args(argv)
    if args.checkout is not None:
        if not args.commit:
            parser.error("--from needs --commit (the commit the files come from)")
        vendor(args.checkout, args.commit)
        print(f"vendor_suite: {SUITE.relative_to(HERE.parent)} from {args.checkout} at {args.commit}")
    problems = check()
    for problem in problems:
        print(f"vendor_suite: {problem}", file=sys.stderr)
    if problems:
        print("vendor_suite: the vendored suite differs from conformance/cwl-v1.2.sha256", file=sys.stderr)
        return 1
    print(f"vendor_suite: {SUITE.relative_to(HERE.parent)} matches its manifest "
          f"({len(MANIFEST.read_text(encoding='utf-8').splitlines())} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
