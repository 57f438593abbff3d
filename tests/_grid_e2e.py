"""Helpers of the grid workflow end-to-end tests: build the grid image, start `claimed-cwl run`s, read outputs."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OPERATOR = REPO / "tests" / "e2e" / "grid" / "grid_op.py"
# The grid images of this checkout: checkouts of other branches on the same engine (whose in-image runtime may
# differ) build theirs under other names, so a run never meets another checkout's image of the same tag.
REPOSITORY = f"claimed-grid-test-{hashlib.sha256(str(REPO).encode()).hexdigest()[:8]}"


def compile_grid(out: Path, backend: str, workers: int | None, version: str, build: bool = True) -> Path:
    """Run `claimed-cwl grid` on the test operator; return the workflow file."""
    args = [sys.executable, "-m", "claimed_cwl", "grid", str(OPERATOR), "--backend", backend,
            "--writable", "out_dir", "--repository", REPOSITORY, "--version", version, "--out", str(out)]
    if workers:
        args += ["--workers", str(workers)]
    if build:
        args.append("--build")
    subprocess.run(args, check=True, capture_output=True, text=True)
    return out / "grid-op-grid.cwl"


@dataclass
class GridRun:
    """A grid workflow, its coordinator, batches and output directory; starts runs of it."""

    root: Path
    workflow: Path
    coordinator: str
    n_batches: int
    extra: list[str] = field(default_factory=list)
    network: bool = False
    runner: list[str] = field(default_factory=lambda: ["--parallel"])
    tmp: Path | None = None  # TMPDIR of the runs (to see what they leave behind)

    def __post_init__(self) -> None:
        self.out = self.root / "out"
        (self.out / "attempts").mkdir(parents=True, exist_ok=True)
        if not self.coordinator.startswith("s3://"):
            Path(self.coordinator).mkdir(parents=True, exist_ok=True)
        self.batches = [f"b{i:04d}" for i in range(self.n_batches)]
        self.batch_file = self.root / "batches.txt"
        self.batch_file.write_text(",".join(self.batches) + "\n")

    def start(self, name: str, *more: str) -> subprocess.Popen[bytes]:
        """Start one `claimed-cwl run RUNNER...` (default --parallel) of the workflow; logs to ROOT/NAME.log."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "gw_"))}
        if self.tmp is not None:
            env["TMPDIR"] = str(self.tmp)
        args = [sys.executable, "-m", "claimed_cwl", "run", *self.runner, "--outdir", str(self.root / name)]
        if self.network:
            args += ["--network", "host"]
        args += [str(self.workflow), "--gw_coordinator", self.coordinator, "--out_dir", str(self.out),
                 "--gw_batch_file", str(self.batch_file), *self.extra, *more]
        log = open(self.root / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.root,
                                start_new_session=True)

    def log(self, name: str) -> str:
        """The output of run NAME."""
        return (self.root / f"{name}.log").read_text(errors="replace")

    def completions(self) -> Counter[str]:
        """How often each batch completed, from the operator's own log."""
        path = self.out / "completions.log"
        return Counter(path.read_text().split()) if path.exists() else Counter()

    def done_files(self) -> set[str]:
        """Batches with a .done output (each created with O_EXCL)."""
        return {p.name[: -len(".done")] for p in self.out.glob("*.done")}

    def attempts(self, batch: str) -> list[str]:
        """Container ids of the attempts at ``batch``."""
        path = self.out / "attempts" / batch
        return path.read_text().split() if path.exists() else []


def wait_all(processes: list[subprocess.Popen[bytes]], timeout: float) -> list[int]:
    """Wait for every process; return their exit codes."""
    return [process.wait(timeout=timeout) for process in processes]
