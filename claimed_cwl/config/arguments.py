"""The ``--env``, ``--config`` and ``--set`` flags that every environment-aware command shares."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from claimed_cwl.config.errors import ConfigError
from claimed_cwl.config.load import Resolved, load_environment

__all__ = ["add_environment_arguments", "resolve_from_args"]


def add_environment_arguments(parser: argparse.ArgumentParser, env_required: bool = False) -> None:
    """Add ``--env NAME``, ``--config FILE`` and ``--set KEY=VALUE`` to ``parser``."""
    parser.add_argument("--env", dest="env_name", default=None, metavar="NAME", required=env_required,
                        help="execution environment: local (default), toil-local, slurm, kubernetes, or one "
                        "named in claimed-cwl.toml")
    parser.add_argument("--config", dest="config_file", type=Path, default=None, metavar="FILE",
                        help="project file (default: $CLAIMED_CWL_CONFIG, else the nearest claimed-cwl.toml)")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                        help="override one setting, e.g. --set s3.endpoint=http://127.0.0.1:9000 (repeatable)")


def _parse_settings(items: list[str]) -> dict[str, tuple[Any, str]]:
    flags: dict[str, tuple[Any, str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {item}", 0, "expected KEY=VALUE, e.g. --set slurm.partition=debug")
        flags[key.strip()] = (value, f"--set {key.strip()}")
    return flags


def resolve_from_args(args: argparse.Namespace, extra: Mapping[str, tuple[Any, str]] | None = None,
                      environ: Mapping[str, str] | None = None) -> Resolved:
    """Load the environment the flags name; ``extra`` are settings from dedicated flags (they win)."""
    flags = {**_parse_settings(getattr(args, "settings", []) or []), **(extra or {})}
    return load_environment(args.env_name, config_file=args.config_file, environ=environ, flags=flags)
