"""A pattern's time limit catches runaway patterns, never a busy machine: tagging under CPU
contention rejects nothing."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import regex

from claimdesk import cpulimit
from claimdesk.ingest import make_article
from tests.conftest import SEEDS

BURNERS = 3


@contextmanager
def contention(burners: int = BURNERS) -> Iterator[None]:
    """Threads of this process keeping the CPUs busy outside the GIL, as hashing, compression and
    SQLite do while another thread tags."""
    stop = threading.Event()
    data = b"x" * 4_000_000

    def burn() -> None:
        while not stop.is_set():
            hashlib.sha256(data).digest()

    threads = [threading.Thread(target=burn, daemon=True) for _ in range(burners)]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def _cost(pattern: regex.Pattern, text: str) -> float:
    """The call's own CPU time, the median of three (one reading on a busy machine is noise)."""
    costs = []
    for _ in range(3):
        started = time.thread_time()
        list(pattern.finditer(text))
        costs.append(time.thread_time() - started)
    return sorted(costs)[1]


def test_an_ordinary_pattern_finishes_under_contention_though_regex_timeout_alone_would_stop_it() -> None:
    pattern = regex.compile(r"\bsaid\b")
    text = "officials said the port reopened " * 60_000
    # The call needs a fifth of its limit in CPU time of its own, a margin for caches shared with
    # the burners; with six burners on two cores, the process spends several times the call's own
    # CPU time meanwhile, which is what regex's own timeout counts.
    limit = 5 * _cost(pattern, text)
    with contention(burners=6):
        with pytest.raises(TimeoutError):  # the contention is real: regex counts every thread's CPU
            list(pattern.finditer(text, timeout=limit))
        spans = cpulimit.spans(pattern, text, limit)
    assert len(spans) == 60_000


def test_a_runaway_pattern_is_still_stopped_under_contention() -> None:
    runaway = regex.compile(r"(a+)+$")
    with contention():
        started = time.thread_time()
        with pytest.raises(TimeoutError):
            cpulimit.search(runaway, "a" * 2000 + "!", 0.2)
        assert time.thread_time() - started >= 0.2, "stopped on its own CPU time, not the process's"


def test_tagging_under_cpu_contention_rejects_no_article(rules) -> None:
    from claimdesk.runs import Failure, tag_batch

    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    articles = [
        make_article(f"a{n}.txt", f"a{n}.txt", f"Report {n}: officials said so.\n" + texts[n % len(texts)])
        for n in range(40)
    ]
    with contention():
        done = tag_batch(articles, rules)
    assert [d.reason for d in done if isinstance(d, Failure)] == []
    assert len(done) == 40
