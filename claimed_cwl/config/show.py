"""Print a merged environment as TOML, each value with its origin, secrets masked."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from claimed_cwl.config.load import Resolved
from claimed_cwl.config.model import KEYS
from claimed_cwl.runtime.core import MASK, looks_secret

__all__ = ["CREDENTIAL_VARIABLES", "MASK", "is_secret_name", "mask_value", "render_toml"]

# Environment variables that hold credentials: shown as set or not, their values always masked.
CREDENTIAL_VARIABLES = (
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
    "AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL_S3", "AWS_DEFAULT_REGION",
)  # fmt: skip
# Keys whose value is the *name* of a Kubernetes Secret or a credential source, never a secret itself.
_REFERENCES = {"pull_secret", "s3.credentials"}
# Variables that name a place, not a secret, although a credential-like word is in their name.
_NOT_SECRET_VARIABLES = {"AWS_ENDPOINT_URL_S3", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE"}


def is_secret_name(name: str) -> bool:
    """True for a key or variable named like a secret (the core's stricter rule, :func:`looks_secret`).

    Keys that name a Secret or a credential source, and variables that name a place, are no secrets.
    """
    return looks_secret(name) and name not in _REFERENCES and name not in _NOT_SECRET_VARIABLES


_URL_USERINFO = re.compile(r"(?<=://)[^/@\s]+(?=@)")


def mask_value(name: str, value: Any) -> Any:
    """``value``, or :data:`MASK` when ``name`` is secret-like and a value is set (and any URL user:password)."""
    if value not in (None, "") and is_secret_name(name):
        return MASK
    return _URL_USERINFO.sub(MASK, value) if isinstance(value, str) else value


def _toml_value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value) if isinstance(value, str) else str(value)


def _line(key: str, value: Any, origin: str) -> str:
    name = key.rpartition(".")[2]
    if value in (None, ""):
        return f"# {name} = (unset)".ljust(48) + f"  # {origin}"
    return f"{name} = {_toml_value(mask_value(key, value))}".ljust(48) + f"  # {origin}"


def render_toml(resolved: Resolved, environ: Mapping[str, str]) -> str:
    """TOML text of ``resolved`` with an origin comment per value and a masked credentials section."""
    env = resolved.environment
    source = str(resolved.config_file) if resolved.config_file else "none (built-in defaults)"
    lines = [f"# environment {env.name!r}; project file: {source}",
             "# origin of each value: default < file < env (variable) < flag", "",
             f"[environments.{env.name}]"]
    group = ""
    for key in KEYS:
        prefix = key.rpartition(".")[0]
        if prefix != group:
            group = prefix
            lines += ["", f"[environments.{env.name}.{prefix}]"]
        origin = resolved.origins.get(key)
        lines.append(_line(key, resolved.values.get(key), str(origin) if origin else "default"))
    lines += ["", "# credentials this process would use (from its environment; secret values masked)"]
    for variable in CREDENTIAL_VARIABLES:
        value = environ.get(variable)
        shown = "(unset)" if value is None else _toml_value(mask_value(variable, value))
        lines.append(f"# {variable} = {shown}")
    return "\n".join(lines) + "\n"
