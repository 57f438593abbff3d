"""Operators run as written, on the real Docker engine: notebook semantics, every declared dependency, import check.

Each test operator (tests/e2e/runasis) is compiled, built and run with
``claimed-cwl run`` (cwltool); what its shell lines, magics and packages did is
asserted from its output file. The lock is checked for reproducibility, an
undeclared import must fail the build with its cell and line and build with
``--add-missing``, and a pin without a wheel for the image's Python fails
with a short, readable message.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from claimed_cwl.build.builder import BuildError
from claimed_cwl.build.operator_build import OperatorBuild, build_operator
from claimed_cwl.cli import main
from claimed_cwl.emit import ArtifactSettings, ImageSettings
from claimed_cwl.lockfile import LOCK_FILE
from claimed_cwl.spec import DependencyKind

CASES = Path(__file__).parent / "e2e" / "runasis"
SETTINGS = ArtifactSettings(image=ImageSettings(repository="claimed-test", version="runasis"))

pytestmark = pytest.mark.docker


def _build(client: Any, source: Path, out: Path, extra: tuple[Path, ...] = (), **options: bool) -> OperatorBuild:
    return build_operator(client, source, extra, SETTINGS, out, **options)


def _run(cwl: Path, outdir: Path, capfd: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main(["run", f"--outdir={outdir}", str(cwl), *args])
    captured = capfd.readouterr()
    assert code == 0, captured.err[-3000:]
    result: dict[str, Any] = json.loads(captured.out[captured.out.index("{"):captured.out.rindex("}") + 1])
    result["_stderr"] = captured.err
    return result


def _text(result: dict[str, Any], output: str) -> str:
    return Path(result[output]["path"]).read_text(encoding="utf-8")


def test_shell_lines_line_magics_and_display(docker_client: Any, python_base_image: str, tmp_path: Path,
                                             capfd: pytest.CaptureFixture[str]) -> None:
    built = _build(docker_client, CASES / "shell_lines.ipynb", tmp_path / "op")
    assert built.spec.packages(DependencyKind.PIP) == ("six",)  # from %pip install six
    result = _run(built.cwl, tmp_path / "out", capfd)
    report = _text(result, "output_report").splitlines()
    assert report == [
        "written-by-shell",  # !mkdir ... && echo ... > file
        "listing=from_shell.txt",  # var = !ls, after %cd work
        "env=from-env-magic",  # %env NAME=value
        "six=six",  # the package of %pip install is in the image
        "ipython=InteractiveShell",  # get_ipython()
    ]


def test_dependency_only_in_a_bash_cell(docker_client: Any, python_base_image: str, tmp_path: Path,
                                        capfd: pytest.CaptureFixture[str]) -> None:
    built = _build(docker_client, CASES / "bash_cell.ipynb", tmp_path / "op")
    assert [p.split("==")[0] for p in _locked_names(tmp_path / "op")] == ["tomli"]
    result = _run(built.cwl, tmp_path / "out", capfd)
    assert _text(result, "output_report") == "made-by-bash\nanswer=42\n"  # the cell ran; tomli imports
    assert "[claimed-cwl] not run: pip install tomli (installed in the image at build time)" in result["_stderr"]


def test_writefile_cell_and_display(docker_client: Any, python_base_image: str, tmp_path: Path,
                                    capfd: pytest.CaptureFixture[str]) -> None:
    built = _build(docker_client, CASES / "writefile_cell.ipynb", tmp_path / "op")
    result = _run(built.cwl, tmp_path / "out", capfd, "--value", "5")
    assert _text(result, "output_result") == "10\n"  # the module %%writefile wrote was imported


def test_requirements_file_among_additional_files(docker_client: Any, python_base_image: str, tmp_path: Path,
                                                  capfd: pytest.CaptureFixture[str]) -> None:
    folder = CASES / "requirements_op"
    built = _build(docker_client, folder / "uses_requirements.py", tmp_path / "op", (Path("requirements.txt"),))
    assert set(built.spec.packages(DependencyKind.PIP)) == {"six==1.17.0", "attrs>=23"}
    result = _run(built.cwl, tmp_path / "out", capfd)
    assert _text(result, "output_report") == "six=1.17.0\nattrs=attrs\n"


def test_r_library_installs_the_package(docker_client: Any, r_base_image: str, tmp_path: Path,
                                        capfd: pytest.CaptureFixture[str]) -> None:
    built = _build(docker_client, CASES / "r_library" / "json_report.R", tmp_path / "op")
    result = _run(built.cwl, tmp_path / "out", capfd, "--label", "runs")
    assert json.loads(_text(result, "output_json")) == {"label": "runs", "n": 3}


def test_undeclared_import_fails_with_its_cell_and_builds_with_add_missing(
    docker_client: Any, python_base_image: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    source = CASES / "undeclared_import.ipynb"
    with pytest.raises(BuildError) as info:
        _build(docker_client, source, tmp_path / "op")
    message = str(info.value)
    assert "undeclared_import.ipynb, cell 3, line 1: import yaml -> add the package PyYAML" in message
    assert not (tmp_path / "op").exists()  # nothing written for a failed build
    built = _build(docker_client, source, tmp_path / "op", add_missing=True)
    assert [name for name, _ in built.added] == ["PyYAML"]
    assert "# added: PyYAML  <- import yaml at cell 3, line 1" in (tmp_path / "op" / LOCK_FILE).read_text()
    again = _build(docker_client, source, tmp_path / "op")  # the addition is kept in the lock: no flag needed
    assert again.image.reused
    result = _run(built.cwl, tmp_path / "out", capfd)
    assert _text(result, "output_yaml") == "answer: 42\n"


def test_same_lock_and_digest_for_two_builds_and_refresh(docker_client: Any, python_base_image: str,
                                                         tmp_path: Path) -> None:
    source = CASES / "bash_cell.ipynb"
    first = _build(docker_client, source, tmp_path / "a")
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    second = _build(docker_client, source, tmp_path / "b")
    assert (tmp_path / "a" / LOCK_FILE).read_bytes() == (tmp_path / "b" / LOCK_FILE).read_bytes()
    assert second.image.digest == first.image.digest and second.image.reused and not second.resolved
    refreshed = _build(docker_client, source, tmp_path / "b", refresh_lock=True)
    assert refreshed.resolved and refreshed.image.digest == first.image.digest  # same index, same pins


def test_pin_without_a_wheel_for_the_python_fails_readably(docker_client: Any, python_base_image: str,
                                                           tmp_path: Path) -> None:
    source = tmp_path / "old_pin.py"
    source.write_text("# pip install numpy==1.21.0\nimport numpy\n", encoding="utf-8")
    with pytest.raises(BuildError) as info:
        _build(docker_client, source, tmp_path / "op")
    message = str(info.value)
    assert "failing requirement: numpy==1.21.0" in message
    assert "\x1b[" not in message and len(message.splitlines()) < 25
    assert "has Python 3.11" in message and "Versions with a wheel for Python 3.11:" in message
    log_path = Path(message.rsplit("full log: ", 1)[1].strip())
    assert log_path.is_file() and "numpy" in log_path.read_text()


@pytest.mark.slow
def test_pyspark_notebook_reads_and_writes_parquet(docker_client: Any, python_base_image: str, tmp_path: Path,
                                                   capfd: pytest.CaptureFixture[str]) -> None:
    built = _build(docker_client, CASES / "spark_parquet.ipynb", tmp_path / "op")
    assert ("SPARK_LOCAL_IP", "127.0.0.1") in built.spec.environment
    data = tmp_path / "data"
    data.mkdir(mode=0o777)
    data.chmod(0o777)
    make = ("from pyspark.sql import SparkSession\n"
            "s = SparkSession.builder.master('local[1]').config('spark.ui.enabled', 'false').getOrCreate()\n"
            "s.createDataFrame([('a', 1.0), ('b', 2.0), ('a', 3.5)], ['group', 'value'])"
            ".write.parquet('/data/in.parquet')\ns.stop()\n")
    docker_client.containers.run(built.image.image, ["python", "-c", make], entrypoint=[], network_mode="none",
                                 volumes={str(data): {"bind": "/data", "mode": "rw"}}, remove=True)
    result = _run(built.cwl, tmp_path / "out", capfd, "--input_parquet", str(data / "in.parquet"))
    totals = Path(result["output_totals"]["path"])
    check = ("from pyspark.sql import SparkSession\n"
             "s = SparkSession.builder.master('local[1]').config('spark.ui.enabled', 'false').getOrCreate()\n"
             "print(sorted((r['group'], r['total']) for r in s.read.parquet('/t').collect()))\ns.stop()\n")
    output = docker_client.containers.run(built.image.image, ["python", "-c", check], entrypoint=[],
                                          network_mode="none", volumes={str(totals): {"bind": "/t", "mode": "ro"}},
                                          remove=True, stderr=False)
    assert output.decode().strip().splitlines()[-1] == "[('a', 4.5), ('b', 2.0)]"


def _locked_names(out: Path) -> list[str]:
    text = (out / LOCK_FILE).read_text(encoding="utf-8")
    groups = text.split("# group: ")[2:]  # the first group is the notebook runtime (IPython)
    return [line.split(" ")[0] for group in groups for line in group.splitlines()[1:] if line]
