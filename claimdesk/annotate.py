"""One article in, validated sentence records out: segment, tag, validate.

This is the unit of work the flows submit in batches; it is pure (no I/O), so
it can run in any worker and be benchmarked alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from claimdesk.records import Article, SentenceRecord, build_records, to_json, validation_errors
from claimdesk.rules import RuleSet
from claimdesk.segment import Span, segment
from claimdesk.tag import Tagged, tag_sentences


@dataclass
class Annotated:
    """An article tagged: its sentences and the tagger's verdicts, from which :meth:`records` makes
    the records that passed validation, one at a time as they are written.

    A record (a pydantic model with its cues, about 3 KB) is made again when it is wanted and
    dropped after: a huge article's records are never all in memory, only its compact verdicts."""

    article: Article
    spans: list[Span]
    tagged: list[Tagged]
    rules_version: str
    rejects: list[tuple[dict, str]] = field(default_factory=list)
    """(record as JSON, reason) for every record that failed its schema."""
    rejected: frozenset[int] = frozenset()
    """Positions of those records: :meth:`records` leaves them out."""

    def records(self) -> Iterator[SentenceRecord]:
        """The article's valid records in order, each made as it is asked for."""
        made = build_records(self.article, self.spans, self.tagged, self.rules_version)
        return (r for r in made if r.position not in self.rejected)

    @property
    def sentence_count(self) -> int:
        """How many records :meth:`records` gives."""
        return len(self.spans) - len(self.rejected)

    def statuses(self) -> Counter[str]:
        """Valid records per status (``none`` for no claim)."""
        return Counter(
            t.status or "none" for position, t in enumerate(self.tagged) if position not in self.rejected
        )


def annotate(article: Article, rules: RuleSet) -> Annotated:
    """Tag every sentence of one article and validate each record against ``schemas/``."""
    spans = segment(article.text, rules)
    tagged = tag_sentences(article.text, spans, rules)
    rejects: list[tuple[dict, str]] = []
    rejected: set[int] = set()
    for record in build_records(article, spans, tagged, rules.version):
        data = to_json(record)
        problems = validation_errors("sentence", data)
        if problems:
            rejects.append((data, "; ".join(problems)))
            rejected.add(record.position)
    return Annotated(article, spans, tagged, rules.version, rejects, frozenset(rejected))
