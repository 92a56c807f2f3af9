"""Shared fixtures: the shipped rules, the seed articles, and a real Prefect API for flow tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

# Prefect reads its settings at import: keep tests on their own home, quiet and patient.
os.environ.setdefault("PREFECT_HOME", str(Path(os.environ.get("TMPDIR", "/tmp")) / "claimdesk-test-prefect"))
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

# Every process this session starts inherits this mark, so the session can find any it leaves behind.
SESSION_MARK = "CLAIMDESK_TEST_SESSION"
os.environ[SESSION_MARK] = f"{os.getpid()}-{time.time_ns()}"
LEAK_GRACE_SECONDS = 20  # for processes already told to stop; an upper bound, not a timing assertion


def marked_processes() -> dict[int, str]:
    """Live processes (not zombies) started by this session: pid -> command line."""
    mark = f"{SESSION_MARK}={os.environ[SESSION_MARK]}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if mark not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue
            found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:  # ended meanwhile, or not ours to read
            continue
    return found


def children(pid: int) -> dict[int, str]:
    """Live processes of this session whose parent is ``pid``: pid -> command line."""
    found = {}
    for child, cmd in marked_processes().items():
        try:
            parent = int(Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):  # ended meanwhile
            continue
        if parent == pid:
            found[child] = cmd
    return found


def pytest_sessionfinish(session, exitstatus) -> None:
    """Fail the session if a process it started outlives it (then end that process)."""
    deadline = time.monotonic() + LEAK_GRACE_SECONDS
    left = marked_processes()
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = marked_processes()
    if left:
        for pid in left:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        lines = "\n".join(f"  {pid}: {cmd[:200]}" for pid, cmd in sorted(left.items()))
        sys.stderr.write(f"\nprocesses started by the tests are still running (now killed):\n{lines}\n")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def rules():
    from claimdesk.rules import load_rules

    return load_rules()


@pytest.fixture()
def seeds_copy(tmp_path: Path) -> Path:
    """A private copy of seeds/ so tests can add or change articles."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def prefect_api():
    """A real, temporary Prefect API (ephemeral server with its own database) for the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


def seed_text(name_prefix: str) -> str:
    path = next(SEEDS.glob(f"{name_prefix}*.txt"))
    return path.read_text(encoding="utf-8")


# An article that tries to run code wherever its text or title is shown: it must read as text.
HOSTILE_ARTICLE = (
    "Harbour fire <script>window.__pwned = 'script'; alert('script')</script> breaks out\n"
    "The harbour authority said the fire was contained <img src=x "
    "onerror=\"window.__pwned = 'img'; alert('img')\"> by noon.\n"
    "Residents denied that any warning was given.\n"
)
# Characters outside the Basic Multilingual Plane: offsets are in code points, not UTF-16 units.
WIDE_ARTICLE = "Flood warning 🌊 issued\nThe mayor 👩‍⚖️ said the river would crest at dawn.\n"


def seed_outlets() -> dict[str, str]:
    """Seed file name -> outlet, as seeds/sources.yaml gives them."""
    from claimdesk.sources import load_sources

    return {Path(spec.location).name: spec.outlet for spec in load_sources(SEEDS / "sources.yaml")}


def build_desk(output: Path, rules, extra: dict[str, str] | None = None) -> Path:
    """A claims.db and metadata.yml as `claimdesk run` leaves them: the seeds plus ``extra``
    articles (file name -> text), written through the real store without Prefect."""
    from claimdesk import store
    from claimdesk.annotate import annotate
    from claimdesk.ingest import make_article
    from claimdesk.metadata import write_metadata

    db = store.open_db(output)
    store.write_rules(db, rules)
    store.start_run(db, "desk", rules, ["seeds"])
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
    outlets = seed_outlets()
    for name, text in {**texts, **(extra or {})}.items():
        article = make_article(f"seeds/{name}", f"seeds/{name}", text, outlet=outlets.get(name))
        store.write_article(db, annotate(article, rules), rules, "desk")
    db.close()
    write_metadata(output, rules.name)
    return output / "claims.db"


def news_page(headline: str, paragraphs: list[str], charset: str = "utf-8") -> str:
    """A news page as sites serve them: cookie banner, navigation, ads, related links, footer."""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="{charset}">
<title>{headline} | The Daily Test</title>
<meta name="author" content="Jane Reporter">
<meta property="og:site_name" content="The Daily Test">
<meta property="article:published_time" content="2025-01-17T10:00:00Z">
<script>window.dataLayer = [];</script></head>
<body>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience.
 Accept all cookies to continue reading.</div>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World news</a></li>
<li><a href="/politics">Politics</a></li><li><a href="/subscribe">Subscribe now</a></li></ul></nav></header>
<div class="ad advertisement">Sponsored: officials say these shoes are the best, fifty percent off!</div>
<main><article><h1>{headline}</h1><p class="byline">By Jane Reporter</p>
{body}
</article></main>
<aside class="related"><h3>Most read</h3><ul>
<li><a href="/x">Minister denies everything, sources say</a></li>
<li><a href="/y">Ten things you did not know</a></li></ul></aside>
<footer><p>Copyright 2025 The Daily Test. All rights reserved.</p>
<a href="/privacy">Privacy policy</a></footer>
</body></html>"""


@dataclass
class Site:
    """A real HTTP server on 127.0.0.1; ``routes`` maps a path to (status, content type, body).

    A path served with an ``etag`` or ``last_modified`` sends them, and answers a request that
    names them (If-None-Match, else If-Modified-Since) with 304 Not Modified, as a web server does
    for a static file, unless the path is in ``ignoring`` (a server that ignores them). ``asked``
    keeps, per path, the conditional headers of each request; ``answered`` counts (path, status);
    ``sent`` the body bytes sent per path."""

    server: ThreadingHTTPServer
    routes: dict[str, list[tuple[int, str, bytes]]] = field(default_factory=dict)
    hits: Counter = field(default_factory=Counter)
    locations: dict[str, str] = field(default_factory=dict)
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    ignoring: set[str] = field(default_factory=set)
    asked: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    answered: Counter = field(default_factory=Counter)
    sent: Counter = field(default_factory=Counter)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def url(self, path: str) -> str:
        return self.base + path

    def serve(
        self,
        path: str,
        body: bytes | str,
        content_type: str = "text/html; charset=utf-8",
        status=200,
        etag: str | None = None,
        last_modified: str | None = None,
    ):
        """Serve ``body`` at ``path`` (replacing what was there), with these validators if given."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = [(status, content_type, data)]
        self.validators[path] = (etag, last_modified)

    def serve_sequence(self, path: str, answers: list[tuple[int, str, bytes]]) -> None:
        """Answer successive requests with successive answers (the last one repeats)."""
        self.routes[path] = list(answers)

    def redirect(self, path: str, target: str, status: int = 302) -> None:
        """Answer ``path`` with a redirect to ``target``."""
        self.routes[path] = [(status, "text/plain", b"")]
        self.locations[path] = target


def not_modified(asked: dict[str, str], etag: str | None, last_modified: str | None) -> bool:
    """Whether a server answers 304 to these conditional headers (RFC 9110 13.2.2: If-None-Match
    decides when it is sent; If-Modified-Since only without it)."""
    if "If-None-Match" in asked:
        return etag is not None and etag in [tag.strip() for tag in asked["If-None-Match"].split(",")]
    if "If-Modified-Since" in asked and last_modified:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(asked["If-Modified-Since"])
    return False


@pytest.fixture()
def site():
    """A local web site for fetch tests, stopped when the test ends (pass or fail)."""
    site = Site(server=None)  # type: ignore[arg-type]  # (its server is started below)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server API)
            site.hits[self.path] += 1
            answers = site.routes.get(self.path)
            if not answers:
                status, content_type, data = 404, "text/plain", b"not found"
            else:
                status, content_type, data = answers.pop(0) if len(answers) > 1 else answers[0]
            asked = {h: self.headers[h] for h in ("If-None-Match", "If-Modified-Since") if self.headers[h]}
            site.asked.setdefault(self.path, []).append(asked)
            etag, last_modified = site.validators.get(self.path, (None, None))
            if status == 200 and self.path not in site.ignoring and not_modified(asked, etag, last_modified):
                status, data = 304, b""
            site.answered[self.path, status] += 1
            site.sent[self.path] += len(data)
            self.send_response(status)
            if self.path in site.locations:
                self.send_header("Location", site.locations[self.path])
            if status in (200, 304):
                for name, value in (("ETag", etag), ("Last-Modified", last_modified)):
                    if value:
                        self.send_header(name, value)
            if status != 304:  # a 304 has no body
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    with local_server(Handler) as server:
        site.server = server
        yield site


@contextmanager
def local_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[ThreadingHTTPServer]:
    """Serve ``handler`` on a free port of 127.0.0.1 until the block ends, pass or fail."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_ui(output: Path) -> Iterator[str]:
    """``claimdesk ui`` serving ``output`` on a free port; yields its base URL, stops it after."""
    port = free_port()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "claimdesk"), "ui", "--output", str(output), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # poll until it answers, or has died with its output as the reason
            if proc.poll() is not None:
                raise RuntimeError(f"claimdesk ui exited {proc.returncode}: {proc.stdout.read()}")
            try:
                with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"claimdesk ui did not answer at {base}")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
