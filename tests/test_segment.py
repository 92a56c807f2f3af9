"""The segmenter: sentence spans with offsets, on the cases news prose throws at it."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimdesk.segment import segment
from tests.conftest import SEEDS


def sentences(text: str) -> list[str]:
    return [text[s.start : s.end] for s in segment(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Dr. Smith met U.S. officials on Jan. 5 in Washington. The talks ended.",
            ["Dr. Smith met U.S. officials on Jan. 5 in Washington.", "The talks ended."],
        ),
        (
            "Acme Inc. The company said it would appeal.",
            ["Acme Inc.", "The company said it would appeal."],
        ),
        (
            "John F. Kennedy was there. So was J. R. Smith.",
            ["John F. Kennedy was there.", "So was J. R. Smith."],
        ),
        (
            "The deal cost $4,999.99 in total. Shares rose 3.5%.",
            ["The deal cost $4,999.99 in total.", "Shares rose 3.5%."],
        ),
        ("He paused... Then he left.", ["He paused...", "Then he left."]),
        (
            "Gen. Qassem Soleimani was killed. Sen. Rubio spoke.",
            ["Gen. Qassem Soleimani was killed.", "Sen. Rubio spoke."],
        ),
        (
            # plural titles and a case name are no sentence end
            "His rivals, Sens. Ted Cruz and Marco Rubio, objected. Roe v. Wade stands.",
            ["His rivals, Sens. Ted Cruz and Marco Rubio, objected.", "Roe v. Wade stands."],
        ),
    ],
)
def test_abbreviations_initials_numbers_ellipses(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_closing_quote_belongs_to_the_sentence_it_closes() -> None:
    text = "“We won,” he said. “This is big. It matters.” She agreed!"
    assert sentences(text) == ["“We won,” he said.", "“This is big.", "It matters.”", "She agreed!"]


def test_question_inside_quote_followed_by_attribution_stays_one_sentence() -> None:
    assert sentences("“Why now?” she asked. He shrugged.") == ["“Why now?” she asked.", "He shrugged."]


def test_lines_without_end_punctuation_are_units_of_their_own() -> None:
    text = "Getting your audio player ready...\n|\nShared Regional Challenges\nThe two nations cooperated."
    assert sentences(text) == [
        "Getting your audio player ready...",
        "|",
        "Shared Regional Challenges",
        "The two nations cooperated.",
    ]


def test_hard_wrapped_prose_is_joined() -> None:
    text = "The ministry said the figures were\nrevised on Monday. Nobody objected."
    assert sentences(text) == ["The ministry said the figures were\nrevised on Monday.", "Nobody objected."]


def test_text_wrapped_by_a_program_reads_as_its_sentences() -> None:
    # Wire copy and mail wrap at a fixed width wherever a word no longer fits, capitals or not.
    text = (
        "Flood defences failed on Sunday, the council said. The Environment\n"
        "Agency denied that the barrier had been poorly maintained."
    )
    assert sentences(text)[1] == "The Environment\nAgency denied that the barrier had been poorly maintained."
    kept = total = 0
    for seed in sorted(SEEDS.glob("*.txt")):
        plain = seed.read_text(encoding="utf-8")
        wrapped = "\n".join(textwrap.fill(line, 72, break_on_hyphens=False) for line in plain.split("\n"))
        unwrapped = {" ".join(s.split()) for s in sentences(wrapped)}
        found = [" ".join(s.split()) for s in sentences(plain)]
        kept += sum(s in unwrapped for s in found)
        total += len(found)
    assert kept >= 0.9 * total, f"{kept} of {total} sentences of the wrapped seeds read as unwrapped"


def test_a_heading_over_its_paragraph_stays_a_line_of_its_own() -> None:
    assert sentences("Market Reaction\nPrices rose sharply on Monday after the announcement was made.")[
        0
    ] == ("Market Reaction")
    text = (
        "The Paris Climate Agreement Is One Huge Step For Mankind\n"
        "Speaking with One Voice to Solve the Climate Crisis"
    )
    assert sentences(text) == text.split("\n")
    assert sentences(
        "Deal signed after a long night of talks in the capital\n1. Tariffs fall.\n2. Quotas go."
    ) == [
        "Deal signed after a long night of talks in the capital",
        "1. Tariffs fall.",
        "2. Quotas go.",
    ]


def test_seed_quote_with_ellipsis_splits_into_its_sentences() -> None:
    text = next(SEEDS.glob("000_*.txt")).read_text(encoding="utf-8")
    found = sentences(text)
    schemes = "“This is another one of those schemes that Israel and other countries are designing"
    assert f"{schemes} to promote Iranophobia." in found
    assert any(s.startswith("… Iran has never attempted") and s.endswith("earlier this week.") for s in found)


def test_offsets_index_the_original_text() -> None:
    text = "  First one.  Second one?\n\nThird!  "
    for span in segment(text):
        assert text[span.start : span.end].strip() == text[span.start : span.end]


news_text = st.lists(
    st.sampled_from(list("abcXYZ .,!?…“”\"'\n$09:;-|\t") + ["Mr. ", "Inc. ", "U.S. ", "... ", ".” ", "The "]),
    max_size=120,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(news_text)
def test_spans_are_ordered_disjoint_and_cover_every_non_space_character(text: str) -> None:
    spans = segment(text)
    covered = set()
    last_end = 0
    for span in spans:
        assert last_end <= span.start < span.end <= len(text)
        assert not text[span.start].isspace() and not text[span.end - 1].isspace()
        covered.update(range(span.start, span.end))
        last_end = span.end
    assert {i for i, ch in enumerate(text) if not ch.isspace()} <= covered


def test_a_quoted_question_keeps_its_named_speaker() -> None:
    text = '"Why would anyone think a state school was different?" Bell said. The board met.'
    assert sentences(text) == [
        '"Why would anyone think a state school was different?" Bell said.',
        "The board met.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The chart is on p. 12 of the filing.", ["The chart is on p. 12 of the filing."]),
        ("Read pp. 3-9 first. Then vote.", ["Read pp. 3-9 first.", "Then vote."]),
        ("The vault was N°. 88 on the list.", ["The vault was N°. 88 on the list."]),
        ("Model No. 7 was recalled. Sales fell.", ["Model No. 7 was recalled.", "Sales fell."]),
    ],
)
def test_an_abbreviation_before_a_number_keeps_it(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_a_title_after_a_time_splits_only_after_a_complete_clause() -> None:
    assert sentences("By 7 a.m. Dr. Lee had gone home.") == ["By 7 a.m. Dr. Lee had gone home."]
    assert sentences("The vote closed at 9 P.M. Dr. Lee then spoke.") == [
        "The vote closed at 9 P.M.",
        "Dr. Lee then spoke.",
    ]


def test_the_letter_i_is_a_word_after_lower_case_and_an_initial_after_a_name() -> None:
    assert sentences("The prize went to Ana and I. Did anyone object?") == [
        "The prize went to Ana and I.",
        "Did anyone object?",
    ]
    assert sentences("We met Henry I. Tudor at dawn.") == ["We met Henry I. Tudor at dawn."]
    assert sentences("So was J. R. Smith.") == ["So was J. R. Smith."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1. Open the box 2. Lift the lid", ["1. Open the box", "2. Lift the lid"]),
        ("1. Open the box. 2. Lift the lid.", ["1. Open the box.", "2. Lift the lid."]),
        ("1) Open the box 2) Lift the lid 3) Wait", ["1) Open the box", "2) Lift the lid", "3) Wait"]),
        ("4.) Open the box. 5.) Lift the lid.", ["4.) Open the box.", "5.) Lift the lid."]),
        ("a. Red paint b. Green paint", ["a. Red paint", "b. Green paint"]),
        ("• 9. Rain • 10. Snow", ["• 9. Rain", "• 10. Snow"]),
        ("⁃3. Rain ⁃4. Snow", ["⁃3. Rain", "⁃4. Snow"]),
    ],
)
def test_lists_split_before_each_marker_and_never_after_one(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_numbers_that_do_not_count_up_from_the_line_start_are_no_list() -> None:
    assert sentences("He won 3 of 4 games. 2 were close.") == ["He won 3 of 4 games.", "2 were close."]
    assert sentences("Turnout was 1. 5 million voted later.") == ["Turnout was 1.", "5 million voted later."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The reason was . . . I forget now.", ["The reason was . . . I forget now."]),
        ("It stopped . . . . Nobody moved.", ["It stopped . . . .", "Nobody moved."]),
        ("It stopped. . . . Nobody moved.", ["It stopped.", ". . . Nobody moved."]),
        ("“It was over. . . .”", ["“It was over. . . .”"]),
    ],
)
def test_spaced_ellipses(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_a_citation_after_a_quote_stays_with_it() -> None:
    text = '"Nothing [...] was ever lost [...]" (Ward 12). The next claim differs.'
    assert sentences(text) == ['"Nothing [...] was ever lost [...]" (Ward 12).', "The next claim differs."]
    assert sentences("He left. (She stayed behind.) Then it rained.") == [
        "He left.",
        "(She stayed behind.)",
        "Then it rained.",
    ]
