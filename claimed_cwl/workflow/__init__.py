"""Compose operators into CWL v1.2 Workflows from Python.

::

    from claimed_cwl.workflow import File, Workflow, load_operator

    make = load_operator("cwl/make_table/make_table.cwl")
    count = load_operator("cwl/count_rows/count_rows.cwl")

    with Workflow("make-and-count") as wf:
        rows = wf.input("rows", int, default=10)
        table = make(rows=rows)
        wf.output("count", count(table=table.outputs.table).outputs.count)

    wf.save("workflows/make_and_count")      # the workflow and its tools
    wf.pack("workflows/make_and_count.cwl")  # one self-contained file
"""

from claimed_cwl.workflow.factory import factory_from_cwl, load_operator
from claimed_cwl.workflow.step import InputRef, OutputRef, Ref, Step, StepFactory
from claimed_cwl.workflow.types import Directory, File, PortType, WorkflowError
from claimed_cwl.workflow.workflow import Workflow

__all__ = [
    "Directory",
    "File",
    "InputRef",
    "OutputRef",
    "PortType",
    "Ref",
    "Step",
    "StepFactory",
    "Workflow",
    "WorkflowError",
    "factory_from_cwl",
    "load_operator",
]
