"""Dependencies from every place they are declared, imports, system needs and the env directive (no engine)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from claimed_cwl.compile import compile_operator
from claimed_cwl.errors import OperatorError
from claimed_cwl.parse import parse_operator
from claimed_cwl.spec import DependencyKind, OperatorSpec
from tests.test_parse_notebook import write_notebook

PIP, APT, R = DependencyKind.PIP, DependencyKind.APT, DependencyKind.R


def script(tmp_path: Path, text: str, name: str = "op.py", extra: tuple[str, ...] = ()) -> OperatorSpec:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return parse_operator(path, additional_files=extra)


def notebook(tmp_path: Path, *cells: str, extra: tuple[str, ...] = ()) -> OperatorSpec:
    path = write_notebook(tmp_path / "nb.ipynb", [("code", cell) for cell in cells])
    return parse_operator(path, additional_files=extra)


def test_extras_specifiers_markers_and_index_options(tmp_path: Path) -> None:
    spec = script(tmp_path, "# pip install 'requests[socks]>=2,<3' \"tomli; python_version<'3.11'\" "
                            "--extra-index-url https://example.org/simple --pre pandas>=2\n")
    assert spec.packages(PIP) == ('requests[socks]<3,>=2', 'tomli; python_version < "3.11"', "pandas>=2")
    assert spec.pip_options() == ("--extra-index-url=https://example.org/simple", "--pre")


@pytest.mark.parametrize(
    ("requirement", "normal"),
    [
        ("git+https://github.com/org/tool.git@v1.2#egg=tool", "tool @ git+https://github.com/org/tool.git@v1.2#egg=tool"),
        ("pkg @ https://example.org/pkg-1.0.tar.gz", "pkg @ https://example.org/pkg-1.0.tar.gz"),
        ("git+https://github.com/org/tool.git", "git+https://github.com/org/tool.git"),
    ],
)
def test_url_requirements_the_image_can_fetch(tmp_path: Path, requirement: str, normal: str) -> None:
    assert script(tmp_path, f"# pip install '{requirement}'\n").packages(PIP) == (normal,)


@pytest.mark.parametrize(
    ("requirement", "expected"),
    [
        ("file:///home/me/pkg.whl", "cannot see"),
        ("./local/pkg", "cannot see"),
        ("dist/pkg-1.0-py3-none-any.whl", "cannot see"),
        ("git+ssh://git@github.com/org/tool.git", "scheme 'git+ssh' is not supported"),
        ("pkg @ https://user:secret@example.org/pkg.tar.gz", "no credentials"),
        ("pandas\u00a0numpy", "U+00A0 (NO-BREAK SPACE)"),
        ("pan\u200bdas", "U+200B (ZERO WIDTH SPACE)"),
        ("pandas===", "not a valid pip requirement"),
    ],
)
def test_requirements_refused_clearly(tmp_path: Path, requirement: str, expected: str) -> None:
    with pytest.raises(OperatorError, match=re.escape(expected)) as info:
        script(tmp_path, f"import os\n# pip install '{requirement}'\n")
    assert info.value.line == 2


def test_index_url_with_credentials_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OperatorError, match="credentials"):
        script(tmp_path, "# pip install -i https://me:token@example.org/simple pandas\n")


def test_pip_line_in_a_string_literal_is_not_a_dependency(tmp_path: Path) -> None:
    spec = notebook(tmp_path, "text = '''\n!pip install not-a-dependency\n'''\n!pip install six")
    assert spec.packages(PIP) == ("six",)


def test_every_notebook_place_of_pip(tmp_path: Path) -> None:
    spec = notebook(
        tmp_path,
        "import os\nif os.getenv('dev', '') == 'yes':\n    !pip install devtool\n%pip install six",
        "%%bash\necho start\npip install tomli \\\n    attrs && echo done\n",
        "%%capture\n!python -m pip install -q idna\n",
        "def setup():\n    !conda install -y -c conda-forge pyyaml=6.0\n",
    )
    assert spec.packages(PIP) == ("devtool", "six", "tomli", "attrs", "idna", "pyyaml==6.0")
    origins = [dep.origin for dep in spec.dependencies if dep.kind is PIP]
    assert origins[2] == "nb.ipynb, cell 2, line 3"  # the %%bash line, as the user sees it


def test_requirements_file_among_additional_files(tmp_path: Path) -> None:
    (tmp_path / "reqs").mkdir()
    (tmp_path / "reqs" / "requirements.txt").write_text(
        "# pinned\nsix==1.17.0\nattrs>=23 \\\n  # continued\n-r more.txt\n", encoding="utf-8"
    )
    (tmp_path / "reqs" / "more.txt").write_text("idna\n", encoding="utf-8")
    spec = script(tmp_path, "# pip install -r reqs/requirements.txt\n", extra=("reqs",))
    assert spec.packages(PIP) == ("six==1.17.0", "attrs>=23", "idna")


def test_requirements_file_not_among_additional_files_is_a_warning(tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "requirements.txt").write_text("six\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        spec = notebook(tmp_path, "import os", "if False:\n    !pip install -r requirements.txt")
    assert spec.packages(PIP) == ()
    assert "nb.ipynb, cell 2, line 2: requirements file 'requirements.txt' is not among" in caplog.text


def test_bad_line_in_a_requirements_file_names_that_file(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("six\nfile:///etc/passwd\n", encoding="utf-8")
    with pytest.raises(OperatorError) as info:
        script(tmp_path, "# pip install -r requirements.txt\n", extra=("requirements.txt",))
    assert (Path(info.value.path).name, info.value.line) == ("requirements.txt", 2)


def test_unsupported_magics_are_warnings_naming_cell_and_line(tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        notebook(tmp_path, "import os", "x = 1\n%sql SELECT 1", "%%javascript_like\nfoo", "%matplotlib widget",
                 "%run helper.py")
    text = caplog.text
    assert "nb.ipynb, cell 2, line 2: %sql is not an IPython built-in magic" in text
    assert "nb.ipynb, cell 3, line 1: %%javascript_like is not an IPython built-in magic" in text
    assert "nb.ipynb, cell 4, line 1: %matplotlib widget needs a display" in text
    assert "cell 5, line 1: %run helper.py: the file is not among" in text


def test_imports_with_cell_lines_optional_and_magic_modules(tmp_path: Path) -> None:
    spec = notebook(
        tmp_path,
        "import os, sklearn.linear_model\nfrom typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import mypy_extensions",
        "%matplotlib inline\ntry:\n    import ujson as json\nexcept ImportError:\n    import json\n"
        "def load():\n    from cv2 import imread\n    return imread",
        "%%writefile helper.py\nX = 1\n",
        "import helper\n%load_ext autoreload",
    )
    found = {item.name: (item.where, item.optional) for item in spec.imports}
    assert found["sklearn"] == ("cell 1, line 1", False)
    assert found["ujson"] == ("cell 2, line 3", True)
    assert found["cv2"] == ("cell 2, line 7", False)  # inside a function
    assert found["matplotlib"] == ("cell 2, line 1", False)  # %matplotlib loads it
    assert found["autoreload"][1] is False
    assert "mypy_extensions" not in found and "helper" not in found  # TYPE_CHECKING; written by %%writefile


def test_system_needs_and_env_directive(tmp_path: Path) -> None:
    spec = script(tmp_path, "# claimed: env TZ=UTC 'GREETING=hello world'\nimport pyspark\nfrom osgeo import gdal\n")
    assert spec.packages(APT) == ("default-jre-headless", "procps", "python3-gdal")
    assert dict(spec.environment) == {"GREETING": "hello world", "SPARK_LOCAL_HOSTNAME": "localhost",
                                      "SPARK_LOCAL_IP": "127.0.0.1", "TZ": "UTC"}


def test_env_directive_wins_over_a_system_need(tmp_path: Path) -> None:
    spec = script(tmp_path, "# claimed: env SPARK_LOCAL_IP=0.0.0.0\nimport pyspark\n")
    assert dict(spec.environment)["SPARK_LOCAL_IP"] == "0.0.0.0"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("# claimed: env", "names no variable"),
        ("# claimed: env 1X=2", "NAME=VALUE"),
        ("# claimed: env X", "NAME=VALUE"),
    ],
)
def test_bad_env_directive(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(OperatorError, match=message):
        script(tmp_path, f"import os\n{line}\n")


def test_env_directive_clashing_with_a_parameter(tmp_path: Path) -> None:
    with pytest.raises(OperatorError, match="also a fixed environment variable"):
        script(tmp_path, "import os\n# claimed: env x=1\nx = os.getenv('x', '2')\n")


def test_shell_commands_add_their_debian_package(tmp_path: Path) -> None:
    spec = notebook(tmp_path, "!git clone https://example.org/r.git\n!wget -q https://example.org/f.zip && unzip f.zip")
    assert spec.packages(APT) == ("git", "wget", "unzip")


def test_env_magic_before_a_read_is_not_a_parameter(tmp_path: Path) -> None:
    spec = notebook(tmp_path, "%env MODE=fast\nimport os\nmode = os.environ['MODE']\nother = os.getenv('other', 'x')")
    assert [p.name for p in spec.parameters] == ["other"]


def test_r_library_and_require_are_dependencies(tmp_path: Path) -> None:
    spec = script(tmp_path, "library(jsonlite)\nsuppressPackageStartupMessages(require('data.table'))\n"
                            "x <- stats::median(1)\nlibrary(utils)\ninstall.packages('curl')\n"
                            "y <- readr::read_csv('a')\n", name="op.R")
    assert spec.packages(R) == ("curl", "jsonlite", "data.table", "readr")
    assert [(i.name, i.where) for i in spec.imports] == [("jsonlite", "line 1"), ("data.table", "line 2"),
                                                          ("readr", "line 6")]


def test_dockerfile_quotes_every_requirement(tmp_path: Path) -> None:
    source = tmp_path / "op.py"
    source.write_text("# pip install \"tomli; python_version<'3.11'\" 'a[b]>=1'\n", encoding="utf-8")
    dockerfile = (compile_operator(source, out_dir=tmp_path / "out").out_dir / "Dockerfile").read_text()
    assert "--disable-pip-version-check 'tomli; python_version < \"3.11\"'\n" in dockerfile
    assert "--disable-pip-version-check 'a[b]>=1'\n" in dockerfile


def test_fixed_environment_in_cwl_job_and_image(tmp_path: Path) -> None:
    from _artifact_checks import job_errors, load_yaml, validate_cwl

    from claimed_cwl.spec.codec import spec_from_json, spec_to_json

    source = tmp_path / "spark_op.py"
    source.write_text("# claimed: env TZ=UTC\nimport os\nimport pyspark\nx = os.getenv('x', 'a')\n", encoding="utf-8")
    result = compile_operator(source, out_dir=tmp_path / "out")
    cwl = (result.out_dir / "spark-op.cwl").read_text()
    assert "class: EnvVarRequirement" in cwl and "envName: SPARK_LOCAL_IP" in cwl and "envValue: UTC" in cwl
    assert validate_cwl([result.out_dir / "spark-op.cwl"])[result.out_dir / "spark-op.cwl"][0] == 0
    job = load_yaml(result.out_dir / "spark-op.job.yaml")
    env = {item["name"]: item.get("value") for item in job["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["TZ"] == "UTC" and env["SPARK_LOCAL_IP"] == "127.0.0.1" and not job_errors(job)
    dockerfile = (result.out_dir / "Dockerfile").read_text()
    assert 'ENV SPARK_LOCAL_HOSTNAME="localhost" SPARK_LOCAL_IP="127.0.0.1" TZ="UTC"' in dockerfile
    assert spec_from_json(spec_to_json(result.spec)).environment == result.spec.environment


def test_compile_uses_a_fitting_lock_in_out(tmp_path: Path) -> None:
    from claimed_cwl.emit.dockerfile import pip_requirements
    from claimed_cwl.lockfile import LOCK_FILE, Lock, LockedPackage, LockGroup, lock_inputs, render_lock

    source = tmp_path / "op.py"
    source.write_text("# pip install six\nimport six\n", encoding="utf-8")
    spec = parse_operator(source)
    digest = "sha256:" + "cd" * 32
    lock = Lock(lock_inputs(pip_requirements(spec), (), "python:3.11-slim"), "CPython 3.11.2 (x86_64)",
                (LockGroup("six", (LockedPackage("six", "1.17.0", digest),)),), base="python:3.11-slim")
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_FILE).write_text(render_lock(lock, spec.name), encoding="utf-8")
    compile_operator(source, out_dir=out)
    assert f"'six==1.17.0 --hash={digest}'" in (out / "Dockerfile").read_text()
    source.write_text("# pip install six tomli\nimport six\n", encoding="utf-8")  # the lock no longer fits
    compile_operator(source, out_dir=out)
    dockerfile = (out / "Dockerfile").read_text()
    assert "--hash=" not in dockerfile and "--disable-pip-version-check tomli" in dockerfile
