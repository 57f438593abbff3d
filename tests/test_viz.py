"""``claimed-cwl viz``: the workflow graph as SVG and PNG."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from _workflow_helpers import TOOLS, build_chunked_count

from claimed_cwl.cli import main
from claimed_cwl.errors import ClaimedError
from claimed_cwl.viz import render_workflow

SVG = "{http://www.w3.org/2000/svg}"


def _svg_graph(path: Path) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Node titles -> label text, and edges (title, label) of a Graphviz SVG."""
    root = ET.parse(path).getroot()
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str]] = []
    for group in root.iter(f"{SVG}g"):
        title = group.findtext(f"{SVG}title") or ""
        text = " ".join(t.text or "" for t in group.iter(f"{SVG}text"))
        if group.get("class") == "node":
            nodes[title] = text
        elif group.get("class") == "edge":
            edges.append((title, text))
    return nodes, edges


@pytest.mark.parametrize("packed", [False, True])
def test_svg_shows_steps_edges_scatter_and_subworkflow(tmp_path: Path, packed: bool) -> None:
    wf = build_chunked_count()
    source = wf.pack(tmp_path / "wf.cwl") if packed else wf.save(tmp_path / "wf")
    picture = render_workflow(source, tmp_path / "graph.svg")
    nodes, edges = _svg_graph(picture)
    assert set(nodes) == {
        "input/n", "input/size", "step/make-lines", "step/wait-a-moment", "step/split-lines",
        "step/count-one", "step/sum-ints", "output/counts", "output/total",
    }
    assert nodes["step/count-one"] == "count-one subworkflow scatter over data"
    edge_labels = dict(edges)
    assert edge_labels["step/make-lines->step/split-lines"] == "lines -> data"
    assert edge_labels["step/split-lines->step/count-one"] == "chunks -> data"
    assert edge_labels["step/wait-a-moment->step/split-lines"] == "after"
    assert edge_labels["step/sum-ints->output/total"] == "total"
    assert len(edges) == 9


def test_png_and_cli(tmp_path: Path) -> None:
    main_cwl = build_chunked_count().save(tmp_path / "wf")
    assert main(["viz", str(main_cwl), "-o", str(tmp_path / "graph.png")]) == 0
    assert (tmp_path / "graph.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert main(["viz", str(main_cwl)]) == 0
    assert main_cwl.with_suffix(".svg").read_bytes().lstrip().startswith(b"<?xml")


def test_bad_inputs_are_clean_errors(tmp_path: Path) -> None:
    with pytest.raises(ClaimedError, match="not a CWL Workflow"):
        render_workflow(TOOLS / "make_lines.cwl", tmp_path / "g.svg")
    with pytest.raises(ClaimedError, match="unknown picture format"):
        render_workflow(TOOLS / "make_lines.cwl", tmp_path / "g.gif")
    with pytest.raises(ClaimedError, match="no such file"):
        render_workflow(tmp_path / "missing.cwl", tmp_path / "g.svg")
    assert not any(tmp_path.iterdir())
