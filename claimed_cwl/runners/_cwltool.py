"""Every touch on cwltool's internals, in one place: its job classes, its main, its executors, its packer.

The tool and job classes here give a prompt container monitor, the image's user
and private secret files (below); :func:`run` calls cwltool's ``main`` with them
and returns the output object cwltool's executor returned; :func:`pack_document`
packs with cwltool's packer. What is relied on is listed in :data:`OVERRIDES`
(the signatures of the methods overridden or called) and :data:`LOG_FORMATS`
(the log lines :mod:`claimed_cwl.runners.step_log` reads).
:func:`seam_problems` compares the overrides with the installed cwltool at
start-up: on a mismatch, the run falls back to cwltool's own classes with a
warning. ``tests/test_seam_tripwires.py`` reads cwltool's sources for all of it.

**Prompt monitor.**

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
ended. ``make_tool`` is the LoadingContext ``construct_tool_object`` that uses them
(with ``--cachedir``, wrapped by one that pins each image by its id: :func:`pin_images`);
everything else is cwltool's own. The grid benchmark (``benchmarks/grid``) runs
hundreds of short scatter jobs and shows the difference.

**The image's user.** cwltool runs every container as the user that runs
cwltool (``--user=<euid>:<egid>``), so that the container can write to the job
directories it mounts; when that is root, containers run as root although our
images are built to run as uid 1000. When cwltool runs as root, the job class
here runs the container as the image's own numeric user (``Config.User``,
read once per image) instead: the job's writable directories (output and
temporary directory, writable copies) are given to that user for the run and
taken back once the container has ended (never following a link the container
made); a read-only input that user cannot read is copied for it into the job's
private temporary space. Images whose user is root or a name (not a number),
and tools that update a host directory in place (``InplaceUpdateRequirement``),
keep cwltool's behaviour.

**Log tails.** Each container job's standard output and error (which cwltool
sends to its own standard error when the tool does not capture them) pass
through a pipe that copies every line on and keeps the last
:data:`LOG_TAIL_LINES`; when the job ends they are logged at DEBUG level as
``[job NAME] log tail``, the lines in the record's ``claimed_log_tail``
attribute (:data:`LOG_TAIL_ATTRIBUTE`), for the run report.

**Secret files.** A file that an InitialWorkDir entry fills with a secret
value (``cwltool:Secrets``) is written with mode 0600 (cwltool writes 0444),
through no link; cwltool deletes it after the job, as before.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import importlib
import inspect
import io
import logging
import os
import re
import shutil
import stat
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from importlib.metadata import version
from typing import IO, TYPE_CHECKING, Any

from cwltool.argparser import arg_parser
from cwltool.command_line_tool import CommandLineTool
from cwltool.context import LoadingContext
from cwltool.docker import DockerCommandLineJob, PodmanCommandLineJob
from cwltool.errors import WorkflowException
from cwltool.executors import JobExecutor, MultithreadedJobExecutor, SingleJobExecutor
from cwltool.job import CONTROL_CODE_RE, JobBase
from cwltool.loghandler import defaultStreamHandler
from cwltool.utils import create_tmp_dir
from cwltool.workflow import default_make_tool

from claimed_cwl.runners.private import signals_held

if TYPE_CHECKING:
    from cwltool.context import RuntimeContext
    from cwltool.pathmapper import MapperEnt
    from cwltool.process import Process
    from cwltool.secrets import SecretStore
    from ruamel.yaml.comments import CommentedMap

__all__ = [
    "LOG_FORMATS",
    "LOG_TAIL_ATTRIBUTE",
    "LOG_TAIL_LINES",
    "OVERRIDES",
    "Override",
    "PromptDockerJob",
    "PromptPodmanJob",
    "image_user",
    "loading_context",
    "make_tool",
    "pack_document",
    "parse_user",
    "run",
    "seam_problems",
    "stop_containers",
]

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


LOG_TAIL_LINES = 40
"""Lines of each job's output kept for the run report."""
LOG_TAIL_ATTRIBUTE = "claimed_log_tail"
"""The attribute of the ``[job NAME] log tail`` record that holds the lines."""


class _TeeLog:
    """A pipe whose reader copies every line to ``sink`` and keeps the last ``keep`` lines."""

    def __init__(self, sink: IO[str], keep: int) -> None:
        read, write = os.pipe()
        self.writer = os.fdopen(write, "w")
        self._reader = os.fdopen(read, "r", encoding="utf-8", errors="replace")
        self.lines: deque[str] = deque(maxlen=keep)
        self._sink = sink
        self._thread = threading.Thread(target=self._copy, name="job-log", daemon=True)
        self._thread.start()

    def _copy(self) -> None:
        for line in self._reader:
            self.lines.append(line.rstrip("\n"))
            with contextlib.suppress(OSError, ValueError):
                self._sink.write(line)
                self._sink.flush()

    def close(self) -> list[str]:
        """Close our end of the pipe; once the job's processes have closed theirs, return the last lines."""
        self.writer.close()
        self._thread.join(timeout=10)  # a process the job left running may hold the pipe: keep what was read
        if not self._thread.is_alive():
            self._reader.close()
        return list(self.lines)


User = tuple[int, int | None]
_IMAGE_USERS: dict[tuple[str, str], User | None] = {}


def parse_user(text: str) -> User | None:
    """``uid`` or ``uid:gid`` as numbers; None for root, an empty user, or a user name."""
    match = re.fullmatch(r"([0-9]+)(?::([0-9]+))?", text.strip())
    if match is None or int(match[1]) == 0:
        return None
    return int(match[1]), None if match[2] is None else int(match[2])


def image_user(engine: str, image: str) -> User | None:
    """The numeric user ``image`` runs as (its ``Config.User``), read once per image; None: root or unknown."""
    key = (engine, image)
    if key not in _IMAGE_USERS:
        try:
            done = subprocess.run([engine, "image", "inspect", "--format", "{{.Config.User}}", image],
                                  capture_output=True, text=True, check=False, timeout=60)
        except (OSError, subprocess.SubprocessError):
            done = None
        _IMAGE_USERS[key] = parse_user(done.stdout) if done is not None and done.returncode == 0 else None
    return _IMAGE_USERS[key]


def _readable_by(path: str, user: User) -> bool:
    """Tell whether ``user`` may read ``path`` (every file, and enter every directory, under it)."""
    uid, gid = user
    paths = [path]
    if os.path.isdir(path):
        for root, dirs, files in os.walk(path):
            paths += [os.path.join(root, name) for name in dirs + files]
    for item in paths:
        try:
            info = os.stat(item)
        except OSError:  # a dangling link inside a directory: the container cannot follow it either
            continue
        need = 0o5 if stat.S_ISDIR(info.st_mode) else 0o4
        if info.st_uid == uid:
            shift = 6
        elif gid is not None and info.st_gid == gid:
            shift = 3
        else:
            shift = 0
        if (stat.S_IMODE(info.st_mode) >> shift) & need != need:
            return False
    return True


def _chown_tree(path: str, uid: int, gid: int) -> None:
    """``chown -R`` that never follows a symbolic link (a container may have planted one)."""
    os.chown(path, uid, gid, follow_symlinks=False)
    if os.path.isdir(path) and not os.path.islink(path):
        for root, dirs, files in os.walk(path):
            for name in dirs + files:
                with contextlib.suppress(FileNotFoundError):
                    os.chown(os.path.join(root, name), uid, gid, follow_symlinks=False)


def _mount_fields(arg: str) -> list[str] | None:
    """The fields of a ``--mount=type=bind,...`` argument as cwltool writes it (csv), or None."""
    if not arg.startswith("--mount="):
        return None
    return next(csv.reader(io.StringIO(arg.removeprefix("--mount="))))


def _mount_arg(fields: list[str]) -> str:
    output = io.StringIO()
    csv.writer(output).writerow(fields)
    return f"--mount={output.getvalue().strip()}"


class PromptDockerJob(DockerCommandLineJob):
    """A Docker job whose monitor waits on the container, run as the image's user when cwltool is root."""

    _image: str | None = None
    _given: tuple[str, ...] = ()  # directories handed to the image's user for the run

    def get_from_requirements(
        self, r: Any, pull_image: bool, force_pull: bool, tmp_outdir_prefix: str,
        image_base_path: str | None = None,
    ) -> str | None:
        """Cwltool's image lookup; remembers the image, whose user the container runs as."""
        self._image = super().get_from_requirements(r, pull_image, force_pull, tmp_outdir_prefix, image_base_path)
        return self._image

    def create_runtime(
        self, env: MutableMapping[str, str], runtimeContext: RuntimeContext
    ) -> tuple[list[str], str | None]:
        """Cwltool's ``docker run`` options, with ``--user`` the image's user where that is possible.

        Refused (WorkflowException) while :func:`stop_containers` stops the run: no new container starts.
        """
        if _STOPPING.is_set():
            raise WorkflowException("the run is being stopped: no new container")
        runtime, cidfile = super().create_runtime(env, runtimeContext)
        user = self._image_user(runtimeContext)
        if user is not None:
            runtime = self._as_user(runtime, user, runtimeContext.tmpdir_prefix)
        return runtime, cidfile

    def _image_user(self, runtimeContext: RuntimeContext) -> User | None:
        if (os.geteuid() != 0 or self._image is None or runtimeContext.no_match_user
                or runtimeContext.user_space_docker_cmd or self.inplace_update):
            return None
        return image_user(self.docker_exec, self._image)

    def _as_user(self, runtime: list[str], user: User, tmpdir_prefix: str) -> list[str]:
        """Swap ``--user``, give the writable mounts to ``user`` and copy inputs it cannot read."""
        uid, gid = user
        result, given = [], []
        for arg in runtime:
            fields = _mount_fields(arg)
            if arg.startswith("--user="):
                result.append(f"--user={uid}" if gid is None else f"--user={uid}:{gid}")
            elif fields is not None and "readonly" in fields:
                result.append(_mount_arg([self._readable_source(field, user, tmpdir_prefix) for field in fields]))
            else:
                if fields is not None:  # writable: the job's own directories
                    given += [field.removeprefix("source=") for field in fields if field.startswith("source=")]
                result.append(arg)
        for path in given:
            _chown_tree(path, uid, -1 if gid is None else gid)
        self._given = tuple(given)
        return result

    def _readable_source(self, field: str, user: User, tmpdir_prefix: str) -> str:
        """``source=PATH``, with PATH copied into private space when ``user`` cannot read it."""
        source = field.removeprefix("source=")
        if not field.startswith("source=") or not os.path.exists(source) or _readable_by(source, user):
            return field
        copy = os.path.join(create_tmp_dir(tmpdir_prefix), os.path.basename(source))
        if os.path.isdir(source):
            shutil.copytree(source, copy, symlinks=True)
        else:
            shutil.copy2(source, copy)
        _chown_tree(copy, user[0], -1 if user[1] is None else user[1])
        cwltool_log.info("[job %s] %s cannot be read by the image's user %s: a copy is mounted", self.name,
                         source, user[0])
        return f"source={copy}"

    def create_file_and_add_volume(
        self, runtime: list[str], volume: MapperEnt, host_outdir_tgt: str | None,
        secret_store: SecretStore | None, tmpdir_prefix: str,
    ) -> str:
        """Cwltool's InitialWorkDir file, except that one holding a secret is written with mode 0600."""
        if not (secret_store and host_outdir_tgt and volume.type == "CreateFile"
                and secret_store.has_secret(volume.resolved)):
            return super().create_file_and_add_volume(runtime, volume, host_outdir_tgt, secret_store, tmpdir_prefix)
        os.makedirs(os.path.dirname(host_outdir_tgt), exist_ok=True)
        descriptor = os.open(host_outdir_tgt, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(str(secret_store.retrieve(volume.resolved)))
        return host_outdir_tgt

    def _execute(
        self, runtime: list[str], env: MutableMapping[str, str], runtimeContext: RuntimeContext,
        monitor_function: Callable[[subprocess.Popen[str]], None] | None = None,
    ) -> None:
        """Cwltool's execution, with the job's output teed through a pipe that keeps its last lines."""
        if runtimeContext.default_stdout is not None or runtimeContext.default_stderr is not None:
            super()._execute(runtime, env, runtimeContext, monitor_function)
            return
        tee = _TeeLog(sys.stderr, LOG_TAIL_LINES)
        context = runtimeContext.copy()
        context.default_stdout = context.default_stderr = tee.writer
        try:
            super()._execute(runtime, env, context, monitor_function)
        finally:
            cwltool_log.debug("[job %s] log tail", self.name, extra={LOG_TAIL_ATTRIBUTE: tee.close()})

    def docker_monitor(
        self, cidfile: str, tmpdir_prefix: str, cleanup_cidfile: bool, docker_exe: str,
        process: subprocess.Popen[str],
    ) -> None:
        """Record the peak memory of a container that runs longer than STATS_AFTER; remove the cid file.

        Once the container has ended, the directories given to the image's user are taken back.
        """
        del tmpdir_prefix  # cwltool passes it; the cid file path is all that is needed
        try:
            try:
                process.wait(timeout=STATS_AFTER)
            except subprocess.TimeoutExpired:
                self._record_memory(cidfile, docker_exe, process)
        finally:
            for path in self._given:
                _chown_tree(path, os.geteuid(), os.getegid())
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


def image_id(engine: str, image: str) -> str | None:
    """The id (``sha256:...``) of ``image`` in the local engine; None when it is not there."""
    try:
        done = subprocess.run([engine, "image", "inspect", "--format", "{{.Id}}", image],
                              capture_output=True, text=True, check=False, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    found = done.stdout.strip() if done.returncode == 0 else ""
    return found if found.startswith("sha256:") else None


def pin_images(toolpath_object: Any, ids: Callable[[str], str | None]) -> None:
    """Set ``dockerImageId`` of each DockerRequirement that pulls a local image to that image's id (``ids``).

    cwltool's cache key holds the DockerRequirement and ``dockerImageId or
    dockerPull``: with the image's name only, a rebuilt image under the same
    tag would re-use the results of the old one. cwltool finds a local image by
    its id (``docker inspect``) and runs the id, so the run uses exactly the
    image the key names. An image that is not local is left to cwltool (pulled
    by name, keyed by name).
    """
    if not isinstance(toolpath_object, MutableMapping):
        return
    for key in ("requirements", "hints"):
        for entry in toolpath_object.get(key) or ():
            if (isinstance(entry, MutableMapping) and entry.get("class") == "DockerRequirement"
                    and isinstance(entry.get("dockerPull"), str) and "dockerImageId" not in entry):
                found = ids(entry["dockerPull"])
                if found is not None:
                    entry["dockerImageId"] = found


def _image_pinning(make: Any, engine: str) -> Any:
    """A ``construct_tool_object`` that pins the images of each CommandLineTool (:func:`pin_images`), then ``make``.

    Each image is looked up once per run (a later run sees a rebuilt image).
    """
    ids = functools.cache(functools.partial(image_id, engine))

    def construct(toolpath_object: CommentedMap, loadingContext: LoadingContext) -> Process:
        if isinstance(toolpath_object, MutableMapping) and toolpath_object.get("class") == "CommandLineTool":
            pin_images(toolpath_object, ids)
        process: Process = make(toolpath_object, loadingContext)
        return process
    return construct


def loading_context(argv: list[str]) -> LoadingContext:
    """The LoadingContext cwltool's main builds for ``argv``, with ``make_tool`` as tool constructor.

    When the installed cwltool's methods no longer match the overrides (:func:`seam_problems`), its own
    tool constructor is kept and a warning says why.
    """
    args = arg_parser().parse_args(argv)
    context = LoadingContext(vars(args))
    context.podman = args.podman  # as cwltool.main.setup_loadingContext does
    context.singularity = args.singularity
    problems = seam_problems()
    if problems:
        cwltool_log.warning("claimed-cwl: cwltool %s does not match the job classes claimed-cwl extends (%s): "
                            "running with cwltool's own classes", version("cwltool"), "; ".join(problems))
    else:
        context.construct_tool_object = make_tool
    if args.cachedir:  # cached re-runs: the key sees each image's id, not only its name
        engine = "podman" if args.podman else "docker"
        context.construct_tool_object = _image_pinning(context.construct_tool_object, engine)
    return context


def _cid_soon(cidfile: str, process: subprocess.Popen[str], wait: float = 5.0) -> str | None:
    """The container id once ``docker run`` has written it (it may be starting); None if it never does."""
    deadline = time.monotonic() + wait
    while True:
        with contextlib.suppress(OSError):
            with open(cidfile, encoding="utf-8") as handle:
                cid = handle.readline().strip()
            if cid:
                return cid
        if process.poll() is not None or time.monotonic() > deadline:
            return None
        time.sleep(POLL)


_STOPPING = threading.Event()
WIND_DOWN = 30.0
"""Seconds an interrupted cwltool gets to wind down once its containers are stopped."""


def stop_containers() -> None:
    """Stop what cwltool started and has not seen end, for an interrupted run; from now on nothing new starts.

    The containers are killed through their engine, all with one ``docker kill`` (the cid files of their
    ``docker run``s), the processes on the host with every process under them (cwltool's own clean-up kills
    only the process it started, and waits 10 s for each in turn). A second sweep catches a job that was
    starting its container during the first. New containers are refused until the next :func:`run`.
    """
    _STOPPING.set()
    _stop_started()
    time.sleep(0.5)
    _stop_started()


def _stop_started() -> None:
    import psutil  # noqa: PLC0415 - only for an interrupted run
    from cwltool.utils import processes_to_kill  # noqa: PLC0415

    started = []
    while processes_to_kill:  # other threads may add to it meanwhile: no iteration over it
        started.append(processes_to_kill.popleft())
    containers: dict[str, list[str]] = {}
    for process in started:
        args = [str(arg) for arg in (process.args if isinstance(process.args, list | tuple) else [process.args])]
        cidfile = next((arg.split("=", 1)[1] for arg in args if arg.startswith("--cidfile=")), None)
        cid = _cid_soon(cidfile, process) if cidfile is not None else None
        if cid:
            containers.setdefault(args[0], []).append(cid)
    for engine, cids in containers.items():
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run([engine, "kill", *cids], capture_output=True, check=False, timeout=30)
    for process in started:
        with contextlib.suppress(psutil.Error):
            for child in psutil.Process(process.pid).children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    child.kill()
        process.kill()
    for process in started:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)


# ----------------------------------------------------------------- the seam: what is relied on, and its check


@dataclass(frozen=True)
class Override:
    """A function or method of cwltool's that this module overrides or calls: where, and its parameters.

    ``exact``: the installed parameters must be these, in order; else they must include them.
    """

    module: str
    qualname: str
    parameters: tuple[str, ...]
    exact: bool = True


OVERRIDES = (
    Override("cwltool.docker", "DockerCommandLineJob.get_from_requirements",
             ("self", "r", "pull_image", "force_pull", "tmp_outdir_prefix", "image_base_path")),
    Override("cwltool.docker", "DockerCommandLineJob.create_runtime", ("self", "env", "runtimeContext")),
    Override("cwltool.job", "ContainerCommandLineJob.create_file_and_add_volume",
             ("self", "runtime", "volume", "host_outdir_tgt", "secret_store", "tmpdir_prefix")),
    Override("cwltool.job", "ContainerCommandLineJob.docker_monitor",
             ("self", "cidfile", "tmpdir_prefix", "cleanup_cidfile", "docker_exe", "process")),
    Override("cwltool.job", "JobBase._execute", ("self", "runtime", "env", "runtimeContext", "monitor_function")),
    Override("cwltool.command_line_tool", "CommandLineTool.make_job_runner", ("self", "runtimeContext")),
    Override("cwltool.workflow", "default_make_tool", ("toolpath_object", "loadingContext")),
    Override("cwltool.executors", "JobExecutor.__call__",
             ("self", "process", "job_order_object", "runtime_context", "logger")),
    Override("cwltool.executors", "MultithreadedJobExecutor.__init__", ("self", "max_parallel")),
    Override("cwltool.main", "main", ("argsl", "stdout", "logger_handler", "loadingContext", "executor"),
             exact=False),
    Override("cwltool.pack", "pack", ("loadingContext", "uri"), exact=False),
)
"""The signatures relied on (cwltool 3.3)."""

LOG_FORMATS = (
    ("cwltool/job.py", "[job %s] %s$ %s%s%s%s"),
    ("cwltool/job.py", "[job %s] exited with status: %d"),
    ("cwltool/job.py", "[job %s] Max memory used: %iMiB"),
    ("cwltool/job.py", "[job %s] was terminated by signal: %s"),
    ("cwltool/job.py", "[job %s] completed %s"),
    ("cwltool/job.py", "[job %s] outputs %s"),
    ("cwltool/workflow_job.py", "step %s"),
    ("cwltool/workflow_job.py", "[%s] start"),
    ("cwltool/workflow_job.py", "[%s] completed %s"),
    ("cwltool/command_line_tool.py", "Error collecting output for parameter '{}': {}"),
    ("cwltool/command_line_tool.py", "[job %s] Using cached output in %s"),
    ("cwltool/command_line_tool.py", "Did not find output file with glob pattern: {globpatterns!r}"),
    ("cwltool/main.py", "try again with --debug for more information"),
)
"""The log lines read by :mod:`claimed_cwl.runners.step_log`: the file of cwltool's that writes each, and its format."""


def _installed(override: Override) -> Any:
    target: Any = importlib.import_module(override.module)
    for part in override.qualname.split("."):
        target = getattr(target, part)
    return target


def seam_problems(overrides: tuple[Override, ...] | None = None) -> list[str]:
    """How the installed cwltool differs from ``overrides`` (default :data:`OVERRIDES`); empty when it matches."""
    problems = []
    for override in OVERRIDES if overrides is None else overrides:
        where = f"{override.module}.{override.qualname}"
        try:
            found = tuple(inspect.signature(_installed(override)).parameters)
        except (ImportError, AttributeError, TypeError, ValueError) as exc:
            problems.append(f"{where} is gone ({type(exc).__name__})")
            continue
        matches = found == override.parameters if override.exact else set(override.parameters) <= set(found)
        if not matches:
            problems.append(f"{where}{_shown(found)} is not {where}{_shown(override.parameters)}")
    return problems


def _shown(parameters: tuple[str, ...]) -> str:
    return f"({', '.join(parameters)})"


class RecordingExecutor(JobExecutor):
    """cwltool's executor of choice (parallel or not), keeping the output object it returns."""

    def __init__(self, parallel: bool, max_parallel: int = 0) -> None:
        """Run jobs as cwltool's main would for ``--parallel`` (``--parallel-max``) or without it."""
        super().__init__()
        self.inner: JobExecutor = (MultithreadedJobExecutor(max_parallel=max_parallel) if parallel
                                   else SingleJobExecutor())
        self.outputs: dict[str, Any] | None = None

    def __call__(
        self, process: Process, job_order_object: Any, runtime_context: RuntimeContext,
        logger: logging.Logger = cwltool_log,
    ) -> tuple[Any, str]:
        """Run ``process``; remember its (relocated) output object, which cwltool's main then prints."""
        if isinstance(self.inner, MultithreadedJobExecutor):
            runtime_context.select_resources = self.inner.select_resources  # as cwltool's main does
        out, status = self.inner(process, job_order_object, runtime_context, logger)
        if isinstance(out, dict):
            self.outputs = out  # main finishes it in place (paths) before it prints it
        return out, status

    def run_jobs(self, process: Process, job_order_object: Any, logger: logging.Logger,
                 runtime_context: RuntimeContext) -> None:
        """Not used: :meth:`__call__` hands the run to the executor inside."""
        raise NotImplementedError


def run(argv: list[str], handler: logging.Handler, stdout: IO[str]) -> tuple[int, dict[str, Any] | None]:
    """Run cwltool's main on ``argv`` with the job classes here; return its exit code and output object.

    cwltool runs in a thread of its own, so that a signal never unwinds it half-way: its parallel executor,
    interrupted in the main thread, would wait in a ``finally`` for job threads that wait for the lock it
    holds. Interrupted (the signal raises here), the containers are stopped (:func:`stop_containers`), no new
    one starts, and cwltool winds down on its own (at most :data:`WIND_DOWN` seconds) before the signal's
    exception goes on.
    """
    from cwltool.main import main as cwltool_main  # noqa: PLC0415 - heavy import, only for runs

    args = arg_parser().parse_args(argv)
    # cwltool's main detaches its default stream handler first; our executor is made before main runs, and its
    # parallel one logs a DEBUG traceback where there is no nvidia-smi (our handler is not attached yet)
    cwltool_log.removeHandler(defaultStreamHandler)
    executor = RecordingExecutor(bool(args.parallel), int(args.parallel_max or 0))
    result: dict[str, int] = {}
    raised: list[BaseException] = []

    def main() -> None:
        try:
            result["code"] = int(cwltool_main(argv, stdout=stdout, logger_handler=handler,
                                              loadingContext=loading_context(argv), executor=executor))
        except BaseException as exc:  # handed to the caller's thread, as if cwltool had run there
            raised.append(exc)

    _STOPPING.clear()
    thread = threading.Thread(target=main, name="cwltool", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.2)
    except BaseException:
        with signals_held():  # a second Ctrl-C must not cut the clean-up short
            stop_containers()
            thread.join(WIND_DOWN)
            stop_containers()  # whatever started while it wound down
        raise
    if raised:
        raise raised[0]
    return result["code"], executor.outputs


def pack_document(path: str) -> dict[str, Any]:
    """Cwltool's packed form of the CWL document at ``path`` (and everything it references), as a mapping."""
    from cwltool.load_tool import fetch_document, resolve_and_validate_document  # noqa: PLC0415
    from cwltool.pack import pack  # noqa: PLC0415

    context = LoadingContext({"do_update": False})
    context, workflowobj, uri = fetch_document(path, context)
    context, uri = resolve_and_validate_document(context, workflowobj, uri)
    return dict(pack(context, uri))
