"""Writing results: JSON Lines records per article and the SQLite database.

Every article is written in one transaction, or one savepoint of a run's batch
transaction (sentences and cues replaced together; see :mod:`claimdesk.durable`),
so a crash never leaves half an article. The database is in WAL
mode so Datasette can read while a run writes; FTS5 indexes on sentence text
and article titles are kept current by triggers, except new sentences, which
an article's insert indexes itself (see :func:`enable_search`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import sqlite_utils

from claimdesk import atomic, claims
from claimdesk.annotate import Annotated
from claimdesk.decode import utf8_parts
from claimdesk.fetch import Validators
from claimdesk.grouping import grouping_of
from claimdesk.incremental import CHANGES, FileStamp, Stamp, Stored, StoredFile, StoredUrl, UrlStamp
from claimdesk.layer import DECIDED_BY, describe
from claimdesk.records import CUE_COLUMNS, SENTENCE_COLUMNS, Article, iso_date
from claimdesk.rules import RuleSet

DB_NAME = "claims.db"
# The file an article was read from, as it was then: a re-run skips the file while these still hold.
STAMP_COLUMNS = {"source_path": str, "source_size": int, "source_mtime_ns": int}
# The URL it was fetched from and the validators its server gave: a re-run asks whether they still hold.
URL_STAMP_COLUMNS = {"source_url": str, "source_etag": str, "source_last_modified": str}
STAMPS = [*STAMP_COLUMNS, *URL_STAMP_COLUMNS]
# What an article's row says of the run that stored it, besides the article itself.
ARTICLE_RUN_COLUMNS = {"rules_digest": str, "run_id": str, "sentence_count": int}


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def missing_db(output: Path) -> str | None:
    """Why there is no database to read in ``output``, for the commands that only read one (None
    when there is one)."""
    if (output / DB_NAME).is_file():
        return None
    if output.name == DB_NAME and output.is_file():
        return f"{output} is the database itself: give the folder that holds it ({output.parent}/)"
    return f"no {DB_NAME} in {output}/: tag some articles first with `claimdesk run`"


def open_db(output: Path) -> sqlite_utils.Database:
    """Open (creating if needed) ``claims.db`` with every table, key and index."""
    output.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(output / DB_NAME)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    db["rules"].create(
        {"id": str, "status": str, "group": str, "description": str, "version": str},
        pk="id",
        if_not_exists=True,
    )
    db["runs"].create(
        {
            "id": str,
            "started_at": str,
            "finished_at": str,
            "rules_version": str,
            "layer": str,
            "articles": int,
            "sentences": int,
            "rejected": int,
            "new": int,
            "changed": int,
            "unchanged": int,
            "failed": int,
            "inputs": str,
            "counts": str,
            "status": str,
            "error": str,
        },
        pk="id",
        if_not_exists=True,
    )
    db["articles"].create(
        {
            "id": str,
            "uri": str,
            "title": str,
            "text": str,
            "content_sha256": str,
            "encoding": str,
            "outlet": str,
            "author": str,
            "published": str,
            **ARTICLE_RUN_COLUMNS,
            **STAMP_COLUMNS,
            **URL_STAMP_COLUMNS,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
        if_not_exists=True,
    )
    # databases from before a column was added (an article field, or the stamps re-runs skip by)
    wanted = {
        **dict.fromkeys(Article.model_fields, str),
        **ARTICLE_RUN_COLUMNS,
        **STAMP_COLUMNS,
        **URL_STAMP_COLUMNS,
    }
    for column, kind in wanted.items():
        if column not in db["articles"].columns_dict:
            db["articles"].add_column(column, kind)
    db["sentences"].create(
        {
            "id": str,
            "article_id": str,
            "position": int,
            "start": int,
            "end": int,
            "text": str,
            "status": str,
            "attributed_to": str,
            "source_type": str,
            "decided_by": str,
            "quoted": int,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
        if_not_exists=True,
    )
    db["cues"].create(
        {"id": int, "sentence_id": str, "rule_id": str, "status": str, "text": str, "start": int, "end": int},
        pk="id",
        foreign_keys=[("sentence_id", "sentences", "id"), ("rule_id", "rules", "id")],
        if_not_exists=True,
    )
    db["rejects"].create(
        {"id": int, "run_id": str, "source": str, "stage": str, "reason": str, "at": str},
        pk="id",
        if_not_exists=True,
    )
    for table, columns in [
        ("sentences", ["article_id"]),
        ("sentences", ["status"]),
        ("sentences", ["attributed_to"]),
        ("sentences", ["source_type"]),
        ("sentences", ["decided_by"]),
        ("cues", ["sentence_id"]),
        ("cues", ["rule_id"]),
        ("cues", ["status"]),
        ("rejects", ["run_id"]),
    ]:
        db[table].create_index(columns, if_not_exists=True)
    if "claims" in db.view_names():  # databases from before claims across articles
        db.execute("DROP VIEW claims")
    claims.create_tables(db)
    enable_search(db)
    db.execute("DROP VIEW IF EXISTS claim_sentences")
    db.execute(CLAIM_SENTENCES_VIEW)
    return db


# The desk's list of tagged sentences: each sentence that makes a claim, with its article and
# outlet, so one page can facet by status, source and outlet together. (``claims`` are the claims
# across articles, see claimdesk.claims.)
CLAIM_SENTENCES_VIEW = """
CREATE VIEW claim_sentences AS
SELECT s.id, s.status, s.text, s.attributed_to, s.source_type, a.outlet, a.title AS article,
       m.claim_id AS claim, s.decided_by, s.quoted, s.position, s.article_id, s.rowid AS sentence_rowid
FROM sentences s JOIN articles a ON a.id = s.article_id
LEFT JOIN claim_mentions m ON m.sentence_id = s.id
WHERE s.status IS NOT NULL
"""


# What the desk searches: (table, columns). Triggers keep each index in step with its table.
SEARCHABLE = [("sentences", ["text"]), ("articles", ["title"]), ("claims", ["text"])]
# Porter stemming, so a search for "drone" finds "drones" and "denied" finds "deny".
TOKENIZE = "porter unicode61"


def enable_search(db: sqlite_utils.Database) -> None:
    """FTS5 indexes with triggers, so a re-run's deletes and upserts never leave stale hits.

    An index built without stemming (before word forms were matched) is rebuilt with it. New
    sentences are indexed by :func:`_insert_rows`, an article at a time, not by a trigger: FTS5
    writes out what it holds at each statement a trigger runs, and that was a third of storing a
    sentence."""
    for table, columns in SEARCHABLE:
        fts = db[f"{table}_fts"]
        if fts.exists() and "porter" not in (fts.schema or ""):
            db[table].disable_fts()
        if not fts.exists():
            db[table].enable_fts(columns, fts_version="FTS5", create_triggers=True, tokenize=TOKENIZE)
    db.execute("DROP TRIGGER IF EXISTS sentences_ai")
    # A claim's counts change with every mention it gains, its words almost never: re-index on those.
    db.execute("DROP TRIGGER IF EXISTS claims_au")
    db.execute(
        "CREATE TRIGGER claims_au AFTER UPDATE OF [text] ON claims BEGIN "
        "INSERT INTO claims_fts (claims_fts, rowid, [text]) VALUES ('delete', old.rowid, old.[text]); "
        "INSERT INTO claims_fts (rowid, [text]) VALUES (new.rowid, new.[text]); END"
    )


def write_rules(db: sqlite_utils.Database, rules: RuleSet) -> None:
    """Record the rules in use, so every cue's rule id links to its description."""
    with db.atomic():
        db["rules"].upsert_all(
            [
                {
                    "id": r.id,
                    "status": r.status,
                    "group": ", ".join(r.groups) or None,
                    "description": r.description,
                    "version": rules.version,
                }
                for r in rules.rules
            ]
            + ([_layer_row(rules)] if rules.layer else []),
            pk="id",
        )


def _layer_row(rules: RuleSet) -> dict:
    """The ``rules`` row that ``decided_by: learned-layer`` links to."""
    layer = rules.layer
    assert layer is not None
    return {
        "id": DECIDED_BY,
        "status": None,
        "group": None,
        "description": f"A learned layer ({describe(layer)}) overruled the rules' status; "
        "the cues are the rules'.",
        "version": rules.version,
    }


def start_run(db: sqlite_utils.Database, run_id: str, rules: RuleSet, inputs: list[str]) -> None:
    db["runs"].insert(
        {
            "id": run_id,
            "started_at": now(),
            "rules_version": rules.version,
            "layer": describe(rules.layer) if rules.layer else None,
            "inputs": json.dumps(inputs),
            "status": "running",
        },
        pk="id",
        alter=True,  # databases from before run statuses gain the column
    )


def finish_run(db: sqlite_utils.Database, run_id: str, summary: dict) -> None:
    db["runs"].update(
        run_id,
        {"finished_at": now(), **_run_counts(summary), "status": "completed"},
        alter=True,  # databases from before incremental runs gain the count columns
    )


def _run_counts(summary: dict) -> dict:
    """The columns of ``runs`` that count what a run did."""
    return {
        "articles": summary["articles"],
        "sentences": summary["sentences"],
        "rejected": summary["rejected"],
        **{change: summary[change] for change in CHANGES},
        "failed": summary["failed"],
        "counts": json.dumps(summary["statuses"]),
    }


def fail_run(db: sqlite_utils.Database, run_id: str, reason: str, summary: dict | None = None) -> None:
    """Mark a run that died as ``failed``, with why, so no run is left looking unfinished; with the
    counts of what it did before it died (``summary``), when the run can still say them."""
    counts = _run_counts(summary) if summary else {}
    db["runs"].update(
        run_id, {"finished_at": now(), **counts, "status": "failed", "error": reason}, alter=True
    )


INTERRUPTED = "interrupted: the run ended before it finished (killed, or the machine stopped)"


def fail_interrupted_runs(db: sqlite_utils.Database) -> int:
    """Mark runs still ``running`` as failed: called under the output lock, so none of them is alive."""
    if "status" not in db["runs"].columns_dict:
        return 0
    with db.conn:
        cursor = db.execute(
            "UPDATE runs SET status = 'failed', error = ?, finished_at = ? WHERE status = 'running'",
            [INTERRUPTED, now()],
        )
    return cursor.rowcount


def stored_versions(db: sqlite_utils.Database) -> dict[str, Stored]:
    """Content hash, rules digest and outlet of every stored article: what a re-run compares against."""
    return {
        row[0]: Stored(row[1], row[2], row[3])
        for row in db.execute("SELECT id, content_sha256, rules_digest, outlet FROM articles").fetchall()
    }


def stored_files(db: sqlite_utils.Database) -> dict[str, list[StoredFile]]:
    """Per file (resolved path), the articles stored from it, with its stamp: lets a re-run skip it unread."""
    files: dict[str, list[StoredFile]] = {}
    for row in db.execute(
        "SELECT source_path, id, uri, source_size, source_mtime_ns, rules_digest, outlet FROM articles "
        "WHERE source_path IS NOT NULL AND source_size IS NOT NULL AND source_mtime_ns IS NOT NULL"
    ).fetchall():
        files.setdefault(row[0], []).append(StoredFile(*row[1:]))
    return files


def stored_urls(db: sqlite_utils.Database) -> dict[str, list[StoredUrl]]:
    """Per URL, the articles stored from it with the validators its server gave: lets a re-run ask
    whether they still hold instead of downloading it again."""
    urls: dict[str, list[StoredUrl]] = {}
    for row in db.execute(
        "SELECT source_url, id, uri, source_etag, source_last_modified, rules_digest, outlet FROM articles "
        "WHERE source_url IS NOT NULL AND (source_etag IS NOT NULL OR source_last_modified IS NOT NULL)"
    ).fetchall():
        urls.setdefault(row[0], []).append(StoredUrl(row[1], row[2], Validators(row[3], row[4]), *row[5:]))
    return urls


def stored_article(db: sqlite_utils.Database, article_id: str) -> Article:
    """An article as stored, text and all: what a 304 says the server would have sent again."""
    columns = list(Article.model_fields)
    row = db.execute(
        f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM articles WHERE id = ?", [article_id]
    ).fetchone()
    return Article(**dict(zip(columns, row, strict=True)))


def _stamp_row(stamp: Stamp | None) -> dict:
    """The stamp columns of an article's row: a file's, or a URL's, never both."""
    row = dict.fromkeys(STAMPS)
    if isinstance(stamp, FileStamp):
        row.update(source_path=stamp.path, source_size=stamp.size, source_mtime_ns=stamp.mtime_ns)
    elif isinstance(stamp, UrlStamp):
        row.update(
            source_url=stamp.url,
            source_etag=stamp.validators.etag,
            source_last_modified=stamp.validators.last_modified,
        )
    return row


UPDATE_STAMPS = f"UPDATE articles SET {', '.join(f'{c} = :{c}' for c in STAMPS)} WHERE id = :id"


def update_stamps(db: sqlite_utils.Database, stamps: dict[str, Stamp | None]) -> None:
    """Record the files or URLs of articles found unchanged by their hash (a touched file, a copied
    folder, a page whose server gave new validators), so the next run knows them by stamp; or
    forget a stamp (``None``) that no longer vouches for them. One transaction for all."""
    if not stamps:
        return
    with db.atomic():
        db.conn.executemany(
            UPDATE_STAMPS, [{"id": article_id, **_stamp_row(stamp)} for article_id, stamp in stamps.items()]
        )


def write_reject(
    db: sqlite_utils.Database,
    output: Path,
    run_id: str,
    source: str,
    stage: str,
    reason: str,
    record: dict | None = None,
) -> None:
    """Keep a rejected input or record: a row in ``rejects`` and a line in ``rejects.jsonl``."""
    row = {"run_id": run_id, "source": source, "stage": stage, "reason": reason, "at": now()}
    db["rejects"].insert(row)
    with (output / "rejects.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({**row, "record": record}, ensure_ascii=False) + "\n")


def write_records(fh: TextIO, done: Annotated) -> None:
    """An article's records as JSON Lines, a part at a time: a huge article's file is never one
    string in memory."""
    for part in done.written():
        fh.write(part.lines)


def write_records_file(output: Path, done: Annotated) -> Path:
    """Write ``records/<article-id>.jsonl`` atomically (temp file, then rename), without the run's
    crash-safe steps (:func:`claimdesk.durable.store_article`): for benchmarks and tools."""
    folder = output / "records"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{done.article.id}.jsonl"
    with atomic.replacing(target) as fh:
        write_records(fh, done)
    return target


def write_article(
    db: sqlite_utils.Database, done: Annotated, rules: RuleSet, run_id: str, stamp: Stamp | None = None
) -> None:
    """Replace one article and all its sentences and cues in a single transaction; ``stamp`` is the
    file or URL it was read from (none for a file just written, or a page without validators)."""
    try:
        _write_article(db, done, rules, run_id, stamp)
    except BaseException:
        claims.forget(db)  # grouping's memory of the database holds what was rolled back
        raise


def _write_article(
    db: sqlite_utils.Database, done: Annotated, rules: RuleSet, run_id: str, stamp: Stamp | None
) -> None:
    article = done.article
    with db.atomic():
        left = claims.leave(db, article.id)
        db.execute(
            "DELETE FROM cues WHERE sentence_id IN (SELECT id FROM sentences WHERE article_id = ?)",
            [article.id],
        )
        db.execute("DELETE FROM sentences WHERE article_id = ?", [article.id])
        _upsert_article(
            db,
            {
                **article.model_dump(),
                "rules_digest": rules.digest,
                "run_id": run_id,
                "sentence_count": done.sentence_count,
                **_stamp_row(stamp),
            },
        )
        _insert_rows(db, done)
        claims.join(
            db,
            article.model_dump(),
            (claims.Sentence(i, p, text, v.status, v.attributed_to) for i, p, text, v in done.sentences()),
            grouping_of(rules),
            (article.published and iso_date(article.published)) or now(),  # "Spring 2025": when stored
            left,
        )


def _upsert_article(db: sqlite_utils.Database, row: dict) -> None:
    """Insert or replace an article's row, its text written into it a part at a time.

    Bound whole, a 50 MB text would be held three times more while it is stored (Python's UTF-8
    copy of the string, kept as long as the string; SQLite's copy of the value, kept by the cached
    statement; the new row). The row is made with a text of zeros of the right length instead,
    which is then overwritten in place, through SQLite's incremental I/O: the same row, the same
    pages."""
    text = row["text"]
    row = {**row, "text": sum(len(part) for part in utf8_parts(text))}  # its length in UTF-8
    db.execute(
        "INSERT INTO articles ({}) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {}".format(
            ", ".join(f"[{c}]" for c in row),
            ", ".join("CAST(zeroblob(?) AS TEXT)" if c == "text" else "?" for c in row),
            ", ".join(f"[{c}] = excluded.[{c}]" for c in row if c != "id"),
        ),
        list(row.values()),
    )
    rowid = db.execute("SELECT rowid FROM articles WHERE id = ?", [row["id"]]).fetchone()[0]
    with db.conn.blobopen("articles", "text", rowid) as blob:
        for part in utf8_parts(text):
            blob.write(part)


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f"[{c}]" for c in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"


SENTENCES_INSERT = _insert_sql("sentences", SENTENCE_COLUMNS)
CUES_INSERT = _insert_sql("cues", CUE_COLUMNS)


SENTENCES_INDEX = (
    "INSERT INTO sentences_fts (rowid, [text]) SELECT rowid, [text] FROM sentences WHERE article_id = ?"
)


def _insert_rows(db: sqlite_utils.Database, done: Annotated) -> None:
    """The article's sentences and cues, a part at a time (see :meth:`Annotated.written`), then its
    sentences into the search index in one statement (see :func:`enable_search`)."""
    for part in done.written():
        db.conn.executemany(SENTENCES_INSERT, part.sentences)
        db.conn.executemany(CUES_INSERT, part.cues)
    db.conn.execute(SENTENCES_INDEX, [done.article.id])
