"""Whether two sentences make the same claim: the grouping settings and the pure part of grouping.

Grouping is lexical and entity-based. A sentence becomes a *signature*: its
entities (names, places, numbers, folded through the rules file's aliases, so
"Tehran" and "Iranian" are both ``iran``) and its content terms (stemmed words
that are not stop words; reporting verbs are stop words, because how a claim is
presented is its status, not its content). Two signatures are the same claim when
they share at least ``min_shared_entities`` entities and the cosine overlap of
their terms reaches ``threshold``. Settings live in the rules file's ``grouping``
section. Nothing here touches a database: :mod:`claimdesk.claims` places sentences
into the claims tables with what is decided here.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from claimdesk.status import PRECEDENCE, STATUSES

STATUS_ORDER = PRECEDENCE[1:]
"""Precedence of the claim status standard (docs/claim-status.md): the strongest first."""
PUT_FORWARD = set(STATUSES[:2])  # confirmed, alleged
REJECTED = set(STATUSES[2:])  # denied, disputed

WORD = re.compile(r"[^\W\d_](?:[\w’']*\w)?|\d[\d,.]*\d|\d")
POSSESSIVE = re.compile(r"[’']s?$")


@dataclass(frozen=True)
class Grouping:
    """The rules file's ``grouping`` section, ready to use."""

    threshold: float
    content_threshold: float
    entity_weight: float
    min_shared_entities: int
    min_shared_terms: int
    min_terms: int
    identical_terms: int
    candidates: int
    compare: int
    mention_sample: int
    aliases: Mapping[str, str]
    stopwords: frozenset[str]
    titles: frozenset[str]
    refer_back: re.Pattern[str] | None
    refer_back_window: int
    join: tuple[tuple[str, str], ...] = ()
    apart: tuple[tuple[str, str], ...] = ()
    enabled: bool = True
    stem: Stemmer = field(default_factory=lambda: Stemmer(()), compare=False)
    """How a word is cut to its stem (the file's ``stemming``), so that its forms meet."""
    articles: frozenset[str] = frozenset()
    """The lexicons' definite and indefinite articles: one may open a description of the source."""
    words: dict[str, tuple[Term, ...]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )  # what each word is, worked out once per rules file (see _terms)
    signatures: dict[tuple[str, str | None], Signature] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )  # the signatures of sentences seen lately, by text and source (see signature)


DEFAULTS: dict[str, Any] = {
    "enabled": True,
    "threshold": 0.4,
    "content_threshold": 0.4,
    "entity_weight": 0.5,
    "min_shared_entities": 2,
    "min_shared_terms": 1,
    "min_terms": 4,
    "identical_terms": 6,
    "candidates": 20,
    "compare": 5,
    "mention_sample": 8,
    "refer_back_window": 2,
}


SHIPPED_LISTS = ("stopwords", "aliases", "refer_back", "stemming")
"""Grouping's word lists: a rules file whose ``grouping`` leaves one out takes the shipped one, as a
file that leaves out a lexicon does (``grouping: {aliases: {persia: Iran}}`` once dropped every
shipped alias and stop word)."""


@functools.cache
def _shipped() -> dict[str, Any]:
    from claimdesk import yamltext
    from claimdesk.rules import default_rules_path

    return yamltext.load(default_rules_path().read_text(encoding="utf-8"))


def load_grouping(raw: Mapping[str, Any]) -> Grouping:
    """Settings from a parsed rules file (``RuleSet.raw``); defaults where the file is silent, the
    shipped word lists where it gives none.

    Job titles come from the file's ``lexicons.titles`` (else the shipped ones): like a source's
    name, they say who speaks, not what is claimed."""
    given = raw.get("grouping") or {}
    lexicons = raw.get("lexicons") or {}
    # the shipped file is read only for what this one leaves out (the shipped file leaves out nothing)
    lists = {k: _shipped()["grouping"][k] for k in SHIPPED_LISTS if k not in given}
    spec = {**DEFAULTS, **lists, **given}
    titles, definite, indefinite = (
        lexicons[name] if name in lexicons else _shipped()["lexicons"][name]
        for name in ("titles", "definite_articles", "indefinite_articles")
    )
    stem = Stemmer(
        tuple(
            (tuple((a, b) for a, b in step["endings"]), int(step["min_stem"]), tuple(step.get("keep", [])))
            for step in spec["stemming"]
        )
    )
    phrases = [" ".join(p.lower().split()) for p in spec.get("refer_back", [])]
    refer = (
        re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases) + r")(?!\w)", re.I
        )
        if phrases
        else None
    )
    examples = spec.get("examples", {})
    return Grouping(
        threshold=float(spec["threshold"]),
        content_threshold=float(spec["content_threshold"]),
        entity_weight=float(spec["entity_weight"]),
        min_shared_entities=int(spec["min_shared_entities"]),
        min_shared_terms=int(spec["min_shared_terms"]),
        min_terms=int(spec["min_terms"]),
        identical_terms=int(spec["identical_terms"]),
        candidates=int(spec["candidates"]),
        compare=int(spec["compare"]),
        mention_sample=int(spec["mention_sample"]),
        aliases={k.lower(): stem(v.lower()) for k, v in (spec.get("aliases") or {}).items()},
        stopwords=frozenset(w.lower() for w in spec.get("stopwords", [])),
        titles=frozenset(stem(w.lower().rstrip(".")) for w in titles),
        refer_back=refer,
        refer_back_window=int(spec["refer_back_window"]),
        join=tuple(tuple(p) for p in examples.get("join", [])),
        apart=tuple(tuple(p) for p in examples.get("apart", [])),
        enabled=bool(spec["enabled"]),
        stem=stem,
        articles=frozenset(w.lower() for w in [*definite, *indefinite]),
    )


_LOADED: dict[str, Grouping] = {}


def grouping_of(rules: Any) -> Grouping:
    """The grouping settings of a loaded ``RuleSet``, parsed once per rules file."""
    if rules.digest not in _LOADED:
        _LOADED[rules.digest] = load_grouping(rules.raw)
    return _LOADED[rules.digest]


# ---------------------------------------------------------------- signatures (pure)


class Stemmer:
    """A light suffix stripper, enough that supply, supplied, supplying and supplies meet. Its steps
    are the rules file's ``stemming``: in each, the first ending the word has is replaced, when at
    least ``min_stem`` letters stay and the word has no ending of ``keep``."""

    def __init__(self, steps: tuple[tuple[tuple[tuple[str, str], ...], int, tuple[str, ...]], ...]) -> None:
        self.steps = steps
        self.cut = functools.lru_cache(maxsize=200_000)(self._cut)

    def __call__(self, word: str) -> str:
        return self.cut(word)

    def _cut(self, word: str) -> str:
        w = word.lower()
        for endings, min_stem, keep in self.steps:
            if keep and w.endswith(keep):
                continue
            for ending, replacement in endings:
                if w.endswith(ending) and len(w) - len(ending) >= min_stem:
                    w = w[: len(w) - len(ending)] + replacement
                    break
        return w


@dataclass(frozen=True)
class Signature:
    """What a sentence claims, as sets of terms: ``entities`` and ``content`` are parts of ``terms``;
    ``content`` leaves out who speaks (the source's name and job titles)."""

    entities: frozenset[str]
    terms: frozenset[str]
    content: frozenset[str]

    numbers: frozenset[str] = field(init=False, compare=False, repr=False)
    """Figures and years of what is claimed: two claims that both give figures give the same one."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "numbers", frozenset(t for t in self.content if t[0] == "#"))

    def to_json(self) -> str:
        return self.stored

    @functools.cached_property
    def ordered(self) -> tuple[str, ...]:
        """``terms`` in a fixed order (a set's order of strings changes with Python's hash seed); sorted
        once per signature, which is compared again and again."""
        return tuple(sorted(self.terms))

    @functools.cached_property
    def identity(self) -> str:
        """A key for sentences whose signatures are the same (``claim_keys``, beside their terms)."""
        return "=" + hashlib.sha1(self.stored.encode()).hexdigest()[:16]

    @functools.cached_property
    def stored(self) -> str:
        """As stored in ``claim_mentions.signature``; made once (a repeated sentence's signature is one
        object, see :func:`signature`)."""
        return json.dumps(
            [sorted(self.entities), sorted(self.terms - self.entities), sorted(self.terms - self.content)]
        )

    @staticmethod
    @functools.lru_cache(maxsize=10_000)
    def from_json(text: str) -> Signature:
        """Parsed once per distinct stored signature (the same claims are compared again and again)."""
        entities, others, speaker = json.loads(text)
        terms = frozenset(entities) | frozenset(others)
        return Signature(frozenset(entities), terms, terms - frozenset(speaker))


SIGNATURES = 1_024
"""Signatures kept by sentence text and source, the latest used: the same sentence comes again in
article after article (wire copy, boilerplate, an article re-run), and making a signature is about a
fifth of grouping. About 5 KB each; more kept found few more repeats (BBC news: 2.5% of claim
sentences found here, 5% with 4,096)."""


def signature(text: str, g: Grouping, source: str | None = None) -> Signature:
    """Entities (capitalised words, numbers, aliases) and content terms of one sentence.

    The words naming its ``source`` (who the claim is attributed to) and job titles are kept out
    of ``content``: who says a claim is not what is claimed, and one speaker makes many claims."""
    kept = g.signatures
    key = (text, source)
    found = kept.pop(key, None)  # taken out and put back: the first kept is the least recently used
    if found is None:
        found = _signature(text, g, source)
        if len(kept) >= SIGNATURES:
            del kept[next(iter(kept))]
    kept[key] = found
    return found


class Term(NamedTuple):
    """One word of a sentence as grouping sees it (a word that is not a stop word)."""

    term: str | None  # None: too short to compare
    name: str | None  # the term, when it is an entity (a name, a number, an alias)
    title: bool  # a job title ("spokesman"): it says who speaks
    lower: str
    spoken: str  # the term it is when it names who speaks (aliases folded, else stemmed)


def _signature(text: str, g: Grouping, source: str | None) -> Signature:
    known = g.words
    speaker = {w.lower() for w in WORD.findall(source)} if source else None
    if speaker:
        matches = list(WORD.finditer(text))
        words = [m.group() for m in matches]
    else:
        words = WORD.findall(text)
    for word in set(words).difference(known):
        known[word] = _terms(word, g)
    if speaker:  # which words name or describe the source
        described = _description(text, matches, speaker, g)
        found: list[Term] = []
        speaking = set()
        for n, word in enumerate(words):
            for t in known[word]:
                found.append(t)
                if t.title or t.lower in speaker or n in described:
                    speaking.add(t.spoken)
    else:  # set operations over the words' parts, not a loop of tests per word
        found = list(itertools.chain.from_iterable(map(known.__getitem__, words)))
        speaking = {t.spoken for t in found if t.title}
    terms = {t.term for t in found}
    terms.discard(None)
    entities = {t.name for t in found}
    entities.discard(None)
    if len(known) > 100_000:  # a long run meets many words; keep memory bounded
        known.clear()
    return Signature(frozenset(entities), frozenset(terms), frozenset(terms - speaking))  # type: ignore[arg-type]


def _terms(word: str, g: Grouping) -> tuple[Term, ...]:
    """What one word is, worked out once per rules file: its parts (split at hyphens) that are not
    stop words. Aliases fold names ("Tehran" is iran); a number is a name ("#35"); a capital marks a
    name, even first in a sentence, since stop words are gone; words under three letters are no term."""
    found = []
    for part in word.split("-"):
        token = POSSESSIVE.sub("", part)
        lower = token.lower()
        if not token or lower in g.stopwords:
            continue
        title = g.stem(lower) in g.titles
        spoken = g.aliases.get(lower) or g.stem(lower)
        if lower in g.aliases:
            term, name = g.aliases[lower], token[:1].isupper()
        elif token[0].isdigit():
            term, name = "#" + token.replace(",", ""), True
        elif len(lower) < 3:
            term, name = None, False
        else:
            term, name = g.stem(lower), token[0].isupper()
        found.append(Term(term, term if name else None, title, lower, spoken))
    return tuple(found)


APART = re.compile(r"[^\s'’-]")  # anything but space, apostrophe or hyphen between two words ends a phrase
COMMA = re.compile(r"^\s*,\s*$")


APPOSITION_WORDS = 8
"""The most words a description closing a sentence after its source's name holds."""


def _description(text: str, words: list[re.Match[str]], speaker: set[str], g: Grouping) -> set[int]:
    """Which words describe the source rather than make the claim: the phrase around its name that
    holds a job title ("Lib Dem home affairs spokesman Mark Oaten", "David McLetchie, Scottish
    Conservative Party leader,"). Before the name, the phrase runs left from a title to a stop
    word or punctuation; after it, from a comma to the next punctuation."""
    at = [n for n, m in enumerate(words) if m.group().lower() in speaker]
    if not at:
        return set()
    first, last = at[0], at[-1]

    def between(a: int, b: int) -> str:
        return text[words[a].end() : words[b].start()]

    def title(n: int) -> bool:
        return g.stem(POSSESSIVE.sub("", words[n].group()).lower()) in g.titles

    found: set[int] = set()
    n = first - 1
    # "spokesman Mark Oaten", "The party leader, David McLetchie, ..."
    if n >= 0 and title(n) and (not between(n, first).strip() or COMMA.match(between(n, first))):
        while n >= 0 and (title(n) or words[n].group().lower() not in g.stopwords):
            found.add(n)
            if n == 0 or APART.search(between(n - 1, n)):
                break
            n -= 1
    n = last + 1
    if n < len(words) and COMMA.match(between(last, n)):  # "Shami Chakrabarti, director of Liberty, ..."
        if words[n].group().lower() in g.articles:
            n += 1
        phrase = []
        while n < len(words) and (not phrase or not APART.search(between(n - 1, n))):
            phrase.append(n)
            n += 1
        # An apposition opens with a title (not a verb: "Robert Peston, says Mr Blair ...") and is
        # closed by a comma, or by the end of the sentence within a few words (further on, it is the
        # claim: "a new book, Brown's Britain, Mr Blair went back on a pledge ... in June 2004").
        closed = (n == len(words) and len(phrase) <= APPOSITION_WORDS) or (
            n < len(words) and COMMA.match(text[words[n - 1].end() : words[n].start()])
        )
        if phrase and title(phrase[0]) and closed:
            found.update(phrase)
    return found


def _cosine(shared: float, a: float, b: float) -> float:
    """Overlap over the geometric mean of the sizes: a short sentence inside a long one that says
    more besides still scores well (Dice would halve it)."""
    return shared / math.sqrt(a * b) if a and b else 0.0


def reprintable(sig: Signature, g: Grouping) -> bool:
    """Whether another sentence with this very signature is the same claim: wire copy printed word
    for word by several outlets, or a story's background paragraph printed again ("It takes 2,383
    delegates to win the nomination."). A sentence that names no entity at all needs
    ``identical_terms`` terms ("The vote is expected to be close." is in many stories), others
    ``min_terms``."""
    if sig.entities:
        return len(sig.terms) >= g.min_terms
    return 0 < g.identical_terms <= len(sig.terms)


def identical(a: Signature, b: Signature, g: Grouping) -> bool:
    """The same claim in the same words."""
    return a == b and reprintable(a, g)


def similarity(a: Signature, b: Signature, g: Grouping) -> float:
    """Cosine overlap of terms, names weighing ``entity_weight``; 0 unless both share enough entities
    and enough other terms, give the same figures if both give any, what is claimed (without who
    speaks) overlaps by ``content_threshold``, and neither is too thin to say anything.

    Set sizes only (no per-term loop): grouping compares each sentence with dozens of mentions."""
    if identical(a, b, g):
        return 1.0
    names = a.entities & b.entities
    if len(names) < g.min_shared_entities or len(a.terms) < g.min_terms or len(b.terms) < g.min_terms:
        return 0.0
    shared = a.terms & b.terms
    if len(shared) - len(names) < g.min_shared_terms:
        return 0.0
    if a.numbers and b.numbers and not a.numbers & b.numbers:  # 35 billion is not 4 billion
        return 0.0
    if _cosine(len(a.content & b.content), len(a.content), len(b.content)) < g.content_threshold:
        return 0.0
    # A term weighs 1, or entity_weight when either sentence names it: size - (1 - weight) * names.
    entities = a.entities | b.entities
    light = 1.0 - g.entity_weight
    return _cosine(
        len(shared) - light * len(shared & entities),
        len(a.terms) - light * len(a.terms & entities),
        len(b.terms) - light * len(b.terms & entities),
    )


def same_claim(a: str, b: str, g: Grouping, source_a: str | None = None, source_b: str | None = None) -> bool:
    """Do two sentences make the same claim? (What the rules file's examples and the pair labels test.)"""
    return similarity(signature(a, g, source_a), signature(b, g, source_b), g) >= g.threshold


def cross_status(statuses: Iterable[str]) -> str:
    """Disputed when one mention puts the claim forward and another rejects it; else the strongest."""
    present = set(statuses)
    if present & PUT_FORWARD and present & REJECTED:
        return "disputed"
    return next(s for s in STATUS_ORDER if s in present)


def example_errors(g: Grouping) -> tuple[int, list[str]]:
    """Run the rules file's grouping examples: (how many, what failed)."""
    errors = [
        f"grouping, examples.join: do not join: {a!r} / {b!r}" for a, b in g.join if not same_claim(a, b, g)
    ]
    errors += [f"grouping, examples.apart: join: {a!r} / {b!r}" for a, b in g.apart if same_claim(a, b, g)]
    return len(g.join) + len(g.apart), errors
