"""Kubernetes checks with the Kubernetes Python client: namespace, service account, secrets."""

from __future__ import annotations

from typing import Any

from claimed_cwl.check.result import CheckResult, failed, passed
from claimed_cwl.config.model import Environment

__all__ = ["check_kubernetes"]


def _core_api(context: str | None = None) -> tuple[Any, str]:
    """A CoreV1Api from the kubeconfig or the pod's service account; raise ConfigException when there is none."""
    from kubernetes import client, config  # noqa: PLC0415

    try:
        config.load_kube_config(context=context)
    except (config.ConfigException, FileNotFoundError, TypeError):
        config.load_incluster_config()
    api = client.CoreV1Api()
    return api, str(api.api_client.configuration.host)


def _read(call: Any, kind: str, name: str, host: str, fix: str) -> CheckResult:
    from kubernetes.client.exceptions import ApiException  # noqa: PLC0415

    try:
        call()
    except ApiException as exc:
        if exc.status == 404:
            return failed(f"k8s-{kind}", f"{kind} {name!r} does not exist on {host}: {fix}")
        if exc.status in (401, 403):
            return failed(f"k8s-{kind}", f"not allowed to read {kind} {name!r} on {host} (HTTP {exc.status}): "
                          "check your kubeconfig user and its RBAC")
        return failed(f"k8s-{kind}", f"reading {kind} {name!r} on {host} failed (HTTP {exc.status})")
    return passed(f"k8s-{kind}", f"{kind} {name!r} exists")


def check_kubernetes(env: Environment) -> list[CheckResult]:
    """Namespace, service account, S3 credentials Secret and pull secret of ``env`` exist on the cluster."""
    from kubernetes.config import ConfigException  # noqa: PLC0415

    try:
        api, host = _core_api()
    except ConfigException as exc:
        return [failed("k8s", f"no Kubernetes cluster reachable (no kubeconfig and not in a pod: {exc}): namespace, "
                       "service account and secrets not checked; set KUBECONFIG")]
    ns = env.kubernetes.namespace
    try:
        api.read_namespace(ns, _request_timeout=10)
    except Exception as exc:
        status = getattr(exc, "status", None)
        if status is None:
            return [failed("k8s", f"no Kubernetes cluster reachable at {host} ({type(exc).__name__}): namespace, "
                           "service account and secrets not checked; start the cluster or fix KUBECONFIG")]
    results = [_read(lambda: api.read_namespace(ns, _request_timeout=10), "namespace", ns, host,
                     f"kubectl create namespace {ns}")]
    if not results[0].ok:
        return results
    sa = env.kubernetes.service_account
    results.append(_read(lambda: api.read_namespaced_service_account(sa, ns, _request_timeout=10),
                         "serviceaccount", sa, host, "apply the manifests of 'claimed-cwl k8s manifests'"))
    for secret in (env.s3.secret_name, env.pull_secret):
        if secret:
            results.append(_read(lambda s=secret: api.read_namespaced_secret(s, ns, _request_timeout=10), "secret",
                                 secret, host, f"fill in and apply the secret template of 'claimed-cwl k8s "
                                 f"manifests' in namespace {ns}"))
    return results
