"""Settings shared by the grid entry points: flags, their ``gw_*`` environment defaults, booleans, redaction."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping

from claimed_cwl.runtime.grid.errors import GridError

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "SECRET_ENV_NAMES",
    "add_coordinator_args",
    "add_source_args",
    "env_value",
    "parse_bool",
    "redact",
]

#: C3's default for ``gw_lock_timeout``: three hours.
DEFAULT_LOCK_TIMEOUT = 10800.0

#: Environment variables whose values are secrets: never written to a marker, a log or an error.
SECRET_ENV_NAMES = ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN")

_TRUE = frozenset({"true", "1", "yes", "y", "on", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "off", "f", "", "none"})


def parse_bool(value: str | bool | None, name: str = "value") -> bool:
    """Parse a flag as a real boolean: ``'False'``, ``'false'``, ``'0'``, ``''`` are false (unlike ``bool(str)``)."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise GridError(f"{name}: expected a boolean (true/false, 1/0, yes/no), got {value!r}")


def redact(text: str, environ: Mapping[str, str] | None = None) -> str:
    """Replace every secret environment value (see :data:`SECRET_ENV_NAMES`) found in ``text`` by ``***``."""
    env = os.environ if environ is None else environ
    for name in SECRET_ENV_NAMES:
        secret = env.get(name, "")
        if len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def env_value(name: str, default: str | None = None) -> str | None:
    """Return environment variable ``name``, or ``default`` when it is unset or empty."""
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def add_coordinator_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--backend`` and ``--coordinator`` (defaults: ``gw_backend``, ``gw_coordinator_path``)."""
    parser.add_argument(
        "--backend",
        choices=["local", "s3"],
        default=env_value("gw_backend"),
        help="where the coordination state lives (env gw_backend; default: s3 for an s3:// coordinator, else local)",
    )
    parser.add_argument(
        "--coordinator",
        default=env_value("gw_coordinator_path"),
        help="coordinator directory, or s3://bucket/prefix (env gw_coordinator_path). S3 credentials come from "
        "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_ENDPOINT_URL_S3, never from the URL",
    )


def add_source_args(parser: argparse.ArgumentParser) -> None:
    """Add the batch source flags, each defaulting to its CLAIMED ``gw_*`` environment variable."""
    group = parser.add_argument_group("batch source (CLAIMED grid wrapper conventions)")
    group.add_argument(
        "--batch-file",
        default=env_value("gw_batch_file"),
        help="batch file: .txt (comma-separated), .json (keys), .csv (a column); a path or s3://bucket/key "
        "(env gw_batch_file)",
    )
    group.add_argument(
        "--batch-file-col-name",
        default=env_value("gw_batch_file_col_name", "filename"),
        help="column of a .csv batch file (env gw_batch_file_col_name; default: filename)",
    )
    group.add_argument(
        "--file-path-pattern",
        default=env_value("gw_file_path_pattern"),
        help="glob pattern(s), comma-separated, used when there is no batch file (env gw_file_path_pattern)",
    )
    group.add_argument(
        "--group-by",
        default=env_value("gw_group_by"),
        help='rule turning a path into a batch id: a C3 expression such as "[-10:-4]" or ".split(\'.\')[-2]", '
        "or re:REGEX (first group, else the match) (env gw_group_by)",
    )
    group.add_argument(
        "--batches-json",
        default=None,
        help="a JSON list of batch ids written by list_batches (overrides the other source flags)",
    )
