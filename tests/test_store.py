"""The SQLite store: tables, keys, offsets, and one transaction per article."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from claimdesk import annotate as annotate_module
from claimdesk import store
from claimdesk.annotate import annotate
from claimdesk.ingest import make_article


def write(output: Path, rules, text: str, key: str = "a.txt", run_id: str = "run1"):
    db = store.open_db(output)
    store.write_rules(db, rules)
    store.start_run(db, run_id, rules, [key])
    done = annotate(make_article(key, key, text), rules)
    store.write_article(db, done, rules, run_id)
    return db, done


def test_tables_columns_keys_and_indexes(tmp_path: Path, rules) -> None:
    db, _ = write(tmp_path, rules, "Tehran has denied these claims.")
    assert {"articles", "sentences", "cues", "rules", "runs", "rejects"} <= set(db.table_names())
    assert {"id", "uri", "title", "text", "content_sha256"} <= set(db["articles"].columns_dict)
    assert {"id", "article_id", "position", "start", "end", "text", "status", "attributed_to"} <= set(
        db["sentences"].columns_dict
    )
    assert {"sentence_id", "rule_id", "status", "text", "start", "end"} <= set(db["cues"].columns_dict)
    fks = {(fk.column, fk.other_table) for fk in db["sentences"].foreign_keys + db["cues"].foreign_keys}
    assert {("article_id", "articles"), ("sentence_id", "sentences"), ("rule_id", "rules")} <= fks
    indexed = {tuple(i.columns) for i in db["sentences"].indexes}
    assert {("status",), ("attributed_to",), ("article_id",)} <= indexed
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_sentence_offsets_index_articles_text(tmp_path: Path, rules) -> None:
    db, _ = write(tmp_path, rules, "First claim here. “Second,” she said.\nThird line")
    rows = db.execute(
        "SELECT s.text, substr(a.text, s.start + 1, s.end - s.start) FROM sentences s "
        "JOIN articles a ON a.id = s.article_id"
    ).fetchall()
    assert len(rows) == 3
    assert all(text == sliced for text, sliced in rows)


def test_rewriting_an_article_replaces_its_sentences(tmp_path: Path, rules) -> None:
    db, _ = write(tmp_path, rules, "One. Two. Three.")
    db.close()
    db, _ = write(tmp_path, rules, "Only one now.", run_id="run2")
    assert db["sentences"].count == 1
    assert (
        db.execute(
            "SELECT count(*) FROM cues WHERE sentence_id NOT IN (SELECT id FROM sentences)"
        ).fetchone()[0]
        == 0
    )


def test_a_failure_mid_article_leaves_the_previous_version_whole(tmp_path: Path, rules) -> None:
    db, done = write(tmp_path, rules, "One. Two. Three.")
    store.start_run(db, "run2", rules, ["a.txt"])
    bad = annotate(make_article("a.txt", "a.txt", "New one. New two."), rules)
    # a cue of a rule the database does not know: its row breaks a foreign key, after the
    # article's sentences are inserted, so the insert fails half-way
    assert bad.prepared is not None
    sentence_id = bad.prepared.sentences[1][0]
    bad.prepared.cues.append((sentence_id, "no-such-rule", "alleged", "New", 0, 3))
    with pytest.raises(sqlite3.IntegrityError):
        store.write_article(db, bad, rules, "run2")
    texts = [r["text"] for r in db["sentences"].rows_where(order_by="position")]
    assert texts == ["One.", "Two.", "Three."]
    assert db["articles"].get(done.article.id)["content_sha256"] == done.article.content_sha256


def test_recovery_deletes_an_empty_pending_file_of_an_article_never_stored(tmp_path: Path, rules) -> None:
    """A run killed just after creating a pending records file, before writing it, leaves it empty:
    the next run must not take it for an article with no sentences (the crash test found this)."""
    from claimdesk import durable

    db, done = write(tmp_path, rules, "One. Two.")
    durable.store_article(db, tmp_path, done, rules, "run1")
    never = durable.records_path(tmp_path, "never-stored-0123456789")
    empty = never.with_name(never.name + durable.PENDING)
    empty.touch()
    stale = durable.records_path(tmp_path, done.article.id)
    stale_pending = stale.with_name(stale.name + durable.PENDING)
    stale_pending.touch()  # an empty pending of a stored article with sentences: not it either
    assert durable.recover(db, tmp_path) == 0
    assert not empty.exists() and not never.exists() and not stale_pending.exists()
    assert stale.read_text(encoding="utf-8").count("\n") == 2


def search(db, table: str, query: str) -> list[str]:
    column = "text" if table == "sentences" else "title"
    return [r[column] for r in db[table].search(query, columns=[column])]


def test_search_finds_sentences_and_titles_and_follows_rewrites(tmp_path: Path, rules) -> None:
    db, _ = write(tmp_path, rules, "Drones were supplied.\nTehran has denied these claims.")
    assert search(db, "sentences", "denied") == ["Tehran has denied these claims."]
    assert search(db, "articles", "drones") == ["Drones were supplied."]
    db.close()
    db, _ = write(tmp_path, rules, "Missiles were supplied.\nMoscow rejected the report.", run_id="run2")
    assert search(db, "sentences", "denied") == []
    assert search(db, "sentences", "rejected") == ["Moscow rejected the report."]
    assert search(db, "articles", "drones") == [] and search(db, "articles", "missiles")


def test_reopening_keeps_one_search_index(tmp_path: Path, rules) -> None:
    db, _ = write(tmp_path, rules, "Tehran has denied these claims.")
    db.close()
    db = store.open_db(tmp_path)
    assert search(db, "sentences", "Tehran") == ["Tehran has denied these claims."]
    assert db["sentences"].detect_fts() == "sentences_fts"


def test_a_database_from_before_indexes_each_new_sentence_once(tmp_path: Path, rules) -> None:
    """Databases made before sentences were indexed an article at a time have an insert trigger;
    opened now, it goes, so no sentence is found twice and the index stays whole."""
    db = store.open_db(tmp_path)
    db.execute(
        'CREATE TRIGGER IF NOT EXISTS "sentences_ai" AFTER INSERT ON "sentences" BEGIN '
        'INSERT INTO "sentences_fts" (rowid, "text") VALUES (new.rowid, new."text"); END'
    )
    db.close()
    db, _ = write(tmp_path, rules, "Tehran has denied these claims.")
    assert search(db, "sentences", "Tehran") == ["Tehran has denied these claims."]
    db.execute("INSERT INTO sentences_fts (sentences_fts) VALUES ('integrity-check')")  # raises if not
    triggers = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert "sentences_ai" not in triggers  # it would index every sentence a second time, slowly
    assert {"sentences_ad", "sentences_au"} <= triggers  # deletes and rewrites still follow


def test_an_article_written_a_part_at_a_time_is_stored_as_if_written_whole(
    tmp_path: Path, rules, monkeypatch
) -> None:
    """A long article's rows are made and inserted a part at a time (so its records are never all
    in memory); a short one's come from its worker already made. Either way its rows, claims and
    search index are those of one insert of the whole article."""
    sentences = annotate_module.ROWS_AT_ONCE + 250
    text = "\n".join(f"Officials said that {i} drones were supplied to the army." for i in range(sentences))
    article = make_article("long.txt", "long.txt", text, published="2024-01-01")
    done = annotate(article, rules)
    assert done.prepared is None  # too long to be sent whole: its records are made as written
    monkeypatch.setattr(annotate_module, "ROWS_AT_ONCE", 10**9)
    prepared = annotate(article, rules)
    assert prepared.prepared is not None
    dumps = {}
    for name, rows_at_once, annotated in [
        ("parts", sentences - 250, done),
        ("whole", 10**9, done),
        ("prepared", 10**9, prepared),
    ]:
        monkeypatch.setattr(annotate_module, "ROWS_AT_ONCE", rows_at_once)
        db = store.open_db(tmp_path / name)
        store.write_rules(db, rules)
        store.start_run(db, "run1", rules, ["long.txt"])
        store.write_article(db, annotated, rules, "run1")
        dumps[name] = [line for line in db.conn.iterdump() if not line.startswith('INSERT INTO "runs"')]
        assert db["sentences"].count == sentences
    assert dumps["parts"] == dumps["whole"] == dumps["prepared"]


def test_an_articles_text_is_stored_exactly_as_read_however_long(tmp_path: Path, rules) -> None:
    """The text goes into the row a part at a time (a huge article is not bound whole): what is
    read back is the text, as text, multi-byte characters across parts included, and a changed
    article's shorter text replaces it whole."""
    db = store.open_db(tmp_path)
    store.write_rules(db, rules)
    store.start_run(db, "run1", rules, ["a.txt"])
    long = "Ünïcödé “quotes” and 🙂 emoji.\n" * 80_000  # 2.4 million characters: three parts
    for text in [long, "Shorter now: “done” 🙂."]:
        article = make_article("a.txt", "a.txt", text)
        row = {**article.model_dump(), "run_id": "run1"}
        store._upsert_article(db, row)
        assert db.execute("SELECT typeof(text), text FROM articles").fetchall() == [("text", text)]
        assert db["articles"].get(article.id)["content_sha256"] == article.content_sha256


def test_a_batch_commits_its_articles_together_and_renames_their_files_after(tmp_path: Path, rules) -> None:
    """A run stores a batch in one transaction: until it is committed, the database and the records
    files show the previous versions (the new ones wait as pending files); a batch rolled back
    leaves those, and no pending file."""
    from claimdesk import durable

    db, old = write(tmp_path, rules, "One. Two.")
    durable.store_article(db, tmp_path, old, rules, "run1")
    first = durable.records_path(tmp_path, old.article.id)
    before = first.read_text(encoding="utf-8")
    new = [
        annotate(make_article(key, key, text), rules)
        for key, text in [("a.txt", "Three."), ("b.txt", "Four.")]
    ]
    later = durable.records_path(tmp_path, new[1].article.id)
    with pytest.raises(RuntimeError), durable.batch(db) as batch:
        for done in new:
            durable.store_article(db, tmp_path, done, rules, "run1", into=batch)
        assert first.read_text(encoding="utf-8") == before and not later.exists()
        assert len(list((tmp_path / "records").glob("*.pending"))) == 2
        raise RuntimeError("the run dies before the commit")
    assert [r["text"] for r in db["sentences"].rows_where(order_by="article_id, position")] == [
        "One.",
        "Two.",
    ]
    assert first.read_text(encoding="utf-8") == before and not later.exists()
    assert not list((tmp_path / "records").glob("*.pending"))
    with durable.batch(db) as batch:
        for done in new:
            durable.store_article(db, tmp_path, done, rules, "run1", into=batch)
    assert [r["text"] for r in db["sentences"].rows_where(order_by="article_id, position")] == [
        "Three.",
        "Four.",
    ]
    assert '"text": "Three."' in first.read_text(encoding="utf-8") and later.exists()
    assert not list((tmp_path / "records").glob("*.pending"))
