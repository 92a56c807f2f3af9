"""Property-based checks: the segmenter and tagger never raise and keep their invariants on any text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimdesk.annotate import annotate
from claimdesk.ingest import make_article
from claimdesk.segment import segment
from claimdesk.tag import tag_sentences

WORDS = [
    "said",
    "denied",
    "alleged",
    "according to",
    "reportedly",
    "not",
    "never",
    "the",
    "Tehran",
    "Putin",
    "“",
    "”",
    '"',
    ".",
    "?",
    "!",
    "...",
    "…",
    ",",
    ":",
    "\n",
    "\n\n",
    " ",
    "U.S.",
    "Dr.",
    "|",
    "$4.99",
    "no evidence",
    "disputed",
    "he",
    "confirmed",
    "CLICK HERE",
    "By",
    "Jan.",
    "<script>",
    "\t",
    "\u00a0",
]
prose = st.lists(st.sampled_from(WORDS) | st.text(max_size=6), max_size=80).map(" ".join)
any_text = st.text(max_size=300)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(prose, any_text))
def test_segment_spans_are_ordered_disjoint_and_cover_all_text(text: str) -> None:
    spans = segment(text)
    previous_end = 0
    covered: set[int] = set()
    for span in spans:
        assert previous_end <= span.start < span.end <= len(text)
        sentence = text[span.start : span.end]
        assert sentence == sentence.strip()
        covered.update(range(span.start, span.end))
        previous_end = span.end
    assert {i for i, ch in enumerate(text) if not ch.isspace()} <= covered


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(prose, any_text))
def test_tagger_gives_one_valid_status_per_sentence(rules, text: str) -> None:
    spans = segment(text)
    tagged = tag_sentences(text, spans, rules)
    assert len(tagged) == len(spans)
    for span, verdict in zip(spans, tagged, strict=True):
        assert verdict.status in (None, "confirmed", "alleged", "denied", "disputed")
        sentence = text[span.start : span.end]
        for cue in verdict.cues:
            assert sentence[cue.start : cue.end] == cue.text


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prose.filter(lambda t: any(c.isalpha() for c in t) and "\x00" not in t))
def test_every_record_validates_against_the_published_schema(rules, text: str) -> None:
    done = annotate(make_article("p.txt", "p.txt", text), rules)
    assert done.rejects == []
    for record in done.records():
        assert text[record.start : record.end] == record.text
