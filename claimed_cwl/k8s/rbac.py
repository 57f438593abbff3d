"""Namespace, ServiceAccount, Role and RoleBinding for a Toil leader on Kubernetes.

The Role grants what Toil 9.6's kubernetes batch system calls
(toil/batchSystems/kubernetes.py): it creates, reads, lists, watches and
deletes Jobs (``create_namespaced_job``, ``read_namespaced_job``,
``list_namespaced_job``, ``delete_namespaced_job``,
``delete_collection_namespaced_job``), lists, reads and deletes their Pods
(``list_namespaced_pod``, ``delete_namespaced_pod``), reads Pod logs
(``read_namespaced_pod_log``), and lists pod metrics (``metrics.k8s.io``, to
detect out-of-memory pods; optional). Nothing cluster-wide.
"""

from __future__ import annotations

from typing import Any

from claimed_cwl.config.model import Environment

__all__ = ["ROLE_RULES", "namespace", "role", "role_binding", "service_account"]

ROLE_RULES: list[dict[str, Any]] = [
    {"apiGroups": ["batch"], "resources": ["jobs"],
     "verbs": ["create", "get", "list", "watch", "delete", "deletecollection"]},
    {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch", "delete"]},
    {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
    {"apiGroups": ["metrics.k8s.io"], "resources": ["pods"], "verbs": ["get", "list"]},
]  # fmt: skip

LABELS = {"app.kubernetes.io/part-of": "claimed-cwl", "app.kubernetes.io/component": "toil"}


def _metadata(name: str, env: Environment, namespaced: bool = True) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if namespaced:
        metadata["namespace"] = env.kubernetes.namespace
    metadata["labels"] = dict(LABELS)
    return metadata


def namespace(env: Environment) -> dict[str, Any]:
    """The Namespace the leader and its jobs run in."""
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": _metadata(env.kubernetes.namespace, env, False)}


def service_account(env: Environment) -> dict[str, Any]:
    """The leader's (and its worker pods') ServiceAccount."""
    account: dict[str, Any] = {"apiVersion": "v1", "kind": "ServiceAccount",
                               "metadata": _metadata(env.kubernetes.service_account, env)}
    if env.pull_secret:
        account["imagePullSecrets"] = [{"name": env.pull_secret}]
    return account


def role(env: Environment) -> dict[str, Any]:
    """The Role with exactly the permissions Toil's kubernetes batch system uses."""
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": _metadata(f"{env.kubernetes.service_account}-toil", env), "rules": ROLE_RULES}


def role_binding(env: Environment) -> dict[str, Any]:
    """Binds the Role to the ServiceAccount."""
    sa = env.kubernetes.service_account
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": _metadata(f"{sa}-toil", env),
        "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": env.kubernetes.namespace}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": f"{sa}-toil"},
    }
