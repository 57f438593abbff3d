"""Stage-in of s3:// and http:// inputs, publish of outputs with a manifest, against a real SeaweedFS."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from s3_service import SeaweedFS

from claimed_cwl.staging import MANIFEST_NAME, PublishError, RetryPolicy, publish_outputs, s3_client

TOOL = """\
cwlVersion: v1.2
class: CommandLineTool
baseCommand: [sh, -c, 'cp "$0" copy.txt && mkdir -p sub && wc -c < "$0" > sub/size.txt']
inputs:
  src: {type: File, inputBinding: {position: 1}}
outputs:
  copy: {type: File, outputBinding: {glob: copy.txt}}
  sub: {type: Directory, outputBinding: {glob: sub}}
"""
CONTENT = b"line one\nline two\n"


@pytest.fixture
def tool(tmp_path: Path) -> Path:
    path = tmp_path / "copy.cwl"
    path.write_text(TOOL)
    return path


def _run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CLAIMED_CWL_"))}
    return subprocess.run([sys.executable, "-m", "claimed_cwl", "--log-level", "DEBUG", "run", *args],
                          capture_output=True, text=True, check=False, env={**base, **env}, cwd=cwd, timeout=300)


def _manifest(server: SeaweedFS, bucket: str, prefix: str) -> dict[str, object]:
    body = server.client().get_object(Bucket=bucket, Key=f"{prefix}/{MANIFEST_NAME}")["Body"].read()
    return dict(json.loads(body))


def test_s3_input_staged_and_outputs_published(s3_server: SeaweedFS, s3_bucket: str, tool: Path,
                                               tmp_path: Path) -> None:
    s3_server.client().put_object(Bucket=s3_bucket, Key="in/data.txt", Body=CONTENT)
    out = tmp_path / "out"
    done = _run("--outdir", str(out), "--publish", f"s3://{s3_bucket}/run1", str(tool),
                "--src", f"s3://{s3_bucket}/in/data.txt", env=s3_server.env(), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["copy"]["basename"] == "copy.txt"  # the output object still reaches stdout
    assert (out / "copy.txt").read_bytes() == CONTENT
    manifest = _manifest(s3_server, s3_bucket, "run1")
    assert manifest["destination"] == f"s3://{s3_bucket}/run1"
    size_text = f"{len(CONTENT)}\n".encode()
    assert manifest["files"] == [
        {"output": "copy", "path": "copy.txt", "key": "run1/copy.txt", "size": len(CONTENT),
         "sha256": hashlib.sha256(CONTENT).hexdigest()},
        {"output": "sub", "path": "sub/size.txt", "key": "run1/sub/size.txt", "size": len(size_text),
         "sha256": hashlib.sha256(size_text).hexdigest()},
    ]
    uploaded = s3_server.client().get_object(Bucket=s3_bucket, Key="run1/copy.txt")["Body"].read()
    assert uploaded == CONTENT
    published = f"published 2 file(s) to s3://{s3_bucket}/run1; manifest s3://{s3_bucket}/run1/{MANIFEST_NAME}"
    assert published in done.stderr
    everything = done.stdout + done.stderr + json.dumps(manifest)
    assert s3_server.secret_key not in everything and s3_server.access_key not in everything


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "www"
    root.mkdir()
    (root / "data.txt").write_bytes(CONTENT)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_http_input_is_fetched_by_cwltool(http_root: str, tool: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = _run("--outdir", str(out), str(tool), "--src", f"{http_root}/data.txt", env={}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (out / "copy.txt").read_bytes() == CONTENT


def test_missing_s3_input_is_one_message(s3_server: SeaweedFS, s3_bucket: str, tool: Path, tmp_path: Path) -> None:
    done = _run("--outdir", str(tmp_path / "out"), str(tool), "--src", f"s3://{s3_bucket}/in/none.txt",
                env=s3_server.env(), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith(
        f"claimed-cwl: error: cannot download input s3://{s3_bucket}/in/none.txt: ")


def test_unreachable_s3_fails_the_run_without_manifest(s3_server: SeaweedFS, tool: Path, tmp_path: Path) -> None:
    """The run succeeds but S3 is down: exit 1, the error names the file, the attempts and the missing manifest."""
    source = tmp_path / "data.txt"
    source.write_bytes(CONTENT)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    env = {**s3_server.env(), "AWS_ENDPOINT_URL_S3": dead}
    done = _run("--outdir", str(tmp_path / "out"), "--publish", "s3://results/run", str(tool), "--src",
                str(source), env=env, cwd=tmp_path)
    assert done.returncode == 1
    assert (tmp_path / "out" / "copy.txt").exists()
    last = done.stderr.strip().splitlines()[-1]
    assert last == ("claimed-cwl: error: upload of s3://results/run/copy.txt failed after 4 attempts: "
                    "EndpointConnectionError; 0 of 2 files uploaded to s3://results/run; "
                    f"no {MANIFEST_NAME} written (the publish is incomplete)")
    assert "retrying in" in done.stderr  # each failed attempt is reported
    assert s3_server.secret_key not in done.stdout + done.stderr


@pytest.mark.slow
def test_publish_after_a_toil_run(s3_server: SeaweedFS, s3_bucket: str, tool: Path, tmp_path: Path) -> None:
    """Toil prints its output object from a child process: it is captured, echoed and published the same way."""
    source = tmp_path / "data.txt"
    source.write_bytes(CONTENT)
    done = _run("--env", "toil-local", "--outdir", str(tmp_path / "out"), "--publish", f"s3://{s3_bucket}/toil",
                str(tool), "--src", str(source), env=s3_server.env(), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["copy"]["basename"] == "copy.txt"
    files = _manifest(s3_server, s3_bucket, "toil")["files"]
    assert [entry["path"] for entry in files] == ["copy.txt", "sub/size.txt"]  # type: ignore[index]
    assert s3_server.secret_key not in done.stdout + done.stderr


@pytest.mark.slow
def test_server_stopped_during_publish(private_s3: SeaweedFS, tmp_path: Path) -> None:
    """The server goes away after the first upload: the error says so, and no manifest is ever written."""
    bucket = private_s3.make_bucket()
    outdir = tmp_path / "out"
    (outdir / "sub").mkdir(parents=True)
    for name in ("a.txt", "b.txt", "sub/c.txt"):
        (outdir / name).write_text(name)
    outputs = {"files": [{"class": "File", "location": (outdir / n).as_uri()} for n in ("a.txt", "b.txt")],
               "dir": {"class": "Directory", "location": (outdir / "sub").as_uri()}}
    old = {k: os.environ.get(k) for k in private_s3.env()}
    os.environ.update(private_s3.env())
    try:
        client = s3_client(private_s3.endpoint, "us-east-1", attempts=1)
        with pytest.raises(PublishError) as info:
            publish_outputs(outputs, outdir, f"s3://{bucket}/run", client,
                            policy=RetryPolicy(attempts=3, delay=0.1), on_uploaded=lambda _: private_s3.stop())
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    message = str(info.value)
    assert message.startswith(f"upload of s3://{bucket}/run/b.txt failed after 3 attempts: ")
    assert message.endswith(f"1 of 3 files uploaded to s3://{bucket}/run; no {MANIFEST_NAME} written "
                            "(the publish is incomplete)")
    private_s3.start()
    keys = {o["Key"] for o in private_s3.client().list_objects_v2(Bucket=bucket).get("Contents", [])}
    assert keys == {"run/a.txt"}
