"""What the parser hands back besides the spec: each parameter's decision with its evidence, and warnings.

``claimed-cwl compile --explain`` prints the explanations; every compile
prints the warnings (risky code the interface cannot fix: a write to an
absolute path, a ``bool('False')`` default, a read through an unknown
function, a read whose name is computed, ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from claimed_cwl.spec import OperatorSpec

__all__ = ["Analysis", "Diagnostic", "Explanation", "format_explanations"]


@dataclass(frozen=True)
class Explanation:
    """How one parameter became what it is: the decision, the rule, and the uses that decided it.

    ``evidence`` lines are ``location: code (kind)``, located as the user sees
    the source (``line 12`` or ``cell 3, line 2``).
    """

    name: str
    decision: str
    reason: str
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Diagnostic:
    """A warning about the operator: where (``op.py:12``, ``op.ipynb (cell 3):2``) and what."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass(frozen=True)
class Analysis:
    """A parsed operator: the spec, an explanation per parameter (source order) and the warnings."""

    spec: OperatorSpec
    explanations: tuple[Explanation, ...] = ()
    warnings: tuple[Diagnostic, ...] = ()
    network: tuple[str, ...] = ()  # the calls that reach the network, located as the user sees them


def format_explanations(source: str, explanations: Sequence[Explanation], network: Sequence[str] = ()) -> str:
    """The ``--explain`` report: one block per parameter, evidence indented below its decision."""
    lines = [f"{source}: how each parameter was decided"]
    for item in explanations:
        lines.append(f"  {item.name}: {item.decision}")
        lines.append(f"      why: {item.reason}")
        lines.extend(f"      {evidence}" for evidence in item.evidence)
    if network:
        lines.append("  network access: needed (CWL NetworkAccess), for")
        lines.extend(f"      {call}" for call in network)
    return "\n".join(lines) + "\n"
