"""Who wrote a workflow, under which licence, where its code lives, when it was made: schema.org fields.

The fields are the ones CWL documents carry for registries (Dockstore,
WorkflowHub) under the ``s:`` (https://schema.org/) namespace: ``s:author``
(each an ``s:Person`` with name, e-mail and ORCID), ``s:license`` (an SPDX
licence URL), ``s:codeRepository`` and ``s:dateCreated``.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from claimed_cwl.errors import ClaimedError

__all__ = ["SCHEMA_ORG", "Author", "BundleMetadata", "git_code_repository", "git_date", "parse_author",
           "schema_org_fields"]

SCHEMA_ORG = "https://schema.org/"
SPDX = "https://spdx.org/licenses/"
_SPDX_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*")
_ORCID = re.compile(r"(?:https://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])")
_ORCID_LIKE = re.compile(r"(?:https?://orcid\.org/)?[0-9X-]*[0-9][0-9X-]*")
_AUTHOR = re.compile(r"(?P<name>[^<>]*[^<>\s])\s*(?:<(?P<email>[^<>@\s]+@[^<>@\s]+)>)?")


@dataclass(frozen=True)
class Author:
    """One author: a name, and optionally an e-mail address and an ORCID iD (``0000-0002-1825-0097``)."""

    name: str
    email: str | None = None
    orcid: str | None = None

    @property
    def identifier(self) -> str | None:
        """The author's ORCID URL, or None."""
        return f"https://orcid.org/{self.orcid}" if self.orcid else None


def parse_author(text: str) -> Author:
    """Read ``Name [<email>] [ORCID]``, e.g. ``Ada Lovelace <ada@example.org> 0000-0002-1825-0097``."""
    words = text.split()
    orcid = None
    if words and _ORCID_LIKE.fullmatch(words[-1]):
        found = _ORCID.fullmatch(words[-1])
        if found is None:
            raise ClaimedError(f"--author {text!r}: {words[-1]!r} is no ORCID iD (expected 0000-0000-0000-0000 "
                               "or https://orcid.org/0000-0000-0000-0000)")
        orcid = found[1]
        words = words[:-1]
    match = _AUTHOR.fullmatch(" ".join(words))
    if match is None:
        raise ClaimedError(f"--author {text!r}: expected 'Name [<email>] [ORCID]', "
                           "e.g. 'Ada Lovelace <ada@example.org> 0000-0002-1825-0097'")
    return Author(match["name"].strip(), match["email"], orcid)


@dataclass(frozen=True)
class BundleMetadata:
    """The schema.org facts of an exported workflow."""

    authors: tuple[Author, ...]
    license: str
    code_repository: str
    date_created: date

    def __post_init__(self) -> None:
        if not self.authors:
            raise ClaimedError("no author: give --author 'Name [<email>] [ORCID]' (repeatable)")
        if not _SPDX_ID.fullmatch(self.license):
            raise ClaimedError(f"--license {self.license!r}: expected an SPDX licence id, e.g. Apache-2.0 or MIT")
        if not re.match(r"^(https?|git|ssh)://\S+$", self.code_repository):
            raise ClaimedError(f"--code-repository {self.code_repository!r}: expected a URL, "
                               "e.g. https://github.com/me/my-workflows")

    @property
    def license_url(self) -> str:
        """The licence as the SPDX URL registries read."""
        return f"{SPDX}{self.license}"


def schema_org_fields(metadata: BundleMetadata) -> dict[str, Any]:
    """The ``s:`` fields of a CWL process for ``metadata`` (``$namespaces`` must map ``s`` to schema.org)."""
    authors = []
    for author in metadata.authors:
        person: dict[str, Any] = {"class": "s:Person", "s:name": author.name}
        if author.email:
            person["s:email"] = f"mailto:{author.email}"
        if author.identifier:
            person["s:identifier"] = author.identifier
        authors.append(person)
    return {"s:author": authors, "s:license": metadata.license_url,
            "s:codeRepository": metadata.code_repository, "s:dateCreated": metadata.date_created.isoformat()}


def _git(path: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(path.parent), *args], capture_output=True, text=True, check=False,
                              timeout=30)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def git_code_repository(path: Path) -> str | None:
    """The https URL of the ``origin`` remote of the git repository holding ``path``, or None."""
    remote = _git(path, "remote", "get-url", "origin")
    scp = re.fullmatch(r"[\w.-]+@(?P<host>[\w.-]+):(?P<path>\S+?)(?:\.git)?", remote)
    if scp:
        return f"https://{scp['host']}/{scp['path']}"
    if re.match(r"^(https?|git|ssh)://", remote):
        return re.sub(r"^(ssh|git)://([^@/]+@)?", "https://", remote).removesuffix(".git")
    return None


def git_date(path: Path) -> date:
    """The date of the last commit that changed ``path``; today (UTC) when git knows none."""
    text = _git(path, "log", "-1", "--format=%cs", "--", path.name)
    try:
        return date.fromisoformat(text)
    except ValueError:
        return datetime.now(UTC).date()
