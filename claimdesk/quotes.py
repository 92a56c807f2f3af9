"""Where the direct quotations are: which spans of a sentence are quoted, and whether a
quote opened in one sentence runs on into the next.

Curly marks say which way they face; a straight mark opens when it starts a word and
closes when it ends one, so a quote that began in an earlier sentence is recognised
by a closing mark with no opening one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import regex

from claimdesk.segment import Span

OPEN_QUOTES = "“«„"
CLOSE_QUOTES = "”»"
SENTENCE_ENDS = (".", "!", "?", "…")
_WORD = regex.compile(r"[\w’'.\-]+")
_MARK = regex.compile("[" + regex.escape(OPEN_QUOTES + CLOSE_QUOTES + '"') + "]")


@dataclass(frozen=True, slots=True)
class Quotes:
    """Quotation marks in one sentence."""

    open_at_start: bool
    open_at_end: bool
    ranges: list[tuple[int, int]]
    starts_with_quote: bool
    quoted_share: float


NO_QUOTES = Quotes(False, False, [], False, 0.0)
"""A sentence with no quotation mark, outside any quote: one object shared by all (never changed),
not one for each sentence of a huge article."""


def opens(text: str, i: int) -> bool:
    """Is the quotation mark at ``i`` an opening one? Curly marks say so; a straight one opens
    when it starts a word (after white space or at the start) and closes when it ends one."""
    ch = text[i]
    if ch in OPEN_QUOTES:
        return True
    if ch in CLOSE_QUOTES:
        return False
    before = text[i - 1] if i else " "
    return before.isspace() or before in "([{—–-:"


def find_quotes(text: str, open_at_start: bool) -> Quotes:
    """Quotation ranges in one sentence, carrying an open quote in from the previous one.

    A closing mark with no opening one means the sentence began inside a quote.
    """
    text = _marks(text)
    if _MARK.search(text) is None:  # no quotation mark: quoted throughout if it began inside a quote
        if not open_at_start:
            return NO_QUOTES
        return Quotes(True, True, [(0, len(text))], False, 1.0 if _WORD.search(text) else 0.0)
    return _read_marks(text, open_at_start)


def _read_marks(text: str, open_at_start: bool) -> Quotes:
    """:func:`find_quotes` mark by mark (``text`` with two apostrophes already read as one mark)."""
    ranges: list[tuple[int, int]] = []
    state = open_at_start
    begin = 0
    orphan = False  # the first mark closes: the sentence began inside a quote
    for mark in _MARK.finditer(text):
        i = mark.start()
        if opens(text, i):
            if not state:
                state, begin = True, i
        else:
            orphan = orphan or (not ranges and not state)
            ranges.append((begin, i + 1))
            state, begin = False, i + 1
    if state:
        ranges.append((begin, len(text)))
    words = (len(_WORD.findall(text)) or 1) if ranges else 1  # no quote: the share is 0 anyway
    if ranges == [(0, len(text))]:  # quoted throughout: its words are the sentence's
        quoted_words = words if words > 1 or _WORD.search(text) else 0
    else:  # a quoted title ("The Nightly Show with Larry Wilmore") is a name, not words someone said
        quoted_words = sum(len(w) for a, b in ranges if not _is_title(w := _WORD.findall(text[a:b])))
    stripped = text.lstrip()
    return Quotes(
        open_at_start=open_at_start or orphan,
        open_at_end=state,
        ranges=ranges,
        starts_with_quote=bool(stripped) and opens(stripped, 0) and stripped[0] in OPEN_QUOTES + '"',
        quoted_share=quoted_words / words,
    )


def _is_title(words: list[str]) -> bool:
    """Quoted words that are a title or a name: two or more, the first and most of them capitalised,
    and the others short ("Teamsters for Trump", "Cape Breton If Donald Trump Wins")."""
    if len(words) < 2 or not words[0][:1].isupper():
        return False
    capitalised = [w for w in words if w[:1].isupper()]
    return 2 * len(capitalised) >= len(words) and all(w[:1].isupper() or len(w) <= 4 for w in words)


def _marks(text: str) -> str:
    """Two apostrophes written as a quotation mark (''like this'', as some archives print quotes)
    read as one straight double mark; the second becomes a space, so offsets stay put."""
    return text.replace("''", '" ') if "''" in text else text


def inside(ranges: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in ranges)


def carry_quote(text: str, spans: Sequence[Span], i: int) -> bool:
    """An open quote continues into the next sentence only if a closing mark follows in the paragraph."""
    start = spans[i].end
    paragraph_end = text.find("\n", start)  # only the paragraph is read: not the rest of a huge article
    rest = _marks(text[start : len(text) if paragraph_end < 0 else paragraph_end])
    mark = _MARK.search(rest)  # the next quotation mark, found by the pattern, not a character at a time
    if mark:
        # A quote that opens a new sentence while one is open starts the next paragraph of the same
        # quotation, whose first paragraph is left unclosed (the break lost when paragraphs are joined).
        return not opens(rest, mark.start()) or rest[: mark.start()].rstrip().endswith(SENTENCE_ENDS)
    return True  # a quote left open runs to the end of its paragraph
