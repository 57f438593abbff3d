"""Operators written the ways real CLAIMED operators are (issue 12): interface from usage, and real runs.

tests/corpus_usage/expected.yaml holds each operator's expected interface
(reviewed against its code and docs/operators.md), the start of every warning
a compile prints, and for each operator that does local I/O an end-to-end
run: compiled, built on the real Docker engine, run with cwltool through
``claimed-cwl run`` with inputs given by the script's own names, and every
output checked in the output directory. ``explain/`` holds the golden
``--explain`` reports of a few operators (``--update-golden`` rewrites them).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from _artifact_checks import validate_cwl
from _interface_checks import interface_mismatches
from ruamel.yaml import YAML

from claimed_cwl.compile import compile_operator
from claimed_cwl.parse import analyse_operator, format_explanations

ROOT = Path(__file__).parent / "corpus_usage"
DATA = ROOT / "data"
EXPLAINED = ("prefix_clean.py", "secrets_conn.py", "dev_cells.ipynb", "r_prefix/r_prefix.R", "query_filter.py")
CASES: list[dict[str, Any]] = YAML(typ="safe", pure=True).load((ROOT / "expected.yaml").read_text())["operators"]
RUNS = [case for case in CASES if "run" in case]


def _ids(case: dict[str, Any]) -> str:
    return str(case["source"])


def _source(case: dict[str, Any]) -> Path:
    return ROOT / case["source"]


def _files(case: dict[str, Any]) -> tuple[str, ...]:
    return tuple(case.get("files", []))


def test_corpus_covers_the_styles() -> None:
    sources = {p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*")
               if p.suffix in (".py", ".ipynb", ".R") and "flagutil" not in p.parts}
    assert sources == {case["source"] for case in CASES}, "every operator needs an entry in expected.yaml"
    languages = [case["language"] for case in CASES]
    assert len(CASES) >= 25 and languages.count("notebook") >= 2 and languages.count("r") >= 2
    roles = {p.get("role", "value") for case in CASES for p in case["parameters"]}
    assert {"prefix", "joined", "rewritten"} <= roles


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_interface(case: dict[str, Any]) -> None:
    analysis = analyse_operator(_source(case), _files(case))
    problems = interface_mismatches(case, analysis.spec, _source(case).name)
    assert not problems, f"{case['source']}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_warnings(case: dict[str, Any]) -> None:
    warnings = [w.message for w in analyse_operator(_source(case), _files(case)).warnings]
    expected = case.get("warnings", [])
    assert len(warnings) == len(expected), warnings
    for start, warning in zip(expected, warnings, strict=True):
        assert warning.startswith(start)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_compiled_tool_is_valid_cwl(case: dict[str, Any], tmp_path: Path) -> None:
    result = compile_operator(_source(case), _files(case), out_dir=tmp_path / "out")
    path = tmp_path / "out" / f"{result.spec.name}.cwl"
    code, log = validate_cwl([path])[path]
    assert code == 0, log


@pytest.mark.parametrize("source", EXPLAINED)
def test_explain_golden(source: str, update_golden: bool) -> None:
    analysis = analyse_operator(ROOT / source, ())
    text = format_explanations(Path(source).name, analysis.explanations, analysis.network)
    golden = ROOT / "explain" / f"{Path(source).stem}.txt"
    if update_golden:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_explain_is_printed_by_compile(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "claimed_cwl", "compile", str(ROOT / "prefix_clean.py"), "--explain",
         "--out", str(tmp_path / "out")], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    assert "data_dir: input string prefix" in completed.stdout
    assert "line 22: pd.read_csv(data_dir + data_csv) (local read, joined to data_dir)" in completed.stdout


def test_warnings_are_printed_on_every_compile(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "claimed_cwl", "compile", str(ROOT / "kfp_metadata.py"), "--out",
         str(tmp_path / "out")], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    assert "kfp_metadata.py:13: writes to the absolute path '/mlpipeline-ui-metadata.json'" in completed.stderr


# ----------------------------------------------------------------- end to end on the real engine


def _job_value(value: Any) -> Any:
    if isinstance(value, dict) and "file" in value:
        return {"class": "File", "path": str(DATA / value["file"])}
    if isinstance(value, dict) and "directory" in value:
        return {"class": "Directory", "path": str(DATA / value["directory"])}
    return value


def _check_output(name: str, produced: dict[str, Any], checks: dict[str, Any], outdir: Path) -> None:
    path = Path(produced["path"])
    assert path.is_relative_to(outdir.resolve()), f"{name} was not collected into --outdir: {path}"
    if "basename" in checks:
        assert path.name == checks["basename"]
    if "equals" in checks:
        assert path.read_bytes().decode("utf-8") == checks["equals"], name
    if checks.get("nonempty"):
        assert path.stat().st_size > 0, name
    if "zip_names" in checks:
        with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
            assert sorted(archive.namelist()) == checks["zip_names"]
    if "files" in checks:
        assert sorted(p.name for p in path.iterdir()) == checks["files"], name
    for file_name, text in checks.get("file_equals", {}).items():
        assert (path / file_name).read_bytes().decode("utf-8") == text, f"{name}/{file_name}"


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("case", RUNS, ids=_ids)
def test_runs_end_to_end(case: dict[str, Any], docker_client: Any, python_base_image: str, r_base_image: str,
                         tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    from claimed_cwl.build.operator_build import build_operator
    from claimed_cwl.cli import main
    from claimed_cwl.emit import ArtifactSettings, ImageSettings

    settings = ArtifactSettings(image=ImageSettings(repository="claimed-usage-test", version="e2e"))
    built = build_operator(docker_client, _source(case), [Path(f) for f in _files(case)], settings,
                           tmp_path / "build")
    inputs = {key: _job_value(value) for key, value in case["run"]["inputs"].items()}
    before = {p: p.read_bytes() for p in DATA.rglob("*") if p.is_file()}
    job = tmp_path / "job.json"
    job.write_text(json.dumps(inputs), encoding="utf-8")
    outdir = tmp_path / "out"
    capfd.readouterr()
    # the test engine has no bridge network (scripts/services.sh): a tool that declares network access gets the host's
    network = ["--network", "host"] if "NetworkAccess" in built.cwl.read_text(encoding="utf-8") else []
    code = main(["run", "--quiet", *network, f"--outdir={outdir}", str(built.cwl), str(job)])
    captured = capfd.readouterr()
    assert code == 0, captured.err
    result = json.loads(captured.out)
    for name, checks in case["run"]["outputs"].items():
        assert result.get(name), f"no output {name}: {result}"
        _check_output(name, result[name], checks, outdir)
    assert {p: p.read_bytes() for p in DATA.rglob("*") if p.is_file()} == before, "an input file was changed"


@pytest.mark.docker
def test_reserved_name_reaches_the_script_under_plain_cwltool(docker_client: Any, python_base_image: str,
                                                             tmp_path: Path) -> None:
    """cwltool turns a job key ``path`` into a file:// URI: the tool's id is path_value, the script still gets $path."""
    from claimed_cwl.build.operator_build import build_operator
    from claimed_cwl.emit import ArtifactSettings, ImageSettings

    settings = ArtifactSettings(image=ImageSettings(repository="claimed-usage-test", version="e2e"))
    built = build_operator(docker_client, ROOT / "path_param.py", [], settings, tmp_path / "build")
    job = tmp_path / "job.yml"
    job.write_text('path_value: "bucket/in/*.csv"\n', encoding="utf-8")
    cwltool = str(Path(sys.executable).with_name("cwltool"))
    completed = subprocess.run([cwltool, "--quiet", "--outdir", str(tmp_path / "out"), str(built.cwl), str(job)],
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    plan = Path(json.loads(completed.stdout)["plan"]["path"])
    assert plan.read_text(encoding="utf-8") == "copy bucket/in/*.csv\n"


# ----------------------------------------------------------------- two prefix-idiom operators in one workflow


@pytest.fixture(scope="module")
def prefix_chain(docker_client: Any, python_base_image: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """prefix_clean writes data_dir + output_data_csv; prefix_summary reads its own data_dir + table_name."""
    from claimed_cwl.build.operator_build import build_operator
    from claimed_cwl.emit import ArtifactSettings, ImageSettings
    from claimed_cwl.workflow import File, Workflow, load_operator

    root = tmp_path_factory.mktemp("prefix-chain")
    settings = ArtifactSettings(image=ImageSettings(repository="claimed-usage-test", version="e2e"))
    clean = load_operator(build_operator(docker_client, ROOT / "prefix_clean.py", [], settings, root / "a").cwl)
    summary = load_operator(build_operator(docker_client, ROOT / "prefix_summary.py", [], settings, root / "b").cwl)
    with Workflow("prefix-chain", doc="Clean a table, then summarise it; both operators use data_dir + name.") as wf:
        table = wf.input("table", File)
        cleaned = clean(data_csv=table)
        summed = summary(table_name=cleaned.outputs.output_data_csv)
        wf.output("cleaned", cleaned.outputs.output_data_csv)
        wf.output("summary", summed.outputs.summary_name)
    saved = wf.save(root / "workflow")
    (root / "job.json").write_text(json.dumps({"table": {"class": "File", "path": str(DATA / "customers.csv")}}))
    return saved


def _run_chain(workflow: Path, outdir: Path, backend: str, capfd: pytest.CaptureFixture[str]) -> dict[str, Any]:
    from claimed_cwl.cli import main

    capfd.readouterr()
    code = main(["run", "--quiet", f"--backend={backend}", f"--outdir={outdir}", str(workflow),
                 str(workflow.parent.parent / "job.json")])
    captured = capfd.readouterr()
    assert code == 0, captured.err
    result: dict[str, Any] = json.loads(captured.out)
    return result


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("backend", ["cwltool", "toil"])
def test_prefix_operators_chain_through_cwl(prefix_chain: Path, backend: str, tmp_path: Path,
                                            capfd: pytest.CaptureFixture[str]) -> None:
    """The data passes from one step to the next as a CWL File: no shared directory, both data_dirs './'."""
    outdir = tmp_path / "out"
    result = _run_chain(prefix_chain, outdir, backend, capfd)
    assert Path(result["cleaned"]["path"]).read_text() == "id,name,spend\n1.0,ann,10\n3.0,cid,30\n"
    assert Path(result["summary"]["path"]).read_text() == "n=2 mean=20.00\n"
    assert sorted(p.name for p in outdir.iterdir()) == ["customers_clean.csv", "summary.txt"]


@pytest.mark.docker
@pytest.mark.slow
def test_remote_operator_runs_against_a_real_s3(docker_client: Any, python_base_image: str, s3_server: Any,
                                                s3_bucket: str, tmp_path: Path,
                                                capfd: pytest.CaptureFixture[str]) -> None:
    """s3_cleanup (s3fs): uploads its local report_file, then deletes the objects its `path` glob matches.

    The tool declares NetworkAccess (the code calls an S3 client), and `run --network host` reaches
    the SeaweedFS server on loopback.
    """
    from claimed_cwl.build.operator_build import build_operator
    from claimed_cwl.cli import main
    from claimed_cwl.emit import ArtifactSettings, ImageSettings

    client = s3_server.client()
    for key in ("tmp/a.parquet", "tmp/b.parquet", "keep/c.txt"):
        client.put_object(Bucket=s3_bucket, Key=key, Body=b"x")
    settings = ArtifactSettings(image=ImageSettings(repository="claimed-usage-test", version="e2e"))
    built = build_operator(docker_client, ROOT / "s3_cleanup.py", [], settings, tmp_path / "build")
    job = tmp_path / "job.json"
    job.write_text(json.dumps({
        "endpoint": s3_server.endpoint, "access_key_id": s3_server.access_key,
        "secret_access_key": s3_server.secret_key, "bucket": s3_bucket, "report_key": "reports/r.txt",
        "report_file": {"class": "File", "path": str(DATA / "book.txt")},
    }), encoding="utf-8")
    job.chmod(0o600)
    capfd.readouterr()
    code = main(["run", "--quiet", "--network", "host", f"--outdir={tmp_path / 'out'}", str(built.cwl), str(job)])
    captured = capfd.readouterr()
    assert code == 0, captured.err
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket=s3_bucket).get("Contents", []))
    assert keys == ["keep/c.txt", "reports/r.txt"]
    uploaded = client.get_object(Bucket=s3_bucket, Key="reports/r.txt")["Body"].read()
    assert uploaded == (DATA / "book.txt").read_bytes()


def test_workflow_api_takes_the_scripts_own_names(tmp_path: Path) -> None:
    """`op(path=..., plan=...)` binds the inputs path_value and plan_name (claimed:variable)."""
    from claimed_cwl.workflow import File, Workflow, load_operator

    record = load_operator(ROOT / "path_param.py")
    older = load_operator(ROOT / "output_name.py")
    with Workflow("names") as wf:
        table = wf.input("table", File)
        planned = record(path="b/in/*.csv", plan="my-plan.txt")
        kept = older(input_table=table, output_file_name="kept.csv")
        wf.output("plan", planned.outputs.plan)
        wf.output("kept", kept.outputs.output_file_name)
    document = YAML(typ="safe", pure=True).load(wf.save(tmp_path / "wf").read_text(encoding="utf-8"))
    steps = {step["id"]: {item["id"]: item for item in step["in"]} for step in document["steps"]}
    assert steps["path-param"] == {"path_value": {"id": "path_value", "default": "b/in/*.csv"},
                                   "plan_name": {"id": "plan_name", "default": "my-plan.txt"}}
    assert steps["output-name"]["output_file_name_name"]["default"] == "kept.csv"
    with pytest.raises(Exception, match="input 'path_value' is given twice"), Workflow("twice"):
        record(path="a", path_value="b")
