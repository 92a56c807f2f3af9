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

# Abbreviations that stand before a name: a period after them never ends a sentence.
TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "mx",
        "dr",
        "prof",
        "gen",
        "sen",
        "rep",
        "gov",
        "lt",
        "col",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "rev",
        "hon",
        "pres",
        "supt",
        "maj",
        "brig",
        "cpl",
        "pvt",
        "messrs",
        "mme",
        "mlle",
        "sr",
        "jr",
        "st",
    ]
)
# Abbreviations that may also end a sentence: split only before a sentence opener.
ABBREVIATIONS = frozenset(
    [
        "inc",
        "ltd",
        "co",
        "corp",
        "llc",
        "plc",
        "bros",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "vs",
        "etc",
        "approx",
        "no",
        "nos",
        "vol",
        "fig",
        "ave",
        "blvd",
        "rd",
        "mt",
        "ft",
        "dept",
        "est",
        "al",
        "ca",
        "cf",
        "ed",
        "eds",
        "univ",
        "assn",
        "intl",
        "govt",
    ]
)
# Words that, capitalised after a period, almost always start a new sentence.
OPENERS = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "he",
        "she",
        "it",
        "they",
        "we",
        "i",
        "you",
        "his",
        "her",
        "its",
        "their",
        "our",
        "my",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "after",
        "before",
        "during",
        "since",
        "until",
        "when",
        "while",
        "although",
        "though",
        "if",
        "as",
        "but",
        "and",
        "or",
        "so",
        "yet",
        "however",
        "meanwhile",
        "still",
        "also",
        "then",
        "there",
        "here",
        "what",
        "who",
        "why",
        "how",
        "some",
        "many",
        "most",
        "all",
        "both",
        "each",
        "one",
        "two",
        "no",
        "not",
        "officials",
        "according",
    ]
)

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
_ATTRIBUTION_TAIL = re.compile(
    r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}\s+(?:said|says|asked|asks|added|wrote|told|replied|shouted|"
    r"wondered|demanded|insisted)\b[^.!?]{0,60}(?:[.!?]|$)"
)
_LINE = re.compile(r"[^\n]+")


@dataclass(frozen=True, slots=True)
class Span:
    """A sentence: ``text[start:end]`` of the article."""

    start: int
    end: int


def _ends_sentence(line: str, match: re.Match[str]) -> bool:
    """Decide whether a candidate boundary really ends a sentence."""
    after = line[match.end() :].lstrip()
    first = after.lstrip("“\"‘'([«¿¡")
    if not first:
        return True
    starts_lower = first[0].islower()
    if starts_lower:
        return False
    if match.group("punct") in ("?", "!") and match.group("close") and _ATTRIBUTION_TAIL.match(after):
        return False  # '“Why now?” Bell asked.': the tail names who asked
    if match.group("punct") != "." or match.group("close"):
        return True
    word = _WORD_BEFORE.search(line, 0, match.start())
    if not word:
        return True
    token = word.group(1).rstrip(".")
    bare = token.lower()
    next_word = re.match(r"[\w']+", first)
    opener = bool(next_word) and next_word.group(0).lower() in OPENERS
    if bare in TITLES:
        return False
    is_initial = len(token) == 1 and token.isalpha() and token.isupper()
    is_dotted = "." in token and all(len(p) <= 2 for p in token.split(".") if p)
    if bare in ABBREVIATIONS or is_initial or is_dotted:
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


def segment(text: str) -> list[Span]:
    """Split ``text`` into sentence spans, in order, covering every non-space character."""
    spans: list[Span] = []
    for unit_start, unit_end in _units(text):
        line = text[unit_start:unit_end]
        cursor = 0
        for match in _BOUNDARY.finditer(line):
            if not line[cursor : match.start()].strip() or not _ends_sentence(line, match):
                continue
            span = _trim(text, unit_start + cursor, unit_start + match.end())
            if span:
                spans.append(span)
            cursor = match.end()
        span = _trim(text, unit_start + cursor, unit_end)
        if span:
            spans.append(span)
    return spans
