"""``claimdesk eval``: how well do the rules agree with annotated sentences?

Gold rows are JSON Lines, in one of two shapes:

- sentences written out: ``{"text", "status", "attributed_to", "context_before"}``
  (``status`` null for no claim; ``context_before`` the sentences just before it in
  the same article, tagged together with it so quotes, pronouns and negations
  that answer an earlier allegation are judged as in a real article);
- labels into a corpus the user keeps (third-party text stays out of the repo):
  ``{"file", "sha256", "start", "end", "status", "attributed_to"}``, offsets in
  code points of the file's decoded text. Every labelled sentence of a file is
  tagged together, as one article, with the labels' spans as its sentences.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from claimdesk import schemas
from claimdesk.corpus import CorpusError, read_labelled
from claimdesk.rules import RuleSet
from claimdesk.segment import Span
from claimdesk.status import LABELS
from claimdesk.tag import Tagged, tag_sentences
from claimdesk.wording import plural


class GoldError(ValueError):
    """A gold file that cannot be read; the message names the line."""


@dataclass
class GoldRow:
    line: int
    text: str
    status: str
    attributed_to: str | None
    context_before: list[str]
    article: str | None = None
    """For labels into a corpus: the file, whose labelled sentences are tagged together."""
    start: int = 0
    end: int = 0
    article_text: str = field(default="", repr=False)
    """The decoded file (one string shared by all its rows)."""
    path: str = ""
    """The gold file the row is from, so that a miss says where to look when several are scored."""

    @property
    def where(self) -> str:
        """Where to find the row: its corpus file and offset, or its gold file and line."""
        if self.article:
            return f"{self.article}#{self.start}"
        return f"{Path(self.path).name}:{self.line}" if self.path else f"line {self.line}"


@dataclass
class Outcome:
    row: GoldRow
    predicted: Tagged

    @property
    def status(self) -> str:
        return self.predicted.status or "none"

    @property
    def same_source(self) -> bool:
        return (self.predicted.attributed_to or "").casefold() == (self.row.attributed_to or "").casefold()


def _same_source_share(rows: list[Outcome]) -> float:
    """The share of ``rows`` whose predicted source is the gold one."""
    return sum(o.same_source for o in rows) / len(rows) if rows else 0.0


@dataclass
class Scores:
    outcomes: list[Outcome] = field(default_factory=list)
    layer: bool = False
    """A learned layer tagged with the rules (its changes are then reported)."""

    def confusion(self) -> dict[str, dict[str, int]]:
        matrix = {g: dict.fromkeys(LABELS, 0) for g in LABELS}
        for o in self.outcomes:
            matrix[o.row.status][o.status] += 1
        return matrix

    def per_label(self) -> dict[str, dict[str, float]]:
        matrix = self.confusion()
        scores = {}
        for label in LABELS:
            tp = matrix[label][label]
            predicted = sum(matrix[g][label] for g in LABELS)
            actual = sum(matrix[label].values())
            precision = tp / predicted if predicted else 0.0
            recall = tp / actual if actual else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            scores[label] = {"precision": precision, "recall": recall, "f1": f1, "support": actual}
        return scores

    @property
    def scored_labels(self) -> list[str]:
        """The labels macro-F1 averages: those the gold has or the tagger gave. A label with neither
        (a small file with no disputed sentence, none predicted) has no F1 to count as 0."""
        matrix = self.confusion()
        return [
            label for label in LABELS if sum(matrix[label].values()) or sum(matrix[g][label] for g in LABELS)
        ]

    @property
    def macro_f1(self) -> float:
        scored = self.scored_labels
        per_label = self.per_label()
        return sum(per_label[label]["f1"] for label in scored) / len(scored) if scored else 0.0

    @property
    def attributed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.row.attributed_to]

    @property
    def attribution_accuracy(self) -> float:
        """Of the sentences the gold attributes, the share the tagger attributes to the same source."""
        return _same_source_share(self.attributed)

    @property
    def named(self) -> list[Outcome]:
        """Sentences the tagger gives a source for (claim sentences only: no claim, no source)."""
        return [o for o in self.outcomes if o.predicted.attributed_to]

    @property
    def attribution_precision(self) -> float:
        """Of the sources the tagger names, the share that are the gold source: wrong names cost here."""
        return _same_source_share(self.named)

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status != o.row.status]

    @property
    def source_misses(self) -> list[Outcome]:
        """Sentences the gold attributes to a source the tagger does not name as written."""
        return [o for o in self.attributed if not o.same_source]

    def overruled(self) -> dict[str, int] | None:
        """What a learned layer did to the rules' labels: changed, fixed (the rules were wrong, the
        layer right) and broken (the other way); None when no layer tagged."""
        changed = [o for o in self.outcomes if o.predicted.overruled is not None]
        if not changed and not self.layer:
            return None
        return {
            "changed": len(changed),
            "fixed": sum(o.status == o.row.status for o in changed),
            "broken": sum(o.predicted.overruled == o.row.status for o in changed),
        }

    def to_dict(self, misses: int = 20) -> dict:
        """The scores as JSON, with the first ``misses`` status and source misses."""
        return {
            "rows": len(self.outcomes),
            "macro_f1": self.macro_f1,
            "macro_f1_labels": self.scored_labels,
            "labels": self.per_label(),
            "confusion": self.confusion(),
            "attribution": {
                "rows": len(self.attributed),
                "accuracy": self.attribution_accuracy,
                "named": len(self.named),
                "precision": self.attribution_precision,
            },
            **({"layer": layer} if (layer := self.overruled()) is not None else {}),
            "misses": [
                {"where": o.row.where, "gold": o.row.status, "got": o.status, "text": o.row.text}
                | {"rules": list(dict.fromkeys(c.rule_id for c in o.predicted.cues))}
                for o in self.misses[:misses]
            ],
            "source_misses": [
                {"where": o.row.where, "gold": o.row.attributed_to, "got": o.predicted.attributed_to}
                | {"text": o.row.text}
                for o in self.source_misses[:misses]
            ],
        }


def load_gold(path: str | Path, corpus: str | Path | None = None) -> list[GoldRow]:
    """Read a gold file; labels into a corpus need ``corpus``, the folder their files are in."""
    rows = []
    texts: dict[str, str] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()  # a BOM, as some editors write
    except OSError as exc:
        raise GoldError(f"{path}: cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise GoldError(f"{path}: not UTF-8 text (a JSON Lines file of labels is)") from exc
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            problems = schemas.errors("gold", data)
            if problems:
                raise GoldError(f"{path}:{n}: {problems[0]} (see schemas/gold.schema.json)")
            status = data["status"] or "none"
            if "file" in data:
                rows.append(_label_row(path, n, data, status, corpus, texts))
                continue
            rows.append(
                GoldRow(
                    n,
                    data["text"],
                    status,
                    data.get("attributed_to"),
                    list(data.get("context_before") or []),
                    path=str(path),
                )
            )
        except json.JSONDecodeError as exc:
            raise GoldError(f"{path}:{n}: not JSON: {exc.msg}") from exc
        except KeyError as exc:
            raise GoldError(f"{path}:{n}: missing field {exc.args[0]!r}") from exc
    if not rows:
        raise GoldError(f"{path}: no labelled sentences in it")
    _refuse_overlaps(path, rows)
    return rows


def _refuse_overlaps(path, rows: list[GoldRow]) -> None:
    """Two labels over the same text would score it twice: name the second."""
    spans = sorted((r.article, r.start, r.end, r.line) for r in rows if r.article is not None)
    for (a, _, end, first), (b, start, _, line) in zip(spans, spans[1:], strict=False):
        if a == b and start < end:
            raise GoldError(
                f"{path}:{line}: its offsets overlap the label on line {first} ({a}); "
                "each sentence is labelled once"
            )


def _label_row(path, n: int, data: dict, status: str, corpus, texts: dict[str, str]) -> GoldRow:
    """A label into a corpus file, checked against the file's hash, with its sentence text."""
    where = f"{path}:{n}"
    if corpus is None:
        raise GoldError(f"{where}: labels point into corpus files: pass --corpus DIR (the folder with them)")
    name = data["file"]
    if name not in texts:
        try:
            texts[name] = read_labelled(corpus, name, data["sha256"])
        except CorpusError as exc:
            raise GoldError(f"{where}: {exc}") from exc
    text, start, end = texts[name], data["start"], data["end"]
    if start >= end:
        raise GoldError(f"{where}: offsets {start}-{end} label no text (the end must be after the start)")
    if start < 0 or end > len(text):
        raise GoldError(f"{where}: offsets {start}-{end} lie outside {name} ({len(text)} characters)")
    return GoldRow(
        n, text[start:end], status, data.get("attributed_to"), [], name, start, end, text, str(path)
    )


def context_article(row: GoldRow) -> tuple[str, list[Span], list[str]]:
    """A written-out gold sentence after its context, as consecutive sentences of one paragraph:
    (text, spans, sentences)."""
    parts = [*row.context_before, row.text]
    spans, cursor = [], 0
    for part in parts:
        spans.append(Span(cursor, cursor + len(part)))
        cursor += len(part) + 1
    return " ".join(parts), spans, parts


def predict(row: GoldRow, rules: RuleSet) -> Tagged:
    """Tag the gold sentence after its context."""
    text, spans, _ = context_article(row)
    return tag_sentences(text, spans, rules)[-1]


def tag_articles(rows: Sequence[GoldRow], rules: RuleSet) -> Iterator[tuple[list[GoldRow], list[Tagged]]]:
    """Tag each labelled file once, as an article whose sentences are its labels' spans, in order."""
    by_file: dict[str, list[GoldRow]] = {}
    for row in rows:
        by_file.setdefault(row.article or "", []).append(row)
    for labelled in by_file.values():
        labelled.sort(key=lambda r: r.start)
        text = labelled[0].article_text
        yield labelled, tag_sentences(text, [Span(r.start, r.end) for r in labelled], rules)


def evaluate(gold: list[GoldRow], rules: RuleSet) -> Scores:
    """Tag every gold sentence (whole labelled articles at once) and pair it with its label."""
    articles = {
        id(r): t
        for rows, tagged in tag_articles([r for r in gold if r.article], rules)
        for r, t in zip(rows, tagged, strict=True)
    }
    outcomes = [Outcome(row, articles.get(id(row)) or predict(row, rules)) for row in gold]
    return Scores(outcomes, layer=rules.layer is not None)


def report(scores: Scores, misses: int = 20) -> str:
    """The human-readable report `claimdesk eval` prints."""
    lines = [
        plural(len(scores.outcomes), "sentence"),
        "",
        f"{'label':<10} {'prec':>6} {'recall':>6} {'F1':>6} {'n':>5}",
    ]
    for label, s in scores.per_label().items():
        lines.append(
            f"{label:<10} {s['precision']:>6.3f} {s['recall']:>6.3f} {s['f1']:>6.3f} {s['support']:>5}"
        )
    lines.append(f"{'macro-F1':<10} {'':>6} {'':>6} {scores.macro_f1:>6.3f}")
    if len(scores.scored_labels) < len(LABELS):
        left = [label for label in LABELS if label not in scores.scored_labels]
        lines.append(
            f"  (over {len(scores.scored_labels)} labels: {', '.join(left)} neither in the gold nor given)"
        )
    lines.append("")
    lines.append(
        f"attribution: {scores.attribution_accuracy:.3f} of {len(scores.attributed)} attributed sentences; "
        f"precision {scores.attribution_precision:.3f} of {len(scores.named)} sources named"
    )
    if (layer := scores.overruled()) is not None:
        lines.append(
            f"learned layer: changed {layer['changed']} of the rules' labels, "
            f"fixed {layer['fixed']}, broke {layer['broken']}"
        )
    lines += [
        "",
        "confusion (rows: gold, columns: predicted)",
        " " * 10 + "".join(f"{c[:9]:>10}" for c in LABELS),
    ]
    for gold_label, row in scores.confusion().items():
        lines.append(f"{gold_label:<10}" + "".join(f"{row[c]:>10}" for c in LABELS))
    shown = scores.misses[:misses] if misses else []
    if shown:
        lines += ["", f"misses ({len(shown)} of {len(scores.misses)}):"]
        for o in shown:
            fired = ", ".join(dict.fromkeys(c.rule_id for c in o.predicted.cues)) or "no rule"
            lines.append(f"  {o.row.where}: gold {o.row.status}, got {o.status} [{fired}]: {o.row.text}")
    sources = scores.source_misses[:misses] if misses else []
    if sources:
        lines += ["", f"source misses ({len(sources)} of {len(scores.source_misses)}):"]
        for o in sources:
            got = o.predicted.attributed_to
            lines.append(f"  {o.row.where}: gold {o.row.attributed_to!r}, got {got!r}: {o.row.text}")
    return "\n".join(lines)
