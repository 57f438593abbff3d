"""A user who is not developing claimed-cwl: a wheel built from the repository, installed into a fresh virtualenv.

``compile``, ``build``, ``run`` and ``grid`` are run with that virtualenv's
``claimed-cwl``, in a directory outside the checkout, with nothing of the
checkout on ``PATH`` or ``PYTHONPATH``: every file that goes into an image
(the launchers, the grid runtime) must come from the installed package.
The dependencies come from the package index, as for any user (about a minute
with a warm pip cache).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from services import remove_repository_images

ROOT = Path(__file__).resolve().parent.parent
E2E = ROOT / "tests" / "e2e"

pytestmark = [pytest.mark.slow, pytest.mark.docker]


@dataclass(frozen=True)
class Installed:
    """The fresh virtualenv, a working directory outside the checkout, and the environment to run in."""

    venv: Path
    wheel: Path
    work: Path
    env: dict[str, str]

    def run(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        """``claimed-cwl ARGS`` of the installed package, in the working directory."""
        done = subprocess.run([str(self.venv / "bin" / "claimed-cwl"), *args], capture_output=True, text=True,
                              check=False, cwd=self.work, env=self.env, timeout=timeout)
        assert done.returncode == 0, f"claimed-cwl {' '.join(args)}:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
        return done


def _sources(target: Path) -> Path:
    """Copy what the wheel is built from (pyproject, README, the package; no caches) to ``target``."""
    target.mkdir(parents=True)
    shutil.copy(ROOT / "pyproject.toml", target)
    shutil.copy(ROOT / "README.md", target)
    shutil.copytree(ROOT / "claimed_cwl", target / "claimed_cwl",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


def _clean_env(venv: Path) -> dict[str, str]:
    """This environment without the checkout's virtualenv: the fresh one first on PATH, no PYTHONPATH."""
    dev_bin = str(Path(sys.executable).parent)
    path = [entry for entry in os.environ.get("PATH", "").split(os.pathsep) if entry and entry != dev_bin]
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME") and not key.startswith(("AWS_", "gw_"))}
    return {**env, "PATH": os.pathsep.join([str(venv / "bin"), *path])}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist),
                    str(_sources(root / "src"))], check=True, capture_output=True, text=True, timeout=900)
    wheel = next(dist.glob("claimed_cwl-*.whl"))
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
                          capture_output=True, text=True, check=False, timeout=1800)
    assert done.returncode == 0, done.stderr[-4000:]
    work = root / "work"
    work.mkdir()
    return Installed(venv, wheel, work, _clean_env(venv))


@pytest.fixture(scope="module")
def repository(docker_client: Any) -> Iterator[str]:
    """One image repository for the module's builds; its images are removed afterwards."""
    repo = f"localhost/wheel-{uuid.uuid4().hex[:8]}"
    yield repo
    remove_repository_images(docker_client, repo)


def test_the_wheel_holds_the_files_that_go_into_images(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for name in ("claimed_cwl/runtime/claimed_launcher.py", "claimed_cwl/runtime/claimed_launcher.R",
                 "claimed_cwl/runtime/grid/worker.py", "claimed_cwl/schemas/kfp_component_v1.json",
                 "claimed_cwl/py.typed"):
        assert name in names, name


def test_the_package_is_imported_from_the_virtualenv(installed: Installed) -> None:
    done = subprocess.run([str(installed.venv / "bin" / "python"), "-c",
                           "import claimed_cwl; print(claimed_cwl.__file__)"],
                          capture_output=True, text=True, check=True, cwd=installed.work, env=installed.env)
    location = Path(done.stdout.strip())
    assert location.is_relative_to(installed.venv) and not location.is_relative_to(ROOT)


def test_compile(installed: Installed) -> None:
    shutil.copy(E2E / "word_count.py", installed.work / "word_count.py")
    installed.run("compile", "word_count.py", "--out", "compiled")
    compiled = installed.work / "compiled"
    assert (compiled / "word-count.cwl").is_file() and (compiled / "Dockerfile").is_file()
    packaged = ROOT / "claimed_cwl" / "runtime" / "claimed_launcher.py"
    assert (compiled / "claimed_launcher.py").read_bytes() == packaged.read_bytes()


def test_build_and_run(installed: Installed, repository: str, python_base_image: str) -> None:
    shutil.copy(E2E / "word_count.py", installed.work / "word_count.py")
    built = installed.run("build", "word_count.py", "--repository", repository, "--version", "1", "--out", "built")
    assert f"image {repository}/claimed-word-count:1" in built.stdout
    (installed.work / "in.txt").write_text("x y x\n", encoding="utf-8")
    installed.run("run", "--quiet", "--outdir", "out", "built/word-count.cwl", "--input_file", "in.txt")
    assert (installed.work / "out" / "counts.tsv").read_text(encoding="utf-8") == "x\t2\ny\t1\n"


def test_grid_build_and_run(installed: Installed, repository: str, python_base_image: str) -> None:
    """The grid runtime copied into the grid image comes from the installed package."""
    shutil.copy(E2E / "grid" / "grid_op.py", installed.work / "grid_op.py")
    installed.run("grid", "grid_op.py", "--build", "--writable", "out_dir", "--repository", repository,
                  "--version", "1", "--out", "grid")
    (installed.work / "coordinator").mkdir()
    (installed.work / "results").mkdir()
    (installed.work / "batches.txt").write_text("b1,b2,b3\n", encoding="utf-8")
    installed.run("run", "--quiet", "--outdir", "grid-out", "grid/grid-op-grid.cwl", "--gw_coordinator",
                  "coordinator", "--out_dir", "results", "--gw_batch_file", "batches.txt")
    assert sorted(p.name for p in (installed.work / "results").glob("*.done")) == ["b1.done", "b2.done", "b3.done"]
