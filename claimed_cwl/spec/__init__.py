"""The OperatorSpec (the one typed model every artifact is written from) and its codec (the image label).

:mod:`claimed_cwl.spec.model` holds the model and imports nothing of ours;
:mod:`claimed_cwl.spec.codec` turns it into JSON and back.
"""

from claimed_cwl.spec.model import (
    RESERVED_INPUT_IDS,
    DefaultValue,
    Dependency,
    DependencyKind,
    Language,
    ModuleImport,
    OperatorSpec,
    Output,
    OutputKind,
    Parameter,
    ParamRole,
    ParamType,
    Resources,
    SpecError,
    unsafe_character,
)

__all__ = [
    "RESERVED_INPUT_IDS",
    "DefaultValue",
    "Dependency",
    "DependencyKind",
    "Language",
    "ModuleImport",
    "OperatorSpec",
    "Output",
    "OutputKind",
    "ParamRole",
    "ParamType",
    "Parameter",
    "Resources",
    "SpecError",
    "unsafe_character",
]
