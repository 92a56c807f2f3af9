"""One article in, validated sentence records out: segment, tag, validate.

This is the unit of work the flows submit in batches; it is pure (no I/O), so
it can run in any worker and be benchmarked alone.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import NamedTuple

from claimdesk.layer import DECIDED_BY
from claimdesk.records import (
    Article,
    SentenceRecord,
    Written,
    build_record,
    sentence_id,
    to_json,
    validation_errors,
    write_out,
)
from claimdesk.rules import RuleSet
from claimdesk.segment import Span, segment
from claimdesk.tag import Cue, Tagged, tag_sentences


class Verdict(NamedTuple):
    """The tagger's verdict on a sentence as an article keeps it until it is written: about a
    third of a :class:`Tagged`, a tenth of a record."""

    status: str | None
    decided_by: str | None
    attributed_to: str | None
    source_type: str | None
    quoted: bool
    cues: tuple[tuple[str, str, int, int], ...]
    """(rule id, status, start, end) in the sentence: their text is the sentence's."""


def compact(t: Tagged) -> Verdict:
    """The part of a verdict its record needs, as tuples: kept for every sentence of an article."""
    return Verdict(
        t.status,
        t.decided_by,
        t.attributed_to,
        t.source_type,
        t.quoted,
        tuple((c.rule_id, c.status, c.start, c.end) for c in t.cues),
    )


def expand(v: Verdict, sentence: str) -> Tagged:
    """The :class:`Tagged` that :func:`compact` made ``v`` of (``fired`` aside: records omit it)."""
    status, decided_by, attributed_to, source_type, quoted, cues = v
    return Tagged(
        status,
        decided_by,
        tuple(Cue(rule_id, cue_status, sentence[a:b], a, b) for rule_id, cue_status, a, b in cues),
        attributed_to,
        source_type,
        quoted,
    )


ROWS_AT_ONCE = 1_800
"""Records written at a time. An article of at most this many sentences comes back from the
worker that tagged it already written out (:attr:`Annotated.prepared`: its records are made there
once, to be validated, so the one writer only writes); a longer one keeps only its compact
verdicts, and its records are made again as they are written, this many at a time, so a huge
article's records are never all in memory."""


@dataclass
class Annotated:
    """An article tagged: where its sentences are and the tagger's verdicts, from which
    :meth:`records` makes the records that passed validation, one at a time as they are written.

    A record (a pydantic model with its cues, about 3 KB) is made when it is wanted and dropped
    after: a huge article's records are never all in memory, only its compact verdicts."""

    article: Article
    starts: array[int]
    ends: array[int]
    verdicts: list[Verdict]
    rules_version: str
    rejects: list[tuple[dict, str]] = field(default_factory=list)
    """(record as JSON, reason) for every record that failed its schema."""
    rejected: frozenset[int] = frozenset()
    """Positions of those records: :meth:`records` leaves them out."""
    prepared: Written | None = None
    """The valid records written out, for an article of at most ``ROWS_AT_ONCE`` sentences."""

    def all_records(self) -> Iterator[SentenceRecord]:
        """Every sentence's record in order, valid or not, each made as it is asked for."""
        text = self.article.text
        for position, (start, end, v) in enumerate(zip(self.starts, self.ends, self.verdicts, strict=True)):
            verdict = expand(v, text[start:end])
            yield build_record(self.article, position, Span(start, end), verdict, self.rules_version)

    def sentences(self) -> Iterator[tuple[str, int, str, Verdict]]:
        """(id, position, text, verdict) of each valid sentence in order: what grouping needs, without
        the cost of its record."""
        text = self.article.text
        for position, (start, end, v) in enumerate(zip(self.starts, self.ends, self.verdicts, strict=True)):
            if position not in self.rejected:
                yield sentence_id(self.article.id, position), position, text[start:end], v

    def records(self) -> Iterator[SentenceRecord]:
        """The article's valid records in order, each made as it is asked for."""
        return (r for r in self.all_records() if r.position not in self.rejected)

    def written(self) -> Iterator[Written]:
        """The valid records as lines and rows, in order: those made where the article was tagged,
        or made now, ``ROWS_AT_ONCE`` at a time."""
        if self.prepared is not None:
            yield self.prepared
            return
        records = self.records()
        while chunk := list(islice(records, ROWS_AT_ONCE)):
            yield write_out((r, to_json(r)) for r in chunk)

    @property
    def sentence_count(self) -> int:
        """How many records :meth:`records` gives."""
        return len(self.verdicts) - len(self.rejected)

    def statuses(self) -> Counter[str]:
        """Valid records per status (``none`` for no claim)."""
        return Counter(
            v.status or "none" for position, v in enumerate(self.verdicts) if position not in self.rejected
        )

    def overruled(self) -> int:
        """Valid records whose status a learned layer decided, not the rules."""
        return sum(
            v.decided_by == DECIDED_BY
            for position, v in enumerate(self.verdicts)
            if position not in self.rejected
        )


def annotate(article: Article, rules: RuleSet) -> Annotated:
    """Tag every sentence of one article and validate each record against ``schemas/``."""
    spans = segment(article.text, rules)
    tagged = tag_sentences(article.text, spans, rules)
    tagged.reverse()  # taken from the end, each verdict is let go once it is kept compact
    # and sentences with the same verdict (most with no cue, quotes repeated) share one tuple
    shared: dict[Verdict, Verdict] = {}
    verdicts = [shared.setdefault(v, v) for v in (compact(tagged.pop()) for _ in range(len(tagged)))]
    del shared
    done = Annotated(
        article,
        array("q", (s.start for s in spans)),
        array("q", (s.end for s in spans)),
        verdicts,
        rules.version,
    )
    del spans, tagged
    rejected: set[int] = set()
    valid: list[tuple[SentenceRecord, dict]] | None = [] if len(verdicts) <= ROWS_AT_ONCE else None
    for record in done.all_records():
        data = to_json(record)
        problems = validation_errors("sentence", data)
        if problems:
            done.rejects.append((data, "; ".join(problems)))
            rejected.add(record.position)
        elif valid is not None:
            valid.append((record, data))
    done.rejected = frozenset(rejected)
    if valid is not None:
        done.prepared = write_out(valid)
    return done
