"""How an operator is started inside its container, and the launcher files copied into the image."""

from claimed_cwl.launch.strategy import (
    APP_DIR,
    LAUNCHER_DIR,
    export_file,
    interpreter_command,
    launch_command,
    launcher_files,
    script_path,
    value_outputs,
)

__all__ = [
    "APP_DIR",
    "LAUNCHER_DIR",
    "export_file",
    "interpreter_command",
    "launch_command",
    "launcher_files",
    "script_path",
    "value_outputs",
]
