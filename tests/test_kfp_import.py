"""KubeFlow v1 component YAML -> CWL CommandLineTool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _workflow_helpers import KFP, cwltool_run, cwltool_validate
from ruamel.yaml import YAML

from claimed_cwl.cli import main
from claimed_cwl.errors import OperatorError
from claimed_cwl.importers.kfp import emit_kfp_cwl


def _load(text: str) -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load(text)
    return data


def test_c3_component_keeps_image_and_interface(tmp_path: Path) -> None:
    text = emit_kfp_cwl(KFP / "c3_filter_csv.yaml")
    assert text == emit_kfp_cwl(KFP / "c3_filter_csv.yaml")
    tool = _load(text)
    image = "docker.io/claimed/claimed-filter-csv:0.1"
    assert tool["requirements"][0] == {"class": "DockerRequirement", "dockerPull": image}
    inputs = {i["id"]: (i["type"], i.get("default")) for i in tool["inputs"]}
    assert inputs == {
        "log_level": ("string", "INFO"), "input_path": ("string", None), "column": ("string", "value"),
        "threshold": ("float", 0.5), "limit": ("int", 100),
    }
    assert tool["outputs"] == []  # the declared output is never written through outputPath
    arguments = [a["valueFrom"] for a in tool["arguments"]]
    assert arguments[:2] == ["sh", "-ec"]
    assert 'log_level="\\${0}"' in arguments[2]  # a literal ${0} is escaped for CWL
    assert arguments[3] == "$((inputs.log_level === null ? null : String(inputs.log_level)))"
    path = tmp_path / "filter.cwl"
    path.write_text(text)
    cwltool_validate(path)


def test_kfp_sdk_component_runs(tmp_path: Path) -> None:
    tool = _load(emit_kfp_cwl(KFP / "count_lines.yaml"))
    assert {i["id"]: i["type"] for i in tool["inputs"]} == {
        "text": "File", "skip_header": "boolean", "max_lines": ["null", "int"], "prefix": "string"
    }
    assert {o["id"]: (o["type"], o["outputBinding"]["glob"]) for o in tool["outputs"]} == {
        "count": ("File", "count"), "report_dir": ("Directory", "report_dir")
    }
    # Run the converted command line for real, without its container.
    tool["requirements"] = [r for r in tool["requirements"] if r["class"] != "DockerRequirement"]
    path = tmp_path / "count.cwl"
    with path.open("w") as stream:
        YAML().dump(tool, stream)
    cwltool_validate(path)
    text = tmp_path / "text.txt"
    text.write_text("header\na\nb\nc\n")
    file = {"class": "File", "path": str(text)}
    first = cwltool_run(path, {"text": file, "skip_header": True, "max_lines": 2}, tmp_path / "o1")
    assert Path(first["count"]["path"]).read_text() == "n=2"
    assert (Path(first["report_dir"]["path"]) / "summary.txt").read_text() == "lines=3 counted=2\n"
    second = cwltool_run(path, {"text": file, "prefix": "$(x) "}, tmp_path / "o2")
    assert Path(second["count"]["path"]).read_text() == "$(x) 4"  # no max_lines: the if adds nothing


@pytest.mark.parametrize(
    ("component", "line", "message"),
    [
        ("implementation:\n  container:\n    image: a\n    command: [echo, {inputValue: b}]\n", 4,
         "placeholder names no declared input 'b'"),
        ("inputs:\n- {name: a}\nimplementation:\n  container:\n    image: a\n    command: [echo, {inputUri: a}]\n", 6,
         "unsupported placeholder 'inputUri'"),
        ("inputs:\n- {name: a, type: Integer, default: x}\nimplementation:\n  container:\n    image: a\n"
         "    command: [echo]\n", 2, "default 'x' is not a int"),
        ("implementation:\n  graph: {}\n", 2, "expected implementation.container"),
        ("inputs:\n- {name: a}\nimplementation:\n  container:\n    image: a\n"
         "    command: [cat, {inputPath: a}, {inputValue: a}]\n", 1, "used both as inputValue and as inputPath"),
        ("name: [unclosed\n", 2, "not valid YAML: expected ',' or ']'"),
    ],
)
def test_bad_components_name_file_and_line(tmp_path: Path, component: str, line: int, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(component)
    with pytest.raises(OperatorError) as err:
        emit_kfp_cwl(path)
    assert err.value.line == line
    assert message in str(err.value)
    assert str(err.value).startswith(f"{path}:")


def test_cli_writes_the_tool_or_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sub" / "count.cwl"
    assert main(["import-kfp", str(KFP / "count_lines.yaml"), "-o", str(out)]) == 0
    assert out.read_text() == emit_kfp_cwl(KFP / "count_lines.yaml")
    assert main(["import-kfp", str(KFP / "bad_placeholder.yaml"), "-o", str(tmp_path / "bad.cwl")]) == 1
    assert "bad_placeholder.yaml:7: placeholder names no declared input 'b'" in capsys.readouterr().err
    assert not (tmp_path / "bad.cwl").exists()
