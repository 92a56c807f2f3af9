"""One claim across articles: the claims tables, and placing each article's sentences in them.

A sentence joins the claim whose mentions it matches (:mod:`claimdesk.grouping` decides what
matches), or starts one. A denial that names its claim only as "these claims" joins the claim of
the sentence it answers, just before it.

Candidates come from an inverted index in SQLite (``claim_keys``: term -> claim),
read only as far as a bounded number of the most recent claims per term, so the
cost of placing a sentence does not grow with the corpus. Placing is incremental:
an article that changes leaves its claims (a claim with no mention left is gone)
and its sentences join again.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import weakref
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlite_utils

from claimdesk.grouping import (
    STATUS_ORDER,
    Grouping,
    Signature,
    cross_status,
    reprintable,
    signature,
    similarity,
)


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
        """The claim of a sentence with its very signature (a reprint), looked up by its ``identity``
        key; else claims at or above the threshold, most similar first, among the candidates of ``sig``."""
        if reprintable(sig, self.g):  # a reprint joins its claim however many claims came since
            reprints = map(self.resolve, self.memory.keys.get(sig.identity, ()))
            same = [c for c in reprints if c not in self.memory.gone]
            if same:
                return [(same[0], 1.0)]
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
        if reprintable(sig, self.g):  # a reprint of it finds the claim by its signature alone
            new.append(sig.identity)
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
