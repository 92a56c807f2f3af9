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


def test_a_page_without_a_site_name_takes_its_outlet_from_its_title(rules) -> None:
    # the cross-outlet view counted such pages as an unknown outlet each
    page = news_page(HEADLINE, PARAGRAPHS).replace(
        '<meta property="og:site_name" content="The Daily Test">\n', ""
    )
    assert extract.html_article(page).outlet == "The Daily Test"  # "<headline> | The Daily Test"
    dashed = page.replace(
        f"<title>{HEADLINE} | The Daily Test</title>", f"<title>{HEADLINE} - Metro Herald</title>"
    )
    assert extract.html_article(dashed).outlet == "Metro Herald"
    bare = page.replace(f"<title>{HEADLINE} | The Daily Test</title>", f"<title>{HEADLINE}</title>")
    assert extract.html_article(bare).outlet is None  # nothing after the headline: no outlet guessed


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
        "2025-01-17T10:00:00+00:00",  # the feed's RFC 822 date, in ISO 8601
    )
    (link,) = parsed.links
    assert (link.url, link.title, link.outlet, link.feed_title) == (
        "https://wire.example/b",
        "Moscow signs the treaty",
        None,  # the page's own outlet, when it names one, wins over the feed's title
        "Test Wire",
    )


def _item(guid: str, text: str) -> str:
    return f"<item><title>{text.split('.')[0]}</title>{guid}<description>{text}</description></item>"


def _rss(*items: str) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour Wire</title>'
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def test_an_rss_guid_that_is_no_address_is_the_entry_s_id_and_its_description_the_article() -> None:
    """<guid>inline-1</guid> with no <link> is an id (RSS reads a guid as a permalink unless told
    otherwise): the entry's text is read, not refused as an address with no scheme."""
    feed = _rss(_item("<guid>inline-1</guid>", "The bridge reopened on Monday. Officials confirmed it."))
    parsed = parse(Source("wire.xml", "wire.xml"), Payload(feed))
    (article,) = parsed.articles
    assert not parsed.failures and not parsed.links
    assert "Officials confirmed it." in article.text and article.id.startswith("inline-1")


def test_an_entry_without_link_or_guid_keeps_its_id_when_the_feed_gains_an_entry() -> None:
    """Known by what it says, not its place: an entry added at the top leaves the others' ids alone,
    so the next run does not store them again."""
    old = _item("", "The ferry sailed at dawn. The crew said the sea was calm.")
    new = _item("", "The harbour closed at noon. The port said a storm was coming.")
    first = parse(Source("wire.xml", "wire.xml"), Payload(_rss(old))).articles
    later = parse(Source("wire.xml", "wire.xml"), Payload(_rss(new, old))).articles
    assert [a.id for a in first] == [a.id for a in later if "ferry" in a.text]
    assert len({a.id for a in later}) == 2


def test_something_that_is_not_a_feed_is_a_failure() -> None:
    parsed = parse(Source("x.xml", "x.xml", format="feed"), Payload(b"<notes><a>1</a></notes>"))
    assert parsed.articles == [] and parsed.failures and "not a readable feed" in parsed.failures[0][1]


def test_what_a_page_says_it_is_decides_before_its_address() -> None:
    """A saved section index (a file: no address fetched) that calls itself a CollectionPage in its
    JSON-LD and shows teasers is refused; a page whose JSON-LD @graph holds a NewsArticle is read
    even at a site's root with a site-wide WebSite beside it."""
    teasers = "".join(
        f'<article><h3><a href="/s/{n}">{headline}</a></h3><p>{summary}</p></article>'
        for n, (headline, summary) in enumerate(zip(PARAGRAPHS, reversed(PARAGRAPHS), strict=True))
    )
    collection = (
        '<html><head><script type="application/ld+json">{"@type": "CollectionPage"}</script></head>'
        f"<body><main>{teasers}</main></body></html>"
    )
    with pytest.raises(extract.ExtractError, match=r"^looks like a site's front page or a section index"):
        extract.html_article(collection)
    graph = '{"@graph": [{"@type": "WebSite"}, {"@type": "NewsArticle", "headline": "x"}]}'
    article = news_page(HEADLINE, PARAGRAPHS).replace(
        "</head>", f'<script type="application/ld+json">{graph}</script></head>'
    )
    assert extract.html_article(article, "https://news.example/").title == HEADLINE
