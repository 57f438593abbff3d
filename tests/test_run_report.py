"""`claimed-cwl run --report`: real runs (Docker, cwltool), each report opened in headless Chromium.

The quickstart workflow, a failing workflow (with a secret input) and a
200-batch grid run for real; their reports are opened in Debian's Chromium
(tests/_browser.py) with name resolution switched off: no console error, no
resource from outside the file, one timeline bar per job that ran, the failed
job's last log lines present, and the secret value nowhere in the file.
Screenshots land in build/report-screenshots/.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _browser import Page, browser_or_skip, open_report
from _grid_e2e import compile_grid

from claimed_cwl.build.operator_build import build_operator
from claimed_cwl.emit import ArtifactSettings, ImageSettings

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "build" / "report-screenshots"
SECRET = "s3cr3t-value-4711"

pytestmark = pytest.mark.docker


def _run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "claimed_cwl", "run", *args], capture_output=True, text=True,
                          cwd=cwd, env=env or dict(os.environ), check=False, timeout=900)


def _open(report: Path, name: str) -> Page:
    page = open_report(report, SCREENSHOTS / f"{name}.png")
    assert page.errors == [], page.errors
    outside = [url for url in page.resources if not url.startswith(("file:", "data:", "blob:"))]
    assert outside == [], f"the report loaded resources from outside the file: {outside}"
    return page


def _data(report: Path) -> dict[str, Any]:
    """The report's embedded JSON (what the charts are drawn from)."""
    found = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', report.read_text(), re.S)
    assert found is not None
    value: dict[str, Any] = json.loads(found[1])
    return value


@pytest.fixture(scope="module")
def quickstart_images(docker_client: Any, python_base_image: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The two operator images the quickstart workflow pulls (claimed/claimed-<name>:0.1.0)."""
    browser_or_skip()
    settings = ArtifactSettings(image=ImageSettings(repository="claimed", version="0.1.0"))
    root = tmp_path_factory.mktemp("quickstart-images")
    for source in (ROOT / "cwl" / "generate_data" / "generate_data.py",
                   ROOT / "cwl" / "plot_histogram" / "plot_histogram.py"):
        build_operator(docker_client, source, (), settings, root / source.parent.name)


BACKENDS = ["cwltool", pytest.param("toil", marks=pytest.mark.slow)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_quickstart_report(quickstart_images: None, tmp_path: Path, backend: str) -> None:
    report = tmp_path / "report.html"
    done = _run("--backend", backend, "--report", str(report), "--outdir", str(tmp_path / "out"),
                str(ROOT / "workflows" / "quickstart" / "quickstart.cwl"), "--rows", "300", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    data = _data(report)
    assert [job["name"] for job in data["jobs"]] == ["generate-data", "plot-histogram"]
    assert all(job["status"] == "success" and job["exit_code"] == 0 for job in data["jobs"])
    outputs = {item["output"]: item for item in data["outputs"]}
    assert outputs["data"]["size"] == (tmp_path / "out" / "data.csv").stat().st_size
    assert outputs["histogram"]["checksum"].startswith("sha1$")
    assert data["inputs"] == {"rows": 300}
    page = _open(report, f"quickstart-{backend}")
    assert page.timeline_bars == 2
    assert "generate-data" in page.text and "plot-histogram" in page.text and "data.csv" in page.text


FAILING_TOOL = """\
cwlVersion: v1.2
class: CommandLineTool
$namespaces: {cwltool: "http://commonwl.org/cwltool#"}
requirements:
  DockerRequirement: {dockerPull: "IMAGE"}
  EnvVarRequirement: {envDef: {TOKEN: $(inputs.token)}}
hints:
  cwltool:Secrets: {secrets: [token]}
inputs:
  token: string
  fail: boolean
  previous: {type: File?}
outputs:
  done: {type: stdout}
stdout: done.txt
baseCommand: [python, -c]
arguments:
  - |
    import os, sys
    print("using token", os.environ["TOKEN"], file=sys.stderr)
    for number in range(80):
        print("progress line", number, file=sys.stderr)
    sys.exit(3 if "$(inputs.fail)" == "true" else 0)
"""
FAILING_WORKFLOW = """\
cwlVersion: v1.2
class: Workflow
$namespaces: {cwltool: "http://commonwl.org/cwltool#"}
hints: {cwltool:Secrets: {secrets: [token]}}
inputs: {token: string}
outputs: {last: {type: File, outputSource: after/done}}
steps:
  first: {run: step.cwl, in: {token: token, fail: {default: false}}, out: [done]}
  broken: {run: step.cwl, in: {token: token, fail: {default: true}, previous: first/done}, out: [done]}
  after: {run: step.cwl, in: {token: token, fail: {default: false}, previous: broken/done}, out: [done]}
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_failing_workflow_report(python_base_image: str, tmp_path: Path, backend: str) -> None:
    browser_or_skip()
    (tmp_path / "step.cwl").write_text(FAILING_TOOL.replace("IMAGE", python_base_image))
    (tmp_path / "wf.cwl").write_text(FAILING_WORKFLOW)
    job = tmp_path / "job.yaml"
    job.write_text(f"token: {SECRET}\n")
    job.chmod(0o600)
    report = tmp_path / "failed.html"
    done = _run("--backend", backend, "--report", str(report), "--outdir", str(tmp_path / "out"),
                str(tmp_path / "wf.cwl"), str(job), cwd=tmp_path)
    assert done.returncode != 0
    text = report.read_text()
    assert SECRET not in text
    data = _data(report)
    jobs = {job["name"]: job for job in data["jobs"]}
    assert jobs["first"]["status"] == "success"
    assert jobs["broken"]["status"] == "permanentFail"
    if backend == "cwltool":  # Toil reports its worker's exit, not the tool's; and prints its own summary
        assert jobs["broken"]["exit_code"] == 3
        assert re.search(r"^after +not started", done.stderr, re.M), done.stderr[-2000:]
    assert jobs["after"]["status"] == "not started" and jobs["after"]["started"] is None
    assert jobs["broken"]["log_tail"][-1] == "progress line 79"
    assert len(jobs["broken"]["log_tail"]) == 40
    assert jobs["first"]["log_tail"] == []  # only failed jobs keep theirs
    assert data["inputs"] == {"token": "********"}
    page = _open(report, f"failed-{backend}")
    started = [job for job in data["jobs"] if job["started"] is not None]
    assert page.timeline_bars == len(started) >= 2  # Toil retries a failed job once
    assert "progress line 79" in page.text
    assert "broken: last 40 log line(s)" in page.text


@pytest.mark.parametrize("workers", [2, pytest.param(None, marks=pytest.mark.slow, id="per-batch")])
def test_grid_report_200_batches(docker_client: Any, python_base_image: str, tmp_path: Path,
                                 workers: int | None) -> None:
    """Two looping workers, or (slow) one scatter job per batch: 200 bars, plus the list and report steps."""
    browser_or_skip()
    workflow = compile_grid(tmp_path / "grid", "local", workers, "e2e-local")
    batches = [f"b{i:04d}" for i in range(200)]
    (tmp_path / "batches.txt").write_text(",".join(batches) + "\n")
    (tmp_path / "coord").mkdir()
    (tmp_path / "results").mkdir()
    report = tmp_path / "grid.html"
    done = _run("--parallel", "--report", str(report), "--outdir", str(tmp_path / "out"), str(workflow),
                "--gw_coordinator", str(tmp_path / "coord"), "--gw_batch_file", str(tmp_path / "batches.txt"),
                "--out_dir", str(tmp_path / "results"), "--fail_on", "b0007", "--sleep_seconds", "0.01",
                cwd=tmp_path)
    assert done.returncode != 0, "a failed batch fails the run"
    data = _data(report)
    grid = data["grid"]
    assert len(grid["batches"]) == 200
    states = {batch["batch"]: batch["state"] for batch in grid["batches"]}
    assert states["b0007"] == "failed" and sum(state == "processed" for state in states.values()) == 199
    failed = next(batch for batch in grid["batches"] if batch["batch"] == "b0007")
    assert "cannot process b0007" in failed["error"]
    timed = [batch for batch in grid["batches"] if batch["started"] is not None]
    assert len(timed) >= 199 and all(batch["ended"] >= batch["started"] for batch in timed)
    page = _open(report, f"grid-{workers or 'per-batch'}")
    assert page.timeline_bars == sum(job["started"] is not None for job in data["jobs"])
    assert page.timeline_bars == (3 if workers else 202)  # the jobs, and the report step (and the list step)
    assert page.histogram_bars > 0
    counts = re.search(r"(\d+)\s*total\s*(\d+)\s*processed\s*(\d+)\s*failed\s*(\d+)\s*skipped\s*(\d+)\s*pending",
                       page.text)
    assert counts is not None and counts.groups() == ("200", "199", "1", "0", "0"), page.text[:2000]
    assert "b0199" in page.text
