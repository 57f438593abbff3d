"""Compare what two versions of claimed-cwl generate: the example library and the test corpora, byte for byte.

Usage (from the repository root, with the project's .venv active)::

    python scripts/compare_generated.py --base REV [--out DIR] [--keep]

REV (a commit, e.g. the one a refactoring started from) is exported with
``git archive`` into a temporary folder; the working tree is the other
version. Each version runs through its own command line (``python -m
claimed_cwl`` with ``PYTHONPATH`` set to that tree), with the same inputs
(always taken from the working tree), in the same environment:

- ``compile`` of every operator of ``cwl/`` (as ``scripts/regen-examples.sh``
  names their images), ``tests/golden``, ``tests/corpus`` and
  ``tests/corpus_usage`` (with their additional files), and its ``--explain``
  text;
- ``workflow build --pack`` of every pipeline in ``workflows/``;
- ``grid`` of the grid example ``tests/e2e/grid/grid_op.py`` (both
  backends, per batch and with workers), reported apart: the grid's artifacts
  name in-image module paths, which a rename may change on purpose.

Every file written is compared; the script prints each difference (a unified
diff of text files) and exits 1 when the example library or the corpora
differ, 0 when they are byte-identical. The launcher files that compile copies
into each build context (``claimed_launcher.*``, ``claimed_notebook.py``: the
package's own runtime files, not emitted artifacts) are compared and reported
apart, as are their lines in the list of generated files.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE_SUFFIXES = (".py", ".ipynb", ".R")
_LAUNCHERS = ("claimed_launcher.py", "claimed_launcher.R", "claimed_notebook.py")


@dataclass(frozen=True)
class Case:
    """One command to run in both versions: its output folder name and its arguments."""

    name: str
    args: tuple[str, ...]
    group: str = "library"  # "library" (must be identical) or "grid" (reported apart)


def _operator_files(case_yaml: Path) -> dict[str, list[str]]:
    """Source -> additional files, from a corpus' expected.yaml (``files`` or ``additional_files``)."""
    from ruamel.yaml import YAML  # noqa: PLC0415 - the project's venv has it

    data = YAML(typ="safe", pure=True).load(case_yaml.read_text(encoding="utf-8"))
    found: dict[str, list[str]] = {}
    for entry in data.get("operators", []):
        files = entry.get("files") or entry.get("additional_files") or []
        found[str(entry["source"])] = [str(name) for name in files]
    return found


def _sources(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in SOURCE_SUFFIXES
                  and p.name not in _LAUNCHERS and "data" not in p.relative_to(folder).parts[:-1])


def cases() -> list[Case]:
    """Every command whose output is compared."""
    found: list[Case] = []
    image = ("--repository", "claimed", "--version", "0.1.0")
    for source in _sources(ROOT / "cwl"):
        found.append(Case(f"cwl/{source.parent.name}", ("compile", str(source), *image)))
    golden_files = {"filter_csv.py": ["helpers/util.py"]}
    for folder in sorted(p for p in (ROOT / "tests" / "golden").iterdir() if p.is_dir()):
        for source in _sources(folder):
            if source.parent == folder:
                extra = [str(folder / name) for name in golden_files.get(source.name, [])]
                found.append(Case(f"golden/{folder.name}", ("compile", str(source), *extra)))
    for corpus in ("corpus", "corpus_usage"):
        base = ROOT / "tests" / corpus
        listed = _operator_files(base / "expected.yaml")
        for relative, extra in sorted(listed.items()):
            source = base / relative
            files = [str(source.parent / name) for name in extra]
            found.append(Case(f"{corpus}/{relative}", ("compile", str(source), *files)))
            found.append(Case(f"{corpus}/{relative}.explain", ("compile", str(source), *files, "--explain")))
    for pipeline in sorted((ROOT / "workflows").glob("*.py")):
        found.append(Case(f"workflows/{pipeline.stem}", ("workflow", "build", str(pipeline), "--pack")))
    grid_op = ROOT / "tests" / "e2e" / "grid" / "grid_op.py"
    if grid_op.is_file():
        for backend in ("local", "s3"):
            for workers in ((), ("--workers", "3")):
                suffix = f"{backend}{'-workers' if workers else ''}"
                found.append(Case(f"grid/{suffix}", ("grid", str(grid_op), "--backend", backend, *workers,
                                                      "--repository", "claimed", "--version", "0.1.0"), "grid"))
    return found


def _run(tree: Path, case: Case, out: Path) -> None:
    """Run ``case`` with the claimed-cwl in ``tree``; its files go to ``out``, its stdout to ``out/.stdout``."""
    out.mkdir(parents=True, exist_ok=True)
    args = list(case.args)
    args += ["-o", str(out)] if args[0] == "workflow" else ["--out", str(out)]
    # cwd = the tree: ``python -m`` puts it first on sys.path, before the editable install of the working tree
    env = {**os.environ, "PYTHONPATH": str(tree), "NO_COLOR": "1", "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-m", "claimed_cwl", *args], capture_output=True, text=True,
                          env=env, cwd=tree, check=False)
    stdout = done.stdout.replace(str(out), "<OUT>")
    (out / ".stdout").write_text(f"exit {done.returncode}\n{stdout}", encoding="utf-8")
    (out / ".stderr").write_text(done.stderr.replace(str(out), "<OUT>"), encoding="utf-8")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
            and p.name != ".stderr"}


def _without_copies(name: str, data: bytes | None) -> bytes | None:
    """The list of generated files without the copied launchers' lines (they are compared apart)."""
    if data is None or not Path(name).name not in (".claimed-cwl-generated", ".claimed-cwl-generated.json"):
        return data
    listed = json.loads(data)
    listed["files"] = {k: v for k, v in listed.get("files", {}).items() if Path(k).name not in _LAUNCHERS}
    return json.dumps(listed, sort_keys=True).encode()


def _group(case: Case, name: str) -> str:
    return "copied" if case.group == "library" and Path(name).name in _LAUNCHERS else case.group


def _diff(name: str, old: bytes | None, new: bytes | None) -> str:
    if old is None or new is None:
        return f"  {name}: {'only in the working tree' if old is None else 'only in the base'}\n"
    try:
        lines = difflib.unified_diff(old.decode().splitlines(True), new.decode().splitlines(True),
                                     f"base/{name}", f"work/{name}", n=1)
        return "".join(lines)
    except UnicodeDecodeError:
        return f"  {name}: binary files differ\n"


def _export(rev: str, target: Path) -> None:
    archive = subprocess.run(["git", "archive", "--format=tar", rev], cwd=ROOT, capture_output=True, check=True)
    with tarfile.open(fileobj=__import__("io").BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")


def main(argv: list[str] | None = None) -> int:
    """Generate with both versions, compare, print the differences; 1 when the library or corpora differ."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", required=True, help="the commit to compare with")
    parser.add_argument("--out", type=Path, default=None, help="keep both outputs here (default: a temporary folder)")
    parser.add_argument("--reuse-base", action="store_true",
                        help="keep the base outputs already in --out (the base does not change)")
    parser.add_argument("--work-tree", type=Path, default=ROOT, help="the other version (default: this checkout)")
    args = parser.parse_args(argv)
    work = args.out or Path(tempfile.mkdtemp(prefix="claimed-compare-"))
    base_tree = work / "base-tree"
    if not (args.reuse_base and args.out):
        shutil.rmtree(work / "base", ignore_errors=True)
    shutil.rmtree(work / "work", ignore_errors=True)
    if not base_tree.is_dir():
        _export(args.base, base_tree)
    differing: dict[str, list[str]] = {"library": [], "copied": [], "grid": []}
    all_cases = cases()
    for case in all_cases:
        if not (work / "base" / case.name / ".stdout").is_file():
            _run(base_tree, case, work / "base" / case.name)
        _run(args.work_tree.resolve(), case, work / "work" / case.name)
        old, new = _files(work / "base" / case.name), _files(work / "work" / case.name)
        for name in sorted(set(old) | set(new)):
            if _without_copies(name, old.get(name)) != _without_copies(name, new.get(name)):
                differing[_group(case, name)].append(f"{case.name}/{name}")
                print(_diff(f"{case.name}/{name}", old.get(name), new.get(name)), end="")
    library = len([c for c in all_cases if c.group == "library"])
    print(f"\n{library} library/corpus commands: {len(differing['library'])} differing generated file(s), "
          f"{len(differing['copied'])} differing copied launcher file(s)")
    print(f"{len(all_cases) - library} grid commands: {len(differing['grid'])} differing file(s)")
    for group in ("library", "grid"):
        for name in differing[group]:
            print(f"  differs ({group}): {name}")
    copied = sorted({Path(name).name for name in differing["copied"]})
    if copied:
        print(f"  copied launcher files that differ: {', '.join(copied)}")
    print(f"outputs kept in {work}" if args.out else f"outputs in {work} (temporary)")
    return 1 if differing["library"] else 0


if __name__ == "__main__":
    sys.exit(main())
