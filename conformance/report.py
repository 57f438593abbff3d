"""Read what cwltest wrote (JUnit XML and badge lists), classify the failures, write the results.

A result is one run of the CWL v1.2 conformance suite by one runner: per tag
passed / failed / skipped (cwltest's "unsupported"), the status of every
test, and every failure with its cause. Causes come from
``conformance/expected_failures.yaml`` (known, explained failures per runner)
or, for the others, from patterns in the runner's message ("unexplained" when
none matches).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

__all__ = [
    "Failure",
    "Result",
    "load_expected",
    "parse_badges",
    "parse_junit",
    "read_result",
    "result_markdown",
    "write_result",
]

_STDERR_TAIL = 1500

# (cause, pattern in the failure message or stderr) for failures not in the expectation file.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("timeout", re.compile(r"Test timed out")),
    ("cwltool-path-check", re.compile(r"Invalid filename: .* contains illegal characters")),
    ("no-internet", re.compile(r"Temporary failure in name resolution|Could not resolve host|Network is unreachable|"
                               r"Name or service not known")),
    ("image-missing", re.compile(r"pull access denied|Unable to find image|manifest unknown|"
                                 r"repository does not exist")),
)


@dataclass
class Failure:
    """One failed test: its id, tags, cause, the reason and the runner's own words."""

    id: str
    tags: list[str]
    cause: str
    reason: str
    expected: bool
    message: str = ""
    stderr_tail: str = ""


@dataclass
class Result:
    """One run of the suite by one runner."""

    name: str
    command: str
    suite: str
    tags: str | None
    jobs: int
    wall_seconds: float
    versions: dict[str, str]
    totals: dict[str, int]
    per_tag: dict[str, dict[str, int]]
    tests: dict[str, str]
    failures: list[Failure] = field(default_factory=list)
    unsupported: list[Failure] = field(default_factory=list)
    """Skipped tests (the runner said the feature is unsupported), with their causes."""


def parse_junit(path: Path) -> list[dict[str, Any]]:
    """The test cases of cwltest's JUnit XML: id, tags, status, message, stderr."""
    cases = []
    for case in ET.parse(path).getroot().iter("testcase"):
        failure = case.find("failure")
        skipped = case.find("skipped")
        status = "failed" if failure is not None else "skipped" if skipped is not None else "passed"
        message = (failure.text or failure.get("message") or "") if failure is not None else ""
        cases.append({
            "id": case.get("file", ""),
            "doc": case.get("name", ""),
            "tags": [t.strip() for t in case.get("class", "").split(",") if t.strip()],
            "status": status,
            "message": message.strip(),
            "stderr": (case.findtext("system-err") or "").strip(),
        })
    return cases


_BADGE_SECTION = re.compile(r"^## List of (passed|failed|unsupported) tests")
_BADGE_ITEM = re.compile(r"^- \[(?P<id>[^\]]+)\]")


def parse_badges(badgedir: Path) -> dict[str, dict[str, int]]:
    """Per tag passed / failed / skipped / total, from the lists cwltest writes with ``--badgedir``."""
    per_tag: dict[str, dict[str, int]] = {}
    for listing in sorted(badgedir.glob("*.md")):
        counts = {"passed": 0, "failed": 0, "skipped": 0}
        section = ""
        for line in listing.read_text(encoding="utf-8").splitlines():
            if heading := _BADGE_SECTION.match(line):
                section = {"unsupported": "skipped"}.get(heading[1], heading[1])
            elif section and _BADGE_ITEM.match(line):
                counts[section] += 1
        per_tag[listing.stem] = {**counts, "total": sum(counts.values())}
    return dict(sorted(per_tag.items(), key=lambda item: (item[0] != "all", item[0])))


def load_expected(path: Path, name: str) -> dict[str, dict[str, str]]:
    """The known failures of runner ``name``: test id -> {cause, reason}."""
    if not path.exists():
        return {}
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
    section = data.get(name) or {}
    return {str(test): {"cause": str(v["cause"]), "reason": str(v["reason"])} for test, v in section.items()}


def _classify(case: Mapping[str, Any], expected: Mapping[str, Mapping[str, str]]) -> Failure:
    text = f"{case['message']}\n{case['stderr']}"
    if case["id"] in expected:
        known = expected[case["id"]]
        cause, reason, is_expected = known["cause"], known["reason"], True
    else:
        cause, reason, is_expected = "unexplained", "not in conformance/expected_failures.yaml", False
        for pattern_cause, pattern in _PATTERNS:
            if pattern.search(text):
                cause = pattern_cause
                break
    tail = case["stderr"][-_STDERR_TAIL:]
    return Failure(case["id"], case["tags"], cause, reason, is_expected, case["message"][:500], tail)


def build_result(cases: Iterable[Mapping[str, Any]], per_tag: dict[str, dict[str, int]],
                 expected: Mapping[str, Mapping[str, str]], **meta: Any) -> Result:
    """Assemble a Result from parsed cases, per-tag counts and run metadata."""
    cases = sorted(cases, key=lambda c: str(c["id"]))
    totals = {s: sum(1 for c in cases if c["status"] == s) for s in ("passed", "failed", "skipped")}
    totals["total"] = len(cases)
    failures = [_classify(c, expected) for c in cases if c["status"] == "failed"]
    unsupported = [_classify(c, expected) for c in cases if c["status"] == "skipped"]
    return Result(totals=totals, per_tag=per_tag, tests={c["id"]: c["status"] for c in cases},
                  failures=failures, unsupported=unsupported, **meta)


def write_result(result: Result, json_path: Path) -> Path:
    """Write ``result`` as JSON and its Markdown table next to it; return the Markdown path."""
    json_path.write_text(json.dumps(asdict(result), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    md_path = json_path.with_suffix(".md")
    md_path.write_text(result_markdown(result), encoding="utf-8")
    return md_path


def read_result(json_path: Path) -> Result:
    """A Result from its JSON file."""
    data = json.loads(json_path.read_text(encoding="utf-8"))
    data["failures"] = [Failure(**f) for f in data["failures"]]
    data["unsupported"] = [Failure(**f) for f in data.get("unsupported", [])]
    return Result(**data)


def tag_table(result: Result) -> list[str]:
    """The per-tag Markdown table of one result."""
    lines = ["| tag | passed | failed | skipped | total |", "|---|---:|---:|---:|---:|"]
    for tag, c in result.per_tag.items():
        name = f"**{tag}**" if tag == "all" else tag
        lines.append(f"| {name} | {c['passed']} | {c['failed']} | {c['skipped']} | {c['total']} |")
    return lines


def failure_lines(failures: Iterable[Failure]) -> list[str]:
    """A Markdown list of failures with cause and reason."""
    lines = []
    for f in failures:
        mark = "" if f.expected else " **(unexpected)**"
        lines.append(f"- `{f.id}` — *{f.cause}*{mark}: {f.reason}")
    return lines or ["- none"]


def result_markdown(result: Result) -> str:
    """The Markdown summary of one result."""
    t = result.totals
    lines = [
        f"# CWL v1.2 conformance: `{result.name}`" + (f" (tags: {result.tags})" if result.tags else ""),
        "",
        f"Command: `{result.command}`  ",
        f"Suite: {result.suite}, `-j {result.jobs}`, wall time {result.wall_seconds:.0f} s  ",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in sorted(result.versions.items())),
        "",
        f"**{t['passed']} passed, {t['failed']} failed, {t['skipped']} skipped of {t['total']}.**",
        "",
        *tag_table(result),
        "",
        "## Failures",
        "",
        *failure_lines(result.failures),
        "",
        *(["## Skipped (reported as unsupported)", "", *failure_lines(result.unsupported), ""]
          if result.unsupported else []),
    ]
    return "\n".join(lines)
