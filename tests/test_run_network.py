"""`claimed-cwl run` gives steps that declare NetworkAccess a network, or stops at once naming --network host."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from _grid_e2e import compile_grid

from claimed_cwl.check.network import check_network, loopback_inputs, needs_network
from claimed_cwl.errors import ClaimedError
from claimed_cwl.runners.job_inputs import given_inputs


@pytest.fixture(scope="module")
def workflows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("net")
    return {backend: compile_grid(root / backend, backend, 2, "net", build=False) for backend in ("local", "s3")}


def test_s3_grid_needs_network_and_local_does_not(workflows: dict[str, Path]) -> None:
    assert needs_network(given_inputs(workflows["s3"], None, [])[0])
    assert not needs_network(given_inputs(workflows["local"], None, [])[0])


def test_loopback_urls_are_found() -> None:
    found = loopback_inputs({"a": "http://127.0.0.1:8333", "b": "http://localhost/x", "c": "https://[::1]:9000",
                             "d": "http://s3.example.com", "e": "s3://bucket/p", "f": 3, "g": "127.0.0.1"})
    assert found == {"a": "http://127.0.0.1:8333", "b": "http://localhost/x", "c": "https://[::1]:9000"}


def test_run_with_a_loopback_endpoint_stops_at_once_naming_the_flag(workflows: dict[str, Path],
                                                                     tmp_path: Path) -> None:
    batches = tmp_path / "batches.txt"
    batches.write_text("a,b\n")
    args = [sys.executable, "-m", "claimed_cwl", "run", "--outdir", str(tmp_path / "out"), str(workflows["s3"]),
            "--gw_coordinator", "s3://bucket/run", "--gw_batch_file", str(batches), "--out_dir", str(tmp_path),
            "--gw_s3_endpoint", "http://127.0.0.1:8333"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        f"claimed-cwl: error: {workflows['s3']}: steps need network access to this machine's loopback "
        "(gw_s3_endpoint = http://127.0.0.1:8333), which a container on the engine's bridge network cannot reach: "
        "add --network host (claimed-cwl run --network host ...)")
    assert "Traceback" not in done.stderr and not (tmp_path / "out").exists()


@pytest.mark.docker
def test_engine_without_a_bridge_network_is_named(workflows: dict[str, Path], docker_client: object) -> None:
    """Whichever this engine is: with a bridge network the check passes, without one it names the flag."""
    has_bridge = bool(subprocess.run(["docker", "network", "ls", "-q", "--filter", "name=^bridge$"],
                                     capture_output=True, text=True, check=True).stdout.strip())
    process, _ = given_inputs(workflows["s3"], None, [])
    values = {"gw_s3_endpoint": "http://s3.example.com"}
    if has_bridge:
        check_network(process, values, "docker", workflows["s3"])
    else:
        with pytest.raises(ClaimedError, match=r"the docker engine has no 'bridge' network .*add --network host"):
            check_network(process, values, "docker", workflows["s3"])
    check_network(given_inputs(workflows["local"], None, [])[0], values, "docker", workflows["local"])  # no need
