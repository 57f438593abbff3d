"""The `required` tag of the CWL v1.2 conformance suite, through claimed-cwl-runner with cwltool.

Runs conformance/run.py (cwltest -j 2; the images the suite names are seeded
by scripts/base-images.sh conformance) into a temporary results directory and
asserts that every failure is a known, explained one listed under ``cwltool``
in conformance/expected_failures.yaml. The full suite is
``python conformance/run.py`` (docs/conformance.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
HARNESS = ROOT / "conformance" / "run.py"
EXPECTED = ROOT / "conformance" / "expected_failures.yaml"
SUITE = Path(os.environ.get("CWL_CONFORMANCE_SUITE", ROOT / "conformance" / "cwl-v1.2" / "conformance_tests.yaml"))

TOOL = os.environ.get("CLAIMED_CONFORMANCE_RUNNER")  # another runner executable; default claimed-cwl-runner


def _expected() -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load(EXPECTED.read_text(encoding="utf-8"))
    return data


def test_the_suite_is_vendored_unmodified_with_licence_and_origin() -> None:
    """A clone needs nothing beside it: the harness reads the suite from the repository by default."""
    sys.path.insert(0, str(ROOT / "conformance"))
    from run import DEFAULT_SUITE
    from vendor_suite import SUITE, check

    assert DEFAULT_SUITE.resolve() == (SUITE / "conformance_tests.yaml").resolve()
    assert DEFAULT_SUITE.resolve().is_relative_to(ROOT)
    assert "Apache License" in (SUITE / "LICENSE.txt").read_text(encoding="utf-8")
    assert "commit 551d58d" in (SUITE / "ORIGIN.txt").read_text(encoding="utf-8")
    assert check() == []


def test_expected_failures_are_explained() -> None:
    for runner, failures in _expected().items():
        for test_id, entry in (failures or {}).items():
            assert entry.get("cause") and entry.get("reason"), f"{runner}/{test_id}: cause and reason needed"


@pytest.fixture(scope="module")
def required_result(tmp_path_factory: pytest.TempPathFactory, docker_client: Any) -> dict[str, Any]:
    """The result of the `required` tests through claimed-cwl-runner --backend=cwltool."""
    if not SUITE.exists():
        pytest.fail(f"CWL v1.2 conformance suite not found at {SUITE} (set CWL_CONFORMANCE_SUITE)")
    out = tmp_path_factory.mktemp("conformance")
    completed = subprocess.run(
        [sys.executable, str(HARNESS), "--backend=cwltool", "--tags=required", "-j", "2", f"--suite={SUITE}",
         f"--results={out / 'results'}", f"--work={out / 'work'}",
         *([f"--tool={TOOL}"] if TOOL else [])],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    result: dict[str, Any] = json.loads((out / "results" / "cwltool-required.json").read_text(encoding="utf-8"))
    return result


@pytest.mark.docker
def test_required_tag_passes_except_known_failures(required_result: dict[str, Any]) -> None:
    known = _expected().get("cwltool") or {}
    not_passed = [*required_result["failures"], *required_result.get("unsupported", [])]
    unexpected = {f["id"]: f["stderr_tail"][-800:] for f in not_passed if f["id"] not in known}
    assert not unexpected, f"unexpected conformance failures: {json.dumps(unexpected, indent=1)}"
    totals = required_result["totals"]
    assert totals["total"] >= 80, totals  # the suite has 84 `required` tests
    assert totals["passed"] >= totals["total"] - len(known), totals
    assert required_result["per_tag"]["required"]["total"] == totals["total"]


def test_harness_reads_what_cwltest_writes(tmp_path: Path) -> None:
    """The harness's parser on JUnit XML and badge lists in cwltest's format (no runner needed)."""
    sys.path.insert(0, str(ROOT / "conformance"))
    from report import build_result, parse_badges, parse_junit

    (tmp_path / "junit.xml").write_text(
        '<?xml version="1.0" ?><testsuites><testsuite name="conformance_tests" tests="3">'
        '<testcase name="A" class="required, command_line_tool" file="ok_test"/>'
        '<testcase name="B" class="command_line_tool, docker" file="docker_entrypoint">'
        '<failure type="failure">returned non-zero exit status 1.</failure><system-err>no ENTRYPOINT</system-err>'
        '</testcase><testcase name="C" class="command_line_tool, networkaccess" file="other">'
        '<failure type="failure">x</failure><system-err>Could not resolve host: example.org</system-err></testcase>'
        '<testcase name="D" class="inplace_update" file="modify_file_content"><skipped message="unsupported"/>'
        "</testcase></testsuite></testsuites>", encoding="utf-8")
    badges = tmp_path / "badges"
    badges.mkdir()
    (badges / "docker.md").write_text("# `docker` tests\n## List of passed tests\n## List of failed tests\n"
                                      "- [docker_entrypoint](x) ([tool](t))\n## List of unsupported tests\n")
    (badges / "all.md").write_text("# `all` tests\n## List of passed tests\n- [ok_test](x) ([tool](t))\n"
                                   "## List of failed tests\n- [docker_entrypoint](x) ([tool](t))\n- [other](x)\n"
                                   "## List of unsupported tests\n")
    expected = {"docker_entrypoint": {"cause": "seeded-image", "reason": "no ENTRYPOINT"},
                "modify_file_content": {"cause": "toil-limitation", "reason": "needs --bypass-file-store"}}
    result = build_result(parse_junit(tmp_path / "junit.xml"), parse_badges(badges), expected, name="cwltool",
                          command="c", suite="s", tags=None, jobs=2, wall_seconds=1.0, versions={})
    assert result.totals == {"passed": 1, "failed": 2, "skipped": 1, "total": 4}
    assert list(result.per_tag) == ["all", "docker"]
    assert result.per_tag["docker"] == {"passed": 0, "failed": 1, "skipped": 0, "total": 1}
    causes = {f.id: (f.cause, f.expected) for f in result.failures}
    assert causes == {"docker_entrypoint": ("seeded-image", True), "other": ("no-internet", False)}
    assert [(f.id, f.cause, f.expected) for f in result.unsupported] == [
        ("modify_file_content", "toil-limitation", True)]
