"""The prompt container monitor (claimed_cwl/runners/_cwltool.py), on the real engine."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from cwltool.command_line_tool import CommandLineTool
from cwltool.context import RuntimeContext
from cwltool.docker import DockerCommandLineJob
from cwltool.job import CommandLineJob
from cwltool.load_tool import load_tool

from claimed_cwl.runners._cwltool import (
    PromptCommandLineTool,
    PromptDockerJob,
    PromptPodmanJob,
    loading_context,
    peak_memory_percent,
)
from claimed_cwl.runners.base import RunOptions, run_cwl

TOOL = """\
cwlVersion: v1.2
class: CommandLineTool
requirements:
  DockerRequirement: {{dockerPull: "{image}"}}
baseCommand: [python, -c]
arguments:
  - "import sys, time; block = bytearray(int(sys.argv[1]) * 2**20); time.sleep(float(sys.argv[2])); print(len(block))"
inputs:
  mebibytes: {{type: int, inputBinding: {{position: 1}}}}
  seconds: {{type: float, inputBinding: {{position: 2}}}}
stdout: out.txt
outputs:
  out: {{type: File, outputBinding: {{glob: out.txt}}}}
"""


@pytest.fixture
def tool_file(tmp_path: Path, python_base_image: str) -> Path:
    path = tmp_path / "hold.cwl"
    path.write_text(TOOL.format(image=python_base_image))
    return path


def test_peak_memory_percent_reads_docker_stats_lines() -> None:
    lines = "\x1b[2J\x1b[H1.50%\n\x1b[2J\x1b[H12.25%\n--\n\x1b[2J\x1b[H3.00%\n"
    assert peak_memory_percent(lines) == 12.25
    assert peak_memory_percent("") == 0.0


@pytest.mark.parametrize(("podman", "expected"), [(False, PromptDockerJob), (True, PromptPodmanJob)])
def test_container_jobs_get_the_prompt_monitor(tool_file: Path, podman: bool, expected: type) -> None:
    argv = ["--podman", str(tool_file)] if podman else [str(tool_file)]
    tool = load_tool(str(tool_file), loading_context(argv))
    assert isinstance(tool, PromptCommandLineTool) and isinstance(tool, CommandLineTool)
    runner = tool.make_job_runner(RuntimeContext({"podman": podman, "use_container": True}))
    assert runner is expected and issubclass(runner, DockerCommandLineJob)


def test_tools_without_a_container_are_cwltool_s_own(tmp_path: Path) -> None:
    path = tmp_path / "echo.cwl"
    path.write_text("cwlVersion: v1.2\nclass: CommandLineTool\nbaseCommand: [echo]\ninputs: []\noutputs: []\n")
    tool = load_tool(str(path), loading_context([str(path)]))
    assert tool.make_job_runner(RuntimeContext({"use_container": True})) is CommandLineJob


def _our_stats_processes() -> list[int]:
    """Pids of ``docker stats`` processes started by this process (the run is in-process)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[1]) == os.getpid() and cmdline[:2] == [b"docker", b"stats"]:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.parametrize("seconds", [0.0, 4.0])
def test_run_records_memory_of_long_jobs_and_leaves_nothing_behind(
    tool_file: Path, tmp_path: Path, docker_client: Any, capfd: pytest.CaptureFixture[str], seconds: float,
) -> None:
    work = tmp_path / "work"  # cwltool's temporary directories, and so its cid file, go under here
    options = RunOptions(outdir=tmp_path / "out", quiet=False, workdir=work,
                         inputs=("--mebibytes", "64", "--seconds", str(seconds)))
    code = run_cwl(tool_file, options)
    err = capfd.readouterr().err
    assert code == 0, err
    assert (tmp_path / "out" / "out.txt").read_text().strip() == str(64 * 2**20)
    lines = [line for line in err.splitlines() if "Max memory used" in line]
    if seconds > 1:  # sampled while the container held 64 MiB (a shorter job may or may not be sampled)
        assert lines and int(lines[0].rsplit(":", 1)[1].strip().removesuffix("MiB")) >= 60, err
    assert work.is_dir() and not list(work.rglob("*.cid")), "cid file left behind"
    assert _our_stats_processes() == [], "a docker stats process was left running"
