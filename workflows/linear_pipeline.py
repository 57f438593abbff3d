"""A linear pipeline: generate -> filter -> aggregate, and a histogram of the filtered rows.

Python script, notebook and Python-with-pip operators, connected File to File.
"""

from pathlib import Path

from claimed_cwl.workflow import Workflow, load_operator

LIBRARY = Path(__file__).resolve().parent.parent / "cwl"

generate = load_operator(LIBRARY / "generate_data" / "generate-data.cwl")
filter_csv = load_operator(LIBRARY / "filter_csv" / "filter-csv.cwl")
aggregate = load_operator(LIBRARY / "aggregate" / "aggregate.cwl")
histogram = load_operator(LIBRARY / "plot_histogram" / "plot-histogram.cwl")

with Workflow("linear-pipeline", doc="Generate data, keep the rows above a threshold, summarise them by group, "
              "and draw a histogram of the kept values.") as wf:
    seed = wf.input("seed", int, default=7, doc="seed of the synthetic data")
    rows = wf.input("rows", int, default=100, doc="number of rows to generate")
    threshold = wf.input("threshold", str, default="40", doc="keep the rows whose value is above this")
    data = generate(seed=seed, rows=rows)
    kept = filter_csv(input_file=data.outputs.output_data, column="value", op=">", value=threshold)
    summary = aggregate(input_file=kept.outputs.output_csv, group_by="group", column="value")
    picture = histogram(input_file=kept.outputs.output_csv, column="value", bins=12, title="Values above threshold")
    wf.output("kept_rows", kept.outputs.kept_rows)
    wf.output("summary", summary.outputs.output_csv)
    wf.output("histogram", picture.outputs.output_png)
