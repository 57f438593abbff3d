"""GridSpec: an OperatorSpec plus how it runs as a grid (process, backend, shape), validated on construction.

The OperatorSpec stays the single source of truth for the operator's interface;
the GridSpec adds only what the grid needs. Every grid emitter is a pure function
of a GridSpec.
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass

from claimed_cwl.errors import ClaimedError
from claimed_cwl.runtime.grid.settings import BACKENDS, PREFIX, SETTINGS
from claimed_cwl.spec import Language, OperatorSpec, ParamType

__all__ = ["BACKENDS", "GRID_INPUTS", "GridCompileError", "GridSpec"]

#: Workflow inputs the grid adds (from the settings table); an operator parameter may not have one of these names.
GRID_INPUTS = tuple(setting.name for setting in SETTINGS if setting.cwl)


class GridCompileError(ClaimedError):
    """An operator cannot be compiled as a grid (no Python, a name clash, a bad option)."""


@dataclass(frozen=True)
class GridSpec:
    """An operator run as a grid.

    ``process`` is the function called per batch; ``workers`` None means one
    scatter job per batch, N means a scatter over N workers that loop over the
    batches. ``writable`` names Directory parameters that the workers write to
    in place (the operator's output directories).
    """

    operator: OperatorSpec
    process: str = "grid_process"
    backend: str = "local"
    workers: int | None = None
    writable: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        op = self.operator
        if op.language is not Language.PYTHON:
            raise GridCompileError(f"{op.source_file}: grid operators must be Python scripts (.py), "
                                   f"not {op.language.value}")
        if not self.process.isidentifier() or keyword.iskeyword(self.process):
            raise GridCompileError(f"--process {self.process!r} is not a Python function name")
        if self.backend not in BACKENDS:
            raise GridCompileError(f"--backend must be one of {', '.join(BACKENDS)}, got {self.backend!r}")
        if self.workers is not None and not 1 <= self.workers <= 10000:
            raise GridCompileError(f"--workers must be between 1 and 10000, got {self.workers}")
        for param in op.parameters:
            if param.name in GRID_INPUTS or param.name.startswith(PREFIX):
                raise GridCompileError(
                    f"{op.source_file}:{param.line}: parameter {param.name!r} clashes with the grid's {PREFIX}* "
                    "inputs; the grid wrapper reads those itself"
                )
        names = {p.name: p for p in op.parameters}
        for name in self.writable:
            found = names.get(name)
            if found is None:
                raise GridCompileError(f"--writable {name!r}: the operator has no parameter of that name")
            if found.type is not ParamType.DIRECTORY:
                raise GridCompileError(
                    f"{op.source_file}:{found.line}: --writable {name!r} must be a Directory parameter, "
                    f"it is {found.type.value} (mark it '# claimed: type=Directory')"
                )

    @property
    def name(self) -> str:
        """The grid workflow's name: ``<operator>-grid``."""
        return f"{self.operator.name}-grid"

    @property
    def image_name(self) -> str:
        """The name the grid image is tagged under: ``<operator>-grid``, ``<operator>-grid-s3`` for the S3 backend.

        The two images differ (the S3 one has boto3), so one tag must not name both in turn.
        """
        return f"{self.name}-s3" if self.backend == "s3" else self.name

    @property
    def mode(self) -> str:
        """``per-batch`` or ``workers``."""
        return "per-batch" if self.workers is None else "workers"
