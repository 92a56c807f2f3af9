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

Each sentence is read once for the cues of every rule (:mod:`claimdesk.scan`):
phrases in one automaton pass, a rule's expressions only when a text they need
occurs; conditions are checked only for cues that fired, and a source is looked
for only where a cue names one.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import regex

from claimdesk import cpulimit
from claimdesk.attribution import (
    attribute,
    drop_opening_words,
    full_names,
    resolve_references,
    share_passage_speakers,
    source_type,
)
from claimdesk.layer import revise
from claimdesk.quotes import Quotes, carry_quote, find_quotes, inside
from claimdesk.rules import MATCH_TIMEOUT, OTHER_SOURCE_CLAIM, STATUSES, Rule, RuleSet
from claimdesk.scan import scanner
from claimdesk.segment import Sentences, Span

END_PUNCT = ".!?…:;\"”’')»"
_WORD = regex.compile(r"[\w’'.\-]+")
_BRACKETED = regex.compile(r"\([^()]*\)")
_HANDLE = regex.compile(r"@\w+")
_NAME_WORD = regex.compile(r"[\w’'.-]+")
_FOUR_WORDS = regex.compile(r"(?:[^\w’'.\-]*+[\w’'.\-]++){4}")
"""Four words of ``_WORD`` at least (possessive: a word is never split to make up the count)."""


@dataclass(slots=True)
class Cue:
    """A rule that fired on a sentence; offsets are relative to the sentence."""

    rule_id: str
    status: str
    text: str
    start: int
    end: int


@dataclass(slots=True)
class Tagged:
    """The engine's verdict on one sentence."""

    status: str | None
    decided_by: str | None
    cues: tuple[Cue, ...] = ()
    attributed_to: str | None = None
    source_type: str | None = None
    quoted: bool = False
    fired: tuple[str, ...] = ()
    """Ids of every rule that fired, marker rules included (for `rules check`)."""
    overruled: str | None = None
    """The rules' own label ("none": no claim) when a learned layer changed it."""


def _structural(
    when: str, sentence: str, quoted: bool, rules: RuleSet, first: bool = False, body: bool = False
) -> bool:
    """Whether a rule's structural condition holds. ``first``: the text's first line; ``body``: the
    text goes on after it, so that first line is an article's headline, not a section heading."""
    if when == "heading":
        return not (first and body) and _is_heading(sentence, rules)
    if when == "headline":
        return _is_headline(sentence, rules, first)
    if when == "fragment":
        return _is_fragment(sentence, rules)
    if when == "quoted":
        return quoted
    if when == "name-list":
        return _is_name_list(sentence, rules)
    return not any(map(str.isalpha, sentence))  # no-words


def _is_fragment(text: str, rules: RuleSet) -> bool:
    """One to three words and no finite verb, whatever the punctuation: no claim ("Again.")."""
    if _FOUR_WORDS.match(text):
        return False
    words = [w.lower().strip(".’'") for w in _WORD.findall(text)]
    if not 0 < len(words) <= 3 or words[0] in rules.lexicon("subject_pronouns"):
        return False  # "I love you." has a subject, so a verb
    past = tuple(rules.lexicon("past_endings"))
    return not any(w in rules.finite_verbs or w.endswith(past) for w in words)


def _is_name_list(text: str, rules: RuleSet) -> bool:
    """Names and nothing else, separated by commas or semicolons, with what is in brackets left out
    (a team sheet, a list of delegates: "R Russell (Leeds), B Douglas (Borders, capt), ..."): no claim."""
    if text.count(",") + text.count(";") < rules.name_list_min_items - 1:
        return False
    words = _WORD.findall(_BRACKETED.sub(" ", text))
    particles = rules.lexicon("name_particles")
    names = [w for w in words if any(map(str.isalnum, w))]  # a dash is no word
    return bool(names) and all(w[0].isupper() or w.lower() in particles for w in names)


def _is_headline(text: str, rules: RuleSet, first: bool = False) -> bool:
    """A line of its own with no end punctuation, or an article's first line (some archives end
    their headlines with a full stop): a headline, with its own forms."""
    stripped = text.rstrip()
    if not stripped or (stripped[-1] in END_PUNCT and not first):
        return False
    return len(_WORD.findall(stripped)) <= rules.headline_max_words


def _is_heading(text: str, rules: RuleSet) -> bool:
    """A short line with no end punctuation and no finite verb: a heading, not a claim."""
    stripped = text.rstrip()
    if not stripped or stripped.rstrip(")")[-1:] in END_PUNCT:  # "Marat Safin (Russia)" ends with a name
        return False
    words = [w.lower().strip(".’'") for w in _WORD.findall(stripped)]
    return len(words) <= rules.heading_max_words and not any(w in rules.finite_verbs for w in words)


def _find(
    rule: Rule, text: str, quotes: Quotes, literal, pattern, exceptions, k: int
) -> list[tuple[int, int]]:
    """The spans a rule's cues cover: ``literal`` the spans of its phrases, ``pattern`` the part of
    its expressions that can match this sentence, ``exceptions.get(k)`` that of its exceptions,
    asked for only when a cue fired (:mod:`claimdesk.scan`)."""
    if rule.pattern is None and rule.literal is None:
        return [(0, len(text))]
    spans = list(literal) if literal else []
    if pattern is not None:
        spans += [s for s in cpulimit.spans(pattern, text, MATCH_TIMEOUT) if s[1] > s[0]]
    if rule.pattern is not None:
        spans.sort()
    if spans and (unless := exceptions.get(k)) is not None:
        pseudo = cpulimit.spans(unless, text, MATCH_TIMEOUT)
        spans = [s for s in spans if not any(a <= s[0] and s[1] <= b for a, b in pseudo)]
    if rule.outside_quotes:
        spans = [s for s in spans if not inside(quotes.ranges, *s)]
    return spans


def _stems(text: str, rules: RuleSet) -> set[str]:
    """Crude content-word stems, enough to tell whether two sentences speak of the same thing."""
    overlap, stop = rules.claim_overlap, rules.lexicon("stop_words")
    content = rules.cache.get("content_words")
    if content is None:
        content = rules.cache["content_words"] = regex.compile(rf"[a-z]{{{overlap['min_length']},}}")
    stem = overlap["stem_length"]
    return {w[:stem] for w in content.findall(text.lower()) if w not in stop}


@dataclass
class _Context:
    """What the last few claim sentences leave in play for the next one."""

    groups: set[str]
    claims: list[tuple[str, set[str]]]
    """(source, content stems) of earlier attributed claims."""


class _Once:
    """A value computed the first time it is asked for (attribution, stems: only where needed)."""

    __slots__ = ("_make", "_value")

    def __init__(self, make) -> None:
        self._make = make

    def get(self):
        try:
            return self._value
        except AttributeError:
            self._value = self._make()
            self._make = None  # let the sentence it read go
            return self._value


def _holds(cond, span, groups, context: _Once, source: _Once, stems: _Once, shared: int) -> bool:
    if cond is None:
        return False
    # A cue never meets its own condition, nor does another cue on the same words ("countered that").
    found = [s for g in cond.groups for s in groups.get(g, []) if s[1] <= span[0] or s[0] >= span[1]]
    if cond.where == "before":
        return any(e <= span[0] for _, e in found)
    if cond.where == "after":
        return any(s >= span[1] for s, _ in found)
    if cond.where == "sentence":
        return bool(found)
    if found or any(g in context.get().groups for g in cond.groups):
        return True
    if OTHER_SOURCE_CLAIM not in cond.groups or source.get() is None:
        return False
    # Someone else's claim that this sentence speaks to: shared content words, not just any earlier quote.
    name = source.get().lower()
    return any(
        s.lower() != name and len(stems.get() & theirs.get()) >= shared for s, theirs in context.get().claims
    )


def _paragraphs(text: str, spans: Sequence[Span]) -> list[int]:
    """The paragraph (line) number of each sentence: a line break between two sentences starts a new one."""
    numbers, current = [], 0
    for i, span in enumerate(spans):
        if i and "\n" in text[spans[i - 1].end : span.start]:
            current += 1
        numbers.append(current)
    return numbers


def _signers(sentences: Sequence[str], paragraphs: list[int], rules: RuleSet) -> list[str | None]:
    """On a page of readers' letters or posts, each signed by a line of its own that names its
    writer ("David Groner.", "@jamezolah."), the writer of each sentence so signed: the paragraphs
    back to the last signature or a line in capitals ("TWITTER."); one paragraph before the first.
    Such a page ends with a signature, its letters are a few paragraphs long, and a letter seldom
    names its own writer, where names as section headings come before a text that names them."""
    lines: dict[int, list[int]] = {}
    for i, p in enumerate(paragraphs):
        lines.setdefault(p, []).append(i)
    signed = [p for p, ids in lines.items() if len(ids) == 1 and _is_signature(sentences[ids[0]], rules)]
    signers: list[str | None] = [None] * len(sentences)
    if len(signed) < rules.signed_passages["min_signatures"] or signed[-1] < paragraphs[-1] - 1:
        return signers  # a page of letters ends with one (or a line after it); headings come before text
    introduced = sum(  # "Hillary Clinton." then "Clinton was the U.S. senator ...": a heading
        sentences[lines[p][0]].strip().rstrip(".").split()[-1] in sentences[lines[p + 1][0]]
        for p in signed
        if p + 1 in lines
    )
    # a letter is short; a live blog's posts are not
    longest = max((b - a - 1 for a, b in itertools.pairwise(signed)), default=0)
    if 2 * introduced >= len(signed) or longest > rules.signed_passages["max_paragraphs"]:
        return signers
    previous = None
    for p in signed:
        name = sentences[lines[p][0]].strip().rstrip(".")
        q = p - 1
        while q > 0 and q != previous and not sentences[lines[q][0]].isupper():
            for i in lines[q]:
                signers[i] = name
            if previous is None:
                break  # what comes before the first letter may be the page's own introduction
            q -= 1
        previous = p
    return signers


def _is_signature(sentence: str, rules: RuleSet) -> bool:
    """A writer's name on a line of its own: a handle ("@jamezolah.") or a few capitalised words
    ("Kenneth L. Zimmerman."), not a heading in capitals ("FACEBOOK.")."""
    words = sentence.strip().removesuffix(".").split()
    if len(words) == 1:
        return _HANDLE.fullmatch(words[0]) is not None
    particles = rules.lexicon("name_particles")
    return (
        len(words) <= rules.signed_passages["max_words"]
        and not all(w.isupper() for w in words)
        and all(_NAME_WORD.fullmatch(w) and (w[0].isupper() or w in particles) for w in words)
    )


def _uncued(sent: str, quoted: bool, rules: RuleSet, history: list) -> Tagged:
    """The verdict on a sentence where no rule fired, as the full path below would reach it: the
    default status, decided by default, no source; a claim all the same, for the context."""
    status = rules.default_status
    if status != "none":
        history.append((set(), None, _Once(lambda: _stems(sent, rules))))
        if len(history) > 2 * rules.context_window:
            del history[: -rules.context_window or None]
    return Tagged(status=None if status == "none" else status, decided_by="default", quoted=quoted)


def tag_sentences(text: str, spans: Sequence[Span], rules: RuleSet) -> list[Tagged]:
    """Tag every sentence of one article (context and quotes cross sentence borders)."""
    sentences = Sentences(text, spans)
    quotes: list[Quotes] = []
    carried = False
    for i, sent in enumerate(sentences):
        q = find_quotes(sent, carried)
        quotes.append(q)
        carried = q.open_at_end and carry_quote(text, spans, i)

    paragraphs = _paragraphs(text, spans)
    statements = [False] * len(sentences)
    signers = _signers(sentences, paragraphs, rules)
    scan = scanner(rules)
    every = rules.rules
    shared = rules.claim_overlap["shared_words"]
    results: list[Tagged] = []
    fired_sets: dict[tuple[str, ...], tuple[str, ...]] = {}  # one tuple for each set of rules that fire
    history: list[tuple[set[str], str | None, _Once]] = []  # (groups fired, source, stems) per claim
    for i, sent in enumerate(sentences):
        q = quotes[i]
        quoted = q.open_at_start or (q.quoted_share >= 0.5 and len(_WORD.findall(sent)) >= 3)
        # A statement printed without quote marks after a lead-in ("The airline said in a statement:")
        # is the speaker's, for the paragraph that follows the lead-in.
        if i and paragraphs[i] != paragraphs[i - 1]:
            lead_in = sentences[i - 1].rstrip().endswith(":") and results[i - 1].attributed_to is not None
            statements[i] = lead_in
        elif i:
            statements[i] = statements[i - 1]
        quoted = quoted or statements[i] or signers[i] is not None
        literals = scan.literal_spans(sent)
        patterns, exceptions = scan.patterns_for(sent)
        matches: dict[int, list[tuple[int, int]]] = {}  # rule index -> spans, in the rules' order
        for k in sorted({*scan.structural, *literals, *patterns}):
            rule = every[k]
            if rule.when not in (None, "attributed") and not _structural(
                rule.when, sent, quoted, rules, i == 0, len(sentences) > 1
            ):
                continue
            found = _find(rule, sent, q, literals.get(k), patterns.get(k), exceptions, k)
            if found:
                matches[k] = found
        if not matches:  # no cue: the default status, no source (half the sentences of the news)
            results.append(_uncued(sent, quoted, rules, history))
            continue
        # The source as the cues name it, before conditions: "attributed" and other-source-claim need it.
        names: dict = {}  # the name at each cue, shared by both calls of attribute()
        provisional = _Once(
            lambda sent=sent, q=q, matches=matches, names=names: attribute(
                sent, [(every[k], spans) for k, spans in matches.items()], q, rules, names
            )
        )
        for k in scan.attributed:
            if k in matches and not (quoted or provisional.get()):
                del matches[k]
        groups: dict[str, list[tuple[int, int]]] = {}
        for k, found in matches.items():
            for name in every[k].groups:
                groups.setdefault(name, []).extend(found)
        recent = history[-rules.context_window :] if rules.context_window else []
        context = _Once(  # read only by a condition on the context
            lambda recent=recent: _Context(
                groups=set().union(*(g for g, _, _ in recent)), claims=[(s, st) for _, s, st in recent if s]
            )
        )
        stems = _Once(lambda sent=sent: _stems(sent, rules))

        cues: list[Cue] = []
        fired_rules: list[Rule] = []
        fired: list[tuple[Rule, list[tuple[int, int]]]] = []
        for k, found in matches.items():
            rule = every[k]
            if rule.requires is None and rule.unless is None:
                ok = found
            else:
                state = (groups, context, provisional, stems, shared)
                ok = [
                    s
                    for s in found
                    if (rule.requires is None or _holds(rule.requires, s, *state))
                    and not _holds(rule.unless, s, *state)
                ]
            if ok:
                fired_rules.append(rule)
            if ok and rule.status:
                fired.append((rule, ok))
                cues.extend(Cue(rule.id, rule.status, sent[a:b], a, b) for a, b in ok)

        statuses = {rule.status for rule, _ in fired}
        status = next((s for s in STATUSES if s in statuses), rules.default_status)
        decided_by = next((r.id for r, _ in fired if r.status == status), None)
        tagged = Tagged(
            status=None if status == "none" else status,
            decided_by=decided_by or "default",
            cues=tuple(sorted(cues, key=lambda c: (c.start, c.rule_id))),
            quoted=quoted,
            fired=fired_sets.setdefault(ids := tuple(r.id for r in fired_rules), ids),
        )
        # Lead-ins ("X said:") have no claim but name the speaker of the quote that follows; page
        # furniture (the file's title_skips: "Related:") names no one.
        furniture = decided_by in rules.title_skips
        tagged.attributed_to = attribute(sent, fired, q, rules, names) if fired and not furniture else None
        if tagged.attributed_to and any(sent[b - 1 : b] == ":" for _, spans in fired for _, b in spans):
            statements[i] = True  # a speaker's turn ("FALLIN: ...") runs to the end of its paragraph
        if status != "none":
            fired_groups = {g for r in fired_rules for g in r.groups}
            source = tagged.attributed_to or (provisional.get() if quoted else None)
            history.append((fired_groups, source, stems))
            if len(history) > 2 * rules.context_window:  # only the last few are ever read
                del history[: -rules.context_window or None]
        results.append(tagged)

    drop_opening_words(results, sentences, rules)  # before "Yet" or "But" can speak for a passage or a "she"
    share_passage_speakers(results, quotes, sentences, statements, rules)
    for t, signer in zip(results, signers, strict=True):
        if signer and t.status is not None and (t.attributed_to is None or t.decided_by == "direct-quote"):
            t.attributed_to = signer  # a letter's words are its writer's
    resolve_references(results, sentences, rules)
    full_names(results, text, rules)
    for t in results:
        _settle(t, rules)
    if rules.layer is not None:
        for i in revise(results, list(sentences), rules.layer):
            _settle(results[i], rules)
    return results


def tag_one(sentence: str, rules: RuleSet) -> Tagged:
    """A sentence tagged on its own, with no article around it: a rule's examples, a line read for a title."""
    return tag_sentences(sentence, [Span(0, len(sentence))], rules)[0]


def _settle(t: Tagged, rules: RuleSet) -> None:
    """A sentence without a claim has no source; one with a source has its kind."""
    t.source_type = None
    if t.status is None:
        t.attributed_to = None
    elif t.attributed_to:
        t.source_type = source_type(t.attributed_to, rules)
    elif t.status == "confirmed":
        t.source_type = "outlet"
