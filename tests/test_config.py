"""Execution environments: precedence default < file < env < flag, errors with positions, masking."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from claimed_cwl.config import ConfigError, apply_environment, load_environment, render_toml
from claimed_cwl.runners.base import RunOptions

PROJECT = """\
default_env = "local"

[environments.slurm]
engine = "podman"

[environments.slurm.slurm]
partition = "debug"

[environments.slurm.resources]
cores = 2
memory = "4G"

[environments.kubernetes]
registry = "registry.example.org/claimed"
pull_secret = "regcred"

[environments.kubernetes.s3]
endpoint = "https://s3.example.org"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "claimed-cwl.toml"
    path.write_text(PROJECT)
    return path


def test_builtin_environments_need_no_file(tmp_path: Path) -> None:
    local = load_environment(None, environ={}, cwd=tmp_path)
    assert local.environment.name == "local"
    assert local.environment.runner == "cwltool"
    assert local.config_file is None
    toil = load_environment("toil-local", environ={}, cwd=tmp_path).environment
    assert (toil.runner, toil.batch_system, toil.engine) == ("toil", "single_machine", "docker")


def test_precedence_file_env_flag(project: Path) -> None:
    resolved = load_environment("slurm", config_file=project, environ={})
    assert resolved.environment.slurm.partition == "debug"
    assert str(resolved.origins["slurm.partition"]) == "file claimed-cwl.toml:7"
    environ = {"CLAIMED_CWL_SLURM_PARTITION": "general", "CLAIMED_CWL_SLURM__ENGINE": "docker",
               "CLAIMED_CWL_ENGINE": "podman"}
    resolved = load_environment("slurm", config_file=project, environ=environ)
    assert resolved.environment.slurm.partition == "general"
    assert resolved.environment.engine == "docker"  # the environment-specific variable beats the general one
    assert str(resolved.origins["engine"]) == "env CLAIMED_CWL_SLURM__ENGINE"
    flags = {"slurm.partition": ("gpu", "--set slurm.partition")}
    resolved = load_environment("slurm", config_file=project, environ=environ, flags=flags)
    assert resolved.environment.slurm.partition == "gpu"
    assert str(resolved.origins["slurm.partition"]) == "flag --set slurm.partition"
    assert resolved.environment.resources.cores == 2.0
    assert str(resolved.origins["runner"]) == "default"


def test_environment_name_from_variable(project: Path) -> None:
    env = load_environment(None, config_file=project, environ={"CLAIMED_CWL_ENV": "slurm"}).environment
    assert env.name == "slurm"


def test_unknown_key_names_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "claimed-cwl.toml"
    path.write_text('[environments.slurm]\nrunner = "toil"\n\n[environments.slurm.slurm]\npartiton = "x"\n')
    with pytest.raises(ConfigError) as info:
        load_environment("slurm", config_file=path, environ={})
    assert str(info.value).startswith(f"{path}:5: environments.slurm.slurm.partiton: unknown key (expected one of:")


def test_bad_value_and_bad_toml(tmp_path: Path) -> None:
    path = tmp_path / "claimed-cwl.toml"
    path.write_text('[environments.local]\nengine = "rkt"\n')
    with pytest.raises(ConfigError, match=r":2: environments.local.engine: bad value 'rkt' \(expected one of docker"):
        load_environment("local", config_file=path, environ={})
    path.write_text('[environments.local\nengine = "docker"\n')
    with pytest.raises(ConfigError, match=r"claimed-cwl.toml:1: not valid TOML"):
        load_environment("local", config_file=path, environ={})
    path.unlink()
    with pytest.raises(ConfigError, match=r"^CLAIMED_CWL_RESOURCES_CORES: bad value 'many' for resources.cores"):
        load_environment("local", environ={"CLAIMED_CWL_RESOURCES_CORES": "many"}, cwd=tmp_path)
    with pytest.raises(ConfigError, match=r"^CLAIMED_CWL_NOPE: unknown setting"):
        load_environment("local", environ={"CLAIMED_CWL_NOPE": "1"}, cwd=tmp_path)


def test_unknown_environment_and_inconsistent_settings(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown environment 'prod' \(expected one of: kubernetes, local, "):
        load_environment("prod", environ={}, cwd=tmp_path)
    with pytest.raises(ConfigError, match="needs an S3 job store"):
        load_environment("kubernetes", environ={}, cwd=tmp_path, flags={"job_store": ("file:/x", "--set job_store")})


def test_apply_maps_settings_to_toil_options(project: Path) -> None:
    env = load_environment("slurm", config_file=project, environ={}).environment
    backend, options = apply_environment(env, RunOptions(batch_args=("--maxJobs=2",)))
    assert backend == "toil"
    assert options.batch_system == "slurm"
    assert options.engine == "podman"
    assert options.batch_args == ("--defaultCores=2", "--defaultMemory=4G", "--slurmPartition=debug", "--maxJobs=2")
    k8s = load_environment("kubernetes", config_file=project, environ={}).environment
    backend, options = apply_environment(k8s, RunOptions())
    assert options.env["AWS_ENDPOINT_URL_S3"] == "https://s3.example.org"
    assert options.env["TOIL_AWS_SECRET_NAME"] == "claimed-s3"
    assert "--setEnv=AWS_ENDPOINT_URL_S3" in options.batch_args


def test_show_masks_secrets_and_names_origins(project: Path) -> None:
    secret = "s3cr3t-value-that-must-not-show"
    environ = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": secret,
               "CLAIMED_CWL_S3_ENDPOINT": "https://user:pa55word@s3.example.org"}
    text = render_toml(load_environment("kubernetes", config_file=project, environ=environ), environ)
    assert secret not in text and "AKIAEXAMPLE" not in text and "pa55word" not in text
    assert '# AWS_SECRET_ACCESS_KEY = "********"' in text
    assert 'endpoint = "https://********@s3.example.org"' in text
    assert 'pull_secret = "regcred"' in text  # a Secret's name is a reference, not a secret
    assert 'registry = "registry.example.org/claimed"' in text
    assert "# file claimed-cwl.toml:14" in text
    assert "# env CLAIMED_CWL_S3_ENDPOINT" in text


def test_config_show_cli(project: Path) -> None:
    secret = "another-secret-1234567890"
    done = subprocess.run(
        [sys.executable, "-m", "claimed_cwl", "--log-level", "DEBUG", "config", "show", "--env", "slurm",
         "--config", str(project), "--set", "slurm.time=1:00:00"],
        capture_output=True, text=True, check=False,
        env={"PATH": "/usr/bin:/bin", "AWS_SECRET_ACCESS_KEY": secret, "HOME": str(project.parent)},
    )
    assert done.returncode == 0, done.stderr
    assert 'time = "1:00:00"' in done.stdout and "# flag --set slurm.time" in done.stdout
    assert '# AWS_SECRET_ACCESS_KEY = "********"' in done.stdout
    assert secret not in done.stdout + done.stderr
    bad = subprocess.run([sys.executable, "-m", "claimed_cwl", "config", "show", "--env", "slurm", "--config",
                          str(project), "--set", "slurm.partiton=x"], capture_output=True, text=True, check=False)
    assert bad.returncode == 1
    assert bad.stderr.startswith("claimed-cwl: error: --set slurm.partiton: slurm.partiton: unknown key")
