"""Segmenter and tagger time against input size (1x, 10x, 100x) and against peers.

Time should grow linearly: the ratios printed for 10x and 100x should stay near
10 and 100. The peers, measured in the same run so the machine's noise cancels
out of the ratios: pysbd (a rule-based segmenter with character spans, the
closest maintained peer that needs no model download) and a bare regular
expression split on end punctuation (the floor: no abbreviations, no quotes).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pysbd

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
    peer = pysbd.Segmenter(language="en", clean=False, char_span=True)
    base = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt")))
    print(
        f"{'input':<10}{'MB':>7}{'segment s':>11}{'x 1x':>7}{'pysbd s':>9}{'pysbd/ours':>12}"
        f"{'regex s':>9}{'tag s':>8}{'x 1x':>7}"
    )
    first = None
    for factor in (1, 10, 100):
        text = base * factor
        runs = 3 if factor < 100 else 1
        ours = best_of(runs, lambda text=text: segment(text))
        # pysbd is too slow for the 100x input in a benchmark run; its 1x and 10x give the ratio
        theirs = best_of(1, lambda text=text: peer.segment(text)) if factor < 100 else float("nan")
        naive = best_of(runs, lambda text=text: NAIVE.split(text))
        spans = segment(text)
        tag = best_of(runs, lambda text=text, spans=spans: tag_sentences(text, spans, rules))
        first = first or (ours, tag)
        print(
            f"{factor:>3}x{'':<6}{len(text) / 1e6:>7.2f}{ours:>11.3f}{ours / first[0]:>7.1f}"
            f"{theirs:>9.3f}{theirs / ours:>12.1f}{naive:>9.3f}{tag:>8.3f}{tag / first[1]:>7.1f}"
        )
    for name, text in (("1 MB line", "word " * 200_000), ("100k dots", "." * 100_000)):
        ours = best_of(1, lambda text=text: segment(text))
        tag = best_of(1, lambda text=text: tag_sentences(text, segment(text), rules))
        print(f"{name:<10}{len(text) / 1e6:>7.2f}{ours:>11.3f}{'':>7}{'':>9}{'':>12}{'':>9}{tag:>8.3f}")
