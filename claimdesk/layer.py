"""A learned layer over the rules: a linear model, trained on the user's own labels, that may
overrule the rules' status of a sentence.

Rounds of hand-written rules have not moved the score on unseen published news since the second
(docs/real-news.md); a layer learned from labelled news is the other way to try. On three held-back
parts it gave +0.035, +0.047 and -0.008 macro-F1 over the rules, so it is opt-in. It sees what the
rules decided (this sentence's status and deciding rule, whether a source was named, the verdicts
either side) and the sentence's words and word pairs (tf-idf), so its weights come from the text it
was trained on: the model file is made by the user from the corpus they keep (``claimdesk layer
train``) and stays with them; none ships with claimdesk.

Training needs scikit-learn (the ``learn`` extra); applying a layer is a weighted sum per label in
plain Python, so a run needs nothing more. The model file's sha256 joins the rules digest: a new
layer re-tags stored articles, as a rules edit does. A sentence the layer changes keeps the cues the
rules found, names ``learned-layer`` as what decided, and the rules' own label as ``overruled``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import regex

from claimdesk import atomic
from claimdesk.schemas import errors as schema_errors
from claimdesk.status import NO_CLAIM

if TYPE_CHECKING:
    from claimdesk.evaluate import GoldRow
    from claimdesk.rules import RuleSet
    from claimdesk.tag import Tagged

FORMAT = "claimdesk-layer/1"
DECIDED_BY = "learned-layer"
"""What a sentence's ``decided_by`` says when the layer overruled the rules."""
C = 2.0
"""Inverse regularisation strength: the setting measured on the real-news labels (docs/real-news.md)."""
MIN_DF = 2
"""A word or word pair enters the vocabulary when this many training sentences hold it."""
AGREEMENT = 0.999
"""Training refuses a model whose plain-Python predictions differ from scikit-learn's on more of the
training sentences than this allows (weights are rounded when written)."""
_TOKEN = regex.compile(r"\b\w\w+\b")
"""Words of two or more word characters, as scikit-learn's default token pattern: no word list."""


class LayerError(ValueError):
    """A layer file that cannot be used, or labels it cannot be trained on; the message says why."""


@dataclass(frozen=True, eq=False)
class Layer:
    """A trained layer: per-label weights for every feature, and the words' idf."""

    labels: tuple[str, ...]
    intercepts: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]
    idf: dict[str, float]
    digest: str
    """sha256 of the file's bytes: it joins the rules digest."""
    path: str
    trained: dict[str, Any] = field(default_factory=dict)
    vocabulary: dict[str, tuple[float, tuple[float, ...] | None]] = field(default_factory=dict, repr=False)
    """Each word or word pair's idf and weights (``w:`` feature), in one lookup, for :func:`decide`."""

    def __post_init__(self) -> None:
        self.vocabulary.update({g: (v, self.weights.get("w:" + g)) for g, v in self.idf.items()})


def describe(layer: Layer) -> str:
    """The layer in one line, for the run's record: its file, digest and what it learned from."""
    made = layer.trained
    learned = f", trained on {made['sentences']} sentences" if "sentences" in made else ""
    return f"{layer.path}, sha256 {layer.digest[:12]}{learned}"


def grams(text: str) -> list[str]:
    """The sentence's words and word pairs, lower-cased."""
    words = _TOKEN.findall(text.lower())
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def _verdicts(tagged: Sequence[Tagged], i: int) -> list[str]:
    """The features of the rules' verdicts on sentence ``i`` and either side of it (each worth 1)."""
    t = tagged[i]
    before = tagged[i - 1] if i else None
    after = tagged[i + 1] if i + 1 < len(tagged) else None
    names = [
        f"rules={t.status or NO_CLAIM}",
        f"decided_by={t.decided_by}",
        f"before={(before.status or NO_CLAIM) if before else 'start'}",
        f"before_by={before.decided_by if before else 'start'}",
        f"after={(after.status or NO_CLAIM) if after else 'end'}",
    ]
    if t.attributed_to is not None:
        names.append("named")
    if before is None:
        names.append("first")
    return names


def features(
    tagged: Sequence[Tagged], texts: Sequence[str], i: int, idf: dict[str, float]
) -> dict[str, float]:
    """What the layer sees of sentence ``i`` of an article: the rules' verdicts around it and its words."""
    out = dict.fromkeys(_verdicts(tagged, i), 1.0)
    counts = Counter(g for g in grams(texts[i]) if g in idf)
    words = {g: (1.0 + math.log(n)) * idf[g] for g, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in words.values()))
    out.update({f"w:{g}": v / norm for g, v in words.items()} if norm else {})
    return out


def decide(layer: Layer, tagged: Sequence[Tagged], texts: Sequence[str], i: int) -> str:
    """The label the layer gives sentence ``i``: the highest of intercept + features x weights.

    The same sum as over :func:`features` (the same verdicts; the words computed here in one pass,
    their weights summed first and scaled by the words' length once: training checks that this
    decides as scikit-learn does)."""
    scores = list(layer.intercepts)
    width = range(len(scores))
    for name in _verdicts(tagged, i):
        w = layer.weights.get(name)
        if w is not None:
            for k in width:
                scores[k] += w[k]
    vocabulary = layer.vocabulary
    summed = [0.0] * len(scores)
    norm = 0.0
    for g, n in Counter(g for g in grams(texts[i]) if g in vocabulary).items():
        idf, w = vocabulary[g]
        v = (1.0 + math.log(n)) * idf
        norm += v * v
        if w is not None:
            for k in width:
                summed[k] += v * w[k]
    if norm:
        norm = math.sqrt(norm)
        for k in width:
            scores[k] += summed[k] / norm
    return layer.labels[max(width, key=scores.__getitem__)]


def revise(tagged: list[Tagged], texts: Sequence[str], layer: Layer) -> list[int]:
    """Let the layer overrule the rules' status of each sentence; return the indices it changed.

    Every sentence is read as the rules left it (its neighbours unrevised), as in training."""
    decided = [decide(layer, tagged, texts, i) for i in range(len(tagged))]
    changed = []
    for i, label in enumerate(decided):
        t = tagged[i]
        if label != (t.status or NO_CLAIM):
            t.overruled = t.status or NO_CLAIM
            t.status = None if label == NO_CLAIM else label
            t.decided_by = DECIDED_BY
            changed.append(i)
    return changed


def parse_layer(text: str, path: str = "<layer>") -> Layer:
    """Read a layer file's JSON, checked against ``schemas/layer.schema.json``."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LayerError(f"{path}: not a layer file (not JSON: {exc})") from exc
    # The schema checks the file's shape; the tens of thousands of weights are checked here, in a
    # fiftieth of the time jsonschema takes over them (a layer is read at the start of every run).
    tables = {}
    if isinstance(data, dict):
        tables = {k: data.pop(k) for k in ("weights", "idf") if isinstance(data.get(k), dict)}
    problems = schema_errors("layer", {**data, **{k: {} for k in tables}} if tables else data)
    if problems:
        raise LayerError(f"{path}: does not match schemas/layer.schema.json: {'; '.join(problems[:3])}")
    labels = tuple(data["labels"])
    width = len(labels)
    weights, idf = tables["weights"], tables["idf"]
    if len(data["intercepts"]) != width or not all(
        type(w) is list and len(w) == width and all(type(v) in (int, float) for v in w)
        for w in weights.values()
    ):
        raise LayerError(f"{path}: weights: every feature needs one number per label ({width})")
    if not all(type(v) in (int, float) for v in idf.values()):
        raise LayerError(f"{path}: idf: every word needs a number")
    return Layer(
        labels=labels,
        intercepts=tuple(data["intercepts"]),
        weights={k: tuple(v) for k, v in weights.items()},
        idf=idf,
        digest=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        path=path,
        trained=data.get("trained", {}),
    )


def load_layer(path: str | Path) -> Layer:
    """Load a layer file written by ``claimdesk layer train``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise LayerError(f"{path}: cannot read layer file: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise LayerError(f"{path}: layer file is not UTF-8 text") from exc
    return parse_layer(text, str(path))


def _examples(gold: Sequence[GoldRow], rules: RuleSet) -> Iterator[tuple[list[Tagged], list[str], int, str]]:
    """Each labelled sentence as the rules tag it in its article: (tagged, texts, index, gold label)."""
    from claimdesk.evaluate import context_article, tag_articles
    from claimdesk.tag import tag_sentences

    for rows, tagged in tag_articles([r for r in gold if r.article], rules):
        texts = [r.text for r in rows]
        for i, row in enumerate(rows):
            yield tagged, texts, i, row.status
    for row in (r for r in gold if not r.article):
        text, spans, parts = context_article(row)
        yield tag_sentences(text, spans, rules), parts, len(parts) - 1, row.status


def train(gold: Sequence[GoldRow], rules: RuleSet, c: float = C) -> dict[str, Any]:
    """Fit a layer to labelled sentences tagged by ``rules``; return the layer file's content.

    Needs scikit-learn (the ``learn`` extra). Classes are weighted by their rarity ("balanced"), so
    the few denials and disputes count as much as the many plain statements."""
    if getattr(rules, "layer", None) is not None:
        raise LayerError("train a layer on the rules alone, not on rules that already carry a layer")
    if not c > 0:  # 0, a negative or NaN: scikit-learn's own error would name none of this
        raise LayerError(f"c (the inverse of the regularisation strength) must be more than 0, not {c}")
    try:
        import sklearn
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        raise LayerError(
            "training a layer needs scikit-learn: in a checkout .venv/bin/pip install -c constraints.txt "
            "-e '.[learn]', elsewhere pip install 'claimdesk[learn]'"
        ) from None
    examples = list(_examples(gold, rules))
    y = [status for *_, status in examples]
    if len(set(y)) < 2:
        given = ", ".join(sorted(set(y))) or "none"
        raise LayerError(f"a layer needs labels of at least two kinds to learn from; these are all {given}")
    df = Counter(g for tagged, texts, i, _ in examples for g in set(grams(texts[i])))
    n = len(examples)
    idf = {g: math.log((1 + n) / (1 + d)) + 1.0 for g, d in sorted(df.items()) if d >= MIN_DF}
    x = [features(tagged, texts, i, idf) for tagged, texts, i, _ in examples]
    vectors = DictVectorizer()
    model = LogisticRegression(max_iter=3000, C=c, class_weight="balanced")
    model.fit(vectors.fit_transform(x), y)
    labels = [str(label) for label in model.classes_]
    coef = model.coef_.tolist()
    intercepts = model.intercept_.tolist()
    if len(labels) == 2:  # a binary model keeps one row: the second label's score over the first's
        coef, intercepts = [[0.0] * len(coef[0]), coef[0]], [0.0, intercepts[0]]
    weights = {name: [round(row[j], 6) for row in coef] for j, name in enumerate(vectors.feature_names_)}
    content: dict[str, Any] = {
        "format": FORMAT,
        "labels": labels,
        "intercepts": [round(b, 6) for b in intercepts],
        "weights": weights,
        "idf": {g: round(v, 6) for g, v in idf.items()},
        "trained": {
            "sentences": n,
            "articles": len({id(tagged) for tagged, *_ in examples}),
            "per_label": dict(sorted(Counter(y).items())),
            "rules": f"{rules.name} {rules.version}",
            "rules_digest": rules.digest,
            "c": c,
            "scikit_learn": sklearn.__version__,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    }
    layer = parse_layer(json.dumps(content), "<trained>")
    fitted = model.predict(vectors.transform(x))
    ours = (decide(layer, tagged, texts, i) for tagged, texts, i, _ in examples)
    agree = sum(a == str(b) for a, b in zip(ours, fitted, strict=True)) / n
    if agree < AGREEMENT:
        raise LayerError(f"the written layer decides as scikit-learn on only {agree:.4f} of its training set")
    content["trained"]["agrees_with_scikit_learn"] = round(agree, 4)
    return content


def write_layer(content: dict[str, Any], path: str | Path) -> Path:
    """Write a trained layer as JSON (one file; its sha256 is the layer's digest)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(out, json.dumps(content, ensure_ascii=False, separators=(",", ":")))
    return out
