"""A scatter: one data set and one R summary per seed, then the summaries merged and the data sets archived.

The scattered steps give lists of files; the hand-written ExpressionTool
collect_files gathers a list into a Directory for the Directory operators.
"""

from pathlib import Path

from claimed_cwl.workflow import Workflow, load_operator

LIBRARY = Path(__file__).resolve().parent.parent / "cwl"

generate = load_operator(LIBRARY / "generate_data" / "generate-data.cwl")
column_stats = load_operator(LIBRARY / "column_stats" / "column-stats.cwl")
collect = load_operator(LIBRARY / "collect_files" / "collect_files.cwl")
merge = load_operator(LIBRARY / "merge_csv" / "merge-csv.cwl")
archive = load_operator(LIBRARY / "archive_dir" / "archive-dir.cwl")

with Workflow("scatter-seeds", doc="Generate one data set per seed, summarise each in R, merge the summaries "
              "into one CSV and archive the data sets.") as wf:
    seeds = wf.input("seeds", list[int], default=[1, 2, 3], doc="one data set per seed")
    rows = wf.input("rows", int, default=30, doc="rows per data set")
    data = generate.scatter("seed", over=seeds, rows=rows)
    stats = column_stats.scatter("input_file", over=data.outputs.output_data, column="value")
    stats_dir = collect(files=stats.outputs.output_csv, dirname="stats", prefix="seed-").named("collect-stats")
    merged = merge(input_dir=stats_dir.outputs.output_dir, source_column="source")
    data_dir = collect(files=data.outputs.output_data, dirname="datasets", prefix="data-").named("collect-data")
    packed = archive(input_dir=data_dir.outputs.output_dir)
    wf.output("stats", stats.outputs.output_csv)
    wf.output("merged_stats", merged.outputs.output_csv)
    wf.output("data_archive", packed.outputs.output_archive)
