"""Real worker processes on one coordinator (a directory and SeaweedFS): exactly once, takeover, outages, errors.

The test operator writes each batch's output with O_EXCL and appends one line
per completion to a log, so a batch completed twice shows in its own outputs.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from s3_service import SeaweedFS

from claimed_cwl.runtime.grid.batches import batch_file_name
from claimed_cwl.runtime.grid.coordinator import Coordinator, open_store
from claimed_cwl.runtime.grid.errors import GridError
from claimed_cwl.runtime.grid.worker import Pause, load_process, run_batches

OPERATOR = '''"""A grid operator for the tests."""
import hashlib
import os
import time

# where outputs go
out_dir = os.getenv("out_dir")
# seconds each batch takes
sleep_seconds = float(os.getenv("sleep_seconds", "0"))
# comma-separated batches that raise
fail_on = os.getenv("fail_on", "")
# a batch that hangs on its first attempt (to be killed)
hang_on = os.getenv("hang_on", "")


def grid_process(batch_id, out_dir, sleep_seconds, fail_on=""):
    name = batch_id.replace("/", "__")
    if len(name) > 200:  # the longest valid ids (1000 bytes) make no file name
        name = "long-" + hashlib.sha256(batch_id.encode()).hexdigest()
    attempt = os.path.join(out_dir, "attempts", name)
    fd = os.open(attempt, os.O_CREAT | os.O_APPEND | os.O_WRONLY)
    os.write(fd, f"{os.getpid()}\\n".encode())
    os.close(fd)
    if batch_id == hang_on and len(open(attempt).read().split()) == 1:
        time.sleep(600)
    time.sleep(sleep_seconds)
    if batch_id in fail_on.split(","):
        raise ValueError(f"cannot process {batch_id}: key={os.environ.get('AWS_SECRET_ACCESS_KEY', 'none')}")
    fd = os.open(os.path.join(out_dir, name + ".out"), os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    os.write(fd, batch_id.encode())
    os.close(fd)
    fd = os.open(os.path.join(out_dir, "completions.log"), os.O_CREAT | os.O_APPEND | os.O_WRONLY)
    os.write(fd, (batch_id + "\\n").encode())
    os.close(fd)


if __name__ == "__main__":
    raise SystemExit("run through the grid worker")
'''


class Grid:
    """A test operator, its batch file and output directory, and helpers to start workers on one coordinator."""

    def __init__(self, root: Path, coordinator: str, n_batches: int, s3_env: dict[str, str] | None = None) -> None:
        self.root = root
        self.coordinator = coordinator
        self.script = root / "op.py"
        self.script.write_text(OPERATOR)
        self.out = root / "out"
        (self.out / "attempts").mkdir(parents=True)
        self.batches = [f"b{i:04d}" for i in range(n_batches)]
        self.batch_file = root / "batches.txt"
        self.batch_file.write_text(",".join(self.batches) + "\n")
        self.s3_env = s3_env or {}

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "gw_"))}
        env.update(self.s3_env)
        env.update({"out_dir": str(self.out), "sleep_seconds": "0"}, **extra)
        return env

    def backend(self) -> str:
        return "s3" if self.coordinator.startswith("s3://") else "local"

    def worker(self, *args: str, lease: float = 30, **env: str) -> subprocess.Popen[str]:
        cmd = [
            sys.executable, "-m", "claimed_cwl.runtime.grid.worker", "--script", str(self.script),
            "--backend", self.backend(), "--coordinator", self.coordinator,
            "--lease-seconds", str(lease), *args,
        ]  # fmt: skip
        if not any(arg == "--batch" or arg.startswith("--batch=") for arg in args):
            cmd += ["--workers-loop", "--batch-file", str(self.batch_file)]
        return subprocess.Popen(cmd, env=self.env(**env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def report(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [
            sys.executable, "-m", "claimed_cwl.runtime.grid.report", "--backend", self.backend(),
            "--coordinator", self.coordinator, "--batch-file", str(self.batch_file), *args,
        ]  # fmt: skip
        return subprocess.run(cmd, env=self.env(), capture_output=True, text=True, timeout=120, check=False)

    def completions(self) -> Counter[str]:
        log = self.out / "completions.log"
        return Counter(log.read_text().split()) if log.exists() else Counter()

    def outputs(self) -> set[str]:
        return {p.stem for p in self.out.glob("*.out")}


def finish(*procs: subprocess.Popen[str], timeout: float = 240) -> list[tuple[int, str]]:
    results = []
    for proc in procs:
        _, stderr = proc.communicate(timeout=timeout)
        results.append((proc.returncode, stderr))
    return results


def assert_exactly_once(grid: Grid, results: list[tuple[int, str]]) -> None:
    for code, stderr in results:
        assert code == 0, stderr[-3000:]
    completions = grid.completions()
    assert set(completions) == set(grid.batches)
    assert [b for b, n in completions.items() if n != 1] == []
    assert grid.outputs() == set(grid.batches)
    report = grid.report()
    assert report.returncode == 0, report.stdout + report.stderr
    assert f"{len(grid.batches)} batches: {len(grid.batches)} processed, 0 failed, 0 pending" in report.stdout


@pytest.fixture(params=["local", "s3"])
def coordinator(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, dict[str, str]]:
    if request.param == "local":
        return str(tmp_path / "coord"), {}
    server: SeaweedFS = request.getfixturevalue("s3_server")
    bucket = request.getfixturevalue("s3_bucket")
    return f"s3://{bucket}/coord", server.env()


@pytest.mark.slow
def test_200_batches_three_concurrent_workers_exactly_once(coordinator: Any, tmp_path: Path) -> None:
    grid = Grid(tmp_path, coordinator[0], 200, coordinator[1])
    workers = [grid.worker() for _ in range(3)]
    results = finish(*workers)
    assert_exactly_once(grid, results)
    # a second run on the same coordinator skips everything
    rerun = grid.worker("--result-file", str(tmp_path / "rerun.json"))
    assert finish(rerun)[0][0] == 0
    assert set(json.loads((tmp_path / "rerun.json").read_text()).values()) == {"skipped"}
    assert sum(grid.completions().values()) == 200


@pytest.mark.slow
def test_per_batch_mode_two_runs_share_one_coordinator(coordinator: Any, tmp_path: Path) -> None:
    grid = Grid(tmp_path, coordinator[0], 12, coordinator[1])
    procs = [grid.worker("--batch", b, sleep_seconds="0.2") for b in grid.batches for _ in range(2)]
    assert_exactly_once(grid, finish(*procs))


@pytest.mark.slow
def test_killed_worker_batch_is_taken_over_after_the_lease(coordinator: Any, tmp_path: Path) -> None:
    """The default time limit (3 h) does not matter: a dead holder's batch is taken over after its short lease."""
    grid = Grid(tmp_path, coordinator[0], 6, coordinator[1])
    victim = grid.worker("--batch", "b0003", lease=3, hang_on="b0003")
    attempts = grid.out / "attempts" / "b0003"
    deadline = time.monotonic() + 60
    while not attempts.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert attempts.exists(), "the victim never started its batch"
    survivor = grid.worker(lease=3, hang_on="b0003")
    time.sleep(8)  # over two lease lengths: the live victim renews, the survivor must not take over
    assert attempts.read_text().split() == [str(victim.pid)]
    assert "b0003" not in grid.completions()
    killed_at = time.monotonic()
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    code, stderr = finish(survivor)[0]
    assert code == 0, stderr[-3000:]
    assert time.monotonic() - killed_at < 30
    assert attempts.read_text().split() == [str(victim.pid), str(survivor.pid)]
    # while it waited, the survivor said which batch, held by whom (the victim's process), until when
    assert re.search(rf"batch b0003: held by [^:]+:{victim.pid}:[0-9a-f]{{12}} until \d{{4}}-\d\d-\d\d ", stderr)
    assert "batch b0003: taken over from " in stderr
    assert_exactly_once(grid, [])


@pytest.mark.slow
def test_s3_outage_mid_run_is_survived(private_s3: SeaweedFS, tmp_path: Path) -> None:
    bucket = private_s3.make_bucket()
    grid = Grid(tmp_path, f"s3://{bucket}/coord", 60, private_s3.env())
    workers = [grid.worker(lease=60, sleep_seconds="0.1") for _ in range(2)]
    deadline = time.monotonic() + 60
    while sum(grid.completions().values()) < 10 and time.monotonic() < deadline:
        time.sleep(0.1)
    private_s3.stop()
    done_during_outage = sum(grid.completions().values())
    time.sleep(4)
    private_s3.start()
    results = finish(*workers)
    assert done_during_outage < 60, "the outage came too late to test anything"
    assert any("retrying" in stderr or "renewal failed" in stderr for _, stderr in results)
    assert_exactly_once(grid, results)


@pytest.mark.slow
def test_failing_batch_gets_an_error_marker_and_fails_the_report(coordinator: Any, tmp_path: Path) -> None:
    grid = Grid(tmp_path, coordinator[0], 8, coordinator[1])
    secret = grid.s3_env.get("AWS_SECRET_ACCESS_KEY", "")
    results = finish(grid.worker(fail_on="b0002"), grid.worker(fail_on="b0002"))
    assert [code for code, _ in results] == [0, 0]
    assert set(grid.completions()) == set(grid.batches) - {"b0002"}
    report = grid.report("--output", str(tmp_path / "report.json"))
    assert report.returncode == 1
    assert "8 batches: 7 processed, 1 failed, 0 pending" in report.stdout
    counts = json.loads((tmp_path / "report.json").read_text())
    assert list(counts["failed_batches"]) == ["b0002"]
    assert counts["failed_batches"]["b0002"].startswith("ValueError: cannot process b0002")
    assert grid.report("--tolerate-errors", "True").returncode == 0
    assert grid.report("--tolerate-errors", "False").returncode == 1
    assert grid.report("--tolerate-errors").returncode == 0  # the flag alone, as the CWL tool passes it
    marker = read_err_marker(grid, "b0002")
    assert "Traceback" in marker["traceback"] and "grid_process" in marker["traceback"]
    if secret:  # S3: the secret the operator put in its exception is redacted everywhere
        assert "key=***" in marker["error"]
        everything = json.dumps(marker) + report.stdout + report.stderr + "".join(err for _, err in results)
        assert secret not in everything
        assert grid.s3_env["AWS_ACCESS_KEY_ID"] not in everything
    # gw_ignore_error_files retries it: 'False' is false, 'True' is true
    assert finish(grid.worker(gw_ignore_error_files="False"))[0][0] == 0
    assert "b0002" not in grid.completions()
    assert finish(grid.worker(gw_ignore_error_files="True"))[0][0] == 0
    assert grid.completions()["b0002"] == 1
    assert grid.report().returncode == 0


def read_err_marker(grid: Grid, batch: str) -> dict[str, str]:
    if grid.coordinator.startswith("s3://"):
        import boto3

        bucket, prefix = grid.coordinator[5:].split("/", 1)
        client = boto3.client("s3", **_client_args(grid.s3_env))
        body = client.get_object(Bucket=bucket, Key=f"{prefix}/{batch}.err")["Body"].read()
        return dict(json.loads(body))
    return dict(json.loads((Path(grid.coordinator) / f"{batch}.err").read_text()))


def _client_args(env: dict[str, str]) -> dict[str, str]:
    return {
        "endpoint_url": env["AWS_ENDPOINT_URL_S3"],
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
        "region_name": "us-east-1",
    }


def test_per_batch_result_file_is_named_after_the_batch(tmp_path: Path) -> None:
    grid = Grid(tmp_path, str(tmp_path / "coord"), 1)
    template = str(tmp_path / "gw_result-{batch}.json")
    for batch in ("b0000", "2024/01/x y"):
        code, stderr = finish(grid.worker("--batch", batch, "--result-file", template))[0]
        assert code == 0, stderr
        written = tmp_path / f"gw_result-{batch_file_name(batch)}.json"
        assert json.loads(written.read_text()) == {batch: "processed"}
    assert (tmp_path / "gw_result-b0000.json").exists()


def test_ids_that_look_like_options_and_the_longest_ids_run(tmp_path: Path) -> None:
    """As the grid tool passes them (``--batch=ID``): ``-x`` and ``--help`` are ids; a 1000-byte id names its file."""
    grid = Grid(tmp_path, str(tmp_path / "coord"), 1)
    template = str(tmp_path / "gw_result-{batch}.json")
    longest = "/".join(["s" * 199] * 5)
    for batch in ("-x", "--help", longest):
        code, stderr = finish(grid.worker(f"--batch={batch}", "--result-file", template))[0]
        assert code == 0 and "Traceback" not in stderr, stderr
        written = tmp_path / f"gw_result-{batch_file_name(batch)}.json"
        assert json.loads(written.read_text()) == {batch: "processed"}
    assert set(grid.completions()) == {"-x", "--help", longest}


def test_unsafe_batch_is_rejected_before_any_work(tmp_path: Path) -> None:
    grid = Grid(tmp_path, str(tmp_path / "coord"), 3)
    grid.batch_file.write_text("b0000,../escape,b0001")
    code, stderr = finish(grid.worker())[0]
    assert code == 2
    assert "unsafe batch id '../escape'" in stderr and "Traceback" not in stderr
    assert grid.completions() == Counter()
    assert not (tmp_path / "coord").exists()
    code, stderr = finish(grid.worker("--batch", "/etc/passwd"))[0]
    assert code == 2 and "is an absolute path" in stderr


def test_operator_without_grid_process_is_a_clean_error(tmp_path: Path) -> None:
    grid = Grid(tmp_path, str(tmp_path / "coord"), 1)
    grid.script.write_text('"""No grid function."""\n')
    code, stderr = finish(grid.worker("--batch", "b0000"))[0]
    assert code == 2
    assert "defines no function grid_process(batch_id, ...)" in stderr and "Traceback" not in stderr


def test_credentials_in_an_s3_url_are_refused_without_echo(tmp_path: Path) -> None:
    grid = Grid(tmp_path, "s3://AKIDLEAK:SECRETLEAK@bucket/p", 1)
    code, stderr = finish(grid.worker("--batch", "b0000"))[0]
    assert code == 2
    assert "must not carry credentials" in stderr
    assert "SECRETLEAK" not in stderr and "AKIDLEAK" not in stderr


def test_a_batch_another_worker_finishes_is_seen_within_a_fraction_of_a_second(tmp_path: Path) -> None:
    """At a run's end a worker waits for the others' last batches: it looks again soon, not after the longest
    wait (5 s), which once added up to 5 s to every workers-mode run."""
    coord = str(tmp_path / "coord")
    holder = Coordinator(open_store("local", coord), 60)
    _, lease = holder.try_claim("b1")
    assert lease is not None
    finisher = threading.Timer(0.3, holder.mark_done, args=(lease,))
    finisher.start()
    started = time.monotonic()
    outcomes = run_batches(Coordinator(open_store("local", coord), 60), ["b1", "b2"], lambda batch: None, poll=5.0)
    waited = time.monotonic() - started
    finisher.join()
    assert outcomes == {"b1": "skipped", "b2": "processed"}
    # looks at 0.05, 0.15, 0.35, 0.75, 1.55, 3.15 s: well before the longest wait (5 s), even on a loaded machine
    assert waited < 4.5, f"waited {waited:.1f} s for a batch done after 0.3 s"


def test_pause_doubles_up_to_the_longest_wait_and_starts_again_after_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    pause = Pause(1.0)
    for _ in range(7):
        pause.wait()
    pause.reset()
    pause.wait()
    assert slept == [0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 0.05]


_SIGNATURES = '''
import functools

a = "A"
c = "C"


def grid_process(batch_id, a, b="b-default", *rest, c, d="d-default", **more):
    return (batch_id, a, b, c, d, rest, more)


def keyword_only(*, batch_id="x"):
    return batch_id


def needs_one(batch_id, missing):
    return missing


def _logged(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)
    return wrapper


@_logged
def wrapped(batch_id, a, b="b-default"):
    return (batch_id, a, b)


class Callable:
    def __call__(self, batch_id, c, e="e-default"):
        return (batch_id, c, e)


as_object = Callable()
'''


@pytest.mark.parametrize(("function", "expected"), [
    ("grid_process", ("b1", "A", "b-default", "C", "d-default", (), {})),
    ("wrapped", ("b1", "A", "b-default")),  # read through inspect: the signature of the wrapped function
    ("as_object", ("b1", "C", "e-default")),
])
def test_parameters_are_bound_by_name_from_module_variables(tmp_path: Path, function: str,
                                                            expected: tuple[object, ...]) -> None:
    """Each parameter after the batch id gets the module variable of its name, else keeps its default."""
    script = tmp_path / "op.py"
    script.write_text(_SIGNATURES)
    assert load_process(script, function)("b1") == expected


@pytest.mark.parametrize(("function", "message"), [
    ("keyword_only", "keyword_only must take the batch id as its first parameter"),
    ("needs_one", "needs_one parameter 'missing' has no module-level variable of that name and no default"),
])
def test_parameters_that_cannot_be_bound_are_an_error(tmp_path: Path, function: str, message: str) -> None:
    script = tmp_path / "op.py"
    script.write_text(_SIGNATURES)
    with pytest.raises(GridError, match=re.escape(message)):
        load_process(script, function)


def test_the_worker_starts_without_inspect_or_dataclasses() -> None:
    """Both cost a tenth of the worker's start, paid in one container per batch in per-batch mode."""
    done = subprocess.run([sys.executable, "-c", "import sys, claimed_cwl.runtime.grid.worker; "
                           "print(sorted({'inspect', 'dataclasses'} & set(sys.modules)))"],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
