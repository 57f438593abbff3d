"""How an operator is started inside its container, and the launcher files copied into the image."""

from claimed_cwl.launch.strategy import (
    APP_DIR,
    LAUNCHER_DIR,
    export_file,
    interpreter_command,
    is_value_secret,
    launch_command,
    launcher_files,
    runtime_requirements,
    script_path,
    secret_file,
    value_outputs,
    value_secrets,
)

__all__ = [
    "APP_DIR",
    "LAUNCHER_DIR",
    "export_file",
    "interpreter_command",
    "is_value_secret",
    "launch_command",
    "launcher_files",
    "runtime_requirements",
    "script_path",
    "secret_file",
    "value_outputs",
    "value_secrets",
]
