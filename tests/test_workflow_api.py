"""The Python workflow API: build-time checks, saved and packed CWL."""

from __future__ import annotations

from pathlib import Path

import pytest
from _workflow_helpers import KFP, TOOLS, build_chunked_count, cwltool_validate
from ruamel.yaml import YAML

from claimed_cwl.workflow import File, Workflow, WorkflowError, load_operator


@pytest.fixture
def tools() -> dict[str, object]:
    return {
        "make": load_operator(TOOLS / "make_lines.cwl"),
        "count": load_operator(TOOLS / "count_lines.cwl"),
        "split": load_operator(TOOLS / "split_lines.cwl"),
        "total": load_operator(TOOLS / "sum_ints.cwl"),
        "head": load_operator(TOOLS / "docker_head.cwl"),
    }


def test_factory_reads_the_interface(tools: dict) -> None:
    count = tools["count"]
    assert count.name == "count-lines"
    assert [(p.name, str(p.type), p.required) for p in count.interface.inputs] == [
        ("data", "File", True), ("label", "string", False)
    ]
    assert [(p.name, str(p.type)) for p in count.interface.outputs] == [("count", "int")]
    assert str(tools["split"].interface.output("chunks").type) == "File[]"


def test_type_mismatch_names_both_ends(tools: dict) -> None:
    with Workflow("w") as _, pytest.raises(WorkflowError) as err:
        lines = tools["make"](n=3)
        counted = tools["count"](data=lines.outputs.lines)
        tools["count"](data=counted.outputs.count)
    assert str(err.value) == "type mismatch: count-lines.count (int) -> count-lines-2.data (File)"


def test_literal_of_the_wrong_type(tools: dict) -> None:
    with Workflow("w"), pytest.raises(WorkflowError, match=r"make-lines\.n \(int\): 'three' is not a valid int"):
        tools["make"](n="three")


def test_unknown_input_names_step_and_port(tools: dict) -> None:
    with Workflow("w"), pytest.raises(WorkflowError) as err:
        tools["make"](count=3)
    assert "step 'make-lines' (make-lines) has no input 'count'; its inputs: n" in str(err.value)


def test_missing_required_input_names_step_and_port(tools: dict) -> None:
    with Workflow("w"), pytest.raises(WorkflowError) as err:
        tools["count"](label="x")
    assert str(err.value) == "step 'count-lines' (count-lines): missing required input 'data' (File)"


def test_unknown_output_names_step_and_port(tools: dict) -> None:
    with Workflow("w"):
        step = tools["make"](n=1)
        with pytest.raises(WorkflowError, match=r"step 'make-lines' .* has no output 'text'; outputs: lines"):
            _ = step.outputs.text


def test_cycle_through_after_names_the_steps(tools: dict) -> None:
    with Workflow("w"):
        first = tools["make"](n=2)
        second = tools["count"](data=first.outputs.lines)
        third = tools["make"](n=second.outputs.count)
        with pytest.raises(WorkflowError) as err:
            first.after(third)
    assert "cycle between steps: make-lines -> make-lines-2 -> count-lines -> make-lines" in str(err.value)


def test_step_outside_a_workflow_is_an_error(tools: dict) -> None:
    with pytest.raises(WorkflowError, match=r"inside a 'with Workflow"):
        tools["make"](n=1)


def test_value_of_another_workflow_is_rejected(tools: dict) -> None:
    with Workflow("a") as a:
        n = a.input("n", int)
    with Workflow("b"), pytest.raises(WorkflowError, match="belongs to workflow 'a', not 'b'"):
        tools["make"](n=n)


def test_scatter_needs_a_list_of_the_right_type(tools: dict) -> None:
    with Workflow("w") as wf:
        lines = tools["make"](n=2)
        not_a_list = r"count-lines\.data: scatter needs a list, but make-lines\.lines is File"
        with pytest.raises(WorkflowError, match=not_a_list):
            tools["count"].scatter("data", over=lines.outputs.lines)
        numbers = wf.input("numbers", list[int])
        mismatch = r"type mismatch: input 'numbers' .* \(int\) -> count-lines\.data \(File\)"
        with pytest.raises(WorkflowError, match=mismatch):
            tools["count"].scatter("data", over=numbers)


def test_scatter_makes_outputs_lists(tools: dict) -> None:
    with Workflow("w"):
        chunks = tools["split"](data=tools["make"](n=4).outputs.lines)
        counted = tools["count"].scatter("data", over=chunks.outputs.chunks)
        assert str(counted.outputs.count.type) == "int[]"
        tools["total"](values=counted.outputs.count)
        with pytest.raises(WorkflowError, match="type mismatch"):
            tools["make"](n=counted.outputs.count)


def test_subworkflow_interface_and_misuse(tools: dict) -> None:
    with Workflow("inner") as inner:
        data = inner.input("data", File)
        inner.input("note", str, default="x")
        inner.output("count", tools["count"](data=data).outputs.count)
    with Workflow("outer"):
        with pytest.raises(WorkflowError, match="missing required input 'data'"):
            inner(note="y")
        with pytest.raises(WorkflowError, match="no input 'nope'"):
            inner(data=File("a.txt"), nope=1)
    with inner, pytest.raises(WorkflowError, match="cannot be a step of 'inner'"):
        inner(data=File("a.txt"))


def test_workflow_input_and_output_names(tools: dict) -> None:
    with Workflow("w") as wf:
        wf.input("n", int, default=3)
        with pytest.raises(WorkflowError, match="input name 'n' is already used"):
            wf.input("n", int)
        with pytest.raises(WorkflowError, match="bad default 'x'"):
            wf.input("m", int, default="x")
        with pytest.raises(WorkflowError, match="unsupported input type"):
            wf.input("d", dict)
        with pytest.raises(WorkflowError, match="expected a step output"):
            wf.output("o", 3)  # type: ignore[arg-type]


def test_save_writes_valid_deterministic_cwl(tmp_path: Path) -> None:
    first = build_chunked_count().save(tmp_path / "a")
    build_chunked_count().save(tmp_path / "b")
    names = sorted(p.name for p in first.parent.iterdir())
    assert names == [
        "chunked-count.cwl", "count-lines.cwl", "count-one.cwl", "make-lines.cwl",
        "split-lines.cwl", "sum-ints.cwl", "wait-a-moment.cwl",
    ]
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
        assert "_:" not in (tmp_path / "a" / name).read_text()
    cwltool_validate(first)
    document = YAML(typ="safe").load(first.read_text())
    classes = [r["class"] for r in document["requirements"]]
    assert classes == ["SubworkflowFeatureRequirement", "ScatterFeatureRequirement"]
    steps = {step["id"]: step for step in document["steps"]}
    assert steps["count-one"]["scatter"] == "data"
    assert steps["count-one"]["run"] == "count-one.cwl"
    assert {"id": "claimed_after_wait-a-moment", "source": "wait-a-moment/claimed_done"} in steps["split-lines"]["in"]
    assert {"id": "claimed_after_make-lines", "source": "make-lines/lines"} in steps["wait-a-moment"]["in"]
    outputs = {o["id"]: o for o in document["outputs"]}
    assert outputs["counts"] == {"id": "counts", "outputSource": "count-one/count", "type": "int[]"}
    inputs = {i["id"]: i for i in document["inputs"]}
    assert inputs["n"]["default"] == 5


def test_pack_writes_one_valid_deterministic_file(tmp_path: Path) -> None:
    first = build_chunked_count().pack(tmp_path / "a.cwl")
    second = build_chunked_count().pack(tmp_path / "b.cwl")
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text()
    assert str(tmp_path) not in text and "_:" not in text
    document = YAML(typ="safe").load(text)
    ids = [item["id"] for item in document["$graph"]]
    assert ids[0] == "#main"
    assert set(ids) == {"#main", "#count-one.cwl", "#count-lines.cwl", "#make-lines.cwl", "#split-lines.cwl",
                        "#sum-ints.cwl", "#wait-a-moment.cwl"}
    cwltool_validate(first)


def test_docker_tool_and_kfp_component_in_one_workflow(tmp_path: Path, tools: dict) -> None:
    kfp_count = load_operator(KFP / "count_lines.yaml")
    with Workflow("mixed") as wf:
        text = wf.input("text", File)
        head = tools["head"](data=text, lines=2)
        counted = kfp_count(text=head.outputs.head, max_lines=10)
        wf.output("count", counted.outputs.count)
        wf.output("report", counted.outputs.report_dir)
    main = wf.save(tmp_path / "mixed")
    cwltool_validate(main)
    cwltool_validate(wf.pack(tmp_path / "mixed.packed.cwl"))
    document = YAML(typ="safe").load(main.read_text())
    assert {o["id"]: o["type"] for o in document["outputs"]} == {"count": "File", "report": "Directory"}


def test_operator_source_becomes_a_step(tmp_path: Path) -> None:
    corpus = Path(__file__).parent / "corpus"
    operator = load_operator(corpus / "filter_csv.py")
    assert operator.interface.kind == "CommandLineTool"
    required = [p for p in operator.interface.inputs if p.required]
    with Workflow("from-source") as wf:
        arguments = {p.name: wf.input(p.name, p.type) for p in required}
        step = operator(**arguments)
        for port in operator.interface.outputs:
            wf.output(port.name, step[port.name])
    cwltool_validate(wf.save(tmp_path / "src"))


def test_save_refuses_an_empty_workflow(tmp_path: Path) -> None:
    with pytest.raises(WorkflowError, match="has no steps"):
        Workflow("empty").save(tmp_path / "x")
    assert not (tmp_path / "x").exists()
