"""Reading articles from where they live into :class:`~claimdesk.records.Article`.

Sources are files, folders (recursively), http(s) URLs and feeds. A source's
bytes are decoded (:mod:`claimdesk.decode`) and the articles in them found by
format (:mod:`claimdesk.extract`). Fetching is not done here: the orchestrator
fetches URLs (with retries) and hands the bytes in as a :class:`Payload`.

Each article gets a stable id derived from where it came from (the path
relative to the folder it was found in, or its URL, so a clone elsewhere gives
the same ids) and a content hash of its decoded text.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from claimdesk import extract
from claimdesk.decode import DecodeError, decode, utf8_parts
from claimdesk.extract import ExtractError, Format
from claimdesk.records import Article
from claimdesk.sources import SourceSpec, is_http, is_url, page_url, url_list_entries
from claimdesk.titles import title_of

if TYPE_CHECKING:
    from claimdesk.fetch import Validators

ARTICLE_SUFFIXES = frozenset(extract.SUFFIXES)
TITLE_LIMIT = 120


@dataclass(frozen=True)
class Source:
    """A place to read articles from (a file path or an http(s) URL) and the key ids derive from."""

    location: str
    key: str
    outlet: str | None = None
    format: Format | None = None
    """Forced format (a ``feed:`` entry); ``None`` lets the content type, suffix or bytes decide."""
    allow_private: bool = False
    """Links in its documents, and redirects, may lead to loopback or private addresses."""
    resolved: str | None = None
    """A file's path with every link resolved, when discovery worked it out (``None``: not known)."""

    @property
    def is_url(self) -> bool:
        return is_url(self.location)


@dataclass(frozen=True)
class Payload:
    """The bytes of a source, with what the server said about them (nothing, for a file)."""

    data: bytes
    content_type: str | None = None
    charset: str | None = None
    url: str | None = None
    validators: Validators | None = None
    """What names this version of a fetched document (ETag, Last-Modified), when its server said."""


@dataclass(frozen=True)
class Link:
    """A feed entry without content of its own: its page must be fetched and extracted."""

    url: str
    key: str
    title: str | None
    author: str | None
    published: str | None
    outlet: str | None
    """The outlet its source names (sources.yaml ``outlet``): it wins over the page's own."""
    allow_private: bool = False
    feed_title: str | None = None
    """The feed's title: the outlet of a page that names none of its own."""


@dataclass
class Parsed:
    """What reading sources gave: articles, pages still to fetch, (source, reason) failures, and
    (source, stage, reason) errors: exceptions no one expected, kept so one bad source never stops a run."""

    articles: list[Article] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    errors: list[tuple[str, str, str]] = field(default_factory=list)

    def extend(self, other: Parsed) -> None:
        self.articles += other.articles
        self.links += other.links
        self.failures += other.failures
        self.errors += other.errors


def unexpected(exc: BaseException) -> str:
    """An exception no one planned for, as one line: its type and message."""
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


class IngestError(ValueError):
    """An article that cannot be read; the message is the one-line reason shown to the user."""


def _folder(
    path: Path, outlet: str | None, allow_private: bool = False, skipped: list[str] | None = None
) -> tuple[list[Source], list[tuple[str, str]]]:
    """Article files under ``path``; folders that cannot be read are reported, symlinked folders
    are not followed (no loops), symlinked files are read, files of other kinds are added to
    ``skipped``. Each folder's path is resolved once, not each file's (a re-run of a large archive
    is mostly this walk)."""
    problems: list[tuple[str, str]] = []
    found: list[tuple[Path, str]] = []  # (file, its resolved path)
    real_root = os.path.realpath(path)
    pending = [(str(path), real_root)]
    while pending:
        folder, real = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as error:
            problems.append((str(error.filename or path), f"cannot read folder: {error.strerror}"))
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, os.path.join(real, entry.name)))
                elif os.path.splitext(entry.name)[1].lower() in ARTICLE_SUFFIXES and entry.is_file():
                    link = entry.is_symlink()
                    found.append(
                        (
                            Path(entry.path),
                            os.path.realpath(entry.path) if link else os.path.join(real, entry.name),
                        )
                    )
                elif skipped is not None and not entry.name.startswith(".") and entry.is_file():
                    skipped.append(entry.path)  # "README", "photo.png": not read (hidden files unsaid)
            except OSError:  # gone, or a link that cannot be followed, since it was listed
                continue
    if not found and not problems:
        kinds = ", ".join(sorted(ARTICLE_SUFFIXES))
        return [], [(str(path), f"folder holds no article files ({kinds})")]
    found.sort()
    root = os.path.dirname(real_root)
    return [
        Source(str(file), _key(resolved, root), outlet, allow_private=allow_private, resolved=resolved)
        for file, resolved in found
    ], problems


def _key(resolved: str, root: str) -> str:
    """The id key: the file's resolved path below the folder given (so a symlinked file keeps its
    target's), or its whole resolved path when it lies elsewhere."""
    below = root.rstrip("/") + "/"
    return resolved[len(below) :] if resolved.startswith(below) else resolved


def _distinct_keys(sources: list[Source]) -> list[Source]:
    """Give different files different keys (so different ids): two files given as ``a/x.txt`` and
    ``b/x.txt``, or found in two folders both named ``seeds``, share a key; each such key is lengthened
    with the file's parent folders until the keys differ. Keys that were already unique stay as they are."""
    by_key: dict[str, list[Source]] = {}
    for source in sources:
        by_key.setdefault(source.key, []).append(source)
    renamed: dict[int, Source] = {}
    for group in (g for g in by_key.values() if len(g) > 1 and not any(s.is_url for s in g)):
        parts = [Path(s.location).resolve().parts for s in group]
        keys = [Path(*p).as_posix() for p in parts]
        for depth in range(len(Path(group[0].key).parts) + 1, max(len(p) for p in parts) + 1):
            keys = ["/".join(p[-depth:]).lstrip("/") for p in parts]
            if len(set(keys)) == len(keys):
                break
        for source, key in zip(group, keys, strict=True):
            renamed[id(source)] = replace(source, key=key)
    return [renamed.get(id(s), s) for s in sources]


def discover(
    paths: Iterable[str | Path],
    specs: Iterable[SourceSpec] = (),
    allow_private: bool = False,
    skipped: list[str] | None = None,
) -> tuple[list[Source], list[tuple[str, str]]]:
    """Expand paths, URLs and sources-file entries into sources, plus (where, reason) for bad ones.

    ``allow_private`` lets links found in the documents of ``paths`` (and redirects) reach internal
    addresses; a sources-file entry says so itself (``allow_private: true``). Files in folders that
    are of no kind read here are added to ``skipped``, when given (a file named on its own is read
    as text)."""
    wanted = [SourceSpec("file", str(p), allow_private=allow_private) for p in paths] + list(specs)
    sources: list[Source] = []
    problems: list[tuple[str, str]] = []
    for spec in wanted:
        forced: Format | None = "feed" if spec.kind == "feed" else None
        private = spec.allow_private or allow_private
        if is_url(spec.location):
            url = page_url(spec.location)
            sources.append(Source(url, url, spec.outlet, forced, private))
            continue
        path = Path(spec.location)
        if path.is_dir() and spec.kind != "feed":
            found, missing = _folder(path, spec.outlet, private, skipped)
            sources += found
            problems += missing
        elif path.is_file():
            sources.append(Source(str(path), path.name, spec.outlet, forced, private, os.path.realpath(path)))
        elif path.exists():
            problems.append((str(path), "not a regular file or folder"))
        else:
            problems.append((str(path), "no such file or folder"))
    unique: dict[str, Source] = {}
    for source in sources:  # the first mention wins, so its key (and the article's id) is stable,
        where = source.resolved or source.location  # every file found here has its resolved path
        first = unique.setdefault(where, source)
        if first.outlet is None and source.outlet:  # but an outlet named by a later mention counts
            unique[where] = replace(first, outlet=source.outlet)
    return _distinct_keys(list(unique.values())), problems


def article_id(key: str) -> str:
    """A readable, stable id: the slugged name (file stem, URL tail or item id) plus a hash of the key."""
    if "#" in key:
        stem = key.rsplit("#", 1)[1]
    elif is_url(key):
        stem = key.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    else:
        stem = Path(key).stem
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:48] or "article"
    return f"{slug}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:10]}"


def content_sha256(text: str) -> str:
    """sha256 of ``text`` in UTF-8, encoded a part at a time (a huge article is not copied whole)."""
    digest = hashlib.sha256()
    for part in utf8_parts(text):
        digest.update(part)
    return digest.hexdigest()


def make_article(key: str, uri: str, text: str, encoding: str = "utf-8", **extra: str | None) -> Article:
    """Build an article record from decoded text."""
    if not text or text.isspace():  # (not text.strip(): a copy of a huge article)
        raise IngestError("empty article (no text)")
    if not any(c.isalpha() for c in text):
        raise IngestError("no words: the text has no letters (punctuation or numbers only)")
    if "\x00" in text:
        raise IngestError("binary data (NUL bytes), not text")
    if _only_urls(text):
        raise IngestError(
            "a list of URLs, not an article: to fetch them, give them as arguments or list the file "
            "as url_list: in a sources.yaml"
        )
    title = extra.pop("title", None) or title_of(text, TITLE_LIMIT)
    return Article(
        id=article_id(key),
        uri=uri,
        title=title,
        text=text,
        content_sha256=content_sha256(text),
        encoding=encoding,
        **extra,
    )


def _only_urls(text: str) -> bool:
    """Whether the text reads as a URL list (every entry an http(s) URL alone on its line), read
    lazily: the first line of prose ends it, so a huge article costs nothing."""
    found = False
    for _, entry in url_list_entries(io.StringIO(text)):
        if not is_http(entry) or " " in entry:
            return False
        found = True
    return found


def load(source: Source) -> Payload:
    """Read a file source's bytes."""
    try:
        return Payload(Path(source.location).read_bytes())
    except OSError as exc:
        raise IngestError(f"cannot read file: {exc.strerror}") from exc


def _decode(payload: Payload, html: bool = False) -> tuple[str, str]:
    declared = payload.charset or (extract.declared_charset(payload.data) if html else None)
    try:
        return decode(payload.data, declared)
    except DecodeError as exc:
        raise IngestError(str(exc)) from exc


def _from_extracted(
    found: extract.Extracted, key: str, uri: str, encoding: str, outlet: str | None
) -> Article:
    return make_article(
        key,
        uri,
        found.text,
        encoding,
        title=found.title,
        author=found.author,
        published=found.published,
        outlet=outlet or found.outlet,
    )


def parse(source: Source, payload: Payload) -> Parsed:
    """Every article in one source's bytes; an unreadable source or item becomes a failure."""
    uri = payload.url or source.location
    refused = None if source.format else extract.unsupported(payload.content_type, uri, payload.data)
    if refused:  # a `feed:` entry is a feed whatever its server calls it
        return Parsed(failures=[(uri, refused)])
    try:
        kind = source.format or extract.detect_format(source.location, payload.content_type, payload.data)
        if kind == "feed":
            return _feed(source, payload)
        text, encoding = _decode(payload, html=kind == "html")
        if kind == "markdown":
            text, kind = extract.markdown_text(text), "text"
        if kind == "text":
            return Parsed(articles=[make_article(source.key, uri, text, encoding, outlet=source.outlet)])
        if kind == "html":
            found = extract.html_article(text, uri if is_url(uri) else None)
            return Parsed(articles=[_from_extracted(found, source.key, uri, encoding, source.outlet)])
        items, bad = (extract.json_articles if kind == "json" else extract.jsonl_articles)(text)
    except (IngestError, ExtractError) as exc:
        return Parsed(failures=[(uri, str(exc))])
    parsed = Parsed(failures=[(uri, reason) for reason in bad])
    for item in items:
        key = item.url or f"{source.key}#{item.id}"
        try:
            parsed.articles.append(_from_extracted(item, key, item.url or uri, encoding, source.outlet))
        except IngestError as exc:
            parsed.failures.append((key, str(exc)))
        except Exception as exc:  # one bad item never costs the file's other items
            parsed.errors.append((key, "parse", unexpected(exc)))
    return parsed


def _feed(source: Source, payload: Payload) -> Parsed:
    found = extract.feed(payload.data, payload.url or (source.location if source.is_url else None))
    outlet = source.outlet or found.title
    parsed = Parsed()
    for entry in found.entries:
        key = entry.key if is_url(entry.key) else f"{source.key}#{entry.key}"
        body = entry.content or (entry.summary if not entry.link else None)
        try:
            if body:
                text = extract.fragment_text(body)
                if entry.title and not text.startswith(entry.title):
                    text = f"{entry.title}\n{text}"
                parsed.articles.append(
                    make_article(
                        key,
                        entry.link or payload.url or source.location,
                        text,
                        "utf-8",
                        title=entry.title,
                        author=entry.author,
                        published=entry.published,
                        outlet=outlet,
                    )
                )
            elif entry.link and not urlsplit(entry.link).scheme:
                parsed.failures.append(
                    (
                        key,
                        f"relative link {entry.link[:200]!r} in a feed read from a file: "
                        "no address to resolve it against (give the feed's URL instead, or absolute links)",
                    )
                )
            elif entry.link:
                parsed.links.append(
                    Link(
                        entry.link,
                        key,
                        entry.title,
                        entry.author,
                        entry.published,
                        source.outlet,
                        source.allow_private,
                        found.title,
                    )
                )
            else:
                parsed.failures.append((key, "empty feed entry: no text and no link"))
        except IngestError as exc:
            parsed.failures.append((key, str(exc)))
        except Exception as exc:  # one bad entry never costs the feed's other entries
            parsed.errors.append((key, "parse", unexpected(exc)))
    return parsed


def page(link: Link, payload: Payload) -> Article:
    """The article on a feed entry's linked page; the feed's title, author and date fill gaps.
    A page served as plain text is the article as it stands, as it would be given directly.

    Its outlet is the one its source names, else the page's own (``og:site_name``...), else the
    feed's title: an aggregator's feed does not make every page it links its own."""
    refused = extract.unsupported(payload.content_type, payload.url or link.url, payload.data)
    if refused:
        raise IngestError(refused)
    if extract.detect_format(link.url, payload.content_type, payload.data) == "text":
        text, encoding = _decode(payload, html=False)
        return make_article(
            link.key,
            link.url,
            text,
            encoding,
            title=link.title,
            author=link.author,
            published=link.published,
            outlet=link.outlet or link.feed_title,
        )
    try:
        text, encoding = _decode(payload, html=True)
        found = extract.html_article(text, payload.url or link.url)
    except ExtractError as exc:
        raise IngestError(str(exc)) from exc
    found = replace(
        found,
        title=found.title or link.title,
        author=found.author or link.author,
        published=found.published or link.published,
        outlet=found.outlet or link.feed_title,
    )
    return _from_extracted(found, link.key, link.url, encoding, link.outlet)


def read_files(sources: list[Source]) -> Parsed:
    """Read and parse file sources (URL sources are fetched by the orchestrator, then :func:`parse`)."""
    parsed = Parsed()
    for source in sources:
        try:
            payload = load(source)
        except IngestError as exc:
            parsed.failures.append((source.location, str(exc)))
            continue
        except Exception as exc:
            parsed.errors.append((source.location, "read", unexpected(exc)))
            continue
        parsed.extend(parse_safely(source, payload))
    return parsed


def parse_safely(source: Source, payload: Payload) -> Parsed:
    """:func:`parse`, with any exception it did not expect kept as an error of stage ``parse``."""
    try:
        return parse(source, payload)
    except Exception as exc:
        return Parsed(errors=[(payload.url or source.location, "parse", unexpected(exc))])
