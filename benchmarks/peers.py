"""claimdesk beside its peers, in one run and one table: segmenters and a cue tagger.

- Segmenters: pySBD's 48 English golden rules (fetched from the pysbd 0.3.3 source
  distribution at bench time, see :mod:`benchmarks.golden`) and the time to segment the
  seed articles repeated 10 times, for claimdesk, pySBD and blingfire.
- Tagger: sentences per second from sentence text to verdict. claimdesk's
  ``tag_sentences`` over the seed articles repeated 10 times (quotes, conditions, context
  and attribution included) against medspaCy's ConText with 12 cue phrases on a blank
  English spaCy pipeline (``spacy.blank("en")`` with the rule-based sentencizer, no model
  download) run over the same sentences with ``nlp.pipe``.

Each time is the least CPU time of a few runs, taken in turns in the same process so that
the machine's noise falls out of the ratios. A peer that is not installed is left out of
the table.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from benchmarks.golden import fetch_rules, score
from claimdesk.rules import load_rules
from claimdesk.segment import segment
from claimdesk.tag import tag_sentences

ROOT = Path(__file__).resolve().parent.parent
REPEAT = 10
TAGGER_GOAL = 3.0
"""The tagger's goal (issue 10): at least this many times ConText's sentences per second."""
CONTEXT_CUES = [
    ("denied", "NEGATED_EXISTENCE"),
    ("rejected", "NEGATED_EXISTENCE"),
    ("dismissed", "NEGATED_EXISTENCE"),
    ("no evidence", "NEGATED_EXISTENCE"),
    ("allegedly", "POSSIBLE_EXISTENCE"),
    ("reportedly", "POSSIBLE_EXISTENCE"),
    ("claimed", "POSSIBLE_EXISTENCE"),
    ("according to", "POSSIBLE_EXISTENCE"),
    ("said", "POSSIBLE_EXISTENCE"),
    ("disputed", "UNCERTAIN"),
    ("unverified", "UNCERTAIN"),
    ("confirmed", "HISTORICAL"),
]


def best_of(runs: int, work: Callable[[], object]) -> float:
    """The least CPU time (all threads of this process) of ``runs`` runs: on a shared machine,
    wall-clock time measures the neighbours as much as the work."""
    times = []
    for _ in range(runs):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return min(times)


def interleaved(runs: int, works: list[Callable[[], object]]) -> list[float]:
    """The best time of each piece of work, run in turns so that a busy spell of the machine
    falls on all of them alike."""
    best = [float("inf")] * len(works)
    for _ in range(runs):
        for k, work in enumerate(works):
            best[k] = min(best[k], best_of(1, work))
    return best


def load_average() -> str:
    """The load average, as printed beside every wall-clock figure (the neighbours are in it)."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; load average {load_average()}"
    )


def _segmenters() -> dict[str, tuple[str, Callable[[str], list[str]]]]:
    """name -> (version, text -> sentences) for each segmenter that is installed."""
    from importlib.metadata import version

    found: dict[str, tuple[str, Callable[[str], list[str]]]] = {
        "claimdesk": (version("claimdesk"), lambda t: [t[s.start : s.end] for s in segment(t)]),
    }
    try:
        import pysbd

        peer = pysbd.Segmenter(language="en", clean=False)
        found["pySBD"] = (version("pysbd"), peer.segment)
    except ImportError:
        pass
    try:
        import blingfire

        found["blingfire"] = (version("blingfire"), lambda t: blingfire.text_to_sentences(t).split("\n"))
    except ImportError:
        pass
    return found


def _context() -> tuple[str, Callable[[list[str]], int]] | None:
    """medspaCy ConText with 12 cues on a blank English pipeline, or None when not installed."""
    try:
        from importlib.metadata import version

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import medspacy  # noqa: F401  (registers the medspacy_context factory)
            import spacy
            from medspacy.context import ConTextRule
    except ImportError:
        return None
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    context = nlp.add_pipe("medspacy_context", config={"rules": None})
    context.add([ConTextRule(cue, category, direction="BIDIRECTIONAL") for cue, category in CONTEXT_CUES])

    def run(sentences: list[str]) -> int:
        return sum(len(doc._.context_graph.modifiers) for doc in nlp.pipe(sentences))

    return f"medspacy {version('medspacy')}, spacy {version('spacy')}", run


def main() -> None:
    print(f"machine: {machine()}")
    rules = load_rules()
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    big = "\n".join(seeds) * REPEAT
    try:
        golden = fetch_rules()
    except (OSError, subprocess.CalledProcessError, ValueError) as exc:  # no registry: times only
        print(f"pySBD's golden rules could not be fetched ({exc}); the table has times only")
        golden = []
    articles = [(text, segment(text, rules)) for text in seeds] * REPEAT
    sentences = [text[s.start : s.end] for text, spans in articles for s in spans]

    segmenters = _segmenters()
    for _, split in segmenters.values():
        split("Warm up. Once.")
    fast = {name: split for name, (_, split) in segmenters.items() if name != "pySBD"}
    times = interleaved(5, [lambda split=split: split(big) for split in fast.values()])
    seconds = dict(zip(fast, times, strict=True))
    if "pySBD" in segmenters:  # about 50 times slower: once is enough
        seconds["pySBD"] = best_of(1, lambda: segmenters["pySBD"][1](big))
    rows = []
    for name, (version, split) in segmenters.items():
        wrong = score(split, golden)
        right = f"{len(golden) - len(wrong)}/{len(golden)}" if golden else "-"
        rows.append((name, version, right, seconds[name], wrong))
    ours_segment = seconds["claimdesk"]

    def ours() -> object:
        return [tag_sentences(t, spans, rules) for t, spans in articles]

    context = _context()
    context_seconds = None
    if context:
        context[1](sentences[:50])  # warm-up
        tag_seconds, context_seconds = interleaved(5, [ours, lambda: context[1](sentences)])
    else:
        tag_seconds = best_of(5, ours)

    print(
        f"\n{'tool':<46}{'golden rules':>13}{'segment s':>11}{'ours x':>8}"
        f"{'tag sentences/s':>17}{'ours x':>8}"
    )
    print("-" * 103)
    ours_rate = len(sentences) / tag_seconds
    for name, version, right, seconds, _ in rows:
        tag = f"{ours_rate:>17,.0f}{'':>8}" if name == "claimdesk" else ""
        speed = f"{seconds / ours_segment:>8.1f}" if name != "claimdesk" else f"{'':>8}"
        print(f"{name + ' ' + version:<46}{right:>13}{seconds:>11.4f}{speed}{tag}".rstrip())
    if context_seconds:
        rate = len(sentences) / context_seconds
        label = f"ConText, 12 cues ({context[0]})"
        print(f"{label:<46}{'-':>13}{'-':>11}{'':>8}{rate:>17,.0f}{ours_rate / rate:>8.2f}")
        ratio = ours_rate / rate
        met = "met" if ratio >= TAGGER_GOAL else "NOT met"
        print(f"\ntagger: {ratio:.2f}x ConText's sentences a second (goal: {TAGGER_GOAL:g}x or more): {met}")
    print(
        f"\nCPU seconds, best of turns. segment: the seed articles x{REPEAT} ({len(big) / 1e6:.2f} MB); "
        f"tag: their {len(sentences)} "
        f"sentences, claimdesk\nfrom article text and spans with quotes, context and attribution, ConText "
        f"from sentence text\nthrough nlp.pipe. 'ours x': how many times faster claimdesk is than the peer "
        f"(below 1: slower)."
    )
    for name, _, _, _, wrong in rows:
        if wrong:
            print(f"{name} gets golden rules {', '.join(map(str, wrong))} wrong")


if __name__ == "__main__":
    sys.exit(main())
