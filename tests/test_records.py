"""Records: the pydantic models and the published JSON Schemas stay in step; bad records are caught."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimdesk import schemas
from claimdesk.annotate import annotate
from claimdesk.ingest import make_article
from claimdesk.records import MODELS, build_record, generated_schema, validation_errors
from claimdesk.segment import segment
from claimdesk.tag import tag_sentences


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_published_schema_matches_the_model(kind: str) -> None:
    published = json.loads((schemas.SCHEMA_DIR / f"{kind}.schema.json").read_text(encoding="utf-8"))
    assert published == generated_schema(kind), (
        f"schemas/{kind}.schema.json is out of date: run `make schemas`"
    )


def test_annotated_records_are_valid_and_offsets_index_the_article(rules) -> None:
    article = make_article("a.txt", "a.txt", "Tehran has denied these claims. “We won,” he said.\n")
    done = annotate(article, rules)
    assert not done.rejects
    assert [r.text for r in done.records()] == ["Tehran has denied these claims.", "“We won,” he said."]
    for record in done.records():
        assert article.text[record.start : record.end] == record.text
        for cue in record.cues:
            assert article.text[cue.start : cue.end] == cue.text


def test_records_made_from_kept_verdicts_are_the_taggers_own(rules) -> None:
    """An article keeps its verdicts compact until its records are written: what it writes is
    what the tagger said, cues, sources and quotes included."""
    text = (Path(__file__).parents[1] / "seeds" / "001_ae7b9618059e2df8.txt").read_text(encoding="utf-8")
    article = make_article("seed.txt", "seed.txt", text)
    spans = segment(text, rules)
    tagged = tag_sentences(text, spans, rules)
    direct = [
        build_record(article, i, s, t, rules.version)
        for i, (s, t) in enumerate(zip(spans, tagged, strict=True))
    ]
    assert any(r.cues for r in direct) and any(r.attributed_to for r in direct)
    assert list(annotate(article, rules).records()) == direct


def test_a_record_that_breaks_the_schema_is_reported_with_the_field(rules) -> None:
    article = make_article("a.txt", "a.txt", "Tehran has denied these claims.")
    data = json.loads(next(annotate(article, rules).records()).model_dump_json())
    data["status"] = "probably"
    problems = validation_errors("sentence", data)
    assert problems and problems[0].startswith("status:")
