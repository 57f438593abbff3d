"""Secrets during a real run (issue 11), on the Docker engine, under cwltool and Toil (single machine).

``claimed-cwl run`` is started from a job file as its own process; while the
operator's container runs, ``ps`` (every process of the machine) and
``docker inspect`` of that container are sampled, and the samples are checked
to have been taken while the container was running. No secret value may be in
any of them, nor in the run's output, log or research object, and nothing the
run wrote for a while may be left in its temporary directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from _security_helpers import probe_workflow

from claimed_cwl.build.operator_build import OperatorBuild, build_operator
from claimed_cwl.emit import ArtifactSettings, ImageSettings

E2E = Path(__file__).parent / "e2e" / "security"
TOKEN = "tok-SeCrEt-run-4242-xyz"
PIN = 918273645
KEY = "-----BEGIN KEY----- secret key material 777 -----END KEY-----\n"
SETTINGS = ArtifactSettings(image=ImageSettings(repository="claimed-test", version="security"))

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture(scope="module")
def probe(docker_client: Any, python_base_image: str, tmp_path_factory: pytest.TempPathFactory) -> OperatorBuild:
    return build_operator(docker_client, E2E / "secret_probe.py", (), SETTINGS, tmp_path_factory.mktemp("probe"))


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    """A private key only its owner (root) may read, as keys are kept."""
    path = tmp_path / "keys" / "deploy.pem"
    path.parent.mkdir()
    path.write_text(KEY)
    path.chmod(0o600)
    return path


def _job(tmp_path: Path, values: dict[str, Any]) -> Path:
    job = tmp_path / "job.json"
    job.write_text(json.dumps(values))
    job.chmod(0o600)
    return job


@dataclass
class Samples:
    """What was seen while the run lasted."""

    running_inspects: list[str] = field(default_factory=list)  # docker inspect of the running container
    ps_while_running: list[str] = field(default_factory=list)  # ps of the machine, taken while it ran
    # (path, mode, uid, mode of the private directory it is in) of the staged secret files
    secret_files: list[tuple[str, int, int, int]] = field(default_factory=list)


def _ps() -> str:
    return subprocess.run(["ps", "-eww", "-o", "pid=,args="], capture_output=True, text=True, check=True).stdout


def _sample(image: str, tmp: Path, samples: Samples) -> None:
    ids = subprocess.run(["docker", "ps", "-q", "--no-trunc", "--filter", f"ancestor={image}"],
                         capture_output=True, text=True, check=False).stdout.split()
    for cid in ids:
        inspected = subprocess.run(["docker", "inspect", cid], capture_output=True, text=True, check=False)
        if inspected.returncode != 0:
            continue  # it ended between the two commands
        listing = _ps()
        container = json.loads(inspected.stdout)[0]
        if not any(Path(m["Source"]).is_relative_to(tmp) for m in container["Mounts"]):
            continue  # another run's container of the same image
        if container["State"]["Running"]:
            samples.running_inspects.append(inspected.stdout)
            samples.ps_while_running.append(listing)
    try:
        for path in tmp.rglob(".claimed-secret-*"):
            info, top = path.stat(), (tmp / path.relative_to(tmp).parts[0]).stat()
            samples.secret_files.append((str(path), stat.S_IMODE(info.st_mode), info.st_uid,
                                         stat.S_IMODE(top.st_mode)))
    except FileNotFoundError:
        pass  # removed while we looked: the job ended


def _run_sampled(args: list[str], image: str, tmp: Path) -> tuple[subprocess.CompletedProcess[str], Samples]:
    """Run ``claimed-cwl ARGS`` with TMPDIR=``tmp``, sampling until it ends."""
    samples = Samples()
    with subprocess.Popen([sys.executable, "-m", "claimed_cwl", *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env={**os.environ, "TMPDIR": str(tmp)}) as run:
        deadline = time.monotonic() + 300
        while run.poll() is None and time.monotonic() < deadline:
            _sample(image, tmp, samples)
            time.sleep(0.2)
        out, err = run.communicate(timeout=60)
    return subprocess.CompletedProcess(run.args, run.returncode, out, err), samples


def _report(path: Path) -> dict[str, str]:
    return dict(line.split(" ", 1) for line in path.read_text().splitlines())


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("backend", ["cwltool", "toil"])
def test_no_secret_in_ps_or_docker_inspect(probe: OperatorBuild, key_file: Path, tmp_path: Path,
                                           backend: str) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    job = _job(tmp_path, {"api_token": TOKEN, "pin_secret": PIN, "delay": 8,
                          "private_key_file": {"class": "File", "path": str(key_file)}})
    done, samples = _run_sampled(["run", "--backend", backend, f"--outdir={tmp_path / 'out'}", str(probe.cwl),
                                  str(job)], probe.image.image, tmp)
    assert done.returncode == 0, done.stderr
    assert samples.running_inspects, "the container was never seen running"
    assert samples.ps_while_running, "ps was never sampled while the container ran"
    for text in samples.running_inspects + samples.ps_while_running:
        assert TOKEN not in text and str(PIN) not in text and "secret key material" not in text
    assert any("claimed_launcher.py" in text for text in samples.running_inspects)  # really the operator's container
    report = _report(tmp_path / "out" / "report.txt")
    assert report["token"] == _digest(TOKEN) and report["pin"] == str(2 * PIN) and report["key"] == _digest(KEY)
    log = done.stdout + done.stderr
    assert TOKEN not in log and str(PIN) not in log and str(key_file) not in log  # nor the secret file's path
    assert samples.secret_files, "the staged secret file was never seen"
    for path, mode, uid, private in samples.secret_files:
        assert Path(path).is_relative_to(tmp) and private == 0o700, path  # in the run's private directory ...
        if backend == "cwltool":  # ... mode 0600, written by the runner, then given to the container's user
            assert mode == 0o600 and uid in (os.geteuid(), 1000), (path, oct(mode), uid)
    if backend == "cwltool":
        assert any(uid == 1000 for _, _, uid, _ in samples.secret_files)
    assert not list(tmp.iterdir()), f"left behind: {list(tmp.rglob('*'))}"  # removed with the job files
    # the container's user: the image's (uid 1000) under cwltool; Toil runs it as the runner (documented)
    assert report["uid"] == ("1000" if backend == "cwltool" else str(os.geteuid()))
    assert (tmp_path / "out" / "report.txt").stat().st_uid == os.geteuid()  # outputs are the runner's again


def test_cwltool_runs_the_container_as_the_image_user(probe: OperatorBuild, key_file: Path, tmp_path: Path) -> None:
    """The runner is root here: the container runs as the image's uid 1000, not --user=0:0, and still reads
    an input only root may read (a copy is mounted) and writes its outputs, which end up the runner's."""
    if os.geteuid() != 0:
        pytest.skip("the runner is not root: cwltool runs containers as the runner's own user")
    job = _job(tmp_path, {"api_token": TOKEN, "private_key_file": {"class": "File", "path": str(key_file)}})
    done = subprocess.run([sys.executable, "-m", "claimed_cwl", "run", f"--outdir={tmp_path / 'out'}",
                           str(probe.cwl), str(job)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "--user=1000:1000" in done.stderr and "--user=0:0" not in done.stderr
    report = _report(tmp_path / "out" / "report.txt")
    assert report["uid"] == "1000" and report["key"] == _digest(KEY)
    assert (tmp_path / "out" / "report.txt").stat().st_uid == 0
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and key_file.stat().st_uid == 0  # the key is untouched


def test_secret_number_and_file_not_in_provenance(probe: OperatorBuild, key_file: Path, tmp_path: Path) -> None:
    job = _job(tmp_path, {"api_token": TOKEN, "pin_secret": PIN,
                          "private_key_file": {"class": "File", "path": str(key_file)}})
    args = [sys.executable, "-m", "claimed_cwl", "run", f"--provenance={tmp_path / 'ro'}",
            f"--outdir={tmp_path / 'out'}", str(probe.cwl)]
    # claimed-cwl's crate (not cwltool's research object) copies no secret file: the run is not refused
    done = subprocess.run([*args, str(job)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    recorded = [p for p in (tmp_path / "ro").rglob("*") if p.is_file()]
    assert any(p.name == "ro-crate-metadata.json" for p in recorded)  # the run was recorded ...
    for path in recorded:  # ... with no secret value, no secret file's content, path or checksum
        data = path.read_bytes()
        assert TOKEN.encode() not in data and str(PIN).encode() not in data, path
        assert KEY.encode() not in data and str(key_file).encode() not in data, path
        assert _sha1(key_file).encode() not in data, path
    assert TOKEN not in done.stderr and str(PIN) not in done.stderr


def test_workflow_masks_the_secret_it_hands_to_its_steps(probe: OperatorBuild, key_file: Path,
                                                         tmp_path: Path) -> None:
    workflow = probe_workflow().save(tmp_path / "wf")  # the probe image is the one built above
    args = [sys.executable, "-m", "claimed_cwl", "run", f"--provenance={tmp_path / 'ro'}",
            f"--outdir={tmp_path / 'out'}", str(workflow)]
    keyed = _job(tmp_path, {"token": TOKEN, "key": {"class": "File", "path": str(key_file)}})
    done = subprocess.run([*args, str(keyed)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    outputs = json.loads(done.stdout)
    for name in ("first", "second"):  # both steps got the value
        assert _report(Path(outputs[name]["path"]))["token"] == _digest(TOKEN)
    recorded = [p for p in (tmp_path / "ro").rglob("*") if p.is_file()]
    assert any(p.name == "ro-crate-metadata.json" for p in recorded)
    for path in recorded:
        data = path.read_bytes()
        assert TOKEN.encode() not in data and KEY.encode() not in data, path
        assert str(key_file).encode() not in data and _sha1(key_file).encode() not in data, path
    assert TOKEN not in done.stdout + done.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("backend", ["cwltool", "toil"])
def test_killed_run_removes_its_job_file_and_stops_its_container(probe: OperatorBuild, tmp_path: Path,
                                                                 backend: str, signum: int) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    job = _job(tmp_path, {"api_token": TOKEN})
    run = subprocess.Popen([sys.executable, "-m", "claimed_cwl", "run", "--backend", backend,
                            f"--outdir={tmp_path / 'out'}", str(probe.cwl), str(job), "--delay", "120"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env={**os.environ, "TMPDIR": str(tmp)})
    samples = Samples()
    deadline = time.monotonic() + 180
    while not samples.running_inspects and run.poll() is None and time.monotonic() < deadline:
        _sample(probe.image.image, tmp, samples)
        time.sleep(0.2)
    assert samples.running_inspects, run.communicate()[1] if run.poll() is not None else "never ran"
    merged = list(tmp.rglob("job.json"))
    assert merged and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in merged)  # the flags were merged
    cid = json.loads(samples.running_inspects[-1])[0]["Id"]
    run.send_signal(signum)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 128 + signum, err
    assert not list(tmp.rglob("*")), f"left behind: {list(tmp.rglob('*'))}"
    running = subprocess.run(["docker", "ps", "-q", "--no-trunc", "--filter", f"id={cid}"], capture_output=True,
                             text=True, check=False).stdout.split()
    assert not running, "the operator's container was left running"


LAUNCHED = {
    "notebook": E2E / "secret_probe_nb.ipynb",
    "r": E2E / "secret_probe_r.R",
}


def _r_checksum(text: str) -> str:
    return f"{sum(ord(char) * position for position, char in enumerate(text, start=1))} {len(text)}"


@pytest.mark.parametrize("language", list(LAUNCHED))
def test_notebook_and_r_read_a_secret_from_its_file(docker_client: Any, python_base_image: str, r_base_image: str,
                                                    tmp_path: Path, language: str) -> None:
    built = build_operator(docker_client, LAUNCHED[language], (), SETTINGS, tmp_path / "op")
    done = subprocess.run([sys.executable, "-m", "claimed_cwl", "run", f"--outdir={tmp_path / 'out'}",
                           str(built.cwl), str(_job(tmp_path, {"api_token": TOKEN}))],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    expected = _digest(TOKEN) if language == "notebook" else _r_checksum(TOKEN)
    assert _report(tmp_path / "out" / "report.txt")["token"] == expected
    assert TOKEN not in built.cwl.read_text()


def _sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()
