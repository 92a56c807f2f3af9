"""Sentence segmentation with character offsets.

Our own segmenter, because the field's general-purpose ones either split news
prose badly (titles, initials, closing quotes) or are slow to load. It is a
single left-to-right pass of one regular expression per line, so time grows
linearly with the input.

Rules, in order:
- A line break ends a unit when the next line does not start in lower case
  (so headings, bylines and "CLICK HERE ..." lines are units of their own,
  while hard-wrapped prose is joined).
- Inside a line, a sentence ends after ``.``, ``!``, ``?`` or an ellipsis,
  plus any closing quotes or brackets, when white space follows and the next
  text starts like a sentence (capital, digit, opening quote or bracket).
- A period after an abbreviation ("Dr.", "U.S.", "Jan.") or an initial
  ("John F. Kennedy") does not end a sentence, unless a title abbreviation is
  excluded (never) or the next word is a common sentence opener ("The", "He").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from claimdesk.rules import RuleSet

_BOUNDARY = re.compile(
    r"""
    (?<![.!?…])                         # start at the first mark of a run: keeps the scan linear
    (?P<punct>\.{3}|…|[.!?…]++)        # terminal punctuation (possessive: a run is eaten once)
    (?P<close>[”"’'\)\]»]*+)            # closing quotes or brackets that belong to it
    (?=\s+(?P<next>[“"‘'(\[«¿¡…]*[\w(]|\.{3}|…))  # white space, then a sentence start
    """,
    re.VERBOSE,
)
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_LINE = re.compile(r"[^\n]+")


@dataclass(frozen=True)
class _Words:
    """The segmenter's lexicons (from the rules file) and the pattern built from them."""

    before_names: frozenset[str]
    """Abbreviations that stand before a name ("Dr."): a period after them never ends a sentence."""
    abbreviations: frozenset[str]
    """Abbreviations that may also end a sentence: split only before a sentence opener."""
    openers: frozenset[str]
    """Words that, capitalised after a period, almost always start a new sentence."""
    question_tail: re.Pattern[str]
    """'“Why now?” Bell asked.': a name and a speech verb after a quoted question keep it one sentence."""


def _words(rules: RuleSet | None) -> _Words:
    if rules is None:
        from claimdesk.rules import default_ruleset

        rules = default_ruleset()
    cached = rules.cache.get("segment")
    if cached is None:
        verbs = "|".join(sorted(map(re.escape, rules.lexicon("question_tail_verbs")), key=len, reverse=True))
        cached = rules.cache["segment"] = _Words(
            before_names=rules.lexicon("abbreviations_before_names"),
            abbreviations=rules.lexicon("abbreviations"),
            openers=rules.lexicon("sentence_openers"),
            question_tail=re.compile(
                rf"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){{0,3}}\s+(?:{verbs})\b[^.!?]{{0,60}}(?:[.!?]|$)"
            ),
        )
    return cached


@dataclass(frozen=True, slots=True)
class Span:
    """A sentence: ``text[start:end]`` of the article."""

    start: int
    end: int


def _ends_sentence(line: str, match: re.Match[str], words: _Words) -> bool:
    """Decide whether a candidate boundary really ends a sentence."""
    after = line[match.end() :].lstrip()
    first = after.lstrip("“\"‘'([«¿¡")
    if not first:
        return True
    starts_lower = first[0].islower()
    if starts_lower:
        return False
    if match.group("punct") in ("?", "!") and match.group("close") and words.question_tail.match(after):
        return False  # '“Why now?” Bell asked.': the tail names who asked
    if match.group("punct") != "." or match.group("close"):
        return True
    word = _WORD_BEFORE.search(line, 0, match.start())
    if not word:
        return True
    token = word.group(1).rstrip(".")
    bare = token.lower()
    next_word = re.match(r"[\w']+", first)
    opener = bool(next_word) and next_word.group(0).lower() in words.openers
    if bare in words.before_names:
        return False
    is_initial = len(token) == 1 and token.isalpha() and token.isupper()
    is_dotted = "." in token and all(len(p) <= 2 for p in token.split(".") if p)
    if bare in words.abbreviations or is_initial or is_dotted:
        return opener
    return True


def _units(text: str) -> list[tuple[int, int]]:
    """Split text into line-based units, joining hard-wrapped lines."""
    units: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        start, end = line.span()
        if not line.group().strip():
            continue
        stripped = line.group().lstrip()
        if units and stripped[0].islower():
            prev_start, prev_end = units[-1]
            if text[prev_start:prev_end].rstrip()[-1] not in ".!?:":
                units[-1] = (prev_start, end)
                continue
        units.append((start, end))
    return units


def _trim(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None


def segment(text: str, rules: RuleSet | None = None) -> list[Span]:
    """Split ``text`` into sentence spans, in order, covering every non-space character.

    The word lists come from ``rules`` (the shipped rules file when None).
    """
    words = _words(rules)
    spans: list[Span] = []
    for unit_start, unit_end in _units(text):
        line = text[unit_start:unit_end]
        cursor = 0
        for match in _BOUNDARY.finditer(line):
            if not line[cursor : match.start()].strip() or not _ends_sentence(line, match, words):
                continue
            span = _trim(text, unit_start + cursor, unit_start + match.end())
            if span:
                spans.append(span)
            cursor = match.end()
        span = _trim(text, unit_start + cursor, unit_end)
        if span:
            spans.append(span)
    return spans
