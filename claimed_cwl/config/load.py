"""Merge one environment's settings: built-in default < project file < environment variables < flags.

Project file: ``claimed-cwl.toml`` (``--config FILE``, else ``$CLAIMED_CWL_CONFIG``, else the first
``claimed-cwl.toml`` in the working directory or one of its parents)::

    default_env = "local"
    [environments.slurm]
    runner = "toil"
    [environments.slurm.slurm]
    partition = "debug"

Environment variables: ``CLAIMED_CWL_<KEY>`` for every environment and
``CLAIMED_CWL_<ENV>__<KEY>`` for one (``KEY`` is the dotted key upper-cased with
``.`` as ``_``; ``ENV`` the environment name upper-cased with ``-`` as ``_``),
e.g. ``CLAIMED_CWL_S3_ENDPOINT`` and ``CLAIMED_CWL_TOIL_LOCAL__ENGINE``.
``CLAIMED_CWL_ENV`` names the environment, ``CLAIMED_CWL_CONFIG`` the file.
An empty value unsets a key.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimed_cwl.config.errors import ConfigError
from claimed_cwl.config.model import BUILTIN_ENVIRONMENTS, KEYS, Environment, build_environment, check_value

__all__ = ["CONFIG_NAME", "ENV_PREFIX", "Origin", "Resolved", "env_var_name", "find_config_file", "load_environment"]

CONFIG_NAME = "claimed-cwl.toml"
ENV_PREFIX = "CLAIMED_CWL_"
_RESERVED = {"CLAIMED_CWL_ENV", "CLAIMED_CWL_CONFIG"}
_GROUPS = {key.split(".")[0] for key in KEYS if "." in key}


@dataclass(frozen=True)
class Origin:
    """Where a value came from: ``default``, ``file``, ``env`` or ``flag``, and exactly which one."""

    kind: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind} {self.detail}".strip()


@dataclass(frozen=True)
class Resolved:
    """An environment with the merged values (dotted keys) and the origin of each."""

    environment: Environment
    values: dict[str, Any]
    origins: dict[str, Origin]
    config_file: Path | None = None
    available: tuple[str, ...] = field(default=())


def env_var_name(key: str, environment: str | None = None) -> str:
    """The variable that sets ``key`` (for every environment, or only for ``environment``)."""
    suffix = key.upper().replace(".", "_")
    if environment is None:
        return ENV_PREFIX + suffix
    return f"{ENV_PREFIX}{environment.upper().replace('-', '_')}__{suffix}"


def find_config_file(cwd: Path, environ: Mapping[str, str]) -> Path | None:
    """``$CLAIMED_CWL_CONFIG`` if set, else the nearest ``claimed-cwl.toml`` from ``cwd`` upwards."""
    if environ.get("CLAIMED_CWL_CONFIG"):
        return Path(environ["CLAIMED_CWL_CONFIG"])
    for directory in (cwd.resolve(), *cwd.resolve().parents):
        if (directory / CONFIG_NAME).is_file():
            return directory / CONFIG_NAME
    return None


def _line_of(text: str, table: str, key: str) -> int:
    """Best-effort 1-based line of ``key`` inside ``[table]`` (tomllib reports no positions); 0 if not found."""
    header = re.compile(r"^\s*\[\s*" + re.escape(table).replace(r"\.", r"\s*\.\s*") + r"\s*\]")
    key_line = re.compile(r"^\s*" + re.escape(key).replace(r"\.", r"\s*\.\s*") + r"\s*=")
    inside = table == ""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("["):
            inside = bool(header.match(line))
        elif inside and key_line.match(line):
            return number
    return 0


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict) and key in _GROUPS and not prefix:
            flat.update(_flatten(value, key + "."))
        else:
            flat[prefix + key] = value
    return flat


class _File:
    """The parsed project file, with positions for its error messages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(path, 0, f"cannot read the project file: {exc.strerror}") from exc
        try:
            data = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as exc:
            found = re.search(r"at line (\d+)", str(exc))
            raise ConfigError(path, int(found.group(1)) if found else 0, f"not valid TOML: {exc}") from exc
        unknown = sorted(set(data) - {"default_env", "environments"})
        if unknown:
            raise ConfigError(path, _line_of(self.text, "", unknown[0]),
                              f"{unknown[0]}: unknown key (expected default_env or [environments.NAME])")
        self.default_env: str | None = data.get("default_env")
        environments = data.get("environments", {})
        if not isinstance(environments, dict) or not all(isinstance(v, dict) for v in environments.values()):
            raise ConfigError(path, _line_of(self.text, "", "environments"), "environments: expected tables")
        self.environments: dict[str, dict[str, Any]] = environments

    def values(self, name: str) -> dict[str, tuple[Any, Origin]]:
        """The validated values the file sets for ``name``."""
        result: dict[str, tuple[Any, Origin]] = {}
        for key, raw in _flatten(self.environments.get(name, {})).items():
            table, _, leaf = f"environments.{name}.{key}".rpartition(".")
            if key not in KEYS:
                expected = ", ".join(sorted(KEYS))
                raise ConfigError(self.path, _line_of(self.text, table, leaf),
                                  f"environments.{name}.{key}: unknown key (expected one of: {expected})")
            value, expected = check_value(key, raw)
            if expected:
                raise ConfigError(self.path, _line_of(self.text, table, leaf),
                                  f"environments.{name}.{key}: bad value {raw!r} (expected {expected})")
            result[key] = (value, Origin("file", f"{self.path.name}:{_line_of(self.text, table, leaf)}"))
        return result


def _env_values(name: str, environ: Mapping[str, str]) -> dict[str, tuple[Any, Origin]]:
    """Values from ``CLAIMED_CWL_<KEY>`` then ``CLAIMED_CWL_<ENV>__<KEY>`` (the latter wins)."""
    by_suffix = {key.upper().replace(".", "_"): key for key in KEYS}
    mine = name.upper().replace("-", "_")
    general: dict[str, tuple[Any, Origin]] = {}
    specific: dict[str, tuple[Any, Origin]] = {}
    for variable in sorted(environ):
        if not variable.startswith(ENV_PREFIX) or variable in _RESERVED:
            continue
        scope, _, suffix = variable[len(ENV_PREFIX):].rpartition("__")
        key = by_suffix.get(suffix)
        if key is None:
            raise ConfigError(variable, 0, f"unknown setting (expected {ENV_PREFIX}[<ENV>__]<KEY> with KEY one of: "
                              f"{', '.join(sorted(by_suffix))})")
        if scope and scope != mine:
            continue
        value, expected = (None, "") if environ[variable] == "" else check_value(key, environ[variable])
        if expected:
            raise ConfigError(variable, 0, f"bad value {environ[variable]!r} for {key} (expected {expected})")
        (specific if scope else general)[key] = (value, Origin("env", variable))
    return {**general, **specific}


def _flag_values(flags: Mapping[str, tuple[Any, str]]) -> dict[str, tuple[Any, Origin]]:
    result: dict[str, tuple[Any, Origin]] = {}
    for key, (raw, flag) in flags.items():
        if key not in KEYS:
            raise ConfigError(flag, 0, f"{key}: unknown key (expected one of: {', '.join(sorted(KEYS))})")
        value, expected = (None, "") if raw in ("", None) else check_value(key, raw)
        if expected:
            raise ConfigError(flag, 0, f"bad value {raw!r} for {key} (expected {expected})")
        result[key] = (value, Origin("flag", flag))
    return result


def load_environment(
    name: str | None = None,
    *,
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    flags: Mapping[str, tuple[Any, str]] | None = None,
    cwd: Path | None = None,
) -> Resolved:
    """Merge the settings of environment ``name`` (None: ``$CLAIMED_CWL_ENV``, the file's default_env, ``local``).

    ``flags`` maps dotted keys to ``(value, the flag that gave it)``.
    """
    environ = os.environ if environ is None else environ
    path = config_file or find_config_file(cwd or Path.cwd(), environ)
    project = _File(path) if path is not None else None
    name = name or environ.get("CLAIMED_CWL_ENV") or (project.default_env if project else None) or "local"
    available = tuple(sorted({*BUILTIN_ENVIRONMENTS, *(project.environments if project else {})}))
    if name not in available:
        where = str(path) if path else f"no {CONFIG_NAME} found"
        raise ConfigError(where, 0, f"unknown environment {name!r} (expected one of: {', '.join(available)})")
    merged: dict[str, tuple[Any, Origin]] = {
        key: (value, Origin("default")) for key, value in BUILTIN_ENVIRONMENTS.get(name, {}).items()
    }
    if project is not None:
        merged.update(project.values(name))
    merged.update(_env_values(name, environ))
    merged.update(_flag_values(flags or {}))
    values = {key: value for key, (value, _) in merged.items()}
    origins = {key: origin for key, (_, origin) in merged.items()}
    environment = build_environment(name, values)
    _check_consistent(environment, path)
    return Resolved(environment, values, origins, path, available)


def _check_consistent(env: Environment, path: Path | None) -> None:
    where = str(path) if path else f"environment {env.name}"
    if env.runner == "cwltool" and env.batch_system != "single_machine":
        raise ConfigError(where, 0, f"{env.name}: batch_system {env.batch_system} needs runner = \"toil\"")
    if env.batch_system == "kubernetes" and env.engine != "singularity":
        raise ConfigError(where, 0, f"{env.name}: Toil's kubernetes batch system runs steps with Singularity: "
                          "set engine = \"singularity\"")
    if env.batch_system != "kubernetes" and env.engine == "singularity":
        raise ConfigError(where, 0, f"{env.name}: engine singularity is only for batch_system kubernetes here "
                          "(Singularity is not installed on the local machines): use docker or podman")
    if env.batch_system == "kubernetes" and not (env.job_store or "").startswith("aws:"):
        raise ConfigError(where, 0, f"{env.name}: Toil's kubernetes batch system needs an S3 job store: "
                          "set job_store = \"aws:REGION:NAME\"")
