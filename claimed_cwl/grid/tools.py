"""The three CommandLineTools of a grid workflow: list the batches, run batches, report.

All run the grid image (the operator image plus ``claimed_cwl.runtime.grid``). Grid
settings reach the in-container modules as environment assignments (their variables) on
the ``env`` command line, exactly as the operator's own parameters do (those
bindings come from :func:`claimed_cwl.emit.cwl.build_tool`, not a copy of it), every one made from the
settings table (:mod:`claimed_cwl.runtime.grid.settings`).

Local coordinator: the coordinator Directory (and every ``--writable``
Directory) is staged with ``InitialWorkDirRequirement`` ``writable: true`` and
``InplaceUpdateRequirement``, so every job of every run bind-mounts the same
host directory. S3 coordinator: a ``s3://bucket/prefix`` string, with
``NetworkAccess``; credentials come from an AWS credentials *file* input
(``AWS_SHARED_CREDENTIALS_FILE``), never from a value.
"""

from __future__ import annotations

from typing import Any

from cwl_utils.parser import cwl_v1_2 as cwl

from claimed_cwl.emit.cwl import build_tool, cwl_literal
from claimed_cwl.emit.launch import script_path
from claimed_cwl.emit.settings import ImageSettings
from claimed_cwl.grid.spec import GridSpec
from claimed_cwl.runtime.grid.settings import (
    BACKEND,
    COORDINATOR,
    FILE_ROOT,
    IGNORE_ERRORS,
    RESULT_PREFIX,
    TOLERATE_ERRORS,
    Setting,
    settings_for,
)

__all__ = ["RESULT_FILES", "SOURCE_INPUTS", "cwl_type", "list_tool", "report_tool", "worker_tool"]

RESULT_FILES = {"batch": (f"{RESULT_PREFIX}-{{batch}}.json", f"{RESULT_PREFIX}-*.json"),
                "worker": (f"{RESULT_PREFIX}-$(inputs.worker).json", f"{RESULT_PREFIX}-$(inputs.worker).json")}
"""Each scatter job's ``{batch: outcome}`` file (the worker's ``--result-file``, the output glob), named by
its batch (the worker makes a safe file name of the id) or its worker, so that no two share a name: Toil
stages the report's inputs side by side."""
_ENV_POSITION = 0
_COMMAND_POSITION = 2
_FLAG_POSITION = 100
# Where the report binds its flags: the batch list, the result files, then its settings.
_REPORT_POSITIONS = {"batches_json": _FLAG_POSITION, "results": _FLAG_POSITION + 1, "settings": _FLAG_POSITION + 2}


def cwl_type(short: str) -> Any:
    """A short CWL type (``string?``, ``File?``, ``int[]``, ``boolean``) in the form the grid's files write."""
    if short.endswith("?"):
        return ["null", short[:-1]]
    if short.endswith("[]"):
        return {"type": "array", "items": short[:-2]}
    return short


def _binding(setting: Setting) -> Any:
    """How a setting reaches the program, made from its table entry.

    ``ENV=value`` on the ``env`` command line (a boolean: ``ENV=true`` when true, nothing when false, the
    reader's default), or the program's flag; none for a staged Directory.
    """
    if setting.env and setting.is_flag:
        return cwl.CommandLineBinding(position=_ENV_POSITION, prefix=f"{setting.env}=true")
    if setting.env:
        return cwl.CommandLineBinding(position=_ENV_POSITION, prefix=f"{setting.env}=", separate=False)
    if setting.flag:
        return cwl.CommandLineBinding(position=_REPORT_POSITIONS["settings"], prefix=setting.flag)
    return None


def _inputs(grid: GridSpec, group: str) -> list[Any]:
    """The CWL inputs of the settings of ``group`` for ``grid``'s backend, in the table's order."""
    inputs = []
    for setting in settings_for(group, grid.backend):
        type_ = setting.cwl_type(grid.backend)
        if type_:
            default = setting.default if isinstance(setting.default, bool) else None
            inputs.append(cwl.CommandInputParameter(id=setting.name, type_=cwl_type(type_), default=default,
                                                    inputBinding=_binding(setting)))
    return inputs


def _command(*items: str) -> list[Any]:
    return [
        cwl.CommandLineBinding(position=_COMMAND_POSITION + offset, valueFrom=cwl_literal(item))
        for offset, item in enumerate(items)
    ]


def _backend_argument(grid: GridSpec) -> Any:
    return cwl.CommandLineBinding(position=_ENV_POSITION, valueFrom=f"{BACKEND.env}={grid.backend}")


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


def _staged(name: str, writable: bool) -> Any:
    """A Directory input staged in the working directory under its own name."""
    return cwl.Dirent(entry=f"$(inputs.{name})", entryname=name, writable=writable)


def _local_coordinator(grid: GridSpec, writable: bool) -> list[Any]:
    return [_staged(COORDINATOR.name, writable)] if grid.backend == "local" else []


SOURCE_INPUTS = tuple(s.name for s in settings_for("source") if s.cwl)
"""Names of the batch source inputs."""


def _file_root() -> list[Any]:
    return [_staged(FILE_ROOT.name, writable=False)]


def list_tool(grid: GridSpec, image: ImageSettings) -> cwl.CommandLineTool:
    """The tool that validates and lists the batches (``batches`` to do, ``batches_json`` all, ``skipped`` done).

    Its outputs come from the ``cwl.output.json`` that ``list_batches --cwl-output`` writes, so
    no JavaScript is needed to turn the list into a CWL array.
    """
    outputs = [
        cwl.CommandOutputParameter(id="batches", type_={"type": "array", "items": "string"}),
        cwl.CommandOutputParameter(id="batches_json", type_="File"),
        cwl.CommandOutputParameter(id="skipped", type_="File"),
    ]
    ignore_errors = [i for i in _inputs(grid, "worker") if i.id == IGNORE_ERRORS.name]
    return cwl.CommandLineTool(
        id="list_batches",
        doc="Validate and list the batches (unsafe batch ids stop the run here, before any work); `batches` "
            "leaves out those already done (processed, or failed unless retried), `skipped` names them.",
        baseCommand=["env"],
        arguments=[_backend_argument(grid),
                   *_command("python", "-m", "claimed_cwl.runtime.grid.list_batches", "--output", "batches.json",
                             "--skipped", f"{RESULT_PREFIX}.skipped.json", "--cwl-output", "--quiet")],
        inputs=_inputs(grid, "source") + _inputs(grid, "coordinator") + ignore_errors,
        outputs=outputs,
        requirements=_requirements(grid, image.image(grid.image_name),
                                   _local_coordinator(grid, writable=False) + _file_root()),
    )


def worker_tool(grid: GridSpec, image: ImageSettings) -> cwl.CommandLineTool:
    """The tool run by the scatter: one batch (``batch``), or a worker loop (``worker``, ``batches_json``)."""
    reference = image.image(grid.image_name)
    operator = build_tool(grid.operator, ImageSettings.for_reference(reference))
    inputs = list(operator.inputs)
    inputs += _inputs(grid, "coordinator") + _inputs(grid, "worker")
    command = ["python", "-m", "claimed_cwl.runtime.grid.worker", "--script", script_path(grid.operator),
               "--process", grid.process]
    if grid.workers is None:
        inputs.append(cwl.CommandInputParameter(
            id="batch", type_="string", inputBinding=cwl.CommandLineBinding(position=_FLAG_POSITION, prefix="--batch=",
                                                                          separate=False),
            doc="batch id (one argument, --batch=ID: an id such as -x or --help is never taken for an option)"))
    else:
        command.append("--workers-loop")
        inputs.append(cwl.CommandInputParameter(id="worker", type_="int",
                                                doc="worker number (names the scatter job and its result file)"))
        inputs += _inputs(grid, "source")  # each worker lists (and validates) the batches itself
    command.append("--result-file")
    result_file, result_glob = RESULT_FILES["batch" if grid.workers is None else "worker"]
    arguments = [_backend_argument(grid), *_command(*command),
                 cwl.CommandLineBinding(position=_COMMAND_POSITION + len(command), valueFrom=result_file)]
    staged = _local_coordinator(grid, writable=True) + [_staged(name, writable=True) for name in grid.writable]
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
        *_inputs(grid, "coordinator"),
        cwl.CommandInputParameter(id="results", type_=cwl_type("File[]"), inputBinding=cwl.CommandLineBinding(
            position=_REPORT_POSITIONS["results"], prefix="--results")),
        *_inputs(grid, "report"),
    ]
    staged = _local_coordinator(grid, writable=False)
    if grid.workers is None:  # the list step's batches
        inputs.append(cwl.CommandInputParameter(id="batches_json", type_="File", inputBinding=cwl.CommandLineBinding(
            position=_REPORT_POSITIONS["batches_json"], prefix="--batches-json")))
    else:  # no list step: the report lists the batches as the workers did
        inputs += _inputs(grid, "source")
        staged += _file_root()
    arguments = [_backend_argument(grid)]
    return cwl.CommandLineTool(
        id="report",
        doc=f"Count the batches; exit 1 when some failed (unless {TOLERATE_ERRORS.name}) or are still pending.",
        baseCommand=["env"],
        arguments=arguments + _command("python", "-m", "claimed_cwl.runtime.grid.report", "--output", "report.json"),
        inputs=inputs,
        outputs=[cwl.CommandOutputParameter(id="report", type_="File",
                                            outputBinding=cwl.CommandOutputBinding(glob="report.json"))],
        requirements=_requirements(grid, image.image(grid.image_name), staged),
    )
