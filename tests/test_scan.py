"""The one-pass scanner finds exactly what each rule's own patterns find."""

from __future__ import annotations

import re
import sys

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from claimdesk.rules import MATCH_TIMEOUT, default_ruleset, parse_rules
from claimdesk.scan import (
    _INEXACT,
    DIGIT,
    Scanner,
    _exact,
    end_excludes,
    end_texts,
    end_texts_before_marks,
    required_all,
    required_cased,
    required_texts,
    scanner,
    start_texts,
    starts_with,
)


def _own_literal_spans(rules, sentence: str) -> dict[int, list[tuple[int, int]]]:
    found = {}
    for i, rule in enumerate(rules):
        if rule.literal is not None:
            spans = [m.span() for m in rule.literal.finditer(sentence)]
            if spans:
                found[i] = spans
    return found


def _own_pattern_spans(pattern, sentence: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(sentence, timeout=MATCH_TIMEOUT)]


def test_the_letters_read_unlike_lower_case_are_all_listed() -> None:
    """Every character that case-insensitive matching pairs with an ASCII letter other than by
    str.lower, or that lower-cases to another length or to ASCII, is sent down the exact path."""
    every = "".join(chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i < 0xE000)
    odd = {c for c in re.findall("[a-z]", every, re.IGNORECASE) if not c.isascii()}
    odd |= {c for c in every if not c.isascii() and (len(c.lower()) != 1 or c.lower().isascii())}
    assert odd
    assert all(_INEXACT.search(c) for c in odd)
    assert not _INEXACT.search("K and k and “quotes” and é")


def test_the_exact_reading_turns_white_space_into_spaces_and_refuses_the_rest_of_the_odd_characters() -> None:
    """A white space character reads as a space (to the patterns' \\s+ one is one), two in a row or
    one of the odd letters cannot be read exactly; every other character stays as it is."""
    every = [chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i < 0xE000]
    for c in every:
        if c.isspace():
            assert _exact(c) == " ", repr(c)
        elif _INEXACT.search(c):
            assert _exact(c) is None, repr(c)
        else:
            assert _exact(c) == c, repr(c)
    assert _exact("a\xa0b\nc") == "a b c"
    assert [_exact(t) for t in ("a  b", "a \xa0b", "a\t\tb", "\u212a\xa0k", "x\u2003y", "")] == [
        None,
        None,
        None,
        None,
        "x y",
        "",
    ]


def test_a_no_break_space_is_read_as_the_rules_own_patterns_read_it() -> None:
    """Sentences of published news often hold no-break spaces; the scanner reads them through the
    automaton and finds what each rule's own patterns find."""
    rules = default_ruleset()
    scan = scanner(rules)
    for sentence in (
        "The ministry\xa0denied the report, according\xa0to officials.",
        "Officials\xa0said:\xa0“No.”",
        "It\xa0is a lie,\xa0he said",
    ):
        assert scan.literal_spans(sentence) == _own_literal_spans(rules.rules, sentence)
        assert scan.literal_spans(sentence), sentence
        patterns, exceptions = scan.patterns_for(sentence)
        for i, rule in enumerate(rules.rules):
            for own, chosen in ((rule.pattern, patterns), (rule.exceptions, exceptions)):
                if own is not None:
                    got = _own_pattern_spans(chosen[i], sentence) if i in chosen else []
                    assert got == _own_pattern_spans(own, sentence), (rule.id, sentence)


def test_the_check_reads_text_at_least_as_loosely_as_the_rules_module() -> None:
    """Required texts are looked for in case-folded text with white space runs as one space: every
    character the rules' module takes for white space must be white space to str.split, and every
    character it matches to an ASCII letter case-insensitively must fold to that letter."""
    every = "".join(chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i < 0xE000)
    assert all(c.isspace() for c in regex.findall(r"\s", every))
    for letter in "abcdefghijklmnopqrstuvwxyz":
        assert all(letter in c.casefold() for c in regex.findall(f"(?i){letter}", every))


@pytest.mark.parametrize(
    ("pattern", "needs"),
    [
        (r"(?i)\bdenied\b", {"denied"}),
        (r"(?i)\b(?:claims?|allegations?)\b", {"claim", "allegation"}),
        (r"n[’']t\b", {"n’t", "n't"}),
        (r"^(?:By|BY)\s+[A-Z]\w+", {"by "}),
        (r"(?i)\bno\s+one\b", {"no one"}),
        (r"a\s*b", {"a"}),
        (r"\d+\s*$", {DIGIT}),
        (r"\d+\s+(?:km|miles)", {" km", " miles"}),
        (r"\s+\w+", None),
        (r"(?:foo)?bar", {"bar"}),
        (r"(?:foo|\w+)bar", {"bar"}),
        (r"(?:foo|\w+)", None),
        (r"(?:denied){e<=1}", None),
        (r"\{e\}denied", {"{e}denied"}),
        (r"\w{2,3}denied", {"denied"}),
        (r"[[:alpha:]]+denied", None),  # a POSIX class, which `re` would read as its letters
        (r"(?i)\bdespite\s+\p{Lu}[\p{L}’'-]*", {"despite "}),  # a Unicode property is no text
        (r"(?<=^\p{Lu}\w*)\s*:", {":"}),
    ],
)
def test_required_texts(pattern: str, needs: set[str] | None) -> None:
    found = required_texts(pattern)
    assert (found if found is None else set(found)) == needs


_ALPHABET = "abcdeinorstyADNOSTY '’\"“”,.!?:;-_\n\t\xa0" + "\u212a\u017f\u0130\u0131é1"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "said",
                "says",
                "denied",
                "no evidence",
                "according to",
                "allegedly",
                "not",
                "claims that",
                "the",
            ]
        )
        | st.text(alphabet=_ALPHABET, max_size=6),
        max_size=12,
    )
)
def test_scanner_spans_equal_the_rules_own_patterns(pieces: list[str]) -> None:
    rules = default_ruleset()
    scan = scanner(rules)
    sentence = "".join(pieces)
    assert scan.literal_spans(sentence) == _own_literal_spans(rules.rules, sentence)
    patterns, exceptions = scan.patterns_for(sentence)
    for i, rule in enumerate(rules.rules):
        for own, chosen in ((rule.pattern, patterns), (rule.exceptions, exceptions)):
            if own is None:
                continue
            expected = _own_pattern_spans(own, sentence)
            got = _own_pattern_spans(chosen[i], sentence) if i in chosen else []
            assert got == expected, (rule.id, sentence)


@pytest.mark.parametrize(
    ("pattern", "needs"),
    [
        (r"(?i)\bclaims?\b[^.;]{0,80}?\bfalse\b", {frozenset({"claim"}), frozenset({"false"})}),
        (r"(?i)\b(?:said|says)\b[^.]{3,200}?;\s*\w+", {frozenset({"said", "says"}), frozenset({";"})}),
        (r"(?:foo|\w+)bar\d", {frozenset({"bar"}), frozenset({DIGIT})}),
        (r"(?:foo|\w+)", None),
        (r"(?i)\b(?:said|say)\s+(?:yes|no)\b", {frozenset({"said yes", "said no", "say yes", "say no"})}),
        # "lie" stands after white space whether the word before it is there or not (not the "lie"
        # of "earlier"); white space in an alternative is a space of its text; three letters are
        # worth a second look
        (
            r"(?i)\b(?:that|it)\s+is\s+an?\s+(?:\w+\s+)?(?:lie|false\s+claim)\b",
            {frozenset({"that is a", "it is a"}), frozenset({" lie", " false claim"})},
        ),
        # a question mark is rare enough to be worth a look, though the quote marks beside it are not
        (r'\?["”]\s*[^.]{1,80}?\b(?:said|asked)\b', {frozenset({"said", "asked"}), frozenset({'?"', "?”"})}),
    ],
)
def test_every_set_of_texts_an_expression_needs(pattern: str, needs: set[frozenset[str]] | None) -> None:
    found = required_all(pattern)
    assert (found if found is None else set(found)) == needs


@pytest.mark.parametrize(
    ("pattern", "starts", "ends"),
    [
        (r"(?i)^(?:watch|read) the\b.*$", ("read the", "watch the"), None),
        (r"^[-–—]\s*[A-Z]\w+$", ("-", "–", "—"), None),
        (r"(?i)\w+/\s*(?:reuters|ap)\.?\s*$", None, ("ap", "ap.", "reuters", "reuters.")),
        (r"(?i)\b(?:said|says)\s*:\s*$", None, (":",)),
        (r"(?m)^(?:watch|read)\b", None, None),  # "^" at every line
        (r"^\W*(?:watch|read)\b", None, None),
        (r"^(?:É|é)clair$", None, None),  # a letter beyond ASCII: its case would have to be read
        (r"\w+ (?:days?|weeks?) old\s*$", None, (" day old", " days old", " week old", " weeks old")),
    ],
)
def test_texts_a_sentence_starts_or_ends_with(pattern: str, starts, ends) -> None:
    assert start_texts(pattern) == starts
    assert end_texts(pattern) == ends


def test_a_date_line_starts_with_a_digit_after_an_optional_weekday() -> None:
    starts = start_texts(r"^(?:(?:Mon|Fri)day\s+)?\d{1,2}\s+\w+$")
    assert starts == (DIGIT, "friday " + DIGIT, "monday " + DIGIT)
    assert starts_with("12 may", "12 May", starts) and starts_with("friday 3 may", "Friday 3 May", starts)
    assert not starts_with("the 12", "The 12", starts) and not starts_with("friday is", "Friday is", starts)
    assert start_texts(r"^(?:Monday\s+)?\w+") is None  # a match may start with anything


@pytest.mark.parametrize(
    ("pattern", "texts"),
    [
        (r"^\w+\s+(?:said|says)\s*[.!]?\W*$", ("said", "says")),
        (r"(?i)\b(?:said|says)\s*:\s*$", None),  # end_texts already says (":")
        (r"^\w+ said\s*$", None),  # white space alone: end_texts says
        (r"(?:said|\.)\W*$", None),  # a text that ends with a mark would be stripped
    ],
)
def test_texts_a_sentence_ends_with_before_its_final_marks(pattern: str, texts) -> None:
    assert end_texts_before_marks(pattern) == texts


@pytest.mark.parametrize(
    ("pattern", "texts"),
    [
        (r"(?:^|[“\"]\s*)No\b", frozenset({"No"})),
        (r"\b[Dd]en(?:y|ied)\s+", frozenset({"Deny", "deny", "Denied", "denied"})),
        (r"(?i)(?:^|[“\"]\s*)No\b", None),
        (r"(?:^|[“\"]\s*)(?i:No)\b", None),
        (r"\d+ Days", frozenset({"Days"})),
        (r"\d+ days", None),  # in lower case already: nothing more to read
        (r"(?:said|told):", None),
        (r"\d+", None),  # a digit: no text to read
    ],
)
def test_an_expression_that_reads_case_needs_its_texts_as_written(pattern: str, texts) -> None:
    assert required_cased(pattern) == texts


def _pieces_of_the_rules() -> list[str]:
    """Words and phrases from the shipped rules' own examples and cue phrases: text that makes
    the rules' expressions fire, and nearly fire."""
    rules = default_ruleset()
    pieces = {p for r in rules.rules for p in r.phrases}
    for rule in rules.rules:
        for example in (*rule.fires, *rule.ignores):
            words = example.split()
            pieces.update(" ".join(words[k : k + 3]) for k in range(0, len(words), 2))
    return sorted(pieces)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(_pieces_of_the_rules())
        | st.sampled_from([" ", ", ", ". ", "; ", ": ", "\n", "“", "”"]),
        max_size=14,
    ),
    st.booleans(),
)
def test_the_scanner_finds_what_each_rules_own_patterns_find_in_text_made_of_the_rules(
    pieces: list[str], capitalise: bool
) -> None:
    rules = default_ruleset()
    scan = scanner(rules)
    sentence = "".join(pieces)
    sentence = sentence[:1].upper() + sentence[1:] if capitalise else sentence
    assert scan.literal_spans(sentence) == _own_literal_spans(rules.rules, sentence)
    patterns, exceptions = scan.patterns_for(sentence)
    for i, rule in enumerate(rules.rules):
        for own, chosen in ((rule.pattern, patterns), (rule.exceptions, exceptions)):
            if own is None:
                continue
            got = _own_pattern_spans(chosen[i], sentence) if i in chosen else []
            assert got == _own_pattern_spans(own, sentence), (rule.id, sentence)


def test_rules_whose_phrases_the_automaton_cannot_take_keep_their_own_pattern() -> None:
    text = """
name: t
version: "1"
rules:
  - id: odd
    status: alleged
    description: a phrase with a curly apostrophe
    phrases: ["didn’t deny", "said"]
    examples: {fires: ["He didn’t deny it."], ignores: ["Nothing."]}
"""
    rules = parse_rules(text)
    scan = Scanner(rules.rules)
    assert scan.own_literal == [0]
    assert scan.literal_spans("He didn’t deny it, he said.") == {0: [(3, 14), (22, 26)]}


def test_phrases_with_an_apostrophe_or_hyphen_go_into_the_automaton() -> None:
    text = """
name: t
version: "1"
rules:
  - id: odd
    status: denied
    description: phrases with an apostrophe and a hyphen
    phrases: ["don't bear that out", "much-debated"]
    examples: {fires: ["The figures don't bear that out."], ignores: ["Nothing."]}
"""
    rules = parse_rules(text)
    scan = Scanner(rules.rules)
    assert scan.own_literal == []
    for sentence in ("Figures Don't  bear that out.", "A much-debated plan.", "A much-debatedly odd one."):
        assert scan.literal_spans(sentence) == _own_literal_spans(rules.rules, sentence)
    assert scan.literal_spans("A much-debated plan.") == {0: [(2, 14)]}


def test_an_expression_that_cannot_match_is_left_out_and_changes_nothing() -> None:
    parts = (r"(?i)\bdenied\b", r"\d{4}")
    joined = regex.compile("|".join(f"(?:{p})" for p in parts), regex.V0)
    text = f"""
name: t
version: "1"
rules:
  - id: r
    status: denied
    description: two expressions
    regex: ['{parts[0]}', '{parts[1]}']
    examples: {{fires: ["She denied it."], ignores: ["Nothing."]}}
"""
    rules = parse_rules(text)
    scan = Scanner(rules.rules)
    for sentence in ("She Denied it in 2024.", "She denied it.", "In 2024.", "Nothing."):
        patterns, _ = scan.patterns_for(sentence)
        got = _own_pattern_spans(patterns[0], sentence) if 0 in patterns else []
        assert got == _own_pattern_spans(joined, sentence)


@pytest.mark.parametrize(
    ("pattern", "excluded"),
    [
        (r"^\W*\w+(?:\s+\w+){0,2}\W*$(?<![.!?:;”\"])", {".", "!", "?", ":", ";", "”", '"'}),
        (r"\w+$(?<!\.)", {"."}),
        (r"\w+$(?<![a.])", None),  # a letter: its case would have to be read
        (r"(?m)\w+$(?<!\.)", None),
        (r"\w+$", None),
    ],
)
def test_end_excludes(pattern: str, excluded: set[str] | None) -> None:
    found = end_excludes(pattern)
    assert (found if found is None else set(found)) == excluded


def test_an_expression_that_cannot_end_the_sentence_is_left_out() -> None:
    rules = default_ruleset()
    scan = scanner(rules)
    heading = next(i for i, r in enumerate(rules.rules) if r.id == "short-heading")
    assert heading not in scan.patterns_for("The talks ended.")[0]
    for sentence in ("Talks ended", "Talks ended\n", "“Talks”"):
        patterns, _ = scan.patterns_for(sentence)
        own = _own_pattern_spans(rules.rules[heading].pattern, sentence)
        assert (_own_pattern_spans(patterns[heading], sentence) if heading in patterns else []) == own
