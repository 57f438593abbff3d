"""Batch sources, batch id validation, group-by rules, flags parsed as booleans, the list_batches CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from claimed_cwl.runtime.grid.batches import (
    batch_file_name,
    batches_from_pattern,
    eval_group_by,
    load_batch_file,
    resolve_batches,
    validate_batch_id,
)
from claimed_cwl.runtime.grid.config import parse_bool, redact
from claimed_cwl.runtime.grid.errors import GridError
from claimed_cwl.runtime.grid.local_store import LocalStore


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_txt_batch_file_is_comma_separated(tmp_path: Path) -> None:
    assert load_batch_file(write(tmp_path / "c.txt", "a, b ,c,\nd,\n")) == ["a", "b", "c", "d"]
    # an empty item in the middle is an unsafe (empty) id, reported with its line
    with pytest.raises(GridError, match=r"e\.txt:2: unsafe batch id '': empty"):
        load_batch_file(write(tmp_path / "e.txt", "a,\n ,b"))
    # a newline inside an item is a control character
    with pytest.raises(GridError, match=r"control character"):
        load_batch_file(write(tmp_path / "n.txt", "a\nb,c"))


def test_txt_batch_file_trailing_comma_and_duplicates(tmp_path: Path) -> None:
    assert load_batch_file(write(tmp_path / "a.txt", "x1,x2,\nx3,\n")) == ["x1", "x2", "x3"]
    with pytest.raises(GridError, match=r"b\.txt:2: batch id 'x1' is listed twice \(first on line 1\)"):
        load_batch_file(write(tmp_path / "b.txt", "x1,x2,\nx3,x1,\n"))


@pytest.mark.parametrize(("name", "text"), [
    ("d.csv", "filename\na\nb\na\n"),
    ("d.json", '["a", "b", "a"]'),
    ("e.json", '{"a": 1, "b": {"a": 2}, "a": 3}'),  # json.loads would silently keep one "a"
])
def test_repeated_batch_ids_are_an_error(tmp_path: Path, name: str, text: str) -> None:
    with pytest.raises(GridError, match=r"batch id 'a' is listed twice"):
        load_batch_file(write(tmp_path / name, text))


def test_json_keys_and_csv_column(tmp_path: Path) -> None:
    assert load_batch_file(write(tmp_path / "b.json", '{"k2": 1, "k1": {"x": 2}}')) == ["k2", "k1"]
    csv_path = write(tmp_path / "b.csv", "id,filename\n1,data/a.tif\n2,data/b.tif\n")
    assert load_batch_file(csv_path) == ["data/a.tif", "data/b.tif"]
    assert load_batch_file(csv_path, col_name="id") == ["1", "2"]
    with pytest.raises(GridError, match=r"b\.csv:1: no column 'name'.*found: id, filename"):
        load_batch_file(csv_path, col_name="name")


def test_csv_empty_cell_reports_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "b.csv", 'filename\na\n""\nc\n')
    with pytest.raises(GridError, match=r"b\.csv:3: unsafe batch id '': empty"):
        load_batch_file(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{}", "no batches"),
        ("[1, 2]", "object"),
        ("{bad", "not valid JSON"),
    ],
)
def test_bad_json(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(GridError, match=message):
        load_batch_file(write(tmp_path / "b.json", content))


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(GridError, match=r"must end in \.txt"):
        load_batch_file(write(tmp_path / "b.yaml", "a"))
    with pytest.raises(GridError, match="batch file not found"):
        load_batch_file(str(tmp_path / "none.txt"))


@pytest.mark.parametrize(
    ("batch_id", "reason"),
    [
        ("", "empty"),
        ("../x", r"'\.\.'"),
        ("a/../b", r"'\.\.'"),
        ("/etc/passwd", "absolute path"),
        ("a\x00b", "control character"),
        ("a\nb", "control character"),
        ("a\\b", "backslash"),
        ("a//b", "empty"),
        (".", r"'\.'"),
        ("x" * 201, "longer than 200"),
        ("a.lock/b", "reserved"),
        (" a", "spaces"),
    ],
)
def test_unsafe_batch_ids_are_rejected(batch_id: str, reason: str) -> None:
    with pytest.raises(GridError, match=reason):
        validate_batch_id(batch_id)


@pytest.mark.parametrize("batch_id", ["b1", "data/a.tif", "tile_2024-01-01", "ünï cödé", "a.b.c", "x" * 200])
def test_safe_batch_ids_pass(batch_id: str) -> None:
    assert validate_batch_id(batch_id) == batch_id


def test_unsafe_id_in_a_file_is_rejected_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "b.txt", "ok1,\nok2,\n../escape\n")
    with pytest.raises(GridError, match=r"b\.txt:3: unsafe batch id '\.\./escape'"):
        load_batch_file(path)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("[-10:-4]", "0001_a"),
        (".split('/')[-1].split('.')[0]", "img_2024_0001_a"),
        (".split('_')[1]", "2024"),
        (".rsplit('_', 1)[0]", "data/img_2024_0001"),
        (".upper()[-5:]", "A.TIF"),
        (r"re:img_(\d{4})_", "2024"),
        (r"re:\d{4}_\w", "2024_0"),
    ],
)
def test_group_by_rules(rule: str, expected: str) -> None:
    assert eval_group_by("data/img_2024_0001_a.tif", rule) == expected


@pytest.mark.parametrize(
    "rule",
    [".__class__", "[0].__class__.__mro__", ".format(__import__('os'))", "+__import__('os').getcwd()", "[len('x')]"],
)
def test_group_by_never_evaluates_code(rule: str) -> None:
    with pytest.raises(GridError, match="gw_group_by"):
        eval_group_by("data/x.tif", rule)


def test_pattern_and_group_by(tmp_path: Path) -> None:
    for name in ["s1_b01.tif", "s1_b02.tif", "s2_b01.tif", "other.txt"]:
        (tmp_path / name).write_text("x")
    pattern = f"{tmp_path}/s*.tif, {tmp_path}/s2*.tif"
    assert batches_from_pattern(pattern, ".split('/')[-1].split('_')[0]") == ["s1", "s2"]
    with pytest.raises(GridError, match="no files match"):
        batches_from_pattern(f"{tmp_path}/*.png", "[0]")
    with pytest.raises(GridError, match="empty batch id"):
        batches_from_pattern(f"{tmp_path}/s1*", "re:zzz")


def test_resolve_prefers_batch_file_and_needs_a_source(tmp_path: Path) -> None:
    path = write(tmp_path / "b.txt", "a,b")
    assert resolve_batches(path, "filename", f"{tmp_path}/*", "[0]") == ["a", "b"]
    with pytest.raises(GridError, match="no batches: give gw_batch_file"):
        resolve_batches(None)


@pytest.mark.parametrize(("text", "value"), [("False", False), ("false", False), ("0", False), ("", False),
                                             (None, False), ("True", True), ("1", True), ("yes", True)])  # fmt: skip
def test_parse_bool_is_a_real_boolean(text: str | None, value: bool) -> None:
    assert parse_bool(text) is value


def test_parse_bool_rejects_garbage() -> None:
    with pytest.raises(GridError, match="expected a boolean"):
        parse_bool("maybe", "gw_ignore_error_files")


def test_redact_hides_secret_values() -> None:
    env = {"AWS_SECRET_ACCESS_KEY": "s3cr3tvalue", "AWS_ACCESS_KEY_ID": "AKIDXYZ"}
    assert redact("key AKIDXYZ secret s3cr3tvalue!", env) == "key *** secret ***!"


def test_batch_file_name_is_safe_and_unique() -> None:
    ids = ["b0001", "2024/01/x", "2024_01_x", "a b", "a_b", "x*[1]?", "a%2Fb", "\u00e9t\u00e9", "r\u00e9sum\u00e9"]
    names = [batch_file_name(batch) for batch in ids]
    assert len(set(names)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9_.+-]+", name) for name in names)
    assert batch_file_name("b0001") == "b0001" and batch_file_name("2024_01_x") == "2024_01_x"
    assert batch_file_name("2024/01/x").startswith("2024_01_x-")


def test_batch_file_name_of_the_longest_valid_ids_fits(tmp_path: Path) -> None:
    """A valid 1000-byte id (5 segments of 199 bytes) makes a file name that can be created; so do near twins."""
    long_id = "/".join(["s" * 199] * 5)
    twin = long_id[:-1] + "t"
    plain = "p" * 200 + "x"
    assert validate_batch_id(long_id) == long_id
    names = {batch_file_name(b) for b in (long_id, twin, plain, "p" * 200, "p" * 201)}
    assert len(names) == 5 and max(map(len, names)) <= 200
    for name in names:
        (tmp_path / f"gw_result-{name}.json").write_text("{}")  # fits the file system's 255 bytes


def test_list_batches_cli_writes_json(tmp_path: Path) -> None:
    source = write(tmp_path / "b.json", '{"z": 0, "a": 0}')
    out = tmp_path / "batches.json"
    result = subprocess.run(
        [sys.executable, "-m", "claimed_cwl.runtime.grid.list_batches", "--batch-file", source, "--output", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text()) == ["z", "a"]
    assert json.loads(result.stdout) == ["z", "a"]


def test_list_batches_cli_writes_the_cwl_outputs(tmp_path: Path) -> None:
    source = write(tmp_path / "b.txt", "b2,b1")
    out = tmp_path / "batches.json"
    command = [sys.executable, "-m", "claimed_cwl.runtime.grid.list_batches", "--batch-file", source, "--quiet"]
    result = subprocess.run([*command, "--output", str(out), "--cwl-output"], capture_output=True, text=True,
                            check=False)
    assert (result.returncode, result.stdout) == (0, ""), result.stderr
    assert json.loads((tmp_path / "cwl.output.json").read_text()) == {
        "batches": ["b2", "b1"], "batches_json": {"class": "File", "location": "batches.json"}}
    assert json.loads(out.read_text()) == ["b2", "b1"]
    refused = subprocess.run([*command, "--cwl-output"], capture_output=True, text=True, check=False, cwd=tmp_path)
    assert refused.returncode == 2 and "--cwl-output needs --output" in refused.stderr


def test_list_batches_leaves_out_the_batches_already_done(tmp_path: Path) -> None:
    """With the coordinator, ``batches`` holds what is still to do; the rest is a worker-style skipped file."""
    store = LocalStore(str(tmp_path / "coord"))
    store.write_marker("b1", "processed", b"{}", exclusive=True)
    store.write_marker("b3", "err", b'{"error": "boom", "time": 1}', exclusive=True)
    store.write_marker("other-run", "processed", b"{}", exclusive=True)  # not in this batch list
    source = write(tmp_path / "b.txt", "b0,b1,b2,b3")
    command = [sys.executable, "-m", "claimed_cwl.runtime.grid.list_batches", "--batch-file", source,
               "--coordinator", str(tmp_path / "coord"), "--output", "batches.json", "--skipped", "skipped.json",
               "--cwl-output"]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["b0", "b2"]
    assert "2 of 4 batches already done (skipped), 2 to do" in done.stderr
    assert json.loads((tmp_path / "batches.json").read_text()) == ["b0", "b1", "b2", "b3"]  # the report's total
    assert json.loads((tmp_path / "skipped.json").read_text()) == {"b1": "skipped", "b3": "skipped"}
    outputs = json.loads((tmp_path / "cwl.output.json").read_text())
    assert outputs["batches"] == ["b0", "b2"] and outputs["skipped"] == {"class": "File", "location": "skipped.json"}
    # failed batches are listed again when they are to be retried (flag or the variable, as the worker reads it)
    retried = subprocess.run([*command, "--ignore-error-files"], capture_output=True, text=True, check=False,
                             cwd=tmp_path)
    assert json.loads(retried.stdout) == ["b0", "b2", "b3"], retried.stderr
    by_env = subprocess.run(command, capture_output=True, text=True, check=False, cwd=tmp_path,
                            env={**os.environ, "gw_ignore_error_files": "true"})
    assert json.loads(by_env.stdout) == ["b0", "b2", "b3"], by_env.stderr
    assert json.loads((tmp_path / "skipped.json").read_text()) == {"b1": "skipped"}


def test_list_batches_skipped_file_needs_the_coordinator(tmp_path: Path) -> None:
    source = write(tmp_path / "b.txt", "b0")
    done = subprocess.run([sys.executable, "-m", "claimed_cwl.runtime.grid.list_batches", "--batch-file", source,
                           "--skipped", str(tmp_path / "s.json")], capture_output=True, text=True, check=False,
                          env={k: v for k, v in os.environ.items() if not k.startswith("gw_")})
    assert done.returncode == 2 and "--skipped needs --coordinator" in done.stderr
    assert not (tmp_path / "s.json").exists()


def test_list_batches_cli_bad_id_is_one_clean_line(tmp_path: Path) -> None:
    source = write(tmp_path / "b.txt", "a,/abs/path")
    out = tmp_path / "batches.json"
    result = subprocess.run(
        [sys.executable, "-m", "claimed_cwl.runtime.grid.list_batches", "--batch-file", source, "--output", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "b.txt:1: unsafe batch id '/abs/path': is an absolute path" in result.stderr
    assert not out.exists()


def test_list_batches_reads_env_like_c3(tmp_path: Path) -> None:
    source = write(tmp_path / "b.csv", "name\nr1\nr2\n")
    env = {"PATH": "/usr/bin:/bin", "gw_batch_file": source, "gw_batch_file_col_name": "name"}
    result = subprocess.run(
        [sys.executable, "-m", "claimed_cwl.runtime.grid.list_batches"], capture_output=True, text=True, env=env,
        check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["r1", "r2"]


def test_batch_file_on_s3(s3_server: object, s3_bucket: str, s3_env: dict[str, str]) -> None:
    import boto3

    boto3.client("s3").put_object(Bucket=s3_bucket, Key="in/batches.csv", Body=b"filename\nq1\nq2\n")
    assert load_batch_file(f"s3://{s3_bucket}/in/batches.csv") == ["q1", "q2"]
    with pytest.raises(GridError, match="batch file not found"):
        load_batch_file(f"s3://{s3_bucket}/in/none.txt")
    with pytest.raises(GridError, match="must not carry credentials") as info:
        load_batch_file(f"s3://{s3_env['AWS_ACCESS_KEY_ID']}:{s3_env['AWS_SECRET_ACCESS_KEY']}@host/b/x.txt")
    assert s3_env["AWS_SECRET_ACCESS_KEY"] not in str(info.value)


def test_in_container_modules_need_only_the_standard_library() -> None:
    code = (
        "import sys\n"
        "import claimed_cwl.runtime.grid.worker, claimed_cwl.runtime.grid.list_batches\n"
        "import claimed_cwl.runtime.grid.report\n"
        "from claimed_cwl.runtime.grid.coordinator import open_store\n"
        "import tempfile; open_store('local', tempfile.mkdtemp())\n"
        "tops = {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(t for t in tops if t not in sys.stdlib_module_names and not t.startswith('_')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "['claimed_cwl']"
