"""Checks of this machine: the container engine, local images, the Slurm controller, a file job store."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from claimed_cwl.check.images import image_in_registry, split_image
from claimed_cwl.check.result import CheckResult, failed, passed

if TYPE_CHECKING:
    from docker import DockerClient

__all__ = ["check_engine", "check_file_job_store", "check_local_image", "check_slurm"]


def check_engine(engine: str) -> tuple[CheckResult, DockerClient | None]:
    """Ping the engine (docker: the docker SDK; podman: ``podman version``); return the result and a client."""
    if engine == "podman":
        if shutil.which("podman") is None:
            return failed("engine", "podman is not installed: install it (apt-get install podman) or use "
                          "engine = \"docker\""), None
        done = subprocess.run(["podman", "version", "--format", "{{.Client.Version}}"], capture_output=True,
                              text=True, check=False, timeout=60)
        if done.returncode != 0:
            return failed("engine", f"podman does not work: {done.stderr.strip().splitlines()[-1:]}"), None
        return passed("engine", f"podman {done.stdout.strip()}"), None
    from docker.errors import DockerException  # noqa: PLC0415

    from claimed_cwl.build.engine import EngineError, docker_client  # noqa: PLC0415

    try:
        client = docker_client()
        version = client.version().get("Version", "?")
    except (EngineError, DockerException) as exc:
        reason = str(exc.__cause__ or exc).splitlines()[0][:160]
        return failed("engine", f"the Docker engine is not reachable ({reason}): start it "
                      "(scripts/services.sh start docker) or set DOCKER_HOST"), None
    return passed("engine", f"Docker {version} answers"), client


def check_local_image(image: str, client: DockerClient | None) -> CheckResult:
    """The image exists in the local engine, or else in its registry (when it names one)."""
    from docker.errors import APIError, ImageNotFound  # noqa: PLC0415

    if client is not None:
        try:
            client.images.get(image)
            return passed("image", f"{image} is in the local engine")
        except ImageNotFound:
            pass
        except APIError as exc:
            return failed("image", f"cannot look up {image} in the engine: {exc.explanation}")
    if split_image(image)[0] is not None:
        in_registry = image_in_registry(image)
        if in_registry.ok:
            return in_registry
    return failed("image", f"{image} is missing: it is not in the local engine"
                  f"{' nor in its registry' if split_image(image)[0] else ''}; build it (claimed-cwl build "
                  "OPERATOR) or pull it (docker pull " + image + ")")


def check_slurm(partition: str | None) -> list[CheckResult]:
    """``scontrol ping`` (and ``scontrol show partition`` when a partition is set)."""
    scontrol = shutil.which("scontrol")
    if scontrol is None:
        return [failed("slurm", "scontrol is not installed: install the Slurm client (apt-get install "
                       "slurm-client) or put it on PATH")]
    try:
        ping = subprocess.run([scontrol, "ping"], capture_output=True, text=True, check=False, timeout=30)
    except subprocess.TimeoutExpired:
        return [failed("slurm", "scontrol ping did not answer in 30 s: is slurmctld running?")]
    said = " ".join((ping.stdout + " " + ping.stderr).split())
    if ping.returncode != 0 or "DOWN" in said or "UP" not in said:
        return [failed("slurm", f"the Slurm controller is not reachable (scontrol ping: {said or 'no output'}): "
                       "start slurmctld (systemctl start slurmctld) or point SLURM_CONF at the cluster")]
    results = [passed("slurm", f"controller up ({said})")]
    if partition:
        show = subprocess.run([scontrol, "show", "partition", partition], capture_output=True, text=True,
                              check=False, timeout=30)
        results.append(passed("slurm-partition", f"partition {partition} exists") if show.returncode == 0 else
                       failed("slurm-partition", f"Slurm has no partition {partition!r}: set slurm.partition to "
                              "one that 'sinfo -s' lists"))
    return results


def check_file_job_store(job_store: str, restart: bool) -> CheckResult:
    """A ``file:DIR`` job store: its parent is writable; it exists only when resuming."""
    path = Path(job_store.removeprefix("file:"))
    if restart:
        return (passed("job-store", f"{job_store} exists (resumable)") if path.is_dir() else
                failed("job-store", f"{job_store} does not exist: nothing to --restart; run without --restart"))
    if path.exists():
        return failed("job-store", f"{job_store} already exists: resume it with --restart or remove it "
                      f"(toil clean {job_store})")
    parent = path.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        return failed("job-store", f"cannot create {job_store}: {parent} is not a writable directory")
    return passed("job-store", f"{job_store} can be created")
