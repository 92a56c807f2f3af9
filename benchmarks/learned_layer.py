"""Would a classifier trained on the real-news labels do better than the rules on unseen news?

The learned layer of :mod:`claimdesk.layer` (``claimdesk layer train``, scikit-learn from the
``learn`` extra), trained on the tuning part and scored once on the held-back part, beside the rules'
own score there, with a 95% interval of the difference (whole articles resampled). The corpus stays
where the user keeps it, as for ``claimdesk eval``::

    python -m benchmarks.learned_layer --corpus DIR --train LABELS... --test LABELS...
    make learned-layer CORPUS=DIR      # the tuning part and the held-back part of `make eval-real`

Its word weights are learned from third-party text, so no layer is kept: it is trained afresh
each time, from the corpus given.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path

from claimdesk.evaluate import evaluate, load_gold
from claimdesk.layer import LayerError, parse_layer, train
from claimdesk.rules import load_rules, with_layer
from claimdesk.status import LABELS

RESAMPLES = 1000
"""Bootstrap draws of whole articles for the interval of the difference."""


def f1(gold: Sequence[str], predicted: Sequence[str], label: str) -> float:
    """F1 of one label."""
    tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
    wrong = sum((p == label) != (g == label) for g, p in zip(gold, predicted, strict=True))
    return 2 * tp / (2 * tp + wrong) if tp else 0.0


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Macro-F1 over the five labels, as ``claimdesk eval`` reports it."""
    return sum(f1(gold, predicted, label) for label in LABELS) / len(LABELS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.learned_layer", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--corpus", type=Path, required=True, help="folder the labels point into")
    parser.add_argument("--train", type=Path, nargs="+", required=True, help="labels to learn from")
    parser.add_argument("--test", type=Path, nargs="+", required=True, help="labels to score once")
    args = parser.parse_args(argv)
    rules = load_rules()
    try:
        layer = parse_layer(
            json.dumps(train([r for f in args.train for r in load_gold(f, args.corpus)], rules))
        )
    except LayerError as exc:
        print(f"learned layer: {exc}", file=sys.stderr)
        return 2
    test = [r for f in args.test for r in load_gold(f, args.corpus)]
    by_rules = evaluate(test, rules).outcomes
    by_layer = evaluate(test, with_layer(rules, layer)).outcomes
    gold = [o.row.status for o in by_rules]
    rules_said, layer_said = [o.status for o in by_rules], [o.status for o in by_layer]

    articles: dict[str, list[int]] = {}
    for i, o in enumerate(by_rules):
        articles.setdefault(o.row.article or "", []).append(i)
    groups = list(articles.values())
    draw = random.Random(0)
    differences = []
    for _ in range(RESAMPLES):
        picked = [i for _ in groups for i in draw.choice(groups)]
        differences.append(
            macro_f1([gold[i] for i in picked], [layer_said[i] for i in picked])
            - macro_f1([gold[i] for i in picked], [rules_said[i] for i in picked])
        )
    differences.sort()
    low, high = differences[int(0.025 * RESAMPLES)], differences[int(0.975 * RESAMPLES) - 1]
    pairs = list(zip(gold, rules_said, layer_said, strict=True))
    fixed = sum(r != g == p for g, r, p in pairs)
    broken = sum(r == g != p for g, r, p in pairs)
    print(
        f"trained on {layer.trained['sentences']} sentences, scored on {len(test)} ({len(groups)} articles)"
    )
    print(f"rules:         macro-F1 {macro_f1(gold, rules_said):.3f}")
    print(f"learned layer: macro-F1 {macro_f1(gold, layer_said):.3f}")
    for label in LABELS:
        print(
            f"  {label:<10} rules F1 {f1(gold, rules_said, label):.3f}  "
            f"layer F1 {f1(gold, layer_said, label):.3f}"
        )
    print(f"difference 95% interval (articles resampled): {low:+.3f} to {high:+.3f}")
    changed = sum(r != p for _, r, p in pairs)
    print(f"decisions changed: {changed} ({fixed} fixed, {broken} broken)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
