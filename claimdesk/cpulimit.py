"""A time limit for user-supplied patterns that only catches runaway patterns, never a busy machine.

The ``regex`` module's ``timeout`` counts the whole process's CPU time (every thread's), and
other clocks count time spent descheduled: on a busy machine either can stop an ordinary
pattern on an ordinary article. Here a pattern call is given the module's timeout as a first
check, and when it fires, the time *this thread* spent on the call decides: under the limit,
the call was slowed by others and runs again; at the limit, the pattern is a runaway and the
``TimeoutError`` stands. A runaway therefore costs about ``limit`` of its own CPU time, however
loaded the machine.
"""

from __future__ import annotations

import time

import regex

ATTEMPTS = 8


def _limited(call, limit: float, timeout: float | None = None, attempts: int = ATTEMPTS):
    """Run ``call(timeout)``; when regex's timeout fires before this thread has spent ``limit`` seconds
    of CPU on the call, run it again with the timeout scaled by how much of the process's CPU time
    was not this thread's (at least doubled)."""
    timeout = limit if timeout is None else timeout
    for _ in range(attempts):
        thread, process = time.thread_time(), time.process_time()
        try:
            return call(timeout)
        except TimeoutError:
            own = time.thread_time() - thread
            if own >= limit:
                raise
            timeout = _longer(timeout, time.process_time() - process, own)
    raise TimeoutError(f"pattern did not finish in {ATTEMPTS} attempts on a busy machine")


def _longer(timeout: float, process: float, own: float) -> float:
    """The next timeout after one that fired with ``process`` seconds of the process's CPU time
    spent, ``own`` of them this thread's."""
    return timeout * max(2.0, 1.5 * process / max(own, 1e-6))


def spans(pattern: regex.Pattern, text: str, limit: float) -> list[tuple[int, int]]:
    """The spans of every match of ``pattern`` in ``text``, stopped after ``limit`` seconds of this
    thread's CPU time (``TimeoutError``). The first attempt, the only one on an ordinary call, is
    made here rather than through a closure: it is made for every expression of every sentence, so
    it reads one clock, this thread's: regex's timeout fires when the process's CPU time has gone
    ``limit`` past the call's start, which is what the process clock would say."""
    thread = time.thread_time()
    try:
        return [m.span() for m in pattern.finditer(text, timeout=limit)]
    except TimeoutError:
        own = time.thread_time() - thread
        if own >= limit:
            raise
        timeout = _longer(limit, limit, own)
    return _limited(
        lambda timeout: [m.span() for m in pattern.finditer(text, timeout=timeout)],
        limit,
        timeout,
        ATTEMPTS - 1,
    )


def search(pattern: regex.Pattern, text: str, limit: float) -> regex.Match | None:
    """``pattern.search(text)`` under the same CPU-time limit."""
    return _limited(lambda timeout: pattern.search(text, timeout=timeout), limit)
