"""The shared YAML writer and image settings."""

from __future__ import annotations

from ruamel.yaml import YAML

from claimed_cwl.emit import ImageSettings
from claimed_cwl.emit._yaml import dump_yaml


def test_round_trip_of_awkward_strings() -> None:
    data = {
        "block": "line one\n\nline three\n",
        "trailing": "has trailing space \nnext",
        "leading": "  indented first line\nsecond",
        "hash": "#ff0000",
        "number_like": "3.0",
        "bool_like": "True",
        "empty": "",
        "nested": [{"a": "x: y"}, ["- not a list"]],
    }
    text = dump_yaml(data, header="# header")
    assert text.startswith("# header\n")
    assert YAML(typ="safe").load(text) == data
    assert dump_yaml(data, header="# header") == text


def test_image_reference() -> None:
    assert ImageSettings().image("op") == "claimed/claimed-op:latest"
    settings = ImageSettings(repository="localhost:5000/a/b", version="1.0")
    assert settings.image("op") == "localhost:5000/a/b/claimed-op:1.0"
    assert ImageSettings.for_reference("my/image:tag").image("op") == "my/image:tag"
