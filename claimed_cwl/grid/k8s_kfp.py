"""The grid's Kubernetes Job and KFP component, composed from the operator's own emitters' data.

Both run the worker loop (``python -m claimed_cwl.runtime.grid.worker --workers-loop``),
as a C3 grid pod does: the Job with ``parallelism`` = ``completions`` = the
number of workers, every pod looping over all batches through the coordinator.
The operator's parameters keep exactly the environment the operator's Job and
component give them (secrets from ``secretKeyRef``); the grid adds its
settings (:mod:`claimed_cwl.runtime.grid.settings`): those marked for the Job
as its variables, those with a KFP type as component inputs; for S3 the AWS
credentials come from a Secret.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedMap

from claimed_cwl.emit._yaml import dump_yaml, generated_header
from claimed_cwl.emit.k8s_job import job_manifest, parameter_env
from claimed_cwl.emit.kfp import input_arguments, kfp_component
from claimed_cwl.emit.launch import script_path
from claimed_cwl.emit.settings import ImageSettings, JobSettings
from claimed_cwl.grid.spec import GridSpec
from claimed_cwl.runtime.grid.settings import BACKEND, COORDINATOR, Setting, default_text, settings_for

__all__ = ["emit_grid_job", "emit_grid_kfp", "grid_job", "grid_kfp", "worker_command"]


def worker_command(grid: GridSpec) -> list[str]:
    """The worker loop command line."""
    return ["python", "-m", "claimed_cwl.runtime.grid.worker", "--script", script_path(grid.operator),
            "--process", grid.process, "--workers-loop"]


def _required(setting: Setting, backend: str) -> bool:
    type_ = setting.cwl_type(backend)
    return bool(type_) and not type_.endswith("?") and not setting.is_flag


def _env_entry(grid: GridSpec, setting: Setting, settings: JobSettings) -> CommentedMap:
    """The Job's variable of one setting: its value (the default, the backend, the PVC path), or a reference."""
    if setting.secret:
        return CommentedMap(name=setting.env, valueFrom={"secretKeyRef": {"name": f"{grid.name}-s3",
                                                                          "key": setting.env}})
    value = default_text(setting.default)
    if setting is BACKEND:
        value = grid.backend
    elif setting is COORDINATOR and grid.backend == "local" and settings.pvc_name:
        value = f"{settings.pvc_mount}/coordinator"
    entry = CommentedMap(name=setting.env, value=value)
    if not value:
        required = "required: " if _required(setting, grid.backend) else ""
        hint = " (mount a PVC: --pvc)" if setting is COORDINATOR and grid.backend == "local" else ""
        entry.yaml_add_eol_comment(f"{required}{setting.doc_for(grid.backend)}{hint}", "value")
    return entry


def grid_job(grid: GridSpec, image: ImageSettings, settings: JobSettings) -> dict[str, Any]:
    """The grid's Kubernetes Job as a mapping: the operator's Job, ``parallelism`` workers running the loop."""
    reference = ImageSettings.for_reference(image.image(grid.image_name))
    job = job_manifest(grid.operator, reference, settings)
    workers = grid.workers or 1
    job["metadata"] = {"name": grid.name, "labels": {"app.kubernetes.io/name": grid.name}}
    template = job["spec"]["template"]
    template["metadata"] = {"labels": {"app.kubernetes.io/name": grid.name}}
    operator_container = template["spec"]["containers"][0]
    env = [*parameter_env(grid.operator, settings),
           *(_env_entry(grid, s, settings) for s in settings_for("", grid.backend) if s.job)]
    container = {"name": grid.name, "image": operator_container["image"], "command": worker_command(grid),
                 "env": env}
    container.update({key: value for key, value in operator_container.items() if key not in container})
    template["spec"]["containers"] = [container]
    job["spec"] = {"parallelism": workers, "completions": workers, **job["spec"]}
    return job


def emit_grid_job(grid: GridSpec, image: ImageSettings, settings: JobSettings) -> str:
    """Render the grid's Kubernetes Job (:func:`grid_job`)."""
    return dump_yaml(grid_job(grid, image, settings), header=generated_header(grid.operator.source_file))


def _concat(env_name: str, input_name: str) -> dict[str, Any]:
    return {"if": {"cond": {"isPresent": input_name},
                   "then": [{"concat": [f"{env_name}=", {"inputValue": input_name}]}]}}


def grid_kfp(grid: GridSpec, image: ImageSettings) -> dict[str, Any]:
    """The grid's KFP v1 component as a mapping: the operator's inputs plus the settings', running the worker loop."""
    reference = ImageSettings.for_reference(image.image(grid.image_name))
    component = kfp_component(grid.operator, reference)
    component["name"] = grid.name
    grid_inputs = [s for s in settings_for("", grid.backend) if s.kfp]
    component["inputs"] = [*component["inputs"], *(
        {"name": s.name, "type": s.kfp, "description": s.described(grid.backend),
         "optional": not _required(s, grid.backend)} for s in grid_inputs)]
    component["outputs"] = []
    component["implementation"]["container"]["command"] = [
        "env", f"{BACKEND.env}={grid.backend}", *input_arguments(grid.operator),
        *(_concat(s.env, s.name) for s in grid_inputs), *worker_command(grid),
    ]
    return component


def emit_grid_kfp(grid: GridSpec, image: ImageSettings) -> str:
    """Render the grid's KFP v1 component (:func:`grid_kfp`)."""
    return dump_yaml(grid_kfp(grid, image), header=generated_header(grid.operator.source_file))
