"""One pass over a sentence for the cues of every rule.

The tagger used to run each rule's phrase pattern and each rule's regular
expressions over every sentence. Here, built once per rule set:

- every cue phrase of every rule goes into one Aho-Corasick automaton
  (pyahocorasick), run once over the lower-cased sentence; each rule then takes,
  from the phrases found, exactly the spans its own pattern's ``finditer`` would
  give (leftmost, the longest at a start, not overlapping, whole words);
- every regular expression of a rule is read for the literal texts any match of
  it must contain: one of each of up to three sets (``(?i)\\bclaims?\\b.{0,80}\\bfalse``
  needs "claim" and "false"; a second or third set only when its texts have three
  letters or more, or a mark rarer than a comma or a quote, such as "?"; a text after
  white space keeps a space before it, so ``\\s+(?:\\w+\\s+)?lie`` needs " lie", which
  "earlier" does not hold); those texts go into a second automaton, and an expression runs only
  when a text of every set it needs occurs in the sentence (joined as in the
  rule's own pattern: one that cannot match anywhere changes nothing in an
  alternation). An expression anchored by ``^`` runs only on a sentence that starts
  with a text it starts with (``(?i)^(?:watch|read) ``), one ending with ``$`` only
  on a sentence that ends with a text it ends with (``/\\s*(?:reuters|ap)\\.?\\s*$``).
  An expression that reads case (no ``(?i)``) runs only when its texts occur as it writes them
  (``No\\b`` needs "No", not "not"); one ending with marks (``\\W*$``) only on a sentence that ends
  with its text, its final marks aside; one starting with a digit (after an optional "Monday "),
  only on a sentence that starts so.
  An expression with no such text always runs. A rule's exceptions are read the
  same way, and only for a rule whose cues fired. An expression that needs no text
  but ends with ``$(?<![.!?])`` is not run on a sentence ending with one of those marks.

On 13,581 sentences of published news (400 BBC articles, 200 of PolNeAR) the shipped
rules run 1.58 expressions a sentence (cues and exceptions) this way, against 3.10 when
a text's length counted its spaces (" a " as long as "lie") and only sets of four
letters or more were worth a second look; the automaton finds 8.0 texts a sentence. A
sentence no rule fires on (half of them) is decided without the rest of the tagger's
machinery.

All of it is exact: the spans are those of the rule's own patterns. A white space
character (a no-break space, a line break) reads as a space; a sentence the fast path
cannot read exactly (two white space characters in a row, or one of the few letters
Python's case-insensitive matching treats unlike ``str.lower``) goes through the rule's
own patterns instead.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

import ahocorasick
import regex

if TYPE_CHECKING:
    from claimdesk.rules import Rule, RuleSet

try:  # the parser behind `re` (Python 3.11+); without it every expression just runs
    import re._constants as _c
    import re._parser as _parser
except ImportError:  # pragma: no cover
    _parser = _c = None

_PHRASE = re.compile(r"[!-@\[-~]+(?: [!-@\[-~]+)*")
"""Phrases the automaton takes: printable ASCII without capitals ("don't", "much-debated"), single
spaces (the rest keep their pattern). Case-insensitive matching pairs such a character with no other
than by ``str.lower``, except the letters :data:`_INEXACT` sends down the exact path."""
_INEXACT = re.compile("[^\\S ]|  |[\u0130\u0131\u017f\u212a]")
"""What lower-casing would read unlike the rule's pattern: other white space (the pattern's
``\\s+``), and the letters that case-insensitive matching pairs with an ASCII letter other
than by ``str.lower`` (tests/test_scan.py checks this list against every code point)."""
_ODD = re.compile(
    "[\t-\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0130\u0131\u017f\u212a]"
)
"""The single characters of :data:`_INEXACT` as one class (white space but the space, by
``str.isspace``, which is what `re` reads as ``\\s``; and the four letters): a third of its cost."""


def unscanned_phrases(phrases: list[str] | tuple[str, ...]) -> list[str]:
    """A rule's phrases the automaton cannot take (a curly apostrophe, a capital): one such phrase
    makes the rule run its whole phrase pattern on every sentence, so ``rules check`` warns."""
    return [p for p in phrases if not _PHRASE.fullmatch(p)]


_WHITE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
_WHITE += "\u2028\u2029\u202f\u205f\u3000"
"""White space but the space, by ``str.isspace`` (what `re` reads as ``\\s``; the `regex` module's
``\\s`` is some of it): a no-break space or a line break inside a sentence."""
_TO_SPACE = str.maketrans(dict.fromkeys(_WHITE, " "))
_LETTERS = re.compile("[\u0130\u0131\u017f\u212a]")
"""The letters of :data:`_INEXACT`."""


def _exact(sentence: str) -> str | None:
    """The sentence as lower-casing reads it exactly: each white space character a space (one
    white space character is what the patterns' ``\\s+`` and the check's single space both read),
    offsets unchanged; None when it has two white space characters in a row or one of the four
    letters (:data:`_INEXACT`)."""
    if _ODD.search(sentence) is None:
        return None if "  " in sentence else sentence
    if _LETTERS.search(sentence):
        return None
    spaced = sentence.translate(_TO_SPACE)
    return None if "  " in spaced else spaced


_FUZZY = re.compile(r"(?<!\\)\{[^}]*[a-z]")
"""A brace holding letters: the `regex` module's fuzzy matching ("(?:foo){e<=1}"), which `re`
would read as text. Such an expression always runs."""
_MAX_CHOICES = 16
"""How many strings a character class may multiply a required text into before it is dropped."""


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


DIGIT = "\x00digit"
"""Stands, among required texts, for "a digit" (``\\d``): weaker than any text, but sentences
without digits skip the expression."""
_DIGIT = regex.compile(r"\d")  # the rules' own module, so its idea of a digit


def _best(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """The more selective of two sets of texts a match must contain (one of each set)."""
    if a is None:
        return b
    if b is None:
        return a
    return a if _selectivity(a) >= _selectivity(b) else b


def _class_chars(av) -> list[str] | None:
    """The characters of a class made only of literals ("[’']"), or None."""
    chars = []
    for op, value in av:
        if op is not _c.LITERAL:
            return None
        chars.append(chr(value))
    return chars


def _is_space(op, av) -> bool:
    return op is _c.IN and len(av) == 1 and av[0] == (_c.CATEGORY, _c.CATEGORY_SPACE)


def _is_digit(op, av) -> bool:
    return op is _c.IN and len(av) == 1 and av[0] == (_c.CATEGORY, _c.CATEGORY_DIGIT)


def _spaced(text: str) -> str:
    """Text as the required-text check reads it: case folded, each run of white space one space,
    one space before and after. Everything ``\\s`` matches is white space to ``str.split``, so the
    text of a match keeps every text it needs."""
    return " " + " ".join(text.casefold().split()) + " "


def _collapse(need: str, fold: bool = True) -> str:
    """A required text as :func:`_spaced` would write it (white space runs as one space); with
    ``fold`` false, in its own case."""
    out: list[str] = []
    for ch in need.casefold() if fold else need:
        if ch.isspace():
            if not out or out[-1] != " ":
                out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def _pick(needs: list[frozenset[str]]) -> frozenset[str] | None:
    """The most selective of the sets of texts a match must contain (one of each set)."""
    best: frozenset[str] | None = None
    for texts in needs:
        best = _best(best, texts)
    return best


def _texts_seq(items) -> tuple[list[str], bool]:
    """The literal texts a match of ``items`` can start with, and whether the match is exactly one of
    them (``(?:said|says)``, which `re` reads as "sa" then "id" or "ys"); at most :data:`_MAX_CHOICES`."""
    out = [""]
    for op, av in items:
        if op is _c.SUBPATTERN:
            texts, whole = _texts_seq(av[3])
        elif op is _c.BRANCH:
            found = [_texts_seq(alternative) for alternative in av[1]]
            texts, whole = [t for ts, _ in found for t in ts], all(w for _, w in found)
        elif _is_space(op, av) or (
            op in (_c.MAX_REPEAT, _c.POSSESSIVE_REPEAT)
            and av[0] >= 1
            and len(av[2]) == 1
            and _is_space(*av[2][0])
        ):
            # white space, one or more: one space, as a sentence read exactly or the check reads it
            texts, whole = [" "], True
        else:
            chars = [chr(av)] if op is _c.LITERAL else _class_chars(av) if op is _c.IN else None
            texts, whole = (chars, True) if chars is not None else ([""], False)
        if len(out) * len(texts) > _MAX_CHOICES:
            return out, False
        out = [a + b for a, b in itertools.product(out, texts)]
        if not whole:
            return out, False
    return out, True


def _needs_seq(items) -> list[frozenset[str]]:
    """Sets of texts a match of ``items`` must contain, one text of each set (empty: unknown)."""
    needs: list[frozenset[str]] = []
    run: list[str] = [""]  # the literal texts the current stretch can be

    def flush() -> None:
        nonlocal run
        if all(r.strip() for r in run):  # white space alone tells nothing
            needs.append(frozenset(run))
        run = [""]

    for op, av in items:
        repeat = op in (_c.MAX_REPEAT, _c.POSSESSIVE_REPEAT) and av[0] >= 1 and len(av[2]) == 1
        if _is_space(op, av) or (repeat and _is_space(*av[2][0])):
            # white space, one or more: one space in the text as the check reads it (see _spaced)
            if not any(r.endswith(" ") for r in run):
                run = [r + " " for r in run]
            continue
        if _is_digit(op, av) or (repeat and _is_digit(*av[2][0])):
            flush()
            needs.append(frozenset([DIGIT]))
            continue
        chars = [chr(av)] if op is _c.LITERAL else _class_chars(av) if op is _c.IN else None
        if chars is None and op in (_c.BRANCH, _c.SUBPATTERN):  # alternatives that are texts alone
            texts, whole = _texts_seq([(op, av)])
            chars = texts if whole else None
        if chars is not None and len(run) * len(chars) <= _MAX_CHOICES:
            run = [a + b for a, b in itertools.product(run, chars)]
            continue
        # "a\s+(?:\w+\s+)?lie": white space before "lie" whether the words between are there or not
        spaced = _spaced_repeat(op, av, all(r.endswith(" ") for r in run))
        flush()
        needs.extend(_needs_item(op, av))
        if spaced:
            run = [" "]
    flush()
    return needs


def _ends_in_space(items) -> bool:
    """Does every match of ``items`` end with white space?"""
    if not len(items):
        return False
    op, av = items[-1]
    if op is _c.SUBPATTERN:
        return _ends_in_space(av[3])
    repeat = op in (_c.MAX_REPEAT, _c.POSSESSIVE_REPEAT) and av[0] >= 1 and len(av[2]) == 1
    return _is_space(op, av) or (repeat and _is_space(*av[2][0]))


def _spaced_repeat(op, av, after_space: bool) -> bool:
    """Is the text after a repeated stretch ("(?:\\w+\\s+)?") always after white space: each time it
    ends with white space, and when it may be absent, white space stands before it?"""
    if op not in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT) or not _ends_in_space(av[2]):
        return False
    return av[0] >= 1 or after_space


def _needs_item(op, av) -> list[frozenset[str]]:
    if op is _c.SUBPATTERN:
        return _needs_seq(av[3])
    if op is _c.ATOMIC_GROUP:
        return _needs_seq(av)
    if op is _c.ASSERT:  # a positive look-around still reads text of the sentence
        return _needs_seq(av[1])
    if op is _c.BRANCH:  # one of the alternatives: the best set of each, joined
        found: set[str] = set()
        for alternative in av[1]:
            best = _pick(_needs_seq(alternative))
            if best is None:
                return []
            found |= best
        return [frozenset(found)]
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        low, _high, body = av
        return _needs_seq(body) if low >= 1 else []
    return []


_PROPERTY = re.compile(r"\\(?:[pP]\{[^}]*\}|.)", re.DOTALL)
"""An escape; ``\\p{Lu}`` (a Unicode property, which only the `regex` module reads) among them."""


_POSIX = re.compile(r"\[:\^?[a-zA-Z]+:\]")
"""A POSIX class (``[[:alpha:]]``), which `re` would read as the characters of its name."""


def _readable(pattern: str) -> str | None:
    """``pattern`` as `re` can parse it for the texts it needs: a Unicode property (``\\p{Lu}``,
    ``\\P{L}``) becomes ``\\w`` or ``\\W``, one character that is no literal text either way.
    None for what `re` would read otherwise than the `regex` module: fuzzy matching, POSIX classes."""
    if _POSIX.search(pattern):
        return None

    def plain(m: re.Match[str]) -> str:
        escape = m.group()
        return escape if len(escape) == 2 else "\\W" if escape[1] == "P" else "\\w"

    readable = _PROPERTY.sub(plain, pattern)
    return None if _FUZZY.search(readable) else readable


MAX_CLAUSES = 3
"""How many of the sets of texts an expression needs the scanner checks (the most selective)."""
_WORTH = 3
"""How long the shortest text of a set must be, spaces aside, for the set to be checked besides the
best one ("the" is, "a" and "of" are not)..."""
_COMMON = frozenset(" .,-'’\"“”")
"""...unless each of its texts holds a mark rarer than these (";", ":", "?")."""


def _worth(texts: frozenset[str]) -> bool:
    """Is a set of texts rare enough in news to be worth checking? ("a" and "the" occur everywhere)"""
    if DIGIT in texts:  # a digit alone, yes; a digit or "a", no
        return len(texts) == 1
    if min(map(_length, texts)) >= _WORTH:
        return True
    return all(any(not c.isalnum() and not c.isspace() and c not in _COMMON for c in t) for t in texts)


def required_all(pattern: str) -> tuple[frozenset[str], ...] | None:
    """Sets of texts every match of ``pattern`` contains one text of each (case folded), the most
    selective first, at most :data:`MAX_CLAUSES`; None when unknown. ``(?i)\\bclaims?\\b.{0,80}\\bfalse``
    needs "claim" and "false"."""
    pattern = _readable(pattern)
    if _parser is None or pattern is None:
        return None
    try:
        needs = _needs_seq(_parser.parse(pattern))
    except Exception:  # syntax only the `regex` module reads: no shortcut, the expression always runs
        return None
    found: list[frozenset[str]] = []
    for texts in needs:
        texts = frozenset(n if n == DIGIT else _collapse(n) for n in texts)
        if texts and all(n.strip() for n in texts) and texts not in found:
            found.append(texts)
    if not found:
        return None
    found.sort(key=_selectivity, reverse=True)
    # The best set always; more only when they are worth a look ("a" or "the" occur everywhere).
    return tuple(found[:1] + [t for t in found[1:MAX_CLAUSES] if _worth(t)])


_IGNORE_CASE = re.compile(r"\(\?[a-zA-Z-]*i")
"""An inline flag that makes an expression, or a group of it, ignore case."""


def required_cased(pattern: str) -> frozenset[str] | None:
    """The texts of :func:`required_all`'s most selective set as ``pattern`` writes them, each cut to
    its longest word (a sentence holds that as it is, whatever its white space), when it reads case
    everywhere (no "(?i)"): ``(?:^|[“"‘]\\s*)No\\b`` needs "No", which "not" and "know" do not hold.
    None otherwise, or when case tells nothing more (":")."""
    best = required_all(pattern)
    readable = _readable(pattern)
    if best is None or DIGIT in best[0] or readable is None or _IGNORE_CASE.search(readable):
        return None
    parsed = _parser.parse(readable)
    if parsed.state.flags & re.IGNORECASE:
        return None
    for texts in _needs_seq(parsed):
        if frozenset(_collapse(n) for n in texts) == best[0]:
            if frozenset(_collapse(n, fold=False) for n in texts) == best[0]:
                return None
            return frozenset(max(n.split(), key=len) for n in texts)
    return None


def _length(text: str) -> int:
    """How much a text tells: its characters but the spaces (" a " is as common as "a")."""
    return len(text) - text.count(" ")


def _selectivity(texts: frozenset[str]) -> tuple[int, int]:
    return (0 if DIGIT in texts else min(map(_length, texts)), -len(texts))


def required_texts(pattern: str) -> frozenset[str] | None:
    """Texts one of which every match of ``pattern`` contains (case folded), or None when unknown:
    the most selective of :func:`required_all`."""
    needs = required_all(pattern)
    return needs[0] if needs else None


_MULTILINE = re.compile(r"\(\?[a-zA-Z]*m")
"""An inline multi-line flag, global or scoped: "^" then stands at every line."""


def start_texts(pattern: str) -> tuple[str, ...] | None:
    """Texts (lower-case ASCII) one of which a sentence starts with for ``pattern``, anchored by "^",
    to match there: ``(?i)^(?:watch|read) the`` needs "watch" or "read". None when it does not say."""
    pattern = _readable(pattern)
    if _parser is None or pattern is None or _MULTILINE.search(pattern):
        return None
    try:
        parsed = _parser.parse(pattern)
    except Exception:
        return None
    if parsed.state.flags & re.MULTILINE or not len(parsed):
        return None
    op, av = parsed[0]
    if op is not _c.AT or av not in (_c.AT_BEGINNING, _c.AT_BEGINNING_STRING):
        return None
    texts = _start_seq(list(parsed)[1:])
    return None if texts is None else _plain(texts)


def _start_seq(items) -> list[str] | None:
    """The texts a match of ``items`` starts with, as :func:`_texts_seq` gives them, but where an
    optional group ("(?:Monday\\s+)?") may be there or not, and a digit (``\\d``) after them ends a
    text with :data:`DIGIT`: ``^(?:Monday\\s+)?\\d`` starts with "Monday " and a digit, or a digit."""
    out = [""]
    for k, (op, av) in enumerate(items):
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and av[:2] == (0, 1):
            texts, whole = _texts_seq(av[2])
            if not whole or len(out) * (len(texts) + 1) > _MAX_ENDS:
                return None
            out = [a + b for a in out for b in ("", *texts)]
            continue
        repeat = op in (_c.MAX_REPEAT, _c.POSSESSIVE_REPEAT) and av[0] >= 1 and len(av[2]) == 1
        if _is_digit(op, av) or (repeat and _is_digit(*av[2][0])):
            return [a + DIGIT for a in out]
        texts, _ = _texts_seq(items[k:])
        return [a + b for a in out for b in texts]
    return out


def starts_with(lowered: str, sentence: str, starts: tuple[str, ...]) -> bool:
    """Does a sentence (and ``lowered``, its exact lower-case reading) start with one of
    :func:`start_texts`' texts, one ending with :data:`DIGIT` with its text and then a digit?"""
    plain, before_digit = _split_starts(starts)
    return lowered.startswith(plain) or _digit_after(lowered, sentence, before_digit)


def _split_starts(starts: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """:func:`start_texts`' texts as (the plain ones, the texts before a digit of the others)."""
    plain = tuple(t for t in starts if not t.endswith(DIGIT))
    return plain, tuple(t.removesuffix(DIGIT) for t in starts if t.endswith(DIGIT))


def _digit_after(lowered: str, sentence: str, texts: tuple[str, ...]) -> bool:
    """Does the sentence start with one of ``texts`` and then a digit?"""
    return any(lowered.startswith(t) and _DIGIT.match(sentence, len(t)) for t in texts)


_CASELESS = frozenset("“”‘’–—…«»")
"""Punctuation beyond ASCII that has no case: case-insensitive matching pairs it with nothing else."""
_MAX_ENDS = 64


def _plain(texts: list[str]) -> tuple[str, ...] | None:
    """Texts in lower case, when they are ASCII or caseless punctuation (case-insensitive matching
    pairs those with nothing ``str.lower`` would not give, but for the letters :data:`_INEXACT` sends
    down the exact path) and none is empty; else None."""
    if not texts or not all(t and all(c.isascii() or c in _CASELESS for c in t) for t in texts):
        return None
    return tuple(sorted({t.lower() for t in texts}))


def _suffix_seq(items) -> tuple[list[str], bool]:
    """The literal texts a match of ``items`` can end with, and whether the match is exactly one of
    them; a "\\b" reads no text, an optional character ("\\.?") may or may not be there."""
    out = [""]
    for op, av in reversed(list(items)):
        if op is _c.AT and av in (_c.AT_BOUNDARY, _c.AT_NON_BOUNDARY):
            continue
        if op is _c.SUBPATTERN:
            texts, whole = _suffix_seq(av[3])
        elif op is _c.BRANCH:
            found = [_suffix_seq(alternative) for alternative in av[1]]
            texts, whole = [t for ts, _ in found for t in ts], all(w for _, w in found)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and av[:2] == (0, 1) and len(av[2]) == 1:
            body_op, body_av = av[2][0]
            chars = (
                [chr(body_av)]
                if body_op is _c.LITERAL
                else _class_chars(body_av)
                if body_op is _c.IN
                else None
            )
            texts, whole = (["", *chars], True) if chars is not None else ([""], False)
        else:
            chars = [chr(av)] if op is _c.LITERAL else _class_chars(av) if op is _c.IN else None
            texts, whole = (chars, True) if chars is not None else ([""], False)
        if len(out) * len(texts) > _MAX_ENDS:
            return out, False
        out = [b + a for a, b in itertools.product(out, texts)]
        if not whole:
            return out, False
    return out, True


def _before_end(pattern: str) -> list | None:
    """The parsed items of ``pattern`` before the "$" that ends it; None when it does not end so, is
    multi-line or cannot be read."""
    pattern = _readable(pattern)
    if _parser is None or pattern is None or _MULTILINE.search(pattern):
        return None
    try:
        parsed = _parser.parse(pattern)
    except Exception:
        return None
    items = list(parsed)
    if parsed.state.flags & re.MULTILINE or not items:
        return None
    op, av = items.pop()
    if op is not _c.AT or av not in (_c.AT_END, _c.AT_END_STRING):
        return None
    return items


def end_texts(pattern: str) -> tuple[str, ...] | None:
    """Texts (lower case) one of which a sentence, without its final white space, ends with for
    ``pattern``, which ends with "$", to match: ``(?i)/(?:reuters|ap)\\.?\\s*$`` needs "reuters",
    "reuters.", "ap" or "ap.". None when it does not say."""
    items = _before_end(pattern)
    if items is None:
        return None
    while items and (
        _is_space(*items[-1])
        or (
            items[-1][0] in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT)
            and len(items[-1][1][2]) == 1
            and _is_space(*items[-1][1][2][0])
        )
    ):
        items.pop()  # white space before the end: gone once the sentence's final white space is
    texts, _ = _suffix_seq(items)
    if any(t != t.rstrip() for t in texts):
        return None
    return _plain(texts)


_MARKS = "".join(chr(c) for c in range(0x20, 0x7F) if not chr(c).isalnum() and chr(c) != "_") + "“”‘’…«»—–"
"""Marks that are never part of a word (``\\W``): a sentence's final ones are stripped for
:func:`end_texts_before_marks`."""


def end_texts_before_marks(pattern: str) -> tuple[str, ...] | None:
    """Texts (lower case) one of which a sentence, without its final marks and white space
    (:data:`_MARKS`), ends with for ``pattern`` to match, when ``pattern`` ends with marks
    (``\\W*``, ``[.!]?``) and then "$": ``^\\w+\\s+(?:said|says)\\s*[.!]?\\W*$`` needs "said" or
    "says". Each text ends with a letter or a digit, so stripping the sentence stops there. None
    when it does not say, or when :func:`end_texts` does."""
    items = None if end_texts(pattern) is not None else _before_end(pattern)
    if items is None:
        return None
    marks = False
    while items and _is_marks(*items[-1]):
        items.pop()
        marks = True
    if not marks:
        return None
    texts, _ = _suffix_seq(items)
    if not all(t and t[-1].isascii() and t[-1].isalnum() for t in texts):
        return None
    return _plain(texts)


def _is_marks(op, av) -> bool:
    """Does every match of this item hold only characters no word holds (white space, ``\\W``, "[.!]")?"""
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        return len(av[2]) == 1 and _is_marks(*av[2][0])
    if op is _c.LITERAL:
        return chr(av) in _MARKS
    if op is _c.IN:
        chars = _class_chars(av)
        if chars is not None:
            return all(c in _MARKS for c in chars)
        return len(av) == 1 and av[0] in (
            (_c.CATEGORY, _c.CATEGORY_SPACE),
            (_c.CATEGORY, _c.CATEGORY_NOT_WORD),
        )
    return False


def end_excludes(pattern: str) -> frozenset[str] | None:
    """Characters a text may not end with for ``pattern`` to match: an expression that ends with
    ``$(?<![.!?])`` cannot match a sentence ending in ".", "!" or "?". None when it does not say."""
    pattern = _readable(pattern)
    if _parser is None or pattern is None:
        return None
    try:
        parsed = _parser.parse(pattern)
    except Exception:
        return None
    if parsed.state.flags & re.MULTILINE or len(parsed) < 2:
        return None
    (at, where), (op, av) = parsed[-2], parsed[-1]
    if at is not _c.AT or where is not _c.AT_END or op is not _c.ASSERT_NOT or av[0] != -1 or len(av[1]) != 1:
        return None
    inner_op, inner_av = av[1][0]
    chars = [chr(inner_av)] if inner_op is _c.LITERAL else None
    if inner_op is _c.IN:
        chars = _class_chars(inner_av)
    if not chars or any(c.lower() != c.upper() for c in chars):  # letters: case would have to be read
        return None
    return frozenset(chars)


class _Part(NamedTuple):
    """An expression (a part of a rule's pattern, kind 0, or of its exceptions, kind 1) with texts it
    needs."""

    kind: int
    rule: int
    bit: int
    """Its bit among the rule's parts (``1 << j`` for part ``j``)."""
    need: int
    """The bits of its sets of texts (see :meth:`Scanner._owners`)."""
    starts: tuple[str, ...] | None
    """The texts a sentence starts with for it to match there ("^"), or None..."""
    before_digit: tuple[str, ...]
    """...or starts with and then a digit ("^(?:Monday\\s+)?\\d")."""
    ends: tuple[str, ...] | None
    """The texts a sentence ends with for it to match ("$"), or None."""
    before_marks: tuple[str, ...] | None
    """The texts a sentence ends with, its final marks aside, for it to match ("\\W*$"), or None."""
    cased: frozenset[str] | None
    """For an expression that reads case, its most selective texts as it writes them, or None."""


@dataclass
class _RulePatterns:
    parts: tuple[str, ...]
    always: int
    """Parts with no required text, as bits (part ``j`` is bit ``1 << j``): they run on every sentence."""
    compiled: dict[int, regex.Pattern[str] | None] = field(default_factory=dict)

    def pattern(self, selected: int) -> regex.Pattern[str] | None:
        """The parts whose bits are set in ``selected``, joined as the rule's own pattern joins them."""
        try:
            return self.compiled[selected]
        except KeyError:
            chosen = [p for j, p in enumerate(self.parts) if selected >> j & 1]
            self.compiled[selected] = (
                regex.compile("|".join(f"(?:{p})" for p in chosen), regex.V0) if chosen else None
            )
            return self.compiled[selected]


class _Exceptions:
    """For each rule index, the part of its exceptions that can match a sentence, compiled only when
    asked for (only a rule whose cues fired reads its exceptions)."""

    __slots__ = ("_masks", "_table")

    def __init__(self, table: dict[int, _RulePatterns], masks: dict[int, int]) -> None:
        self._table, self._masks = table, masks

    def __contains__(self, i: int) -> bool:
        return i in self._masks

    def __getitem__(self, i: int) -> regex.Pattern[str]:
        return self._table[i].pattern(self._masks[i])

    def get(self, i: int) -> regex.Pattern[str] | None:
        mask = self._masks.get(i)
        return None if mask is None else self._table[i].pattern(mask)


class Scanner:
    """The cues of a rule set, found in one pass per sentence (built once per rule set)."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        self.structural = [i for i, r in enumerate(rules) if r.pattern is None and r.literal is None]
        """Rules with no cue (headings, quotes, no words): the whole sentence is their span."""
        self.attributed = [i for i, r in enumerate(rules) if r.when == "attributed"]
        self.phrases = ahocorasick.Automaton()
        self.own_literal: list[int] = []
        """Rules whose phrases the automaton cannot take: they run their own literal pattern."""
        keys: dict[str, list[int]] = {}
        for i, rule in enumerate(rules):
            if rule.literal is None:
                continue
            if unscanned_phrases(rule.phrases):
                self.own_literal.append(i)
                continue
            for phrase in rule.phrases:
                keys.setdefault(phrase, []).append(i)
        for phrase, owners in keys.items():
            self.phrases.add_word(phrase, (len(phrase), tuple(owners)))
        self.has_phrases = bool(keys)
        if keys:
            self.phrases.make_automaton()

        self.texts = ahocorasick.Automaton()
        self.patterns: dict[int, _RulePatterns] = {}
        self.exceptions: dict[int, _RulePatterns] = {}
        owners_of: dict[str, set[tuple[int, int]]] = {}  # text -> (part, its set of texts)
        self.parts: list[_Part] = []
        """Each expression with required texts: it runs when one text of every set it needs occurs."""
        self.tail_owners: list[tuple[int, int, int, frozenset[str]]] = []
        """(kind, rule, bit, characters): expressions that run unless the sentence ends with one of
        the characters they exclude (kind 0 a rule's pattern, 1 its exceptions)."""
        for i, rule in enumerate(rules):
            for kind, compiled, parts, table in (
                (0, rule.pattern, rule.parts, self.patterns),
                (1, rule.exceptions, rule.exception_parts, self.exceptions),
            ):
                if compiled is None:
                    continue
                always = 0
                for j, part in enumerate(parts):
                    needs = required_all(part)
                    if needs is None and (ends := end_excludes(part)):
                        self.tail_owners.append((kind, i, 1 << j, ends))
                        continue
                    if needs is None:
                        always |= 1 << j
                        continue
                    for c, texts in enumerate(needs):
                        for text in texts:
                            owners_of.setdefault(text, set()).add((len(self.parts), c))
                    need = ((1 << len(needs)) - 1) << (len(self.parts) * MAX_CLAUSES)
                    starts = start_texts(part)
                    plain, before_digit = _split_starts(starts) if starts else (None, ())
                    self.parts.append(
                        _Part(
                            kind,
                            i,
                            1 << j,
                            need,
                            plain,
                            before_digit,
                            end_texts(part),
                            end_texts_before_marks(part),
                            required_cased(part),
                        )
                    )
                table[i] = _RulePatterns(parts, always)
        self.always = tuple(
            {i: rp.always for i, rp in table.items() if rp.always}
            for table in (self.patterns, self.exceptions)
        )
        """Per kind, the bits of the parts each rule runs on every sentence."""
        self.digit_owners = self._owners(owners_of.pop(DIGIT, ()))
        self.owners: list[tuple[int, tuple[_Part, ...]]] = []
        """For each text in the automaton (its value is the index here), as :meth:`_owners` gives it."""
        for text, owners in owners_of.items():
            self.texts.add_word(text, len(self.owners))
            self.owners.append(self._owners(owners))
        self.has_texts = bool(owners_of)
        if owners_of:
            self.texts.make_automaton()

    def _owners(self, owners) -> tuple[int, tuple[_Part, ...]]:
        """For a text, from the (part, set) pairs it belongs to: the bits of those sets (part ``p``'s
        set ``c`` is bit ``p * MAX_CLAUSES + c``), and the parts whose most selective set it is in
        (only those can run, when the bits of every set they need are found)."""
        bits = 0
        for part, c in owners:
            bits |= 1 << (part * MAX_CLAUSES + c)
        return bits, tuple(self.parts[part] for part, c in sorted(owners) if c == 0)

    def literal_spans(self, sentence: str) -> dict[int, list[tuple[int, int]]]:
        """For each rule index, the spans its literal pattern's ``finditer`` gives."""
        found: dict[int, list[tuple[int, int]]] = {}
        exact = _exact(sentence)  # a no-break space is a space, to the literal patterns as to the automaton
        if self.has_phrases and exact is not None:
            lowered = exact.lower()
            n = len(exact)
            candidates: dict[int, dict[int, int]] = {}  # rule -> start -> longest end
            for last, (length, owners) in self.phrases.iter(lowered):
                start, end = last - length + 1, last + 1
                if (start and _word_char(exact[start - 1])) or (end < n and _word_char(exact[end])):
                    continue
                for i in owners:
                    starts = candidates.setdefault(i, {})
                    if starts.get(start, -1) < end:
                        starts[start] = end
            for i, starts in candidates.items():
                spans, cursor = [], 0
                for start in sorted(starts):
                    if start >= cursor:
                        spans.append((start, starts[start]))
                        cursor = starts[start]
                found[i] = spans
        elif self.has_phrases:
            for i, rule in enumerate(self.rules):
                if rule.literal is not None and i not in self.own_literal:
                    spans = [m.span() for m in rule.literal.finditer(sentence)]
                    if spans:
                        found[i] = spans
        for i in self.own_literal:
            spans = [m.span() for m in self.rules[i].literal.finditer(sentence)]
            if spans:
                found[i] = spans
        return found

    def patterns_for(self, sentence: str) -> tuple[dict[int, regex.Pattern[str]], _Exceptions]:
        """For each rule index, the part of its pattern, and of its exceptions, that can match
        ``sentence`` (a rule none of whose expressions can match is left out)."""
        masks = (dict(self.always[0]), dict(self.always[1]))
        found = 0  # the bits of the sets of texts found (see _owners)
        candidates: list[_Part] = []  # the parts whose most selective set of texts is found
        if self.has_texts:
            table = self.owners
            for text in {text for _, text in self.texts.iter(_spaced(sentence))}:  # each text once
                bits, firsts = table[text]
                found |= bits
                candidates += firsts
        if self.digit_owners[0] and _DIGIT.search(sentence):
            found |= self.digit_owners[0]
            candidates += self.digit_owners[1]
        lowered = None  # the sentence in lower case, when that reads its start and end exactly
        for kind, i, bit, need, starts, before_digit, ends, before_marks, texts in candidates:
            if found & need != need:
                continue
            if texts is not None and not any(t in sentence for t in texts):
                continue
            if starts is not None or ends is not None or before_marks is not None:
                if lowered is None:
                    exact = _exact(sentence)
                    lowered = "" if exact is None else exact.lower()
                if (
                    lowered
                    and starts is not None
                    and not lowered.startswith(starts)
                    and not (before_digit and _digit_after(lowered, sentence, before_digit))
                ):
                    continue
                if lowered and ends is not None and not lowered.rstrip().endswith(ends):
                    continue
                if lowered and before_marks is not None:
                    bare = lowered.rstrip(
                        _MARKS
                    )  # a word's letter or digit last: the marks after it are gone
                    if bare[-1:].isascii() and bare[-1:].isalnum() and not bare.endswith(before_marks):
                        continue
            masks[kind][i] = masks[kind].get(i, 0) | bit
        last = sentence[-1:]
        for kind, i, bit, ends in self.tail_owners:
            if last not in ends:  # a final "\n" (where "$" also stands) is in no such set
                masks[kind][i] = masks[kind].get(i, 0) | bit
        table = self.patterns
        return {i: table[i].pattern(mask) for i, mask in masks[0].items()}, _Exceptions(
            self.exceptions, masks[1]
        )


def scanner(rules: RuleSet) -> Scanner:
    """The scanner of a rule set, built on first use."""
    cached = rules.cache.get("scan")
    if cached is None:
        cached = rules.cache["scan"] = Scanner(rules.rules)
    return cached
