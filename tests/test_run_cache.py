"""`claimed-cwl run --cache DIR`: finished steps are re-used, a step whose image was rebuilt runs again.

A three-step workflow (make -> shout -> count) of operators built here runs
three times with one cache: all three steps run; then none runs; then, after
``shout`` is changed and rebuilt under the same tag (its CWL is unchanged:
only the image differs), exactly ``shout`` and ``count`` run. Which steps ran
is read from cwltool's job events (``[job NAME] ... docker run`` when a job
starts its container, ``[job NAME] Using cached output in ...`` when it is
re-used), which ``claimed-cwl run`` echoes. Plain ``cwltool --cachedir``,
whose key names the image only by its tag, is run beside it and re-uses the
stale ``shout``: that is the defect ``--cache`` fixes.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _toy_operators import SHOUT, build_toy, three_steps

from claimed_cwl.cli import main
from claimed_cwl.emit import ArtifactSettings, ImageSettings

pytestmark = [pytest.mark.docker, pytest.mark.slow]

CWLTOOL = str(Path(sys.executable).with_name("cwltool"))
SETTINGS = ArtifactSettings(image=ImageSettings(repository="claimed-test", version="cache"))
STEPS = {"make-text", "shout", "count-chars"}


def _build(docker_client: Any, root: Path, name: str, text: str) -> Path:
    return build_toy(docker_client, root, name, text, SETTINGS)


# cwltool numbers the jobs of one process: the second in-process run's make-text is make-text_2
_JOB = r"^INFO \[job (?P<step>[^\]]+?)(?:_\d+)?\] "


def _ran(stderr: str) -> set[str]:
    """Steps whose job started a container, from cwltool's '[job NAME] DIR$ docker run ...' events."""
    return {match["step"] for match in re.finditer(_JOB + r"\S*\$ docker", stderr, re.MULTILINE)}


def _cached(stderr: str) -> set[str]:
    """Steps whose outputs came from the cache, from cwltool's '[job NAME] Using cached output in DIR' events."""
    return {match["step"] for match in re.finditer(_JOB + "Using cached output in ", stderr, re.MULTILINE)}


@pytest.fixture
def workflow(docker_client: Any, python_base_image: str, tmp_path: Path) -> Path:
    """The three-step workflow, saved; shout keeps the text as it is."""
    return three_steps(docker_client, tmp_path, SETTINGS)


def _run(workflow: Path, cache: Path, outdir: Path, capfd: pytest.CaptureFixture[str]) -> tuple[str, str]:
    code = main(["run", "--parallel", f"--cache={cache}", f"--outdir={outdir}", str(workflow)])
    captured = capfd.readouterr()
    assert code == 0, captured.err[-3000:]
    count = json.loads(captured.out)["count"]
    return Path(count["path"]).read_text(encoding="utf-8").strip(), captured.err


def _plain_cwltool(workflow: Path, cache: Path, outdir: Path) -> tuple[str, str]:
    done = subprocess.run([CWLTOOL, "--disable-color", f"--cachedir={cache}", f"--outdir={outdir}", str(workflow)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return Path(json.loads(done.stdout)["count"]["path"]).read_text(encoding="utf-8").strip(), done.stderr


def test_rebuilt_image_reruns_its_step_and_those_after_it(docker_client: Any, workflow: Path, tmp_path: Path,
                                                          capfd: pytest.CaptureFixture[str]) -> None:
    cache, plain_cache = tmp_path / "cache", tmp_path / "plain-cache"
    count, log = _run(workflow, cache, tmp_path / "out1", capfd)
    assert count == "0"  # "hello cache" has no upper-case letter
    assert _ran(log) == STEPS and not _cached(log)
    _plain_cwltool(workflow, plain_cache, tmp_path / "plain1")

    count, log = _run(workflow, cache, tmp_path / "out2", capfd)
    assert count == "0"
    assert not _ran(log) and _cached(log) == STEPS
    assert re.search(r"^shout(_\d+)?\s+cached\s", log, re.MULTILINE), log  # the summary says so too

    # shout now upper-cases its text; its tool (the interface) is the same, only its image changes
    tool = tmp_path / "out" / "shout" / "shout.cwl"
    before = tool.read_text(encoding="utf-8")
    _build(docker_client, tmp_path, "shout", SHOUT.format(change=".upper()"))
    assert tool.read_text(encoding="utf-8") == before

    count, log = _run(workflow, cache, tmp_path / "out3", capfd)
    assert count == "10"  # HELLO CACHE
    assert _ran(log) == {"shout", "count-chars"}
    assert _cached(log) == {"make-text"}

    # what --cache fixes: cwltool's own key holds the image's tag only, so it re-uses the stale shout
    count, stale_log = _plain_cwltool(workflow, plain_cache, tmp_path / "plain2")
    assert count == "0"
    assert _cached(stale_log) == STEPS


def test_cache_needs_the_cwltool_backend(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    tool = tmp_path / "t.cwl"
    tool.write_text("cwlVersion: v1.2\nclass: CommandLineTool\nbaseCommand: [echo]\ninputs: []\noutputs: []\n")
    code = main(["run", "--backend", "toil", f"--cache={tmp_path / 'c'}", str(tool)])
    assert code != 0
    assert "--cache works with the cwltool backend, not toil" in capfd.readouterr().err
