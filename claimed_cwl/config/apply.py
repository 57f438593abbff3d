"""Turn an :class:`Environment` into what the runners take: a backend name and :class:`RunOptions`."""

from __future__ import annotations

from dataclasses import replace

from claimed_cwl.config.model import Environment
from claimed_cwl.runners.base import RunOptions

__all__ = ["apply_environment", "s3_environment", "toil_batch_args"]


def s3_environment(env: Environment) -> dict[str, str]:
    """Variables that point boto3 (ours and Toil's) at the environment's S3 service; never credentials."""
    variables = {"AWS_DEFAULT_REGION": env.s3.region}
    if env.s3.endpoint:
        variables["AWS_ENDPOINT_URL_S3"] = env.s3.endpoint
    if env.batch_system == "kubernetes" and env.s3.secret_name:
        variables["TOIL_AWS_SECRET_NAME"] = env.s3.secret_name  # Toil mounts it at /root/.aws in worker pods
    return variables


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


def toil_batch_args(env: Environment) -> list[str]:
    """toil-cwl-runner options for the environment's batch system and default resources."""
    args: list[str] = []
    if env.resources.cores is not None:
        args.append(f"--defaultCores={_number(env.resources.cores)}")
    if env.resources.memory:
        args.append(f"--defaultMemory={env.resources.memory}")
    if env.resources.disk:
        args.append(f"--defaultDisk={env.resources.disk}")
    if env.batch_system == "slurm":
        if env.slurm.partition:
            args.append(f"--slurmPartition={env.slurm.partition}")
        if env.slurm.time:
            args.append(f"--slurmTime={env.slurm.time}")
    if env.batch_system == "kubernetes":
        args.append(f"--kubernetesServiceAccount={env.kubernetes.service_account}")
        if env.s3.endpoint:
            args.append("--setEnv=AWS_ENDPOINT_URL_S3")  # worker pods reach the same S3 service
    return args


def apply_environment(env: Environment, options: RunOptions) -> tuple[str, RunOptions]:
    """Return ``(backend, options)`` for a run in ``env``; explicit ``options`` settings are kept.

    The engine ``singularity`` (kubernetes) is chosen by Toil itself; the options keep docker.
    """
    engine = env.engine if env.engine in ("docker", "podman") else options.engine
    if env.runner == "cwltool":
        return "cwltool", replace(options, engine=engine, env={**s3_environment(env), **options.env})
    return "toil", replace(
        options,
        engine=engine,
        batch_system=env.batch_system,
        job_store=options.job_store or env.job_store,
        batch_args=(*toil_batch_args(env), *options.batch_args),
        env={**s3_environment(env), **options.env},
    )
