"""One article in, validated sentence records out: segment, tag, build, validate.

This is the unit of work the flows submit in batches; it is pure (no I/O), so
it can run in any worker and be benchmarked alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from claimdesk.records import Article, SentenceRecord, build_records, to_json, validation_errors
from claimdesk.rules import RuleSet
from claimdesk.segment import segment
from claimdesk.tag import tag_sentences


@dataclass
class Annotated:
    """An article with the records that passed validation and those that did not."""

    article: Article
    records: list[SentenceRecord]
    rejects: list[tuple[dict, str]] = field(default_factory=list)
    """(record as JSON, reason) for every record that failed its schema."""


def annotate(article: Article, rules: RuleSet) -> Annotated:
    """Tag every sentence of one article and validate each record against ``schemas/``."""
    spans = segment(article.text, rules)
    records = build_records(article, spans, tag_sentences(article.text, spans, rules), rules)
    good: list[SentenceRecord] = []
    rejects: list[tuple[dict, str]] = []
    for record in records:
        problems = validation_errors("sentence", to_json(record))
        if problems:
            rejects.append((to_json(record), "; ".join(problems)))
        else:
            good.append(record)
    return Annotated(article, good, rejects)
