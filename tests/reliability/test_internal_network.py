"""No feed steers a run into the network it runs in: links found in documents, and redirects, may
not reach loopback, private, link-local or reserved addresses unless the source allows it."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils

from claimdesk import fetch
from tests.conftest import news_page

PAGE = news_page("Port reopens", ["Officials said the port reopened on Monday.", "Unions denied it."])


def feed_linking(*links: str) -> str:
    items = "".join(
        f"<item><title>Story {n}</title><link>{link}</link><guid isPermaLink='false'>s{n}</guid></item>"
        for n, link in enumerate(links)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{items}</channel></rss>'


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/admin",
        "http://localhost:9/admin",
        "http://10.0.0.8/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",  # a cloud metadata address
        "http://[::1]:9/",
        "http://[::ffff:127.0.0.1]:9/",
        "http://0.0.0.0:9/",
    ],
)
def test_an_untrusted_link_to_an_internal_address_is_refused_before_any_connection(url: str) -> None:
    with pytest.raises(fetch.FetchError) as caught:
        fetch.fetch(url, trusted=False)
    assert "refused link to an internal address" in str(caught.value)
    assert "allow_private" in str(caught.value) and not caught.value.transient


def test_a_redirect_to_an_internal_address_is_refused_even_from_a_trusted_url(site) -> None:
    site.serve("/page.html", PAGE)
    site.redirect("/hop", site.url("/page.html"))
    with pytest.raises(fetch.FetchError, match="refused redirect to an internal address 127.0.0.1"):
        fetch.fetch(site.url("/hop"), trusted=True)
    assert site.hits["/page.html"] == 0, "the internal page was never requested"
    assert fetch.fetch(site.url("/hop"), allow_private=True).data == PAGE.encode()


def test_a_url_the_user_gives_is_trusted(site) -> None:
    site.serve("/page.html", PAGE)
    assert fetch.fetch(site.url("/page.html")).data == PAGE.encode()


def test_a_feed_on_loopback_has_its_links_refused_unless_the_source_allows_it(
    prefect_api, site, tmp_path: Path
) -> None:
    from claimdesk.flows.pipeline import run_pipeline

    site.serve("/feed.rss", feed_linking(site.url("/story.html")), "application/rss+xml")
    site.serve("/story.html", PAGE)
    summary = run_pipeline(paths=[site.url("/feed.rss")], output=str(tmp_path / "refused"))
    (failure,) = summary["failures"]
    assert failure["stage"] == "fetch" and failure["reason"].startswith("refused link to an internal address")
    assert site.hits["/story.html"] == 0

    config = tmp_path / "sources.yaml"
    config.write_text(f"sources:\n  - feed: {site.url('/feed.rss')}\n    allow_private: true\n", "utf-8")
    summary = run_pipeline(sources=str(config), output=str(tmp_path / "allowed"))
    assert (summary["new"], summary["rejected"]) == (1, 0)
    summary = run_pipeline(paths=[site.url("/feed.rss")], output=str(tmp_path / "flag"), allow_private=True)
    assert (summary["new"], summary["rejected"]) == (1, 0)
    db = sqlite_utils.Database(tmp_path / "allowed" / "claims.db")
    assert [a["uri"] for a in db["articles"].rows] == [site.url("/story.html")]
