"""R operators: typed parameters, defaults, install.packages, comments and strings."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimed_cwl.errors import OperatorError
from claimed_cwl.parse import parse_operator
from claimed_cwl.spec import DependencyKind, Language, OperatorSpec, OutputKind, ParamType


def parse_r(tmp_path: Path, code: str, name: str = "text_mining.R") -> OperatorSpec:
    path = tmp_path / name
    path.write_text(code, encoding="utf-8")
    return parse_operator(path)


def test_r_parameters_are_typed(tmp_path: Path) -> None:
    # C3 never typed R parameters.
    code = (
        "n <- as.integer(Sys.getenv('n', '10'))\n"
        "alpha <- as.numeric(Sys.getenv('alpha', unset = '0.05'))\n"
        "verbose <- as.logical(Sys.getenv('verbose', 'FALSE'))\n"
        "label <- as.character(Sys.getenv('label', 'x'))\n"
        'size = base::as.double(base::Sys.getenv("size", 2))\n'
    )
    spec = parse_r(tmp_path, code)
    got = {p.name: (p.type, p.default) for p in spec.parameters}
    assert got == {
        "n": (ParamType.INT, 10),
        "alpha": (ParamType.FLOAT, 0.05),
        "verbose": (ParamType.BOOL, False),
        "label": (ParamType.STRING, "x"),
        "size": (ParamType.FLOAT, 2.0),
    }
    assert spec.language is Language.R


def test_r_logical_texts_are_true_and_false(tmp_path: Path) -> None:
    spec = parse_r(tmp_path, "v <- as.logical(Sys.getenv('verbose', 'TRUE'))\n")
    param = spec.parameter("verbose")
    assert (param.default, param.true_text, param.false_text) == (True, "TRUE", "FALSE")


def test_r_getenv_without_default_is_optional_without_default(tmp_path: Path) -> None:
    spec = parse_r(tmp_path, "a <- Sys.getenv('a')\nb <- Sys.getenv('b', '')\n")
    for param in spec.parameters:
        assert (param.required, param.default) == (False, None)


def test_r_numeric_cast_without_default_is_required(tmp_path: Path) -> None:
    spec = parse_r(tmp_path, "k <- as.numeric(Sys.getenv('k'))\n")
    assert (spec.parameter("k").type, spec.parameter("k").required) == (ParamType.FLOAT, True)


def test_r_as_integer_truncates_like_r(tmp_path: Path) -> None:
    spec = parse_r(tmp_path, "k <- as.integer(Sys.getenv('k', '3.7'))\n")
    assert spec.parameter("k").default == 3


def test_r_hash_inside_string_is_not_a_comment(tmp_path: Path) -> None:
    code = "col <- Sys.getenv('color', '#ff0000') # pick\ns <- \"Sys.getenv('hidden')\"\n# Sys.getenv('nope')\n"
    spec = parse_r(tmp_path, code)
    assert [(p.name, p.default) for p in spec.parameters] == [("color", "#ff0000")]


def test_r_install_packages_are_dependencies(tmp_path: Path) -> None:
    code = (
        "install.packages('tm')\n"
        "install.packages(c(\"SnowballC\", 'wordcloud'), repos = 'https://cloud.r-project.org')\n"
        "if (!require(x)) utils::install.packages(pkgs = 'x')\n"
    )
    spec = parse_r(tmp_path, code)
    assert spec.packages(DependencyKind.R) == ("tm", "SnowballC", "wordcloud", "x")


def test_r_header_comment_block_is_description(tmp_path: Path) -> None:
    code = (
        "#!/usr/bin/env Rscript\n"
        "# Text mining\n"
        "#\n"
        "# Counts words.\n"
        "# claimed: ram=1G\n"
        "# apt install libxml2-dev\n"
        "\n"
        "# the input corpus\n"
        "input_file <- Sys.getenv('input_file', 'corpus.txt')\n"
        "output_counts <- Sys.getenv('output_counts', 'counts.csv')\n"
        "words <- readLines(input_file)\n"
    )
    spec = parse_r(tmp_path, code)
    assert spec.description == "Text mining\n\nCounts words."
    assert spec.resources.ram_mib == 954
    assert spec.packages(DependencyKind.APT) == ("libxml2-dev",)
    param = spec.parameter("input_file")
    assert (param.type, param.description, param.line) == (ParamType.FILE, "the input corpus", 9)
    assert [(o.name, o.kind, o.path) for o in spec.outputs] == [("output_counts", OutputKind.FILE, "counts.csv")]


def test_r_raw_strings_and_backticks(tmp_path: Path) -> None:
    code = 'x <- r"(it\'s # not a comment)"\n`my var` <- Sys.getenv(x = "k", unset = -2)\n'
    spec = parse_r(tmp_path, code)
    assert spec.parameter("k").default == "-2"


def test_r_non_literal_install_packages_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OperatorError, match=r"text_mining\.R:2: install\.packages"):
        parse_r(tmp_path, "pkgs <- c('a')\ninstall.packages(pkgs)\n")


def test_r_unterminated_string_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OperatorError, match=r"text_mining\.R:2: unterminated string"):
        parse_r(tmp_path, "x <- 1\ny <- 'abc\n")


def test_r_logical_default_that_is_na_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OperatorError, match=r"text_mining\.R:1: .*'maybe'"):
        parse_r(tmp_path, "v <- as.logical(Sys.getenv('v', 'maybe'))\n")


def test_lower_case_r_suffix(tmp_path: Path) -> None:
    spec = parse_r(tmp_path, "a <- Sys.getenv('a', 'b')\n", name="tool.r")
    assert spec.language is Language.R
