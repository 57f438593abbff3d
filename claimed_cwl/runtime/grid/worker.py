r"""Run an operator's ``grid_process(batch_id, ...)`` on batches, coordinated through a store.

One batch (a CWL scatter job per batch)::

    python -m claimed_cwl.runtime.grid.worker --script /opt/app/op.py --process grid_process \\
        --backend local --coordinator /data/coord --batch B17

All batches in a loop (``--workers N``: each of N workers loops, as a C3 grid pod)::

    python -m claimed_cwl.runtime.grid.worker --script op.py --coordinator s3://bucket/run1 \\
        --workers-loop --batch-file batches.txt

The script is imported as a module (its ``if __name__ == "__main__"`` block does
not run; its top level reads its parameters from the environment as usual), then
``grid_process`` is called with the batch id and, for each further parameter,
the module-level variable of the same name (or, with ``--args a,b``, those
variables positionally, as C3's wrapper passes its interface).

A batch already processed is skipped; one with an error marker is skipped too
unless the ignore-error-files setting is true (errors recorded before this worker
started are then retried once). A batch locked by a live worker is waited for
(``--no-wait`` skips it) until it is processed, failed, or its lease expires and
this worker takes it over. A failing batch gets an error marker; the worker
goes on and exits 0 (``report`` decides), unless ``--fail-on-error``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import random
import resource
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType, ModuleType

from claimed_cwl.runtime.core import atomic_write
from claimed_cwl.runtime.grid.batches import batch_file_name, resolve_batches, validate_batch_id
from claimed_cwl.runtime.grid.config import add_batch_source, add_settings, parse_bool, redact, seconds
from claimed_cwl.runtime.grid.coordinator import (
    ClaimState,
    CoordinationStore,
    Coordinator,
    Lease,
    LeaseKeeper,
    open_store,
)
from claimed_cwl.runtime.grid.errors import GridError
from claimed_cwl.runtime.grid.settings import IGNORE_ERRORS, LEASE_SECONDS, LOCK_TIMEOUT

__all__ = ["Pause", "load_process", "main", "process_batch", "run_batches"]

log = logging.getLogger("claimed_cwl.runtime.grid.worker")

PROCESSED, FAILED, SKIPPED, LOCKED = "processed", "failed", "skipped", "locked"


def _import_script(script: Path) -> ModuleType:
    if not script.is_file():
        raise GridError("operator script not found", str(script))
    sys.path.insert(0, str(script.parent.resolve()))
    spec = importlib.util.spec_from_file_location("claimed_operator", script)
    if spec is None or spec.loader is None:
        raise GridError("cannot import the operator script (not a .py file?)", str(script))
    module = importlib.util.module_from_spec(spec)
    sys.modules["claimed_operator"] = module
    spec.loader.exec_module(module)
    return module


def load_process(
    script: str | Path, name: str = "grid_process", arg_names: Sequence[str] | None = None
) -> Callable[[str], object]:
    """Import ``script`` and return ``call(batch_id)`` running its ``name`` function with its parameters."""
    module = _import_script(Path(script))
    func = getattr(module, name, None)
    if not callable(func):
        raise GridError(f"the operator defines no function {name}(batch_id, ...)", str(script))
    if arg_names is not None:
        missing = [a for a in arg_names if not hasattr(module, a)]
        if missing:
            raise GridError(f"--args names no module-level variable {', '.join(missing)}", str(script))
        values = [getattr(module, a) for a in arg_names]
        return lambda batch: func(batch, *values)
    kwargs = _bind_by_name(func, module, str(script), name)
    return lambda batch: func(batch, **kwargs)


def _parameters(func: Callable[..., object]) -> tuple[bool, list[tuple[str, bool]]]:
    """Whether ``func`` takes a first positional parameter, and its further named parameters (with a default?).

    A plain function is read from its code object; anything else (a wrapped function, a callable object)
    through :mod:`inspect`, which is left out of the common case: importing it is a tenth of the worker's
    start, paid in a container per batch.
    """
    code = getattr(func, "__code__", None)
    if code is None or hasattr(func, "__wrapped__"):
        import inspect  # noqa: PLC0415 (see above)

        params = list(inspect.signature(func).parameters.values())
        first = bool(params) and params[0].kind in (params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD)
        return first, [(p.name, p.default is not p.empty) for p in params[1:]
                       if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    positional = code.co_varnames[: code.co_argcount]
    keyword_only = code.co_varnames[code.co_argcount : code.co_argcount + code.co_kwonlyargcount]
    defaults = len(getattr(func, "__defaults__", None) or ())
    keyword_defaults = getattr(func, "__kwdefaults__", None) or {}
    named = [(param, index >= len(positional) - defaults) for index, param in enumerate(positional)][1:]
    named += [(param, param in keyword_defaults) for param in keyword_only]
    return bool(positional), named


def _bind_by_name(func: Callable[..., object], module: ModuleType, script: str, name: str) -> dict[str, object]:
    takes_batch, params = _parameters(func)
    if not takes_batch:
        raise GridError(f"{name} must take the batch id as its first parameter", script)
    kwargs: dict[str, object] = {}
    for param, has_default in params:
        if hasattr(module, param):
            kwargs[param] = getattr(module, param)
        elif not has_default:
            raise GridError(
                f"{name} parameter {param!r} has no module-level variable of that name and no default "
                "(use --args to pass variables positionally)",
                script,
            )
    return kwargs


def _run_claimed(coordinator: Coordinator, lease: Lease, call: Callable[[str], object]) -> str | None:
    """Run one claimed batch; return its outcome, or None when the lease was lost (someone else finishes it)."""
    batch = lease.batch
    log.info("batch %s: processing", batch)
    try:
        with LeaseKeeper(coordinator, lease):
            call(batch)
    except Exception as exc:
        log.error("batch %s failed: %s", batch, redact(f"{type(exc).__name__}: {exc}"))
        return FAILED if coordinator.mark_failed(lease, exc) else None
    except BaseException:
        coordinator.release(lease)  # interrupted (SIGTERM, Ctrl-C): free the batch for others at once
        raise
    if lease.overtime:  # marked failed by the LeaseKeeper at the time limit
        return FAILED
    if coordinator.mark_done(lease):
        log.info("batch %s: processed", batch)
        return PROCESSED
    return None


class Pause:
    """The waits between looks at batches held by others: short at first, doubling up to ``longest``.

    A batch is mostly held by a worker about to finish it (at the end of a run, the last batches of the
    others): the first looks come within a fraction of a second, and a batch held for long is looked at
    every ``longest`` seconds. :meth:`reset` after progress.
    """

    FIRST = 0.05

    def __init__(self, longest: float) -> None:
        """Wait at most ``longest`` seconds between two looks."""
        self.longest = longest
        self.next = min(self.FIRST, longest)

    def wait(self) -> None:
        """Sleep the next wait, and double the one after."""
        time.sleep(self.next)
        self.next = min(self.next * 2, self.longest)

    def reset(self) -> None:
        """Start again from the shortest wait."""
        self.next = min(self.FIRST, self.longest)


def process_batch(
    coordinator: Coordinator, batch: str, call: Callable[[str], object], wait: bool = True, poll: float = 5.0
) -> str:
    """Claim and run one batch; return ``processed``, ``failed``, ``skipped`` or (without ``wait``) ``locked``.

    While another worker holds it, look again after a :class:`Pause` of at most ``poll`` seconds.
    """
    pause = Pause(poll)
    while True:
        state, lease = coordinator.try_claim(batch)
        if lease is not None:
            outcome = _run_claimed(coordinator, lease, call)
            if outcome is not None:
                return outcome
        elif state in (ClaimState.PROCESSED, ClaimState.FAILED):
            return SKIPPED
        elif not wait:
            return LOCKED
        pause.wait()


def run_batches(
    coordinator: Coordinator,
    batches: Sequence[str],
    call: Callable[[str], object],
    *,
    wait: bool = True,
    poll: float = 5.0,
    seed: int | None = None,
) -> dict[str, str]:
    """Loop over ``batches`` (in a random order, to spread concurrent workers); return each batch's outcome.

    Batches held by others are looked at again after a :class:`Pause` of at most ``poll`` seconds.
    """
    order = list(batches)
    random.Random(seed).shuffle(order)
    outcomes: dict[str, str] = {}
    pause = Pause(poll)
    while order:
        waiting = []
        for batch in order:
            state, lease = coordinator.try_claim(batch)
            if lease is not None:
                outcome = _run_claimed(coordinator, lease, call)
                if outcome is None:
                    waiting.append(batch)
                else:
                    outcomes[batch] = outcome
            elif state in (ClaimState.PROCESSED, ClaimState.FAILED):
                outcomes[batch] = SKIPPED
            elif wait:
                waiting.append(batch)
            else:
                outcomes[batch] = LOCKED
        if len(waiting) < len(order):
            pause.reset()  # progress: the batches still held may be close to their end too
        order = waiting
        if order:
            pause.wait()
    return outcomes


def build_parser() -> argparse.ArgumentParser:
    """Return the worker's argument parser."""
    parser = argparse.ArgumentParser(prog="python -m claimed_cwl.runtime.grid.worker",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--script", required=True, help="the operator's .py file")
    parser.add_argument("--process", default="grid_process", help="function called per batch (default grid_process)")
    parser.add_argument("--args", default=None, help="comma-separated module variables passed positionally")
    add_settings(parser, "coordinator")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--batch", help="run this one batch")
    mode.add_argument("--workers-loop", action="store_true", help="loop over all batches of the batch source")
    add_batch_source(parser)
    add_settings(parser, "worker")
    parser.add_argument("--no-wait", action="store_true", help="skip batches locked by a live worker")
    parser.add_argument("--poll-seconds", type=float, default=None, help="wait between looks at a locked batch")
    parser.add_argument("--fail-on-error", action="store_true", help="exit 1 when a batch of this worker failed")
    parser.add_argument("--result-file", default=None,
                        help="write {batch: outcome} of this worker as JSON here; a '{batch}' in it becomes a file "
                        "name made from the --batch id (letters, digits, '_.+-' only, unique per id)")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser


def _coordinator(args: argparse.Namespace, store: CoordinationStore) -> Coordinator:
    """The coordinator of the worker's settings: lease, time limit, which error markers are retried."""
    ignore_errors = parse_bool(args.ignore_error_files, IGNORE_ERRORS.env)
    return Coordinator(store, seconds(args.lease_seconds, LEASE_SECONDS), seconds(args.lock_timeout, LOCK_TIMEOUT),
                       ignore_errors_before=time.time() if ignore_errors else None)


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def run(args: argparse.Namespace) -> int:
    """Validate everything, then process; return the exit code."""
    started = time.monotonic()
    if args.batch is not None:
        batches = [validate_batch_id(args.batch)]
    else:
        batches = resolve_batches(
            args.batch_file, args.batch_file_col_name, args.file_path_pattern, args.group_by, args.batches_json
        )
    store = open_store(args.backend, args.coordinator or "")
    store.check_ids(batches)  # every name the store makes of an id fits, known before any batch is taken
    coordinator = _coordinator(args, store)
    arg_names = [a.strip() for a in args.args.split(",") if a.strip()] if args.args else None
    call = load_process(args.script, args.process, arg_names)
    poll = args.poll_seconds if args.poll_seconds is not None else min(5.0, max(0.2, coordinator.lease_seconds / 4))
    signal.signal(signal.SIGTERM, _terminate)
    ready = time.monotonic()
    if args.batch is not None:
        outcomes = {args.batch: process_batch(coordinator, args.batch, call, not args.no_wait, poll)}
    else:
        outcomes = run_batches(coordinator, batches, call, wait=not args.no_wait, poll=poll)
    counts = {k: sum(1 for v in outcomes.values() if v == k) for k in (PROCESSED, FAILED, SKIPPED, LOCKED)}
    log.info("worker done on %s: %s; %d batches listed and the operator loaded in %.2f s, batches taken in "
             "%.2f s; peak RSS %.1f MiB", store.location, json.dumps(counts), len(batches), ready - started,
             time.monotonic() - ready, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if args.result_file:
        target = args.result_file.replace("{batch}", batch_file_name(args.batch)) if args.batch else args.result_file
        atomic_write(target, json.dumps(outcomes, indent=1, sort_keys=True) + "\n")
    return 1 if args.fail_on_error and counts[FAILED] else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse flags, run, turn GridError into one line on stderr and exit code 2."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return run(args)
    except GridError as exc:
        print(f"grid worker: error: {redact(str(exc))}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
