"""``claimdesk eval``: how well do the rules agree with annotated sentences?

Gold rows are JSON Lines: ``{"text", "status", "attributed_to", "context_before"}``
(``status`` null for no claim; ``context_before`` the sentences just before it in
the same article, tagged together with it so quotes, pronouns and negations
that answer an earlier allegation are judged as in a real article).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from claimdesk.rules import RuleSet
from claimdesk.segment import Span
from claimdesk.status import LABELS
from claimdesk.tag import Tagged, tag_sentences


class GoldError(ValueError):
    """A gold file that cannot be read; the message names the line."""


@dataclass
class GoldRow:
    line: int
    text: str
    status: str
    attributed_to: str | None
    context_before: list[str]


@dataclass
class Outcome:
    row: GoldRow
    predicted: Tagged

    @property
    def status(self) -> str:
        return self.predicted.status or "none"


@dataclass
class Scores:
    outcomes: list[Outcome] = field(default_factory=list)

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
    def macro_f1(self) -> float:
        return sum(s["f1"] for s in self.per_label().values()) / len(LABELS)

    @property
    def attributed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.row.attributed_to]

    @property
    def attribution_accuracy(self) -> float:
        rows = self.attributed
        hits = sum(
            (o.predicted.attributed_to or "").casefold() == (o.row.attributed_to or "").casefold()
            for o in rows
        )
        return hits / len(rows) if rows else 0.0

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status != o.row.status]

    def to_dict(self) -> dict:
        return {
            "rows": len(self.outcomes),
            "macro_f1": self.macro_f1,
            "labels": self.per_label(),
            "confusion": self.confusion(),
            "attribution": {"rows": len(self.attributed), "accuracy": self.attribution_accuracy},
        }


def load_gold(path: str | Path) -> list[GoldRow]:
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            status = data["status"] or "none"
            if status not in LABELS:
                raise GoldError(f"{path}:{n}: status {status!r} is not one of {', '.join(LABELS)} or null")
            rows.append(
                GoldRow(
                    n, data["text"], status, data.get("attributed_to"), list(data.get("context_before") or [])
                )
            )
        except json.JSONDecodeError as exc:
            raise GoldError(f"{path}:{n}: not JSON: {exc.msg}") from exc
        except KeyError as exc:
            raise GoldError(f"{path}:{n}: missing field {exc.args[0]!r}") from exc
    return rows


def predict(row: GoldRow, rules: RuleSet) -> Tagged:
    """Tag the gold sentence after its context, as consecutive sentences of one paragraph."""
    parts = [*row.context_before, row.text]
    text = " ".join(parts)
    spans, cursor = [], 0
    for part in parts:
        spans.append(Span(cursor, cursor + len(part)))
        cursor += len(part) + 1
    return tag_sentences(text, spans, rules)[-1]


def evaluate(gold: list[GoldRow], rules: RuleSet) -> Scores:
    return Scores([Outcome(row, predict(row, rules)) for row in gold])


def report(scores: Scores, misses: int = 20) -> str:
    """The human-readable report `claimdesk eval` prints."""
    lines = [
        f"{len(scores.outcomes)} sentences",
        "",
        f"{'label':<10} {'prec':>6} {'recall':>6} {'F1':>6} {'n':>5}",
    ]
    for label, s in scores.per_label().items():
        lines.append(
            f"{label:<10} {s['precision']:>6.3f} {s['recall']:>6.3f} {s['f1']:>6.3f} {s['support']:>5}"
        )
    lines += [f"{'macro-F1':<10} {'':>6} {'':>6} {scores.macro_f1:>6.3f}", ""]
    lines.append(
        f"attribution: {scores.attribution_accuracy:.3f} of {len(scores.attributed)} attributed sentences"
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
            lines.append(f"  line {o.row.line}: gold {o.row.status}, got {o.status} [{fired}]: {o.row.text}")
    return "\n".join(lines)
