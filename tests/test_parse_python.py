"""Python operators: each convention of docs/operators.md and each C3 defect, one test each."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from claimed_cwl.errors import OperatorError
from claimed_cwl.parse import parse_operator
from claimed_cwl.spec import DependencyKind, Language, OperatorSpec, OutputKind, ParamType


def parse(tmp_path: Path, code: str, name: str = "op.py") -> OperatorSpec:
    path = tmp_path / name
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    return parse_operator(path)


def test_hash_inside_string_default_is_kept(tmp_path: Path) -> None:
    # C3 cut every line at the first '#', even inside strings.
    spec = parse(tmp_path, "import os\ncolor = os.getenv('color', '#ff0000')  # a comment\n")
    assert spec.parameter("color").default == "#ff0000"
    assert spec.parameter("color").type is ParamType.STRING


def test_hash_in_string_is_not_a_dependency_comment(tmp_path: Path) -> None:
    spec = parse(tmp_path, "import os\nx = os.getenv('x', '# pip install evil')\n")
    assert spec.dependencies == ()
    assert spec.parameter("x").default == "# pip install evil"


def test_float_cast_without_default_is_required_float(tmp_path: Path) -> None:
    # C3 crashed on float(os.getenv('f')).
    spec = parse(tmp_path, "import os\nf = float(os.getenv('f'))\n")
    param = spec.parameter("f")
    assert (param.type, param.required, param.default) == (ParamType.FLOAT, True, None)


def test_int_cast_of_getenv_with_none_default_is_required(tmp_path: Path) -> None:
    spec = parse(tmp_path, "import os\nn = int(os.getenv('n', None))\n")
    assert spec.parameter("n").required is True


def test_str_call_default_is_its_value(tmp_path: Path) -> None:
    # C3 turned str(3) into the default "str(3".
    spec = parse(tmp_path, "import os\nn = int(os.getenv('n', str(3)))\ns = os.getenv('s', str(3))\n")
    assert spec.parameter("n").default == 3
    assert spec.parameter("s").default == "3"


def test_none_default_is_never_the_string_none(tmp_path: Path) -> None:
    # C3 wrote the string "None" as a default.
    spec = parse(tmp_path, "import os\na = os.getenv('a')\nb = os.getenv('b', None)\nc = os.environ.get('c')\n")
    for param in spec.parameters:
        assert param.default is None
        assert param.required is False


def test_negative_number_default(tmp_path: Path) -> None:
    spec = parse(tmp_path, "import os\nn = int(os.getenv('n', -4))\nx = float(os.getenv('x', '-1.5'))\n")
    assert spec.parameter("n").default == -4
    assert spec.parameter("x").default == -1.5


def test_default_is_converted_by_the_cast(tmp_path: Path) -> None:
    spec = parse(tmp_path, "import os\nn = int(os.getenv('n', '3'))\nr = float(os.getenv('r', '0.5'))\n")
    assert spec.parameter("n").default == 3
    assert spec.parameter("r").default == 0.5


def test_bool_cast_default_false_string_is_true(tmp_path: Path) -> None:
    # bool('False') is True in Python: we report what the script computes.
    spec = parse(tmp_path, "import os\nflag = bool(os.getenv('flag', 'False'))\n")
    param = spec.parameter("flag")
    assert (param.type, param.default) == (ParamType.BOOL, True)
    assert (param.true_text, param.false_text) == ("True", "")
    assert bool(param.false_text) is False and bool(param.true_text) is True


def test_bool_cast_empty_default_is_false(tmp_path: Path) -> None:
    spec = parse(tmp_path, "import os\nflag = bool(os.getenv('flag', ''))\n")
    assert spec.parameter("flag").default is False


def test_comparison_gives_compared_literal_and_false(tmp_path: Path) -> None:
    spec = parse(tmp_path, "import os\nflag = os.getenv('flag', 'False') == 'True'\n")
    param = spec.parameter("flag")
    assert (param.type, param.default) == (ParamType.BOOL, False)
    assert (param.true_text, param.false_text) == ("True", "False")


def test_lowered_comparison_gives_lowercase_false(tmp_path: Path) -> None:
    spec = parse(tmp_path, "import os\ndebug = os.getenv('debug', 'TRUE').lower() == 'true'\n")
    param = spec.parameter("debug")
    assert (param.default, param.true_text, param.false_text) == (True, "true", "false")


def test_in_comparison_uses_first_literal(tmp_path: Path) -> None:
    spec = parse(tmp_path, "import os\nv = os.getenv('v', 'no').lower() in ('yes', '1')\n")
    param = spec.parameter("v")
    assert (param.type, param.default, param.true_text, param.false_text) == (ParamType.BOOL, False, "yes", "false")


def test_not_equal_comparison_passes_literal_for_false(tmp_path: Path) -> None:
    spec = parse(tmp_path, "import os\nkeep = os.getenv('keep', 'x') != 'False'\n")
    param = spec.parameter("keep")
    assert (param.default, param.true_text, param.false_text) == (True, "True", "False")
    # The script's own test gives the intended value for both texts.
    assert (param.true_text != "False", param.false_text != "False") == (True, False)


def test_lowered_comparison_without_default_is_required(tmp_path: Path) -> None:
    spec = parse(tmp_path, "import os\nd = os.getenv('d').lower() == 'true'\n")
    assert spec.parameter("d").required is True


def test_environ_subscript_read_is_required(tmp_path: Path) -> None:
    spec = parse(tmp_path, "import os\nkey = os.environ['key']\nn = int(os.environ['n'])\n")
    assert spec.parameter("key").required is True
    assert (spec.parameter("n").type, spec.parameter("n").required) == (ParamType.INT, True)


def test_non_constant_default_is_optional_without_default(tmp_path: Path) -> None:
    spec = parse(tmp_path, "import os\nbase = '/data'\nd = os.getenv('d', base + '/x')\n")
    param = spec.parameter("d")
    assert (param.required, param.default) == (False, None)


def test_other_function_around_read_leaves_a_string(tmp_path: Path) -> None:
    spec = parse(tmp_path, "import os, json\ncfg = json.loads(os.getenv('cfg', '{}'))\n")
    assert spec.parameter("cfg").type is ParamType.STRING


def test_output_prefix_relative_default_is_output_path(tmp_path: Path) -> None:
    spec = parse(tmp_path, "import os\nout = os.getenv('output_data', 'out/result.csv')\n")
    assert spec.parameters == ()
    (output,) = spec.outputs
    assert (output.name, output.kind, output.path) == ("output_data", OutputKind.FILE, "out/result.csv")


def test_output_prefix_absolute_default_uses_basename(tmp_path: Path) -> None:
    spec = parse(tmp_path, "import os\nout = os.getenv('output_model', '/tmp/model.pkl')\n")
    assert spec.outputs[0].path == "model.pkl"


def test_output_prefix_without_default_uses_name_and_dir_rule(tmp_path: Path) -> None:
    spec = parse(tmp_path, "import os\na = os.getenv('output_file')\nb = os.getenv('output_dir')\n")
    assert [(o.name, o.kind, o.path) for o in spec.outputs] == [
        ("output_file", OutputKind.FILE, "output_file"),
        ("output_dir", OutputKind.DIRECTORY, "output_dir"),
    ]


def test_output_prefix_cast_to_int_stays_an_input(tmp_path: Path) -> None:
    spec = parse(tmp_path, "import os\nn = int(os.getenv('output_count', '3'))\n")
    assert spec.outputs == ()
    assert spec.parameter("output_count").type is ParamType.INT


def test_environ_assignment_is_value_output(tmp_path: Path) -> None:
    spec = parse(tmp_path, "import os\n# number of rows kept\nos.environ['row_count'] = str(42)\n")
    (output,) = spec.outputs
    assert (output.name, output.kind, output.description, output.line) == (
        "row_count",
        OutputKind.VALUE,
        "number of rows kept",
        3,
    )
    assert spec.parameters == ()


def test_comment_block_above_is_description(tmp_path: Path) -> None:
    code = """\
        import os

        # unrelated comment

        # Path of the input table,
        # one row per sample.
        # claimed: type=File
        table = os.getenv('table')
        """
    spec = parse(tmp_path, code)
    assert spec.parameter("table").description == "Path of the input table, one row per sample."


def test_comment_above_multiline_statement_is_description(tmp_path: Path) -> None:
    code = "import os\n# the threshold\nt = float(\n    os.getenv('t', '0.5'))\n"
    assert parse(tmp_path, code).parameter("t").description == "the threshold"


def test_docstring_is_first_statement_only(tmp_path: Path) -> None:
    spec = parse(tmp_path, 'import os\nx = 1\n"""not a description"""\n')
    assert spec.description == ""
    spec = parse(tmp_path, '"""\n\nFilter rows.\n\n"""\nimport os\n')
    assert spec.description == "Filter rows."


def test_name_from_stem(tmp_path: Path) -> None:
    spec = parse(tmp_path, "x = 1\n", name="Filter_CSV  v2.py")
    assert spec.name == "filter-csv-v2"
    assert spec.source_file == "Filter_CSV  v2.py"
    assert spec.language is Language.PYTHON


def test_file_and_directory_come_from_local_use_not_from_names(tmp_path: Path) -> None:
    # issue 12: a File/Directory only with evidence that the code reads that local path
    code = """\
        import os
        import pandas as pd
        a = os.getenv('data_dir')
        b = os.getenv('source', 'inputs/')
        c = os.getenv('config_path')
        d = os.getenv('table', 'data/table.csv')
        e = os.getenv('remote_file', 's3://bucket/x.csv')
        f = os.getenv('version', '1.2')
        g = os.getenv('email', 'a@b.com')
        for name in os.listdir(b):
            print(name)
        frame = pd.read_csv(d)
        """
    types = {p.name: p.type for p in parse(tmp_path, code).parameters}
    assert types == {
        "data_dir": ParamType.STRING,  # named like a directory, but never used as one
        "source": ParamType.DIRECTORY,  # listed
        "config_path": ParamType.STRING,
        "table": ParamType.FILE,  # read with pandas
        "remote_file": ParamType.STRING,
        "version": ParamType.STRING,
        "email": ParamType.STRING,
    }


def test_secret_name_rule_and_directives(tmp_path: Path) -> None:
    code = """\
        import os
        pw = os.getenv('DB_Password', 'hunter2')
        # claimed: secret
        user = os.getenv('user')
        # claimed: secret=false
        n = os.getenv('token_count', '5')
        """
    spec = parse(tmp_path, code)
    assert spec.parameter("DB_Password").secret is True
    assert spec.parameter("DB_Password").default == "hunter2"  # kept; the emitters hide it
    assert spec.parameter("user").secret is True
    assert spec.parameter("token_count").secret is False


def test_import_aliases_are_understood(tmp_path: Path) -> None:
    code = """\
        import os as o
        from os import getenv as ge, environ
        a = o.getenv('a', '1')
        b = ge('b', '2')
        c = environ.get('c', '3')
        d = environ['d']
        environ['e'] = 'done'
        """
    spec = parse(tmp_path, code)
    assert [p.name for p in spec.parameters] == ["a", "b", "c", "d"]
    assert [o.name for o in spec.outputs] == ["e"]


def test_parameters_in_order_of_first_appearance(tmp_path: Path) -> None:
    code = """\
        import os
        def run():
            return os.getenv('late', 'z')
        first = os.getenv('first', 'a')
        second = int(os.getenv('second', '2')) + int(os.getenv('third', '3'))
        first_again = os.getenv('first', 'a')
        """
    spec = parse(tmp_path, code)
    assert [p.name for p in spec.parameters] == ["late", "first", "second", "third"]
    assert spec.parameter("first").line == 4


def test_read_twice_with_same_default_is_merged(tmp_path: Path) -> None:
    spec = parse(tmp_path, "import os\na = os.getenv('x')\nb = os.environ['x']\n")
    param = spec.parameter("x")
    assert (param.line, param.required) == (2, True)


def test_dependency_comments(tmp_path: Path) -> None:
    code = """\
        # pip install pandas==2.2 -U --no-cache-dir scikit-learn>=1.4
        # apt-get install -y libgomp1
        # apt install curl
        # dnf install gcc
        # yum install make
        import os
        """
    spec = parse(tmp_path, code)
    assert spec.packages(DependencyKind.PIP) == ("pandas==2.2", "scikit-learn>=1.4")
    assert spec.packages(DependencyKind.APT) == ("libgomp1", "curl")
    assert spec.packages(DependencyKind.DNF) == ("gcc", "make")


def test_dnf_in_the_middle_of_a_comment_is_ignored(tmp_path: Path) -> None:
    # C3 matched "dnf" anywhere on a line and put it in a RUN line.
    code = "# we used dnf install once; now rm -rf / is bad\n# remember: pip install is slow\nimport os\n"
    assert parse(tmp_path, code).dependencies == ()


def test_dependency_comment_is_not_a_description(tmp_path: Path) -> None:
    code = "import os\n# pip install numpy\n# the size\nn = os.getenv('n')\n"
    spec = parse(tmp_path, code)
    assert spec.parameter("n").description == "the size"
    assert spec.packages(DependencyKind.PIP) == ("numpy",)


def test_resources_directive(tmp_path: Path) -> None:
    spec = parse(tmp_path, "# claimed: cores=0.5, ram=512Mi gpu=1\n# claimed: time=2h\nimport os\n")
    resources = spec.resources
    assert (resources.cores, resources.ram_mib, resources.gpus, resources.time_limit_s) == (0.5, 512, 1, 7200)


def test_resource_units(tmp_path: Path) -> None:
    spec = parse(tmp_path, "# claimed: ram=2048 time=90\n")
    assert (spec.resources.ram_mib, spec.resources.time_limit_s) == (2048, 90)
    spec = parse(tmp_path, "# claimed: ram=1Gi time=1d\n")
    assert (spec.resources.ram_mib, spec.resources.time_limit_s) == (1024, 86400)


def test_type_directive_overrides_inference(tmp_path: Path) -> None:
    code = """\
        import os
        # claimed: type=Directory
        a = os.getenv('model', 'model.bin')
        # claimed: type=int
        b = os.getenv('count', '7')
        """
    spec = parse(tmp_path, code)
    assert spec.parameter("model").type is ParamType.DIRECTORY
    assert (spec.parameter("count").type, spec.parameter("count").default) == (ParamType.INT, 7)


def test_output_and_input_directives(tmp_path: Path) -> None:
    code = """\
        import os
        # claimed: output path=results/summary.json
        report = os.getenv('report')
        # claimed: input
        keep = os.getenv('output_format', 'csv')
        """
    spec = parse(tmp_path, code)
    assert [(o.name, o.kind, o.path) for o in spec.outputs] == [("report", OutputKind.FILE, "results/summary.json")]
    assert spec.parameter("output_format").default == "csv"


def test_notebook_style_shell_lines_are_a_python_syntax_error(tmp_path: Path) -> None:
    with pytest.raises(OperatorError, match=r"op\.py:2"):
        parse(tmp_path, "import os\n!pip install numpy\n")


def test_additional_files_are_kept_as_given(tmp_path: Path) -> None:
    (tmp_path / "helpers").mkdir()
    (tmp_path / "helpers" / "util.py").write_text("X = 1\n")
    (tmp_path / "model.bin").write_bytes(b"\0")
    path = tmp_path / "op.py"
    path.write_text("import os\n")
    spec = parse_operator(path, additional_files=["helpers/util.py", Path("model.bin"), "helpers"])
    assert spec.additional_files == ("helpers/util.py", "model.bin", "helpers")


def test_parse_is_deterministic(tmp_path: Path) -> None:
    code = "import os\n# claimed: ram=1G\na = os.getenv('a', 'x')\nos.environ['b'] = a\n"
    assert parse(tmp_path, code) == parse(tmp_path, code)
