"""The rule engine: one claim status per sentence, the cues that fired, and who said it.

What a cue means lives in the rules file (:mod:`claimdesk.rules`). The engine
only knows four mechanisms, in the spirit of medspaCy's ConText:

1. **Cues** with exceptions (pseudo-cues) and an optional ``outside_quotes``.
2. **Conditions** (``requires`` / ``unless``): a cue of another group before
   or after this cue, anywhere in the sentence, or in the recent context.
3. **Precedence**: none > disputed > denied > alleged > confirmed.
4. **Attribution** (:mod:`claimdesk.attribution`): the source stands before or
   after a cue; quote passages (:mod:`claimdesk.quotes`) share one speaker;
   pronouns resolve to the last named speaker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import regex

from claimdesk import cpulimit
from claimdesk.attribution import attribute, resolve_references, share_passage_speakers, source_type
from claimdesk.quotes import Quotes, carry_quote, find_quotes, inside
from claimdesk.rules import MATCH_TIMEOUT, OTHER_SOURCE_CLAIM, STATUSES, Rule, RuleSet
from claimdesk.segment import Span

END_PUNCT = '.!?…:;"”’)»'
_WORD = regex.compile(r"[\w’'.\-]+")


@dataclass
class Cue:
    """A rule that fired on a sentence; offsets are relative to the sentence."""

    rule_id: str
    status: str
    text: str
    start: int
    end: int


@dataclass
class Tagged:
    """The engine's verdict on one sentence."""

    status: str | None
    decided_by: str | None
    cues: list[Cue] = field(default_factory=list)
    attributed_to: str | None = None
    source_type: str | None = None
    quoted: bool = False
    fired: list[str] = field(default_factory=list)
    """Ids of every rule that fired, marker rules included (for `rules check`)."""


def _structural(when: str, sentence: str, quoted: bool, rules: RuleSet) -> bool:
    if when == "heading":
        return _is_heading(sentence, rules)
    if when == "quoted":
        return quoted
    return not any(c.isalpha() for c in sentence)  # no-words


def _is_heading(text: str, rules: RuleSet) -> bool:
    """A short line with no end punctuation and no finite verb: a heading, not a claim."""
    stripped = text.rstrip()
    if not stripped or stripped[-1] in END_PUNCT:
        return False
    words = [w.lower().strip(".’'") for w in _WORD.findall(stripped)]
    return len(words) <= rules.heading_max_words and not any(w in rules.finite_verbs for w in words)


def _find(rule: Rule, text: str, quotes: Quotes) -> list[tuple[int, int]]:
    if rule.pattern is None and rule.literal is None:
        return [(0, len(text))]
    spans = [m.span() for m in rule.literal.finditer(text)] if rule.literal else []
    if rule.pattern is not None:
        spans += [s for s in cpulimit.spans(rule.pattern, text, MATCH_TIMEOUT) if s[1] > s[0]]
        spans.sort()
    if spans and rule.exceptions is not None:
        pseudo = cpulimit.spans(rule.exceptions, text, MATCH_TIMEOUT)
        spans = [s for s in spans if not any(a <= s[0] and s[1] <= b for a, b in pseudo)]
    if rule.outside_quotes:
        spans = [s for s in spans if not inside(quotes.ranges, *s)]
    return spans


_STOP = frozenset(
    [
        "that",
        "this",
        "with",
        "have",
        "been",
        "from",
        "were",
        "said",
        "says",
        "would",
        "their",
        "they",
        "there",
        "which",
        "about",
        "what",
        "when",
        "will",
        "more",
        "than",
        "also",
        "into",
        "only",
        "over",
        "after",
        "before",
        "other",
        "some",
        "such",
        "them",
        "then",
        "these",
        "those",
        "while",
        "where",
        "could",
        "should",
        "told",
        "added",
        "according",
    ]
)


def _stems(text: str) -> set[str]:
    """Crude content-word stems, enough to tell whether two sentences speak of the same thing."""
    return {w[:5] for w in regex.findall(r"[a-z]{4,}", text.lower()) if w not in _STOP}


@dataclass
class _Context:
    """What the last few claim sentences leave in play for the next one."""

    groups: set[str]
    claims: list[tuple[str, set[str]]]
    """(source, content stems) of earlier attributed claims."""


def _holds(cond, span, groups, context: _Context, source: str | None, stems: set[str]) -> bool:
    if cond is None:
        return False
    found = [s for g in cond.groups for s in groups.get(g, []) if s != span]
    if cond.where == "before":
        return any(e <= span[0] for _, e in found)
    if cond.where == "after":
        return any(s >= span[1] for s, _ in found)
    if cond.where == "sentence":
        return bool(found)
    if found or any(g in context.groups for g in cond.groups):
        return True
    if OTHER_SOURCE_CLAIM not in cond.groups or source is None:
        return False
    # Someone else's claim that this sentence speaks to: shared content words, not just any earlier quote.
    return any(s.lower() != source.lower() and len(stems & theirs) >= 3 for s, theirs in context.claims)


def tag_sentences(text: str, spans: Sequence[Span], rules: RuleSet) -> list[Tagged]:
    """Tag every sentence of one article (context and quotes cross sentence borders)."""
    sentences = [text[s.start : s.end] for s in spans]
    quotes: list[Quotes] = []
    carried = False
    for i, sent in enumerate(sentences):
        q = find_quotes(sent, carried)
        quotes.append(q)
        carried = q.open_at_end and carry_quote(text, spans, i)

    results: list[Tagged] = []
    history: list[tuple[set[str], str | None, set[str]]] = []  # (groups fired, source, stems) per claim
    for i, sent in enumerate(sentences):
        q = quotes[i]
        quoted = q.open_at_start or (q.quoted_share >= 0.5 and len(_WORD.findall(sent)) >= 3)
        matches: dict[str, list[tuple[int, int]]] = {}
        for rule in rules.rules:
            if rule.when != "attributed" and rule.when and not _structural(rule.when, sent, quoted, rules):
                continue
            found = _find(rule, sent, q)
            if found:
                matches[rule.id] = found
        # The source as the cues name it, before conditions: "attributed" and other-source-claim need it.
        provisional = attribute(sent, [(r, matches[r.id]) for r in rules.rules if r.id in matches], q, rules)
        for rule in rules.rules:
            if rule.when == "attributed" and not (provisional or quoted):
                matches.pop(rule.id, None)
        groups: dict[str, list[tuple[int, int]]] = {}
        for rule in rules.rules:
            for name in rule.groups if rule.id in matches else ():
                groups.setdefault(name, []).extend(matches[rule.id])
        recent = history[-rules.context_window :] if rules.context_window else []
        context = _Context(
            groups=set().union(*(g for g, _, _ in recent)), claims=[(s, st) for _, s, st in recent if s]
        )
        stems = _stems(sent)

        cues: list[Cue] = []
        fired_ids: list[str] = []
        fired: list[tuple[Rule, list[tuple[int, int]]]] = []
        for rule in rules.rules:
            ok = [
                s
                for s in matches.get(rule.id, [])
                if (rule.requires is None or _holds(rule.requires, s, groups, context, provisional, stems))
                and not _holds(rule.unless, s, groups, context, provisional, stems)
            ]
            if ok:
                fired_ids.append(rule.id)
            if ok and rule.status:
                fired.append((rule, ok))
                cues.extend(Cue(rule.id, rule.status, sent[a:b], a, b) for a, b in ok)

        statuses = {rule.status for rule, _ in fired}
        status = next((s for s in STATUSES if s in statuses), rules.default_status)
        decided_by = next((r.id for r, _ in fired if r.status == status), None)
        tagged = Tagged(
            status=None if status == "none" else status,
            decided_by=decided_by or "default",
            cues=sorted(cues, key=lambda c: (c.start, c.rule_id)),
            quoted=quoted,
            fired=fired_ids,
        )
        # Lead-ins ("X said:") have no claim but name the speaker of the quote that follows.
        tagged.attributed_to = attribute(sent, fired, q, rules)
        if status != "none":
            fired_groups = {g for r in rules.rules if r.id in fired_ids for g in r.groups}
            history.append((fired_groups, tagged.attributed_to or (provisional if quoted else None), stems))
        results.append(tagged)

    share_passage_speakers(results, quotes, spans, text, sentences)
    resolve_references(results, sentences, rules)
    for t in results:
        if t.status is None:
            t.attributed_to = None
        elif t.attributed_to:
            t.source_type = source_type(t.attributed_to, rules)
        elif t.status == "confirmed":
            t.source_type = "outlet"
    return results
