"""Hand-built OperatorSpecs for the emitter tests (independent of the parser)."""

from __future__ import annotations

from claimed_cwl.spec import (
    Dependency,
    DependencyKind,
    Language,
    OperatorSpec,
    Output,
    OutputKind,
    Parameter,
    ParamType,
    Resources,
)

SECRET_DEFAULT = "s3cr3t-Default-Value"


def full_spec() -> OperatorSpec:
    """Every kind of parameter and output, dependencies and resources."""
    return OperatorSpec(
        name="filter-csv",
        language=Language.PYTHON,
        source_file="filter_csv.py",
        description="Filter rows of a CSV file.\n\nKeeps the rows matching a query.",
        parameters=(
            Parameter("input_file", ParamType.FILE, default="data.csv", description="CSV to read"),
            Parameter("query", ParamType.STRING, required=True, description="pandas query"),
            Parameter("limit", ParamType.INT, default=10),
            Parameter("ratio", ParamType.FLOAT, default=0.5),
            Parameter("verbose", ParamType.BOOL, default=True),
            Parameter("color", ParamType.STRING, default="#ff0000"),
            Parameter("api_token", ParamType.STRING, default=SECRET_DEFAULT, secret=True),
            Parameter("note", ParamType.STRING, description='says "hi" $(x) ${y} \\ done'),
            Parameter("work_dir", ParamType.DIRECTORY),
            Parameter("dry", ParamType.BOOL, default=False, true_text="true", false_text="false"),
        ),
        outputs=(
            Output("output_file", OutputKind.FILE, path="out/result.csv"),
            Output("output_dir", OutputKind.DIRECTORY, path="plots"),
            Output("row_count", OutputKind.VALUE),
        ),
        dependencies=(
            Dependency(DependencyKind.PIP, ("pandas", "numpy==1.26")),
            Dependency(DependencyKind.APT, ("curl",)),
        ),
        resources=Resources(cores=2, ram_mib=4096, gpus=1, time_limit_s=3600),
        additional_files=("helpers/util.py",),
    )


def minimal_spec(language: Language = Language.PYTHON) -> OperatorSpec:
    """One optional string parameter, nothing else."""
    source = {Language.PYTHON: "hello.py", Language.NOTEBOOK: "hello.ipynb", Language.R: "hello.R"}[language]
    return OperatorSpec(
        name="hello",
        language=language,
        source_file=source,
        parameters=(Parameter("who", ParamType.STRING, default="world"),),
    )
