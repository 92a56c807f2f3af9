"""A run killed with SIGKILL mid-write leaves claims.db consistent; the next run completes it.
Two runs on one output folder never write at once."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS

CLAIMDESK = str(Path(sys.executable).parent / "claimdesk")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """400 articles: the seeds, each varied by a numbered first line."""
    folder = tmp_path_factory.mktemp("corpus")
    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    for n in range(400):
        text = f"Report {n}: officials said the count reached {n}.\n" + seeds[n % len(seeds)]
        (folder / f"article-{n:04d}.txt").write_text(text, encoding="utf-8")
    return folder


def start_run(corpus: Path, output: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [CLAIMDESK, "run", str(corpus), "--output", str(output), "--batch-size", "4", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def article_count(db_path: Path) -> int:
    if not db_path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def assert_consistent(output: Path) -> int:
    """No article with half its sentences, no orphan cues, records files match the database."""
    with sqlite3.connect(output / "claims.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        partial = conn.execute(
            "SELECT a.id FROM articles a LEFT JOIN sentences s ON s.article_id = a.id "
            "GROUP BY a.id HAVING count(s.id) != a.sentence_count OR max(s.position) != a.sentence_count - 1"
        ).fetchall()
        assert partial == []
        orphans = conn.execute(
            "SELECT count(*) FROM cues WHERE sentence_id NOT IN (SELECT id FROM sentences)"
        )
        assert orphans.fetchone()[0] == 0
        rows = conn.execute("SELECT id, sentence_count FROM articles").fetchall()
    for article_id, count in rows:
        lines = (output / "records" / f"{article_id}.jsonl").read_text(encoding="utf-8").splitlines()
        assert [json.loads(line)["position"] for line in lines] == list(range(count))
    return len(rows)


def test_ten_random_kills_mid_write_lose_nothing_and_the_next_run_completes(tmp_path) -> None:
    """CI's share of `make crash-test` (which runs 100): SIGKILL the run's whole process group at
    random moments while it writes new and changed articles, check everything after each kill."""
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.crash", "--kills", "10", "--work", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "OK: 10 kills mid-write" in result.stdout


def test_a_run_stops_with_a_clear_message_while_another_holds_the_output(corpus, tmp_path) -> None:
    from claimdesk.lock import output_lock

    output = tmp_path / "out"
    with output_lock(output):  # as a running claimdesk does
        run = start_run(corpus, output)
        out, err = run.communicate(timeout=300)
    assert run.returncode == 3, out + err
    assert f"another claimdesk run is writing to {output}" in err
    assert "Traceback" not in err
    assert not (output / "claims.db").exists()


def test_a_locked_output_stops_the_run_before_prefect_and_says_how_long_it_waited(corpus, tmp_path) -> None:
    """The lock is tried, for --wait seconds, before any Prefect server is looked for: with a Prefect
    server named that does not answer, the run still stops on the lock (3), not the server (2)."""
    from claimdesk.lock import output_lock

    output = tmp_path / "out"
    claimdesk = [str(Path(sys.executable).parent / "claimdesk"), "run", str(corpus), "-o", str(output)]
    dead = {**os.environ, "PREFECT_API_URL": "http://127.0.0.1:9/api"}
    with output_lock(output):
        now = subprocess.run(claimdesk, capture_output=True, text=True, env=dead, timeout=300, check=False)
        waited = subprocess.run(
            [*claimdesk, "--wait", "0.5"], capture_output=True, text=True, env=dead, timeout=300, check=False
        )
    assert now.returncode == 3, now.stderr
    assert now.stderr.strip() == (
        f"claimdesk: another claimdesk run is writing to {output}; "
        "wait for it to finish or pass --wait SECONDS"
    )
    assert waited.returncode == 3, waited.stderr
    assert f"claimdesk: another claimdesk run is still writing to {output} after 0.5 s" in waited.stderr
    assert "Traceback" not in waited.stderr


def test_two_runs_started_together_take_turns_and_write_nothing_twice(corpus, tmp_path) -> None:
    output = tmp_path / "out"
    runs = [start_run(corpus, output, "--wait", "600") for _ in range(2)]
    for run in runs:
        out, err = run.communicate(timeout=900)
        assert run.returncode == 0, out + err
    assert assert_consistent(output) == 400
    with sqlite3.connect(output / "claims.db") as conn:
        assert conn.execute("SELECT count(*) FROM runs WHERE finished_at IS NOT NULL").fetchone()[0] == 2
        assert (
            conn.execute("SELECT count(*) FROM sentences").fetchone()[0]
            == conn.execute("SELECT sum(sentence_count) FROM articles").fetchone()[0]
        )
