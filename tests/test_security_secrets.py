"""Secrets at run time (issue 11), with a CWL tool that runs on the host (no container engine needed).

The tool is standard CWL written the way claimed-cwl writes operator tools: the
secret is listed in ``cwltool:Secrets`` and staged as a file by an
InitialWorkDirRequirement. ``claimed-cwl run`` is started as a real process
(``python -m claimed_cwl``) where signals or the environment matter.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from claimed_cwl.cli import main
from claimed_cwl.runners.job_inputs import merge_job

TOKEN = "tok-SeCrEt-0815-value"
TOOL = """\
cwlVersion: v1.2
class: CommandLineTool
$namespaces:
  cwltool: http://commonwl.org/cwltool#
  claimed: https://github.com/claimed-framework/claimed-cwl#
hints:
  - class: cwltool:Secrets
    secrets: [api_token, pin_secret]
requirements:
  - class: InlineJavascriptRequirement
  - class: InitialWorkDirRequirement
    listing:
      - entryname: .claimed-secret-api_token
        entry: $(inputs.api_token)
      - '$(inputs.pin_secret === null ? null : {"entryname": ".claimed-secret-pin_secret", "entry": inputs.pin_secret})'
baseCommand:
  - sh
  - -c
  - 'sleep "$0"; { cat .claimed-secret-api_token; cat .claimed-secret-pin_secret 2>/dev/null; } | sha256sum > out.txt'

arguments: [$(inputs.delay)]
inputs:
  api_token: string
  pin_secret: string?
  key_file:
    type: File?
    claimed:secret: true
  delay:
    type: float
    default: 0
outputs:
  out:
    type: File
    outputBinding: {glob: out.txt}
"""


def _received(out: Path) -> str:
    """The digest the tool wrote of the secret values it was given (the values themselves go nowhere)."""
    return out.read_text().split()[0]


def _digest(*values: str) -> str:
    return hashlib.sha256("".join(values).encode()).hexdigest()


@pytest.fixture
def tool(tmp_path: Path) -> Path:
    path = tmp_path / "secret-tool.cwl"
    path.write_text(TOOL)
    return path


def _claimed(args: list[str], env: dict[str, str] | None = None, **kwargs: object) -> subprocess.Popen[str]:
    """``claimed-cwl`` as its own process (with this interpreter and PYTHONPATH)."""
    return subprocess.Popen([sys.executable, "-m", "claimed_cwl", *args], text=True,
                            env={**os.environ, **(env or {})}, **kwargs)  # type: ignore[call-overload]


def test_secret_from_environment_variable(tool: Path, tmp_path: Path) -> None:
    run = _claimed(["run", "--quiet", f"--outdir={tmp_path / 'out'}", str(tool)],
                   env={"CLAIMED_SECRET_api_token": TOKEN}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    assert _received(tmp_path / "out" / "out.txt") == _digest(TOKEN)
    assert TOKEN not in out + err


def test_secret_given_as_flag_warns(tool: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "--quiet", f"--outdir={tmp_path / 'out'}", str(tool), "--api_token", TOKEN])
    err = capfd.readouterr().err
    assert code == 0, err
    assert "input api_token is secret, but was given as a command-line flag" in err
    assert "CLAIMED_SECRET_api_token" in err and "0600" in err  # says how to do it instead
    assert TOKEN not in err


def test_readable_job_file_with_a_secret_warns(tool: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    job = tmp_path / "job.yml"
    job.write_text(f"api_token: {TOKEN}\npin_secret: 4711\n")  # a YAML number for a secret string
    job.chmod(0o644)
    code = main(["run", "--quiet", f"--outdir={tmp_path / 'out'}", str(tool), str(job)])
    err = capfd.readouterr().err
    assert code == 0, err
    assert f"{job} holds the secret input(s) api_token, pin_secret and can be read by other users" in err
    assert _received(tmp_path / "out" / "out.txt") == _digest(TOKEN, "4711")  # the number reaches it as text
    job.chmod(0o600)
    assert main(["run", "--quiet", f"--outdir={tmp_path / 'out2'}", str(tool), str(job)]) == 0
    assert "can be read by other users" not in capfd.readouterr().err


def test_merged_job_file_is_private(tool: Path, tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir(mode=0o700)
    job = merge_job(tool, None, ["--api_token", TOKEN], scratch)
    assert stat.S_IMODE(job.stat().st_mode) == 0o600
    assert json.loads(job.read_text())["api_token"] == TOKEN


def test_provenance_leaves_a_secret_file_out(tool: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capfd: pytest.CaptureFixture[str]) -> None:
    """claimed-cwl's crate (not cwltool's research object, which copies every input) copies no secret file."""
    monkeypatch.setenv("CLAIMED_SECRET_api_token", TOKEN)
    key = tmp_path / "key.pem"
    key.write_text("KEY material that must stay out of the crate")
    code = main(["run", "--quiet", f"--provenance={tmp_path / 'ro'}", f"--outdir={tmp_path / 'out'}", str(tool),
                 "--key_file", str(key)])
    err = capfd.readouterr().err
    assert code == 0, err
    recorded = [p for p in (tmp_path / "ro").rglob("*") if p.is_file()]
    assert any(p.name == "ro-crate-metadata.json" for p in recorded)
    for path in recorded:
        data = path.read_bytes()
        assert b"KEY material" not in data and str(key).encode() not in data and TOKEN.encode() not in data, path


def test_provenance_masks_a_secret_number(tool: Path, tmp_path: Path) -> None:
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"api_token": TOKEN, "pin_secret": 918273}))
    job.chmod(0o600)
    assert main(["run", "--quiet", f"--provenance={tmp_path / 'ro'}", f"--outdir={tmp_path / 'out'}", str(tool),
                 str(job)]) == 0
    recorded = [p for p in (tmp_path / "ro").rglob("*") if p.is_file()]
    assert recorded  # a research object was written ...
    for path in recorded:  # ... and the secret values are in none of its files
        data = path.read_bytes()
        assert TOKEN.encode() not in data and b"918273" not in data, path


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_interrupted_run_leaves_no_job_file(tool: Path, tmp_path: Path, signum: int) -> None:
    tmp = tmp_path / "tmp"  # the run's temporary directory: everything it writes for a while goes here
    tmp.mkdir()
    run = _claimed(["run", "--quiet", f"--outdir={tmp_path / 'out'}", str(tool), "--delay", "47",
                    "--api_token", TOKEN], env={"TMPDIR": str(tmp)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    jobs: list[Path] = []
    while not jobs and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.2)
        jobs = list(tmp.rglob("job.json"))
    assert jobs, "the merged job file never appeared"
    assert stat.S_IMODE(jobs[0].stat().st_mode) == 0o600  # while the run lasts: owner only ...
    assert stat.S_IMODE(jobs[0].parent.stat().st_mode) == 0o700  # ... in a private directory
    time.sleep(2)  # the tool is running (sleep 47)
    run.send_signal(signum)
    signalled = time.monotonic()
    _, err = run.communicate(timeout=60)
    assert run.returncode == 128 + signum, err
    assert time.monotonic() - signalled < 20, "the run did not stop its tool (it waited for it to end)"
    assert not list(tmp.rglob("*")), f"left behind: {list(tmp.rglob('*'))}"
    sleepers = subprocess.run(["pgrep", "-f", "^sleep 47"], capture_output=True, text=True, check=False)
    assert not sleepers.stdout.strip(), "the tool's process was left running"


def test_log_records_mask_filter() -> None:
    from claimed_cwl.cwl_secrets import SecretInputs
    from claimed_cwl.runners.secret_inputs import MaskFilter, mask_texts

    secrets = SecretInputs(values=frozenset({"api_token", "pin"}), paths=frozenset({"key"}))
    texts = mask_texts(secrets, {"api_token": TOKEN, "pin": 7, "key": {"class": "File", "location": "file:///k/a.pem"},
                                 "other": "public"})
    assert texts == (TOKEN, "file:///k/a.pem", "/k/a.pem")  # longest first; a 1-digit number is not masked
    record = logging.LogRecord("cwltool", logging.INFO, "x", 1, "[job t] %s uses %s", (TOKEN, "/k/a.pem"), None)
    MaskFilter(texts).filter(record)
    assert record.getMessage() == "[job t] ******** uses ********"
