"""cwltool tool and job classes whose container monitor returns as soon as the container ends.

cwltool's ``DockerCommandLineJob.docker_monitor`` (cwltool 3.3) runs between starting
``docker run`` and waiting for it, and it costs every container job time it does not use:

- it sleeps a whole second before its first look at the container, so no job takes
  less than 1 s however short its container;
- for a job that outlives that second it starts ``docker stats`` for the memory
  figure, waits for the container, then gives ``docker stats`` up to 1 s to exit,
  which it never does for a ``--rm`` container, so such a job takes 1 s longer.

The classes here keep what the monitor is for (the "Max memory used" line of jobs
longer than a second, the removal of the cid file) and lose the waiting: they wait on
the ``docker run`` process itself, and stop ``docker stats`` once the container has
ended. ``make_tool`` is the LoadingContext ``construct_tool_object`` that uses them;
everything else is cwltool's own. The grid benchmark (``benchmarks/grid``) runs
hundreds of short scatter jobs and shows the difference.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import subprocess
from collections.abc import MutableMapping
from typing import TYPE_CHECKING

from cwltool.argparser import arg_parser
from cwltool.command_line_tool import CommandLineTool
from cwltool.context import LoadingContext
from cwltool.docker import DockerCommandLineJob, PodmanCommandLineJob
from cwltool.job import CONTROL_CODE_RE, JobBase
from cwltool.workflow import default_make_tool

if TYPE_CHECKING:
    from cwltool.context import RuntimeContext
    from cwltool.process import Process
    from ruamel.yaml.comments import CommentedMap

__all__ = ["PromptDockerJob", "PromptPodmanJob", "loading_context", "make_tool"]

cwltool_log = logging.getLogger("cwltool")

STATS_AFTER = 1.0
"""Seconds a container runs before its memory is sampled (cwltool's own threshold)."""
POLL = 0.05
"""Seconds between looks at the cid file while the container is being created."""


def _wait_for_cid(cidfile: str, process: subprocess.Popen[str]) -> str | None:
    """The container id from ``cidfile`` once docker has written it; None if the process ended first."""
    while process.poll() is None:
        with contextlib.suppress(OSError):
            with open(cidfile, encoding="utf-8") as handle:
                cid = handle.readline().strip()
            if cid:
                return cid
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=POLL)
    return None


def _total_memory() -> int:
    """Bytes of physical memory (what ``docker stats`` MemPerc is a percentage of, without a limit)."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def peak_memory_percent(stats_lines: str) -> float:
    """The highest ``MemPerc`` figure in ``docker stats --format {{.MemPerc}}`` output (0 when none)."""
    peak = 0.0
    for line in stats_lines.splitlines():
        text = re.sub(CONTROL_CODE_RE, "", line).replace("%", "").strip()
        with contextlib.suppress(ValueError):
            peak = max(peak, float(text))
    return peak


class PromptDockerJob(DockerCommandLineJob):
    """A Docker job whose monitor waits on the container, not on a clock."""

    def docker_monitor(
        self, cidfile: str, tmpdir_prefix: str, cleanup_cidfile: bool, docker_exe: str,
        process: subprocess.Popen[str],
    ) -> None:
        """Record the peak memory of a container that runs longer than STATS_AFTER; remove the cid file."""
        del tmpdir_prefix  # cwltool passes it; the cid file path is all that is needed
        try:
            process.wait(timeout=STATS_AFTER)
        except subprocess.TimeoutExpired:
            self._record_memory(cidfile, docker_exe, process)
        if cleanup_cidfile:
            with contextlib.suppress(OSError):
                os.remove(cidfile)

    def _record_memory(self, cidfile: str, docker_exe: str, process: subprocess.Popen[str]) -> None:
        cid = _wait_for_cid(cidfile, process)
        if cid is None:
            return
        command = [docker_exe, "stats", *(["--no-trunc"] if "podman" not in docker_exe else []),
                   "--format", "{{.MemPerc}}", cid]
        try:
            stats = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        except OSError as exc:
            cwltool_log.warning("Ignored error with %s stats: %s", docker_exe, exc)
            return
        process.wait()  # as in cwltool, the samples are read at the end (the pipe holds about an hour of them)
        stats.kill()  # it keeps streaming after the container has gone, and ignores SIGTERM
        output, _ = stats.communicate()
        peak = peak_memory_percent(output)
        cwltool_log.info("[job %s] Max memory used: %iMiB", self.name,
                         int(peak / 100 * _total_memory() / 2**20))


class PromptPodmanJob(PromptDockerJob, PodmanCommandLineJob):
    """The Podman job with the same monitor."""


_PROMPT: dict[type[JobBase], type[JobBase]] = {
    DockerCommandLineJob: PromptDockerJob,
    PodmanCommandLineJob: PromptPodmanJob,
}


class PromptCommandLineTool(CommandLineTool):
    """cwltool's CommandLineTool, running its Docker and Podman jobs with the prompt monitor."""

    def make_job_runner(self, runtimeContext: RuntimeContext) -> type[JobBase]:
        """The job class cwltool chooses, with the prompt monitor where it runs a container engine."""
        runner = super().make_job_runner(runtimeContext)
        return _PROMPT.get(runner, runner)


def make_tool(toolpath_object: CommentedMap, loadingContext: LoadingContext) -> Process:
    """LoadingContext.construct_tool_object: cwltool's default, with PromptCommandLineTool."""
    if isinstance(toolpath_object, MutableMapping) and toolpath_object.get("class") == "CommandLineTool":
        return PromptCommandLineTool(toolpath_object, loadingContext)
    return default_make_tool(toolpath_object, loadingContext)


def loading_context(argv: list[str]) -> LoadingContext:
    """The LoadingContext cwltool's main builds for ``argv``, with ``make_tool`` as tool constructor."""
    args = arg_parser().parse_args(argv)
    context = LoadingContext(vars(args))
    context.podman = args.podman  # as cwltool.main.setup_loadingContext does
    context.singularity = args.singularity
    context.construct_tool_object = make_tool
    return context
