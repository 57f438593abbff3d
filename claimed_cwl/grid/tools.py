"""The three CommandLineTools of a grid workflow: list the batches, run batches, report.

All run the grid image (the operator image plus ``claimed_cwl.runtime.grid``). Grid
settings reach the in-container modules as ``gw_*`` environment assignments on
the ``env`` command line, exactly as the operator's own parameters do (those
bindings come from :func:`claimed_cwl.emit.cwl.build_tool`, not a copy of it).

Local coordinator: the ``gw_coordinator`` Directory (and every ``--writable``
Directory) is staged with ``InitialWorkDirRequirement`` ``writable: true`` and
``InplaceUpdateRequirement``, so every job of every run bind-mounts the same
host directory. S3 coordinator: a ``s3://bucket/prefix`` string, with
``NetworkAccess``; credentials come from an AWS credentials *file* input
(``gw_s3_credentials`` -> ``AWS_SHARED_CREDENTIALS_FILE``), never from a value.
"""

from __future__ import annotations

from typing import Any

from cwl_utils.parser import cwl_v1_2 as cwl

from claimed_cwl.emit.cwl import build_tool, cwl_literal
from claimed_cwl.emit.launch import script_path
from claimed_cwl.emit.settings import ImageSettings
from claimed_cwl.grid.spec import GridSpec

__all__ = ["RESULT_FILES", "SOURCE_INPUTS", "list_tool", "report_tool", "worker_tool"]

RESULT_FILES = {"batch": ("gw_result-{batch}.json", "gw_result-*.json"),
                "worker": ("gw_result-$(inputs.worker).json", "gw_result-$(inputs.worker).json")}
"""Each scatter job's ``{batch: outcome}`` file (the worker's ``--result-file``, the output glob), named by
its batch (the worker makes a safe file name of the id) or its worker, so that no two share a name: Toil
stages the report's inputs side by side."""
_ENV_POSITION = 0
_COMMAND_POSITION = 2
_FLAG_POSITION = 100
_COORDINATOR_ENTRY = "gw_coordinator"


def _env_input(name: str, type_: Any, env_name: str, doc: str | None = None, default: Any = None) -> Any:
    """An input handed to the container as ``env_name=value`` (nothing when it is null)."""
    binding = cwl.CommandLineBinding(position=_ENV_POSITION, prefix=f"{env_name}=", separate=False)
    return cwl.CommandInputParameter(id=name, type_=type_, doc=doc, default=default, inputBinding=binding)


def _bool_input(name: str, env_name: str, default: bool = False) -> Any:
    """A boolean handed over as ``env_name=true`` when true and not at all when false (the reader's default)."""
    binding = cwl.CommandLineBinding(position=_ENV_POSITION, prefix=f"{env_name}=true")
    return cwl.CommandInputParameter(id=name, type_="boolean", default=default, inputBinding=binding)


def _command(*items: str) -> list[Any]:
    return [
        cwl.CommandLineBinding(position=_COMMAND_POSITION + offset, valueFrom=cwl_literal(item))
        for offset, item in enumerate(items)
    ]


def _coordinator_inputs(grid: GridSpec) -> list[Any]:
    if grid.backend == "local":
        return [_env_input("gw_coordinator", "Directory", "gw_coordinator_path")]
    return [_env_input("gw_coordinator", "string", "gw_coordinator_path"), *_s3_inputs()]


def _s3_inputs() -> list[Any]:
    return [
        _env_input("gw_s3_credentials", ["null", "File"], "AWS_SHARED_CREDENTIALS_FILE"),
        _env_input("gw_s3_endpoint", ["null", "string"], "AWS_ENDPOINT_URL_S3"),
    ]


def _requirements(grid: GridSpec, image: str, staged: list[Any], extra: list[Any] | None = None) -> list[Any]:
    requirements: list[Any] = [cwl.DockerRequirement(dockerPull=image)]
    requirements += extra or []
    if not any(isinstance(r, cwl.ResourceRequirement) for r in requirements):
        requirements.append(cwl.ResourceRequirement(coresMin=1))
    if staged:
        requirements.append(cwl.InitialWorkDirRequirement(listing=staged))
        if any(getattr(entry, "writable", False) for entry in staged):
            requirements.append(cwl.InplaceUpdateRequirement(inplaceUpdate=True))
    if grid.backend == "s3":
        requirements.append(cwl.NetworkAccess(networkAccess=True))
    return requirements


def _writable(name: str) -> Any:
    return cwl.Dirent(entry=f"$(inputs.{name})", entryname=name, writable=True)


def _local_coordinator(grid: GridSpec, writable: bool) -> list[Any]:
    if grid.backend != "local":
        return []
    return [cwl.Dirent(entry="$(inputs.gw_coordinator)", entryname=_COORDINATOR_ENTRY, writable=writable)]


def _source_inputs() -> list[Any]:
    """The batch source inputs (CLAIMED ``gw_*`` names), for the tools that list the batches themselves."""
    return [
        _env_input("gw_batch_file", ["null", "File"], "gw_batch_file"),
        _env_input("gw_batch_url", ["null", "string"], "gw_batch_file"),
        _env_input("gw_batch_file_col_name", ["null", "string"], "gw_batch_file_col_name"),
        _env_input("gw_file_path_pattern", ["null", "string"], "gw_file_path_pattern"),
        _env_input("gw_group_by", ["null", "string"], "gw_group_by"),
        cwl.CommandInputParameter(id="gw_file_root", type_=["null", "Directory"]),
    ]


SOURCE_INPUTS = tuple(str(p.id) for p in _source_inputs())
"""Names of the batch source inputs."""


def _file_root() -> list[Any]:
    return [cwl.Dirent(entry="$(inputs.gw_file_root)", entryname="gw_file_root", writable=False)]


def list_tool(grid: GridSpec, image: ImageSettings) -> cwl.CommandLineTool:
    """The tool that validates and lists the batches (``batches`` string[] and ``batches_json`` File).

    Its outputs come from the ``cwl.output.json`` that ``list_batches --cwl-output`` writes, so
    no JavaScript is needed to turn the list into a CWL array.
    """
    outputs = [
        cwl.CommandOutputParameter(id="batches", type_={"type": "array", "items": "string"}),
        cwl.CommandOutputParameter(id="batches_json", type_="File"),
    ]
    return cwl.CommandLineTool(
        id="list_batches",
        doc="Validate and list the batches (unsafe batch ids stop the run here, before any work).",
        baseCommand=["env"],
        arguments=_command("python", "-m", "claimed_cwl.runtime.grid.list_batches", "--output", "batches.json",
                           "--cwl-output", "--quiet"),
        inputs=_source_inputs() + (_s3_inputs() if grid.backend == "s3" else []),
        outputs=outputs,
        requirements=_requirements(grid, image.image(grid.image_name), _file_root()),
    )


def worker_tool(grid: GridSpec, image: ImageSettings) -> cwl.CommandLineTool:
    """The tool run by the scatter: one batch (``batch``), or a worker loop (``worker``, ``batches_json``)."""
    reference = image.image(grid.image_name)
    operator = build_tool(grid.operator, ImageSettings.for_reference(reference))
    inputs = list(operator.inputs)
    inputs += _coordinator_inputs(grid)
    inputs += [
        _env_input("gw_lock_timeout", ["null", "float"], "gw_lock_timeout"),
        _bool_input("gw_ignore_error_files", "gw_ignore_error_files"),
    ]
    command = ["python", "-m", "claimed_cwl.runtime.grid.worker", "--script", script_path(grid.operator),
               "--process", grid.process]
    if grid.workers is None:
        inputs.append(cwl.CommandInputParameter(
            id="batch", type_="string", inputBinding=cwl.CommandLineBinding(position=_FLAG_POSITION, prefix="--batch")))
    else:
        command.append("--workers-loop")
        inputs.append(cwl.CommandInputParameter(id="worker", type_="int",
                                                doc="worker number (names the scatter job and its result file)"))
        inputs += _source_inputs()  # each worker lists (and validates) the batches itself
    command.append("--result-file")
    result_file, result_glob = RESULT_FILES["batch" if grid.workers is None else "worker"]
    arguments = [cwl.CommandLineBinding(position=_ENV_POSITION, valueFrom=f"gw_backend={grid.backend}"),
                 *_command(*command),
                 cwl.CommandLineBinding(position=_COMMAND_POSITION + len(command), valueFrom=result_file)]
    staged = _local_coordinator(grid, writable=True) + [_writable(name) for name in grid.writable]
    if grid.workers is not None:
        staged += _file_root()
    kept = [r for r in operator.requirements or [] if isinstance(r, (cwl.ResourceRequirement, cwl.ToolTimeLimit))
            and not (grid.workers is not None and isinstance(r, cwl.ToolTimeLimit))]
    return cwl.CommandLineTool(
        id="run_batches",
        doc=f"Run {grid.process}(batch_id, ...) of {grid.operator.source_file} under the coordinator.",
        baseCommand=["env"],
        arguments=arguments,
        inputs=inputs,
        outputs=[cwl.CommandOutputParameter(id="result", type_="File",
                                            outputBinding=cwl.CommandOutputBinding(glob=result_glob))],
        requirements=_requirements(grid, reference, staged, kept),
        hints=operator.hints,
        extension_fields=operator.extension_fields,
    )


def report_tool(grid: GridSpec, image: ImageSettings) -> cwl.CommandLineTool:
    """The tool that counts processed / failed / pending / skipped batches; fails on failures unless tolerated."""
    inputs = [
        *_coordinator_inputs(grid),
        cwl.CommandInputParameter(id="results", type_={"type": "array", "items": "File"},
                                  inputBinding=cwl.CommandLineBinding(position=_FLAG_POSITION + 1,
                                                                      prefix="--results")),
        cwl.CommandInputParameter(id="gw_tolerate_errors", type_="boolean", default=False,
                                  inputBinding=cwl.CommandLineBinding(position=_FLAG_POSITION + 2,
                                                                      prefix="--tolerate-errors")),
    ]
    staged = _local_coordinator(grid, writable=False)
    if grid.workers is None:  # the list step's batches
        inputs.append(cwl.CommandInputParameter(id="batches_json", type_="File", inputBinding=cwl.CommandLineBinding(
            position=_FLAG_POSITION, prefix="--batches-json")))
    else:  # no list step: the report lists the batches as the workers did
        inputs += _source_inputs()
        staged += _file_root()
    arguments = [cwl.CommandLineBinding(position=_ENV_POSITION, valueFrom=f"gw_backend={grid.backend}")]
    return cwl.CommandLineTool(
        id="report",
        doc="Count the batches; exit 1 when some failed (unless gw_tolerate_errors) or are still pending.",
        baseCommand=["env"],
        arguments=arguments + _command("python", "-m", "claimed_cwl.runtime.grid.report", "--output", "report.json"),
        inputs=inputs,
        outputs=[cwl.CommandOutputParameter(id="report", type_="File",
                                            outputBinding=cwl.CommandOutputBinding(glob="report.json"))],
        requirements=_requirements(grid, image.image(grid.image_name), staged),
    )
