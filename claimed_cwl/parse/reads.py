"""What the language front ends hand to the assembler: reads, writes, comments.

Each front end (Python, notebook, R) turns its source into an
:class:`Extracted`; :mod:`claimed_cwl.parse.assemble` applies the shared rules
(directives, merging, File/Directory, outputs, secrets) to build the spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from claimed_cwl.parse.notebook_cells import CellFindings
from claimed_cwl.parse.usage import Usage
from claimed_cwl.spec import DefaultValue, Dependency, ParamType

__all__ = ["Extracted", "Read", "ValueWrite"]


@dataclass(frozen=True)
class Read:
    """One read of an environment variable, with the cast around it resolved.

    ``anchors`` are the lines whose comment block above describes the read,
    most specific first (the read's own line, then its statement's first line).
    ``signature`` identifies the cast and ``default_key`` the written default,
    so that two reads of one name can be checked for agreement; the ``*_text``
    fields describe them in messages. ``path_like`` is True when the read is a
    string that the File/Directory rule may retype; ``numeric`` when the cast
    makes it a number or boolean (never an output path).
    """

    name: str
    line: int
    col: int
    anchors: tuple[int, ...]
    type: ParamType
    default: DefaultValue | None
    required: bool
    signature: tuple[object, ...]
    default_key: tuple[object, ...]
    cast_text: str
    default_text: str
    path_like: bool
    numeric: bool
    true_text: str = "True"
    false_text: str = ""


@dataclass(frozen=True)
class ValueWrite:
    """An ``os.environ['x'] = value`` assignment: a value output."""

    name: str
    line: int
    col: int
    anchors: tuple[int, ...]


@dataclass
class Extracted:
    """Everything a front end found in one source, in source order.

    ``comments`` maps each comment-only line to its text after the ``#``.
    ``dependencies`` are those found in code (R ``install.packages``);
    ``shell`` what notebook shell lines and magics install and need (read by
    :mod:`claimed_cwl.parse.dependencies` with the comments).
    ``usage`` is how the code uses each parameter, with the front end's warnings.
    """

    description: str = ""
    reads: list[Read] = field(default_factory=list)
    writes: list[ValueWrite] = field(default_factory=list)
    comments: dict[int, str] = field(default_factory=dict)
    dependencies: list[Dependency] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    shell: CellFindings = field(default_factory=CellFindings)
