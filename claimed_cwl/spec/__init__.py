"""OperatorSpec: the one typed model of an operator that every emitter reads (its codec: :mod:`.codec`).

This module imports nothing else of claimed_cwl. The parser fills it; the
emitters (CWL, Dockerfile, KFP component, Kubernetes Job) are pure functions of
it. Instances validate themselves on construction, so an emitter may trust
every field.
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "RESERVED_INPUT_IDS",
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

_NAME_RE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# pip requirement specifiers, Debian/RPM package names: no shell metacharacters.
_PACKAGE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+\-\[\],<>=!~:@/]*$")
_R_PACKAGE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9.]*$")
# pip options a dependency may carry into the image's pip commands (value: no spaces, quotes or backslashes).
_PIP_OPTION_RE = re.compile(r"^--(?:index-url|extra-index-url|find-links|trusted-host)=[^\s'\"\\]+$|^--pre$")


class SpecError(ValueError):
    """An OperatorSpec was built with a field that breaks its invariants."""


# Control characters (C0, DEL, C1), format characters (e.g. right-to-left overrides)
# and the Unicode line and paragraph separators: none may reach a generated file raw.
_UNSAFE_CATEGORIES = ("Cc", "Cf", "Zl", "Zp")


def unsafe_character(text: str) -> str | None:
    """The first control, format or line-separator character of ``text`` (escaped), or None if there is none."""
    for char in text:
        if unicodedata.category(char) in _UNSAFE_CATEGORIES:
            return repr(char)[1:-1] if char.isascii() else f"\\u{ord(char):04x}"
    return None


class Language(StrEnum):
    """Source language of an operator; decides how it is launched."""

    PYTHON = "python"
    NOTEBOOK = "notebook"
    R = "r"


class ParamType(StrEnum):
    """Type of a parameter as CWL sees it."""

    STRING = "string"
    INT = "int"
    FLOAT = "float"
    BOOL = "boolean"
    FILE = "File"
    DIRECTORY = "Directory"


class OutputKind(StrEnum):
    """How an output leaves the container."""

    FILE = "File"  # the script writes a file at the path it is given
    DIRECTORY = "Directory"  # the script writes a directory at the path it is given
    VALUE = "string"  # the script sets os.environ[name] = value


class ParamRole(StrEnum):
    """How the script uses a parameter's value, beyond its type (docs/operators.md, "Paths")."""

    VALUE = "value"  # used as it is: a string, a number, or the path of a File/Directory
    PREFIX = "prefix"  # a directory prefix the script joins other names to for local reads and writes
    JOINED = "joined"  # a File whose name the script joins to a prefix parameter (``data_dir + name``)
    REWRITTEN = "rewritten"  # a File the script reads and then rewrites in place


# CWL job loaders turn a top-level job key with one of these names into a file:// URI
# (cwltool does for ``path`` and ``location``): such parameters get another CWL id.
RESERVED_INPUT_IDS = frozenset({"path", "location"})


class DependencyKind(StrEnum):
    """Package manager a dependency comment names."""

    PIP = "pip"
    APT = "apt"
    DNF = "dnf"
    R = "r"  # install.packages(...)


DefaultValue = str | int | float | bool


@dataclass(frozen=True)
class Parameter:
    """One input of an operator, read by the script from an environment variable.

    ``default`` is the script's own default, or None when it has none that can
    be read statically. ``required`` is True only when the script cannot run
    without the variable (``os.environ['x']``, or a cast of a getenv with no
    default); an optional input without a default is simply not set when it
    is not given, so the script's own fallback applies. ``true_text`` and
    ``false_text`` are the strings handed to the script for a CWL
    ``true``/``false`` so that the script's own cast gives the right
    boolean (for ``bool(os.getenv(...))`` false must be the empty string).
    """

    name: str
    type: ParamType
    default: DefaultValue | None = None
    required: bool = False
    description: str = ""
    secret: bool = False
    line: int = 0
    true_text: str = "True"
    false_text: str = ""
    role: ParamRole = ParamRole.VALUE
    joined_to: str = ""
    trailing_slash: bool = False

    def __post_init__(self) -> None:
        _check_identifier(self.name, "parameter")
        if self.default is not None:
            if self.required:
                raise SpecError(f"parameter {self.name!r} has a default, so it cannot be required")
            _check_default(self)
        if self.role in (ParamRole.JOINED, ParamRole.REWRITTEN) and self.type is not ParamType.FILE:
            raise SpecError(f"parameter {self.name!r}: a {self.role.value} parameter is a File")
        if self.role is ParamRole.PREFIX and self.type is not ParamType.STRING:
            raise SpecError(f"parameter {self.name!r}: a prefix parameter is a string")
        if (self.role is ParamRole.JOINED) != bool(self.joined_to):
            raise SpecError(f"parameter {self.name!r}: joined_to names the prefix of a joined File, and only that")
        if self.trailing_slash and self.type is not ParamType.DIRECTORY:
            raise SpecError(f"parameter {self.name!r}: only a Directory is passed with a trailing '/'")

    @property
    def input_id(self) -> str:
        """The CWL input id: the name, unless a job loader treats the name specially."""
        return f"{self.name}_value" if self.name in RESERVED_INPUT_IDS else self.name


@dataclass(frozen=True)
class Output:
    """One output of an operator.

    For FILE/DIRECTORY outputs the script reads the path to write from the
    environment variable ``name``; ``path`` is the relative path handed to it
    by default (the script's own default when it has one). The path can be
    set at run time (see :attr:`name_input_id`); the output collects what the
    script wrote there, under the value of the ``prefix`` parameter when the
    script joins the name to one. ``suffixes`` are extensions the writer adds
    to a name that lacks them (``np.save`` adds ``.npy``). For VALUE outputs
    the script assigns ``os.environ[name]``. A REWRITTEN output (``rewrites``
    names the parameter) is the input file after the script rewrote it;
    its ``path`` is the script's default name, written when no file is given.
    """

    name: str
    kind: OutputKind
    path: str = ""
    description: str = ""
    line: int = 0
    prefix: str = ""
    suffixes: tuple[str, ...] = ()
    rewrites: str = ""

    def __post_init__(self) -> None:
        _check_identifier(self.name, "output")
        if self.kind is OutputKind.VALUE:
            if self.path or self.prefix or self.suffixes or self.rewrites:
                raise SpecError(f"output {self.name!r}: a value output has no path")
            return
        if self.rewrites:
            if self.kind is not OutputKind.FILE or self.prefix or self.path.startswith("/") or "/" in self.path:
                raise SpecError(f"output {self.name!r}: a rewritten file has no prefix, and its path (the script's "
                                "default name, when it has one) is a plain file name")
            return
        if not self.path or self.path.startswith("/") or ".." in self.path.split("/"):
            raise SpecError(
                f"output {self.name!r}: path must be relative and inside the output directory, got {self.path!r}"
            )
        for suffix in self.suffixes:
            if not suffix.startswith(".") or "/" in suffix:
                raise SpecError(f"output {self.name!r}: suffix {suffix!r} must be an extension such as '.npy'")

    @property
    def settable(self) -> bool:
        """Tell whether the path is chosen at run time (every file or directory the script names)."""
        return self.kind is not OutputKind.VALUE and not self.rewrites

    @property
    def output_id(self) -> str:
        """The CWL output id: the name; a rewritten file's output is ``<parameter>_out``."""
        return f"{self.rewrites}_out" if self.rewrites else self.name

    @property
    def name_input_id(self) -> str:
        """The CWL id of the string input that sets the path (the name itself is the output's id)."""
        return f"{self.name}_name"


@dataclass(frozen=True)
class Dependency:
    """Packages one declaration asks for, in source order.

    For pip, ``packages`` are PEP 508 requirement strings (extras, version
    specifiers, markers, ``name @ URL``) and ``options`` the index options
    that come with them (``--index-url=URL``, ``--extra-index-url=URL``,
    ``--find-links=URL``, ``--trusted-host=HOST``, ``--pre``). ``origin``
    says where the declaration is, for messages (``cell 2, line 1``,
    ``requirements.txt, line 3``, ``import pyspark at line 4``).
    """

    kind: DependencyKind
    packages: tuple[str, ...]
    line: int = 0
    options: tuple[str, ...] = ()
    origin: str = ""

    def __post_init__(self) -> None:
        if not self.packages and not self.options:
            raise SpecError(f"line {self.line}: {self.kind.value} dependency names no package")
        for pkg in self.packages:
            if not _valid_package(self.kind, pkg):
                raise SpecError(f"line {self.line}: {pkg!r} is not a valid {self.kind.value} package name")
        for option in self.options:
            if self.kind is not DependencyKind.PIP or not _PIP_OPTION_RE.match(option):
                raise SpecError(f"line {self.line}: {option!r} is not a supported {self.kind.value} option")


@dataclass(frozen=True)
class ModuleImport:
    """A module (Python) or package (R) the operator loads, and where: checked inside the built image.

    ``where`` is the user's location (``line 7`` or ``cell 3, line 2``);
    ``optional`` is True for imports guarded by ``try``/``except ImportError``.
    """

    name: str
    where: str
    optional: bool = False

    def __post_init__(self) -> None:
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_.]*$", self.name):
            raise SpecError(f"{self.where}: {self.name!r} is not a module name")


@dataclass(frozen=True)
class Resources:
    """Resource requests of an operator; None means 'not stated'."""

    cores: float | None = None
    ram_mib: int | None = None
    gpus: int | None = None
    time_limit_s: int | None = None

    def __post_init__(self) -> None:
        for name in ("cores", "ram_mib", "gpus", "time_limit_s"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise SpecError(f"resource {name} must be positive, got {value}")

    @property
    def empty(self) -> bool:
        """True when no resource was stated."""
        return all(v is None for v in (self.cores, self.ram_mib, self.gpus, self.time_limit_s))


@dataclass(frozen=True)
class OperatorSpec:
    """Everything the emitters need to know about one operator.

    ``source_file`` is the operator's file name as copied into the image
    (basename only); ``additional_files`` likewise, relative to the build
    context, in the order given. ``network`` is True when the code reaches
    the network (a storage client, an HTTP request, a host), so runners
    must give the container network access.
    """

    name: str
    language: Language
    source_file: str
    description: str = ""
    parameters: tuple[Parameter, ...] = ()
    outputs: tuple[Output, ...] = ()
    dependencies: tuple[Dependency, ...] = ()
    resources: Resources = field(default_factory=Resources)
    additional_files: tuple[str, ...] = ()
    network: bool = False
    environment: tuple[tuple[str, str], ...] = ()
    imports: tuple[ModuleImport, ...] = ()

    def __post_init__(self) -> None:
        if not _NAME_RE.match(self.name):
            raise SpecError(f"operator name {self.name!r} must be lower case letters, digits and '-'")
        for what, file_name in (("source file", self.source_file),
                                *(("additional file", name) for name in self.additional_files)):
            _check_file_name(file_name, what)
        seen: set[str] = set()
        names = [p.name for p in self.parameters] + [o.name for o in self.outputs if not o.rewrites]
        for name in names:
            if name in seen:
                raise SpecError(f"{name!r} is both a parameter and an output, or declared twice")
            seen.add(name)
        for name, value in self.environment:
            if not _IDENT_RE.match(name):
                raise SpecError(f"environment variable name {name!r} is not an identifier")
            if name in seen:
                raise SpecError(f"{name!r} is a parameter or output and also a fixed environment variable")
            if not value.isprintable():
                raise SpecError(f"environment variable {name}: the value has a control character")
        self._check_roles()
        ids = self.cwl_ids()
        if len(set(ids)) != len(ids):
            clash = next(i for i in ids if ids.count(i) > 1)
            raise SpecError(f"two CWL ids would both be {clash!r}: rename one of the variables")

    def _check_roles(self) -> None:
        by_name = {p.name: p for p in self.parameters}
        for param in self.parameters:
            if param.joined_to and by_name.get(param.joined_to, param).role is not ParamRole.PREFIX:
                raise SpecError(f"parameter {param.name!r} is joined to {param.joined_to!r}, which is no prefix")
        for out in self.outputs:
            if out.prefix and (out.prefix not in by_name or by_name[out.prefix].role is not ParamRole.PREFIX):
                raise SpecError(f"output {out.name!r} is written under {out.prefix!r}, which is no prefix parameter")
            if out.rewrites and (out.rewrites not in by_name
                                 or by_name[out.rewrites].role is not ParamRole.REWRITTEN):
                raise SpecError(f"output {out.name!r} rewrites {out.rewrites!r}, which is no rewritten parameter")

    def cwl_ids(self) -> list[str]:
        """Every CWL id of the tool's inputs and outputs, in document order (they must be unique)."""
        ids = [p.input_id for p in self.parameters]
        ids += [o.name_input_id for o in self.outputs if o.settable]
        ids += [o.output_id for o in self.outputs]
        return ids

    def parameter(self, name: str) -> Parameter:
        """Return the parameter called ``name`` (KeyError if there is none)."""
        for param in self.parameters:
            if param.name == name:
                return param
        raise KeyError(name)

    def packages(self, kind: DependencyKind) -> tuple[str, ...]:
        """All packages of one kind, in source order, without repeats."""
        ordered: dict[str, None] = {}
        for dep in self.dependencies:
            if dep.kind is kind:
                ordered.update(dict.fromkeys(dep.packages))
        return tuple(ordered)

    def pip_options(self) -> tuple[str, ...]:
        """The pip index options of all pip dependencies, in source order, without repeats."""
        ordered: dict[str, None] = {}
        for dep in self.dependencies:
            if dep.kind is DependencyKind.PIP:
                ordered.update(dict.fromkeys(dep.options))
        return tuple(ordered)


def _valid_package(kind: DependencyKind, package: str) -> bool:
    if kind is DependencyKind.PIP:  # a PEP 508 string: printable ASCII, one line, not an option
        return bool(package) and package.isascii() and package.isprintable() and not package.startswith("-")
    if kind is DependencyKind.R:  # CRAN names: letters, digits and dots
        return bool(_R_PACKAGE_RE.match(package))
    return bool(_PACKAGE_RE.match(package))


def _check_identifier(name: str, what: str) -> None:
    if not _IDENT_RE.match(name) or keyword.iskeyword(name):
        raise SpecError(f"{what} name {name!r} is not an identifier (letters, digits, '_', not starting with a digit)")


def _check_file_name(name: str, what: str) -> None:
    """A file name is copied into the Dockerfile and the YAML headers: no control characters in it."""
    bad = unsafe_character(name)
    if bad is not None:
        raise SpecError(f"{what} name {name!r} contains the control character {bad}: rename the file")


def _check_default(param: Parameter) -> None:
    expected: dict[ParamType, tuple[type, ...]] = {
        ParamType.STRING: (str,),
        ParamType.FILE: (str,),
        ParamType.DIRECTORY: (str,),
        ParamType.INT: (int,),
        ParamType.FLOAT: (int, float),
        ParamType.BOOL: (bool,),
    }
    ok = expected[param.type]
    value = param.default
    if isinstance(value, bool) and param.type is not ParamType.BOOL:
        ok = ()
    if not isinstance(value, ok):
        raise SpecError(
            f"parameter {param.name!r} of type {param.type.value} has a default of the wrong type: {value!r}"
        )
