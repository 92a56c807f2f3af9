"""Bad fetches, unreadable folders, idempotence, and readers during writes."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from claimdesk import fetch, ingest, store
from claimdesk.annotate import annotate
from tests.conftest import SEEDS, local_server, news_page

PAGE = news_page("Moscow signs the treaty", ["Moscow signed the treaty on Friday.", "Iran agreed."]).encode()


@pytest.fixture()
def hostile_site():
    """Answers that go wrong in every way a fetch can: slow, looping, redirecting off the web, huge."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server API)
            if self.path == "/slow":
                time.sleep(3)
            if self.path in ("/loop", "/to-file"):
                self.send_response(302)
                self.send_header("Location", "/loop" if self.path == "/loop" else "file:///etc/passwd")
                self.end_headers()
                return
            if self.path == "/cut":  # promises a whole page, sends a tenth of it, hangs up
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(PAGE)))
                self.end_headers()
                self.wfile.write(PAGE[: len(PAGE) // 10])
                self.close_connection = True
                return
            status, body = {"/500": (500, b"boom"), "/404": (404, b"gone"), "/good": (200, PAGE)}.get(
                self.path,
                (200, b"x" * (6 * 1024 * 1024)),  # /huge and /slow: over the 5 MiB cap
            )
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            if self.path != "/huge":  # no Content-Length: the cap must hold while streaming
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client hung up on /huge
                self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    with local_server(Handler) as server:
        yield f"http://127.0.0.1:{server.server_port}"


def test_each_bad_fetch_says_why_and_whether_a_retry_could_help(hostile_site) -> None:
    cases = {
        "/slow": ("timed out after 0.5 s", True),
        "/500": ("HTTP 500", True),
        "/404": ("HTTP 404", False),
        "/loop": ("redirect loop", False),
        "/to-file": ("refused redirect to a non-http(s) URL", False),
        "/huge": ("too large", False),
        "/cut": ("the connection broke before the whole page came", True),  # it said "cannot connect"
    }
    for path, (reason, transient) in cases.items():
        with pytest.raises(fetch.FetchError) as caught:
            fetch.fetch(hostile_site + path, timeout=0.5, allow_private=True)  # redirects stay on loopback
        assert reason in str(caught.value) and "\n" not in str(caught.value), path
        assert caught.value.transient is transient, path


def test_a_run_over_bad_urls_lists_each_failure_and_keeps_the_good_page(
    prefect_api, hostile_site, tmp_path
) -> None:
    from claimdesk.flows.pipeline import run_pipeline

    bad = ["/500", "/404", "/loop", "/to-file", "/huge"]
    summary = run_pipeline(
        paths=[hostile_site + p for p in [*bad, "/good"]], output=str(tmp_path / "out"), allow_private=True
    )
    assert summary["new"] == 1
    reasons = {f["source"].removeprefix(hostile_site): f["reason"] for f in summary["failures"]}
    assert set(reasons) == set(bad)
    assert all(reason and "\n" not in reason for reason in reasons.values())
    with sqlite3.connect(tmp_path / "out" / "claims.db") as conn:
        assert conn.execute("SELECT count(*) FROM rejects WHERE stage = 'fetch'").fetchone()[0] == len(bad)


def test_an_unreadable_folder_is_reported_not_skipped_silently() -> None:
    base = Path(tempfile.mkdtemp(prefix="claimdesk-perm-"))  # pytest's tmp folders are root-only
    os.chmod(base, 0o755)
    top = base / "articles"
    (top / "locked").mkdir(parents=True)
    (top / "ok.txt").write_text("Officials said the bridge opened.", encoding="utf-8")
    (top / "locked" / "hidden.txt").write_text("Hidden.", encoding="utf-8")
    os.chmod(top / "locked", 0)
    os.seteuid(65534)  # root reads any folder: look as an ordinary user would
    try:
        sources, problems = ingest.discover([top])
    finally:
        os.seteuid(0)
        os.chmod(top / "locked", 0o755)
        shutil.rmtree(base)
    assert [Path(s.location).name for s in sources] == ["ok.txt"]
    assert problems == [(str(top / "locked"), "cannot read folder: Permission denied")]


def test_the_same_sources_give_byte_identical_records_and_rows(prefect_api, tmp_path: Path) -> None:
    from claimdesk.flows.pipeline import run_pipeline

    outputs = [tmp_path / "a", tmp_path / "b"]
    for output in outputs:
        run_pipeline(paths=[str(SEEDS)], output=str(output))
    files = [sorted((o / "records").glob("*.jsonl")) for o in outputs]
    assert [p.name for p in files[0]] == [p.name for p in files[1]]
    for left, right in zip(*files, strict=True):
        assert left.read_bytes() == right.read_bytes()
    rows = []
    for output in outputs:
        with sqlite3.connect(output / "claims.db") as conn:
            rows.append(conn.execute("SELECT * FROM sentences ORDER BY id").fetchall())
    assert rows[0] == rows[1] and rows[0]


def test_a_reader_sees_whole_articles_while_a_run_writes(tmp_path: Path, rules) -> None:
    """WAL: a reader (Datasette) keeps a consistent snapshot while the writer replaces articles."""
    db = store.open_db(tmp_path)
    store.write_rules(db, rules)
    store.start_run(db, "r1", rules, ["x"])
    first = annotate(ingest.make_article("a.txt", "a.txt", "One. Two. Three."), rules)
    store.write_article(db, first, rules, "r1")
    reader = sqlite3.connect(f"file:{tmp_path / 'claims.db'}?mode=ro", uri=True)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM sentences").fetchone()[0] == 3
    second = annotate(ingest.make_article("a.txt", "a.txt", "Only one now."), rules)
    store.write_article(db, second, rules, "r1")  # the writer is not blocked by the reader
    assert reader.execute("SELECT count(*) FROM sentences").fetchone()[0] == 3  # its snapshot holds
    reader.execute("COMMIT")
    assert reader.execute("SELECT count(*) FROM sentences").fetchone()[0] == 1
    reader.close()
