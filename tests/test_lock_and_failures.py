"""The lock file (grouping pip's report into layers, round trip) and readable pip failures (no engine)."""

from __future__ import annotations

from typing import Any

import pytest

from claimed_cwl.build.failure import explain_pip_failure, strip_ansi
from claimed_cwl.build.resolve import group_report
from claimed_cwl.emit import DockerfileSettings
from claimed_cwl.emit.dockerfile import emit_dockerfile, pip_requirements, usable_lock
from claimed_cwl.lockfile import Lock, LockedPackage, LockError, LockGroup, lock_inputs, parse_lock, render_lock
from claimed_cwl.spec import Dependency, DependencyKind, Language, OperatorSpec

ENV = {"python_version": "3.11", "python_full_version": "3.11.2", "sys_platform": "linux",
       "platform_system": "Linux", "implementation_name": "cpython"}
HASH = "sha256:" + "ab" * 32


def item(name: str, requires: list[str] | None = None, *, requested: bool = False) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "version": "1.0", "requires_dist": requires},
        "download_info": {"url": f"https://files.example/{name}.whl",
                          "archive_info": {"hashes": {"sha256": "ab" * 32}}},
        "requested": requested,
    }


def test_group_report_follows_dependencies_markers_and_extras() -> None:
    report = {
        "environment": ENV,
        "install": [
            item("pandas", ["numpy>=1", "tzdata; sys_platform == 'win32'"], requested=True),
            item("numpy"),
            item("requests", ["urllib3", "PySocks; extra == 'socks'", "numpy"], requested=True),
            item("urllib3"),
            item("PySocks"),
        ],
    }
    groups = group_report(report, ["pandas>=2", "requests[socks]", "six"])
    assert [(g.requirement, [p.name for p in g.packages]) for g in groups] == [
        ("pandas>=2", ["pandas", "numpy"]),  # tzdata's marker is false on Linux
        ("requests[socks]", ["requests", "urllib3", "PySocks"]),  # numpy is in the first group already
        ("six", []),  # already in the base image: no layer
    ]


def test_lock_round_trip_and_dockerfile_layers() -> None:
    lock = Lock(
        inputs="f" * 64,
        python="CPython 3.11.2 (x86_64)",
        groups=(
            LockGroup("pandas>=2", (LockedPackage("pandas", "2.2.3", HASH), LockedPackage("numpy", "2.1.0", HASH))),
            LockGroup("tool", (LockedPackage("tool", "0.1", url="git+https://example.org/tool.git@" + "a" * 40),)),
        ),
        options=("--extra-index-url=https://example.org/simple",),
        added=(("PyYAML", "import yaml at cell 2, line 1"),),
    )
    text = render_lock(lock, "demo")
    assert parse_lock(text) == Lock(lock.inputs, lock.python, (lock.groups[0], LockGroup("tool", (
        LockedPackage("tool", "", url="git+https://example.org/tool.git@" + "a" * 40),))), lock.options, lock.added)
    assert "--extra-index-url https://example.org/simple\n" in text
    assert lock.python_version() == "3.11"


def test_a_lock_for_other_requirements_is_not_used() -> None:
    spec = OperatorSpec("demo", Language.PYTHON, "demo.py",
                        dependencies=(Dependency(DependencyKind.PIP, ("pandas>=2",), 1),))
    fitting = Lock(lock_inputs(pip_requirements(spec), (), "python:3.11-slim"), "CPython 3.11.2",
                   (LockGroup("pandas>=2", (LockedPackage("pandas", "2.2.3", HASH),)),))
    assert usable_lock(spec, DockerfileSettings(lock=fitting)) is fitting
    assert usable_lock(spec, DockerfileSettings(base_image="other:1", lock=fitting)) is None
    dockerfile = emit_dockerfile(spec, DockerfileSettings(lock=fitting))
    assert f"RUN printf '%s\\n' 'pandas==2.2.3 --hash={HASH}' > /tmp/claimed-requirements.txt" in dockerfile
    assert "--no-deps --require-hashes -r /tmp/claimed-requirements.txt" in dockerfile


@pytest.mark.parametrize("text", ["", "# inputs: x\nsix==1\n", "# inputs: x\n# group: a\nsix\n",
                                  "# inputs: x\n# group: a\nsix==1 --hash=md5:00\n"])
def test_bad_lock_files(text: str) -> None:
    with pytest.raises(LockError):
        parse_lock(text)


PIP_OUTPUT = """\x1b[1;31mCollecting numpy==1.21.0
  Downloading numpy-1.21.0.zip (10.3 MB)
  Building wheel for numpy (pyproject.toml): started
""" + "  compiler noise\n" * 300 + """  \x1b[1;31merror\x1b[0m: \x1b[1msubprocess-exited-with-error\x1b[0m
  \u00d7 Building wheel for numpy (pyproject.toml) did not run successfully.
  \u2570\u2500> [267 lines of output]
      RuntimeError: Broken toolchain: cannot link a simple C program
ERROR: Failed building wheel for numpy
"""


def test_pip_failure_in_a_few_lines() -> None:
    requirement, reasons, _ = explain_pip_failure(PIP_OUTPUT, "", "python:3.11-slim")
    assert requirement == "numpy==1.21.0"
    assert reasons == [
        "error: subprocess-exited-with-error",
        "\u00d7 Building wheel for numpy (pyproject.toml) did not run successfully.",
        "\u2570\u2500> [267 lines of output]",
        "RuntimeError: Broken toolchain: cannot link a simple C program",
        "ERROR: Failed building wheel for numpy",
    ]
    assert strip_ansi("\x1b[1;31mred\x1b[0m") == "red"
