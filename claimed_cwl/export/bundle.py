"""Write the bundle of one workflow: packed and pinned CWL, test parameters, ``.dockstore.yml``, Workflow RO-Crate.

Everything is made in memory and checked first (metadata, digests, the test
parameters cover every required input, their files exist), then written with
:func:`claimed_cwl.outdir.write_atomically`: nothing is half-written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from claimed_cwl.emit._yaml import dump_yaml
from claimed_cwl.errors import ClaimedError
from claimed_cwl.export.crate import crate_zip
from claimed_cwl.export.metadata import SCHEMA_ORG, BundleMetadata, schema_org_fields
from claimed_cwl.export.pin import pin_digests
from claimed_cwl.outdir import write_atomically
from claimed_cwl.workflow.save import HEADER, packed_document

__all__ = ["ExportResult", "export_workflow"]

TEST_DATA = "test-data"


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: the packed workflow, its test parameters, the crate, every path, pinned images."""

    workflow: Path
    test_job: Path
    crate: Path
    paths: tuple[Path, ...]
    pinned: dict[str, str]


def export_workflow(document: Path, out_dir: Path, metadata: BundleMetadata, client: Any, *,
                    test_job: Path | None = None, force: bool = False) -> ExportResult:
    """Export the CWL ``document`` (saved or packed) into ``out_dir``; ``client`` looks up image digests."""
    name = document.name.removesuffix(".cwl").removesuffix(".packed")
    packed = packed_document(document)
    pinned = pin_digests(packed, client)
    main = _main_process(packed)
    packed.setdefault("$namespaces", {})["s"] = SCHEMA_ORG
    main.update(schema_org_fields(metadata))
    packed = {"$namespaces": packed.pop("$namespaces"), **packed}
    job, data_files = _test_job(main, test_job)
    files: dict[str, bytes] = {
        f"{name}.cwl": dump_yaml(packed, header=HEADER).encode(),
        f"{name}.test.json": (json.dumps(job, indent=2, sort_keys=True) + "\n").encode(),
        **{f"{TEST_DATA}/{target}": source.read_bytes() for target, source in sorted(data_files.items())},
    }
    files[".dockstore.yml"] = _dockstore(name, metadata).encode()
    crate_files = {key: value for key, value in files.items() if key != ".dockstore.yml"}
    files[f"{name}.crate.zip"] = crate_zip(crate_files, f"{name}.cwl", f"{name}.test.json", name=name,
                                           description=str(main.get("doc") or main.get("label") or name),
                                           metadata=metadata)
    paths = write_atomically(out_dir, files, force=force)
    return ExportResult(out_dir / f"{name}.cwl", out_dir / f"{name}.test.json", out_dir / f"{name}.crate.zip",
                        paths, pinned)


def _main_process(packed: dict[str, Any]) -> dict[str, Any]:
    graph = packed.get("$graph")
    if not isinstance(graph, list):
        return packed
    main: dict[str, Any] | None = next((item for item in graph if item.get("id") == "#main"), None)
    if main is None:
        raise ClaimedError("the packed document has no #main process")
    return main


def _short(identifier: str) -> str:
    return identifier.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _optional(cwl_type: Any) -> bool:
    if isinstance(cwl_type, list):
        return "null" in cwl_type
    return isinstance(cwl_type, str) and cwl_type.endswith("?")


def _test_job(main: dict[str, Any], test_job: Path | None) -> tuple[dict[str, Any], dict[str, Path]]:
    """The test parameters (from ``test_job``, else the defaults) and the local files they need."""
    job: dict[str, Any] = {}
    where = "the workflow's defaults"
    if test_job is not None:
        where = str(test_job)
        try:
            loaded = YAML(typ="safe").load(test_job.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ClaimedError(f"{test_job}: cannot read the test parameters: {exc}") from exc
        if not isinstance(loaded, dict):
            raise ClaimedError(f"{test_job}: expected a mapping of input names to values")
        job = dict(loaded)
    inputs = {_short(str(item["id"])): item for item in main.get("inputs") or ()}
    unknown = sorted(set(job) - set(inputs))
    if unknown:
        raise ClaimedError(f"{where}: not inputs of the workflow: {', '.join(unknown)} "
                           f"(its inputs: {', '.join(inputs)})")
    for input_name, item in inputs.items():
        if input_name not in job and "default" in item:
            job[input_name] = item["default"]
    missing = [n for n, item in inputs.items() if n not in job and not _optional(item.get("type"))]
    if missing:
        raise ClaimedError(f"the test parameters give no value for the required input(s) {', '.join(missing)}: "
                           "write them into a job file and pass it as --test-job JOB")
    base = test_job.parent if test_job is not None else Path.cwd()
    data: dict[str, Path] = {}
    return {key: _localise(value, base, data, f"{where}: {key}") for key, value in sorted(job.items())}, data


def _localise(value: Any, base: Path, data: dict[str, Path], where: str) -> Any:
    """``value`` with each local File copied under test-data/ (its location rewritten to there)."""
    if isinstance(value, list):
        return [_localise(item, base, data, where) for item in value]
    if not isinstance(value, dict):
        return value
    if value.get("class") == "Directory":
        raise ClaimedError(f"{where}: Directory values are not supported in test parameters; give Files")
    if value.get("class") != "File":
        return {key: _localise(item, base, data, where) for key, item in value.items()}
    location = str(value.get("path") or value.get("location") or "")
    if "://" in location and not location.startswith("file://"):
        return value  # a remote file: registries fetch it themselves
    source = (base / location.removeprefix("file://")).resolve()
    if not source.is_file():
        raise ClaimedError(f"{where}: no such file {source}")
    target = source.name
    if data.get(target, source) != source:
        raise ClaimedError(f"{where}: two test files are called {target}; rename one")
    data[target] = source
    return {"class": "File", "location": f"{TEST_DATA}/{target}"}


def _dockstore(name: str, metadata: BundleMetadata) -> str:
    """``.dockstore.yml`` (version 1.2): one CWL workflow with its test parameter file and authors."""
    authors = [{key: value for key, value in (("name", a.name), ("email", a.email), ("orcid", a.orcid)) if value}
               for a in metadata.authors]
    document = {
        "version": 1.2,
        "workflows": [{
            "name": name,
            "subclass": "CWL",
            "primaryDescriptorPath": f"/{name}.cwl",
            "testParameterFiles": [f"/{name}.test.json"],
            "authors": authors,
        }],
    }
    return dump_yaml(document)
