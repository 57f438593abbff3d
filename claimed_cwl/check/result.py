"""The outcome of one preflight check: one line, saying what is missing and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CheckResult", "failed", "passed"]


@dataclass(frozen=True)
class CheckResult:
    """``name`` (engine, image, s3-bucket, ...), whether it passed, and the one-line message."""

    name: str
    ok: bool
    message: str

    def line(self) -> str:
        """``ok   name: message`` or ``FAIL name: message``."""
        return f"{'ok  ' if self.ok else 'FAIL'} {self.name}: {self.message}"


def passed(name: str, message: str) -> CheckResult:
    """A check that passed."""
    return CheckResult(name, True, message)


def failed(name: str, message: str) -> CheckResult:
    """A check that failed; ``message`` says what is missing and how to fix it, on one line."""
    return CheckResult(name, False, " ".join(message.split()))
