"""``make bench``: claimdesk beside its peers, segment and tag time against input size, and whole
runs (:mod:`benchmarks.wholerun`) on a corpus generated from the seeds, and the peak memory of a
run that tags one 50 MB article (:mod:`benchmarks.bigarticle`).

The corpus is made from the seed articles with variations (paragraph order,
names, figures, an added update line), so every article is distinct and is
tagged for real.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = 200
NAMES = ["Vladimir Putin", "Masoud Pezeshkian", "Sergey Lavrov", "Abbas Araghchi", "Antony Blinken"]


def varied_articles(count: int = ARTICLES) -> Iterator[str]:
    """``count`` distinct article texts made from the seeds, reproducibly, one at a time."""
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    rng = random.Random(4)
    for n in range(count):
        headline, *body = [line for line in seeds[n % len(seeds)].splitlines() if line.strip()]
        rng.shuffle(body)
        text = "\n".join([headline, *body[: max(3, len(body) - rng.randrange(3))]])
        for name in NAMES:
            text = text.replace(name, rng.choice(NAMES))
        text += f"\nOfficials said on day {n} that {rng.randrange(2, 900)} drones had been delivered.\n"
        yield text


def make_corpus(folder: Path, count: int = ARTICLES) -> list[Path]:
    """``count`` distinct articles made from the seeds (:func:`varied_articles`), a file each."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for n, text in enumerate(varied_articles(count)):
        path = folder / f"article-{n:04d}.txt"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main() -> int:
    from benchmarks import bigarticle, fixedcost, peers, scaling, wholerun

    print("claimdesk beside its peers (segmenter: pySBD's golden rules and speed; tagger: ConText):")
    peers.main()
    print()
    print("segment and tag time against input size (should grow linearly):")
    scaling.main()
    print()
    fixed = fixedcost.main([])  # a run with nothing to do: on a running Prefect server, and a temporary one
    print()
    print("whole runs: the library and the Prefect flow, 1,000 and 10,000 articles, and re-runs:")
    whole = wholerun.main([])
    print()
    print("one 50 MB article: peak memory of its run, through the library and the flow:")
    return bigarticle.main([]) or whole or fixed


if __name__ == "__main__":
    sys.exit(main())
