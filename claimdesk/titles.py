"""An article's title when its source gives none: its headline, or else its first real sentence.

Plain text has no title field, so the first line stands for one. Page furniture that sits above
the headline on copied pages ("Getting your Trinity Audio player ready...", a lone "|") is
skipped; a first line that is a whole sentence (no headline) gives its first sentence, cut at
a word when it is too long.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from claimdesk.rules import RuleSet, default_ruleset
from claimdesk.segment import segment
from claimdesk.tag import tag_one

HEADLINE_END = re.compile(r"[.!?…][\"”’)]*$")


def is_furniture(line: str, rules: RuleSet) -> bool:
    """Whether one of the rules file's ``title_skips`` (page furniture, a line with no words) fires
    on the line: what those rules know is furniture in an article is furniture above its headline."""
    fired = tag_one(line, rules).fired
    return any(rule in fired for rule in rules.title_skips)


# What str.splitlines() splits at; a run of anything else is a line.
_LINE = re.compile(r"[^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` that are not blank, stripped, one at a time: a huge article is not
    split whole to find its first line."""
    for match in _LINE.finditer(text):
        if line := match.group().strip():
            yield line


def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut at the last word that fits (with an ellipsis)."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else head).rstrip(" ,;:-–—") + "…"


def title_of(text: str, limit: int, rules: RuleSet | None = None) -> str:
    """The headline (first line that is not furniture), or the first sentence when that line is prose.
    ``rules``: the rule set whose ``title_skips`` say what furniture is (the shipped one when None)."""
    rules = rules or default_ruleset()
    lines = _lines(text)
    first = next(lines, "")
    if is_furniture(first, rules):
        first = next((line for line in lines if not is_furniture(line, rules)), first)
    line = first
    spans = segment(line, rules)
    if len(spans) > 1 or HEADLINE_END.search(line):  # prose, not a headline
        line = line[spans[0].start : spans[0].end] if spans else line
    return cut(line, limit)
