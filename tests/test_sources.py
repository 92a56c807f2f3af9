"""Real sources: sources.yaml, and pages, feeds and URLs served by a local HTTP server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from claimdesk import fetch
from claimdesk.sources import SourcesError, SourceSpec, load_sources
from tests.conftest import news_page, seed_text

SEED = seed_text("001")
HEADLINE, *PARAGRAPHS = [line for line in SEED.splitlines() if line.strip()]


def wire_rss(items: str) -> str:
    """An RSS feed titled Wire holding ``items``."""
    return f"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Wire</title>
{items}
</channel></rss>"""


def feed_xml(site) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Local Wire</title><id>urn:wire</id>
<updated>2025-01-17T10:00:00Z</updated>
<entry><title>Tehran denies the report</title><id>urn:a</id><link href="{site.url("/a")}"/>
<updated>2025-01-17T10:00:00Z</updated>
<content type="html">&lt;p&gt;Tehran has denied these claims.&lt;/p&gt;
&lt;p&gt;Officials said it was false.&lt;/p&gt;</content>
</entry>
<entry><title>{HEADLINE}</title><id>urn:b</id><link href="{site.url("/linked.html")}"/>
<updated>2025-01-17T11:00:00Z</updated><summary>Teaser.</summary></entry>
<entry><title>Secrets</title><id>urn:c</id><link href="file:///etc/passwd"/>
<updated>2025-01-17T12:00:00Z</updated><summary>Teaser.</summary></entry>
<entry><title>Gone</title><id>urn:d</id><link href="{site.url("/gone.html")}"/>
<updated>2025-01-17T12:00:00Z</updated><summary>Teaser.</summary></entry>
</feed>"""


def test_pages_and_a_feed_from_a_local_server_are_ingested_and_bad_links_listed(
    prefect_api, site, tmp_path: Path
) -> None:
    from claimdesk.flows.pipeline import run_pipeline

    site.serve("/feed.atom", feed_xml(site), "application/atom+xml")
    site.serve("/linked.html", news_page(HEADLINE, PARAGRAPHS))
    site.serve(
        "/page.html", news_page("Moscow signs the treaty", ["Moscow signed the treaty on Friday."] * 2)
    )
    config = tmp_path / "sources.yaml"
    config.write_text(
        f"sources:\n  - feed: {site.url('/feed.atom')}\n    allow_private: true\n"  # the site is on loopback
        f"  - urls: [{site.url('/page.html')}]\n    outlet: Page Post\n",
        encoding="utf-8",
    )
    output = tmp_path / "out"
    summary = run_pipeline(sources=str(config), output=str(output))

    assert (summary["new"], summary["failed"]) == (3, 2)
    db = sqlite_utils.Database(output / "claims.db")
    articles = {a["uri"]: a for a in db["articles"].rows}
    assert set(articles) == {site.url("/a"), site.url("/linked.html"), site.url("/page.html")}
    assert articles[site.url("/a")]["outlet"] == "Local Wire"
    assert articles[site.url("/page.html")]["outlet"] == "Page Post"
    linked = articles[site.url("/linked.html")]
    assert (linked["title"], linked["author"]) == (HEADLINE, "Jane Reporter")
    texts = [r["text"] for r in db["sentences"].rows_where("article_id = ?", [linked["id"]])]
    assert texts[0] == HEADLINE and all(t in SEED for t in texts)
    reasons = {r["source"]: r["reason"] for r in db["rejects"].rows}
    (local,) = [source for source in reasons if source.startswith("file:")]
    assert reasons[local].startswith("refused URL scheme 'file'")
    assert reasons[site.url("/gone.html")] == "HTTP 404 Not Found"
    assert not any("root:" in a["text"] for a in articles.values())
    assert {f["source"] for f in summary["failures"]} == set(reasons)
    assert site.hits["/gone.html"] == 1, "a 404 is not retried"
    assert "## Failed sources" in latest_summary_artifact()
    assert f"| {site.url('/gone.html')} | fetch | HTTP 404 Not Found |" in latest_summary_artifact()


def latest_summary_artifact() -> str:
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    from claimdesk.flows.pipeline import SUMMARY_KEY

    async def read() -> str:
        async with get_client() as client:
            found = await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[SUMMARY_KEY])),
                sort=ArtifactSort.CREATED_DESC,
                limit=1,
            )
            return found[0].data

    return asyncio.run(read())


def test_a_flaky_page_is_fetched_on_retry(prefect_api, site, tmp_path: Path) -> None:
    from claimdesk.flows.pipeline import run_pipeline

    page = news_page("Moscow signs the treaty", ["Moscow signed the treaty on Friday."] * 2).encode()
    site.serve_sequence("/flaky.html", [(503, "text/plain", b"busy"), (200, "text/html", page)])
    summary = run_pipeline(paths=[site.url("/flaky.html")], output=str(tmp_path / "out"))
    assert (summary["new"], summary["failed"]) == (1, 0)
    assert site.hits["/flaky.html"] == 2


def test_fetch_caps_size_and_refuses_other_schemes(site) -> None:
    site.serve("/big.html", b"x" * 5000)
    with pytest.raises(fetch.FetchError, match="too large") as caught:
        fetch.fetch(site.url("/big.html"), max_bytes=1000)
    assert not caught.value.transient
    for url in ["file:///etc/passwd", "ftp://x.example/a", "javascript:alert(1)", "/relative"]:
        with pytest.raises(fetch.FetchError, match="refused URL scheme"):
            fetch.fetch(url)
    site.serve("/busy", b"busy", "text/plain", status=503)
    with pytest.raises(fetch.FetchError, match="HTTP 503") as caught:
        fetch.fetch(site.url("/busy"))
    assert caught.value.transient


def test_sources_file_paths_resolve_against_its_folder(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "urls.txt").write_text("# wire\nhttp://a.example/1\n\nhttps://b.example/2 # b\n")
    config = tmp_path / "conf" / "sources.yaml"
    config.write_text(
        "sources:\n"
        "  - folder: inbox\n    outlet: Inbox Daily\n"
        "  - file: /data/a.json\n"
        "  - feed: https://wire.example/rss\n"
        "  - urls: [https://c.example/3]\n"
        "  - url_list: urls.txt\n    outlet: Listed\n"
    )
    assert load_sources(config) == [
        SourceSpec("folder", str(tmp_path / "conf" / "inbox"), "Inbox Daily"),
        SourceSpec("file", "/data/a.json"),
        SourceSpec("feed", "https://wire.example/rss"),
        SourceSpec("file", "https://c.example/3"),
        SourceSpec("file", "http://a.example/1", "Listed"),
        SourceSpec("file", "https://b.example/2", "Listed"),
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "sources:\n  - folder: a\n    file: b\n",
            "entry 1: give exactly one of folder, file, feed, urls, url_list",
        ),
        ("sources:\n  - folder: a\n    colour: red\n", "Additional properties are not allowed ('colour'"),
        ("sources:\n  - folderr: inbox\n    outlet: X\n", "(found none; unknown key 'folderr')"),
        ("sources:\n  - folder: a\nsources:\n  - folder: b\n", "'sources' is given twice in one mapping"),
        ("sources:\n  - urls: [file:///etc/passwd]\n", "does not match '^https?://'"),
        ("sources: []\n", "should be non-empty"),
        ("folders: [a]\n", "'sources' is a required property"),
        ("sources: [\n", "not valid YAML"),
    ],
)
def test_a_bad_sources_file_is_refused_with_the_entry_and_field(
    tmp_path: Path, body: str, message: str
) -> None:
    config = tmp_path / "sources.yaml"
    config.write_text(body)
    with pytest.raises(SourcesError, match=None) as caught:
        load_sources(config)
    assert message in str(caught.value)
    assert str(config) in str(caught.value)


def test_a_bad_line_of_a_url_list_is_named_with_the_sources_file_the_list_and_its_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "urls.txt").write_text("# wire\nhttps://a.example/1\nnot-a-url\nftp://b.example/2\n")
    config = tmp_path / "sources.yaml"
    config.write_text("sources:\n  - url_list: urls.txt\n")
    with pytest.raises(SourcesError) as caught:
        load_sources(config)
    assert str(caught.value) == (
        f"{config}: sources entry 1: {tmp_path / 'urls.txt'}:3: "
        "not an http(s) URL: 'not-a-url' (and 1 more line)"
    )


def test_a_yaml_mistake_is_named_in_one_line_at_its_line_and_column(tmp_path: Path) -> None:
    config = tmp_path / "sources.yaml"
    config.write_text("sources:\n  - folder: [inbox\n")
    with pytest.raises(SourcesError) as caught:
        load_sources(config)
    message = str(caught.value)
    assert "\n" not in message and "not valid YAML: line 3, column 1: " in message
    assert "expected ','" in message
    assert "<unicode string>" not in message


def test_a_sources_file_that_is_not_text_is_refused_as_a_sources_error(tmp_path: Path) -> None:
    config = tmp_path / "sources.yaml"
    config.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe sources:")
    with pytest.raises(SourcesError, match="not UTF-8 text"):
        load_sources(config)


def test_cli_refuses_a_bad_sources_file_before_reading_anything(tmp_path: Path) -> None:
    config = tmp_path / "sources.yaml"
    config.write_text("sources:\n  - folder: a\n    file: b\n")
    output = tmp_path / "out"
    claimdesk = Path(sys.executable).parent / "claimdesk"
    result = subprocess.run(
        [str(claimdesk), "run", "--sources", str(config), "--output", str(output)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "sources error" in result.stderr and "give exactly one of" in result.stderr
    assert "Traceback" not in result.stderr
    assert not output.exists()


def test_a_page_listed_and_also_linked_from_a_feed_is_one_article_not_a_failure(site, tmp_path: Path) -> None:
    """Following an outlet's feed and listing one of its stories too is ordinary: the story is read as
    one article, and no run reports it as a duplicate that failed (which every scheduled run would)."""
    from claimdesk.runs import run

    site.serve("/feed.atom", feed_xml(site), "application/atom+xml")
    site.serve("/linked.html", news_page(HEADLINE, PARAGRAPHS))
    site.serve("/a", news_page("Tehran denies the report", ["Tehran has denied these claims."]))
    config = tmp_path / "sources.yaml"
    config.write_text(
        f"sources:\n  - urls: [{site.url('/linked.html')}]\n    allow_private: true\n"
        f"  - feed: {site.url('/feed.atom')}\n    allow_private: true\n",
        encoding="utf-8",
    )
    output = tmp_path / "out"
    for attempt in ("first", "again"):
        summary = run(sources=str(config), output=output)
        reasons = [f["reason"] for f in summary["failures"]]
        assert not any("duplicate" in r for r in reasons), (attempt, reasons)
    db = sqlite_utils.Database(output / "claims.db")
    assert [a["uri"] for a in db["articles"].rows].count(site.url("/linked.html")) == 1


def test_two_different_articles_under_one_id_are_still_a_duplicate(tmp_path: Path) -> None:
    from claimdesk.runs import run

    wire = tmp_path / "wire.json"
    wire.write_text('[{"id": "x1", "text": "Iran denied it."}, {"id": "x1", "text": "Moscow agreed."}]')
    summary = run([str(wire)], output=tmp_path / "out")
    assert summary["new"] == 1
    assert [f["reason"].split(":")[0] for f in summary["failures"]] == ["duplicate article"]


def test_a_local_feed_files_linked_entries_are_fetched_or_listed_as_failed(
    prefect_api, site, tmp_path: Path
) -> None:
    """A feed saved to disk (or named by ``feed: local.rss``) whose entries are only links: each
    linked page is fetched and read as the same feed served over HTTP would be; one that cannot be
    fetched is listed as failed, not passed over with "0 failed"; links to the run's own network
    are refused unless the run allows them."""
    from claimdesk.flows.pipeline import run_pipeline
    from claimdesk.runs import run

    site.serve("/linked.html", news_page(HEADLINE, PARAGRAPHS))
    feed = tmp_path / "wire.rss"
    feed.write_text(
        wire_rss(
            f"""<item><title>{HEADLINE}</title><link>{site.url("/linked.html")}</link></item>
<item><title>Gone</title><link>{site.url("/gone.html")}</link></item>"""
        ),
        encoding="utf-8",
    )
    plain = run([str(feed)], output=tmp_path / "plain", allow_private=True)
    flow = run_pipeline(paths=[str(feed)], output=str(tmp_path / "flow"), allow_private=True)
    for summary, output in ((plain, "plain"), (flow, "flow")):
        assert (summary["new"], summary["failed"]) == (1, 1), output
        assert [(f["source"], f["reason"]) for f in summary["failures"]] == [
            (site.url("/gone.html"), "HTTP 404 Not Found")
        ]
        (article,) = sqlite_utils.Database(tmp_path / output / "claims.db")["articles"].rows
        assert (article["uri"], article["title"]) == (site.url("/linked.html"), HEADLINE)
    refused = run([str(feed)], output=tmp_path / "refused")
    assert (refused["new"], refused["failed"]) == (0, 2)
    assert all(f["reason"].startswith("refused link to an internal address") for f in refused["failures"])


def test_a_feeds_linked_pages_keep_their_own_outlet_and_the_feed_title_only_fills_in(
    site, tmp_path: Path
) -> None:
    """An aggregator's feed links pages of other outlets: each page read through it is stored under
    the outlet the page names (as when its URL is given directly), the feed's title only where the
    page names none, or the entry carries its own text; an ``outlet`` in sources.yaml wins over both."""
    from claimdesk.runs import run

    site.serve("/named.html", news_page(HEADLINE, PARAGRAPHS))  # og:site_name "The Daily Test"
    site.serve(
        "/unnamed.html",
        "<html><head><title>Moscow signs</title></head><body><article><h1>Moscow signs</h1>"
        "<p>Moscow signed the treaty on Friday, officials said at the ceremony.</p>"
        "<p>The minister said the deal would hold for ten years at least.</p></article></body></html>",
    )
    site.serve(
        "/feed.rss",
        f"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Aggregator</title>
<item><title>{HEADLINE}</title><link>{site.url("/named.html")}</link></item>
<item><title>Moscow signs</title><link>{site.url("/unnamed.html")}</link></item>
<item><title>Brief</title><guid isPermaLink="false">brief-1</guid>
<description>Tehran has denied these claims, officials said.</description></item>
</channel></rss>""",
        "application/rss+xml",
    )

    def outlets(extra: str) -> dict[str, str]:
        config = tmp_path / "sources.yaml"
        config.write_text(
            f"sources:\n  - feed: {site.url('/feed.rss')}\n    allow_private: true\n{extra}", encoding="utf-8"
        )
        output = tmp_path / f"out{len(extra)}"
        summary = run(sources=str(config), output=output)
        assert (summary["new"], summary["failed"]) == (3, 0)
        db = sqlite_utils.Database(output / "claims.db")
        return {a["uri"].rsplit("/", 1)[-1]: a["outlet"] for a in db["articles"].rows}

    assert outlets("") == {
        "named.html": "The Daily Test",
        "unnamed.html": "Aggregator",
        "feed.rss": "Aggregator",
    }
    assert set(outlets("    outlet: Newsdesk\n").values()) == {"Newsdesk"}


def test_relative_links_in_a_feed_are_read_against_the_feeds_url(site, tmp_path: Path) -> None:
    """Feeds often link their stories relatively (Atom ``href="news/x.html"``, RSS
    ``<link>/news/y.html</link>``): each is fetched at the address a browser would open, relative
    to the feed's URL. A feed file on disk has no address to resolve them against: each such entry
    is listed as failed with that reason (not "empty feed entry" or "refused URL scheme")."""
    from claimdesk.runs import run

    site.serve("/feeds/news/x.html", news_page(HEADLINE, PARAGRAPHS))
    site.serve(
        "/news/y.html", news_page("Moscow signs the treaty", ["Moscow signed the treaty on Friday."] * 2)
    )
    atom = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Relative Atom</title><id>urn:rel</id>
<updated>2025-03-18T10:00:00Z</updated><entry><title>{HEADLINE}</title><id>urn:rel:1</id>
<link rel="alternate" href="news/x.html"/><updated>2025-03-18T10:00:00Z</updated></entry></feed>"""
    rss = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Relative RSS</title>
<item><title>Moscow signs the treaty</title><link>/news/y.html</link></item></channel></rss>"""
    site.serve("/feeds/wire.atom", atom, "application/atom+xml")
    site.serve("/feeds/wire.rss", rss, "application/rss+xml")
    summary = run(
        [site.url("/feeds/wire.atom"), site.url("/feeds/wire.rss")], tmp_path / "out", allow_private=True
    )
    assert (summary["new"], summary["failed"]) == (2, 0), summary["failures"]
    db = sqlite_utils.Database(tmp_path / "out" / "claims.db")
    assert sorted(a["uri"] for a in db["articles"].rows) == [
        site.url("/feeds/news/x.html"),
        site.url("/news/y.html"),
    ]

    (tmp_path / "wire.atom").write_text(atom, encoding="utf-8")
    (tmp_path / "wire.rss").write_text(rss, encoding="utf-8")
    summary = run(
        [str(tmp_path / "wire.atom"), str(tmp_path / "wire.rss")], tmp_path / "files", allow_private=True
    )
    assert summary["new"] == 0
    assert sorted(f["reason"].split(":")[0] for f in summary["failures"]) == [
        "relative link '/news/y.html' in a feed read from a file",
        "relative link 'news/x.html' in a feed read from a file",
    ]
    assert all("no address to resolve it against" in f["reason"] for f in summary["failures"])


def test_documents_that_are_not_articles_are_refused_by_their_content_type(site, tmp_path: Path) -> None:
    """A script, a style sheet or an image, given as a URL or linked from a feed, is listed as
    failed with its content type, a PDF as a PDF; none is stored as an article of its bytes."""
    from claimdesk.runs import run

    served = {
        "/app.js": "text/javascript",
        "/site.css": "text/css",
        "/logo.svg": "image/svg+xml",
        "/logo.png": "image/png",
    }
    for path, content_type in served.items():
        site.serve(path, "Officials said the minister denied the report on Friday.", content_type)
    site.serve("/page.html", news_page(HEADLINE, PARAGRAPHS))
    site.serve(
        "/feed.rss",
        wire_rss(
            f"""<item><title>Full report</title><link>{site.url("/report.pdf?from=feed")}</link></item>"""
        ),
        "application/rss+xml",
    )
    site.serve("/report.pdf?from=feed", "%PDF-1.4 Officials said the minister denied it.", "application/pdf")
    site.serve("/report.pdf", "%PDF-1.4 Officials said the minister denied it.", "application/pdf")
    urls = [site.url(p) for p in [*served, "/report.pdf", "/page.html", "/feed.rss"]]
    summary = run(urls, tmp_path / "out", allow_private=True)

    assert summary["new"] == 1
    assert {f["source"]: f["reason"].split(":")[0] for f in summary["failures"]} == {
        **{site.url(p): f"unsupported content type {t}" for p, t in served.items()},
        site.url("/report.pdf"): "a PDF",
        site.url("/report.pdf?from=feed"): "a PDF",
    }
    (article,) = sqlite_utils.Database(tmp_path / "out" / "claims.db")["articles"].rows
    assert article["uri"] == site.url("/page.html")


PDF_REASON = "a PDF: claimdesk reads HTML, plain text, Markdown, JSON and feeds; save its text as a .txt file"


def test_a_pdf_is_refused_as_a_pdf_whatever_its_server_calls_it(site, tmp_path: Path) -> None:
    """A PDF served as ``application/octet-stream`` (with a .pdf name, or only its ``%PDF-`` mark),
    linked from a feed, or given as a file was "not text in any encoding claimdesk can detect
    (binary data?)": now it is refused as what it is, with what to do instead."""
    from claimdesk.runs import run

    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\nstream\n\x78\x9c\x03\x00"
    site.serve("/files/report.pdf", pdf, "application/octet-stream")
    site.serve("/download?id=7", pdf, "application/octet-stream")
    site.serve("/files/brief.pdf", b"Officials said the minister denied it.", "binary/octet-stream")
    site.serve(
        "/feed.rss",
        wire_rss(f"""<item><title>Full report</title><link>{site.url("/download?id=7")}</link></item>"""),
        "application/rss+xml",
    )
    (tmp_path / "report.pdf").write_bytes(pdf)
    urls = [site.url(p) for p in ("/files/report.pdf", "/files/brief.pdf", "/feed.rss")]
    summary = run([*urls, str(tmp_path / "report.pdf")], tmp_path / "out", allow_private=True)

    assert summary["new"] == 0
    assert sorted((f["source"], f["reason"]) for f in summary["failures"]) == sorted(
        (source, PDF_REASON)
        for source in [
            site.url("/files/report.pdf"),
            site.url("/files/brief.pdf"),  # untyped, named .pdf: its name says what it is
            site.url("/download?id=7"),  # untyped, no name: its first bytes say it
            str(tmp_path / "report.pdf"),
        ]
    )


INDEX_REASON = (
    "looks like a site's front page or a section index, not an article ({}): "
    "give an article's URL, or the site's feed (a feed: entry in sources.yaml)"
)
TEASERS = [
    ("Iran denies supplying drones to militia", "Tehran said the report was false."),
    ("Minister rejects claims over hospital funding", "The health minister said the figures were wrong."),
    ("Port strike ends after two weeks", "Dock workers voted to accept the new pay offer on Friday."),
    ("Court rules against water company", "Judges said the company had misled its customers."),
    ("Police deny cover-up allegations", "The force said all evidence had been handed over."),
]


def index_page(og_type: str | None = "website", summaries: bool = True) -> str:
    """A news site's front page or section index: teaser headlines as links, a summary under each."""
    teasers = "\n".join(
        f'<article><h3><a href="/politics/story-{n}.html">{headline}</a></h3>'
        + (f"<p>{summary}</p>" if summaries else "")
        + "</article>"
        for n, (headline, summary) in enumerate(TEASERS)
    )
    og = f'<meta property="og:type" content="{og_type}">' if og_type else ""
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>Example News - Latest news and analysis</title>{og}
<meta property="og:site_name" content="Example News"></head><body>
<header><nav><a href="/">Home</a> <a href="/politics/">Politics</a> <a href="/world/">World</a></nav></header>
<main><h1>Top stories</h1>{teasers}</main><footer><a href="/privacy">Privacy</a></footer></body></html>"""


def test_a_front_page_or_section_index_is_refused_and_an_article_is_not(site, tmp_path: Path) -> None:
    """A user who gave a site's home page or a section's address instead of an article's got an
    "article" of teaser headlines, each tagged as a claim. Two signs of an index (it calls itself a
    website, it is the site's root, most lines are teasers) refuse it; an article page (og:type
    article) at the same places, or a page with one sign only, is read."""
    from claimdesk.runs import run

    site.serve("/", index_page(summaries=False))  # the site's root, og:type website
    site.serve("/politics/", index_page())  # og:type website, teasers
    site.serve("/world/", index_page(og_type=None))  # teasers only: one sign, read
    site.serve("/?p=12", news_page(HEADLINE, PARAGRAPHS))  # a post at the root, selected by a query
    article = news_page(HEADLINE, PARAGRAPHS).replace(
        '<meta property="og:site_name"',
        '<meta property="og:type" content="website"><meta property="og:site_name"',
    )
    site.serve("/politics/deal.html", article)  # a site-wide og:type website on an article: read
    urls = [site.url(p) for p in ("/", "/politics/", "/world/", "/?p=12", "/politics/deal.html")]
    summary = run(urls, tmp_path / "out", allow_private=True)

    assert {f["source"]: f["reason"] for f in summary["failures"]} == {
        site.url("/"): INDEX_REASON.format("og:type website, the site's root address"),
        site.url("/politics/"): INDEX_REASON.format("og:type website, 6 of its 6 lines are teasers"),
    }
    assert summary["failed"] == 2
    rows = sqlite_utils.Database(tmp_path / "out" / "claims.db")["articles"].rows
    assert sorted(a["uri"] for a in rows) == sorted(
        site.url(p) for p in ("/world/", "/?p=12", "/politics/deal.html")
    )


def test_a_feed_entry_linking_a_section_index_is_refused(site, tmp_path: Path) -> None:
    """A feed's link is read as a page given directly: an index behind it is a failure, not an article."""
    from claimdesk.runs import run

    site.serve("/politics/", index_page())
    site.serve("/story.html", news_page(HEADLINE, PARAGRAPHS))
    site.serve(
        "/feed.rss",
        wire_rss(
            f"""<item><title>Politics</title><link>{site.url("/politics/")}</link></item>
<item><title>{HEADLINE}</title><link>{site.url("/story.html")}</link></item>"""
        ),
        "application/rss+xml",
    )
    summary = run([site.url("/feed.rss")], tmp_path / "out", allow_private=True)
    assert [(f["source"], f["reason"]) for f in summary["failures"]] == [
        (site.url("/politics/"), INDEX_REASON.format("og:type website, 6 of its 6 lines are teasers"))
    ]
    assert summary["new"] == 1


def test_a_site_named_before_the_headline_is_the_outlet_and_no_part_of_the_title(
    site, tmp_path: Path
) -> None:
    """ "BBC News - Iran denies drone claim" gave no outlet, and the site's name in the title. The
    words before the headline are the outlet when they name the page's host (here its canonical
    address's) or its og:site_name; a kicker ("Analysis: ...") stays part of the headline."""
    from claimdesk.runs import run

    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)

    def page(title: str, head: str = "") -> str:
        return f"<!doctype html><html><head><title>{title}</title>{head}</head><body>{body}</body></html>"

    canonical = '<link rel="canonical" href="https://www.bbc.co.uk/news/world-123">'
    site.serve("/bbc.html", page(f"BBC News - {HEADLINE}", canonical))
    site.serve(
        "/named.html",
        page(f"Metro Herald | {HEADLINE}", '<meta property="og:site_name" content="Metro Herald">'),
    )
    site.serve("/kicker.html", page(f"Analysis: {HEADLINE}", canonical))
    summary = run(
        [site.url(p) for p in ("/bbc.html", "/named.html", "/kicker.html")],
        tmp_path / "out",
        allow_private=True,
    )

    assert summary["failed"] == 0, summary["failures"]
    rows = sqlite_utils.Database(tmp_path / "out" / "claims.db")["articles"].rows
    assert sorted((a["uri"], a["title"], a["outlet"]) for a in rows) == sorted(
        [
            (site.url("/bbc.html"), HEADLINE, "BBC News"),
            (site.url("/named.html"), HEADLINE, "Metro Herald"),
            (site.url("/kicker.html"), f"Analysis: {HEADLINE}", "bbc.co.uk"),
        ]
    )


def test_one_page_reached_by_several_urls_is_one_article(prefect_api, site, tmp_path: Path) -> None:
    """A page given with a ``#fragment`` or ``utm_`` tracking parameters, reached through a redirect,
    or linked from a feed, is the page given directly: one article, under the id its own address
    gives, with no failure. A query that selects another page is another article."""
    from claimdesk.flows.pipeline import run_pipeline
    from claimdesk.ingest import article_id
    from claimdesk.runs import run

    for tracked in ("", "?utm_campaign=x", "?utm_source=feed&utm_medium=rss"):  # a server ignores them
        site.serve(f"/story.html{tracked}", news_page(HEADLINE, PARAGRAPHS))
    site.serve(
        "/story.html?page=2",
        news_page("Moscow signs the treaty", ["Moscow signed the treaty on Friday."] * 2),
    )
    site.redirect("/old-story", "/story.html")
    site.redirect("/short", site.url("/story.html?utm_source=feed&utm_medium=rss"))
    site.serve(
        "/feed.rss",
        wire_rss(
            f"""<item><title>{HEADLINE}</title><link>{site.url("/story.html#top")}</link></item>
<item><title>{HEADLINE}</title><link>{site.url("/short")}</link></item>"""
        ),
        "application/rss+xml",
    )
    urls = [
        site.url("/old-story"),
        site.url("/story.html#comments"),
        site.url("/story.html?utm_campaign=x"),
        site.url("/story.html?page=2"),
        site.url("/feed.rss"),
    ]
    plain = run(urls, tmp_path / "plain", allow_private=True)
    flow = run_pipeline(paths=urls, output=str(tmp_path / "flow"), allow_private=True)
    for summary, output in ((plain, "plain"), (flow, "flow")):
        assert (summary["new"], summary["failed"]) == (2, 0), summary["failures"]
        rows = sqlite_utils.Database(tmp_path / output / "claims.db")["articles"].rows
        assert sorted((a["id"], a["uri"]) for a in rows) == sorted(
            (article_id(url), url) for url in [site.url("/story.html"), site.url("/story.html?page=2")]
        )


@pytest.mark.parametrize("engine", ["library", "flow"])
def test_urls_are_fetched_and_stored_a_batch_at_a_time_with_progress_shown(
    engine: str, prefect_api, tmp_path: Path
) -> None:
    # Every URL was fetched before anything was stored: minutes of silence on slow sites, and a
    # Ctrl-C lost every page already downloaded. Now a batch is stored before the one after the next
    # is asked for (the flow downloads one batch ahead; the library, none).
    import logging
    import sqlite3
    from http.server import BaseHTTPRequestHandler

    from tests.conftest import local_server

    output = tmp_path / "out"
    stored_when_asked: dict[str, int] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server API)
            db = output / "claims.db"
            with sqlite3.connect(db) as conn:
                stored_when_asked[self.path] = conn.execute("select count(*) from articles").fetchone()[0]
            n = self.path.strip("/p.html")
            body = news_page(
                f"Harbour story {n}", [f"The harbour board said berth {n} reopened on Monday."] * 2
            )
            data = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    said: list[str] = []  # what the CLI prints as "claimdesk: ..." lines (its handler on claimdesk's loggers)
    heard = logging.Handler(logging.INFO)
    heard.emit = lambda record: said.append(record.getMessage())  # type: ignore[method-assign]
    progress = logging.getLogger("claimdesk.progress")
    progress.addHandler(heard)
    # (a flow run earlier in the session configures Prefect's logging, which disables loggers it
    # does not know: the CLI sets claimdesk's up after that, as this test does)
    level, disabled = progress.level, progress.disabled
    progress.setLevel(logging.INFO)
    progress.disabled = False
    try:
        with local_server(Handler) as server:
            urls = [f"http://127.0.0.1:{server.server_port}/p{n}.html" for n in range(1, 7)]
            if engine == "library":
                from claimdesk import runs

                summary = runs.run(urls, output, batch_size=2, allow_private=True)
            else:
                from claimdesk.flows.pipeline import run_pipeline

                summary = run_pipeline(urls, str(output), batch_size=2, allow_private=True)
    finally:
        progress.removeHandler(heard)
        progress.setLevel(level)
        progress.disabled = disabled
    assert summary["new"] == 6
    assert stored_when_asked["/p5.html"] >= 2 and stored_when_asked["/p6.html"] >= 2
    if engine == "library":
        assert [stored_when_asked[f"/p{n}.html"] for n in range(1, 7)] == [0, 0, 2, 2, 4, 4]
    assert [m for m in said if "URLs done" in m] == [
        "2 of 6 URLs done",
        "4 of 6 URLs done",
        "6 of 6 URLs done",
    ]
