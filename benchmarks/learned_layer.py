"""Would a classifier trained on the real-news labels do better than the rules on unseen news?

A measurement, not part of the tagger: a logistic regression (scikit-learn, from the ``bench``
extra; balanced classes) learns the annotators' label from the rules' verdict, the rule that decided,
whether a source was named, the verdicts either side, and the sentence's words and word pairs
(tf-idf). It is trained on the tuning part and scored once on the held-back part, beside the rules'
own score there, with a 95% interval of the difference (whole articles resampled). The corpus
stays where the user keeps it, as for ``claimdesk eval``::

    python -m benchmarks.learned_layer --corpus DIR --train LABELS... --test LABELS...
    make learned-layer CORPUS=DIR      # the tuning part and the held-back part of `make eval-real`

Its word weights are learned from third-party text, so no model is kept: it is trained afresh
each time, from the corpus given.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from pathlib import Path

from claimdesk.evaluate import Outcome, evaluate, load_gold
from claimdesk.rules import load_rules
from claimdesk.status import LABELS

RESAMPLES = 1000
"""Bootstrap draws of whole articles for the interval of the difference."""


def outcomes(files: Sequence[Path], corpus: Path) -> list[Outcome]:
    """The rules' verdict on every labelled sentence, in article order."""
    gold = [row for f in files for row in load_gold(f, corpus)]
    found = evaluate(gold, load_rules()).outcomes
    return sorted(found, key=lambda o: (o.row.article or "", o.row.start))


def features(found: list[Outcome]) -> list[dict[str, float]]:
    """What the layer sees of each sentence besides its words: the rules' verdicts around it."""
    out = []
    for i, o in enumerate(found):
        same = [j for j in (i - 1, i + 1) if 0 <= j < len(found) and found[j].row.article == o.row.article]
        before = found[same[0]] if same and same[0] < i else None
        after = found[same[-1]] if same and same[-1] > i else None
        out.append(
            {
                f"rules={o.status}": 1.0,
                f"decided_by={o.predicted.decided_by}": 1.0,
                "named": float(o.predicted.attributed_to is not None),
                "first": float(before is None),
                f"before={before.status if before else 'start'}": 1.0,
                f"before_by={before.predicted.decided_by if before else 'start'}": 1.0,
                f"after={after.status if after else 'end'}": 1.0,
            }
        )
    return out


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
    try:
        from scipy.sparse import hstack
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        print("learned layer: needs the bench extra (pip install -e '.[bench]')", file=sys.stderr)
        return 2
    train, test = outcomes(args.train, args.corpus), outcomes(args.test, args.corpus)
    words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    verdicts = DictVectorizer()
    x_train = hstack(
        [verdicts.fit_transform(features(train)), words.fit_transform([o.row.text for o in train])]
    )
    x_test = hstack([verdicts.transform(features(test)), words.transform([o.row.text for o in test])])
    model = LogisticRegression(max_iter=3000, C=2.0, class_weight="balanced")
    model.fit(x_train.tocsr(), [o.row.status for o in train])
    layer = list(model.predict(x_test.tocsr()))
    gold, rules = [o.row.status for o in test], [o.status for o in test]

    articles: dict[str, list[int]] = {}
    for i, o in enumerate(test):
        articles.setdefault(o.row.article or "", []).append(i)
    groups = list(articles.values())
    draw = random.Random(0)
    differences = []
    for _ in range(RESAMPLES):
        picked = [i for _ in groups for i in draw.choice(groups)]
        differences.append(
            macro_f1([gold[i] for i in picked], [layer[i] for i in picked])
            - macro_f1([gold[i] for i in picked], [rules[i] for i in picked])
        )
    differences.sort()
    low, high = differences[int(0.025 * RESAMPLES)], differences[int(0.975 * RESAMPLES) - 1]
    fixed = sum(r != g == p for g, r, p in zip(gold, rules, layer, strict=True))
    broken = sum(r == g != p for g, r, p in zip(gold, rules, layer, strict=True))
    print(f"trained on {len(train)} sentences, scored on {len(test)} ({len(groups)} articles)")
    print(f"rules:         macro-F1 {macro_f1(gold, rules):.3f}")
    print(f"learned layer: macro-F1 {macro_f1(gold, layer):.3f}")
    for label in LABELS:
        print(f"  {label:<10} rules F1 {f1(gold, rules, label):.3f}  layer F1 {f1(gold, layer, label):.3f}")
    print(f"difference 95% interval (articles resampled): {low:+.3f} to {high:+.3f}")
    changed = sum(r != p for r, p in zip(rules, layer, strict=True))
    print(f"decisions changed: {changed} ({fixed} fixed, {broken} broken)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
