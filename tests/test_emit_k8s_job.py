"""Kubernetes Job emitter, validated against the Kubernetes schema (kubernetes-validate, offline)."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest
from _emit_samples import SECRET_DEFAULT, full_spec, minimal_spec
from ruamel.yaml import YAML

from claimed_cwl.emit import ImageSettings, JobSettings, SettingsError, emit_job
from claimed_cwl.spec import OperatorSpec, Resources

K8S_VERSION = "1.30"


def _load(text: str) -> dict[str, Any]:
    return YAML(typ="safe").load(text)  # type: ignore[no-any-return]


def _container(job: dict[str, Any]) -> dict[str, Any]:
    return job["spec"]["template"]["spec"]["containers"][0]  # type: ignore[no-any-return]


SETTINGS = [
    JobSettings(),
    JobSettings(pull_secret="regcred", backoff_limit=3, restart_policy="OnFailure", pvc_name="shared",
                pvc_mount="/mnt/shared", secret_name="op-secrets"),
]


@pytest.mark.parametrize("settings", SETTINGS, ids=["defaults", "all"])
@pytest.mark.parametrize("spec", [full_spec(), minimal_spec()], ids=["full", "min"])
def test_valid_against_kubernetes_schema(spec: OperatorSpec, settings: JobSettings) -> None:
    job = _load(emit_job(spec, ImageSettings(), settings))
    kubernetes_validate.validate(job, K8S_VERSION, strict=True)


def test_schema_check_is_real() -> None:
    job = _load(emit_job(minimal_spec(), ImageSettings(), JobSettings()))
    _container(job)["imag"] = "typo"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(job, K8S_VERSION, strict=True)


def test_env_values_and_secret_refs() -> None:
    text = emit_job(full_spec(), ImageSettings(), JobSettings())
    assert SECRET_DEFAULT not in text
    container = _container(_load(text))
    env = {e["name"]: e for e in container["env"]}
    assert env["limit"]["value"] == "10"
    assert env["verbose"]["value"] == "True"
    assert env["dry"]["value"] == "false"
    assert env["input_file"]["value"] == "data.csv"
    assert env["query"]["value"] == ""
    assert "'' # required: set a value" in text.replace("  #", " #")
    assert env["api_token"] == {"name": "api_token", "valueFrom": {"secretKeyRef": {
        "name": "filter-csv-secrets", "key": "api_token", "optional": True}}}
    assert "note" not in env and "work_dir" not in env  # optional without default: left unset
    assert env["output_file"]["value"] == "out/result.csv"
    assert "row_count" not in env
    assert container["command"][-1] == "row_count=row_count.value"


def test_pvc_paths_and_settings() -> None:
    job = _load(emit_job(full_spec(), ImageSettings(), SETTINGS[1]))
    pod = job["spec"]["template"]["spec"]
    container = _container(job)
    env = {e["name"]: e for e in container["env"]}
    assert env["output_file"]["value"] == "/mnt/shared/out/result.csv"
    assert env["api_token"]["valueFrom"]["secretKeyRef"]["name"] == "op-secrets"
    assert container["command"][-1] == "row_count=/mnt/shared/row_count.value"
    assert {"name": "data", "mountPath": "/mnt/shared"} in container["volumeMounts"]
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "shared"}} in pod["volumes"]
    assert pod["imagePullSecrets"] == [{"name": "regcred"}]
    assert pod["restartPolicy"] == "OnFailure"
    assert job["spec"]["backoffLimit"] == 3


def test_security_and_resources() -> None:
    job = _load(emit_job(full_spec(), ImageSettings(), JobSettings()))
    pod = job["spec"]["template"]["spec"]
    container = _container(job)
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 1000
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert {"name": "tmp", "emptyDir": {}} in pod["volumes"]
    assert container["resources"] == {"requests": {"cpu": "2", "memory": "4096Mi"},
                                      "limits": {"memory": "4096Mi", "nvidia.com/gpu": "1"}}
    assert job["spec"]["activeDeadlineSeconds"] == 3600
    assert "ENTRYPOINT" not in str(job) and "args" not in container


def test_fractional_cores() -> None:
    spec = OperatorSpec(name="half", language=minimal_spec().language, source_file="half.py",
                        resources=Resources(cores=0.5))
    assert _container(_load(emit_job(spec, ImageSettings(), JobSettings())))["resources"] == {
        "requests": {"cpu": "500m"}}


def test_bad_settings_are_clean_errors() -> None:
    with pytest.raises(SettingsError, match="restart policy"):
        JobSettings(restart_policy="Always")
    with pytest.raises(SettingsError, match="PVC name"):
        JobSettings(pvc_name="Bad_Name")
    with pytest.raises(SettingsError, match="repository"):
        ImageSettings(repository="Not Valid")


def test_deterministic() -> None:
    assert emit_job(full_spec(), ImageSettings(), SETTINGS[1]) == emit_job(full_spec(), ImageSettings(), SETTINGS[1])
