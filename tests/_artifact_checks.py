"""Conformance checks for generated artifacts, shared by the tests.

- ``validate_cwl``: ``cwltool --enable-ext --validate`` in this process, the
  CWL schema loaded once for all files (a fresh cwltool call reloads it: about
  a second each).
- ``load_cwl``: cwl-utils loads the document (the parser the project emits with).
- ``kfp_errors`` / ``job_errors``: KFP v1 component YAML against
  claimed_cwl/schemas/kfp_component_v1.json; Kubernetes Job YAML against the
  Kubernetes schema (kubernetes-validate, offline, strict).
- ``yaml_kind``: "kfp", "job" or None for a YAML document.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

__all__ = ["K8S_VERSION", "job_errors", "kfp_errors", "load_cwl", "load_yaml", "validate_cwl", "yaml_kind"]

K8S_VERSION = "1.30"
_schema = {"loaded": False}  # set once a validate_cwl call has loaded cwltool's schema in this process


def validate_cwl(paths: Iterable[Path], schema_loaded: bool = False) -> dict[Path, tuple[int, str]]:
    """``cwltool --enable-ext --validate`` of every path, in-process: path -> (exit code, log).

    After the first file a no-op ``custom_schema_callback`` keeps the loaded
    schema (with cwltool's extensions, so ``cwltool:`` hints are checked too);
    ``schema_loaded=True`` keeps it from the start; later calls in the same
    process keep it anyway.
    """
    import cwltool.main

    results: dict[Path, tuple[int, str]] = {}
    for index, path in enumerate(paths):
        out = io.StringIO()
        reuse = index or schema_loaded or _schema["loaded"]
        keep: dict[str, Any] = {"custom_schema_callback": lambda: None} if reuse else {}
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = cwltool.main.main(["--enable-ext", "--validate", str(path)], stdout=out, stderr=out, **keep)
        results[path] = (int(code), out.getvalue())
        _schema["loaded"] = True
    return results


def load_cwl(path: Path) -> Any:
    """The document at ``path`` loaded with cwl-utils (its class_ and cwlVersion checked by the caller)."""
    from cwl_utils.parser import load_document_by_uri

    return load_document_by_uri(path.resolve())


def load_yaml(path: Path) -> Any:
    """A YAML file, safe-loaded."""
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def yaml_kind(document: Any) -> str | None:
    """"job" for a Kubernetes batch/v1 Job, "kfp" for a KFP component, None otherwise."""
    if not isinstance(document, dict):
        return None
    if document.get("kind") == "Job" and str(document.get("apiVersion", "")).startswith("batch/"):
        return "job"
    if "implementation" in document:
        return "kfp"
    return None


@cache
def _kfp_validator() -> Any:
    import jsonschema  # type: ignore[import-untyped]

    text = resources.files("claimed_cwl").joinpath("schemas/kfp_component_v1.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    return jsonschema.validators.validator_for(schema)(schema)


def kfp_errors(document: Any) -> list[str]:
    """Why ``document`` is not a valid KFP v1 component (empty when it is)."""
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in _kfp_validator().iter_errors(document)]


def job_errors(document: Any) -> list[str]:
    """Why ``document`` is not a valid Kubernetes object (empty when it is)."""
    import kubernetes_validate  # type: ignore[import-untyped]

    try:
        kubernetes_validate.validate(document, K8S_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        return [str(exc)]
    return []
