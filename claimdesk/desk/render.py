"""HTML for reading claims: cue highlights, status badges, an article coloured by status.

Article text is untrusted (it is whatever a page said), so every piece of it goes
through :func:`markupsafe.escape`; only the markup built here is trusted. Plain
functions of strings, so they are tested without a server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from markupsafe import Markup, escape

from claimdesk.status import NO_CLAIM, STATUSES


def status_class(status: str | None) -> str:
    """A CSS class for a status; anything unexpected reads as no claim rather than leaking into markup."""
    return status if status in STATUSES else NO_CLAIM


def badge(status: str | None) -> Markup:
    """The status as a coloured label; a sentence with no claim says so."""
    label = status if status in STATUSES else "no claim"
    return Markup('<span class="cd-badge cd-{}">{}</span>').format(status_class(status), label)


@dataclass(frozen=True)
class Cue:
    """A rule match to highlight: offsets into the article text."""

    start: int
    end: int
    status: str
    rule_id: str


def highlight(text: str, offset: int, cues: Iterable[Cue]) -> Markup:
    """The sentence ``text`` (which starts at ``offset`` in its article) with each cue marked.

    Overlapping cues would nest marks; the earlier (then longer) one wins and the rest of
    the overlap stays plain, so every character is shown exactly once.
    """
    parts: list[Markup] = []
    at = 0
    for cue in sorted(cues, key=lambda c: (c.start, -c.end)):
        start, end = max(cue.start - offset, at), min(cue.end - offset, len(text))
        if start >= end:
            continue
        parts.append(escape(text[at:start]))
        parts.append(
            Markup('<mark class="cd-cue cd-{}" title="rule {} ({})">{}</mark>').format(
                status_class(cue.status), cue.rule_id, cue.status, text[start:end]
            )
        )
        at = end
    parts.append(escape(text[at:]))
    return Markup("").join(parts)


def article_body(text: str, sentences: Iterable[Mapping], link: Callable[[str], str]) -> Markup:
    """The whole article, each sentence a link (``link(sentence id)``) coloured by status;
    text between sentences (spaces, line breaks) is kept as it is."""
    parts: list[Markup] = []
    at = 0
    for s in sorted(sentences, key=lambda s: s["start"]):
        start, end = max(s["start"], at), s["end"]
        parts.append(escape(text[at:start]))
        tip = s["status"] or "no claim"
        if s.get("attributed_to"):
            tip += f" · {s['attributed_to']}"
        parts.append(
            Markup('<a class="cd-sentence cd-{}" id="s-{}" href="{}" title="{}">{}</a>').format(
                status_class(s["status"]), s["position"], link(s["id"]), tip, text[start:end]
            )
        )
        at = max(at, end)
    parts.append(escape(text[at:]))
    return Markup("").join(parts)
