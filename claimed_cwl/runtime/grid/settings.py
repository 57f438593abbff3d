"""The grid's settings: the one table every grid artifact and the in-image runtime's flags are made from.

Each :class:`Setting` names a CLAIMED grid setting once: its input id (in the
grid's CWL workflow and tools, and its KFP component), the environment variable
the runtime reads, its CWL and KFP types, its default, its doc, whether it is a
secret, the runtime flag that defaults to the variable, and where it belongs.
The runtime (:mod:`claimed_cwl.runtime.grid.config`) adds its flags from here;
the compile side (:mod:`claimed_cwl.grid`) makes the CWL inputs and their
bindings, the KFP inputs, the Kubernetes Job's environment and the table in
docs/grid.md from here. Nothing else spells a ``gw_*`` name.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "BACKEND",
    "BACKENDS",
    "BATCH_FILE",
    "COL_NAME",
    "COORDINATOR",
    "FILE_PATTERN",
    "FILE_ROOT",
    "GROUP_BY",
    "IGNORE_ERRORS",
    "LEASE_SECONDS",
    "LOCK_TIMEOUT",
    "PREFIX",
    "RESULT_PREFIX",
    "S3_RETRY",
    "SETTINGS",
    "TOLERATE_ERRORS",
    "WORKER_IDS",
    "Setting",
    "default_text",
    "settings_for",
]

#: The prefix of every grid setting; an operator parameter may not start with it.
PREFIX = "gw_"
#: Each scatter job's ``{batch: outcome}`` result file starts with this.
RESULT_PREFIX = "gw_result"
#: Where the coordination state lives.
BACKENDS = ("local", "s3")


class Setting(NamedTuple):
    """One grid setting.

    ``name`` is the input id (CWL and KFP), or the variable itself when the
    setting is no input. ``cwl`` is the CWL type in its short form
    (``string?``, ``File?``, ``boolean``, ``int[]``), per backend when the
    two differ (``cwl_s3``, and its doc ``doc_s3``); empty: no CWL input. ``kfp`` is the KFP input
    type; empty: no KFP input. ``default`` is the runtime's default (a CWL
    default only for booleans). ``flag`` is the runtime flag defaulting to
    ``env``. ``group`` says which runtime programs take it (``coordinator``,
    ``source``, ``worker``, ``report``, ``s3``) or ``workflow`` (the
    workflow alone). ``backend`` limits it to one backend; ``job`` puts it
    in the grid's Kubernetes Job.
    """

    name: str
    doc: str
    group: str
    env: str = ""
    cwl: str = ""
    cwl_s3: str = ""
    doc_s3: str = ""
    kfp: str = ""
    default: str | float | bool | None = None
    flag: str = ""
    choices: tuple[str, ...] = ()
    backend: str = ""
    job: bool = False
    secret: bool = False
    workers_only: bool = False
    extra_help: tuple[str, ...] = ()

    def cwl_type(self, backend: str) -> str:
        """The CWL type (short form) for ``backend``; empty when the setting is no CWL input."""
        return self.cwl_s3 if backend == "s3" and self.cwl_s3 else self.cwl

    @property
    def is_flag(self) -> bool:
        """A boolean: true when given (a CWL ``boolean``, an optional ``true``/``false`` for the runtime)."""
        return self.cwl == "boolean"

    def doc_for(self, backend: str) -> str:
        """The doc for ``backend``."""
        return self.doc_s3 if backend == "s3" and self.doc_s3 else self.doc

    def described(self, backend: str) -> str:
        """The doc for ``backend``, with the runtime's default when it is not a boolean's."""
        if self.default is None or isinstance(self.default, bool):
            return self.doc_for(backend)
        return f"{self.doc_for(backend)} (default {default_text(self.default)})"


def default_text(value: str | float | bool | None) -> str:
    """A default as the runtime reads it from its variable: ``10800``, ``false``, ``filename``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


BACKEND = Setting("gw_backend", "where the coordination state lives (default: s3 for an s3:// coordinator, else local)",
                  "coordinator", env="gw_backend", flag="--backend", choices=BACKENDS, job=True)
COORDINATOR = Setting(
    "gw_coordinator", "coordinator directory, shared (updated in place) by every job and run", "coordinator",
    env="gw_coordinator_path", cwl="Directory", cwl_s3="string", kfp="String", flag="--coordinator", job=True,
    doc_s3="s3://bucket/prefix of the coordination state (no credentials in it)",
    extra_help=("or s3://bucket/prefix; S3 credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / "
                "AWS_ENDPOINT_URL_S3, never from the URL",),
)
S3_CREDENTIALS = Setting("gw_s3_credentials", "AWS credentials file (as ~/.aws/credentials): the keys reach the jobs "
                         "in a file, never as a value", "coordinator", env="AWS_SHARED_CREDENTIALS_FILE", cwl="File?",
                         backend="s3")
S3_ENDPOINT = Setting("gw_s3_endpoint", "S3 endpoint URL (empty: AWS)", "coordinator", env="AWS_ENDPOINT_URL_S3",
                      cwl="string?", backend="s3", job=True)
ACCESS_KEY = Setting("AWS_ACCESS_KEY_ID", "S3 access key id", "coordinator", env="AWS_ACCESS_KEY_ID", backend="s3",
                     job=True, secret=True)
SECRET_KEY = Setting("AWS_SECRET_ACCESS_KEY", "S3 secret access key", "coordinator", env="AWS_SECRET_ACCESS_KEY",
                     backend="s3", job=True, secret=True)
S3_RETRY = Setting("gw_s3_retry_seconds", "seconds one S3 request is retried through an outage", "s3",
                   env="gw_s3_retry_seconds", default=120.0, backend="s3")
LEASE_SECONDS = Setting("gw_lease_seconds", "lease seconds: a live worker renews its batch's lease every third of "
                        "this; a batch whose worker died is taken over when it runs out", "worker",
                        env="gw_lease_seconds", cwl="float?", kfp="String", default=60.0, flag="--lease-seconds",
                        job=True)
LOCK_TIMEOUT = Setting("gw_lock_timeout", "longest seconds one batch may run: a live worker still on its batch "
                       "after this marks it failed and gives it up", "worker", env="gw_lock_timeout", cwl="float?",
                       kfp="String", default=10800.0, flag="--lock-timeout", job=True)
IGNORE_ERRORS = Setting("gw_ignore_error_files", "retry batches that have an error marker", "worker",
                        env="gw_ignore_error_files", cwl="boolean", kfp="String", default=False,
                        flag="--ignore-error-files", job=True)
BATCH_FILE = Setting("gw_batch_file", "batch file: .txt (comma-separated), .json (keys), .csv (a column)", "source",
                     env="gw_batch_file", cwl="File?", kfp="String", flag="--batch-file", job=True,
                     extra_help=("a path or s3://bucket/key",))
BATCH_URL = Setting("gw_batch_url", "batch file in S3 instead: s3://bucket/key.txt|.json|.csv", "source",
                    env="gw_batch_file", cwl="string?")
COL_NAME = Setting("gw_batch_file_col_name", "column of a .csv batch file", "source", env="gw_batch_file_col_name",
                   cwl="string?", kfp="String", default="filename", flag="--batch-file-col-name")
FILE_PATTERN = Setting("gw_file_path_pattern", "glob pattern(s), comma-separated, relative to gw_file_root, used when "
                       "there is no batch file", "source", env="gw_file_path_pattern", cwl="string?", kfp="String",
                       flag="--file-path-pattern")
GROUP_BY = Setting("gw_group_by", "rule turning a path into a batch id: a C3 expression such as [-10:-4] or "
                   ".split('.')[-2], or re:REGEX (its first group, else the match)", "source", env="gw_group_by",
                   cwl="string?", kfp="String", flag="--group-by")
FILE_ROOT = Setting("gw_file_root", "directory the pattern is matched in (staged as ./gw_file_root)", "source",
                    cwl="Directory?")
TOLERATE_ERRORS = Setting("gw_tolerate_errors", "succeed even when batches failed", "report", cwl="boolean",
                          default=False, flag="--tolerate-errors")
WORKER_IDS = Setting("gw_worker_ids", "one scatter job (worker) per item", "workflow", cwl="int[]",
                     workers_only=True)

#: Every grid setting, in the order the artifacts list them.
SETTINGS: tuple[Setting, ...] = (
    BACKEND, COORDINATOR, S3_CREDENTIALS, S3_ENDPOINT, ACCESS_KEY, SECRET_KEY, S3_RETRY, LEASE_SECONDS, LOCK_TIMEOUT,
    IGNORE_ERRORS,
    BATCH_FILE, BATCH_URL, COL_NAME, FILE_PATTERN, GROUP_BY, FILE_ROOT, TOLERATE_ERRORS, WORKER_IDS,
)


def settings_for(group: str, backend: str | None = None, workers: bool = False) -> list[Setting]:
    """The settings of ``group`` (``""``: all) that apply to ``backend`` (None: any) and the grid's mode."""
    return [
        s for s in SETTINGS
        if (not group or s.group == group) and (backend is None or s.backend in ("", backend))
        and (workers or not s.workers_only)
    ]
