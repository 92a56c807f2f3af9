"""One writer per output folder: a run holds an exclusive lock on ``OUTPUT/.claimdesk.lock``.

The lock is an ``flock`` on an open file, so the kernel releases it when the
process ends, even when it is killed: a crashed run never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = ".claimdesk.lock"


class RunLocked(RuntimeError):
    """Another run is writing to the same output folder."""


def _locked(output: Path, wait: float) -> str:
    if wait:
        return f"another claimdesk run is still writing to {output} after {wait:g} s; wait longer with --wait"
    return f"another claimdesk run is writing to {output}; wait for it to finish or pass --wait SECONDS"


def _take(handle, output: Path, wait: float) -> None:
    """Take the lock on the open lock file, waiting up to ``wait`` seconds, else :class:`RunLocked`."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise RunLocked(_locked(output, wait)) from None
            time.sleep(0.2)


def check_unlocked(output: Path, wait: float = 0.0) -> None:
    """Raise :class:`RunLocked` if another run still holds ``output``'s lock after ``wait`` seconds:
    a run that would stop should stop before it starts a Prefect server, not seconds later, and
    ``--wait`` should count from the start. Takes nothing and creates nothing (the run takes the
    lock itself when it starts writing)."""
    try:
        handle = (output / LOCK_NAME).open("r")
    except OSError:  # no lock file yet (or no folder): nobody is writing there
        return
    with handle:
        _take(handle, output, wait)
        fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def output_lock(output: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the output folder's lock, waiting up to ``wait`` seconds for another run to finish."""
    output.mkdir(parents=True, exist_ok=True)
    with (output / LOCK_NAME).open("a+") as handle:
        _take(handle, output, wait)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
