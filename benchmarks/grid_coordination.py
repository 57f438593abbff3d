"""Lock + mark overhead per batch of the grid coordinator, on a local directory and on SeaweedFS S3.

    python benchmarks/grid_coordination.py [--sizes 10,100,1000] [--backends local,s3] [--json out.json]

Each (backend, size) runs in its own process (so its max RSS is its own): one
worker claims, runs a no-op grid_process under a LeaseKeeper, marks done and
releases every batch, exactly as ``worker --workers-loop`` does. Printed: wall
time, milliseconds per batch, max RSS. S3 uses the server of scripts/s3.sh
(started here if needed) with a fresh bucket, deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def s3_env() -> dict[str, str]:
    subprocess.run([str(REPO / "scripts" / "s3.sh"), "start"], check=True, stdout=subprocess.DEVNULL)
    text = (REPO / ".state" / "s3" / "env").read_text()
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def measure(backend: str, size: int) -> dict[str, float]:
    """Run in a child process: coordinate ``size`` no-op batches; return the numbers."""
    from claimed_cwl.runtime.grid.coordinator import Coordinator, open_store
    from claimed_cwl.runtime.grid.worker import run_batches

    with tempfile.TemporaryDirectory() as tmp:
        if backend == "s3":
            import boto3

            bucket = "bench-" + uuid.uuid4().hex[:10]
            boto3.client("s3").create_bucket(Bucket=bucket)
            location = f"s3://{bucket}/coord"
        else:
            location = str(Path(tmp) / "coord")
        coordinator = Coordinator(open_store(backend, location), lease_seconds=60, time_limit=10800)
        batches = [f"batch-{i:05d}" for i in range(size)]
        started = time.perf_counter()
        outcomes = run_batches(coordinator, batches, lambda batch: None, seed=0)
        wall = time.perf_counter() - started
        assert set(outcomes.values()) == {"processed"}, outcomes
        if backend == "s3":
            boto3.client("s3").delete_bucket(Bucket=bucket)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "backend": backend,
        "batches": size,
        "wall_s": wall,
        "ms_per_batch": 1000 * wall / size,
        "max_rss_mb": rss_mb,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--backends", default="local,s3")
    parser.add_argument("--json", default=None, help="also write the results here")
    parser.add_argument("--child", nargs=2, metavar=("BACKEND", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], int(args.child[1]))))
        return 0
    env = dict(os.environ)
    backends = args.backends.split(",")
    if "s3" in backends:
        env.update(s3_env())
    rows = []
    for backend in backends:
        for size in (int(s) for s in args.sizes.split(",")):
            out = subprocess.run(
                [sys.executable, __file__, "--child", backend, str(size)],
                env=env, check=True, capture_output=True, text=True,
            )  # fmt: skip
            row = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(
                f"{backend:5s} {size:5d} batches: {row['wall_s']:7.2f} s wall, "
                f"{row['ms_per_batch']:6.2f} ms/batch, max RSS {row['max_rss_mb']:.0f} MB",
                flush=True,
            )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
