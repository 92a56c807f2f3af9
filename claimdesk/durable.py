"""Storing an article in two places, its records file and the database, so that a crash at any
moment leaves the two matching, or leaves a pending file the next run completes.

The database transaction is the commit point. The records file is first written beside its
final name as ``records/<id>.jsonl.pending``, then the article's rows are committed, then the
pending file is renamed over ``<id>.jsonl``. A run stores a batch of articles in one transaction
(:func:`batch`, each article in a savepoint of it: a commit per article was a fifth of the
writer's time) and renames their pending files once it is committed. A run killed before the
commit leaves pending files that do not match the database (the old files still do), a run
killed after it leaves ones that do; before it reads anything, the next run renames the second
kind and deletes the first (:func:`recover`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from claimdesk import claims, store
from claimdesk.annotate import Annotated
from claimdesk.incremental import FileStamp
from claimdesk.rules import RuleSet

PENDING = ".pending"
COMPARED = ("id", "position", "start", "end", "text", "status")


def records_path(output: Path, article_id: str) -> Path:
    return output / "records" / f"{article_id}.jsonl"


def store_article(
    db: sqlite_utils.Database,
    output: Path,
    done: Annotated,
    rules: RuleSet,
    run_id: str,
    stamp: FileStamp | None = None,
    renames: list[tuple[Path, Path]] | None = None,
) -> None:
    """Write the records file and the rows of one article, crash-safely (see the module); ``stamp``
    is the file it was read from, stored with it so a re-run can skip that file unread.

    ``renames``: the article is part of a :func:`batch`, whose commit is still to come; its pending
    file is renamed then. Without it the article is committed and renamed now."""
    target = records_path(output, done.article.id)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and not target.is_file():  # the rename after the commit would fail: fail before it
        raise IsADirectoryError(f"{target} is not a file")
    pending = target.with_name(target.name + PENDING)
    with pending.open("w", encoding="utf-8") as fh:
        store.write_records(fh, done)
        fh.flush()
        os.fsync(fh.fileno())
    try:
        store.write_article(db, done, rules, run_id, stamp)
    except BaseException:
        pending.unlink(missing_ok=True)
        raise
    if renames is None:
        os.replace(pending, target)
    else:
        renames.append((pending, target))


@contextmanager
def batch(db: sqlite_utils.Database) -> Iterator[list[tuple[Path, Path]]]:
    """One transaction for the articles stored inside it (pass what it yields to
    :func:`store_article` as ``renames``); their pending files are renamed once it is committed.
    An article that fails is rolled back alone (its savepoint); if the whole batch is rolled back,
    its pending files are deleted."""
    renames: list[tuple[Path, Path]] = []
    try:
        with db.atomic():
            yield renames
    except BaseException:
        claims.forget(db)  # grouping's memory of the database holds what was rolled back
        for pending, _ in renames:
            pending.unlink(missing_ok=True)
        raise
    for pending, target in renames:
        os.replace(pending, target)


def matches(db: sqlite_utils.Database, article_id: str, path: Path) -> bool:
    """Whether the records file at ``path`` holds exactly the article's sentences in the database,
    the article being stored: an empty file left by a kill before anything was written matches
    no article that was never stored."""
    try:
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    except (OSError, ValueError):
        return False
    stored = db.execute("SELECT sentence_count FROM articles WHERE id = ?", [article_id]).fetchone()
    if stored is None or stored[0] != len(lines):
        return False
    columns = ", ".join(f"[{c}]" for c in COMPARED)
    rows = db.execute(
        f"SELECT {columns} FROM sentences WHERE article_id = ? ORDER BY position", [article_id]
    ).fetchall()
    return [tuple(line.get(c) for c in COMPARED) for line in lines] == [tuple(row) for row in rows]


def recover(db: sqlite_utils.Database, output: Path) -> int:
    """Complete what a killed run left: rename pending files that match the database, delete the
    rest. Returns how many were completed."""
    completed = 0
    for pending in sorted((output / "records").glob(f"*.jsonl{PENDING}")):
        target = pending.with_name(pending.name.removesuffix(PENDING))
        if matches(db, target.name.removesuffix(".jsonl"), pending):
            os.replace(pending, target)
            completed += 1
        else:
            pending.unlink()
    return completed
