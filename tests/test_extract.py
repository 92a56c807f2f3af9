"""Extraction: an HTML page's article without its furniture, feeds, formats."""

from __future__ import annotations

import pytest

from claimdesk import extract
from claimdesk.annotate import annotate
from claimdesk.ingest import Payload, Source, parse
from tests.conftest import news_page, seed_text

SEED = seed_text("000")
HEADLINE, *PARAGRAPHS = [line for line in SEED.splitlines() if line.strip()]
FURNITURE = [
    "cookie",
    "Home",
    "World news",
    "Subscribe",
    "Sponsored",
    "shoes",
    "Most read",
    "Copyright",
    "Privacy",
]


def test_an_html_page_yields_only_the_articles_sentences(rules) -> None:
    page = news_page(HEADLINE, PARAGRAPHS)
    parsed = parse(
        Source("https://news.example/world/deal.html", "https://news.example/world/deal.html"),
        Payload(page.encode("utf-8"), "text/html", "utf-8"),
    )
    (article,) = parsed.articles
    assert (article.title, article.author, article.outlet) == (HEADLINE, "Jane Reporter", "The Daily Test")
    assert article.published == "2025-01-17"
    sentences = [r.text for r in annotate(article, rules).records()]
    for word in FURNITURE:
        assert not any(word in s for s in sentences), f"page furniture {word!r} was tagged"
    assert sentences[0] == HEADLINE
    assert all(s in SEED for s in sentences)
    # Every sentence of the article made it through.
    assert len(sentences) == annotate(_plain(SEED), rules).sentence_count


def _plain(text: str):
    from claimdesk.ingest import make_article

    return make_article("a.txt", "a.txt", text)


def test_a_page_in_cp1252_declaring_its_charset_is_decoded_and_recorded() -> None:
    page = news_page(
        "Zürich café owners deny the “rumours”",
        ["The owners said the rumours were false."] * 3,
        charset="windows-1252",
    )
    parsed = parse(Source("page.html", "page.html"), Payload(page.encode("cp1252")))
    (article,) = parsed.articles
    assert article.title == "Zürich café owners deny the “rumours”"
    assert article.encoding == "cp1252"


def test_a_page_without_an_article_is_a_failure_with_a_reason() -> None:
    """A page rendered by JavaScript has nothing to read without a browser."""
    spa = b'<html><head><title>App</title></head><body><div id="app"></div><script>go()</script></body>'
    parsed = parse(Source("empty.html", "empty.html"), Payload(spa))
    assert parsed.articles == []
    assert parsed.failures == [("empty.html", "no article text found in the page")]


@pytest.mark.parametrize(
    ("name", "content_type", "head", "expected"),
    [
        ("a.txt", None, b"Hello", "text"),
        ("https://x.example/story", "text/html", b"", "html"),
        ("https://x.example/feed", "application/rss+xml", b"", "feed"),
        ("https://x.example/data", None, b'\xef\xbb\xbf[{"id": 1}]', "json"),
        ("https://x.example/feed", None, b'<?xml version="1.0"?>\n<feed xmlns="">', "feed"),
        ("https://x.example/page", None, b"<!DOCTYPE html><html>", "html"),
        ("a.jsonl", None, b"{}", "jsonl"),
    ],
)
def test_formats_are_told_by_content_type_then_suffix_then_bytes(name, content_type, head, expected) -> None:
    assert extract.detect_format(name, content_type, head) == expected


RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Test Wire</title><link>https://wire.example/</link><description>d</description>
<item><title>Tehran denies the report</title><link>https://wire.example/a</link>
<pubDate>Fri, 17 Jan 2025 10:00:00 GMT</pubDate>
<content:encoded><![CDATA[<p>Tehran has denied these claims.</p><p>Officials said the report was false.</p>]]>
</content:encoded></item>
<item><title>Moscow signs the treaty</title><link>https://wire.example/b</link>
<description>Teaser only.</description></item>
</channel></rss>"""


def test_a_feed_entry_with_content_is_an_article_and_one_without_is_a_link_to_fetch() -> None:
    parsed = parse(Source("wire.xml", "wire.xml"), Payload(RSS.encode("utf-8")))
    (article,) = parsed.articles
    assert (
        article.text
        == "Tehran denies the report\nTehran has denied these claims.\nOfficials said the report was false."
    )
    assert (article.uri, article.outlet, article.published) == (
        "https://wire.example/a",
        "Test Wire",
        "Fri, 17 Jan 2025 10:00:00 GMT",
    )
    (link,) = parsed.links
    assert (link.url, link.title, link.outlet) == (
        "https://wire.example/b",
        "Moscow signs the treaty",
        "Test Wire",
    )


def test_something_that_is_not_a_feed_is_a_failure() -> None:
    parsed = parse(Source("x.xml", "x.xml", format="feed"), Payload(b"<notes><a>1</a></notes>"))
    assert parsed.articles == [] and parsed.failures and "not a readable feed" in parsed.failures[0][1]
