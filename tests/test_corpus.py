"""The operator corpus: every operator's interface, its compiled artifacts, and the error corpus.

tests/corpus/expected.yaml holds the full expected interface of every
operator in tests/corpus, written from docs/operators.md. Each operator is
parsed and compared field by field; then compiled, every ``.cwl`` validated
by cwltool and loaded by cwl-utils, and compiled twice to prove the output is
byte-identical. tests/corpus_errors holds one bad operator per error class,
run through the real command line.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
from _artifact_checks import validate_cwl
from _interface_checks import interface_mismatches
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"
ERRORS = ROOT / "tests" / "corpus_errors"
SOURCE_SUFFIXES = (".py", ".ipynb", ".R")


def _load_yaml(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


OPERATORS: list[dict[str, Any]] = _load_yaml(CORPUS / "expected.yaml")["operators"]
ERROR_CASES: list[dict[str, Any]] = _load_yaml(ERRORS / "expected.yaml")["errors"]
BY_SOURCE = {case["source"]: case for case in OPERATORS}


def _ids(case: dict[str, Any]) -> str:
    return str(case["source"])


def _source(case: dict[str, Any]) -> Path:
    return CORPUS / str(case["source"])


def _files(case: dict[str, Any]) -> tuple[Path, ...]:
    """Additional files, relative to the operator's directory (as parse_operator and compile_operator take them)."""
    return tuple(Path(name) for name in case.get("files", []))


# ----------------------------------------------------------------- the corpus itself


def _corpus_sources() -> set[str]:
    found = set()
    for path in CORPUS.rglob("*"):
        if path.suffix in SOURCE_SUFFIXES and path.is_file():
            found.add(path.relative_to(CORPUS).as_posix())
    return found


def test_corpus_is_complete_and_large_enough() -> None:
    additional = {
        (Path(case["source"]).parent / name).as_posix() for case in OPERATORS for name in case.get("files", [])
    }
    assert _corpus_sources() - additional == set(BY_SOURCE), "every corpus operator needs an entry in expected.yaml"
    languages = [case["language"] for case in OPERATORS]
    assert languages.count("python") >= 20
    assert languages.count("notebook") >= 6
    assert languages.count("r") >= 6
    assert len({case["name"] for case in OPERATORS}) == len(OPERATORS), "operator names must be unique"


@pytest.mark.parametrize("case", [c for c in OPERATORS if c["language"] == "notebook"], ids=_ids)
def test_corpus_notebooks_are_valid_nbformat_v4(case: dict[str, Any]) -> None:
    notebook = nbformat.read(_source(case), as_version=nbformat.NO_CONVERT)  # type: ignore[no-untyped-call]
    assert notebook.nbformat == 4
    nbformat.validate(notebook)


# ----------------------------------------------------------------- (a) interface


@pytest.mark.parametrize("case", OPERATORS, ids=_ids)
def test_interface(case: dict[str, Any]) -> None:
    from claimed_cwl.parse import parse_operator

    spec = parse_operator(_source(case), additional_files=_files(case))
    problems = interface_mismatches(case, spec, _source(case).name)
    assert not problems, f"{case['source']}:\n  " + "\n  ".join(problems)


# ----------------------------------------------------------------- (b), (c) compiled artifacts


@dataclass(frozen=True)
class Compiled:
    """Where one operator was compiled (twice) and what the first compile wrote."""

    first: Path
    second: Path
    spec: Any


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Compiled | Exception]:
    """Every corpus operator compiled twice, into two separate directories."""
    from claimed_cwl.compile import compile_operator
    from claimed_cwl.errors import ClaimedError

    base = tmp_path_factory.mktemp("compiled")
    result: dict[str, Compiled | Exception] = {}
    for case in OPERATORS:
        dirs = [base / run / case["name"] for run in ("first", "second")]
        try:
            specs = [compile_operator(_source(case), _files(case), None, out).spec for out in dirs]
        except ClaimedError as exc:  # reported by this operator's own tests, not by all of them
            result[case["source"]] = exc
            continue
        result[case["source"]] = Compiled(first=dirs[0], second=dirs[1], spec=specs[0])
    return result


def _compiled(compiled: dict[str, Compiled | Exception], case: dict[str, Any]) -> Compiled:
    entry = compiled[case["source"]]
    if isinstance(entry, Exception):
        pytest.fail(f"compiling {case['source']} failed: {entry}")
    return entry


def _cwl_files(directory: Path) -> list[Path]:
    return sorted(directory.rglob("*.cwl"))


@pytest.fixture(scope="module")
def validations(compiled: dict[str, Compiled | Exception]) -> dict[Path, tuple[int, str]]:
    """``cwltool --validate`` of every compiled .cwl, in-process, the schema loaded once."""
    paths = [p for entry in compiled.values() if isinstance(entry, Compiled) for p in _cwl_files(entry.first)]
    return validate_cwl(paths)


def _cwl_type_name(cwl_type: Any) -> tuple[str, bool]:
    """(base type, optional) of a cwl-utils input type such as ``['null', 'File']``."""
    types = cwl_type if isinstance(cwl_type, list) else [cwl_type]
    names = [t if isinstance(t, str) else getattr(t, "type_", repr(t)) for t in types]
    optional = "null" in names
    rest = [n.rsplit("#", 1)[-1] for n in names if n != "null"]
    return (rest[0] if len(rest) == 1 else repr(rest)), optional


def _short_id(identifier: str) -> str:
    return identifier.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


@pytest.mark.parametrize("case", OPERATORS, ids=_ids)
def test_compiled_cwl_validates_and_loads(
    case: dict[str, Any], compiled: dict[str, Compiled | Exception], validations: dict[Path, tuple[int, str]]
) -> None:
    from cwl_utils.parser import load_document_by_uri

    cwl_files = _cwl_files(_compiled(compiled, case).first)
    assert cwl_files, f"no .cwl written for {case['source']}"
    for path in cwl_files:
        code, log = validations[path]
        assert code == 0, f"cwltool --validate {path.name} failed:\n{log}"
        document = load_document_by_uri(path)
        assert document.class_ == "CommandLineTool"
        assert document.cwlVersion == "v1.2"
        inputs = {_short_id(i.id): _cwl_type_name(i.type_) for i in document.inputs}
        for raw in case["parameters"]:
            assert raw["name"] in inputs, f"{path.name}: no input {raw['name']}"
            base, optional = inputs[raw["name"]]
            assert base == raw["type"], f"{path.name}: input {raw['name']} has type {base}"
            if raw["required"]:
                assert not optional, f"{path.name}: required input {raw['name']} is optional"
            elif "default" not in raw:
                assert optional, f"{path.name}: input {raw['name']} is neither required nor defaulted: must be optional"
        outputs = {_short_id(o.id) for o in document.outputs}
        missing = {o["name"] for o in case["outputs"]} - outputs
        assert not missing, f"{path.name}: outputs {sorted(missing)} are missing"


@pytest.mark.parametrize("case", [c for c in OPERATORS if any(p["secret"] and "default" in p
                                                               for p in c["parameters"])], ids=_ids)
def test_secret_defaults_never_reach_an_artifact(
    case: dict[str, Any], compiled: dict[str, Compiled | Exception]
) -> None:
    user_files = {_source(case).name, *case.get("files", [])}
    secrets = [p["default"] for p in case["parameters"] if p["secret"] and "default" in p]
    for path in sorted(_compiled(compiled, case).first.rglob("*")):
        if path.is_file() and path.name not in user_files:
            text = path.read_text(encoding="utf-8", errors="replace")
            for value in secrets:
                assert value not in text, f"secret default {value!r} leaked into {path.name}"


def _tree(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", OPERATORS, ids=_ids)
def test_compile_is_byte_identical(case: dict[str, Any], compiled: dict[str, Compiled | Exception]) -> None:
    first, second = _tree(_compiled(compiled, case).first), _tree(_compiled(compiled, case).second)
    assert sorted(first) == sorted(second)
    assert any(name.endswith(".cwl") for name in first)
    differing = [name for name in first if first[name] != second[name]]
    assert not differing, f"artifacts differ between two compiles: {differing}"


# ----------------------------------------------------------------- (d) error corpus via the CLI


@dataclass(frozen=True)
class CliRun:
    """One ``python -m claimed_cwl compile`` run on a bad operator."""

    code: int
    stderr: str
    out_dir: Path


def _run_cli(source: Path, out_dir: Path) -> CliRun:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "claimed_cwl", "compile", str(source), "--out", str(out_dir)],
        capture_output=True, text=True, timeout=120, env=env, cwd=out_dir.parent, check=False,
    )
    return CliRun(code=proc.returncode, stderr=proc.stderr, out_dir=out_dir)


MISSING = "does_not_exist.py"


@pytest.fixture(scope="module")
def error_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CliRun]:
    """Every bad operator (and a missing file) compiled through the CLI, a few at a time."""
    base = tmp_path_factory.mktemp("errors")
    jobs = {case["source"]: ERRORS / case["source"] for case in ERROR_CASES}
    jobs[MISSING] = ERRORS / MISSING
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(_run_cli, path, base / f"out-{index}")
                   for index, (name, path) in enumerate(sorted(jobs.items()))}
        return {name: future.result() for name, future in futures.items()}


def _assert_clean_failure(run: CliRun) -> None:
    assert run.code != 0, "a bad operator must make the command fail"
    assert "Traceback" not in run.stderr, run.stderr
    assert run.stderr.strip(), "the error must be reported on stderr"
    assert not run.out_dir.exists() or not any(run.out_dir.iterdir()), "nothing may be written for a bad operator"


@pytest.mark.parametrize("case", ERROR_CASES, ids=_ids)
def test_error_is_reported_with_file_and_line(case: dict[str, Any], error_runs: dict[str, CliRun]) -> None:
    run = error_runs[case["source"]]
    _assert_clean_failure(run)
    message = run.stderr
    name = re.escape(case["source"])
    where = re.escape(f" ({case['where']})") if case.get("where") else r"(?: \([^)]*\))?"
    line = f":{case['line']}" if case["line"] else ""
    location = re.compile(rf"{name}{where}{line}: ")
    assert location.search(message), f"expected {location.pattern!r} in stderr:\n{message}"
    for fragment in case["fragments"]:
        assert fragment.lower() in message.lower(), f"expected {fragment!r} in stderr:\n{message}"
    for line in case.get("also_lines", []):
        assert re.search(rf"\b{line}\b", message.split(case["source"], 1)[-1]), (
            f"the message must also name line {line}:\n{message}"
        )


def test_missing_operator_file_is_a_clean_error(error_runs: dict[str, CliRun]) -> None:
    run = error_runs[MISSING]
    _assert_clean_failure(run)
    assert MISSING in run.stderr


def test_error_corpus_is_complete() -> None:
    sources = {p.name for p in ERRORS.iterdir() if p.suffix in SOURCE_SUFFIXES}
    assert sources == {case["source"] for case in ERROR_CASES}
    with pytest.raises(json.JSONDecodeError):
        json.loads((ERRORS / "bad_json.ipynb").read_text(encoding="utf-8"))
