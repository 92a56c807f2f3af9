"""How well grouping joins sentences that make the same claim: precision and recall on labelled pairs.

The labels hold no third-party text: each row names two files of a corpus the user keeps
(``file_a``, ``file_b``, relative to ``--corpus``), character offsets into their decoded text
(:func:`claimdesk.decode.decode`), the sha256 of each file's bytes, and whether the two
sentences make the same claim. A file whose bytes differ from the labelled hash is refused,
since its offsets would point at other text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from claimdesk.corpus import read_labelled
from claimdesk.grouping import Grouping, signature, similarity
from claimdesk.rules import RuleSet
from claimdesk.segment import segment
from claimdesk.tag import tag_sentences


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    same_claim: bool
    where: str
    source_a: str | None = None
    source_b: str | None = None
    slice: str = ""  # the corpus the pair comes from (its first folder: polnear, bbc)


@dataclass
class Scores:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    errors: list[tuple[Pair, float]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def pairs(self) -> int:
        return self.tp + self.fp + self.fn + self.tn


def load_pairs(labels: Path, corpus: Path, rules: RuleSet) -> list[Pair]:
    """The labelled sentence pairs, with their text read from ``corpus`` and checked by hash.

    Each file is tagged whole with ``rules`` (as a run would), so each sentence comes with
    its source, which grouping keeps apart from what is claimed."""
    texts: dict[str, str] = {}
    sources: dict[str, dict[int, str | None]] = {}

    def source(name: str, start: int) -> str | None:
        if name not in sources:
            spans = segment(texts[name], rules)
            tagged = tag_sentences(texts[name], spans, rules)
            sources[name] = {span.start: t.attributed_to for span, t in zip(spans, tagged, strict=True)}
        return sources[name].get(start)

    def text(name: str, digest: str) -> str:
        if name not in texts:
            texts[name] = read_labelled(corpus, name, digest)
        return texts[name]

    pairs = []
    for n, line in enumerate(labels.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        a = text(row["file_a"], row["sha256_a"])[row["start_a"] : row["end_a"]]
        b = text(row["file_b"], row["sha256_b"])[row["start_b"] : row["end_b"]]
        pairs.append(
            Pair(
                a,
                b,
                bool(row["same_claim"]),
                f"{labels.name}:{n}",
                source(row["file_a"], row["start_a"]),
                source(row["file_b"], row["start_b"]),
                row["file_a"].split("/")[0],
            )
        )
    return pairs


def score(pairs: list[Pair], g: Grouping) -> Scores:
    """Decide each pair as grouping would (similarity at or above the threshold) and count."""
    s = Scores()
    for pair in pairs:
        value = similarity(signature(pair.a, g, pair.source_a), signature(pair.b, g, pair.source_b), g)
        joined = value >= g.threshold
        if joined and pair.same_claim:
            s.tp += 1
        elif joined:
            s.fp += 1
            s.errors.append((pair, value))
        elif pair.same_claim:
            s.fn += 1
            s.errors.append((pair, value))
        else:
            s.tn += 1
    return s


def report(s: Scores, misses: int = 10) -> str:
    lines = [
        f"{s.pairs} labelled pairs ({s.tp + s.fn} same claim, {s.fp + s.tn} different)",
        _line(s),
    ]
    for pair, value in s.errors[:misses]:
        kind = "missed" if pair.same_claim else "wrongly joined"
        lines.append(f"  {kind} ({value:.2f}, {pair.where}): {pair.a[:80]!r} / {pair.b[:80]!r}")
    return "\n".join(lines)


def _line(s: Scores) -> str:
    return f"precision {s.precision:.3f}  recall {s.recall:.3f}  (tp {s.tp}, fp {s.fp}, fn {s.fn}, tn {s.tn})"


def report_slices(pairs: list[Pair], g: Grouping) -> str:
    """Precision and recall per corpus (PolNeAR's US election news, BBC's British politics)."""
    lines = []
    for name in sorted({p.slice for p in pairs}):
        part = [p for p in pairs if p.slice == name]
        lines.append(f"  {name:<8} {len(part):>4} pairs: {_line(score(part, g))}")
    return "\n".join(lines)
