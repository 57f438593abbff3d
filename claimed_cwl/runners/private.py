"""Private scratch directories of a run, removed on every exit path, SIGTERM and SIGINT included.

What a run keeps on disk for a while holds every input in clear: the merged
job file, inputs staged from S3, Toil's throw-away job store (Toil pickles the
job, secret values included, into it), and the runner's job directories where
secret values are staged as files. All of it lives in a directory of mode 0700
that :func:`private_dir` removes when the run ends, however it ends: a normal
return, an error, Ctrl-C (SIGINT raises KeyboardInterrupt), or SIGTERM/SIGHUP,
which :func:`signals_raise` turns into :class:`Terminated` so that every
``finally`` on the way out runs. Only SIGKILL, which no process can catch,
leaves the directory behind (still mode 0700, so only its owner can read it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

__all__ = ["Terminated", "private_dir", "signals_held", "signals_raise", "write_private"]

_RAISING = (signal.SIGTERM, signal.SIGHUP)


class Terminated(BaseException):
    """The process got SIGTERM or SIGHUP: unwinds the stack like KeyboardInterrupt, so cleanups run."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"terminated by {signal.Signals(signum).name}")

    @property
    def exit_code(self) -> int:
        """The exit status a shell reports for death by this signal (128 + its number)."""
        return 128 + self.signum


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    del frame
    raise Terminated(signum)


Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


@contextlib.contextmanager
def _handlers(choose: Callable[[int, Handler], Handler]) -> Iterator[None]:
    """Set SIGTERM, SIGHUP and SIGINT to ``choose(signum, current handler)``; restore them on exit.

    Handlers can only be set from the main thread; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in (*_RAISING, signal.SIGINT)}
    for signum, handler in previous.items():
        signal.signal(signum, choose(signum, handler))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _raising(signum: int, handler: Handler) -> Handler:
    if handler is signal.SIG_IGN:
        return handler
    return signal.default_int_handler if signum == signal.SIGINT else _raise_terminated


def signals_raise() -> contextlib.AbstractContextManager[None]:
    """While active, SIGTERM and SIGHUP raise :class:`Terminated` and SIGINT raises KeyboardInterrupt.

    A signal the process ignores stays ignored (``nohup``, a shell's
    background job). Only in the main thread; the previous handlers are restored on exit.
    """
    return _handlers(_raising)


def signals_held() -> contextlib.AbstractContextManager[None]:
    """Ignore SIGTERM, SIGHUP and SIGINT for a moment (while a cleanup must finish)."""
    return _handlers(lambda signum, handler: signal.SIG_IGN)


@contextlib.contextmanager
def private_dir(prefix: str, parent: Path | None = None) -> Iterator[Path]:
    """A new directory of mode 0700 (under ``parent``, else the system's temporary directory), removed on exit.

    Signals raise while it exists (:func:`signals_raise`); its removal is not
    interrupted by a second signal.
    """
    with signals_raise():
        path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))  # mkdtemp: mode 0700, owner only
        try:
            yield path
        finally:
            with signals_held():
                shutil.rmtree(path, ignore_errors=True)


def write_private(path: Path, text: str) -> Path:
    """Write ``text`` to the new file ``path`` with mode 0600 (never through an existing file or link)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path
