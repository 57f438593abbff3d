"""KubeFlow Pipelines v1 component emitter, validated against the component JSON Schema."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jsonschema
import pytest
from _emit_samples import SECRET_DEFAULT, full_spec, minimal_spec
from ruamel.yaml import YAML

from claimed_cwl.emit import ImageSettings, emit_kfp
from claimed_cwl.spec import Language


def _schema() -> dict[str, Any]:
    text = resources.files("claimed_cwl").joinpath("schemas/kfp_component_v1.json").read_text()
    return json.loads(text)  # type: ignore[no-any-return]


def _load(text: str) -> dict[str, Any]:
    return YAML(typ="safe").load(text)  # type: ignore[no-any-return]


@pytest.mark.parametrize("spec", [full_spec(), minimal_spec(), minimal_spec(Language.NOTEBOOK)])
def test_valid_against_schema(spec: Any) -> None:
    component = _load(emit_kfp(spec, ImageSettings()))
    jsonschema.validate(component, _schema())


def test_schema_rejects_bad_components() -> None:
    component = _load(emit_kfp(full_spec(), ImageSettings()))
    component["implementation"]["container"]["command"].append({"inputValu": "x"})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(component, _schema())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "x", "inputs": [{"name": "a", "default": 3}],
                             "implementation": {"container": {"image": "i"}}}, _schema())


def test_inputs_and_outputs() -> None:
    component = _load(emit_kfp(full_spec(), ImageSettings(version="2")))
    inputs = {i["name"]: i for i in component["inputs"]}
    assert inputs["query"] == {"name": "query", "type": "String", "description": "pandas query"}
    assert inputs["limit"] == {"name": "limit", "type": "Integer", "default": "10", "optional": True}
    assert inputs["ratio"]["type"] == "Float" and inputs["ratio"]["default"] == "0.5"
    assert inputs["verbose"]["type"] == "Bool" and inputs["verbose"]["default"] == "True"
    assert inputs["input_file"]["type"] == "String" and "default" not in inputs["input_file"]
    assert "api_token" not in inputs  # a secret: given by reference (a Secret), never as an input value
    assert component["metadata"]["annotations"] == {"claimed-cwl/secret-env": "api_token"}
    assert component["outputs"] == [{"name": "output_file"}, {"name": "output_dir"},
                                    {"name": "row_count", "type": "String"}]
    assert component["implementation"]["container"]["image"] == "claimed/claimed-filter-csv:2"


def test_command_placeholders() -> None:
    command = _load(emit_kfp(full_spec(), ImageSettings()))["implementation"]["container"]["command"]
    assert command[0] == "env"
    assert {"concat": ["query=", {"inputValue": "query"}]} in command
    assert {"if": {"cond": {"isPresent": "input_file"},
                   "then": [{"concat": ["input_file=", {"inputPath": "input_file"}]}]}} in command
    assert {"if": {"cond": {"inputValue": "verbose"}, "then": ["verbose=True"], "else": ["verbose="]}} in command
    assert {"concat": ["output_dir=", {"outputPath": "output_dir"}]} in command
    assert command[-5:] == ["python", "/opt/claimed/claimed_launcher.py", "/opt/app/filter_csv.py", "--export",
                            {"concat": ["row_count=", {"outputPath": "row_count"}]}]


def test_secret_absent_and_deterministic() -> None:
    text = emit_kfp(full_spec(), ImageSettings())
    assert SECRET_DEFAULT not in text
    assert text == emit_kfp(full_spec(), ImageSettings())
