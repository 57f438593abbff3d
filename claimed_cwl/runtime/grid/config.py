"""The grid programs' flags, made from the settings table, and their values: booleans, seconds, redaction."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping

from claimed_cwl.runtime import core
from claimed_cwl.runtime.grid.errors import GridError
from claimed_cwl.runtime.grid.settings import Setting, default_text, settings_for

__all__ = [
    "add_batch_source",
    "add_setting",
    "add_settings",
    "env_value",
    "parse_bool",
    "redact",
    "seconds",
]


def parse_bool(value: str | bool | None, name: str = "value") -> bool:
    """Parse a flag as a real boolean (:func:`claimed_cwl.runtime.core.parse_bool`); GridError when it is none."""
    try:
        return core.parse_bool(value, name)
    except ValueError as exc:
        raise GridError(str(exc)) from None


def seconds(value: str | float | None, setting: Setting) -> float:
    """A number of seconds given as text (a flag, a variable), else the setting's default; GridError if not one."""
    if value in (None, ""):
        return float(setting.default or 0)
    try:
        return float(value)
    except ValueError:
        raise GridError(f"{setting.env}: expected seconds, got {value!r}") from None


def redact(text: str, environ: Mapping[str, str] | None = None) -> str:
    """Replace the value of every secret environment variable (the core's secret-name rule) in ``text`` by ``***``."""
    return core.redact_environment(text, environ)


def env_value(name: str, default: str | None = None) -> str | None:
    """Return environment variable ``name``, or ``default`` when it is unset or empty."""
    value = os.environ.get(name) if name else None
    return value if value not in (None, "") else default


def _help(setting: Setting) -> str:
    parts = [setting.doc, *setting.extra_help]
    where = [f"env {setting.env}"] if setting.env else []
    if setting.default is not None:
        where.append(f"default: {default_text(setting.default)}")
    return "; ".join(parts) + (f" ({'; '.join(where)})" if where else "")


def add_settings(parser: argparse.ArgumentParser, group: str, title: str | None = None) -> None:
    """Add the flags of the settings of ``group``, each defaulting to its environment variable.

    Booleans take an optional ``true``/``false`` (alone: true). A setting's own default applies
    when neither the flag nor the variable is given (see :func:`seconds` and :func:`parse_bool`).
    """
    target: argparse.ArgumentParser | argparse._ArgumentGroup = (
        parser.add_argument_group(title) if title else parser
    )
    for setting in settings_for(group):
        if setting.flag:
            add_setting(target, setting)


def add_setting(target: argparse.ArgumentParser | argparse._ArgumentGroup, setting: Setting) -> None:
    """Add the flag of one setting, defaulting to its environment variable (see :func:`add_settings`)."""
    default = env_value(setting.env, setting.default if isinstance(setting.default, str) else None)
    kwargs: dict[str, object] = {"default": default, "help": _help(setting)}
    if setting.choices:
        kwargs["choices"] = list(setting.choices)
    if setting.is_flag:
        kwargs.update(nargs="?", const="true")
    target.add_argument(setting.flag, **kwargs)  # type: ignore[arg-type]


def add_batch_source(parser: argparse.ArgumentParser) -> None:
    """Add the batch source flags (CLAIMED grid wrapper conventions), and ``--batches-json``."""
    add_settings(parser, "source", "batch source (CLAIMED grid wrapper conventions)")
    parser.add_argument("--batches-json", default=None,
                        help="a JSON list of batch ids written by list_batches (overrides the other source flags)")
