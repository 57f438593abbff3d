"""Property: for any input file, parse_operator returns an OperatorSpec or raises OperatorError.

Valid operators are mutated (characters and lines deleted, inserted, replaced,
with fragments that matter to the parser), and random text, random bytes and
random JSON are written as operator files. Any other exception is a bug.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import nbformat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimed_cwl.errors import OperatorError
from claimed_cwl.parse import parse_operator
from claimed_cwl.spec import OperatorSpec

PYTHON_SEED = '''"""Filter rows of a table."""
# pip install pandas==2.2
# claimed: cores=1 ram=512Mi time=10m
import os
from os import getenv, environ

# the input table
input_file = os.getenv('input_file', 'data.csv')
color = os.getenv('color', '#ff0000')
n = int(os.getenv('n', str(3)))
f = float(os.getenv('f'))
flag = bool(os.getenv('flag', 'False'))
debug = getenv('debug', 'false').lower() in ('true', '1')
# claimed: type=Directory secret
work = environ.get('work', 'work/')
output_table = os.getenv('output_table', '/tmp/out.csv')
os.environ['rows'] = str(n)
'''

R_SEED = """#!/usr/bin/env Rscript
# Count words.
# claimed: ram=1G
install.packages(c('tm', "SnowballC"))
# the corpus
input_file <- Sys.getenv('input_file', 'corpus.txt')
k <- as.integer(Sys.getenv("k", unset = "5"))
v <- as.logical(Sys.getenv('verbose', 'FALSE'))
s <- r"(raw # string)"
output_counts <- Sys.getenv('output_counts', 'counts.csv')
"""

FRAGMENTS = [
    "os.getenv(",
    "os.getenv('x', ",
    "os.environ['y'] = ",
    "int(",
    "complex(",
    ".lower() == 'true'",
    "# claimed: ",
    "# claimed: type=File",
    "# claimed: ram=4G cores=x",
    "# pip install a;b",
    "# apt-get install -y",
    "!pip install x",
    "%%bash",
    "Sys.getenv(",
    "as.numeric(",
    "install.packages(",
    "'",
    '"',
    '"""',
    "(",
    ")",
    "#",
    "\\",
    "\n",
    "\t",
    "\x00",
    'r"(',
    "`",
    "%in",
    "\ufeff",
    "\r",
]

text_piece = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12))


@st.composite
def mutated(draw: st.DrawFn, seed: str) -> str:
    """Apply a few random character and line edits to ``seed``."""
    text = seed
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        operation = draw(st.sampled_from(["delete", "insert", "replace", "drop_line", "dup_line", "insert_line"]))
        position = draw(st.integers(min_value=0, max_value=max(len(text), 1) - 1)) if text else 0
        lines = text.split("\n")
        line_no = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        if operation == "delete":
            text = text[:position] + text[position + draw(st.integers(1, 8)) :]
        elif operation == "insert":
            text = text[:position] + draw(text_piece) + text[position:]
        elif operation == "replace":
            text = text[:position] + draw(text_piece) + text[position + 1 :]
        elif operation == "drop_line":
            text = "\n".join(lines[:line_no] + lines[line_no + 1 :])
        elif operation == "dup_line":
            text = "\n".join(lines[: line_no + 1] + lines[line_no:])
        else:
            text = "\n".join([*lines[:line_no], draw(text_piece), *lines[line_no:]])
    return text


def notebook_json(cells: list[tuple[str, str]]) -> str:
    notebook = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    for kind, source in cells:
        maker = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        notebook.cells.append(maker(source))  # type: ignore[no-untyped-call]
    return str(nbformat.writes(notebook))  # type: ignore[no-untyped-call]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["cells", "cell_type", "source", "metadata", "nbformat", "nbformat_minor", "outputs", "x"]),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


def check(suffix: str, data: bytes) -> None:
    """Parse ``data`` written as an operator file; only an OperatorSpec or an OperatorError may come out."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"fuzz_op{suffix}"
        path.write_bytes(data)
        try:
            result = parse_operator(path)
        except OperatorError as error:
            assert str(error).startswith(str(path))
        else:
            assert isinstance(result, OperatorSpec)


FUZZ = settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(mutated(PYTHON_SEED))
def test_mutated_python_operator(text: str) -> None:
    check(".py", text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(mutated(R_SEED))
def test_mutated_r_operator(text: str) -> None:
    check(".R", text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(["code", "markdown"]), mutated(PYTHON_SEED)), min_size=1, max_size=3))
def test_mutated_notebook_cells(cells: list[tuple[str, str]]) -> None:
    check(".ipynb", notebook_json(cells).encode("utf-8", "surrogatepass"))


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from([".py", ".R", ".ipynb"]),
    st.one_of(st.binary(max_size=300), json_values.map(json.dumps).map(str.encode)),
)
def test_random_bytes_and_json(suffix: str, data: bytes) -> None:
    check(suffix, data)


@settings(max_examples=40, deadline=None)
@given(mutated(notebook_json([("markdown", "# Doc"), ("code", PYTHON_SEED)])))
def test_mutated_notebook_json(text: str) -> None:
    check(".ipynb", text.encode("utf-8", "surrogatepass"))
