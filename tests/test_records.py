"""Records: the pydantic models and the published JSON Schemas stay in step; bad records are caught."""

from __future__ import annotations

import json

import pytest

from claimdesk import schemas
from claimdesk.annotate import annotate
from claimdesk.ingest import make_article
from claimdesk.records import MODELS, generated_schema, validation_errors


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


def test_a_record_that_breaks_the_schema_is_reported_with_the_field(rules) -> None:
    article = make_article("a.txt", "a.txt", "Tehran has denied these claims.")
    data = json.loads(next(annotate(article, rules).records()).model_dump_json())
    data["status"] = "probably"
    problems = validation_errors("sentence", data)
    assert problems and problems[0].startswith("status:")
