"""Draw a CWL Workflow with Graphviz: inputs, steps, outputs and the data edges between them.

Workflow inputs are blue ellipses, outputs green ones, steps boxes labelled
with their id and the process they run. A scattered step has a double border
and a ``scatter over x`` line; a subworkflow step is a 3-D box marked
``subworkflow``. Edges carry the port names (``source port -> sink port``);
an ordering edge made by ``after()`` (an input ``claimed_after_*``) is dashed.
Needs Graphviz's ``dot`` program (Debian package ``graphviz``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import graphviz
from cwl_utils.parser import load_document_by_uri

from claimed_cwl.errors import ClaimedError
from claimed_cwl.runtime.core import atomic_write

__all__ = ["FORMATS", "render_workflow", "workflow_graph"]

FORMATS = ("svg", "png", "pdf", "dot")
_AFTER_PREFIX = "claimed_after_"


@cache
def _load(uri: str) -> Any:
    """Return the process at ``uri`` (for a ``$graph`` document: its ``#main``), loaded once."""
    document = load_document_by_uri(uri)
    if isinstance(document, list):
        main = [item for item in document if str(item.id).endswith("#main")]
        if len(main) != 1:
            raise ClaimedError(f"{uri}: a $graph document needs one process with id 'main'")
        document = main[0]
    return document


def _local(uri: str, prefix: str) -> str:
    """Return ``file:///x/wf.cwl#wf/step/port`` -> ``step/port`` (relative to the workflow's own id)."""
    fragment = uri.split("#", 1)[1] if "#" in uri else uri
    return fragment[len(prefix) + 1:] if prefix and fragment.startswith(prefix + "/") else fragment


def _process_name(run: Any) -> tuple[str, str]:
    """(name, CWL class) of a step's ``run``: a loaded process object or a URI to load."""
    process = run if not isinstance(run, str) else _load(run)
    uri = str(getattr(process, "id", "") or (run if isinstance(run, str) else ""))
    name = uri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    name = name.removesuffix(".cwl") or "process"
    if name == "main" and isinstance(run, str):
        name = run.rsplit("/", 1)[-1].split("#", 1)[0].removesuffix(".cwl")
    return name, str(getattr(process, "class_", ""))


def workflow_graph(path: str | Path) -> graphviz.Digraph:
    """Return the Graphviz graph of the CWL Workflow at ``path`` (ClaimedError if it is not one)."""
    path = Path(path)
    if not path.is_file():
        raise ClaimedError(f"{path}: no such file")
    try:
        workflow = _load(str(path.resolve()))
    except ClaimedError:
        raise
    except Exception as exc:  # schema-salad validation errors
        raise ClaimedError(f"{path}: not a valid CWL document: {exc}") from exc
    if getattr(workflow, "class_", None) != "Workflow":
        raise ClaimedError(f"{path}: not a CWL Workflow (class {getattr(workflow, 'class_', None)!r})")
    prefix = str(workflow.id).split("#", 1)[1] if "#" in str(workflow.id) else ""
    graph = graphviz.Digraph(name=prefix or path.stem, graph_attr={"rankdir": "LR", "fontname": "Helvetica"},
                             node_attr={"fontname": "Helvetica"}, edge_attr={"fontname": "Helvetica", "fontsize": "10"})
    for param in workflow.inputs:
        name = _local(param.id, prefix)
        graph.node(f"input/{name}", name, shape="ellipse", style="filled", fillcolor="#dbe9f6")
    for step in workflow.steps:
        _add_step(graph, step, prefix)
    for param in workflow.outputs:
        name = _local(param.id, prefix)
        graph.node(f"output/{name}", name, shape="ellipse", style="filled", fillcolor="#dcf2dc")
        for source in _sources(param.outputSource):
            node, port = _source_node(_local(source, prefix))
            graph.edge(node, f"output/{name}", label=port)
    return graph


def _sources(source: Any) -> list[str]:
    if source is None:
        return []
    return [source] if isinstance(source, str) else list(source)


def _source_node(local: str) -> tuple[str, str]:
    """(node name, port label) of a source: a workflow input ``n`` or a step output ``step/port``."""
    if "/" in local:
        step, port = local.rsplit("/", 1)
        return f"step/{step}", port
    return f"input/{local}", ""


def _add_step(graph: graphviz.Digraph, step: Any, prefix: str) -> None:
    step_id = _local(step.id, prefix)
    process, kind = _process_name(step.run)
    scatter = [_local(s, f"{prefix}/{step_id}" if prefix else step_id) for s in _sources(step.scatter)]
    lines = [step_id] + ([f"({process})"] if process != step_id else [])
    attrs = {"shape": "box", "style": "rounded,filled", "fillcolor": "#f5f5f5"}
    if kind == "Workflow":
        lines.append("subworkflow")
        attrs.update(shape="box3d", style="filled", fillcolor="#fff4d6")
    if scatter:
        lines.append("scatter over " + ", ".join(scatter))
        attrs["peripheries"] = "2"
    graph.node(f"step/{step_id}", "\n".join(lines), **attrs)
    for param in step.in_:
        port = _local(param.id, f"{prefix}/{step_id}" if prefix else step_id)
        for source in _sources(param.source):
            node, source_port = _source_node(_local(source, prefix))
            if port.startswith(_AFTER_PREFIX):
                graph.edge(node, f"step/{step_id}", label="after", style="dashed")
                continue
            label = f"{source_port} -> {port}" if source_port and source_port != port else port
            graph.edge(node, f"step/{step_id}", label=label)


def render_workflow(path: str | Path, output: str | Path) -> Path:
    """Draw the workflow at ``path`` into ``output``; the format comes from its suffix (svg, png, pdf, dot)."""
    output = Path(output)
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ClaimedError(f"{output}: unknown picture format {output.suffix!r} (expected one of {', '.join(FORMATS)})")
    graph = workflow_graph(path)
    if fmt == "dot":
        data = graph.source.encode("utf-8")
    else:
        try:
            data = graph.pipe(format=fmt)
        except graphviz.ExecutableNotFound as exc:
            raise ClaimedError("Graphviz's 'dot' program is not installed (Debian: apt-get install graphviz)") from exc
    return atomic_write(output, data)
