"""Kubernetes batch/v1 Job emitter.

Parameters become container environment variables holding their defaults
(rendered as the script expects them); secret parameters come from a
Kubernetes Secret and never carry a value here: a secret value through a
``secretKeyRef``, a secret File as a file of the Secret mounted read-only
(the variable holds its path), a secret Directory as a Secret of its own
mounted as a directory. The pod runs as uid 1000 with a read-only root file
system and a writable emptyDir at /tmp.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedMap

from claimed_cwl.emit._yaml import dump_yaml, generated_header
from claimed_cwl.emit.launch import launch_command
from claimed_cwl.emit.settings import ImageSettings, JobSettings
from claimed_cwl.spec import OperatorSpec, Parameter, ParamRole, ParamType, Resources

__all__ = ["SECRET_MOUNT", "emit_job", "job_manifest", "parameter_env"]

_RUN_AS = 1000
_TMP_VOLUME = "tmp"
_DATA_VOLUME = "data"
_SECRET_FILES_VOLUME = "secret-files"
SECRET_MOUNT = "/var/run/claimed/secrets"
_SECRET_MODE = 0o440  # owner root, group fsGroup (the pod's user): read only


def emit_job(spec: OperatorSpec, image: ImageSettings, settings: JobSettings) -> str:
    """Render the operator's Kubernetes Job YAML (:func:`job_manifest`, written by the one YAML writer)."""
    return dump_yaml(job_manifest(spec, image, settings), header=generated_header(spec.source_file))


def job_manifest(spec: OperatorSpec, image: ImageSettings, settings: JobSettings) -> dict[str, Any]:
    """The operator's Kubernetes Job as a mapping (the data its YAML is written from)."""
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": spec.name, "labels": {"app.kubernetes.io/name": spec.name}},
        "spec": _job_spec(spec, image, settings),
    }


def _job_spec(spec: OperatorSpec, image: ImageSettings, settings: JobSettings) -> dict[str, Any]:
    job_spec: dict[str, Any] = {"backoffLimit": settings.backoff_limit}
    if spec.resources.time_limit_s is not None:
        job_spec["activeDeadlineSeconds"] = spec.resources.time_limit_s
    pod: dict[str, Any] = {
        "restartPolicy": settings.restart_policy,
        "securityContext": {"runAsNonRoot": True, "runAsUser": _RUN_AS, "runAsGroup": _RUN_AS, "fsGroup": _RUN_AS},
    }
    if settings.pull_secret:
        pod["imagePullSecrets"] = [{"name": settings.pull_secret}]
    pod["containers"] = [_container(spec, image, settings)]
    volumes: list[dict[str, Any]] = [{"name": _TMP_VOLUME, "emptyDir": {}}]
    if settings.pvc_name:
        volumes.append({"name": _DATA_VOLUME, "persistentVolumeClaim": {"claimName": settings.pvc_name}})
    volumes += [volume for volume, _ in _secret_path_volumes(spec, settings)]
    pod["volumes"] = volumes
    job_spec["template"] = {"metadata": {"labels": {"app.kubernetes.io/name": spec.name}}, "spec": pod}
    return job_spec


def _container(spec: OperatorSpec, image: ImageSettings, settings: JobSettings) -> dict[str, Any]:
    export_dir = settings.pvc_mount if settings.pvc_name else ""
    container: dict[str, Any] = {
        "name": spec.name,
        "image": image.image(spec.name),
        "command": launch_command(spec, export_dir=export_dir),
    }
    env = _env(spec, settings)
    if env:
        container["env"] = env
    resources = _resources(spec.resources)
    if resources:
        container["resources"] = resources
    container["securityContext"] = {"readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False}
    mounts = [{"name": _TMP_VOLUME, "mountPath": "/tmp"}]
    if settings.pvc_name:
        mounts.append({"name": _DATA_VOLUME, "mountPath": settings.pvc_mount})
    mounts += [mount for _, mount in _secret_path_volumes(spec, settings)]
    container["volumeMounts"] = mounts
    return container


def _path_secrets(spec: OperatorSpec, kind: ParamType) -> list[Parameter]:
    return [param for param in spec.parameters if param.secret and param.type is kind]


def _secret_path(param: Parameter) -> str:
    """Where a secret File (the Secret's key of the same name) or Directory (a Secret's keys) is mounted."""
    if param.type is ParamType.FILE:
        return f"{SECRET_MOUNT}/files/{param.name}"
    return f"{SECRET_MOUNT}/{param.name}"


def _directory_secret(param: Parameter, settings: JobSettings, operator_name: str) -> str:
    """The Secret whose keys are the files of a secret Directory: ``<secret name>-<param, DNS form>``."""
    return f"{settings.secret_for(operator_name)}-{param.name.lower().replace('_', '-')}"[:253].rstrip("-.")


def _secret_path_volumes(spec: OperatorSpec, settings: JobSettings) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(volume, mount) pairs of the secret Files (one volume, a key each) and secret Directories (a volume each)."""
    pairs = []
    files = _path_secrets(spec, ParamType.FILE)
    if files:
        source = {"secretName": settings.secret_for(spec.name), "defaultMode": _SECRET_MODE,
                  "items": [{"key": p.name, "path": p.name} for p in files]}
        if not all(p.required for p in files):
            source["optional"] = True
        pairs.append(({"name": _SECRET_FILES_VOLUME, "secret": source},
                      {"name": _SECRET_FILES_VOLUME, "mountPath": f"{SECRET_MOUNT}/files", "readOnly": True}))
    for number, param in enumerate(_path_secrets(spec, ParamType.DIRECTORY)):
        source = {"secretName": _directory_secret(param, settings, spec.name), "defaultMode": _SECRET_MODE}
        if not param.required:
            source["optional"] = True
        name = f"secret-dir-{number}"
        pairs.append(({"name": name, "secret": source},
                      {"name": name, "mountPath": _secret_path(param), "readOnly": True}))
    return pairs


def _env_text(param: Parameter) -> str:
    """Render the default as the script reads it; booleans as the text its own test expects."""
    if isinstance(param.default, bool):
        return param.true_text if param.default else param.false_text
    return str(param.default)


def _env(spec: OperatorSpec, settings: JobSettings) -> list[CommentedMap]:
    """The fixed environment, one variable per parameter that has a value to give, then one per output path."""
    env: list[CommentedMap] = [CommentedMap(name=name, value=value) for name, value in spec.environment]
    env += parameter_env(spec, settings)
    for out in spec.outputs:
        if not out.settable:
            continue
        path = f"{settings.pvc_mount}/{out.path}" if settings.pvc_name and not out.prefix else out.path
        env.append(CommentedMap(name=out.name, value=path))
    return env


def parameter_env(spec: OperatorSpec, settings: JobSettings) -> list[CommentedMap]:
    """One variable per parameter that has a value to give (secrets by reference, never by value)."""
    env: list[CommentedMap] = []
    for param in spec.parameters:
        entry = CommentedMap(name=param.name)
        if param.secret and param.type in (ParamType.FILE, ParamType.DIRECTORY):
            entry["value"] = _secret_path(param)
        elif param.secret:
            key_ref: dict[str, Any] = {"name": settings.secret_for(spec.name), "key": param.name}
            if not param.required:
                key_ref["optional"] = True
            entry["valueFrom"] = {"secretKeyRef": key_ref}
        elif param.role is ParamRole.PREFIX:
            entry["value"] = f"{settings.pvc_mount}/" if settings.pvc_name else "./"
        elif param.default is not None:
            entry["value"] = _env_text(param)
        elif param.required:
            entry["value"] = ""
            entry.yaml_add_eol_comment("required: set a value", "value")
        else:
            continue  # optional without default: left unset, the script's own fallback applies
        env.append(entry)
    return env


def _cpu_quantity(cores: float) -> str:
    if float(cores).is_integer():
        return str(int(cores))
    return f"{round(cores * 1000)}m"


def _resources(res: Resources) -> dict[str, Any]:
    requests: dict[str, str] = {}
    limits: dict[str, str] = {}
    if res.cores is not None:
        requests["cpu"] = _cpu_quantity(res.cores)
    if res.ram_mib is not None:
        requests["memory"] = limits["memory"] = f"{res.ram_mib}Mi"
    if res.gpus is not None:
        limits["nvidia.com/gpu"] = str(res.gpus)
    resources: dict[str, Any] = {}
    if requests:
        resources["requests"] = requests
    if limits:
        resources["limits"] = limits
    return resources
