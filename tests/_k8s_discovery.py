"""A minimal Kubernetes discovery endpoint on 127.0.0.1 so that ``kubectl apply --dry-run=client`` can run here.

kubectl's client-side dry run still asks a server for API discovery (to map
kinds to resources) and GETs each object (to choose create or patch). There is
no Kubernetes API server on these machines, so this answers the discovery
documents for the kinds our manifests use and 404 for every object; nothing is
stored. Schema validation is kubernetes-validate's job (tests/test_k8s.py).
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]


def _resources(*items: tuple[str, str, bool]) -> list[dict[str, object]]:
    return [{"name": name, "singularName": "", "namespaced": namespaced, "kind": kind, "verbs": _VERBS}
            for name, kind, namespaced in items]


DOCUMENTS: dict[str, dict[str, object]] = {
    "/api": {"kind": "APIVersions", "versions": ["v1"],
             "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]},
    "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
        {"name": group, "versions": [{"groupVersion": f"{group}/v1", "version": "v1"}],
         "preferredVersion": {"groupVersion": f"{group}/v1", "version": "v1"}}
        for group in ("batch", "rbac.authorization.k8s.io")]},
    "/api/v1": {"kind": "APIResourceList", "groupVersion": "v1", "resources": _resources(
        ("namespaces", "Namespace", False), ("serviceaccounts", "ServiceAccount", True),
        ("secrets", "Secret", True), ("configmaps", "ConfigMap", True), ("pods", "Pod", True))},
    "/apis/batch/v1": {"kind": "APIResourceList", "groupVersion": "batch/v1",
                       "resources": _resources(("jobs", "Job", True))},
    "/apis/rbac.authorization.k8s.io/v1": {"kind": "APIResourceList", "groupVersion": "rbac.authorization.k8s.io/v1",
                                           "resources": _resources(("roles", "Role", True),
                                                                   ("rolebindings", "RoleBinding", True))},
}


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        document = DOCUMENTS.get(path)
        status = 200 if document else 404
        body = document or {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound",
                            "code": 404, "message": f"{path} not found"}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def discovery_kubeconfig(directory: Path) -> Iterator[Path]:
    """Serve the discovery documents; yield a kubeconfig that points kubectl at them."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    config = directory / "kubeconfig"
    config.write_text(
        "apiVersion: v1\nkind: Config\nclusters:\n"
        f"- cluster: {{server: 'http://127.0.0.1:{server.server_address[1]}'}}\n  name: discovery\n"
        "contexts:\n- context: {cluster: discovery, user: nobody}\n  name: discovery\n"
        "current-context: discovery\nusers:\n- name: nobody\n  user: {token: unused}\n"
    )
    try:
        yield config
    finally:
        server.shutdown()
        server.server_close()
