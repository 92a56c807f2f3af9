"""Segmenter and tagger time against input size (1x, 10x, 100x) and against a peer.

Time should grow linearly: the ratios printed for 10x and 100x should stay near
10 and 100. The peer is Python's own ``str.split`` on sentence-ish punctuation,
the cheapest thing that could be called a segmenter, measured in the same run
so the machine's noise cancels out of the ratio.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from claimdesk.rules import load_rules
from claimdesk.segment import segment
from claimdesk.tag import tag_sentences

ROOT = Path(__file__).resolve().parent.parent
NAIVE = re.compile(r"(?<=[.!?])\s+")


def best_of(runs: int, work) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rules = load_rules()
    base = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt")))
    print(f"{'input':<10}{'MB':>7}{'segment s':>11}{'x base':>8}{'naive s':>9}{'tag s':>8}{'x base':>8}")
    first = None
    for factor in (1, 10, 100):
        text = base * factor
        seg = best_of(3 if factor < 100 else 1, lambda text=text: segment(text))
        naive = best_of(3 if factor < 100 else 1, lambda text=text: NAIVE.split(text))
        spans = segment(text)
        tag = best_of(
            3 if factor < 100 else 1, lambda text=text, spans=spans: tag_sentences(text, spans, rules)
        )
        first = first or (seg, tag)
        print(
            f"{factor:>3}x{'':<6}{len(text) / 1e6:>7.2f}{seg:>11.3f}{seg / first[0]:>8.1f}"
            f"{naive:>9.3f}{tag:>8.3f}{tag / first[1]:>8.1f}"
        )
    for name, text in (("1 MB line", "word " * 200_000), ("100k dots", "." * 100_000)):
        seg = best_of(1, lambda text=text: segment(text))
        tag = best_of(1, lambda text=text: tag_sentences(text, segment(text), rules))
        print(f"{name:<10}{len(text) / 1e6:>7.2f}{seg:>11.3f}{'':>8}{'':>9}{tag:>8.3f}")
