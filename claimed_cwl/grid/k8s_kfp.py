"""The grid's Kubernetes Job and KFP component, composed from the operator's own emitters' output.

Both run the worker loop (``python -m claimed_cwl.runtime.grid.worker --workers-loop``),
as a C3 grid pod does: the Job with ``parallelism`` = ``completions`` = the
number of workers, every pod looping over all batches through the coordinator.
The operator's parameters keep exactly the environment the operator's Job and
component give them (secrets from ``secretKeyRef``); the grid adds its
``gw_*`` variables, and for S3 the AWS credentials from a Secret.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from claimed_cwl.emit._yaml import dump_yaml
from claimed_cwl.emit.k8s_job import emit_job
from claimed_cwl.emit.kfp import emit_kfp
from claimed_cwl.emit.launch import script_path
from claimed_cwl.emit.settings import ImageSettings, JobSettings
from claimed_cwl.grid.spec import GridSpec

__all__ = ["emit_grid_job", "emit_grid_kfp", "worker_command"]

_S3_SECRET_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")


def worker_command(grid: GridSpec) -> list[str]:
    """The worker loop command line."""
    return ["python", "-m", "claimed_cwl.runtime.grid.worker", "--script", script_path(grid.operator),
            "--process", grid.process, "--workers-loop"]


def _load(text: str) -> Any:
    return YAML(typ="rt", pure=True).load(io.StringIO(text))


def _env_entry(name: str, value: str, comment: str = "") -> CommentedMap:
    entry = CommentedMap(name=name, value=value)
    if comment:
        entry.yaml_add_eol_comment(comment, "value")
    return entry


def _grid_env(grid: GridSpec, settings: JobSettings) -> list[CommentedMap]:
    if grid.backend == "local":
        coordinator = f"{settings.pvc_mount}/coordinator" if settings.pvc_name else ""
        comment = "" if settings.pvc_name else "required: a directory shared by every pod (mount a PVC: --pvc)"
    else:
        coordinator, comment = "", "required: s3://bucket/prefix (no credentials in it)"
    env = [
        _env_entry("gw_backend", grid.backend),
        _env_entry("gw_coordinator_path", coordinator, comment),
        _env_entry("gw_batch_file", "", "a batch file path or s3://bucket/key.txt|json|csv (or gw_file_path_pattern)"),
        _env_entry("gw_lock_timeout", "10800"),
        _env_entry("gw_ignore_error_files", "false"),
    ]
    if grid.backend == "s3":
        secret = f"{grid.name}-s3"
        for key in _S3_SECRET_KEYS:
            env.append(CommentedMap(name=key, valueFrom={"secretKeyRef": {"name": secret, "key": key}}))
        env.append(_env_entry("AWS_ENDPOINT_URL_S3", "", "S3 endpoint (empty: AWS)"))
    return env


def emit_grid_job(grid: GridSpec, image: ImageSettings, settings: JobSettings) -> str:
    """Render the grid's Kubernetes Job: ``parallelism`` workers running the worker loop."""
    reference = ImageSettings.for_reference(image.image(grid.image_name))
    job = _load(emit_job(grid.operator, reference, settings))
    workers = grid.workers or 1
    job["metadata"]["name"] = grid.name
    job["metadata"]["labels"]["app.kubernetes.io/name"] = grid.name
    job_spec = job["spec"]
    job_spec.insert(0, "completions", workers)
    job_spec.insert(0, "parallelism", workers)
    template = job_spec["template"]
    template["metadata"]["labels"]["app.kubernetes.io/name"] = grid.name
    container = template["spec"]["containers"][0]
    container["name"] = grid.name
    container["command"] = worker_command(grid)
    kept = [e for e in container.get("env", []) if e["name"] in {p.name for p in grid.operator.parameters}]
    env = kept + _grid_env(grid, settings)
    if "env" in container:
        container["env"] = env
    else:
        container.insert(list(container).index("command") + 1, "env", env)
    return dump_yaml(job)  # the header comment comes with the loaded document


def _concat(env_name: str, input_name: str) -> dict[str, Any]:
    return {"if": {"cond": {"isPresent": input_name},
                   "then": [{"concat": [f"{env_name}=", {"inputValue": input_name}]}]}}


def emit_grid_kfp(grid: GridSpec, image: ImageSettings) -> str:
    """Render the grid's KFP v1 component: the operator's inputs plus the gw_* inputs, running the worker loop."""
    reference = ImageSettings.for_reference(image.image(grid.image_name))
    component = _load(emit_kfp(grid.operator, reference))
    component["name"] = grid.name
    grid_inputs = [
        ("gw_coordinator", "gw_coordinator_path", "coordinator directory, or s3://bucket/prefix"),
        ("gw_batch_file", "gw_batch_file", "batch file path or s3://bucket/key (.txt, .json, .csv)"),
        ("gw_batch_file_col_name", "gw_batch_file_col_name", "column of a .csv batch file"),
        ("gw_file_path_pattern", "gw_file_path_pattern", "glob pattern(s) when there is no batch file"),
        ("gw_group_by", "gw_group_by", "rule turning a path into a batch id"),
        ("gw_lock_timeout", "gw_lock_timeout", "lease seconds (default 10800)"),
        ("gw_ignore_error_files", "gw_ignore_error_files", "retry failed batches: true/false"),
    ]
    inputs = [entry for entry in component["inputs"]]
    inputs += [{"name": name, "type": "String", "description": doc, "optional": name != "gw_coordinator"}
               for name, _, doc in grid_inputs]
    component["inputs"] = inputs
    component["outputs"] = []
    container = component["implementation"]["container"]
    container["image"] = reference.image(grid.image_name)
    operator_args = [item for item in container["command"][1:] if isinstance(item, dict)
                     and not _is_output_arg(item)]
    container["command"] = [
        "env", f"gw_backend={grid.backend}", *operator_args,
        *(_concat(env_name, name) for name, env_name, _ in grid_inputs), *worker_command(grid),
    ]
    return dump_yaml(component)  # the header comment comes with the loaded document


def _is_output_arg(item: Any) -> bool:
    return "concat" in item and any(isinstance(part, dict) and "outputPath" in part for part in item["concat"])
