"""Named execution environments: built-in defaults < claimed-cwl.toml < environment variables < flags."""

from claimed_cwl.config.apply import apply_environment, s3_environment, toil_batch_args
from claimed_cwl.config.errors import ConfigError
from claimed_cwl.config.load import CONFIG_NAME, Origin, Resolved, env_var_name, find_config_file, load_environment
from claimed_cwl.config.model import (
    BUILTIN_ENVIRONMENTS,
    KEYS,
    Environment,
    KubernetesSettings,
    Resources,
    S3Settings,
    SlurmSettings,
)
from claimed_cwl.config.show import MASK, is_secret_name, mask_value, render_toml

__all__ = [
    "BUILTIN_ENVIRONMENTS",
    "CONFIG_NAME",
    "KEYS",
    "MASK",
    "ConfigError",
    "Environment",
    "KubernetesSettings",
    "Origin",
    "Resolved",
    "Resources",
    "S3Settings",
    "SlurmSettings",
    "apply_environment",
    "env_var_name",
    "find_config_file",
    "is_secret_name",
    "load_environment",
    "mask_value",
    "render_toml",
    "s3_environment",
    "toil_batch_args",
]
