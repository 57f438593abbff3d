"""Which inputs of a CWL process are secret, as the document itself says (read from cwl-utils objects).

A document says it in two standard ways, both written by claimed-cwl (see
docs/security.md): ``cwltool:Secrets`` lists the inputs whose *value* is
secret (strings: cwltool and Toil replace them by placeholders in logs and
provenance, and our tools stage them as files, never on a command line), and
a File or Directory input whose *content* is secret carries
``claimed:secret: true`` (its path is passed as usual).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from claimed_cwl.emit.cwl import CLAIMED_NAMESPACE, CWLTOOL_NAMESPACE, SECRET_MARK

__all__ = ["SecretInputs", "secret_inputs"]


@dataclass(frozen=True)
class SecretInputs:
    """Input ids whose value is secret (``cwltool:Secrets``) and File/Directory inputs marked secret."""

    values: frozenset[str] = frozenset()
    paths: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.values or self.paths)


def _short(uri: str) -> str:
    return str(uri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _secret_lists(process: Any) -> Iterable[str]:
    """The ids listed by every ``cwltool:Secrets`` hint or requirement of ``process`` (a cwl-utils object)."""
    for item in [*(getattr(process, "hints", None) or []), *(getattr(process, "requirements", None) or [])]:
        if isinstance(item, Mapping):
            if str(item.get("class", "")) in ("cwltool:Secrets", f"{CWLTOOL_NAMESPACE}Secrets"):
                yield from (_short(name) for name in item.get("secrets", []))
        elif type(item).__name__ == "Secrets":
            yield from (_short(name) for name in getattr(item, "secrets", []))


def _marked(parameter: Any) -> bool:
    fields = getattr(parameter, "extension_fields", None) or {}
    return any(fields.get(key) is True for key in (SECRET_MARK, f"{CLAIMED_NAMESPACE}secret"))


def secret_inputs(process: Any) -> SecretInputs:
    """The secret inputs of ``process``, a tool or workflow loaded by cwl-utils."""
    return SecretInputs(
        values=frozenset(_secret_lists(process)),
        paths=frozenset(_short(p.id) for p in getattr(process, "inputs", []) if _marked(p)),
    )
