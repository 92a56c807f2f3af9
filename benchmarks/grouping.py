"""Claims across articles: how well grouping joins (labelled pairs) and what it costs (10,000 articles).

Quality: the hand-labelled sentence pairs in ``tests/data/claim_pairs*.jsonl`` hold offsets and
hashes into a corpus kept outside the repository (PolNeAR and BBC news); give its folder with
``--corpus``. Each pair is decided as grouping decides it; precision and recall are printed.

Cost: ``--articles`` generated articles (benchmarks.make_corpus) are tagged and stored through
the library as the run's tasks do (annotate; write the records file; store.write_article, which
groups), once with grouping and once with it switched off (``grouping: {enabled: false}``),
each into a fresh database. The added share is (with - without) / without; Prefect's own
overhead, left out here, would only make it smaller. Times are CPU seconds of this process
(time.process_time), so other work on a shared machine does not blur them; a warm-up pass over
the first 2% of the articles comes first, so that the first timed pass does not pay alone for
the tagger's caches. Per block of articles they show whether grouping's cost stays flat as the
database grows.

Then, with ``--whole-run`` (the default), what grouping adds to what a user runs: ``claimdesk
run`` through the Prefect flow on the same articles, with and without grouping, each run a
process of its own reporting to one Prefect server kept running for the benchmark, two of each
in turns, CPU seconds of the best of each (:mod:`benchmarks.wholerun` measures them).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import yaml

from claimdesk import store
from claimdesk.annotate import annotate
from claimdesk.claimeval import Scores, load_pairs, report, report_slices, score
from claimdesk.corpus import CorpusError
from claimdesk.grouping import grouping_of
from claimdesk.ingest import make_article
from claimdesk.rules import default_rules_path, load_rules, parse_rules

ROOT = Path(__file__).resolve().parent.parent
PAIRS = ROOT / "tests" / "data" / "claim_pairs.jsonl"
HELD_BACK = [
    ROOT / "tests" / "data" / "claim_pairs_heldback.jsonl",  # scored once in its round, then looked at
    ROOT / "tests" / "data" / "claim_pairs_heldback2.jsonl",  # scored once; no setting chosen on it
]
BLOCKS = 5


def quality(corpus: Path) -> int:
    """Precision and recall on each labelled set: the pairs grouping was developed on, and the
    held-back pairs (two labellers each, not looked at while grouping was tuned)."""
    rules = load_rules()
    for labels in (PAIRS, *HELD_BACK):
        try:
            pairs = load_pairs(labels, corpus, rules)
        except CorpusError as exc:
            print(f"grouping quality: not measured: {exc}")
            return 0
        print(f"grouping quality on {labels.relative_to(ROOT)} (corpus {corpus}):")
        print(report(score(pairs, grouping_of(rules)), misses=0))
        print(report_slices(pairs, grouping_of(rules)))
    return 0


def _store_all(paths: list[Path], rules, output: Path) -> list[float]:
    """Tag and store every article; seconds per block of articles."""
    db = store.open_db(output)
    store.write_rules(db, rules)
    store.start_run(db, "bench", rules, ["bench"])
    size = max(1, len(paths) // BLOCKS)
    times, start = [], time.process_time()
    for n, path in enumerate(paths, start=1):
        article = make_article(path.name, str(path), path.read_text(encoding="utf-8"))
        done = annotate(article, rules)
        # the records, as a run writes them but without its fsync (the same in both passes)
        store.write_records_file(output, done)
        store.write_article(db, done, rules, "bench")
        if n % size == 0 or n == len(paths):
            times.append(time.process_time() - start)
            start = time.process_time()
    db.close()
    return times


SWEEP = {
    "threshold": (0.3, 0.35, 0.4, 0.45, 0.5),
    "content_threshold": (0.25, 0.3, 0.35, 0.4, 0.45, 0.5),
    "entity_weight": (0.25, 0.5, 0.75, 1.0),
    "min_shared_entities": (1, 2, 3),
    "min_shared_terms": (0, 1, 2),
}


def sweep(corpus: Path) -> int:
    """How far the settings alone can take grouping: every combination of :data:`SWEEP` scored on
    all labelled pairs at once (the held-back ones too, so this flatters every setting), and the
    best precision reachable at each recall printed. If no setting meets the targets here, no
    choice of settings will on unseen pairs; what is compared has to change instead."""
    import dataclasses
    import itertools

    from claimdesk.grouping import signature, similarity

    rules = load_rules()
    g = grouping_of(rules)
    try:
        pairs = [p for labels in (PAIRS, *HELD_BACK) for p in load_pairs(labels, corpus, rules)]
    except CorpusError as exc:
        print(f"grouping settings sweep: not measured: {exc}")
        return 0
    sigs = [(signature(p.a, g, p.source_a), signature(p.b, g, p.source_b), p.same_claim) for p in pairs]
    found = []
    for values in itertools.product(*SWEEP.values()):
        settings = dict(zip(SWEEP, values, strict=True))
        trial = dataclasses.replace(g, **settings)
        joined = [(similarity(a, b, trial) >= trial.threshold, same) for a, b, same in sigs]
        s = Scores(
            tp=sum(j and same for j, same in joined),
            fp=sum(j and not same for j, same in joined),
            fn=sum(same and not j for j, same in joined),
        )
        found.append((s.precision, s.recall, settings))
    print(f"grouping settings sweep: {len(found)} settings on all {len(pairs)} labelled pairs;")
    print("the best precision at each recall (targets: precision 0.9 with recall 0.8):")
    best_recall = -1.0
    for precision, recall, settings in sorted(found, key=lambda f: (-f[0], -f[1])):
        if recall > best_recall and precision >= 0.7:
            best_recall = recall
            shown = " ".join(f"{k}={v}" for k, v in settings.items())
            print(f"  precision {precision:.3f}  recall {recall:.3f}  {shown}")
    met = [f for f in found if f[0] >= 0.9 and f[1] >= 0.8]
    print(f"settings meeting both targets: {len(met)}")
    return 0


def _rules_without_grouping() -> str:
    """The shipped rules file with ``grouping: {enabled: false}``, as text."""
    data = yaml.safe_load(default_rules_path().read_text(encoding="utf-8"))
    data["grouping"]["enabled"] = False
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def cost(count: int, work: Path) -> None:
    from benchmarks.__main__ import make_corpus

    paths = make_corpus(work / "corpus", count)
    without = parse_rules(_rules_without_grouping(), "grouping off")
    with_rules = load_rules()
    # Warm the tagger's caches first, so neither timed pass pays them for the other.
    _store_all(paths[: max(1, count // 50)], without, work / "warm-up")
    off = _store_all(paths, without, work / "off")
    on = _store_all(paths, with_rules, work / "on")
    db = store.open_db(work / "on")
    claims = db["claims"].count
    mentions = db["claim_mentions"].count
    db.close()
    print(f"grouping cost on {count} generated articles (tag and store through the library):")
    print(f"{'block':<16}{'without cpu s':>15}{'with cpu s':>12}{'added':>8}")
    size = max(1, count // BLOCKS)
    for n, (a, b) in enumerate(zip(off, on, strict=True)):
        label = f"{n * size + 1}-{min((n + 1) * size, count)}"
        print(f"{label:<16}{a:>15.2f}{b:>12.2f}{(b - a) / a:>8.1%}")
    total_off, total_on = sum(off), sum(on)
    print(f"{'all':<16}{total_off:>15.2f}{total_on:>12.2f}{(total_on - total_off) / total_off:>8.1%}")
    print(
        f"{claims} claims, {mentions} mentions; grouping adds {(total_on - total_off) / total_off:.1%} "
        "to tagging and storing"
    )


def whole_run_cost(count: int, work: Path) -> None:
    """What grouping adds to a whole ``claimdesk run`` (the Prefect flow, on a server kept running):
    the same articles run with and without grouping, each run a process of its own, taken in turns
    (with, without, with, without) and the lower CPU time of each kept."""
    from benchmarks.__main__ import make_corpus
    from benchmarks.wholerun import measure, quiet_prefect

    quiet_prefect(work)
    from claimdesk.flows.server import prefect_api

    corpus = work / "whole-corpus"
    make_corpus(corpus, count)
    off = work / "grouping-off.yaml"
    off.write_text(_rules_without_grouping(), encoding="utf-8")
    time.sleep(2.5)  # files written just now get no stored stamp (claimdesk.incremental.RACY_NS)
    runs: dict[str, list[dict]] = {"with": [], "without": []}
    with prefect_api():
        measure("flow", corpus, work / "whole-warm-up")  # Prefect's first-use costs, once
        for turn in range(2):
            for name, rules in (("with", None), ("without", off)):
                runs[name].append(measure("flow", corpus, work / f"whole-{name}-{turn}", rules))
    best = {name: min(done, key=lambda d: d["cpu"]) for name, done in runs.items()}
    added = (best["with"]["cpu"] - best["without"]["cpu"]) / best["without"]["cpu"]
    print(f"grouping cost in a whole `claimdesk run` (the flow) of {count} generated articles, best of 2:")
    print(f"{'run':<20}{'seconds':>9}{'CPU s':>8}{'peak MB':>9}")
    for name in ("without", "with"):
        got = best[name]
        print(f"{name + ' grouping':<20}{got['seconds']:>9.2f}{got['cpu']:>8.1f}{got['peak_mb']:>9.0f}")
    print(f"grouping adds {added:.1%} to the run's CPU time (target: at most 30%)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.grouping", description=__doc__)
    parser.add_argument("--corpus", type=Path, default=None, help="folder holding the labelled files")
    parser.add_argument("--articles", type=int, default=10_000, help="generated articles to time (0: none)")
    parser.add_argument(
        "--whole-run",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time whole `claimdesk run`s with and without grouping (default: on)",
    )
    parser.add_argument(
        "--sweep",
        action="store_true",
        help="with --corpus, also score every combination of the grouping settings on all labelled pairs",
    )
    args = parser.parse_args(argv)
    status = quality(args.corpus) if args.corpus else 0
    if args.corpus and args.sweep:
        print()
        status = sweep(args.corpus) or status
    if args.articles:
        with tempfile.TemporaryDirectory(prefix="claimdesk-bench-grouping-") as work:
            cost(args.articles, Path(work))
            if args.whole_run:
                print()
                whole_run_cost(args.articles, Path(work))
    return status


if __name__ == "__main__":
    sys.exit(main())
