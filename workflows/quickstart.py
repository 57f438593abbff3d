"""Quick start: generate a synthetic table and draw a histogram of it (the README walk-through)."""

from pathlib import Path

from claimed_cwl.workflow import Workflow, load_operator

LIBRARY = Path(__file__).resolve().parent.parent / "cwl"

generate = load_operator(LIBRARY / "generate_data" / "generate-data.cwl")
histogram = load_operator(LIBRARY / "plot_histogram" / "plot-histogram.cwl")

with Workflow("quickstart", doc="Generate a synthetic table and draw a histogram of its values.") as wf:
    seed = wf.input("seed", int, default=42, doc="seed of the synthetic data")
    rows = wf.input("rows", int, default=200, doc="number of rows")
    data = generate(seed=seed, rows=rows)
    picture = histogram(input_file=data.outputs.output_data, column="value", bins=20, title="Synthetic values")
    wf.output("data", data.outputs.output_data)
    wf.output("histogram", picture.outputs.output_png)
