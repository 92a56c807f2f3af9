"""Time a first run of a generated corpus against a re-run of the same, and adding one article.

The corpus is made from the seed articles with variations (paragraph order,
names, figures, an added update line), so every article is distinct and is
tagged for real. Everything runs through the Prefect flow on a temporary
Prefect API, as ``claimdesk run`` does. Prints the times and the ratio.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = 200
NAMES = ["Vladimir Putin", "Masoud Pezeshkian", "Sergey Lavrov", "Abbas Araghchi", "Antony Blinken"]


def make_corpus(folder: Path, count: int = ARTICLES) -> list[Path]:
    """``count`` distinct articles made from the seeds, reproducibly."""
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    rng = random.Random(4)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for n in range(count):
        headline, *body = [line for line in seeds[n % len(seeds)].splitlines() if line.strip()]
        rng.shuffle(body)
        text = "\n".join([headline, *body[: max(3, len(body) - rng.randrange(3))]])
        for name in NAMES:
            text = text.replace(name, rng.choice(NAMES))
        text += f"\nOfficials said on day {n} that {rng.randrange(2, 900)} drones had been delivered.\n"
        path = folder / f"article-{n:04d}.txt"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def timed(run, **kwargs) -> tuple[float, dict]:
    start = time.perf_counter()
    summary = run(**kwargs)
    return time.perf_counter() - start, summary


def main() -> int:
    from benchmarks import fixedcost, peers, scaling

    print("claimdesk beside its peers (segmenter: pySBD's golden rules and speed; tagger: ConText):")
    peers.main()
    print()
    print("segment and tag time against input size (should grow linearly):")
    scaling.main()
    print()
    fixed = fixedcost.main([])  # a run with nothing to do: on a running Prefect server, and a temporary one
    print()
    work = Path(tempfile.mkdtemp(prefix="claimdesk-bench-"))
    try:
        return bench(work) or fixed
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench(work: Path) -> int:
    os.environ.setdefault("PREFECT_HOME", str(work / "prefect"))
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.testing.utilities import prefect_test_harness

    from claimdesk.flows.pipeline import run_pipeline

    corpus = work / "corpus"
    make_corpus(corpus)
    params = {"paths": [str(corpus)], "output": str(work / "out")}
    print(f"corpus: {ARTICLES} articles generated from seeds/", file=sys.stderr)
    with prefect_test_harness(server_startup_timeout=180):
        run_pipeline(paths=[str(ROOT / "seeds")], output=str(work / "warm-up"))  # start-up costs once
        floor, _ = timed(run_pipeline, paths=[], output=str(work / "empty"))  # a flow run with no input
        first, s1 = timed(run_pipeline, **params)
        again, s2 = timed(run_pipeline, **params)
        make_corpus(work / "extra", 1)[0].rename(corpus / "zz-added.txt")
        added, s3 = timed(run_pipeline, **params)
    rows = [
        ("first run", first, s1),
        ("re-run, nothing changed", again, s2),
        ("re-run, one article added", added, s3),
    ]
    print(f"{'run':<28}{'seconds':>9}{'new':>6}{'changed':>9}{'unchanged':>11}")
    for label, seconds, s in rows:
        print(f"{label:<28}{seconds:>9.2f}{s['new']:>6}{s['changed']:>9}{s['unchanged']:>11}")
    print(f"{'flow run with no input':<28}{floor:>9.2f}")
    print(f"re-run / first run: {again / first:.3f} ({first / again:.1f}x faster)")
    print(
        f"without the fixed cost of a Prefect flow run: "
        f"{max(again - floor, 0) / max(first - floor, 1e-9):.3f}"
    )
    ok = (s1["new"], s2["new"] + s2["changed"], s3["new"]) == (ARTICLES, 0, 1)
    if not ok:
        print("unexpected counts: the incremental skip is not working", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
