"""A subworkflow: filter-and-summarise (filter -> aggregate) is one step of group-report.

group-report also splits the data into a Directory of per-group parts,
archives that Directory, and summarises the whole column in R.
"""

from pathlib import Path

from claimed_cwl.workflow import File, Workflow, load_operator

LIBRARY = Path(__file__).resolve().parent.parent / "cwl"

generate = load_operator(LIBRARY / "generate_data" / "generate-data.cwl")
filter_csv = load_operator(LIBRARY / "filter_csv" / "filter-csv.cwl")
aggregate = load_operator(LIBRARY / "aggregate" / "aggregate.cwl")
split = load_operator(LIBRARY / "split_csv" / "split-csv.cwl")
archive = load_operator(LIBRARY / "archive_dir" / "archive-dir.cwl")
column_stats = load_operator(LIBRARY / "column_stats" / "column-stats.cwl")

with Workflow("filter-and-summarise",
              doc="Keep the rows with count at least min_count; summarise them by group.") as sub:
    table = sub.input("table", File, doc="CSV with group, value and count columns")
    min_count = sub.input("min_count", str, default="5", doc="smallest count kept")
    kept = filter_csv(input_file=table, column="count", op=">=", value=min_count)
    summary = aggregate(input_file=kept.outputs.output_csv)
    sub.output("kept_rows", kept.outputs.kept_rows)
    sub.output("summary", summary.outputs.output_csv)

with Workflow("group-report", doc="Generate data; summarise the rows with a high count (a subworkflow); split the "
              "data by group and archive the parts; summarise the whole value column in R.") as wf:
    seed = wf.input("seed", int, default=11, doc="seed of the synthetic data")
    rows = wf.input("rows", int, default=60, doc="number of rows")
    data = generate(seed=seed, rows=rows)
    report = sub(table=data.outputs.output_data, min_count="5")
    parts = split(input_file=data.outputs.output_data, column="group")
    packed = archive(input_dir=parts.outputs.output_dir)
    stats = column_stats(input_file=data.outputs.output_data, column="value")
    wf.output("kept_rows", report.outputs.kept_rows)
    wf.output("summary", report.outputs.summary)
    wf.output("parts_archive", packed.outputs.output_archive)
    wf.output("stats", stats.outputs.output_csv)
