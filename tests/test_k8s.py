"""``claimed-cwl k8s manifests``: schema-valid (kubernetes-validate, strict), kubectl dry run, RBAC, no secrets."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from _k8s_discovery import discovery_kubeconfig

from claimed_cwl.config import load_environment
from claimed_cwl.k8s import PLACEHOLDER, ROLE_RULES, manifest_files

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / "workflows" / "scatter_seeds" / "scatter-seeds.cwl"
K8S_VERSION = "1.32.0"
SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"


def _write(out: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CLAIMED_CWL_"))}
    return subprocess.run(
        [sys.executable, "-m", "claimed_cwl", "--log-level", "DEBUG", "k8s", "manifests", "--env", "kubernetes",
         "-o", str(out), *extra], capture_output=True, text=True, check=False, env={**base, **(env or {})},
        cwd=out.parent, timeout=300)


@pytest.fixture(scope="module")
def manifests(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("k8s") / "manifests"
    env = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEYID", "AWS_SECRET_ACCESS_KEY": SECRET,
           "CLAIMED_CWL_S3_ENDPOINT": "https://s3.example.org", "CLAIMED_CWL_PUBLISH": "s3://results/scatter",
           "CLAIMED_CWL_KUBERNETES__PULL_SECRET": "regcred", "CLAIMED_CWL_REGISTRY": "registry.example.org/claimed"}
    done = _write(out, str(WORKFLOW), env=env)
    assert done.returncode == 0, done.stderr
    assert SECRET not in done.stdout + done.stderr
    return out


def _files(out: Path) -> list[Path]:
    return sorted(out.rglob("*.yaml"))


def test_layout(manifests: Path) -> None:
    assert [p.relative_to(manifests).as_posix() for p in _files(manifests)] == [
        "run/10-workflow-configmap.yaml", "run/20-toil-leader-job.yaml",
        "secrets/registry-pull.template.yaml", "secrets/s3-credentials.template.yaml",
        "setup/00-namespace.yaml", "setup/10-serviceaccount.yaml", "setup/20-role.yaml", "setup/30-rolebinding.yaml",
    ]


def test_every_manifest_is_schema_valid(manifests: Path) -> None:
    for path in _files(manifests):
        resource = yaml.safe_load(path.read_text())
        kubernetes_validate.validate(resource, K8S_VERSION, strict=True)  # raises on any error


def test_schema_validation_catches_a_bad_manifest(manifests: Path) -> None:
    job = yaml.safe_load((manifests / "run" / "20-toil-leader-job.yaml").read_text())
    job["spec"]["template"]["spec"]["containers"][0]["envFrom"] = "not-a-list"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(job, K8S_VERSION, strict=True)
    job = yaml.safe_load((manifests / "run" / "20-toil-leader-job.yaml").read_text())
    job["spec"]["template"]["spec"]["containers"][0]["unknownField"] = 1
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(job, K8S_VERSION, strict=True)


def test_kubectl_client_dry_run(manifests: Path, tmp_path: Path) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not installed (Debian: apt-get install kubernetes-client)")
    with discovery_kubeconfig(tmp_path) as kubeconfig:
        done = subprocess.run([kubectl, "--kubeconfig", str(kubeconfig), "apply", "--dry-run=client",
                               "--validate=false", "-R", "-f", str(manifests)],
                              capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert sorted(done.stdout.splitlines()) == sorted([
        "configmap/claimed-scatter-seeds-workflow created (dry run)",
        "job.batch/claimed-scatter-seeds created (dry run)",
        "secret/regcred created (dry run)", "secret/claimed-s3 created (dry run)",
        "namespace/claimed created (dry run)",
        "serviceaccount/claimed-toil created (dry run)",
        "role.rbac.authorization.k8s.io/claimed-toil-toil created (dry run)",
        "rolebinding.rbac.authorization.k8s.io/claimed-toil-toil created (dry run)",
    ])


def test_no_secret_values_only_references(manifests: Path) -> None:
    for path in _files(manifests):
        text = path.read_text()
        assert SECRET not in text and "AKIAEXAMPLEKEYID" not in text, path
    s3 = yaml.safe_load((manifests / "secrets" / "s3-credentials.template.yaml").read_text())
    assert set(s3["stringData"]) == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "credentials"}
    assert s3["stringData"]["AWS_ACCESS_KEY_ID"] == PLACEHOLDER
    job = yaml.safe_load((manifests / "run" / "20-toil-leader-job.yaml").read_text())
    container = job["spec"]["template"]["spec"]["containers"][0]
    env = {item["name"]: item for item in container["env"]}
    assert env["AWS_SECRET_ACCESS_KEY"] == {"name": "AWS_SECRET_ACCESS_KEY", "valueFrom": {
        "secretKeyRef": {"name": "claimed-s3", "key": "AWS_SECRET_ACCESS_KEY"}}}
    assert env["AWS_ENDPOINT_URL_S3"]["value"] == "https://s3.example.org"
    assert env["TOIL_AWS_SECRET_NAME"]["value"] == "claimed-s3"
    credentials = [item for item in container["env"] if item["name"].endswith(("_KEY", "_KEY_ID", "_TOKEN"))]
    assert len(credentials) == 2 and all("value" not in item for item in credentials)


def test_leader_runs_toil_on_kubernetes_with_the_s3_job_store(manifests: Path) -> None:
    job = yaml.safe_load((manifests / "run" / "20-toil-leader-job.yaml").read_text())
    pod = job["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["command"] == ["toil-cwl-runner"]
    assert container["args"][:3] == ["--batchSystem=kubernetes", "--jobStore=aws:us-east-1:claimed-run",
                                     "--singularity"]
    assert "--destBucket=s3://results/scatter" in container["args"]
    assert container["args"][-2:] == ["/workflow/workflow.cwl", "/workflow/job.yaml"]
    assert pod["serviceAccountName"] == "claimed-toil"
    assert pod["imagePullSecrets"] == [{"name": "regcred"}]
    config_map = yaml.safe_load((manifests / "run" / "10-workflow-configmap.yaml").read_text())
    packed = yaml.safe_load(config_map["data"]["workflow.cwl"])
    assert "$graph" in packed  # self-contained: the pod sees no other file


def _toil_api_calls() -> set[tuple[str, str, str]]:
    """(apiGroup, resource, verb) of every namespaced call in Toil's kubernetes batch system source."""
    import toil

    source = (Path(toil.__file__).parent / "batchSystems" / "kubernetes.py").read_text()
    verbs = {"create": "create", "read": "get", "list": "list", "delete": "delete",
             "delete_collection": "deletecollection", "patch": "patch", "replace": "update"}
    calls: set[tuple[str, str, str]] = set()
    for verb, kind in re.findall(r"\.(delete_collection|create|read|list|delete|patch|replace)_namespaced_(\w+)\(",
                                 source):
        if kind == "custom_object":
            calls.add(("metrics.k8s.io", "pods", verbs[verb]))
        elif kind == "pod_log":
            calls.add(("", "pods/log", "get"))
        else:
            calls.add(("batch" if kind == "job" else "", kind + "s", verbs[verb]))
    return calls


def test_role_covers_every_call_toil_makes() -> None:
    calls = _toil_api_calls()
    assert ("batch", "jobs", "create") in calls and ("", "pods/log", "get") in calls  # the scan found the calls
    granted = {(group, resource, verb) for rule in ROLE_RULES for group in rule["apiGroups"]
               for resource in rule["resources"] for verb in rule["verbs"]}
    assert calls <= granted, calls - granted


def test_deterministic_and_rejects_other_batch_systems(tmp_path: Path) -> None:
    env = load_environment("kubernetes", environ={}, cwd=tmp_path).environment
    assert manifest_files(env, WORKFLOW) == manifest_files(env, WORKFLOW)
    done = subprocess.run([sys.executable, "-m", "claimed_cwl", "k8s", "manifests", "--env", "slurm", "-o",
                           str(tmp_path / "x")], capture_output=True, text=True, check=False, cwd=tmp_path)
    assert done.returncode == 1
    assert "uses batch_system slurm: Kubernetes manifests are for an environment with batch_system" in done.stderr
    assert not (tmp_path / "x").exists()


def test_example_in_runners_is_current(tmp_path: Path) -> None:
    """runners/kubernetes/example is what the command writes (regenerate: see runners/kubernetes/README.md)."""
    example = ROOT / "runners" / "kubernetes" / "example"
    env = load_environment("kubernetes", environ={"CLAIMED_CWL_KUBERNETES__PUBLISH": "s3://results/scatter-seeds"},
                           cwd=tmp_path).environment
    expected = manifest_files(env, WORKFLOW)
    assert {p.relative_to(example).as_posix(): p.read_text() for p in sorted(example.rglob("*.yaml"))} == expected
