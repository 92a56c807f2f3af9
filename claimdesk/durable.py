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
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import sqlite_utils

from claimdesk import claims, store
from claimdesk.annotate import Annotated
from claimdesk.incremental import Stamp
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
    stamp: Stamp | None = None,
    into: Batch | None = None,
) -> None:
    """Write the records file and the rows of one article, crash-safely (see the module); ``stamp``
    is the file or URL it was read from, stored with it so a re-run can skip reading it again.

    ``into``: the batch (:func:`batch`) the article joins, whose commit is still to come: its
    pending file goes to disk while its rows are written, and is renamed after the commit. Without
    one the article is a batch of its own, committed and renamed now."""
    if into is None:
        with batch(db) as alone:
            store_article(db, output, done, rules, run_id, stamp, alone)
        return
    target = records_path(output, done.article.id)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and not target.is_file():  # the rename after the commit would fail: fail before it
        raise IsADirectoryError(f"{target} is not a file")
    pending = target.with_name(target.name + PENDING)
    fh = pending.open("w", encoding="utf-8")
    try:
        store.write_records(fh, done)
        fh.flush()
    except BaseException:
        fh.close()
        pending.unlink(missing_ok=True)
        raise
    into.sync(fh)
    try:
        store.write_article(db, done, rules, run_id, stamp)
    except BaseException:
        pending.unlink(missing_ok=True)
        raise
    into.renames.append((pending, target))


class Batch:
    """The articles of a :func:`batch`: their pending files, put on disk (``fsync``) by a thread of
    their own while the rows are written (one wait of a third of a millisecond per article, in the
    one writer, was a tenth of a run), and renamed after the commit."""

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        self.pool = pool
        self.syncing: list[Future[None]] = []
        self.renames: list[tuple[Path, Path]] = []

    def sync(self, fh: TextIO) -> None:
        """Put ``fh``'s file on disk, then close it (in the background)."""
        self.syncing.append(self.pool.submit(_sync_and_close, fh))

    def synced(self) -> None:
        """Wait until every pending file is on disk (raise if one could not be)."""
        for future in self.syncing:
            future.result()


def _sync_and_close(fh: TextIO) -> None:
    try:
        os.fsync(fh.fileno())
    finally:
        fh.close()


@contextmanager
def batch(db: sqlite_utils.Database) -> Iterator[Batch]:
    """One transaction for the articles stored inside it (pass what it yields to
    :func:`store_article`), committed once their records files are on disk; their pending files
    are renamed after it. An article that fails is rolled back alone (its savepoint); if the whole
    batch is rolled back, its pending files are deleted."""
    with ThreadPoolExecutor(1, thread_name_prefix="claimdesk-fsync") as pool:
        done = Batch(pool)
        try:
            with db.atomic():
                yield done
                done.synced()
        except BaseException:
            claims.forget(db)  # grouping's memory of the database holds what was rolled back
            for future in done.syncing:  # each file closed before it is deleted
                future.exception()
            for pending, _ in done.renames:
                pending.unlink(missing_ok=True)
            raise
    for pending, target in done.renames:
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
