"""Benchmark: compile operators with one very long line (0.1, 1, 10 MB), and the old segment lookup.

Issue 14's baseline: a 1 MB line took 14 s to compile and 10 MB never finished,
because ``ast.get_source_segment`` (used for each default's text) splits the
whole source one character at a time. Each compile runs in a fresh child
process (``claimed-cwl compile`` as a user runs it, start-up included), which
reports its wall time and peak resident memory. For comparison in the same
run, the old lookup (``ast.get_source_segment``) and the new one
(``_Segments.of``) are timed on the same 1 MB line. The load average is
printed with every figure: take final figures on a quiet machine.

    python benchmarks/compile_long_lines.py [--sizes 0.1,1,10] [--skip-old]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from claimed_cwl.parse.python_source import _Segments  # noqa: E402

_CHILD = """
import json, resource, sys, time
from pathlib import Path
start = time.perf_counter()
from claimed_cwl.cli import main
code = main(["compile", sys.argv[1], "--out", sys.argv[2]])
print(json.dumps({"code": code, "wall": time.perf_counter() - start,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

SHAPES = {
    "comment line": lambda blob: f'"""Long."""\nimport os\n# {blob}\nx = os.getenv("x", "a")\n',
    "string default": lambda blob: f'"""Long."""\nimport os\nx = os.getenv("x", "{blob}")\n',
}


def load() -> str:
    """The 1-minute load average, for printing beside each figure."""
    return f"load {os.getloadavg()[0]:.2f}"


def compile_once(source: Path, out: Path) -> dict[str, float]:
    """Compile ``source`` in a child process; its exit code, wall seconds and peak MiB."""
    done = subprocess.run([sys.executable, "-c", _CHILD, str(source), str(out)], capture_output=True, text=True,
                          check=False, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"compile of {source} failed:\n{done.stderr[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def old_vs_new(megabytes: float, skip_old: bool) -> None:
    """Time the old and the new segment lookup for one default on a line of ``megabytes``."""
    text = SHAPES["string default"]("y" * int(megabytes * 1_000_000))
    call = next(node for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Call))
    default = call.args[1]
    start = time.perf_counter()
    assert _Segments(text).of(default) is not None
    new = time.perf_counter() - start
    print(f"segment lookup, {megabytes:g} MB line: new {new * 1000:.1f} ms ({load()})", flush=True)
    if skip_old:
        return
    start = time.perf_counter()
    assert ast.get_source_segment(text, default) is not None
    old = time.perf_counter() - start
    print(f"segment lookup, {megabytes:g} MB line: old ast.get_source_segment {old:.1f} s, "
          f"{old / max(new, 1e-9):,.0f}x the new one ({load()})", flush=True)


def main() -> int:
    """Run the benchmark; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="0.1,1,10", help="line lengths in MB (default 0.1,1,10)")
    parser.add_argument("--skip-old", action="store_true", help="do not time the old lookup (14 s at 1 MB)")
    args = parser.parse_args()
    sizes = [float(size) for size in args.sizes.split(",")]
    old_vs_new(1.0, args.skip_old)
    with tempfile.TemporaryDirectory(prefix="claimed-bench-long-") as tmp:
        for shape, render in SHAPES.items():
            per_mb = []
            for megabytes in sizes:
                source = Path(tmp) / "long_line.py"
                source.write_text(render("x" * int(megabytes * 1_000_000)), encoding="utf-8")
                result = compile_once(source, Path(tmp) / "out")
                per_mb.append(result["wall"] / megabytes)
                print(f"{shape:15} {megabytes:5g} MB: {result['wall']:6.2f} s, peak {result['peak_mib']:6.0f} MiB, "
                      f"{result['wall'] / megabytes:5.2f} s/MB ({load()})", flush=True)
            print(f"{shape:15} s/MB from the smallest to the largest line: "
                  f"{' -> '.join(f'{value:.2f}' for value in per_mb)} (linear: roughly constant, or falling "
                  "as start-up is spread)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
