"""Finding the articles inside a document: HTML pages, JSON (Lines) of articles, RSS/Atom feeds.

Each function takes decoded text (or a feed's bytes) and returns plain data;
nothing here reads files or the network, so every format can be tested alone.
"""

from __future__ import annotations

import functools
import hashlib
import html as html_lib
import json
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Literal
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.html
import trafilatura
from markdown_it import MarkdownIt

from claimdesk.sources import page_url

Format = Literal["text", "markdown", "html", "json", "jsonl", "feed"]

SUFFIXES: dict[str, Format] = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".rss": "feed",
    ".atom": "feed",
    ".xml": "feed",
}
CONTENT_TYPES: dict[str, Format] = {
    "text/plain": "text",
    "text/markdown": "markdown",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/json": "json",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/rss+xml": "feed",
    "application/atom+xml": "feed",
    "application/rdf+xml": "feed",
    "application/xml": "feed",
    "text/xml": "feed",
}
UNTYPED = frozenset({"application/octet-stream", "binary/octet-stream"})
"""What a server says when it does not know what it serves: the suffix, else the bytes, decide."""
PDF_TYPES = frozenset({"application/pdf", "application/x-pdf"})
READ = "HTML, plain text, Markdown, JSON and feeds"
ARTICLE_FIELDS = ("url", "id", "title", "text", "published", "outlet", "author")
BLOCK_TAGS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "section")


class ExtractError(ValueError):
    """A document with no article in it; the message is the reason shown to the user."""


@dataclass
class Extracted:
    """An article's text and what the document says about it."""

    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None
    outlet: str | None = None
    url: str | None = None
    id: str | None = None


@dataclass
class FeedEntry:
    """One feed entry: its own content when it carries one, else the link to fetch."""

    key: str
    link: str | None
    title: str | None
    author: str | None
    published: str | None
    content: str | None
    summary: str | None


@dataclass
class Feed:
    title: str | None
    entries: list[FeedEntry] = field(default_factory=list)


def detect_format(name: str, content_type: str | None, head: bytes) -> Format:
    """What a document is: the server's content type, else the file suffix, else its first bytes."""
    if content_type in CONTENT_TYPES:
        return CONTENT_TYPES[content_type]
    suffix = PurePosixPath(name.split("?", 1)[0]).suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    start = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<rss", b"<feed", b"<rdf")) or (
        start.startswith(b"<?xml") and re.search(rb"<(rss|feed|rdf:rdf)\b", start)
    ):
        return "feed"
    if start.startswith((b"<!doctype html", b"<html")):
        return "html"
    if start.startswith((b"{", b"[")):
        return "json"
    return "text"


def unsupported(content_type: str | None, name: str = "", head: bytes = b"") -> str | None:
    """Why a document is not read (a PDF, a script, a style sheet, an image: none of them an
    article), or ``None`` for HTML, text, JSON and feeds, and for no type or an unknown one
    (``application/octet-stream``), which the suffix or the bytes decide.

    A PDF is told by its type, its ``%PDF-`` mark (whatever the server called it) or, untyped,
    its ``.pdf`` name: read as text it was bytes no encoding fits, a reason that says nothing."""
    untyped = content_type is None or content_type in UNTYPED
    if (
        content_type in PDF_TYPES
        or head.startswith(b"%PDF-")
        or (untyped and PurePosixPath(name.split("?", 1)[0]).suffix.lower() == ".pdf")
    ):
        return f"a PDF: claimdesk reads {READ}; save its text as a .txt file"
    if untyped or content_type in CONTENT_TYPES:
        return None
    return f"unsupported content type {content_type[:100]}: only {READ} are read"


def declared_charset(head: bytes) -> str | None:
    """The charset an HTML or XML document declares in its first bytes (meta or XML declaration)."""
    found = re.search(rb"""(?:charset|encoding)\s*=\s*["']?([A-Za-z0-9_.:-]+)""", head[:2048])
    return found.group(1).decode("ascii") if found else None


def html_article(html: str, url: str | None = None) -> Extracted:
    """The article in an HTML page, without navigation, ads, banners or comments; ``url`` is where
    it was fetched (``None`` for a file), whose host may name the site its <title> names."""
    tree = trafilatura.load_html(html)
    doc = trafilatura.bare_extraction(  # (it reads a copy of the tree)
        html if tree is None else tree,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
    )
    text = (doc.text or "").strip() if doc is not None else ""
    if not text:
        raise ExtractError("no article text found in the page")
    if tree is not None and (index := _index_page(tree, text, url or doc.url)):
        raise ExtractError(
            f"looks like a site's front page or a section index, not an article ({index}): "
            "give an article's URL, or the site's feed (a feed: entry in sources.yaml)"
        )
    title, outlet = _title_and_outlet(tree, html, doc, [u for u in (url, doc.url) if u])
    if title and not text.startswith(title):
        text = f"{title}\n{text}"  # the headline is tagged like a plain-text article's first line
    return Extracted(
        text=text,
        title=title,
        author=doc.author or None,
        published=doc.date or None,
        outlet=outlet,
    )


INDEX_TYPES = frozenset({"website", "collectionpage", "itemlist", "searchresultspage"})
"""schema.org types of a page that lists others (JSON-LD ``@type``, lower-cased)."""
INDEX_SIGNS = 2
"""How many signs of an index page it takes to refuse one (one alone may be a site's template)."""


def _index_page(tree: lxml.html.HtmlElement, text: str, url: str | None) -> str | None:
    """Why a page is a front page or a section index (its teaser headlines would be tagged as an
    article's claims), or ``None``. Conservative: a page that says it is an article (og:type
    ``article``, a JSON-LD Article or posting) is one; otherwise it takes two signs of these: it
    says it is a website or a collection (og:type ``website``; JSON-LD WebSite, CollectionPage,
    ItemList), its address is a site's root, most lines trafilatura kept are the page's link texts.
    Many article pages carry a site-wide og:type ``website`` or JSON-LD WebSite: never enough alone."""
    og_type = " ".join(tree.xpath('string(//meta[@property="og:type" or @name="og:type"]/@content)').split())
    types = _page_types(tree)
    if "article" in og_type.casefold() or any(_article_type(t) for t in types):
        return None
    signs = []
    if og_type.casefold() == "website" or types & INDEX_TYPES:
        signs.append(f"og:type {og_type}" if og_type else f"JSON-LD {'/'.join(sorted(types & INDEX_TYPES))}")
    parts = urlsplit(url or "")
    if parts.hostname and not parts.query and re.fullmatch(r"/?(index\.\w+)?", parts.path):
        signs.append("the site's root address")
    if len(signs) < INDEX_SIGNS - 1:
        return None  # (the lines are looked up only when they can decide)
    teasers, lines = _teaser_lines(tree, text)
    if teasers >= 3 and 2 * teasers >= lines:
        signs.append(f"{teasers} of its {lines} lines are teasers")
    return ", ".join(signs) if len(signs) >= INDEX_SIGNS else None


HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def _teaser_lines(tree: lxml.html.HtmlElement, text: str) -> tuple[int, int]:
    """How many of the lines trafilatura kept are teasers, of how many: a link's text (a story's
    headline on a front page), or a block right under a linked heading (its summary)."""
    links = {" ".join(a.text_content().split()) for a in tree.iter("a")}
    blocks: dict[str, lxml.html.HtmlElement] = {}
    for block in tree.iter("p", "li", "div", "span", "td", *HEADINGS):
        blocks.setdefault(" ".join(block.text_content().split()), block)
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    teasers = 0
    for line in lines:
        block = blocks.get(line)
        parent = block.getparent() if block is not None else None
        above = [block.getprevious() if block is not None else None]
        above.append(parent.getprevious() if parent is not None else None)
        teasers += line in links or any(_linked_heading(e) for e in above)
    return teasers, len(lines)


def _linked_heading(element: lxml.html.HtmlElement | None) -> bool:
    """A heading that is a link ("<h3><a href=...>Headline</a></h3>"), as a teaser's is."""
    if element is None or element.tag not in HEADINGS:
        return False
    said = " ".join(element.text_content().split())
    return bool(element.xpath("ancestor::a")) or any(
        " ".join(a.text_content().split()) == said for a in element.iter("a")
    )


def _page_types(tree: lxml.html.HtmlElement) -> set[str]:
    """The schema.org types a page's JSON-LD gives the page itself, lower-cased: its top objects,
    the members of their ``@graph``, and their ``mainEntity``; not the types of what they mention
    (a front page's ItemList of NewsArticles is no article)."""
    found: set[str] = set()
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().casefold() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        tops = [t for t in _as_list(data) if isinstance(t, dict)]
        members = tops + [m for t in tops for m in _as_list(t.get("@graph")) if isinstance(m, dict)]
        members += [e for m in members for e in _as_list(m.get("mainEntity")) if isinstance(e, dict)]
        found.update(t.casefold() for m in members for t in _as_list(m.get("@type")) if isinstance(t, str))
    return found


def _article_type(schema_type: str) -> bool:
    """An article's schema.org type: Article and its kinds (NewsArticle, OpinionNewsArticle...),
    a posting (BlogPosting, LiveBlogPosting...), a Report."""
    return schema_type.endswith(("article", "posting")) or schema_type == "report"


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def _site_name(found: str | None, title: str | None) -> str | None:
    """trafilatura's site name, unless it is a guess from the <title> that took the headline (a page
    with no og:site_name whose title is "<headline> | <site>")."""
    if not found or found == title or len(found.split()) > 6:
        return None
    return found


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_SITE_AFTER = re.compile(r"^\s*[|\-–—·:]\s*(\S.{0,60}?)\s*$", re.S)
_SITE_BEFORE = re.compile(r"^(\S.{0,60}?)(?:\s+[|\-–—·»›•]|\s*:)\s+(\S.*)$", re.S)
_SEPARATORS = " /|-–—·»›•:"
SITE_WORDS = 5
"""A site's name in a <title> is at most this many words ("Metro Herald", "BBC News")."""


def _title_and_outlet(
    tree: lxml.html.HtmlElement | None, html: str, doc, addresses: list[str]
) -> tuple[str | None, str | None]:
    """The headline and the outlet: the page's own site name (og:site_name, JSON-LD publisher),
    else what its <title> names before the headline ("BBC News - Iran denies drone claim"), which
    is then no part of the headline, else trafilatura's name from the page's address (og:url),
    else what the <title> names after the headline ("Port strike ends | Metro Herald").

    Any words may follow a headline, but a kicker ("Analysis: ...") or a product's brand may
    precede one, so a prefix is a site only when it is the page's og:site_name or names its host,
    and what follows it does not (:func:`_site_prefix`)."""
    title = (doc.title or "").strip() or None
    named = _site_name(doc.sitename, title)
    from_address = named if named and named == _own_host(doc.url) else None
    if from_address:
        named = None  # trafilatura's last resort: no name the page gives
    found = _TITLE.search(html[:200_000])
    whole = " ".join(html_lib.unescape(found.group(1)).split()) if found else ""
    own = tree.xpath('string(//meta[@property="og:site_name"]/@content)').strip() if tree is not None else ""
    prefix = _site_prefix(whole, own or None, addresses)
    if prefix:
        site, headline = prefix
        if title in (None, whole, site):  # trafilatura took the whole <title>, or its first part
            title = headline
        return title, named or site
    return title, named or from_address or _title_suffix(whole, title)


def _own_host(url: str | None) -> str | None:
    """The host trafilatura names a site by when nothing else does (``www.`` dropped)."""
    return re.sub(r"^(?:www\.|w[0-9]+\.)", "", urlsplit(url).netloc) if url else None


def _site_prefix(whole: str, site: str | None, addresses: list[str]) -> tuple[str, str] | None:
    """(site, headline) when a <title> (``whole``) is the site's name, then the headline: its
    first part is the page's og:site_name, or begins with the name its host is registered under
    (:func:`_registered_label`), and what follows does neither ("Happy Coffee Sidamo beans -
    Happy Coffee" at happycoffee.org is a product's name, then the site's)."""
    before = _SITE_BEFORE.match(whole)
    if not before or len(before.group(1).split()) > SITE_WORDS:
        return None
    first, rest = before.groups()
    first = first.rstrip(_SEPARATORS)  # "mediaarchitecture.de // Jens Weber"
    if _names_site(first, site, addresses) and not _names_site(rest, site, addresses):
        return first, rest
    return None


def _title_suffix(whole: str, title: str | None) -> str | None:
    """The site a page's <title> (``whole``) names after its headline ("Port strike ends | Metro
    Herald"), for a page that gives no site name of its own (og:site_name and the like)."""
    if not (whole and title):
        return None
    rest = whole.removeprefix(" ".join(title.split()))
    site = _SITE_AFTER.match(rest) if rest != whole else None
    return site.group(1) if site and len(site.group(1).split()) <= SITE_WORDS else None


def _names_site(name: str, site: str | None, addresses: list[str]) -> bool:
    """Whether ``name`` (words of a <title>) is the site's: it is the page's site name, or,
    lower-cased without spaces and punctuation, it begins with the name its host is registered
    under, of three letters or more ("BBC News" at www.bbc.co.uk, "Sky News" at news.sky.com).
    ``addresses``: where the page was fetched and where it says it lives (og:url, canonical)."""
    squashed = _squashed(name)
    if site and squashed == _squashed(site):
        return True
    labels = (_registered_label(urlsplit(address).hostname or "") for address in addresses)
    return any(len(label) >= 3 and squashed.startswith(label) for label in labels)


def _squashed(name: str) -> str:
    return "".join(c for c in name.casefold() if c.isalnum())


def _registered_label(host: str) -> str:
    """The label a host is registered under ("bbc" for www.bbc.co.uk, "sky" for news.sky.com):
    the one before the top-level domain, or before a country's short second level (co.uk, com.au).
    Empty for an IP address or a host of one label."""
    labels = host.rstrip(".").split(".")
    if len(labels) < 2 or labels[-1].isdigit() or ":" in host:
        return ""
    short_second = len(labels) >= 3 and len(labels[-1]) == 2 and len(labels[-2]) <= 3
    return _squashed(labels[-3] if short_second else labels[-2])


def markdown_text(markdown: str) -> str:
    """A Markdown document's text, one block per line, as a reader sees it: no "#" before a
    heading, no "**" around a word, a link's words without its address."""
    return fragment_text(_markdown_parser().render(markdown))


@functools.cache
def _markdown_parser() -> MarkdownIt:
    """One CommonMark parser for every Markdown article."""
    parser = MarkdownIt("commonmark")
    parser.add_render_rule("softbreak", lambda *_: " ")  # a line wrapped inside a paragraph goes on
    return parser


def fragment_text(html: str) -> str:
    """The text of an HTML fragment (a feed entry's content), one block per line."""
    if "<" not in html:
        return html.strip()
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    for block in root.iter(*BLOCK_TAGS):
        block.tail = "\n" + (block.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().splitlines())
    return "\n".join(line for line in lines if line)


def plain_line(text: str | None) -> str | None:
    """A title as plain text on one line: feeds may carry markup (``<b>``, ``&amp;``) in titles."""
    if not text:
        return None
    return " ".join(fragment_text(text).split()) or None


def _article_item(item: object, where: str) -> Extracted:
    if not isinstance(item, dict):
        raise ExtractError(f"{where}: not a JSON object")
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ExtractError(f"{where}: no text")
    if not any(isinstance(item.get(k), str | int) and str(item.get(k)).strip() for k in ("url", "id")):
        raise ExtractError(f"{where}: needs a url or an id")
    values = {k: item.get(k) for k in ARTICLE_FIELDS}
    wrong = [k for k, v in values.items() if v is not None and not isinstance(v, str | int)]
    if wrong:
        raise ExtractError(f"{where}: {', '.join(wrong)} must be a string")
    return Extracted(**{k: (str(v).strip() or None) if v is not None else None for k, v in values.items()})


def json_articles(text: str) -> tuple[list[Extracted], list[str]]:
    """Articles from a JSON list (or ``{"articles": [...]}``, or one object); bad items as reasons."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExtractError(f"invalid JSON: {exc.msg} at line {exc.lineno}") from exc
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    items = data if isinstance(data, list) else [data]
    return _collect((item, f"item {n}") for n, item in enumerate(items, start=1))  # counted as lines are


def jsonl_articles(text: str) -> tuple[list[Extracted], list[str]]:
    """Articles from JSON Lines, one object a line; bad lines as reasons."""

    def items():
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line), f"line {n}"
            except json.JSONDecodeError as exc:
                yield ExtractError(f"line {n}: invalid JSON: {exc.msg}"), f"line {n}"

    return _collect(items())


def _collect(items) -> tuple[list[Extracted], list[str]]:
    good: list[Extracted] = []
    bad: list[str] = []
    for item, where in items:
        try:
            if isinstance(item, ExtractError):
                raise item
            good.append(_article_item(item, where))
        except ExtractError as exc:
            bad.append(str(exc))
    if not good and not bad:
        raise ExtractError("no articles in the file")
    return good, bad


def feed(data: bytes, base: str | None = None) -> Feed:
    """The entries of an RSS or Atom feed (feedparser reads the bytes and their encoding).

    feedparser resolves relative links against the feed's own ``xml:base``; a link still relative
    is resolved here against ``base`` (the feed's URL), or left relative when there is none (a feed
    read from a file)."""
    parsed = feedparser.parse(data)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        reason = (
            getattr(parsed.get("bozo_exception"), "getMessage", lambda: None)() or "not an RSS or Atom feed"
        )
        raise ExtractError(f"not a readable feed: {reason}")
    entries = []
    for entry in parsed.entries:
        content = next((c.get("value") for c in entry.get("content", []) if c.get("value")), None)
        link = entry.get("link") or None
        linked = {each.get("href") for each in entry.get("links", [])}  # <link> elements, not a guid
        if link and entry.get("guidislink") and link not in linked and not urlsplit(link).scheme:
            link = None  # <guid>inline-1</guid>: an RSS guid is an id, an address only when it is one
        if link and base and not urlsplit(link).scheme:
            link = urljoin(base, link)  # <link>/news/x.html</link>, <link href="news/x.html"/>
        if link and urlsplit(link).scheme:
            link = page_url(link)
        # Without a link or guid the entry is known by what it says, not by its place in the feed
        # (a new entry at the top would give every older one a new id and store it again).
        said = "\n".join(entry.get(k) or "" for k in ("title", "summary")) + (content or "")
        entries.append(
            FeedEntry(
                key=link or entry.get("id") or f"entry-{hashlib.sha256(said.encode()).hexdigest()[:16]}",
                link=link,
                title=plain_line(entry.get("title")),
                author=entry.get("author") or None,
                published=entry.get("published") or entry.get("updated") or None,
                content=content,
                summary=entry.get("summary") or None,
            )
        )
    return Feed(title=plain_line(parsed.feed.get("title")), entries=entries)
