"""The records claimdesk writes: pydantic models, their published JSON Schemas, validation.

The models are the source of truth; ``schemas/article.schema.json``,
``schemas/sentence.schema.json`` and the exports' ``exported-sentence`` and ``exported-claim``
schemas are generated from them
(``python -m claimdesk.records``) and a test fails when the two drift apart.
What is written is validated against the published files with jsonschema, so
a consumer can rely on ``schemas/`` alone.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator

from claimdesk import schemas
from claimdesk.segment import Span
from claimdesk.status import Status
from claimdesk.tag import Tagged

SourceType = Literal["person", "organisation", "anonymous", "document", "outlet"]


class Article(BaseModel):
    """One article as ingested: its text is exactly what was decoded from the source."""

    model_config = ConfigDict(extra="forbid", title="claimdesk article")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Stable id derived from the source.")
    uri: str = Field(description="The path or URL the article was read from.")
    title: str = Field(description="Title, or the first line of the text.")
    text: str = Field(description="The decoded text exactly as ingested; offsets index into it.")
    content_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="sha256 of the text (UTF-8).")
    encoding: str = Field(default="utf-8", description="Encoding the source was decoded from.")
    outlet: str | None = Field(default=None, description="Publication, when known.")
    author: str | None = Field(default=None, description="Author (byline), when known.")
    published: str | None = Field(
        default=None,
        description=(
            "Publication date, when known: ISO 8601 (a date, or a time in UTC) when it was given in"
            " ISO 8601 or RFC 822 (feeds), else as given."
        ),
    )

    @field_validator("published", mode="before")
    @classmethod
    def _iso_published(cls, value: object) -> object:
        return (iso_date(value) or value) if isinstance(value, str) else value


def iso_date(value: str) -> str | None:
    """``value`` in one ISO 8601 form, so that dates from feeds, pages and JSON compare as text
    (a claim's first and last seen): "2025-05-02", or a time in UTC ("2025-05-02T09:00:00+00:00");
    a time with no zone stays without one. None when it is neither ISO 8601 nor RFC 822."""
    text = value.strip()
    try:
        if len(text) in (8, 10) and text[:4].isdigit():
            return date.fromisoformat(text).isoformat()
        when = datetime.fromisoformat(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.isoformat(timespec="seconds")


class CueRecord(BaseModel):
    """A rule that fired on a sentence."""

    model_config = ConfigDict(extra="forbid", title="claimdesk cue")

    rule_id: str = Field(description="Id of the rule in the rules file.")
    status: Status | Literal["none"] = Field(description="Status the rule signals.")
    text: str = Field(description="The matched text.")
    start: int = Field(ge=0, description="Offset of the match in the article text.")
    end: int = Field(ge=0, description="End offset (exclusive) in the article text.")


class SentenceRecord(BaseModel):
    """One sentence with its claim status: a line of ``records/<article-id>.jsonl``."""

    model_config = ConfigDict(extra="forbid", title="claimdesk sentence")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*:[0-9]{4,}$", description="<article id>:<position>.")
    article_id: str = Field(description="Id of the article the sentence belongs to.")
    position: int = Field(ge=0, description="0-based index of the sentence in the article.")
    start: int = Field(ge=0, description="Offset in the article text: text[start:end] is the sentence.")
    end: int = Field(ge=0, description="End offset (exclusive) in the article text.")
    text: str = Field(min_length=1, description="The sentence.")
    status: Status | None = Field(description="How the article presents the claim; null: no claim.")
    decided_by: str = Field(
        description="Id of the rule that decided the status, 'default', or 'learned-layer' when a learned "
        "layer overruled the rules (their cues are kept)."
    )
    attributed_to: str | None = Field(description="Who the claim is attributed to, if anyone.")
    source_type: SourceType | None = Field(
        description="Kind of source; 'outlet' for the article's own voice."
    )
    quoted: bool = Field(description="The sentence is inside a direct quotation.")
    cues: list[CueRecord] = Field(description="Every rule that fired, with the matched text.")
    rules_version: str = Field(description="Version of the rules file that tagged it.")


class ExportedSentence(BaseModel):
    """One sentence as ``claimdesk export --format jsonl`` writes it (a row of the CSV): its record
    with its article's title and outlet and the claim across articles it is a mention of."""

    model_config = ConfigDict(extra="forbid", title="claimdesk exported sentence")

    id: str = Field(description="<article id>:<position>.")
    article_id: str = Field(description="Id of the article the sentence belongs to.")
    article_title: str = Field(description="The article's title.")
    outlet: str | None = Field(description="The article's outlet, when known.")
    position: int = Field(ge=0, description="0-based index of the sentence in the article.")
    start: int = Field(ge=0, description="Offset in the article text.")
    end: int = Field(ge=0, description="End offset (exclusive) in the article text.")
    status: Status | None = Field(description="How the article presents the claim; null: no claim.")
    attributed_to: str | None = Field(description="Who the claim is attributed to, if anyone.")
    source_type: SourceType | None = Field(
        description="Kind of source; 'outlet' for the article's own voice."
    )
    decided_by: str = Field(
        description="Id of the rule that decided the status, 'default' or 'learned-layer'."
    )
    quoted: bool = Field(description="The sentence is inside a direct quotation.")
    cues: list[CueRecord] = Field(description="Every rule that fired, with the matched text.")
    claim_id: str | None = Field(description="The claim across articles it is a mention of; null for none.")
    text: str = Field(min_length=1, description="The sentence.")


class ExportedMention(BaseModel):
    """One sentence that makes a claim, in an article of some outlet."""

    model_config = ConfigDict(extra="forbid", title="claimdesk claim mention")

    sentence_id: str = Field(description="Id of the sentence.")
    article_id: str = Field(description="Id of its article.")
    article_title: str = Field(description="Its article's title.")
    outlet: str | None = Field(description="Its article's outlet, when known.")
    status: Status = Field(description="How its article presents the claim.")
    attributed_to: str | None = Field(description="Who it attributes the claim to, if anyone.")
    text: str = Field(min_length=1, description="The sentence.")


class ExportedClaim(BaseModel):
    """One claim across articles as ``claimdesk export --format claims-jsonl`` writes it (the CSV's
    rows are its mentions, each with these columns first)."""

    model_config = ConfigDict(extra="forbid", title="claimdesk exported claim")

    id: str = Field(description="The claim's id, stable across runs.")
    text: str = Field(min_length=1, description="Its canonical text: the sentence that started it.")
    status: Status = Field(
        description="Where it stands across outlets (disputed when put forward and rejected)."
    )
    mention_count: int = Field(ge=1, description="Sentences that make it (the claims table's mentions).")
    articles: int = Field(ge=1, description="Articles that make it.")
    outlets: int = Field(
        ge=1, description="Outlets that make it (an article of no known outlet counts as one)."
    )
    confirmed: int = Field(ge=0, description="Mentions that state it as fact.")
    alleged: int = Field(ge=0, description="Mentions that attribute it.")
    denied: int = Field(ge=0, description="Mentions that deny it.")
    disputed: int = Field(ge=0, description="Mentions that dispute it.")
    asserted_by: str | None = Field(description="Who states it as fact, in which outlet.")
    alleged_by: str | None = Field(description="Who alleges it, in which outlet.")
    denied_by: str | None = Field(description="Who denies it, in which outlet.")
    disputed_by: str | None = Field(description="Who disputes it, in which outlet.")
    first_seen: str = Field(
        description="The earliest of its mentions' dates: their article's publication date in ISO 8601, "
        "else the time of the run that stored it."
    )
    last_seen: str = Field(description="The latest of its mentions' dates.")
    mentions: list[ExportedMention] = Field(description="Its mentions in article order.")


MODELS: dict[str, type[BaseModel]] = {
    "article": Article,
    "sentence": SentenceRecord,
    "exported-sentence": ExportedSentence,
    "exported-claim": ExportedClaim,
}


def sentence_id(article_id: str, position: int) -> str:
    """A sentence's id: ``<article id>:<position>``, the position in four digits at least."""
    return f"{article_id}:{position:04d}"


def build_record(
    article: Article, position: int, span: Span, verdict: Tagged, rules_version: str
) -> SentenceRecord:
    """The record of one sentence: its span and verdict, with article-level offsets."""
    return SentenceRecord(
        id=sentence_id(article.id, position),
        article_id=article.id,
        position=position,
        start=span.start,
        end=span.end,
        text=article.text[span.start : span.end],
        status=verdict.status,
        decided_by=verdict.decided_by or "default",
        attributed_to=verdict.attributed_to,
        source_type=verdict.source_type,
        quoted=verdict.quoted,
        cues=[
            CueRecord(
                rule_id=c.rule_id,
                status=c.status,
                text=c.text,
                start=span.start + c.start,
                end=span.start + c.end,
            )
            for c in verdict.cues
        ],
        rules_version=rules_version,
    )


def to_json(record: BaseModel) -> dict:
    """The JSON form of a record, as written and validated."""
    return record.model_dump(mode="json")


SENTENCE_COLUMNS = (
    "id",
    "article_id",
    "position",
    "start",
    "end",
    "text",
    "status",
    "attributed_to",
    "source_type",
    "decided_by",
    "quoted",
)
"""The ``sentences`` columns a record fills, in the order of :attr:`Written.sentences`."""
CUE_COLUMNS = ("sentence_id", "rule_id", "status", "text", "start", "end")
"""The ``cues`` columns a record's cue fills, in the order of :attr:`Written.cues`."""


class Written(NamedTuple):
    """Some records of an article as they are written: their lines of ``records/<id>.jsonl`` and
    their rows. Made in plain values, so a worker can make them and send them to the writer."""

    lines: str
    sentences: list[tuple[Any, ...]]
    cues: list[tuple[Any, ...]]


def write_out(records: Iterable[tuple[SentenceRecord, dict]]) -> Written:
    """Records (each with its JSON form, :func:`to_json`) as lines and rows."""
    lines: list[str] = []
    sentences: list[tuple[Any, ...]] = []
    cues: list[tuple[Any, ...]] = []
    for r, data in records:
        lines.append(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
        sentences.append(
            (
                r.id,
                r.article_id,
                r.position,
                r.start,
                r.end,
                r.text,
                r.status,
                r.attributed_to,
                r.source_type,
                r.decided_by,
                int(r.quoted),
            )
        )
        cues += [(r.id, c.rule_id, c.status, c.text, c.start, c.end) for c in r.cues]
    return Written("".join(lines), sentences, cues)


def validation_errors(kind: str, data: dict) -> list[str]:
    """Check a record against the published schema (not the model): what readers rely on."""
    return schemas.errors(kind, data)


def generated_schema(kind: str) -> dict:
    """The JSON Schema pydantic derives from the model, as published in ``schemas/``."""
    schema = MODELS[kind].model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://claimdesk.invalid/schemas/{kind}.schema.json",
        **schema,
    }


def write_schemas(directory: Path = schemas.SCHEMA_DIR) -> list[Path]:
    """Regenerate the published record schemas from the models."""
    written = []
    for kind in MODELS:
        path = directory / f"{kind}.schema.json"
        path.write_text(json.dumps(generated_schema(kind), indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # python -m claimdesk.records
    for path in write_schemas():
        print(f"wrote {path}", file=sys.stderr)
