"""One very large article: the peak resident memory of a run that tags a single 50 MB article,
against the goal of issue 10 (under 500 MB).

The article is plain text generated in a temporary folder from the seeds (the varied articles of
:func:`benchmarks.__main__.varied_articles`, one after the other, until it is ``--mb`` MB), so
it is tagged for real; nothing is downloaded or kept. Each run is a process of its own
(:func:`benchmarks.wholerun.measure`), so its peak resident memory (``ru_maxrss``) is the run's
own: through the library (``claimdesk.runs.run``) and through the Prefect flow ``claimdesk run``
calls, reporting to a Prefect server started for the benchmark and stopped after it. Printed:
wall-clock and CPU seconds, peak MB, and whether it is under the goal.

    python -m benchmarks.bigarticle [--mb 50] [--modes library flow]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

GOAL_MB = 500
MODES = ("library", "flow")


def write_article(path: Path, megabytes: float) -> int:
    """Write one article of at least ``megabytes`` MB (UTF-8) made of varied seed articles; its size."""
    from benchmarks.__main__ import varied_articles

    wanted, written = int(megabytes * 1_000_000), 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for text in varied_articles(wanted // 1000 + 1):  # every seed article is over 1,000 bytes
            written += fh.write(text + "\n")
            if written >= wanted:
                break
    return path.stat().st_size


def bench(work: Path, megabytes: float, modes: list[str]) -> int:
    from benchmarks.peers import load_average, machine
    from benchmarks.wholerun import measure, quiet_prefect

    print(f"machine: {machine()}")
    article = work / "big" / "big-article.txt"
    size = write_article(article, megabytes)
    print(f"one article of {size / 1e6:.1f} MB ({size:,} bytes), goal: peak under {GOAL_MB} MB")
    print(f"{'run':<10}{'seconds':>9}{'CPU s':>8}{'peak MB':>9}  goal")
    ok = True
    for mode in modes:
        if mode == "flow":
            quiet_prefect(work)
            from claimdesk.flows.server import prefect_api

            with prefect_api():
                got = measure(mode, article, work / f"out-{mode}")
        else:
            got = measure(mode, article, work / f"out-{mode}")
        ok &= (got["new"], got["articles"], got["failed"]) == (1, 1, 0)
        verdict = "met" if got["peak_mb"] < GOAL_MB else "NOT met"
        print(
            f"{mode:<10}{got['seconds']:>9.1f}{got['cpu']:>8.1f}{got['peak_mb']:>9.0f}  {verdict}", flush=True
        )
    print(f"load average after: {load_average()}")
    if not ok:
        print("unexpected counts: the article was not tagged and stored", file=sys.stderr)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=50, help="size of the article in MB (default: 50)")
    parser.add_argument(
        "--modes",
        nargs="+",
        choices=MODES,
        default=list(MODES),
        help="library: claimdesk.runs.run; flow: the Prefect flow on a server started for it (default: both)",
    )
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="claimdesk-bigarticle-"))
    try:
        return bench(work, args.mb, args.modes)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
