"""The live display of `claimed-cwl run`: a rich panel on a terminal, plain lines on a pipe, nothing with --quiet.

A 200-batch grid (two looping workers, real Docker) runs under a pseudo-terminal:
the batch counts advance and the time left is shown; on a pipe, one plain line
every --progress-seconds (no terminal control codes); with --quiet, none.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Any

import pytest
from _grid_e2e import compile_grid

from claimed_cwl.report.live import LiveDisplay, count_steps, duration

pytestmark = pytest.mark.docker
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


def _grid_args(root: Path, workflow: Path, *options: str) -> list[str]:
    batches = root / "batches.txt"
    batches.write_text(",".join(f"b{i:04d}" for i in range(200)) + "\n")
    for name in ("coord", "results"):
        (root / name).mkdir()
    return [sys.executable, "-m", "claimed_cwl", "run", "--parallel", *options, "--outdir", str(root / "out"),
            str(workflow), "--gw_coordinator", str(root / "coord"), "--gw_batch_file", str(batches),
            "--out_dir", str(root / "results"), "--sleep_seconds", "0.04"]


@pytest.fixture(scope="module")
def workflow(docker_client: Any, python_base_image: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_grid(tmp_path_factory.mktemp("live-grid"), "local", 2, "e2e-local")


def _under_pty(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run ``args`` with a 120x40 pseudo-terminal as stdin, stdout and stderr; return exit code and output."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    env.pop("CI", None)  # rich treats CI as no terminal
    process = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env, close_fds=True)
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # the terminal closed: the process has ended
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    os.close(master)
    return process.wait(timeout=60), b"".join(chunks).decode(errors="replace")


def test_terminal_shows_batches_advancing_and_time_left(workflow: Path, tmp_path: Path) -> None:
    code, output = _under_pty(_grid_args(tmp_path, workflow), tmp_path)
    assert code == 0, output[-3000:]
    plain = ANSI.sub("", output)
    done = [int(n) for n in re.findall(r"batches: (\d+)/200 done", plain)]
    assert len(set(done)) >= 2 and done == sorted(done), f"batch counts did not advance: {sorted(set(done))}"
    assert re.search(r"about \d+[hms]", plain), "no estimate of the time left"
    assert "steps " in plain and "\x1b[" in output  # rich drew it, with terminal control codes


def test_pipe_gets_plain_lines_and_quiet_none(workflow: Path, tmp_path: Path) -> None:
    env = dict(os.environ)
    (tmp_path / "a").mkdir()
    piped = subprocess.run(_grid_args(tmp_path / "a", workflow, "--progress-seconds", "1"), capture_output=True,
                           text=True, env=env, timeout=600, check=False)
    assert piped.returncode == 0, piped.stderr[-3000:]
    lines = [line for line in piped.stderr.splitlines() if line.startswith("claimed-cwl: grid-op-grid.cwl: steps")]
    assert lines, piped.stderr[-3000:]
    assert all("\x1b" not in line and "\r" not in line for line in lines)
    assert all(re.search(r"batches: \d+/200 done, \d+ failed, \d+ remaining", line) for line in lines)
    (tmp_path / "b").mkdir()
    quiet = subprocess.run(_grid_args(tmp_path / "b", workflow, "--quiet", "--progress-seconds", "1"),
                           capture_output=True, text=True, env=env, timeout=600, check=False)
    assert quiet.returncode == 0, quiet.stderr[-3000:]
    assert "claimed-cwl: grid-op-grid.cwl: steps" not in quiet.stderr
    for stderr in (piped.stderr, quiet.stderr):  # cwltool's parallel executor looks for nvidia-smi at start
        assert "Traceback" not in stderr and "nvidia-smi" not in stderr, stderr[:3000]


def test_counts_and_durations() -> None:
    states = [("a", "success"), ("b", "skipped"), ("c", "running"), ("d", "permanentFail"), ("e", "waiting")]
    assert count_steps(states) == (2, 1, 1, ["c"])
    assert [duration(s) for s in (5, 65, 3725)] == ["5s", "1m 05s", "1h 02m"]


def test_display_line_without_grid() -> None:
    display = LiveDisplay("wf.cwl", lambda: [("a", "success"), ("b", "running")])
    assert display.line().startswith("claimed-cwl: wf.cwl: steps 1 done, 1 running, 0 failed (running: b) [")
