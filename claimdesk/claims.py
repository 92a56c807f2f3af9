"""One claim across articles: group sentences that make the same factual claim.

Grouping is lexical and entity-based. A sentence becomes a *signature*: its
entities (names, places, numbers, folded through the rules file's aliases, so
"Tehran" and "Iranian" are both ``iran``) and its content terms (stemmed words
that are not stop words; reporting verbs are stop words, because how a claim is
presented is its status, not its content). Two signatures are the same claim when
they share at least ``min_shared_entities`` entities and the cosine overlap of
their terms reaches ``threshold``. A denial that names its claim only as "these claims" joins
the claim of the sentence it answers, just before it.

Candidates come from an inverted index in SQLite (``claim_keys``: term -> claim),
read only as far as a bounded number of the most recent claims per term, so the
cost of placing a sentence does not grow with the corpus. Placing is incremental:
an article that changes leaves its claims (a claim with no mention left is gone)
and its sentences join again. Settings live in the rules file's ``grouping``
section; everything above the SQLite functions is pure and tested without a
database.
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import itertools
import json
import math
import re
import weakref
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import sqlite_utils

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


def similarity(a: Signature, b: Signature, g: Grouping) -> float:
    """Cosine overlap of terms, names weighing ``entity_weight``; 0 unless both share enough entities
    and enough other terms, give the same figures if both give any, what is claimed (without who
    speaks) overlaps by ``content_threshold``, and neither is too thin to say anything.

    Set sizes only (no per-term loop): grouping compares each sentence with dozens of mentions."""
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


def _new_claim_id(db: sqlite_utils.Database, sentence_id: str) -> str:
    """The id of the claim a sentence starts: named after the sentence, unless a claim of that name
    still holds another article's mentions (the sentence started it in an earlier version of its
    article, and others joined it; the article's own mentions have left it by now). Then a name of its
    own, or the new sentence and the others' would be made one claim."""
    name, n = claim_id(sentence_id), 0
    while db.execute("SELECT 1 FROM claim_mentions WHERE claim_id = ? LIMIT 1", [name]).fetchone():
        n += 1
        name = claim_id(f"{sentence_id}#{n}")
    return name


def claim_id(sentence_id: str) -> str:
    """A claim is named after the sentence that started it: stable across identical runs."""
    return "c" + hashlib.sha1(sentence_id.encode()).hexdigest()[:12]


# ---------------------------------------------------------------- the tables


CLAIMS_SCHEMA: dict[str, type] = {
    "id": str,
    "text": str,
    "status": str,
    "mentions": int,
    "articles": int,
    "outlets": int,
    "confirmed": int,
    "alleged": int,
    "denied": int,
    "disputed": int,
    "asserted_by": str,
    "alleged_by": str,
    "denied_by": str,
    "disputed_by": str,
    "first_seen": str,
    "last_seen": str,
    "canonical_sentence_id": str,
}
"""The ``claims`` table's columns."""


def create_tables(db: sqlite_utils.Database) -> None:
    """``claims``, ``claim_mentions`` and the candidate index ``claim_keys``."""
    db["claims"].create(
        CLAIMS_SCHEMA,
        pk="id",
        if_not_exists=True,
    )
    db["claim_mentions"].create(
        {
            "sentence_id": str,
            "claim_id": str,
            "article_id": str,
            "outlet": str,
            "status": str,
            "attributed_to": str,
            "joined_by": str,
            "score": float,
            "seen": str,
            "signature": str,
        },
        pk="sentence_id",
        foreign_keys=[
            ("sentence_id", "sentences", "id"),
            ("claim_id", "claims", "id"),
            ("article_id", "articles", "id"),
        ],
        if_not_exists=True,
    )
    # The candidate index is read whole into memory once per connection (in rowid order, the latest
    # last), so it needs no index on its terms: each key written costs one append and one index entry.
    db["claim_keys"].create({"key": str, "claim_id": str}, if_not_exists=True)
    for table, columns in [
        # Few indexes, as each mention written updates every one of them at a random place.
        ("claim_mentions", ["claim_id", "outlet"]),  # a claim's mentions; is this outlet new to it?
        ("claim_mentions", ["article_id"]),  # an article leaving its claims
        ("claim_keys", ["claim_id"]),
        ("claims", ["status"]),
    ]:
        db[table].create_index(columns, if_not_exists=True)
    # A claim's sample (the mentions that keep a signature), read without passing its other mentions.
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_claim_mentions_sample ON claim_mentions (claim_id) "
        "WHERE signature IS NOT NULL"
    )


def leave(db: sqlite_utils.Database, article_id: str) -> set[str]:
    """Take an article's mentions out of their claims; returns the claims touched (to refresh)."""
    touched = {
        r[0]
        for r in db.execute(
            "SELECT DISTINCT claim_id FROM claim_mentions WHERE article_id = ?", [article_id]
        ).fetchall()
    }
    db.execute("DELETE FROM claim_mentions WHERE article_id = ?", [article_id])
    _forget_claims(db, touched)  # their samples may hold mentions that left
    return touched


@dataclass(slots=True)
class Sentence:
    """What grouping needs of a stored sentence."""

    id: str
    position: int
    text: str
    status: str | None
    attributed_to: str | None


def join(
    db: sqlite_utils.Database,
    article: Mapping[str, Any],
    sentences: Iterable[Sentence],
    g: Grouping,
    seen: str,
    touched: set[str] | None = None,
) -> set[str]:
    """Place each claim sentence of one article (``sentences`` in their order, read once) in a
    claim (or start one); returns the claims touched.

    The article is placed as a batch: the candidate index is read once for all its terms and
    the candidates' sample mentions once, then placing runs in memory (a sentence may join a
    claim an earlier sentence of the article started), and what changed is written in a few
    statements. ``touched`` are claims the article's earlier version left: they are recounted in
    full. A claim the article joins is updated by the mentions it gained, and claims it merges
    are added up, so neither costs more as a claim gathers mentions."""
    recount = set(touched or ())
    if not g.enabled:  # grouping switched off: the article's old mentions are gone, nothing joins
        refresh(db, recount)
        return recount
    todo = (  # a signature is made as its sentence is placed: a huge article's are not all held
        (s, signature(s.text, g, s.attributed_to)) for s in sentences if s.status is not None
    )
    index = _Index(db, g)
    placed: dict[int, str] = {}  # position -> claim id of the last few, for denials that refer back
    twins: dict[
        tuple[frozenset[str], ...], str
    ] = {}  # signature -> claim, for sentences this article has placed already
    started: dict[str, Sentence] = {}  # claims this article starts, not yet written -> first sentence
    mentions: list[Mention] = []
    keys: list[tuple[str, str]] = []
    for s, sig in todo:
        key = (sig.entities, sig.terms, sig.content)
        similar = [(index.resolve(twins[key]), 1.0)] if key in twins else index.similar(sig)
        best, score, how = (similar[0][0], similar[0][1], "similar") if similar else (None, 0.0, "")
        if len(similar) > 1:
            merged = [c for c, _ in similar[1:]]
            for c in [best, *merged]:  # claims merged in the database must be there first
                if c in started:  # counted when the article's mentions are written
                    _insert_claim(db, c, started.pop(c), seen)
            if recount & {best, *merged}:  # counts the article's earlier version left are stale
                _merge(db, best, merged, add=False)
                recount = (recount - set(merged)) | {best}
            else:
                _merge(db, best, merged)
            index.merge(best, merged)
        # A denial that names its claim only as "these claims" answers the claim just before it; a
        # disputed sentence carries both sides itself, so it is grouped by what it says.
        if best is None and g.refer_back and s.status == "denied" and g.refer_back.search(s.text):
            earlier = [
                placed[p]
                for p in range(s.position - 1, s.position - 1 - g.refer_back_window, -1)
                if p in placed
            ]
            if earlier:
                best, score, how = index.resolve(earlier[0]), 0.0, "refers back"
        if best is None:
            if len(sig.terms) < g.min_terms:
                continue
            best, score, how = _new_claim_id(db, s.id), 1.0, "started"
            started[best] = s
            index.start(best)
        new = index.add(best, sig) if how != "refers back" else None  # only while the sample fills
        signature_json = sig.to_json() if new is not None else None
        mentions.append(Mention(s.id, s.status, s.attributed_to, best, how, round(score, 3), signature_json))
        if how != "refers back":
            keys += [(t, best) for t in new or ()]
            twins[key] = best
        placed[s.position] = best
        for gone in [p for p in placed if p <= s.position - g.refer_back_window]:
            del placed[gone]
    _write(db, article, seen, index, started, mentions, keys, recount)
    return recount | {index.resolve(m.claim) for m in mentions}


class Mention(NamedTuple):
    """A sentence placed in a claim, until the article's placing is written: not the sentence
    itself, whose text a huge article's mentions would all hold."""

    sentence_id: str
    status: str
    attributed_to: str | None
    claim: str
    how: str
    score: float
    signature: str | None
    """Kept only for a mention in its claim's sample."""


def _insert_claim(db: sqlite_utils.Database, claim: str, first: Sentence, seen: str) -> None:
    """A claim row with no mention counted yet (counted when its mentions are written)."""
    db.execute(_STARTED, [claim, first.text, first.id, first.status, seen, seen])


def _write(
    db: sqlite_utils.Database,
    article: Mapping[str, Any],
    seen: str,
    index: _Index,
    started: dict[str, Sentence],
    mentions: list[Mention],
    keys: list[tuple[str, str]],
    recount: set[str],
) -> None:
    """Write one article's placing: new claims, mentions, index keys, then the claims' counts."""
    gained: dict[str, list[Mention]] = {}
    for m in mentions:
        gained.setdefault(index.resolve(m.claim), []).append(m)
    outlet = article.get("outlet")
    new = [c for c, first in started.items() if index.resolve(c) == c and c not in recount]
    db.conn.executemany(  # a claim the article starts is written once, counted already
        _COUNTED,
        [
            (
                c,
                started[c].text,
                started[c].id,
                len(gained[c]),
                *_tally(ZERO, gained[c], outlet, seen).values(),
            )
            for c in new
        ],
    )
    db.conn.executemany(  # the article's earlier mentions left first (``leave``): none is replaced,
        # and a plain insert costs half what one that may replace does
        "INSERT INTO claim_mentions (sentence_id, claim_id, article_id, outlet, status, "
        "attributed_to, joined_by, score, seen, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                m.sentence_id,
                index.resolve(m.claim),
                article["id"],
                article.get("outlet"),
                m.status,
                m.attributed_to,
                m.how,
                m.score,
                seen,
                m.signature,
            )
            for m in mentions
        ],
    )
    db.conn.executemany(
        "INSERT OR IGNORE INTO claim_keys (key, claim_id) VALUES (?, ?)",
        [(t, index.resolve(c)) for t, c in keys],
    )
    _count(db, {c: m for c, m in gained.items() if c not in recount and c not in new}, article, seen)
    refresh(db, recount)


TALLY = (
    "confirmed",
    "alleged",
    "denied",
    "disputed",
    "asserted_by",
    "alleged_by",
    "denied_by",
    "disputed_by",
    "status",
    "first_seen",
    "last_seen",
)
"""The claims columns an article's mentions update (besides the counts of mentions, articles, outlets)."""
CLAIM_FIELDS = tuple(c for c in CLAIMS_SCHEMA if c != "id")
"""Every column of ``claims`` but its id."""


def _replacing(columns: tuple[str, ...], values: str) -> str:
    """Write a claim whole, as ``INSERT OR REPLACE`` would (a column not given is emptied), but as an
    update of the row it replaces: the row keeps its rowid, which the search index is keyed by."""
    kept = ", ".join(f"{c} = " + (f"excluded.{c}" if c in columns else "NULL") for c in CLAIM_FIELDS)
    insert = f"INSERT INTO claims (id, {', '.join(columns)}) VALUES ({values})"
    return f"{insert} ON CONFLICT(id) DO UPDATE SET {kept}"


_STARTED = _replacing(
    ("text", "canonical_sentence_id", "status", "mentions", "articles", "outlets", "confirmed", "alleged",
     "denied", "disputed", "first_seen", "last_seen"),
    "?, ?, ?, ?, 0, 0, 0, 0, 0, 0, 0, ?, ?",
)  # fmt: skip
_COUNTED = _replacing(
    ("text", "canonical_sentence_id", "mentions", "articles", "outlets", *TALLY),
    "?, ?, ?, ?, 1, 1" + ", ?" * len(TALLY),
)
ZERO: tuple[Any, ...] = (0, 0, 0, 0, None, None, None, None, None, None, None)


def _tally(row: tuple[Any, ...], mentions: list[Mention], outlet: str | None, seen: str) -> dict[str, Any]:
    """A claim's ``TALLY`` columns (``row``) after one article gave it ``mentions``."""
    counts = dict(zip(("confirmed", "alleged", "denied", "disputed"), row[:4], strict=True))
    who = dict(zip(WHO.values(), row[4:8], strict=True))
    added: dict[str, list[str]] = {}
    for s in mentions:
        counts[s.status] += 1
        added.setdefault(WHO[s.status], []).append(_label(s.attributed_to, outlet, s.status))
    for column, labels in added.items():  # one listing for all of them, as for a merge (_listing)
        who[column] = _listing([*_names(who[column]), *labels])
    return {
        **counts,
        **who,
        "status": cross_status(k for k, n in counts.items() if n),
        "first_seen": min(row[9] or seen, seen),
        "last_seen": max(row[10] or seen, seen),
    }


def _count(
    db: sqlite_utils.Database, gained: Mapping[str, list[Mention]], article: Mapping[str, Any], seen: str
) -> None:
    """Update claims' counts, sources and status by the mentions one article gave them.

    The article's earlier mentions were taken out first, so it is always a new article for each
    claim; its outlet is new unless another article of that outlet mentions the claim. One read
    and one batch of updates for all the article's claims."""
    if not gained:
        return
    outlet = article.get("outlet")
    rows = {}
    for chunk in _chunks(list(gained), 500):
        rows.update(
            (r[0], r[1:])
            for r in db.execute(
                "SELECT id, "
                + ", ".join(TALLY)
                + ", EXISTS (SELECT 1 FROM claim_mentions m WHERE m.claim_id = claims.id AND m.outlet = ? "
                "AND m.article_id != ?) FROM claims WHERE id IN (" + ", ".join("?" * len(chunk)) + ")",
                [outlet, article["id"], *chunk],
            ).fetchall()
        )
    db.conn.executemany(
        "UPDATE claims SET mentions = mentions + ?, articles = articles + 1, outlets = outlets + ?, "
        + ", ".join(f"{k} = ?" for k in TALLY)
        + " WHERE id = ?",
        [
            (
                len(mentions),
                int(outlet is None or not rows[claim][-1]),
                *_tally(rows[claim], mentions, outlet, seen).values(),
                claim,
            )
            for claim, mentions in gained.items()
        ],
    )


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class _Memory:
    """What grouping keeps of one open database between articles, so placing a sentence reads no index.

    ``keys`` is the candidate index (term -> the latest ``candidates`` claims with it), read from
    ``claim_keys`` once per connection; ``samples`` holds the compared mentions of claims read
    lately. Both are kept current as articles are placed; a database another connection changed
    (SQLite's ``data_version``) is read again, and a transaction that failed drops them."""

    SAMPLES = 5_000
    """Claims whose samples are kept (a signature is about 4 KB); more are read again when needed.
    50,000 held 200 MB at 10,000 articles for no gain in speed."""

    def __init__(self, db: sqlite_utils.Database, g: Grouping) -> None:
        self.candidates = g.candidates
        self.version = _data_version(db)
        self.keys: dict[str, list[str]] = {}
        for key, claim in db.execute("SELECT key, claim_id FROM claim_keys ORDER BY rowid DESC"):
            found = self.keys.setdefault(key, [])
            if len(found) < g.candidates:
                found.append(claim)
        self.samples: dict[str, list[Signature]] = {}
        self.names: dict[str, frozenset[str]] = {}  # claim -> the entities its sample names
        self.alias: dict[str, str] = {}  # merged claim -> the claim it became
        self.gone: set[str] = set()


_MEMORY: weakref.WeakKeyDictionary[sqlite_utils.Database, _Memory] = weakref.WeakKeyDictionary()


def _data_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA data_version").fetchone()[0]


def _memory(db: sqlite_utils.Database, g: Grouping) -> _Memory:
    kept = _MEMORY.get(db)
    if kept is None or kept.candidates != g.candidates or kept.version != _data_version(db):
        kept = _MEMORY[db] = _Memory(db, g)
    return kept


def forget(db: sqlite_utils.Database) -> None:
    """Drop what grouping keeps of ``db`` (a transaction failed: the database is not what it holds)."""
    _MEMORY.pop(db, None)


def _forget_claims(db: sqlite_utils.Database, claims: Iterable[str], gone: bool = False) -> None:
    kept = _MEMORY.get(db)
    if kept is not None:
        for c in claims:
            kept.samples.pop(c, None)
            kept.names.pop(c, None)
            if gone:
                kept.gone.add(c)


class _Index:
    """The candidate claims of one article's sentences, from what grouping keeps of the database.

    A sentence's candidates are the claims sharing most terms with it, at most ``candidates``
    (the latest) per term, so a common term costs no more than a rare one; their sample mentions
    (first ``mention_sample``) are read in one statement per article. Claims the article starts,
    joins or merges are kept current, so later sentences see them."""

    def __init__(self, db: sqlite_utils.Database, g: Grouping) -> None:
        self.db, self.g = db, g
        self.memory = _memory(db, g)
        if len(self.memory.samples) > _Memory.SAMPLES:  # between articles: this one's claims are written
            self.memory.samples.clear()
            self.memory.names.clear()
        self.least = g.min_shared_entities + g.min_shared_terms

    def searchable(self, sig: Signature) -> bool:
        return len(sig.terms) >= self.g.min_terms and len(sig.entities) >= self.g.min_shared_entities

    def resolve(self, claim: str) -> str:
        while claim in self.memory.alias:
            claim = self.memory.alias[claim]
        return claim

    def candidates(self, sig: Signature) -> list[str]:
        """The ``compare`` claims sharing most terms with ``sig`` (at least enough to match)."""
        keys = self.memory.keys
        # Terms in a fixed order, so that claims sharing as many terms are taken in the same order
        # in every process.
        shared = Counter(itertools.chain.from_iterable(keys[t] for t in sig.ordered if t in keys))
        alias, gone = self.memory.alias, self.memory.gone
        if alias:  # claims merged since the index was read count for the claim they became
            for c in [c for c in shared if c in alias]:
                shared[self.resolve(c)] += shared.pop(c)
        if gone:
            for c in shared.keys() & gone:
                del shared[c]
        enough = {c: n for c, n in shared.items() if n >= self.least}  # most share a term or two
        if len(enough) <= self.g.compare:
            return sorted(enough, key=lambda c: -enough[c])
        return heapq.nlargest(self.g.compare, enough, key=enough.__getitem__)

    def fetch(self, claims: list[str]) -> None:
        """Read the sample mentions of claims not held yet (only sampled mentions keep a signature)."""
        samples = self.memory.samples
        claims = [c for c in claims if c not in samples]
        for chunk in _chunks(claims, 500):
            for c in chunk:
                samples[c] = []
                self.memory.names.pop(c, None)
            for claim, text in self.db.execute(
                "SELECT claim_id, signature FROM claim_mentions WHERE claim_id IN ("
                + ", ".join("?" * len(chunk))
                + ") AND signature IS NOT NULL AND joined_by != 'refers back' ORDER BY rowid",
                chunk,
            ).fetchall():
                if len(samples[claim]) < self.g.mention_sample:
                    samples[claim].append(Signature.from_json(text))

    def similar(self, sig: Signature) -> list[tuple[str, float]]:
        """Claims at or above the threshold, most similar first, among the candidates of ``sig``."""
        if not self.searchable(sig):
            return []
        claims = self.candidates(sig)
        self.fetch(claims)
        found: dict[str, float] = {}
        threshold, least = self.g.threshold, self.g.min_shared_entities
        names = self.memory.names
        for claim in claims:
            if claim not in names:
                names[claim] = frozenset().union(*(other.entities for other in self.memory.samples[claim]))
            if len(sig.entities & names[claim]) < least:  # no mention of it can share enough names
                continue
            for other in self.memory.samples[claim]:  # the first mention it matches is enough
                score = similarity(sig, other, self.g)
                if score >= threshold:
                    found[claim] = score
                    break
        return sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))

    def start(self, claim: str) -> None:
        self.memory.samples[claim] = []
        self.memory.names.pop(claim, None)
        self.memory.gone.discard(claim)  # a claim started again by the sentence that started it before

    def add(self, claim: str, sig: Signature) -> list[str] | None:
        """A mention joins ``claim``: while the claim's sample is not full it is compared with later
        sentences and its new terms index the claim; returns those terms (to write), or None when
        the sample is full or already holds a mention with the same signature (comparing with
        it again would decide nothing new)."""
        self.fetch([claim])
        sample = self.memory.samples[claim]
        if len(sample) >= self.g.mention_sample or sig in sample:
            return None
        known = set().union(*(s.terms for s in sample))
        sample.append(sig)
        self.memory.names.pop(claim, None)
        new = sorted(sig.terms - known)
        for t in new:
            found = self.memory.keys.setdefault(t, [])
            found.insert(0, claim)
            del found[self.g.candidates :]
        return new

    def merge(self, into: str, others: list[str]) -> None:
        self.fetch([into, *others])
        for other in others:  # as _merge: the sample of ``into`` stays as it was
            self.memory.alias[other] = into
            self.memory.samples.pop(other, None)
        self.memory.names.pop(into, None)


def _merge(db: sqlite_utils.Database, into: str, others: Iterable[str], add: bool = True) -> None:
    """A sentence like two claims shows they are one: move the others' mentions and keys over.

    With ``add``, the claims' counts, sources and dates are added up: only the articles and
    outlets both claims had are looked up, through the mentions of the claim merged away, so a
    merge costs what that claim holds, not what the claim it joins has gathered."""
    for other in others:
        if add:
            _add_up(db, into, other)
        # The claim is compared through the sample of the claim it joins, which stays as it was:
        # samples do not grow merge by merge.
        db.execute(
            "UPDATE claim_mentions SET claim_id = ?, signature = NULL WHERE claim_id = ?", [into, other]
        )
        db.execute(
            "INSERT OR IGNORE INTO claim_keys (key, claim_id) "
            "SELECT key, ? FROM claim_keys WHERE claim_id = ?",
            [into, other],
        )
        db.execute("DELETE FROM claim_keys WHERE claim_id = ?", [other])
        db.execute("DELETE FROM claims WHERE id = ?", [other])


COUNTED = ("mentions", "articles", "outlets", "confirmed", "alleged", "denied", "disputed")
"""The claims columns that count; what one claim merged into another adds to them."""


def _add_up(db: sqlite_utils.Database, into: str, other: str) -> None:
    """The counts of ``into`` once ``other`` joins it (before its mentions move): sums, less the
    articles and outlets both already had; who said what as one list; the wider span of dates."""
    columns = (*COUNTED, *WHO.values(), "first_seen", "last_seen")
    query = "SELECT " + ", ".join(columns) + " FROM claims WHERE id = ?"
    a = dict(zip(columns, db.execute(query, [into]).fetchone(), strict=True))
    b = dict(zip(columns, db.execute(query, [other]).fetchone(), strict=True))
    # Mentions of ``other`` whose article also mentions ``into`` (an article's mentions are few),
    # and outlets ``into`` has too; an article without an outlet counts as an outlet of its own.
    articles, own = db.execute(
        "SELECT count(DISTINCT m.article_id), "
        "count(DISTINCT CASE WHEN m.outlet IS NULL THEN m.article_id END) "
        "FROM claim_mentions m WHERE m.claim_id = ? AND EXISTS (SELECT 1 FROM claim_mentions n "
        "WHERE n.article_id = m.article_id AND n.claim_id = ?)",
        [other, into],
    ).fetchone()
    outlets = db.execute(
        "SELECT count(DISTINCT m.outlet) FROM claim_mentions m WHERE m.claim_id = ? "
        "AND m.outlet IS NOT NULL AND EXISTS (SELECT 1 FROM claim_mentions n "
        "WHERE n.claim_id = ? AND n.outlet = m.outlet)",
        [other, into],
    ).fetchone()[0]
    values: dict[str, Any] = {k: a[k] + b[k] for k in COUNTED}
    values["articles"] -= articles
    values["outlets"] -= outlets + own
    for column in WHO.values():
        values[column] = _listing(_names(a[column]) + _names(b[column]))
    present = [k for k in STATUS_ORDER if values[k]]
    if present:  # two claims the article itself started have no mention counted yet
        values["status"] = cross_status(present)
    values["first_seen"] = min(a["first_seen"], b["first_seen"])
    values["last_seen"] = max(a["last_seen"], b["last_seen"])
    db.execute(
        "UPDATE claims SET " + ", ".join(f"{k} = ?" for k in values) + " WHERE id = ?",
        [*values.values(), into],
    )


WHO_LIMIT = 12  # names listed per role on a claim; the mentions table has them all
MORE = "…"  # ends a list that was cut at WHO_LIMIT
WHO = {"confirmed": "asserted_by", "alleged": "alleged_by", "denied": "denied_by", "disputed": "disputed_by"}
"""The claims column that lists who takes each stance."""


def _label(attributed_to: str | None, outlet: str | None, status: str) -> str:
    """Who, as 'source (outlet)'; with no source, a fact is the article's own, anything else unattributed."""
    who = attributed_to or ("the article" if status == "confirmed" else "no source named")
    return f"{who} ({outlet or 'unknown outlet'})"


def _names(listed: str | None) -> list[str]:
    """A who-column as its names (with MORE, if it was cut)."""
    return listed.split("; ") if listed else []


def _listing(names: Iterable[str]) -> str | None:
    """Names in alphabetical order, cut at WHO_LIMIT. The first names of a union are among the first
    names of its parts, so a list kept up by increments and merges equals one made from all mentions."""
    distinct = set(names)
    cut = MORE in distinct or len(distinct - {MORE}) > WHO_LIMIT
    listed = sorted(distinct - {MORE}, key=lambda n: (n.casefold(), n))[:WHO_LIMIT]
    return "; ".join(listed + [MORE] * cut) or None


def _who(db: sqlite_utils.Database, claim: str) -> dict[str, str | None]:
    """Who takes each stance on the claim, as "source (outlet)"; the article's own voice says so."""
    found: dict[str, list[str]] = {status: [] for status in WHO}
    for attributed_to, outlet, status in db.execute(
        "SELECT DISTINCT attributed_to, outlet, status FROM claim_mentions WHERE claim_id = ?", [claim]
    ).fetchall():
        found[status].append(_label(attributed_to, outlet, status))
    return {column: _listing(found[status]) for status, column in WHO.items()}


def refresh(db: sqlite_utils.Database, claims: Iterable[str]) -> None:
    """Recompute each claim's status, counts, sources and canonical text from its mentions.

    Aggregates run in SQLite over the claim's index range, so a claim with thousands of
    mentions is refreshed without reading them into Python."""
    for claim in claims:
        found = db.execute(
            "SELECT count(*), count(DISTINCT article_id), count(DISTINCT coalesce(outlet, article_id)), "
            "sum(status = 'confirmed'), sum(status = 'alleged'), sum(status = 'denied'), "
            "sum(status = 'disputed'), min(seen), max(seen) FROM claim_mentions WHERE claim_id = ?",
            [claim],
        ).fetchone()
        if not found[0]:
            _forget_claims(db, [claim], gone=True)
            db.execute("DELETE FROM claim_keys WHERE claim_id = ?", [claim])
            db.execute("DELETE FROM claims WHERE id = ?", [claim])
            continue
        mentions, articles, outlets, confirmed, alleged, denied, disputed, first, last = found
        counts = {"confirmed": confirmed, "alleged": alleged, "denied": denied, "disputed": disputed}
        kept = (
            db.execute(
                "SELECT c.canonical_sentence_id FROM claims c JOIN claim_mentions m "
                "ON m.sentence_id = c.canonical_sentence_id AND m.claim_id = c.id WHERE c.id = ?",
                [claim],
            ).fetchone()
            or db.execute(
                "SELECT sentence_id FROM claim_mentions WHERE claim_id = ? "
                "ORDER BY joined_by = 'refers back', rowid LIMIT 1",
                [claim],
            ).fetchone()
        )
        canonical = kept[0]
        values = {
            "text": db.execute("SELECT text FROM sentences WHERE id = ?", [canonical]).fetchone()[0],
            "canonical_sentence_id": canonical,
            "status": cross_status(s for s, n in counts.items() if n),
            "mentions": mentions,
            "articles": articles,
            "outlets": outlets,
            **counts,
            **_who(db, claim),
            "first_seen": first,
            "last_seen": last,
        }
        db.execute(
            "UPDATE claims SET " + ", ".join(f"{k} = ?" for k in values) + " WHERE id = ?",
            [*values.values(), claim],
        )


def example_errors(g: Grouping) -> tuple[int, list[str]]:
    """Run the rules file's grouping examples: (how many, what failed)."""
    errors = [
        f"grouping, examples.join: do not join: {a!r} / {b!r}" for a, b in g.join if not same_claim(a, b, g)
    ]
    errors += [f"grouping, examples.apart: join: {a!r} / {b!r}" for a, b in g.apart if same_claim(a, b, g)]
    return len(g.join) + len(g.apart), errors
