"""The usage analysis, one rule per test: how code uses a value decides its interface (issue 12)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from claimed_cwl.errors import OperatorError
from claimed_cwl.parse import Analysis, analyse_operator
from claimed_cwl.parse.infer import is_secret_name
from claimed_cwl.spec import OutputKind, ParamRole, ParamType


def analyse(tmp_path: Path, code: str, name: str = "op.py") -> Analysis:
    path = tmp_path / name
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    return analyse_operator(path)


def kinds(analysis: Analysis) -> dict[str, str]:
    """name -> 'input TYPE[ role]' or 'output KIND'."""
    found = {p.name: f"input {p.type.value}" + (f" {p.role.value}" if p.role is not ParamRole.VALUE else "")
             for p in analysis.spec.parameters}
    found.update({o.name: f"output {o.kind.value}" for o in analysis.spec.outputs if not o.rewrites})
    return found


@pytest.mark.parametrize("join", [
    "data_dir + name",
    "data_dir + '/' + name",
    "f'{data_dir}/{name}'",
    "os.path.join(data_dir, name)",
    "'{}{}'.format(data_dir, name)",
    "'%s/%s' % (data_dir, name)",
    "str(Path(data_dir) / name)",
])
def test_every_way_of_joining_a_name_to_a_prefix(tmp_path: Path, join: str) -> None:
    code = f"""\
        import os
        from pathlib import Path
        data_dir = os.getenv('data_dir', '/data/')
        name = os.getenv('name', 'in.txt')
        text = open({join}).read()
        """
    assert kinds(analyse(tmp_path, code)) == {"data_dir": "input string prefix", "name": "input File joined"}


def test_prefix_used_for_writes_and_reads_gives_a_collected_output(tmp_path: Path) -> None:
    code = """\
        import os
        d = os.getenv('d', '../data/')
        src = os.getenv('src', 'a.csv')
        dst = os.getenv('dst', 'b.csv')
        open(d + dst, 'w').write(open(d + src).read())
        """
    analysis = analyse(tmp_path, code)
    assert kinds(analysis) == {"d": "input string prefix", "src": "input File joined", "dst": "output File"}
    out = analysis.spec.outputs[0]
    assert (out.prefix, out.path) == ("d", "b.csv")


def test_a_name_inside_a_longer_name_is_a_string(tmp_path: Path) -> None:
    code = """\
        import os
        out = os.getenv('out', 'parts/')
        column = os.getenv('column', 'g')
        os.makedirs(out, exist_ok=True)
        open(os.path.join(out, f'{column}-1.csv'), 'w').write('x')
        """
    assert kinds(analyse(tmp_path, code)) == {"column": "input string", "out": "output Directory"}


def test_prefix_with_literal_names_only_is_a_directory_with_trailing_slash(tmp_path: Path) -> None:
    code = "import os\nd = os.getenv('d')\nrows = open(d + 'input.csv').read()\n"
    param = analyse(tmp_path, code).spec.parameter("d")
    assert (param.type, param.trailing_slash, param.required) == (ParamType.DIRECTORY, True, True)


def test_remote_uses_keep_strings_whatever_the_name(tmp_path: Path) -> None:
    code = """\
        import os, boto3, s3fs, requests, smtplib
        input_file = os.getenv('input_file', 'data/in.csv')
        bucket = os.getenv('bucket')
        key = os.getenv('key_path', 'x/y.csv')
        url = os.getenv('url_file', 'data.csv')
        host = os.getenv('host', 'mail.example.org')
        fs = s3fs.S3FileSystem()
        fs.glob(input_file)
        boto3.client('s3').download_file(bucket, key, 'local.csv')
        requests.get(url)
        smtplib.SMTP(host)
        """
    assert set(kinds(analyse(tmp_path, code)).values()) == {"input string"}


def test_client_local_argument_is_local(tmp_path: Path) -> None:
    code = """\
        import os, s3fs
        local = os.getenv('local')
        remote = os.getenv('remote')
        fs = s3fs.S3FileSystem()
        fs.put(local, remote)
        """
    assert kinds(analyse(tmp_path, code)) == {"local": "input File", "remote": "input string"}


@pytest.mark.parametrize("write", [
    "pickle.dump(1, open(x, 'wb'))", "np.save(x, [1])", "df.to_csv(x)", "plt.savefig(x)", "model.save(x)",
    "zipfile.ZipFile(x, 'w')", "shutil.copy('a', x)", "Path(x).write_text('t')", "joblib.dump(1, x)",
])
def test_written_values_are_outputs(tmp_path: Path, write: str) -> None:
    code = f"""\
        import os, pickle, zipfile, shutil, joblib
        import numpy as np
        import matplotlib.pyplot as plt
        from pathlib import Path
        x = os.getenv('x')
        {write}
        """
    assert kinds(analyse(tmp_path, code)) == {"x": "output File"}


def test_spark_writes_a_directory(tmp_path: Path) -> None:
    code = "import os\np = os.getenv('p', 'o.parquet')\ndf.write.mode('overwrite').parquet(p)\n"
    assert kinds(analyse(tmp_path, code)) == {"p": "output Directory"}


def test_read_then_rewritten_in_place(tmp_path: Path) -> None:
    code = "import os\nf = os.environ['f']\ntext = open(f).read()\nopen(f, 'w').write(text.upper())\n"
    analysis = analyse(tmp_path, code)
    assert analysis.spec.parameter("f").role is ParamRole.REWRITTEN
    assert [(o.output_id, o.rewrites) for o in analysis.spec.outputs] == [("f_out", "f")]


def test_written_then_read_back_is_an_output_not_rewritten(tmp_path: Path) -> None:
    code = "import os\nf = os.getenv('f', 'r.txt')\nopen(f, 'w').write('x')\nprint(open(f).read())\n"
    assert kinds(analyse(tmp_path, code)) == {"f": "output File"}


def test_casts_away_from_the_read(tmp_path: Path) -> None:
    code = """\
        import os
        b = os.environ.get('b', '10')
        r = os.environ.get('r')
        def twice(n):
            return int(n) * 2
        print(twice(b), float(r))
        """
    spec = analyse(tmp_path, code).spec
    assert (spec.parameter("b").type, spec.parameter("b").default) == (ParamType.INT, 10)
    assert (spec.parameter("r").type, spec.parameter("r").required) == (ParamType.FLOAT, True)


def test_a_cast_that_only_tests_is_no_type(tmp_path: Path) -> None:
    code = """\
        import os
        v = os.environ['v']
        try:
            number = float(v)
        except ValueError:
            number = None
        """
    assert analyse(tmp_path, code).spec.parameter("v").type is ParamType.STRING


@pytest.mark.parametrize(("code", "required"), [
    ("u = os.getenv('u')\nu.startswith('s3')", True),
    ("q = os.getenv('q')\nprint('df[' + q + ']')", True),
    ("c = os.getenv('c')\nopen(c)", True),
    ("m = os.getenv('m')\nif m == 'a': pass\nelif m == 'b': pass", True),
    ("m = os.getenv('m')\nif m == 'debug': pass", False),
    ("x = os.getenv('x')\nif x:\n    open(x)", False),
    ("x = os.getenv('x')\nif x is None:\n    raise SystemExit('x is needed')\nprint(x)", True),
    ("x = os.getenv('x')\nassert x, 'x is needed'", True),
    ("x = os.getenv('x')\nname = x or 'default'\nopen(name)", False),
    ("x = os.getenv('x', 'd')\nx.startswith('s')", False),
])
def test_required_when_an_unguarded_use_fails_on_none(tmp_path: Path, code: str, required: bool) -> None:
    spec = analyse(tmp_path, "import os\n" + code + "\n").spec
    assert spec.parameters[0].required is required


def test_argparse_default_from_the_environment(tmp_path: Path) -> None:
    code = """\
        import argparse, json, os
        parser = argparse.ArgumentParser()
        parser.add_argument('--config-file', default=os.environ.get('config'))
        parser.add_argument('--n', type=int, default=os.environ.get('n', '3'))
        args = parser.parse_args()
        settings = json.load(open(args.config_file))
        """
    assert kinds(analyse(tmp_path, code)) == {"config": "input File", "n": "input string"}


def test_class_attributes_and_dict_entries_carry_the_value(tmp_path: Path) -> None:
    code = """\
        import os
        class Job:
            def __init__(self):
                self.src = os.getenv('src')
            def run(self):
                return open(self.src).read()
        cfg = {'out': os.getenv('out', 'o.txt')}
        open(cfg['out'], 'w').write(Job().run())
        """
    assert kinds(analyse(tmp_path, code)) == {"src": "input File", "out": "output File"}


def test_helper_function_calls_are_reads_and_computed_names_are_warned(tmp_path: Path) -> None:
    code = """\
        import os
        def setting(name, default=None):
            return os.environ.get(name, default)
        n = int(setting('n', '4'))
        extra = os.environ.get('X_' + 'Y')
        """
    analysis = analyse(tmp_path, code)
    assert [(p.name, p.type, p.default) for p in analysis.spec.parameters] == [("n", ParamType.INT, 4)]
    assert len(analysis.warnings) == 1 and str(analysis.warnings[0]).startswith(
        f"{tmp_path / 'op.py'}:5: an environment variable is read by a computed name")


def test_constant_expression_default(tmp_path: Path) -> None:
    spec = analyse(tmp_path, "import os\nt = int(os.getenv('t', 2*3600))\nu = float(os.getenv('u', 1/4))\n").spec
    assert (spec.parameter("t").default, spec.parameter("u").default) == (7200, 0.25)


def test_unknown_wrapper_spells_booleans_and_warns(tmp_path: Path) -> None:
    code = "import os\nfrom tools import to_bool\nresume = to_bool(os.environ.get('resume', False))\n"
    analysis = analyse(tmp_path, code)
    param = analysis.spec.parameter("resume")
    assert (param.type, param.true_text, param.false_text) == (ParamType.BOOL, "True", "False")
    assert "read through tools.to_bool()" in str(analysis.warnings[0])


def test_bool_of_false_text_is_warned(tmp_path: Path) -> None:
    analysis = analyse(tmp_path, "import os\nflag = bool(os.getenv('flag', 'False'))\n")
    assert analysis.spec.parameter("flag").default is True
    assert "bool('False') is True in Python" in str(analysis.warnings[0])


def test_write_to_an_absolute_path_is_warned(tmp_path: Path) -> None:
    analysis = analyse(tmp_path, "import json\njson.dump({}, open('/mlpipeline-ui-metadata.json', 'w'))\n")
    assert "writes to the absolute path '/mlpipeline-ui-metadata.json'" in str(analysis.warnings[0])


def test_development_write_before_the_read_is_no_output(tmp_path: Path) -> None:
    code = "import os\nos.environ['x'] = 'dev'\nx = os.getenv('x', 'a')\nos.environ['y'] = x\n"
    analysis = analyse(tmp_path, code)
    assert [p.name for p in analysis.spec.parameters] == ["x"]
    assert [(o.name, o.kind) for o in analysis.spec.outputs] == [("y", OutputKind.VALUE)]
    assert "os.environ['x'] is set before the code reads it" in str(analysis.warnings[0])


def test_write_after_a_read_is_still_an_error(tmp_path: Path) -> None:
    with pytest.raises(OperatorError, match="set as a value output but also read"):
        analyse(tmp_path, "import os\nx = os.getenv('x')\nos.environ['x'] = 'v'\n")


def test_reserved_names_get_another_cwl_id(tmp_path: Path) -> None:
    spec = analyse(tmp_path, "import os\npath = os.getenv('path')\nlocation = os.getenv('location', 'x')\n").spec
    assert [(p.name, p.input_id) for p in spec.parameters] == [("path", "path_value"),
                                                             ("location", "location_value")]


def test_directives_win_and_required_and_ignore_exist(tmp_path: Path) -> None:
    code = """\
        import os
        # claimed: required
        a = os.getenv('a')
        # claimed: ignore
        b = os.getenv('b')
        # claimed: type=File
        c = os.getenv('c')
        # claimed: input
        d = os.getenv('d', 'out.txt')
        open(d, 'w').write(a or '')
        """
    spec = analyse(tmp_path, code).spec
    assert [p.name for p in spec.parameters] == ["a", "c", "d"]
    assert spec.parameter("a").required is True
    assert spec.parameter("c").type is ParamType.FILE
    assert spec.parameter("d").type is ParamType.STRING and spec.outputs == ()


def test_required_false_where_the_script_cannot_run_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OperatorError, match="required=false, but the script cannot run without 'a'"):
        analyse(tmp_path, "import os\n# claimed: required=false\na = os.environ['a']\n")


@pytest.mark.parametrize(("name", "secret"), [
    ("password", True), ("DB_Password", True), ("store_pass", True), ("db_pw", True), ("apiKey", True),
    ("api_key", True), ("aws_secret_access_key", True), ("hf_token", True), ("client_secret", True),
    ("credentials", True), ("passphrase", True), ("max_tokens", False), ("tokenizer", False),
    ("bypass", False), ("compass_heading", False), ("key_column", False), ("passes", False),
])
def test_secret_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_secret_by_connection_string_and_by_credentials_split(tmp_path: Path) -> None:
    code = """\
        import os
        # target, as cos://key_id:secret@endpoint/bucket/path
        target = os.getenv('target')
        conn = os.getenv('conn')
        user, host = conn.split('@')
        """
    spec = analyse(tmp_path, code).spec
    assert spec.parameter("target").secret and spec.parameter("conn").secret


def test_param_docs_anywhere_win(tmp_path: Path) -> None:
    code = "import os\n# @param x: the x value\n\n# another comment\nx = os.getenv('x')\n"
    assert analyse(tmp_path, code).spec.parameter("x").description == "the x value"


def test_r_usage(tmp_path: Path) -> None:
    code = """\
        d <- Sys.getenv("d", "../data/")
        f <- Sys.getenv("f", "in.csv")
        o <- Sys.getenv("o", "out.csv")
        n <- Sys.getenv("n", "3")
        u <- Sys.getenv("u")
        x <- read.csv(file.path(d, f))
        write.csv(head(x, as.integer(n)), paste0(d, o))
        if (u == "") stop("u is needed")
        download.file(u, "copy.bin")
        """
    found = kinds(analyse(tmp_path, code, "op.R"))
    assert found == {"d": "input string prefix", "f": "input File joined", "n": "input int", "u": "input string",
                     "o": "output File"}
    spec = analyse(tmp_path, code, "op.R").spec
    assert spec.parameter("u").required is True
