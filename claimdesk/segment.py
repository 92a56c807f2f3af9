"""Sentence segmentation with character offsets.

Our own segmenter, because the field's general-purpose ones either split news
prose badly (titles, initials, closing quotes) or are slow to load. It is a
single left-to-right pass of one regular expression per line, so time grows
linearly with the input.

Rules, in order:
- A line break ends a unit when the next line does not start in lower case
  (so headings, bylines and "CLICK HERE ..." lines are units of their own),
  unless the paragraph is hard-wrapped: its widest line has 60 to 100
  characters, the line before ends with no punctuation and is no heading (most
  of its words capitalised), and the next line's first word would not have
  fitted on it ("... The Environment" / "Agency denied ..."), as a wrapping
  program leaves it.
- Inside a line, a sentence ends after ``.``, ``!``, ``?`` or an ellipsis,
  plus any closing quotes or brackets, when white space follows and the next
  text starts like a sentence (capital, digit, opening quote or bracket).
- A period after an abbreviation ("Dr.", "U.S.", "Jan.") or an initial
  ("John F. Kennedy") does not end a sentence, unless the next word is a
  common sentence opener ("The", "He") or a title ("6 P.M. Mr. Smith") after a
  clause that already has a finite verb; after a title abbreviation ("Mr.")
  a sentence never ends.
- An abbreviation that stands before numbers ("p. 55", "No. 5") keeps its number.
- A single letter that is also a word ("you and I.") ends a sentence after a
  lower-case word; after a name ("Albert I. Jones") it is an initial.
- A spaced ellipsis (". . .") inside a sentence does not end it; a fourth dot does,
  and one that follows a word's period opens the next sentence.
- A parenthesis closed right before the end punctuation ('..." (Smith 55).') is a
  citation: it stays with the sentence before it.
- A list ("1. ... 2. ...", "a) ... b) ...", "• 9. ... • 10. ...") whose markers
  count up from the start of a line splits before each marker, never after one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from claimdesk.rules import RuleSet

_BOUNDARY = re.compile(
    r"""
    (?<![.!?…])                         # start at the first mark of a run: keeps the scan linear
    (?P<punct>\.{3}|…|[.!?…]++)        # terminal punctuation (possessive: a run is eaten once)
    (?P<close>[”"’'\)\]»]*+)            # closing quotes or brackets that belong to it
    (?=\s+(?P<next>[“"‘'(\[«¿¡…]*[\w(]|\.{3}|…|\.\s\.\s\.\s+[“"‘'(\[«]*\w))  # white space, a sentence start
    """,
    re.VERBOSE,
)
_WORD_BEFORE = re.compile(r"([\w.°]+)$")
_WORD = re.compile(r"[\w']+")
_SPACED_ELLIPSIS = re.compile(r"\.\s\.\s\.")
_CITATION = re.compile(r"\([^()\n]{1,80}\)[.!?]")
# A list marker: an optional bullet, then a number or one lower-case letter, then ".)", ")" or ".".
_MARKER = re.compile(r"(?:^|(?<=\s))(?:[•⁃▪◦‣*-]\s*)?(?P<label>\d{1,3}|[a-z])(?P<mark>\.\)|\)|\.)(?=\s)")
_FIRST_MARKER = re.compile(r"\s*(?:[•⁃▪◦‣*-]\s*)?(?:\d{1,3}|[a-z])(?:\.\)|\)|\.)\s")
_LINE = re.compile(r"[^\n]+")
_WRAP_WIDTHS = range(60, 101)  # the width of text wrapped by hand or by a mail client
_BULLETS = "•⁃▪◦‣*-–—|>#"


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
    before_numbers: frozenset[str]
    """Abbreviations that stand before a number ("p. 55", "No. 5"): a number after them never starts one."""
    letter_words: frozenset[str]
    """Single letters that are also words ("I"): after a lower-case word they are not initials."""
    finite_verbs: frozenset[str]
    """A clause holding one of these is complete: a title after its abbreviation starts a new sentence."""


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
            before_numbers=rules.lexicon("abbreviations_before_numbers"),
            letter_words=rules.lexicon("letter_words"),
            finite_verbs=rules.finite_verbs,
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


class Sentences(Sequence[str]):
    """The text of each span, sliced when it is read: a huge article's sentences are not all
    copied at once."""

    def __init__(self, text: str, spans: Sequence[Span]) -> None:
        self.text, self.spans = text, spans

    def __len__(self) -> int:
        return len(self.spans)

    def __getitem__(self, i: int) -> str:  # type: ignore[override]  # no slices: none is taken
        span = self.spans[i]
        return self.text[span.start : span.end]

    def __iter__(self) -> Iterator[str]:
        return (self.text[s.start : s.end] for s in self.spans)


def _spaced_dots(line: str, end: int, cursor: int) -> int:
    """How many dots, one space apart, end at ``line[end - 1]`` (within the current sentence)."""
    count, i = 1, end - 1
    while i - 2 >= cursor and line[i - 1] == " " and line[i - 2] == ".":
        count, i = count + 1, i - 2
    return count


def _ends_sentence(line: str, match: re.Match[str], words: _Words, cursor: int = 0) -> bool:
    """Decide whether a candidate boundary really ends a sentence."""
    after = line[match.end() :].lstrip()
    first = after.lstrip("“\"‘'([«¿¡")
    if not first:
        return True
    starts_lower = first[0].islower()
    if starts_lower:
        return False
    punct = match.group("punct")
    if punct in ("?", "!") and match.group("close") and words.question_tail.match(after):
        return False  # '“Why now?” Bell asked.': the tail names who asked
    if after[0] == "(" and _CITATION.match(after):
        return False  # '..." (Smith 55).': a citation closes the sentence before it
    if punct != "." or match.group("close"):
        return True
    if _SPACED_ELLIPSIS.match(after):
        # "compounds. . . . The": the word's period ends it, the ellipsis opens the next one
        return match.start() > 0 and not line[match.start() - 1].isspace()
    dots = _spaced_dots(line, match.start() + 1, cursor)
    if dots > 1:
        return dots > 3  # ". . ." is an ellipsis inside the sentence; ". . . ." ends it
    word = _WORD_BEFORE.search(line, 0, match.start())
    if not word:
        return True
    token = word.group(1).rstrip(".")
    bare = token.lower()
    next_word = _WORD.match(first)
    if bare in words.before_numbers and first[0].isdigit():
        return False  # "p. 55", "No. 5"
    opener = bool(next_word) and next_word.group(0).lower() in words.openers
    if bare in words.before_names:
        return False
    if bare in words.letter_words and not _after_name(line, word.start()):
        return True  # "you and I. Did you": the word, not an initial
    is_initial = len(token) == 1 and token.isalpha() and token.isupper()
    is_dotted = "." in token and all(len(p) <= 2 for p in token.split(".") if p)
    if bare in words.abbreviations or is_initial or is_dotted:
        if opener:
            return True
        if next_word and next_word.group(0).lower() in words.before_names:
            # "He left the bank at 6 P.M. Mr. Smith then went": a complete clause before a title
            return any(w.lower() in words.finite_verbs for w in _WORD.findall(line, cursor, word.start()))
        return False
    return True


def _after_name(line: str, start: int) -> bool:
    """Whether the word before ``start`` is capitalised (part of a name: "Albert I. Jones")."""
    end = start
    while end > 0 and line[end - 1].isspace():
        end -= 1
    before = _WORD_BEFORE.search(line, 0, end)
    return bool(before) and before.group(1)[:1].isupper()


def _list_markers(line: str) -> list[re.Match[str]]:
    """The markers of a list that counts up from the start of the line ("1. .. 2. ..", "a) .. b) .."),
    or the one that opens the line (an item of a list written a line an item), or nothing."""
    chain: list[re.Match[str]] = []
    for marker in _MARKER.finditer(line):
        if not chain:
            if line[: marker.start()].strip():
                return []
            chain.append(marker)
            continue
        last = chain[-1]
        if marker.group("mark") == last.group("mark") and _follows(last.group("label"), marker["label"]):
            chain.append(marker)
    return chain


def _follows(label: str, nxt: str) -> bool:
    if label.isdigit():
        return nxt.isdigit() and int(nxt) == int(label) + 1
    return not nxt.isdigit() and ord(nxt) == ord(label) + 1


def _units(text: str) -> list[tuple[int, int]]:
    """Split text into line-based units, joining hard-wrapped lines."""
    units: list[tuple[int, int]] = []
    for block in _blocks(text):
        lines = [text[start:end].strip() for start, end in block]
        wraps = _wraps(lines)
        for k, (start, end) in enumerate(block):
            lower = lines[k][0].islower()  # "... the figures were" / "revised on Monday."
            if units and (wraps[k] or (lower and _last_mark(text, units[-1][1]) not in ".!?:")):
                units[-1] = (units[-1][0], end)
            else:
                units.append((start, end))
    return units


def _last_mark(text: str, end: int) -> str:
    """The last character before ``end`` that is not white space (a unit ends on a line with some)."""
    k = end - 1
    while text[k].isspace():
        k -= 1
    return text[k]


def _blocks(text: str) -> list[list[tuple[int, int]]]:
    """Runs of non-blank lines (paragraphs), each line as its span."""
    blocks: list[list[tuple[int, int]]] = []
    last_end = -2
    for line in _LINE.finditer(text):
        if not line.group().strip():
            continue
        start, end = line.span()
        if blocks and text[last_end:start].count("\n") == 1:
            blocks[-1].append((start, end))
        else:
            blocks.append([(start, end)])
        last_end = end
    return blocks


def _wraps(lines: list[str]) -> list[bool]:
    """For each line of a paragraph, whether it goes on with the line before because a program
    wrapped it there: the paragraph is 60 to 100 characters wide and the line's first word would
    not have fitted on the line before. Every line of a paragraph of three or more so filled is
    joined; otherwise only after a line that ends with no punctuation and is no heading (most of
    its words capitalised). A line that opens a list item is never joined."""
    width = max(map(len, lines))
    if width not in _WRAP_WIDTHS:
        return [False] * len(lines)
    filled = [False] + [
        len(before) + 1 + len(line.split(None, 1)[0]) > width
        and not _FIRST_MARKER.match(line)
        and line[0] not in _BULLETS
        for before, line in zip(lines, lines[1:], strict=False)
    ]
    if len(lines) >= 3 and all(filled[1:]):
        return filled
    return [f and _open_line(before) for f, before in zip(filled, ["", *lines], strict=False)]


def _open_line(line: str) -> bool:
    """A line that ends with no punctuation and is no heading (most of its words capitalised)."""
    words = [w for w in line.split() if w[0].isalpha()]
    return line[-1] not in ".!?:;" and 2 * sum(w[0].isupper() for w in words) <= len(words)


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
        markers = _list_markers(line) if _FIRST_MARKER.match(line) else []
        if not markers:
            _split(text, unit_start, line, words, spans, ())
            continue
        cuts = [m.start() for m in markers[1:]]
        keep = {m.start("mark") for m in markers}
        for a, b in zip([0, *cuts], [*cuts, len(line)], strict=True):
            _split(text, unit_start + a, line[a:b], words, spans, {k - a for k in keep if a <= k < b})
    return spans


def _split(text: str, unit_start: int, line: str, words: _Words, spans: list[Span], keep) -> None:
    """Split one unit (a line, or one item of a list) into sentences; ``keep``: periods of list markers."""
    cursor = 0
    for match in _BOUNDARY.finditer(line):
        if match.start() in keep:
            continue
        if not line[cursor : match.start()].strip() or not _ends_sentence(line, match, words, cursor):
            continue
        span = _trim(text, unit_start + cursor, unit_start + match.end())
        if span:
            spans.append(span)
        cursor = match.end()
    span = _trim(text, unit_start + cursor, unit_start + len(line))
    if span:
        spans.append(span)
