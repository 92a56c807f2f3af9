"""Conditional requests: a URL fetched before is asked for again with the validators its server gave
(ETag, Last-Modified); a 304 Not Modified costs no download and counts its articles unchanged, and
the tagging is still brought up to date when the rules or the outlet changed. A real server on
127.0.0.1 (``site``) answers as web servers do and counts what it was asked and what it sent."""

from __future__ import annotations

import pytest

from claimdesk import fetch
from tests.conftest import news_page

FRIDAY = "Fri, 17 Jan 2025 10:00:00 GMT"


def page(n: int, version: int = 1) -> str:
    return news_page(
        f"Harbour story {n}",
        [
            f"The harbour board said berth {n} reopened on Monday.",
            f"Police denied that berth {n} was ever closed (version {version}).",
        ],
    )


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
