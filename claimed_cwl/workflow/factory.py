"""``load_operator``: a step factory from an operator source, a ``.cwl`` file, a KFP component or an image.

========================  ===============================================
source                    how it becomes a CWL CommandLineTool
========================  ===============================================
``x.py x.ipynb x.R``      parsed to an OperatorSpec, then the CWL emitter
``x.cwl``                 loaded with cwl-utils (a tool or a workflow)
``x.yaml x.yml``          a KubeFlow v1 component, converted (kfp_import)
``image:REF``             the spec in the image label ``io.claimed.spec``
========================  ===============================================
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from cwl_utils.parser import load_document_by_uri

from claimed_cwl.emit.cwl import build_tool
from claimed_cwl.emit.settings import ImageSettings
from claimed_cwl.errors import ClaimedError
from claimed_cwl.importers.kfp import kfp_to_tool
from claimed_cwl.parse import parse_operator
from claimed_cwl.workflow.process import interface_of_cwl
from claimed_cwl.workflow.step import StepFactory
from claimed_cwl.workflow.types import WorkflowError

__all__ = ["IMAGE_PREFIX", "factory_from_cwl", "load_operator"]

IMAGE_PREFIX = "image:"
_SOURCE_SUFFIXES = (".py", ".ipynb", ".r")
_KFP_SUFFIXES = (".yaml", ".yml")


def load_operator(source: str | Path, image: Any = None) -> StepFactory:
    """Return a step factory for ``source`` (see the module doc for the kinds of source).

    ``image`` (an ``ImageSettings``) names the image of an operator compiled
    from source; the default is the CWL emitter's default.
    """
    text = str(source)
    if text.startswith(IMAGE_PREFIX):
        return _from_image(text[len(IMAGE_PREFIX):])
    path = Path(text)
    if not path.is_file():
        raise ClaimedError(f"{path}: no such operator file (expected .py, .ipynb, .R, .cwl, .yaml or image:REF)")
    suffix = path.suffix.lower()
    if suffix == ".cwl":
        return _from_cwl_file(path)
    if suffix in _KFP_SUFFIXES:

        return factory_from_cwl(kfp_to_tool(path), path.stem, origin=str(path))
    if suffix in _SOURCE_SUFFIXES:
        return _from_source(path, image)
    raise ClaimedError(f"{path}: unknown kind of operator file (expected .py, .ipynb, .R, .cwl, .yaml or image:REF)")


def factory_from_cwl(process: Any, fallback_name: str, origin: str = "") -> StepFactory:
    """Return a step factory for a cwl-utils CommandLineTool, ExpressionTool or Workflow object."""
    return StepFactory(process, interface_of_cwl(process, fallback_name), origin=origin)


def _from_cwl_file(path: Path) -> StepFactory:
    try:
        document = load_document_by_uri(path.resolve())
    except Exception as exc:  # schema-salad raises its own validation errors
        raise ClaimedError(f"{path}: not a valid CWL document: {exc}") from exc
    if isinstance(document, list):
        main = [item for item in document if str(getattr(item, "id", "")).endswith("#main")]
        if len(main) != 1:
            raise ClaimedError(f"{path}: a $graph document needs one process with id 'main'")
        document = main[0]
    interface = interface_of_cwl(document, path.stem)
    if interface.name == "main":
        interface = replace(interface, name=path.stem)
    return StepFactory(document, interface, origin=str(path))


def _from_source(path: Path, image: Any) -> StepFactory:
    spec = parse_operator(path)
    tool = build_tool(spec, image or ImageSettings())
    return factory_from_cwl(tool, spec.name, origin=str(path))


def _from_image(reference: str) -> StepFactory:
    """Read the operator spec from the image's label and emit its tool, pinned to ``reference``."""
    from claimed_cwl.build.engine import docker_client  # noqa: PLC0415 - the engine only for image: steps
    from claimed_cwl.build.operator_image import image_spec  # noqa: PLC0415

    if not reference:
        raise WorkflowError("image: needs an image reference, e.g. image:claimed/claimed-filter-csv:1.0")
    spec = image_spec(docker_client(), reference)
    tool = build_tool(spec, ImageSettings.for_reference(reference))
    return factory_from_cwl(tool, spec.name, origin=f"image {reference}")
