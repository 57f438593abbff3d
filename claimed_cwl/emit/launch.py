"""Launch strategy: the container command that runs an operator, as a pure function of its spec.

The parser fills the OperatorSpec; this module alone decides how the code is
started (see docs/operators.md, "How the script is launched"). Every emitter
asks it for the command that follows the ``env NAME=value ...`` assignments.

Where the runner hands secret values over in files (the CWL tool: never on a
command line), the launcher reads them: ``--secret NAME=FILE`` sets the
variable ``NAME`` to the content of ``FILE`` before the script starts.
"""

from __future__ import annotations

from importlib import resources

from claimed_cwl.spec import Language, OperatorSpec, OutputKind, Parameter, ParamType

__all__ = [
    "APP_DIR",
    "LAUNCHER_DIR",
    "export_file",
    "interpreter_command",
    "is_value_secret",
    "launch_command",
    "launcher_files",
    "runtime_requirements",
    "script_path",
    "secret_file",
    "value_outputs",
    "value_secrets",
]

APP_DIR = "/opt/app"
LAUNCHER_DIR = "/opt/claimed"
_PY_LAUNCHER = "claimed_launcher.py"
_R_LAUNCHER = "claimed_launcher.R"
_NOTEBOOK_RUNNER = "claimed_notebook.py"
# What notebook images get besides the operator's own dependencies: the IPython that runs the cells.
NOTEBOOK_REQUIREMENT = "ipython>=8.10,<10"


def script_path(spec: OperatorSpec) -> str:
    """Return the absolute path of the operator's source file inside the image."""
    return f"{APP_DIR}/{spec.source_file}"


def value_outputs(spec: OperatorSpec) -> tuple[str, ...]:
    """Return the names of the value outputs (``os.environ[name] = ...``), in spec order."""
    return tuple(out.name for out in spec.outputs if out.kind is OutputKind.VALUE)


def export_file(name: str) -> str:
    """Return the relative file a value output is written to by default (the CWL glob)."""
    return f"{name}.value"


def is_value_secret(param: Parameter) -> bool:
    """Tell whether ``param`` is a secret whose value is text (not a File or Directory, which go by path).

    Such values are what must stay off command lines.
    """
    return param.secret and param.type not in (ParamType.FILE, ParamType.DIRECTORY)


def value_secrets(spec: OperatorSpec) -> tuple[str, ...]:
    """Return the names of the value secrets (:func:`is_value_secret`), in spec order."""
    return tuple(p.name for p in spec.parameters if is_value_secret(p))


def secret_file(name: str) -> str:
    """Return the relative file (in the working directory) that holds the value of the secret ``name``."""
    return f".claimed-secret-{name}"


def interpreter_command(spec: OperatorSpec, *, secrets_in_files: bool = False) -> list[str]:
    """Return the interpreter, the launcher when one is needed, and the script; no ``--export`` items.

    Python scripts run directly unless they have value outputs (or secrets
    that the launcher reads from files); notebooks always go through the
    Python launcher; R scripts through the R launcher.
    """
    script = script_path(spec)
    if spec.language is Language.R:
        return ["Rscript", f"{LAUNCHER_DIR}/{_R_LAUNCHER}", script]
    if spec.language is Language.NOTEBOOK or value_outputs(spec) or (secrets_in_files and value_secrets(spec)):
        return ["python", f"{LAUNCHER_DIR}/{_PY_LAUNCHER}", script]
    return ["python", script]


def launch_command(spec: OperatorSpec, export_dir: str = "", *, secrets_in_files: bool = False) -> list[str]:
    """Return the full container command after the environment assignments.

    Each value output adds ``--export NAME=PATH``; PATH is ``NAME.value``,
    under ``export_dir`` when one is given. With ``secrets_in_files`` each
    secret value adds ``--secret NAME=FILE`` (see :func:`secret_file`).
    """
    command = interpreter_command(spec, secrets_in_files=secrets_in_files)
    prefix = f"{export_dir.rstrip('/')}/" if export_dir else ""
    for name in value_outputs(spec):
        command += ["--export", f"{name}={prefix}{export_file(name)}"]
    if secrets_in_files:
        for name in value_secrets(spec):
            command += ["--secret", f"{name}={secret_file(name)}"]
    return command


def launcher_files(spec: OperatorSpec) -> dict[str, bytes]:
    """Return the launcher files the image needs: file name (copied to LAUNCHER_DIR) -> content."""
    names = [_R_LAUNCHER] if spec.language is Language.R else [_PY_LAUNCHER]
    if spec.language is Language.NOTEBOOK:
        names.append(_NOTEBOOK_RUNNER)
    package = resources.files("claimed_cwl.runtime")
    return {name: package.joinpath(name).read_bytes() for name in names}


def runtime_requirements(spec: OperatorSpec) -> tuple[str, ...]:
    """Pip requirements the launch strategy itself needs in the image (IPython for notebooks)."""
    return (NOTEBOOK_REQUIREMENT,) if spec.language is Language.NOTEBOOK else ()
