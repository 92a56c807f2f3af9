"""One claim across articles: group sentences that make the same factual claim.

Grouping is lexical and entity-based. A sentence becomes a *signature*: its
entities (names, places, numbers, folded through the rules file's aliases, so
"Tehran" and "Iranian" are both ``iran``) and its content terms (stemmed words
that are not stop words; reporting verbs are stop words, because how a claim is
presented is its status, not its content). Two signatures are the same claim when
they share at least ``min_shared_entities`` entities and their Dice overlap
reaches ``threshold``. A denial that names its claim only as "these claims" joins
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

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlite_utils

STATUS_ORDER = ("disputed", "denied", "alleged", "confirmed")
"""Precedence of CLAIM_STATUS.md: the strongest first."""
PUT_FORWARD = {"alleged", "confirmed"}
REJECTED = {"denied", "disputed"}

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
    mention_sample: int
    aliases: Mapping[str, str]
    stopwords: frozenset[str]
    titles: frozenset[str]
    refer_back: re.Pattern[str] | None
    refer_back_window: int
    join: tuple[tuple[str, str], ...] = ()
    apart: tuple[tuple[str, str], ...] = ()


DEFAULTS: dict[str, Any] = {
    "threshold": 0.4,
    "content_threshold": 0.4,
    "entity_weight": 0.5,
    "min_shared_entities": 2,
    "min_shared_terms": 1,
    "min_terms": 4,
    "candidates": 40,
    "mention_sample": 8,
    "refer_back_window": 2,
}


def load_grouping(raw: Mapping[str, Any]) -> Grouping:
    """Settings from a parsed rules file (``RuleSet.raw``); defaults where the file is silent.

    Job titles come from the file's ``lexicons.titles``: like a source's name, they say who
    speaks, not what is claimed."""
    spec = {**DEFAULTS, **(raw.get("grouping") or {})}
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
        mention_sample=int(spec["mention_sample"]),
        aliases={k.lower(): stem(v.lower()) for k, v in (spec.get("aliases") or {}).items()},
        stopwords=frozenset(w.lower() for w in spec.get("stopwords", [])),
        titles=frozenset(stem(w.lower().rstrip(".")) for w in (raw.get("lexicons") or {}).get("titles", [])),
        refer_back=refer,
        refer_back_window=int(spec["refer_back_window"]),
        join=tuple(tuple(p) for p in examples.get("join", [])),
        apart=tuple(tuple(p) for p in examples.get("apart", [])),
    )


_LOADED: dict[str, Grouping] = {}


def grouping_of(rules: Any) -> Grouping:
    """The grouping settings of a loaded ``RuleSet``, parsed once per rules file."""
    if rules.digest not in _LOADED:
        _LOADED[rules.digest] = load_grouping(rules.raw)
    return _LOADED[rules.digest]


# ---------------------------------------------------------------- signatures (pure)


def stem(word: str) -> str:
    """A light suffix stripper: enough that supply, supplied, supplying and supplies meet."""
    w = word.lower()
    for suffix, repl in (
        ("ies", "i"),
        ("ied", "i"),
        ("ying", "i"),
        ("ing", ""),
        ("ed", ""),
        ("es", ""),
        ("s", ""),
        ("y", "i"),
        ("e", ""),
    ):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not w.endswith("ss"):
            w = w[: len(w) - len(suffix)] + repl
            break
    return w[:-1] if w.endswith("e") and len(w) > 4 else w


@dataclass(frozen=True)
class Signature:
    """What a sentence claims, as sets of terms: ``entities`` and ``content`` are parts of ``terms``;
    ``content`` leaves out who speaks (the source's name and job titles)."""

    entities: frozenset[str]
    terms: frozenset[str]
    content: frozenset[str]

    def to_json(self) -> str:
        return json.dumps(
            [sorted(self.entities), sorted(self.terms - self.entities), sorted(self.terms - self.content)]
        )

    @classmethod
    def from_json(cls, text: str) -> Signature:
        entities, others, speaker = json.loads(text)
        terms = frozenset(entities) | frozenset(others)
        return cls(frozenset(entities), terms, terms - frozenset(speaker))


def signature(text: str, g: Grouping, source: str | None = None) -> Signature:
    """Entities (capitalised words, numbers, aliases) and content terms of one sentence.

    The words naming its ``source`` (who the claim is attributed to) and job titles are kept out
    of ``content``: who says a claim is not what is claimed, and one speaker makes many claims."""
    entities: set[str] = set()
    terms: set[str] = set()
    speaker = {w.lower() for w in WORD.findall(source or "")}
    speaking: set[str] = set()
    for match in WORD.finditer(text):
        for part in match.group().split("-") if "-" in match.group() else [match.group()]:
            token = POSSESSIVE.sub("", part)
            lower = token.lower()
            if not token or lower in g.stopwords:
                continue
            if lower in speaker or stem(lower) in g.titles:
                speaking.add(g.aliases.get(lower) or stem(lower))
            if lower in g.aliases:
                key = g.aliases[lower]
                terms.add(key)
                if token[:1].isupper():
                    entities.add(key)
                continue
            if token[0].isdigit():
                key = "#" + token.replace(",", "")
                entities.add(key)
                terms.add(key)
                continue
            if len(lower) < 3:
                continue
            key = stem(lower)
            terms.add(key)
            if token[0].isupper():  # stop words are gone, so a capital marks a name, even first
                entities.add(key)
    return Signature(frozenset(entities), frozenset(terms), frozenset(terms - speaking))


def _cosine(shared: float, a: float, b: float) -> float:
    """Overlap over the geometric mean of the sizes: a short sentence inside a long one that says
    more besides still scores well (Dice would halve it)."""
    return shared / math.sqrt(a * b) if a and b else 0.0


def similarity(a: Signature, b: Signature, g: Grouping) -> float:
    """Cosine overlap of terms, names weighing ``entity_weight``; 0 unless both share enough entities
    and enough other terms, what is claimed (without who speaks) overlaps by ``content_threshold``,
    and neither is too thin to say anything."""
    if len(a.terms) < g.min_terms or len(b.terms) < g.min_terms:
        return 0.0
    names = a.entities & b.entities
    if len(names) < g.min_shared_entities or len((a.terms & b.terms) - names) < g.min_shared_terms:
        return 0.0
    if _cosine(len(a.content & b.content), len(a.content), len(b.content)) < g.content_threshold:
        return 0.0
    entities = a.entities | b.entities

    def weight(terms: frozenset[str]) -> float:
        return sum(g.entity_weight if t in entities else 1.0 for t in terms)

    return _cosine(weight(a.terms & b.terms), weight(a.terms), weight(b.terms))


def same_claim(a: str, b: str, g: Grouping, source_a: str | None = None, source_b: str | None = None) -> bool:
    """Do two sentences make the same claim? (What the rules file's examples and the pair labels test.)"""
    return similarity(signature(a, g, source_a), signature(b, g, source_b), g) >= g.threshold


def cross_status(statuses: Iterable[str]) -> str:
    """Disputed when one mention puts the claim forward and another rejects it; else the strongest."""
    present = set(statuses)
    if present & PUT_FORWARD and present & REJECTED:
        return "disputed"
    return next(s for s in STATUS_ORDER if s in present)


def claim_id(sentence_id: str) -> str:
    """A claim is named after the sentence that started it: stable across identical runs."""
    return "c" + hashlib.sha1(sentence_id.encode()).hexdigest()[:12]


# ---------------------------------------------------------------- the tables


def create_tables(db: sqlite_utils.Database) -> None:
    """``claims``, ``claim_mentions`` and the candidate index ``claim_keys``."""
    db["claims"].create(
        {
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
        },
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
    db["claim_keys"].create({"key": str, "claim_id": str}, pk=("key", "claim_id"), if_not_exists=True)
    for table, columns in [
        ("claim_mentions", ["claim_id"]),
        ("claim_mentions", ["article_id"]),
        ("claim_mentions", ["outlet"]),
        ("claim_mentions", ["status"]),
        ("claim_keys", ["claim_id"]),
        ("claims", ["status"]),
    ]:
        db[table].create_index(columns, if_not_exists=True)


def leave(db: sqlite_utils.Database, article_id: str) -> set[str]:
    """Take an article's mentions out of their claims; returns the claims touched (to refresh)."""
    touched = {
        r[0]
        for r in db.execute(
            "SELECT DISTINCT claim_id FROM claim_mentions WHERE article_id = ?", [article_id]
        ).fetchall()
    }
    db.execute("DELETE FROM claim_mentions WHERE article_id = ?", [article_id])
    return touched


@dataclass
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
    """Place each claim sentence of one article in a claim (or start one); refresh the claims touched."""
    touched = set(touched or ())
    placed: dict[int, str] = {}  # position -> claim id, for denials that refer back
    rows = []
    for s in sorted(sentences, key=lambda s: s.position):
        if s.status is None:
            continue
        sig = signature(s.text, g, s.attributed_to)
        similar = _similar_claims(db, sig, g)
        best, score, how = (similar[0][0], similar[0][1], "similar") if similar else (None, 0.0, "")
        if len(similar) > 1:
            _merge(db, best, [c for c, _ in similar[1:]])
            touched -= {c for c, _ in similar[1:]}
            placed = {p: best if c in {x for x, _ in similar} else c for p, c in placed.items()}
        # A denial that names its claim only as "these claims" answers the claim just before it; a
        # disputed sentence carries both sides itself, so it is grouped by what it says.
        if best is None and g.refer_back and s.status == "denied" and g.refer_back.search(s.text):
            earlier = [
                placed[p]
                for p in range(s.position - 1, s.position - 1 - g.refer_back_window, -1)
                if p in placed
            ]
            if earlier:
                best, score, how = earlier[0], 0.0, "refers back"
        if best is None:
            if len(sig.terms) < g.min_terms:
                continue
            best, score, how = claim_id(s.id), 1.0, "started"
            db["claims"].insert(
                {"id": best, "text": s.text, "canonical_sentence_id": s.id, "mentions": 0},
                pk="id",
                replace=True,
            )
        row = {
            "sentence_id": s.id,
            "claim_id": best,
            "article_id": article["id"],
            "outlet": article.get("outlet"),
            "status": s.status,
            "attributed_to": s.attributed_to,
            "joined_by": how,
            "score": round(score, 3),
            "seen": seen,
            "signature": sig.to_json(),
        }
        db["claim_mentions"].insert(row, pk="sentence_id", replace=True)
        rows.append(row)
        placed[s.position] = best
        touched.add(best)
        if how != "refers back":
            _index(db, best, sig, g)
    refresh(db, touched)
    return touched


def _index(db: sqlite_utils.Database, claim: str, sig: Signature, g: Grouping) -> None:
    """Index a claim by the terms of its first few mentions (later ones add nothing new to find)."""
    count = db.execute("SELECT count(*) FROM claim_mentions WHERE claim_id = ?", [claim]).fetchone()[0]
    if count <= g.mention_sample:
        db.conn.executemany(
            "INSERT OR IGNORE INTO claim_keys (key, claim_id) VALUES (?, ?)", [(t, claim) for t in sig.terms]
        )


def _similar_claims(db: sqlite_utils.Database, sig: Signature, g: Grouping) -> list[tuple[str, float]]:
    """Claims at or above the threshold, most similar first, among candidates sharing terms with ``sig``."""
    if len(sig.terms) < g.min_terms or len(sig.entities) < g.min_shared_entities:
        return []
    shared: Counter[str] = Counter()
    for term in sig.terms:
        rows = db.execute(
            "SELECT claim_id FROM claim_keys WHERE key = ? ORDER BY rowid DESC LIMIT ?", [term, g.candidates]
        ).fetchall()
        shared.update(r[0] for r in rows)
    found: dict[str, float] = {}
    for claim, _ in shared.most_common(g.candidates):
        for (text,) in db.execute(
            "SELECT signature FROM claim_mentions WHERE claim_id = ? AND joined_by != 'refers back' "
            "ORDER BY rowid LIMIT ?",
            [claim, g.mention_sample],
        ).fetchall():
            score = similarity(sig, Signature.from_json(text), g)
            if score >= g.threshold and score > found.get(claim, 0.0):
                found[claim] = score
    return sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))


def _merge(db: sqlite_utils.Database, into: str, others: Iterable[str]) -> None:
    """A sentence like two claims shows they are one: move the others' mentions and keys over."""
    for other in others:
        db.execute("UPDATE claim_mentions SET claim_id = ? WHERE claim_id = ?", [into, other])
        db.execute(
            "INSERT OR IGNORE INTO claim_keys (key, claim_id) "
            "SELECT key, ? FROM claim_keys WHERE claim_id = ?",
            [into, other],
        )
        db.execute("DELETE FROM claim_keys WHERE claim_id = ?", [other])
        db.execute("DELETE FROM claims WHERE id = ?", [other])


def _who(rows: list[Mapping], statuses: set[str]) -> str | None:
    names = dict.fromkeys(
        f"{r['attributed_to'] or 'the article'} ({r['outlet'] or 'unknown outlet'})"
        for r in rows
        if r["status"] in statuses
    )
    return "; ".join(names) or None


def refresh(db: sqlite_utils.Database, claims: Iterable[str]) -> None:
    """Recompute each claim's status, counts, sources and canonical text from its mentions."""
    for claim in claims:
        rows = [
            dict(
                zip(
                    (
                        "sentence_id",
                        "status",
                        "attributed_to",
                        "outlet",
                        "article_id",
                        "seen",
                        "joined_by",
                        "text",
                    ),
                    r,
                    strict=True,
                )
            )
            for r in db.execute(
                "SELECT m.sentence_id, m.status, m.attributed_to, m.outlet, m.article_id, m.seen, "
                "m.joined_by, s.text FROM claim_mentions m JOIN sentences s ON s.id = m.sentence_id "
                "WHERE m.claim_id = ? ORDER BY m.rowid",
                [claim],
            ).fetchall()
        ]
        if not rows:
            db.execute("DELETE FROM claim_keys WHERE claim_id = ?", [claim])
            db.execute("DELETE FROM claims WHERE id = ?", [claim])
            continue
        current = db.execute("SELECT canonical_sentence_id FROM claims WHERE id = ?", [claim]).fetchone()
        ids = {r["sentence_id"] for r in rows}
        canonical = (
            current[0]
            if current and current[0] in ids
            else next(
                (r["sentence_id"] for r in rows if r["joined_by"] != "refers back"), rows[0]["sentence_id"]
            )
        )
        counts = Counter(r["status"] for r in rows)
        db["claims"].upsert(
            {
                "id": claim,
                "text": next(r["text"] for r in rows if r["sentence_id"] == canonical),
                "canonical_sentence_id": canonical,
                "status": cross_status(counts),
                "mentions": len(rows),
                "articles": len({r["article_id"] for r in rows}),
                "outlets": len({r["outlet"] or r["article_id"] for r in rows}),
                **{s: counts.get(s, 0) for s in STATUS_ORDER},
                "asserted_by": _who(rows, {"confirmed"}),
                "alleged_by": _who(rows, {"alleged"}),
                "denied_by": _who(rows, {"denied"}),
                "disputed_by": _who(rows, {"disputed"}),
                "first_seen": min(r["seen"] for r in rows),
                "last_seen": max(r["seen"] for r in rows),
            },
            pk="id",
        )


def example_errors(g: Grouping) -> tuple[int, list[str]]:
    """Run the rules file's grouping examples: (how many, what failed)."""
    errors = [
        f"grouping, examples.join: do not join: {a!r} / {b!r}" for a, b in g.join if not same_claim(a, b, g)
    ]
    errors += [f"grouping, examples.apart: join: {a!r} / {b!r}" for a, b in g.apart if same_claim(a, b, g)]
    return len(g.join) + len(g.apart), errors
