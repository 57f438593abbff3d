"""Kubernetes manifests for running Toil's leader in a cluster: RBAC, secret templates, the leader Job."""

from claimed_cwl.k8s.leader import PLACEHOLDER, leader_job
from claimed_cwl.k8s.rbac import ROLE_RULES
from claimed_cwl.k8s.write import manifest_files, write_manifests

__all__ = ["PLACEHOLDER", "ROLE_RULES", "leader_job", "manifest_files", "write_manifests"]
