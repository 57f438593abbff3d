"""Run CWL with Toil (``toil-cwl-runner``) on the single-machine batch system.

Toil runs in a child process: it installs its own signal handlers and
logging, and a killed run must be restartable from its job store.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from claimed_cwl.runners.base import RunOptions, job_arguments
from claimed_cwl.runners.podman import podman_path

__all__ = ["run_toil", "toil_argv", "toil_environment"]


def toil_argv(document: Path, options: RunOptions, job_store: str) -> list[str]:
    """The toil-cwl-runner command line for one run.

    ``--no-prepull``: Toil would otherwise ``docker pull`` every image first,
    which fails for images that exist only in the local engine.
    """
    argv = [
        # toil.cwl.cwltoil has no __main__ guard: call its main() as the toil-cwl-runner script does
        sys.executable, "-c", "import sys; from toil.cwl.cwltoil import main; sys.exit(main())",
        f"--jobStore={job_store}",
        f"--outdir={options.outdir}",
        "--no-prepull",
        "--logLevel=WARNING" if options.quiet else "--logLevel=INFO",
        f"--batchSystem={options.batch_system}",
    ]
    if options.restart:
        argv.append("--restart")
    argv += list(options.batch_args)
    if options.engine == "podman":
        argv.append("--podman")
    if options.workdir is not None:
        argv += [f"--workDir={options.workdir}", f"--tmpdir-prefix={options.workdir}/tmp"]
    argv += list(options.extra_args)
    argv += job_arguments(document, options)
    return argv


def toil_environment() -> dict[str, str]:
    """This environment with the interpreter's bin directory first on PATH.

    Toil starts its workers as ``_toil_worker`` from PATH, which is only there
    when the virtualenv that holds Toil is on it.
    """
    bin_dir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")])}


def run_toil(document: Path, options: RunOptions) -> int:
    """Run ``document`` with Toil; a throw-away file job store unless ``options.job_store`` names one."""
    env = {**toil_environment(), **options.env}
    with tempfile.TemporaryDirectory(prefix="claimed-toil-") as scratch, contextlib.ExitStack() as stack:
        if options.engine == "podman":
            env["PATH"] = stack.enter_context(podman_path(env["PATH"]))
        job_store = options.job_store or f"file:{scratch}/jobstore"
        completed = subprocess.run(toil_argv(document, options, job_store), check=False, env=env)
    if completed.returncode != 0:
        print(f"claimed-cwl: toil-cwl-runner failed with exit code {completed.returncode}", file=sys.stderr)
    return completed.returncode
