"""Records: the pydantic models and the published JSON Schemas stay in step; bad records are caught."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

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


def _valid_sentence() -> dict:
    return {
        "id": "seed-1:0001",
        "article_id": "seed-1",
        "position": 1,
        "start": 0,
        "end": 30,
        "text": "Tehran has denied these claims.",
        "status": "denied",
        "decided_by": "denial-verb",
        "attributed_to": "Tehran",
        "source_type": "organisation",
        "quoted": False,
        "cues": [{"rule_id": "denial-verb", "status": "denied", "text": "denied", "start": 11, "end": 17}],
        "rules_version": "1",
    }


_ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False),
    st.sampled_from(["", "none", "confirmed", "alleged", "person", "outlet", "probably", "x:0001", "Tehran"]),
    st.just([]),
    st.just({}),
)


@settings(max_examples=400, deadline=None)
@given(
    changes=st.lists(
        st.tuples(
            st.sampled_from([*_valid_sentence(), "cues.0.status", "cues.0.start", "extra"]), _ODD_VALUES
        ),
        max_size=3,
    ),
    drop=st.sets(st.sampled_from(sorted(_valid_sentence())), max_size=2),
)
def test_records_are_judged_as_the_published_schema_judges_them(changes, drop) -> None:
    """Records are checked against :func:`schemas.plain` of the published schema (faster): it must
    accept and refuse exactly what the published schema does, whatever a record holds."""
    record = _valid_sentence()
    for key, value in changes:
        if key.startswith("cues.0."):
            cues = record.get("cues")
            if isinstance(cues, list) and cues and isinstance(cues[0], dict):
                cues[0][key.removeprefix("cues.0.")] = value
        else:
            record[key] = value
    for key in drop:
        record.pop(key, None)
    published = Draft202012Validator(schemas.load_schema("sentence"))
    assert schemas.validator("sentence").is_valid(record) == published.is_valid(record)
    assert bool(validation_errors("sentence", record)) == (not published.is_valid(record))
    # Its shortcut for properties leaves the errors a user reads as jsonschema words them.
    standard = Draft202012Validator(schemas.plain(schemas.load_schema("sentence")))
    assert _explained(schemas.validator("sentence"), record) == _explained(standard, record)


def _explained(validator: Draft202012Validator, record: dict) -> list[tuple]:
    return sorted(
        (list(map(str, e.absolute_path)), list(map(str, e.schema_path)), e.message)
        for e in validator.iter_errors(record)
    )


@pytest.mark.parametrize("name", ["sentence", "article", "web-annotation", "sources"])
def test_the_plain_form_of_each_published_schema_is_a_valid_schema(name: str) -> None:
    Draft202012Validator.check_schema(schemas.plain(schemas.load_schema(name)))
