"""The secret inputs of a CWL document at run time: which they are, where values come from, what to mask.

Which inputs are secret is read from the document (:mod:`claimed_cwl.cwl_secrets`).
``claimed-cwl run`` reads a secret value that the job file and the flags do
not give from the environment variable ``CLAIMED_SECRET_<input id>``, warns
when one is given as a flag (any local user sees it in ``ps``) or sits in a
job file that others may read, hides secret values and the paths of secret
files in the log lines it passes on, and refuses ``--provenance`` (which copies
every input file into the research object) when a secret file is given.
"""

from __future__ import annotations

import logging
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from claimed_cwl.cwl_secrets import SecretInputs
from claimed_cwl.errors import ClaimedError
from claimed_cwl.runtime.core import MASK, MIN_REDACTED, redact

__all__ = [
    "MASK",
    "SECRET_ENV_PREFIX",
    "MaskFilter",
    "check_provenance",
    "mask_text",
    "mask_texts",
    "secrets_from_environment",
    "warn_exposed",
]

log = logging.getLogger(__name__)

SECRET_ENV_PREFIX = "CLAIMED_SECRET_"


def secrets_from_environment(secrets: SecretInputs, given: Mapping[str, Any],
                             environ: Mapping[str, str]) -> dict[str, str]:
    """Values of the secret inputs that ``given`` lacks, from ``CLAIMED_SECRET_<id>`` in ``environ``."""
    return {name: environ[f"{SECRET_ENV_PREFIX}{name}"] for name in sorted(secrets.values)
            if name not in given and f"{SECRET_ENV_PREFIX}{name}" in environ}


def warn_exposed(secrets: SecretInputs, job: Path | None, job_values: Mapping[str, Any],
                 flag_names: Iterable[str]) -> None:
    """Warn about secret values given where others can read them: as flags, or in a job file others may read."""
    for name in sorted(set(flag_names) & secrets.values):
        log.warning("input %s is secret, but was given as a command-line flag, which every local user can read "
                    "(ps) while the run lasts: put it in a job file with mode 0600, or in the environment "
                    "variable %s%s", name, SECRET_ENV_PREFIX, name)
    if job is None:
        return
    held = sorted(secrets.values & {name for name, value in job_values.items() if value is not None})
    try:
        mode = stat.S_IMODE(job.stat().st_mode)
    except OSError:
        return
    if held and mode & 0o077:
        log.warning("%s holds the secret input(s) %s and can be read by other users (mode %04o): chmod 600 %s",
                    job, ", ".join(held), mode, job)


def _locations(value: Any) -> Iterable[str]:
    """Every location and path string of the File/Directory objects in ``value`` (with the URI's path too)."""
    if isinstance(value, list):
        for item in value:
            yield from _locations(item)
    elif isinstance(value, Mapping):
        for key in ("location", "path"):
            where = value.get(key)
            if isinstance(where, str) and where:
                yield where
                if where.startswith("file:"):
                    yield unquote(urlparse(where).path)
        for item in value.values():
            if isinstance(item, list | Mapping):
                yield from _locations(item)


def mask_texts(secrets: SecretInputs, job: Mapping[str, Any]) -> tuple[str, ...]:
    """The texts to hide in log lines: secret values, and the locations of secret files, longest first."""
    texts: set[str] = set()
    for name in secrets.values:
        if isinstance(job.get(name), str | int | float) and not isinstance(job.get(name), bool):
            texts.add(str(job[name]))
    for name in secrets.paths:
        texts.update(_locations(job.get(name)))
    return tuple(sorted((text for text in texts if len(text) >= MIN_REDACTED), key=lambda t: (-len(t), t)))


def mask_text(text: str, texts: Iterable[str]) -> str:
    """``text`` with every one of ``texts`` replaced by :data:`MASK`."""
    return redact(text, texts, MASK)


class MaskFilter(logging.Filter):
    """A logging filter that hides :func:`mask_texts` in every record it passes."""

    def __init__(self, texts: Iterable[str]) -> None:
        super().__init__()
        self.texts = tuple(texts)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with the texts masked; never drop a record."""
        message = record.getMessage()
        masked = mask_text(message, self.texts)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def check_provenance(secrets: SecretInputs, job: Mapping[str, Any], backend_args: Iterable[str]) -> None:
    """Refuse ``--provenance`` when a secret File or Directory is given: its content would be copied."""
    if not any(arg == "--provenance" or arg.startswith("--provenance=") for arg in backend_args):
        return
    given = sorted(name for name in secrets.paths if job.get(name) is not None)
    if given:
        raise ClaimedError(f"input(s) {', '.join(given)} hold secret files: --provenance copies the content of "
                           "every input file into the research object; run without --provenance")
