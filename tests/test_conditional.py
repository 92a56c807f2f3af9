"""Conditional requests: a URL fetched before is asked for again with the validators its server gave
(ETag, Last-Modified); a 304 Not Modified costs no download and counts its articles unchanged, and
the tagging is still brought up to date when the rules or the outlet changed. A real server on
127.0.0.1 (``site``) answers as web servers do and counts what it was asked and what it sent."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from claimdesk import fetch, runs
from claimdesk.rules import load_rules
from tests.conftest import ROOT, news_page

ENGINES = ["library", "flow"]
MONDAY = "Mon, 13 Jan 2025 09:00:00 GMT"
FRIDAY = "Fri, 17 Jan 2025 10:00:00 GMT"


def page(n: int, version: int = 1) -> str:
    return news_page(
        f"Harbour story {n}",
        [
            f"The harbour board said berth {n} reopened on Monday.",
            f"Police denied that berth {n} was ever closed (version {version}).",
        ],
    )


def run_with(engine: str, request: pytest.FixtureRequest, **parameters) -> dict:
    """A run as the library (``claimdesk.runs.run``) or the Prefect flow does it."""
    if engine == "library":
        return runs.run(**parameters)
    request.getfixturevalue("prefect_api")
    from claimdesk.flows.pipeline import run_pipeline

    return run_pipeline(**{k: str(v) if isinstance(v, Path) else v for k, v in parameters.items()})


def kept(output: Path) -> dict:
    """What a user reads back: the records files and the rows of articles and sentences."""
    with sqlite3.connect(output / "claims.db") as db:
        return {
            "records": {p.name: p.read_bytes() for p in sorted((output / "records").iterdir())},
            "articles": db.execute(
                "SELECT id, uri, text, content_sha256, outlet, rules_digest, run_id, source_url, "
                "source_etag, source_last_modified FROM articles ORDER BY id"
            ).fetchall(),
            "sentences": db.execute("SELECT id, text, status FROM sentences ORDER BY id").fetchall(),
        }


def counts(summary: dict) -> tuple[int, ...]:
    return tuple(summary[k] for k in ("new", "changed", "unchanged", "failed", "not_modified"))


def test_fetch_sends_the_validators_back_and_a_304_comes_back_without_a_body(site) -> None:
    site.serve("/p.html", page(1), etag='"v1"', last_modified=FRIDAY)
    site.redirect("/moved", "/p.html")
    first = fetch.fetch(site.url("/p.html"))
    assert first.validators == fetch.Validators('"v1"', FRIDAY)
    # sent on through a redirect (to loopback: allowed here), the page's server answers 304
    again = fetch.fetch(site.url("/moved"), allow_private=True, validators=first.validators)
    assert again == fetch.NotModified(site.url("/moved"), site.url("/p.html"))
    assert site.asked["/p.html"] == [{}, {"If-None-Match": '"v1"', "If-Modified-Since": FRIDAY}]
    assert site.answered["/p.html", 304] == 1
    stale = fetch.fetch(site.url("/p.html"), validators=fetch.Validators('"v0"'))
    assert isinstance(stale, fetch.Fetched) and stale.data == page(1).encode()
    # A link found in a document is refused before any request, validators or not.
    with pytest.raises(fetch.FetchError, match="refused link to an internal address"):
        fetch.fetch(site.url("/p.html"), trusted=False, validators=first.validators)
    assert site.hits["/p.html"] == 3


@pytest.mark.parametrize("engine", ENGINES)
def test_a_second_run_asks_each_url_conditionally_and_counts_a_304_unchanged(
    engine: str, request, site, tmp_path: Path
) -> None:
    served = {
        "/etag.html": {"etag": '"e1"'},
        "/dated.html": {"last_modified": MONDAY},
        "/both.html": {"etag": 'W/"b1"', "last_modified": FRIDAY},
    }
    for n, (path, validators) in enumerate(served.items(), start=1):
        site.serve(path, page(n), **validators)
    urls = [site.url(path) for path in served]
    output = tmp_path / "out"
    first = run_with(engine, request, paths=urls, output=output)
    assert counts(first) == (3, 0, 0, 0, 0)
    before = kept(output)

    second = run_with(engine, request, paths=urls, output=output)
    assert counts(second) == (0, 0, 3, 0, 3)
    assert (second["articles"], second["sentences"]) == (0, 0), "nothing tagged again"
    for n, path in enumerate(served, start=1):
        sent = {"etag": "If-None-Match", "last_modified": "If-Modified-Since"}
        assert site.asked[path][1] == {sent[k]: v for k, v in served[path].items()}
        assert (site.answered[path, 200], site.answered[path, 304]) == (1, 1)
        assert site.sent[path] == len(page(n).encode()), "the page was sent once, by the first run"
    assert kept(output) == before
    with sqlite3.connect(output / "claims.db") as db:
        assert db.execute(
            "SELECT new, changed, unchanged FROM runs WHERE id = ?", [second["run_id"]]
        ).fetchone() == (
            0,
            0,
            3,
        )


def test_a_page_whose_etag_changed_is_downloaded_and_tagged_again(site, tmp_path: Path) -> None:
    site.serve("/a.html", page(1), etag='"a1"')
    site.serve("/b.html", page(2), etag='"b1"')
    urls = [site.url("/a.html"), site.url("/b.html")]
    output = tmp_path / "out"
    runs.run(urls, output)
    site.serve("/a.html", page(1, version=2), etag='"a2"')

    second = runs.run(urls, output)
    assert counts(second) == (0, 1, 1, 0, 1)
    assert site.asked["/a.html"][1] == {"If-None-Match": '"a1"'}
    assert (site.answered["/a.html", 200], site.answered["/b.html", 304]) == (2, 1)
    with sqlite3.connect(output / "claims.db") as db:
        texts = [r[0] for r in db.execute("SELECT text FROM sentences WHERE text LIKE '%version%'")]
        etags = db.execute("SELECT source_etag FROM articles ORDER BY uri").fetchall()
    assert sorted(texts) == [
        "Police denied that berth 1 was ever closed (version 2).",
        "Police denied that berth 2 was ever closed (version 1).",
    ]
    assert etags == [('"a2"',), ('"b1"',)]

    third = runs.run(urls, output)
    assert counts(third) == (0, 0, 2, 0, 2)
    assert site.asked["/a.html"][2] == {"If-None-Match": '"a2"'}


def test_a_server_without_validators_or_that_ignores_them_is_read_as_before(site, tmp_path: Path) -> None:
    site.serve("/plain.html", page(1))
    site.serve("/deaf.html", page(2), etag='"d1"')
    site.ignoring.add("/deaf.html")  # it sends an ETag but always answers 200 with the page
    urls = [site.url("/plain.html"), site.url("/deaf.html")]
    output = tmp_path / "out"
    assert counts(runs.run(urls, output)) == (2, 0, 0, 0, 0)
    assert counts(runs.run(urls, output)) == (0, 0, 2, 0, 0), "unchanged by their hash, as before"
    assert site.asked["/plain.html"] == [{}, {}]
    assert site.asked["/deaf.html"] == [{}, {"If-None-Match": '"d1"'}]
    assert (site.answered["/plain.html", 200], site.answered["/deaf.html", 200]) == (2, 2)
    site.serve("/plain.html", page(1, version=2))
    assert counts(runs.run(urls, output)) == (0, 1, 1, 0, 0)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_rules_change_retags_from_the_stored_text_when_the_server_answers_304(
    engine: str, request, site, tmp_path: Path
) -> None:
    site.serve("/a.html", page(1), etag='"a1"')
    site.serve("/b.html", page(2), last_modified=MONDAY)
    urls = [site.url("/a.html"), site.url("/b.html")]
    output = tmp_path / "out"
    first = run_with(engine, request, paths=urls, output=output)
    edited = tmp_path / "rules.yaml"
    shipped = (ROOT / "claimdesk" / "rules" / "default.yaml").read_text(encoding="utf-8")
    edited.write_text(shipped.replace('version: "', 'version: "edited-', 1), encoding="utf-8")

    second = run_with(engine, request, paths=urls, output=output, rules_path=edited)
    assert counts(second) == (0, 2, 0, 0, 2)
    assert second["retagged"] == 2 and second["sentences"] == first["sentences"]
    assert (site.answered["/a.html", 304], site.answered["/b.html", 304]) == (1, 1), "not downloaded again"
    stored = kept(output)
    assert {(a[5], a[6]) for a in stored["articles"]} == {(load_rules(edited).digest, second["run_id"])}
    assert {a[7:] for a in stored["articles"]} == {
        (site.url("/a.html"), '"a1"', None),
        (site.url("/b.html"), None, MONDAY),
    }, "the validators stay for the next run"
    for records in stored["records"].values():
        assert b'"rules_version": "edited-' in records or b'"rules_version":"edited-' in records

    third = run_with(engine, request, paths=urls, output=output, rules_path=edited)
    assert counts(third) == (0, 0, 2, 0, 2)


def test_an_outlet_named_for_a_page_that_answers_304_is_credited_to_it(site, tmp_path: Path) -> None:
    site.serve("/a.html", page(1), etag='"a1"')
    config = tmp_path / "sources.yaml"
    output = tmp_path / "out"
    for outlet in ("Harbour Post", "Harbour Times"):
        config.write_text(
            f"sources:\n  - urls: [{site.url('/a.html')}]\n    outlet: {outlet}\n", encoding="utf-8"
        )
        summary = runs.run(sources=config, output=output)
    assert counts(summary) == (0, 1, 0, 0, 1)
    with sqlite3.connect(output / "claims.db") as db:
        assert db.execute("SELECT outlet FROM articles").fetchall() == [("Harbour Times",)]
        assert {r[0] for r in db.execute("SELECT outlet FROM claim_mentions")} == {"Harbour Times"}


def rss(site, items: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>
<title>Harbour Wire</title>{items}</channel></rss>"""


def linked(site, n: int) -> str:
    return f"<item><title>Harbour story {n}</title><link>{site.url(f'/p{n}.html')}</link></item>"


def own(n: int) -> str:
    return (
        f"<item><title>Brief {n}</title><guid>brief-{n}</guid><description>The port authority said "
        f"crane {n} was repaired. Unions denied crane {n} had ever failed.</description></item>"
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_a_feed_that_links_pages_is_read_whole_and_its_pages_asked_for_conditionally(
    engine: str, request, site, tmp_path: Path
) -> None:
    """A feed's entries link pages that change on their own (a correction, an update) whatever the
    feed says: the feed is downloaded every run, and each page it links is asked for conditionally."""
    site.serve(
        "/feed.rss", rss(site, linked(site, 1) + linked(site, 2) + own(3)), "application/rss+xml", etag='"f1"'
    )
    site.serve("/p1.html", page(1), etag='"p1"')
    site.serve("/p2.html", page(2), etag='"p2"')
    config = tmp_path / "sources.yaml"
    config.write_text(
        f"sources:\n  - feed: {site.url('/feed.rss')}\n    allow_private: true\n", encoding="utf-8"
    )
    output = tmp_path / "out"
    assert counts(run_with(engine, request, sources=config, output=output)) == (3, 0, 0, 0, 0)

    second = run_with(engine, request, sources=config, output=output)
    assert counts(second) == (0, 0, 3, 0, 2)
    assert site.asked["/feed.rss"] == [{}, {}], "a feed that links pages is read whole"
    assert site.asked["/p1.html"][1] == {"If-None-Match": '"p1"'}
    assert (site.answered["/p1.html", 304], site.answered["/p2.html", 304]) == (1, 1)

    site.serve("/p2.html", page(2, version=2), etag='"p2b"')  # the page changed, the feed did not
    third = run_with(engine, request, sources=config, output=output)
    assert counts(third) == (0, 1, 2, 0, 1)
    with sqlite3.connect(output / "claims.db") as db:
        assert db.execute("SELECT count(*) FROM sentences WHERE text LIKE '%(version 2).'").fetchone() == (1,)


def test_a_feed_with_its_own_text_answers_304_once_a_run_found_it_unchanged(site, tmp_path: Path) -> None:
    """A feed whose entries carry their text is several articles in one document: its validators are
    kept once a run finds every entry unchanged (a run killed between storing its old and its new
    entries must not leave them vouching for entries never stored), so the run after a change reads
    it whole once more; entries it no longer lists are not counted again."""
    feed = site.url("/feed.rss")
    site.serve("/feed.rss", rss(site, own(1) + own(2)), "application/rss+xml", etag='"f1"')
    output = tmp_path / "out"
    assert counts(runs.run([feed], output)) == (2, 0, 0, 0, 0)
    assert counts(runs.run([feed], output)) == (0, 0, 2, 0, 0)
    assert counts(runs.run([feed], output)) == (0, 0, 2, 0, 1)
    assert site.asked["/feed.rss"] == [{}, {}, {"If-None-Match": '"f1"'}]

    site.serve("/feed.rss", rss(site, own(2) + own(3)), "application/rss+xml", etag='"f2"')  # 1 dropped
    assert counts(runs.run([feed], output)) == (1, 0, 1, 0, 0)
    assert counts(runs.run([feed], output)) == (0, 0, 2, 0, 0)
    assert counts(runs.run([feed], output)) == (0, 0, 2, 0, 1), "brief 1, no longer listed, is not counted"
    assert site.asked["/feed.rss"][3:] == [{"If-None-Match": '"f1"'}, {}, {"If-None-Match": '"f2"'}]
    with sqlite3.connect(output / "claims.db") as db:
        assert db.execute("SELECT count(*) FROM articles").fetchone() == (3,), (
            "an archive keeps what feeds drop"
        )


def test_the_command_line_says_how_many_urls_answered_304(site, tmp_path: Path) -> None:
    site.serve("/a.html", page(1), etag='"a1"')
    site.serve("/b.html", page(2))
    args = [site.url("/a.html"), site.url("/b.html"), "--output", str(tmp_path / "out")]
    command = [str(Path(sys.executable).parent / "claimdesk"), "run", *args]
    subprocess.run(command, capture_output=True, text=True, check=True, timeout=600)
    again = subprocess.run(command, capture_output=True, text=True, check=True, timeout=600)
    assert "Articles: 0 new, 0 changed, 2 unchanged, 0 failed." in again.stdout
    assert "Not downloaded again: 1 URL answered 304 Not Modified" in again.stdout
    assert again.stderr.splitlines() == ["claimdesk: 2 of 2 URLs done, 1 answered 304 Not Modified"]
