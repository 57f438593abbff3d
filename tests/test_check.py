"""``claimed-cwl check``: each missing resource gives its own one-line message (real SeaweedFS, Docker, registry).

The Slurm case points ``scontrol`` at a controller that is not running (a
slurm.conf whose controller port nothing listens on, through SLURM_CONF) so the
cluster that tests/test_slurm* set up is left alone; where Slurm is not
installed, a stand-in ``scontrol`` on PATH answers as a stopped controller does.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from s3_service import SeaweedFS

TOOL = """\
cwlVersion: v1.2
class: CommandLineTool
requirements:
  DockerRequirement:
    dockerPull: {image}
baseCommand: "true"
inputs: []
outputs: []
"""


def _check(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CLAIMED_CWL_"))}
    return subprocess.run([sys.executable, "-m", "claimed_cwl", "check", *args], capture_output=True, text=True,
                          check=False, env={**base, **(env or {})}, cwd=cwd, timeout=300)


def _fail_lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stdout.splitlines() if line.startswith("FAIL")]


def test_missing_bucket(s3_server: SeaweedFS, tmp_path: Path) -> None:
    bucket = "missing-" + uuid.uuid4().hex[:10]
    done = _check("--env", "local", "--publish", f"s3://{bucket}/out", env=s3_server.env(), cwd=tmp_path)
    assert done.returncode == 1
    endpoint = s3_server.endpoint
    assert _fail_lines(done) == [
        f"FAIL s3-bucket: S3 bucket '{bucket}' (publish destination) does not exist at {endpoint}: create it "
        f"(aws --endpoint-url {endpoint} s3 mb s3://{bucket})"
    ]
    assert f"ok   s3-credentials: S3 at {endpoint} accepts the credentials" in done.stdout


def test_existing_bucket_passes(s3_server: SeaweedFS, s3_bucket: str, tmp_path: Path) -> None:
    done = _check("--env", "local", "--publish", f"s3://{s3_bucket}/out", env=s3_server.env(), cwd=tmp_path)
    assert f"ok   s3-bucket: bucket '{s3_bucket}' (publish destination) exists" in done.stdout, done.stdout


def test_wrong_s3_key(s3_server: SeaweedFS, s3_bucket: str, tmp_path: Path) -> None:
    env = {**s3_server.env(), "AWS_SECRET_ACCESS_KEY": "not-the-right-secret-key-0123456789"}
    done = _check("--env", "local", "--publish", f"s3://{s3_bucket}/out", env=env, cwd=tmp_path)
    assert done.returncode == 1
    lines = _fail_lines(done)
    assert len(lines) == 1, done.stdout
    assert lines[0].startswith(f"FAIL s3-credentials: S3 at {s3_server.endpoint} rejected the credentials (")
    assert lines[0].endswith("): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to a key that this service knows")
    assert "not-the-right-secret" not in done.stdout + done.stderr
    assert s3_server.secret_key not in done.stdout + done.stderr


def test_seaweedfs_cannot_hold_a_toil_job_store(s3_server: SeaweedFS, tmp_path: Path) -> None:
    store = "claimed-check-" + uuid.uuid4().hex[:8]
    done = _check("--env", "toil-local", "--set", f"job_store=aws:us-east-1:{store}", env=s3_server.env(),
                  cwd=tmp_path)
    assert done.returncode == 1
    lines = _fail_lines(done)
    assert len(lines) == 1, done.stdout
    assert lines[0].startswith(f"FAIL s3-toil: S3 at {s3_server.endpoint} does not implement ")
    assert "DeletePublicAccessBlock" in lines[0]
    assert lines[0].endswith("; Toil's S3 job store cannot use it (see docs/environments.md for S3 services that work)")
    assert f"ok   job-store: aws:us-east-1:{store} can be created" in done.stdout
    buckets = {b["Name"] for b in s3_server.client().list_buckets()["Buckets"]}
    assert not [b for b in buckets if b.startswith("claimed-probe-")], "the probe bucket must be removed"


def _slurm_down_env(tmp_path: Path) -> dict[str, str]:
    """SLURM_CONF naming a controller on a port nothing listens on (or a stand-in scontrol if Slurm is absent)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    conf = tmp_path / "slurm.conf"
    conf.write_text(f"ClusterName=claimedcheck\nSlurmctldHost=localhost(127.0.0.1)\nSlurmctldPort={port}\n"
                    "NodeName=localhost CPUs=1 State=UNKNOWN\nPartitionName=debug Nodes=localhost Default=YES\n")
    env = {"SLURM_CONF": str(conf)}
    if shutil.which("scontrol") is None:  # Slurm not installed: stand in for a stopped controller
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        fake = bin_dir / "scontrol"
        fake.write_text("#!/bin/sh\necho 'Slurmctld(primary) at localhost is DOWN'\nexit 1\n")
        fake.chmod(0o755)
        env["PATH"] = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    return env


def test_stopped_slurm_controller(tmp_path: Path, docker_client: Any) -> None:
    done = _check("--env", "slurm", env=_slurm_down_env(tmp_path), cwd=tmp_path)
    assert done.returncode == 1
    lines = _fail_lines(done)
    assert len(lines) == 1, done.stdout
    assert lines[0].startswith("FAIL slurm: the Slurm controller is not reachable (scontrol ping: Slurmctld(primary)")
    assert lines[0].endswith("): start slurmctld (systemctl start slurmctld) or point SLURM_CONF at the cluster")


def test_missing_image(tmp_path: Path, docker_client: Any, registry_url: str) -> None:
    present = docker_client.images.list()[0].tags[0]
    missing = f"claimed-test/definitely-missing-{uuid.uuid4().hex[:8]}:0.0"
    in_registry_missing = f"{registry_url}/claimed-test/missing-{uuid.uuid4().hex[:8]}:1"
    (tmp_path / "present.cwl").write_text(TOOL.format(image=present))
    (tmp_path / "missing.cwl").write_text(TOOL.format(image=missing))
    (tmp_path / "pushed.cwl").write_text(TOOL.format(image=in_registry_missing))
    workflow = tmp_path / "wf.cwl"
    workflow.write_text("cwlVersion: v1.2\nclass: Workflow\ninputs: []\noutputs: []\nsteps:\n"
                        "  a: {run: present.cwl, in: [], out: []}\n  b: {run: missing.cwl, in: [], out: []}\n"
                        "  c: {run: pushed.cwl, in: [], out: []}\n")
    done = _check("--env", "local", str(workflow), cwd=tmp_path)
    assert done.returncode == 1
    assert f"ok   image: {present} is in the local engine" in done.stdout
    assert sorted(_fail_lines(done)) == sorted([
        f"FAIL image: {missing} is missing: it is not in the local engine; build it (claimed-cwl build OPERATOR) "
        f"or pull it (docker pull {missing})",
        f"FAIL image: {in_registry_missing} is missing: it is not in the local engine nor in its registry; build "
        f"it (claimed-cwl build OPERATOR) or pull it (docker pull {in_registry_missing})",
    ])


def test_image_in_registry_by_manifest_head(registry_url: str) -> None:
    import json
    import urllib.request

    from claimed_cwl.check import image_in_registry

    with urllib.request.urlopen(f"http://{registry_url}/v2/_catalog", timeout=5) as response:
        repositories = json.load(response)["repositories"]
    if not repositories:
        pytest.skip("the local registry holds no image")
    with urllib.request.urlopen(f"http://{registry_url}/v2/{repositories[0]}/tags/list", timeout=5) as response:
        tag = json.load(response)["tags"][0]
    assert image_in_registry(f"{registry_url}/{repositories[0]}:{tag}").ok
    missing = image_in_registry(f"{registry_url}/{repositories[0]}:no-such-tag")
    assert missing.line() == (f"FAIL image: {registry_url}/{repositories[0]}:no-such-tag is not in registry "
                              f"{registry_url}: push it (docker push {registry_url}/{repositories[0]}:no-such-tag)")


def test_packed_workflow_images() -> None:
    from claimed_cwl.check import document_images

    root = Path(__file__).resolve().parent.parent / "workflows" / "scatter_seeds"
    packed = document_images(root / "scatter-seeds.packed.cwl")
    assert packed == document_images(root / "scatter-seeds.cwl")
    assert len(packed) == 4 and all(image.startswith("claimed/") for image in packed)


def test_no_kubernetes_cluster(tmp_path: Path) -> None:
    done = _check("--env", "kubernetes", env={"KUBECONFIG": str(tmp_path / "none"), "HOME": str(tmp_path)},
                  cwd=tmp_path)
    assert done.returncode == 1
    k8s = [line for line in _fail_lines(done) if line.startswith("FAIL k8s")]
    assert len(k8s) == 1 and k8s[0].startswith("FAIL k8s: no Kubernetes cluster reachable (")
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\nclusters:\n- cluster: {server: 'https://127.0.0.1:1'}\n"
                          "  name: c\ncontexts:\n- context: {cluster: c, user: u}\n  name: c\ncurrent-context: c\n"
                          "users:\n- name: u\n  user: {token: unused}\n")
    done = _check("--env", "kubernetes", env={"KUBECONFIG": str(kubeconfig), "HOME": str(tmp_path)}, cwd=tmp_path)
    k8s = [line for line in _fail_lines(done) if line.startswith("FAIL k8s")]
    assert len(k8s) == 1 and k8s[0].startswith("FAIL k8s: no Kubernetes cluster reachable at https://127.0.0.1:1 (")
