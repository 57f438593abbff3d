"""The Toil leader Job (``toil-cwl-runner --batchSystem kubernetes``), its workflow ConfigMap and Secret templates.

Credentials never appear here: the leader reads them from the Secret through
``secretKeyRef``; worker pods get the same Secret mounted at ``/root/.aws`` by
Toil itself (``TOIL_AWS_SECRET_NAME``), which is why the Secret also carries a
``credentials`` file. Templates hold placeholders only.
"""

from __future__ import annotations

import json
from typing import Any

from claimed_cwl.config.apply import toil_batch_args
from claimed_cwl.config.model import Environment
from claimed_cwl.k8s.rbac import LABELS

__all__ = ["PLACEHOLDER", "leader_job", "pull_secret_template", "s3_secret_template", "workflow_config_map"]

PLACEHOLDER = "REPLACE-ME"
WORKFLOW_MOUNT = "/workflow"


def _metadata(name: str, env: Environment) -> dict[str, Any]:
    return {"name": name, "namespace": env.kubernetes.namespace, "labels": dict(LABELS)}


def s3_secret_template(env: Environment) -> dict[str, Any] | None:
    """The S3 credentials Secret, with placeholders (None when credentials do not come from a Secret)."""
    name = env.s3.secret_name
    if name is None:
        return None
    credentials = (f"[default]\naws_access_key_id = {PLACEHOLDER}\naws_secret_access_key = {PLACEHOLDER}\n")
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": _metadata(name, env),
        "type": "Opaque",
        "stringData": {"AWS_ACCESS_KEY_ID": PLACEHOLDER, "AWS_SECRET_ACCESS_KEY": PLACEHOLDER,
                       "credentials": credentials},
    }


def pull_secret_template(env: Environment) -> dict[str, Any] | None:
    """The registry pull Secret (dockerconfigjson), with placeholders; None without a pull_secret."""
    if not env.pull_secret:
        return None
    registry = (env.registry or PLACEHOLDER).split("/")[0]
    config = json.dumps({"auths": {registry: {"auth": PLACEHOLDER}}})
    return {"apiVersion": "v1", "kind": "Secret", "metadata": _metadata(env.pull_secret, env),
            "type": "kubernetes.io/dockerconfigjson", "stringData": {".dockerconfigjson": config}}


def workflow_config_map(env: Environment, name: str, workflow_text: str, job_text: str) -> dict[str, Any]:
    """The packed workflow and its job file, mounted read-only into the leader at /workflow."""
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _metadata(name, env),
            "data": {"workflow.cwl": workflow_text, "job.yaml": job_text}}


def _env(env: Environment) -> list[dict[str, Any]]:
    variables: list[dict[str, Any]] = [{"name": "AWS_DEFAULT_REGION", "value": env.s3.region}]
    if env.s3.endpoint:
        variables.append({"name": "AWS_ENDPOINT_URL_S3", "value": env.s3.endpoint})
    variables.append({"name": "TOIL_APPLIANCE_SELF", "value": env.kubernetes.toil_image})
    secret = env.s3.secret_name
    if secret:
        variables.append({"name": "TOIL_AWS_SECRET_NAME", "value": secret})
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            variables.append({"name": key, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}})
    return variables


def leader_args(env: Environment) -> list[str]:
    """toil-cwl-runner arguments of the leader (Toil forces --singularity with kubernetes; it is explicit here)."""
    args = [
        "--batchSystem=kubernetes",
        f"--jobStore={env.job_store}",
        "--singularity",
        "--logLevel=INFO",
        "--outdir=/tmp/outputs",
        *toil_batch_args(env),
    ]
    if env.publish:
        args.append(f"--destBucket={env.publish}")
    return [*args, f"{WORKFLOW_MOUNT}/workflow.cwl", f"{WORKFLOW_MOUNT}/job.yaml"]


def leader_job(env: Environment, name: str, config_map: str) -> dict[str, Any]:
    """The batch/v1 Job that runs the Toil leader in the cluster."""
    container: dict[str, Any] = {
        "name": "toil-leader",
        "image": env.kubernetes.toil_image,
        "command": ["toil-cwl-runner"],
        "args": leader_args(env),
        "env": _env(env),
        "resources": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"memory": "4Gi"}},
        "volumeMounts": [{"name": "workflow", "mountPath": WORKFLOW_MOUNT, "readOnly": True},
                         {"name": "tmp", "mountPath": "/tmp"}],
    }
    pod: dict[str, Any] = {"serviceAccountName": env.kubernetes.service_account, "restartPolicy": "Never"}
    if env.pull_secret:
        pod["imagePullSecrets"] = [{"name": env.pull_secret}]
    pod["containers"] = [container]
    pod["volumes"] = [{"name": "workflow", "configMap": {"name": config_map}}, {"name": "tmp", "emptyDir": {}}]
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": _metadata(name, env),
        "spec": {"backoffLimit": 0, "template": {"metadata": {"labels": dict(LABELS)}, "spec": pod}},
    }
