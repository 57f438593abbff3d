"""The example workflows run end to end on the Docker engine and compute the right things.

Every operator image of cwl/ is built once for the module (with the names the
checked-in tools pull, claimed/claimed-<name>:0.1.0). Each example workflow
then runs once per runner: ``claimed-cwl run`` (the saved workflow, cwltool
backend), plain ``cwltool`` (the packed file), ``toil-cwl-runner`` single
machine (the packed file) and StreamFlow's ``cwl-runner`` (saved and packed,
with runners/streamflow/streamflow.yml). The final outputs are checked against
known values, and against a recomputation from the data the workflow archived;
StreamFlow's are also compared with cwltool's byte for byte.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import statistics
import struct
import subprocess
import sys
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from claimed_cwl.build.operator_build import build_operator
from claimed_cwl.cli import main
from claimed_cwl.emit import ArtifactSettings, ImageSettings

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "cwl"
WORKFLOWS = ROOT / "workflows"
BIN = Path(sys.executable).parent
# Toil starts its workers as `_toil_worker` from PATH: the virtualenv's bin must be on it.
TOIL_ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
IMAGE_SETTINGS = ImageSettings(repository="claimed", version="0.1.0")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

pytestmark = pytest.mark.docker

Result = dict[str, Any]


def _text(item: dict[str, Any]) -> str:
    return Path(item["path"]).read_text(encoding="utf-8")


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _archive(item: dict[str, Any]) -> dict[str, str]:
    """Member name -> text of a .tar.gz output."""
    with tarfile.open(item["path"], "r:gz") as archive:
        members = archive.getmembers()
        assert all(m.mtime == 0 and m.uid == 0 for m in members), "archive is not normalised"
        return {m.name: archive.extractfile(m).read().decode() for m in members if m.isfile()}  # type: ignore[union-attr]


def _assert_png(item: dict[str, Any], width: int, height: int) -> None:
    data = Path(item["path"]).read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (width, height)
    assert len(data) > 5000, "a histogram with bars is more than a blank picture"


def _check_quickstart(result: Result) -> None:
    rows = _rows(_text(result["data"]))
    assert len(rows) == 200
    assert rows[0] == {"id": "1", "group": "c", "value": "64.45", "count": "4"}
    assert {row["group"] for row in rows} == {"a", "b", "c"}
    _assert_png(result["histogram"], 600, 400)


def _check_linear(result: Result) -> None:
    assert result["kept_rows"] == "66"
    assert _text(result["summary"]) == (
        "group,count,sum,mean,min,max\n"
        "b,29,1619.73,55.85,41.28,69.46\n"
        "c,37,2819.42,76.20,60.92,99.21\n"
    )
    _assert_png(result["histogram"], 600, 400)


def _check_scatter(result: Result) -> None:
    merged = _text(result["merged_stats"])
    assert merged == (
        "source,column,n,mean,sd,min,median,max\n"
        "seed-001.csv,value,30,48.24,25.06,0.89,47.56,97.81\n"
        "seed-002.csv,value,30,49.69,26.53,0.95,52.24,95.31\n"
        "seed-003.csv,value,30,59.5,25.59,12.05,61.91,96.63\n"
    )
    # one R summary per seed, in seed order: each is the merged row without the source column
    per_seed = [_text(item).splitlines() for item in result["stats"]]
    assert [lines[1] for lines in per_seed] == [line.split(",", 1)[1] for line in merged.splitlines()[1:]]
    # the archived data sets give the same statistics when recomputed here
    data = _archive(result["data_archive"])
    assert sorted(data) == ["data-001.csv", "data-002.csv", "data-003.csv"]
    for stats, name in zip(_rows(merged), sorted(data), strict=True):
        values = [float(row["value"]) for row in _rows(data[name])]
        assert int(stats["n"]) == len(values) == 30
        assert float(stats["mean"]) == pytest.approx(statistics.mean(values), abs=0.005)
        assert float(stats["sd"]) == pytest.approx(statistics.stdev(values), abs=0.005)
        assert (float(stats["min"]), float(stats["max"])) == (min(values), max(values))


def _check_nested(result: Result) -> None:
    summary = _text(result["summary"])
    assert summary == (
        "group,count,sum,mean,min,max\n"
        "a,10,187.52,18.75,2.40,33.86\n"
        "b,8,442.88,55.36,43.30,66.34\n"
        "c,5,413.83,82.77,60.60,99.29\n"
    )
    assert result["kept_rows"] == "23"
    assert _text(result["stats"]) == "column,n,mean,sd,min,median,max\nvalue,60,46.22,28.82,1.86,45.95,99.83\n"
    parts = _archive(result["parts_archive"])
    assert sorted(parts) == ["group-a.csv", "group-b.csv", "group-c.csv"]
    rows = [row for name in sorted(parts) for row in _rows(parts[name])]
    assert len(rows) == 60
    assert all(row["group"] == name[len("group-"):-len(".csv")] for name in parts for row in _rows(parts[name]))
    # the subworkflow's filter (count >= 5) and group summary, recomputed from the archived parts
    for line in _rows(summary):
        kept = [float(row["value"]) for row in rows if row["group"] == line["group"] and int(row["count"]) >= 5]
        assert int(line["count"]) == len(kept)
        assert line["sum"] == f"{sum(kept):.2f}"


@dataclass(frozen=True)
class Example:
    """One example workflow: its directory under workflows/, its main name and its output check."""

    stem: str
    name: str
    check: Callable[[Result], None]

    @property
    def saved(self) -> Path:
        """The saved main workflow (with its tools beside it)."""
        return WORKFLOWS / self.stem / f"{self.name}.cwl"

    @property
    def packed(self) -> Path:
        """The packed, self-contained workflow."""
        return WORKFLOWS / self.stem / f"{self.name}.packed.cwl"


EXAMPLES = {
    example.stem: example for example in (
        Example("quickstart", "quickstart", _check_quickstart),
        Example("linear_pipeline", "linear-pipeline", _check_linear),
        Example("scatter_seeds", "scatter-seeds", _check_scatter),
        Example("nested_report", "group-report", _check_nested),
    )
}


def test_every_example_workflow_is_tested() -> None:
    """A new pipeline in workflows/ must get an entry (and an output check) here."""
    assert sorted(EXAMPLES) == sorted(path.stem for path in WORKFLOWS.glob("*.py"))


def _operator_sources() -> list[Path]:
    return sorted(path for path in LIBRARY.glob("*/*") if path.suffix in (".py", ".ipynb", ".R")
                  and not path.name.startswith(("claimed_launcher", "claimed_notebook")))


@pytest.fixture(scope="module")
def example_images(docker_client: Any, python_base_image: str, r_base_image: str,
                   tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Build every example operator's image once, under the name its checked-in tool pulls."""
    settings = ArtifactSettings(image=IMAGE_SETTINGS)
    root = tmp_path_factory.mktemp("example-images")
    images = []
    for source in _operator_sources():
        built = build_operator(docker_client, source, (), settings, root / source.parent.name)
        checked_in = YAML(typ="safe").load((source.parent / built.cwl.name).read_text(encoding="utf-8"))
        pulls = [req.get("dockerPull") for req in checked_in["requirements"] if req["class"] == "DockerRequirement"]
        assert pulls == [built.image.image], f"{source}: checked-in tool pulls {pulls}, built {built.image.image}"
        images.append(built.image.image)
    return images


def _outputs_in(outdir: Path, result: Result) -> Result:
    """Check that every File output was collected into ``outdir``; return ``result``."""
    def files(value: Any) -> list[dict[str, Any]]:
        if isinstance(value, list):
            return [item for element in value for item in files(element)]
        return [value] if isinstance(value, dict) and value.get("class") == "File" else []

    for item in files(list(result.values())):
        assert Path(item["path"]).parent == outdir.resolve(), f"output not in --outdir: {item['path']}"
    return result


@pytest.mark.parametrize("stem", sorted(EXAMPLES))
def test_claimed_cwl_run(stem: str, example_images: list[str], tmp_path: Path,
                         capfd: pytest.CaptureFixture[str]) -> None:
    """`claimed-cwl run` (cwltool backend, Docker) runs the saved workflow with its defaults."""
    example, outdir = EXAMPLES[stem], tmp_path / "out"
    code = main(["run", "--quiet", "--parallel", f"--outdir={outdir}", str(example.saved)])
    captured = capfd.readouterr()
    assert code == 0, captured.err
    example.check(_outputs_in(outdir, json.loads(captured.out)))


@pytest.mark.parametrize("stem", sorted(EXAMPLES))
def test_plain_cwltool(stem: str, example_images: list[str], tmp_path: Path) -> None:
    """Plain cwltool runs the packed workflow: it needs nothing of claimed-cwl."""
    example, outdir = EXAMPLES[stem], tmp_path / "out"
    done = subprocess.run([str(BIN / "cwltool"), "--quiet", f"--outdir={outdir}", str(example.packed)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    example.check(_outputs_in(outdir, json.loads(done.stdout)))


@pytest.mark.slow
@pytest.mark.parametrize("stem", sorted(EXAMPLES))
def test_toil_single_machine(stem: str, example_images: list[str], tmp_path: Path) -> None:
    """toil-cwl-runner (single machine) runs the packed workflow; --no-prepull: the images are local only."""
    example, outdir = EXAMPLES[stem], tmp_path / "out"
    done = subprocess.run(
        [str(BIN / "toil-cwl-runner"), "--no-prepull", "--logLevel=WARNING", f"--jobStore=file:{tmp_path}/js",
         f"--outdir={outdir}", str(example.packed)],
        capture_output=True, text=True, check=False, env=TOIL_ENV)
    assert done.returncode == 0, done.stderr[-3000:]
    example.check(_outputs_in(outdir, json.loads(done.stdout)))


@pytest.fixture(scope="module")
def streamflow(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """StreamFlow's cwl-runner (installed by scripts/streamflow.sh) and the shipped settings, for this user."""
    installed = subprocess.run(["bash", str(ROOT / "scripts" / "streamflow.sh")],
                               capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stderr[-3000:]
    yaml = YAML()
    settings = yaml.load((ROOT / "runners" / "streamflow" / "streamflow.yml").read_text(encoding="utf-8"))
    config = settings["workflows"]["claimed"]["config"]["docker"][0]["deployment"]["config"]
    assert config["command"] == ["sleep", "infinity"]
    config["user"] = str(os.getuid())  # the shipped file says to set it to one's own uid
    path = tmp_path_factory.mktemp("streamflow") / "streamflow.yml"
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(settings, handle)
    return Path(installed.stdout.strip()), path


@pytest.fixture(scope="module")
def cwltool_outputs(example_images: list[str], tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Result]:
    """The output object of plain cwltool on each example's packed file (run once per example)."""
    done: dict[str, Result] = {}

    def run(stem: str) -> Result:
        if stem not in done:
            outdir = tmp_path_factory.mktemp(f"cwltool-{stem}") / "out"
            ran = subprocess.run([str(BIN / "cwltool"), "--quiet", f"--outdir={outdir}", str(EXAMPLES[stem].packed)],
                                 capture_output=True, text=True, check=False)
            assert ran.returncode == 0, ran.stderr[-3000:]
            done[stem] = json.loads(ran.stdout)
        return done[stem]
    return run


# Files of one name in a list output are renamed apart in --outdir, each engine by its own rule:
# cwltool writes stats.csv, stats_2.csv, stats_3.csv; StreamFlow stats.csv, stats-1.csv, stats-2.csv.
_RENAMED_APART = {"cwltool": re.compile(r"_\d+(?=\.[^.]*$|$)"), "streamflow": re.compile(r"-\d+(?=\.[^.]*$|$)")}


def _contents(value: Any, engine: str, in_list: bool = False) -> Any:
    """An output value with each File replaced by its name and bytes (after checking its fields)."""
    if isinstance(value, list):
        return [_contents(item, engine, in_list=True) for item in value]
    if isinstance(value, dict) and value.get("class") == "File":
        data = Path(value["path"]).read_bytes()
        assert value["checksum"] == f"sha1${hashlib.sha1(data).hexdigest()}", value
        assert value["size"] == len(data)
        name = _RENAMED_APART[engine].sub("", value["basename"]) if in_list else value["basename"]
        return name, data
    if isinstance(value, dict):
        return {key: _contents(item, engine) for key, item in value.items()}
    return value


@pytest.mark.slow
@pytest.mark.parametrize("form", ["saved", "packed"])
@pytest.mark.parametrize("stem", sorted(EXAMPLES))
def test_streamflow(stem: str, form: str, example_images: list[str], streamflow: tuple[Path, Path],
                    cwltool_outputs: Callable[[str], Result], tmp_path: Path) -> None:
    """StreamFlow runs the saved and the packed workflow; every output is cwltool's, byte for byte."""
    example, outdir = EXAMPLES[stem], tmp_path / "out"
    runner, settings = streamflow
    document = example.saved if form == "saved" else example.packed
    done = subprocess.run([str(runner), "--quiet", "--streamflow-file", str(settings), "--outdir", str(outdir),
                           str(document)], capture_output=True, text=True, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    example.check(_outputs_in(outdir, result))
    assert _contents(result, "streamflow") == _contents(cwltool_outputs(stem), "cwltool")
