"""Write a Provenance Run Crate (Workflow Run RO-Crate 0.5) of one run with the ``rocrate`` library.

What the crate holds (https://w3id.org/ro/wfrun/provenance/0.5):

- the workflow, packed (``workflow/packed.cwl``): the main entity, with its
  inputs and outputs as ``FormalParameter`` entities, its tools as parts and
  its steps as ``HowToStep`` entities;
- one ``CreateAction`` for the run (the workflow as instrument, its input
  values as object, its outputs as result, start and end time, status), and
  one per job of a step (the tool as instrument, the step's inputs and
  outputs, times, and ``containerImage``: the image by name, tag, id and
  registry digest), each under a ``ControlAction`` of its step, all under an
  ``OrganizeAction`` of the engine;
- the run's input and output files (copied, with ``sha1`` and
  ``contentSize``); intermediate files are described by checksum and size.

Secrets never reach it: every text the run masks (the values and files of
secret inputs) is replaced by ``(secret)`` before anything is written, and
inputs declared secret (``cwltool:Secrets``) get no value at all.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from claimed_cwl.emit._yaml import dump_yaml
from claimed_cwl.errors import ClaimedError
from claimed_cwl.provenance.record import StepRecord
from claimed_cwl.runtime.core import redact
from claimed_cwl.workflow.save import HEADER, packed_document

__all__ = ["RunFacts", "check_target", "write_run_crate"]

PROFILES = ("https://w3id.org/ro/wfrun/process/0.5", "https://w3id.org/ro/wfrun/workflow/0.5",
            "https://w3id.org/ro/wfrun/provenance/0.5", "https://w3id.org/workflowhub/workflow-ro-crate/1.0")
WORKFLOW = "workflow/packed.cwl"
DOCKER_IMAGE = "https://w3id.org/ro/terms/workflow-run#DockerImage"
SECRET = "(secret)"


@dataclass(frozen=True)
class RunFacts:
    """Everything about a run that the crate describes, besides its jobs."""

    document: Path
    engine: str
    engine_version: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    started: datetime
    ended: datetime
    succeeded: bool
    container_engine: str = "docker"
    secret_inputs: frozenset[str] = frozenset()
    mask: tuple[str, ...] = ()


def write_run_crate(directory: Path, facts: RunFacts, steps: Sequence[StepRecord]) -> Path:
    """Write the crate of the run into ``directory`` (created; must not hold a crate already); return it."""
    from rocrate.rocrate import ROCrate  # noqa: PLC0415 - rocrate only for provenance

    check_target(directory)
    packed = packed_document(facts.document)
    with tempfile.TemporaryDirectory(prefix="claimed-prov-") as tmp:
        source = Path(tmp) / "packed.cwl"
        source.write_text(dump_yaml(packed, header=HEADER), encoding="utf-8")
        crate = ROCrate(gen_preview=False)
        builder = _Builder(crate, facts, packed)
        builder.describe(source, steps)
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.absolute().parent))
        try:
            crate.write(staging)
            _scrub(staging / "ro-crate-metadata.json", facts.mask)
            directory.mkdir(parents=True, exist_ok=True)
            for item in staging.iterdir():
                shutil.move(str(item), directory / item.name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return directory


def check_target(directory: Path) -> None:
    """Refuse a ``--provenance`` directory that exists and is not empty (checked before the run, and again)."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ClaimedError(f"--provenance {directory}: exists and is not an empty directory; give a new one")


def _scrub(metadata: Path, mask: Sequence[str]) -> None:
    """Replace every masked text in the metadata file by ``(secret)``."""
    text = metadata.read_text(encoding="utf-8")
    metadata.write_text(redact(text, (json.dumps(secret)[1:-1] for secret in mask), SECRET), encoding="utf-8")


def _short(identifier: str) -> str:
    return identifier.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


class _Builder:
    """Adds the entities of one run to a crate."""

    def __init__(self, crate: Any, facts: RunFacts, packed: dict[str, Any]) -> None:
        self.crate, self.facts = crate, facts
        graph = packed.get("$graph")
        processes = graph if isinstance(graph, list) else [{**packed, "id": "#main"}]
        self.processes = {_short(str(p.get("id", "#main"))): p for p in processes}
        self.files: dict[str, Any] = {}
        self.single_tool: Any = None
        main = self.processes.get("main", {})
        self.step_runs = {_short(str(s["id"])): _short(str(s["run"])) for s in main.get("steps") or ()
                          if isinstance(s.get("run"), str)}
        self.images: dict[str, Any] = {}

    def add(self, entity_id: str, kind: str | list[str], /, **properties: Any) -> Any:
        from rocrate.model.contextentity import ContextEntity  # noqa: PLC0415

        return self.crate.add(ContextEntity(self.crate, entity_id, properties={"@type": kind, **properties}))

    def describe(self, source: Path, steps: Sequence[StepRecord]) -> None:
        crate = self.crate
        main = self.processes.get("main") or next(iter(self.processes.values()))
        workflow = crate.add_workflow(source, dest_path=WORKFLOW, main=True, lang="cwl", gen_cwl=False)
        if main.get("class") != "Workflow":  # a tool run alone: its one job ran the main entity
            self.single_tool = workflow
        workflow.properties()["@type"] = ["File", "SoftwareSourceCode", "ComputationalWorkflow", "HowTo"]
        workflow["name"] = str(main.get("label") or self.facts.document.stem)
        self._parameters(workflow, main, WORKFLOW)
        tools = {name: self._tool(name, process) for name, process in self.processes.items() if name != "main"}
        if tools:
            workflow["hasPart"] = [{"@id": tool.id} for tool in tools.values()]
        how_to = {}
        for position, step in enumerate(main.get("steps") or (), 1):
            name = _short(str(step["id"]))
            how_to[name] = self.add(f"{WORKFLOW}#main/{name}", "HowToStep", name=name, position=str(position),
                                    workExample={"@id": tools[_short(str(step["run"]))].id}
                                    if isinstance(step.get("run"), str) and _short(str(step["run"])) in tools
                                    else None)
        if how_to:
            workflow["step"] = [{"@id": s.id} for s in how_to.values()]
        run = self.add("#run", "CreateAction", name=f"Run of {workflow['name']}", instrument={"@id": workflow.id},
                       startTime=self.facts.started.isoformat(), endTime=self.facts.ended.isoformat(),
                       actionStatus=_status(self.facts.succeeded),
                       object=self._values(self.facts.inputs, WORKFLOW, "inputs", copy=True),
                       result=self._values(self.facts.outputs, WORKFLOW, "outputs", copy=True))
        controls = [self._job(number, record, tools, how_to) for number, record in enumerate(steps, 1)]
        engine = self.add(f"#{self.facts.engine}", "SoftwareApplication", name=self.facts.engine,
                          softwareVersion=self.facts.engine_version)
        self.add("#organize", "OrganizeAction", name=f"{self.facts.engine} ran the workflow",
                 instrument={"@id": engine.id}, result={"@id": run.id},
                 object=[{"@id": c.id} for c in controls if c is not None],
                 startTime=self.facts.started.isoformat(), endTime=self.facts.ended.isoformat())
        root = crate.root_dataset
        for profile in PROFILES:
            name, version = profile.rsplit("/", 2)[-2:]
            self.add(profile, ["CreativeWork", "Profile"], name=name, version=version)
        root["conformsTo"] = [{"@id": profile} for profile in PROFILES]
        root["mentions"] = [{"@id": run.id}]
        root["name"] = f"Provenance of a run of {workflow['name']}"
        root["datePublished"] = self.facts.ended.isoformat()
        root["license"] = "https://spdx.org/licenses/CC0-1.0"

    def _parameters(self, entity: Any, process: dict[str, Any], base: str) -> None:
        for key in ("inputs", "outputs"):
            params = []
            for item in process.get(key) or ():
                name = _short(str(item["id"]))
                params.append({"@id": self.add(f"{base}#{_short_scope(str(item['id']))}", "FormalParameter",
                                               name=name, additionalType=_additional(item.get("type")),
                                               conformsTo={"@id": "https://bioschemas.org/profiles/FormalParameter/1.0-RELEASE"},
                                               ).id})
            if params:
                entity["input" if key == "inputs" else "output"] = params

    def _tool(self, name: str, process: dict[str, Any]) -> Any:
        tool = self.add(f"{WORKFLOW}#{name}", "SoftwareApplication", name=str(process.get("label") or name))
        self._parameters(tool, process, WORKFLOW)
        return tool

    def _job(self, number: int, record: StepRecord, tools: dict[str, Any], how_to: dict[str, Any]) -> Any:
        step_name = _step_of(record.step or record.name, self.step_runs)
        tool_name = _short(record.tool) if record.tool else self.step_runs.get(_short(step_name), "")
        tool = tools.get(tool_name, self.single_tool)
        action = self.add(f"#job-{number}", "CreateAction", name=f"Job {record.name}",
                          instrument={"@id": tool.id} if tool is not None else None,
                          startTime=record.started.isoformat() if record.started else None,
                          endTime=record.ended.isoformat() if record.ended else None,
                          actionStatus=_status(record.status in ("success", "cached")),
                          object=self._values(self._scrubbed_inputs(record), "", "", copy=False),
                          result=self._values(record.outputs, "", "", copy=False))
        process = self.processes.get(tool_name) or (self.processes["main"] if self.single_tool else {})
        image = _docker_pull(process)
        if image is not None:
            action["containerImage"] = {"@id": self._image(image).id}
        step = how_to.get(_short(step_name))
        if step is None:
            return None
        return self.add(f"#control-{number}", "ControlAction", name=f"orchestrate {step_name}",
                        instrument={"@id": step.id}, object={"@id": action.id})

    def _scrubbed_inputs(self, record: StepRecord) -> dict[str, Any]:
        """A job's inputs without those its tool or the run declares secret (not even a checksum of a secret file)."""
        tool = self.processes.get(_short(record.tool)) or (self.processes["main"] if self.single_tool else {})
        hidden = self.facts.secret_inputs | _secret_names(tool)
        return {k: v for k, v in record.inputs.items() if k not in hidden}

    def _image(self, image: str) -> Any:
        if image not in self.images:
            facts = image_facts(self.facts.container_engine, image)
            self.images[image] = self.add(f"#image-{len(self.images) + 1}", "ContainerImage",
                                          additionalType={"@id": DOCKER_IMAGE}, **facts)
        return self.images[image]

    def _values(self, values: dict[str, Any], base: str, folder: str, *, copy: bool) -> list[dict[str, str]]:
        """Entities for the values of an input or output object: Files by checksum, other values as PropertyValue."""
        found = []
        for name, value in values.items():
            if name in self.facts.secret_inputs:
                continue
            for entity in self._value(name, value, folder, copy=copy):
                parameter = self.crate.get(f"{base}#main/{name}") if base else None
                if parameter is not None:
                    entity["exampleOfWork"] = {"@id": parameter.id}
                found.append({"@id": entity.id})
        return found

    def _value(self, name: str, value: Any, folder: str, *, copy: bool) -> list[Any]:
        if isinstance(value, list) and any(isinstance(v, dict) for v in value):
            return [e for item in value for e in self._value(name, item, folder, copy=copy)]
        if isinstance(value, dict) and value.get("class") == "File":
            return [self._file(value, folder, copy=copy)]
        if isinstance(value, dict) and value.get("class") == "Directory":
            return [e for item in value.get("listing") or () for e in self._value(name, item, folder, copy=copy)]
        text = json.dumps(value) if not isinstance(value, str) else value
        return [self.add(f"#pv-{name}-{hashlib.sha1(text.encode()).hexdigest()[:12]}", "PropertyValue",
                         name=name, value=text)]

    def _file(self, value: dict[str, Any], folder: str, *, copy: bool) -> Any:
        path = Path(str(value.get("path") or str(value.get("location", "")).removeprefix("file://")))
        checksum = str(value.get("checksum", "")).removeprefix("sha1$")
        if not checksum and path.is_file():
            checksum = hashlib.sha1(path.read_bytes()).hexdigest()
        key = checksum or str(path)
        if key in self.files:
            return self.files[key]
        properties = {"name": value.get("basename") or path.name, "sha1": checksum or None,
                      "contentSize": str(value["size"]) if "size" in value else None}
        if copy and path.is_file():
            entity = self.crate.add_file(path, dest_path=f"{folder}/{checksum[:8]}-{path.name}",
                                         properties={k: v for k, v in properties.items() if v is not None})
        else:
            entity = self.add(f"#file-{key[:40]}", "File", **properties)
        self.files[key] = entity
        return entity


def _secret_names(process: dict[str, Any]) -> frozenset[str]:
    """Inputs of a packed process that are secret: listed by ``cwltool:Secrets``, or marked ``claimed:secret``."""
    names: set[str] = set()
    for key in ("hints", "requirements"):
        for entry in process.get(key) or ():
            if isinstance(entry, dict) and str(entry.get("class", "")).endswith("Secrets"):
                names.update(_short(str(name)) for name in entry.get("secrets") or ())
    for item in process.get("inputs") or ():
        if any(str(key).endswith("secret") and value is True for key, value in item.items()):
            names.add(_short(str(item["id"])))
    return frozenset(names)


def _step_of(job_name: str, steps: dict[str, str]) -> str:
    """The step of a job (``steps``: step -> tool of the main workflow).

    cwltool names a job and its step ``STEP`` or ``STEP_2`` (numbered per process); Toil ``WORKFLOW.STEP.TOOL``,
    or ``WORKFLOW.INDEX.TOOL`` for a scatter job, whose tool is named like its step in claimed-cwl's workflows.
    """
    found = next((part for part in job_name.split(".") if part in steps), None)
    if found is not None:
        return found
    return job_name.rsplit("_", 1)[0] if job_name.rsplit("_", 1)[-1].isdigit() else job_name


def _short_scope(identifier: str) -> str:
    return identifier.rsplit("#", 1)[-1]


def _additional(cwl_type: Any) -> str:
    base = cwl_type[-1] if isinstance(cwl_type, list) and cwl_type else cwl_type
    if isinstance(base, dict):
        return "Collection" if base.get("type") == "array" else "StructuredValue"
    return {"File": "File", "Directory": "Dataset", "int": "Integer", "long": "Integer", "float": "Float",
            "double": "Float", "boolean": "Boolean"}.get(str(base).rstrip("?"), "Text")


def _status(ok: bool) -> str:
    return "http://schema.org/CompletedActionStatus" if ok else "http://schema.org/FailedActionStatus"


def _docker_pull(process: dict[str, Any]) -> str | None:
    for key in ("requirements", "hints"):
        for entry in process.get(key) or ():
            if isinstance(entry, dict) and entry.get("class") == "DockerRequirement":
                pull = entry.get("dockerImageId") or entry.get("dockerPull")
                return str(pull) if pull else None
    return None


def image_facts(engine: str, image: str) -> dict[str, Any]:
    """Name, tag, registry, image id and registry digest (``sha256``) of ``image`` as the local engine knows it."""
    from claimed_cwl.build.builder import split_image  # noqa: PLC0415

    repository, tag = split_image(image) if "@" not in image else (image.split("@", 1)[0], None)
    first = repository.split("/", 1)[0]
    registry = first if "/" in repository and ("." in first or ":" in first or first == "localhost") else "docker.io"
    facts: dict[str, Any] = {"name": repository, "tag": tag, "registry": registry}
    try:
        done = subprocess.run([engine, "image", "inspect", "--format", "{{json .}}", image],
                              capture_output=True, text=True, check=False, timeout=60)
        attrs = json.loads(done.stdout) if done.returncode == 0 else {}
    except (OSError, subprocess.SubprocessError, json.JSONDecodeError):
        attrs = {}
    digests = [str(d).partition("@")[2] for d in attrs.get("RepoDigests") or () if str(d).startswith(repository + "@")]
    if digests:
        facts["sha256"] = digests[0].removeprefix("sha256:")
    if attrs.get("Id"):
        facts["identifier"] = str(attrs["Id"])
        facts.setdefault("sha256", str(attrs["Id"]).removeprefix("sha256:"))
    return {k: v for k, v in facts.items() if v is not None}
