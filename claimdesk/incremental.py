"""Deciding what a re-run must do with an article: tag it (new or changed) or skip it.

An article is unchanged when its content hash and the digest of the rules that
tagged it match what is stored, and so does its outlet when this run names one (a
``sources.yaml`` entry's ``outlet``, or the document's own); a rules change makes
every article tagged with the old rules "changed", so it is re-tagged, and a new
outlet makes it "changed", so its claims are credited to the new outlet.

Before a file is read at all, its size and modification time are compared with
those stored with the articles it gave last time (:func:`unchanged_file`): the
same size, the same time and the same rules digest mean the file is not read
or hashed again. When they differ the file is read, and the hash decides. A
stamp taken too soon after the file was written is not kept (the file may still
change within the same clock tick, as git's "racily clean" entries), so such a
file is hashed next time rather than trusted.

A URL is known the same way by the validators its server gave (:class:`UrlStamp`): they are sent
back, and a 304 Not Modified says the stored articles of that URL are its articles still. Only the
tagging may be out of date then (new rules, a new outlet), and the stored text serves for that.

A document of several articles (a JSON file, a feed) keeps its stamp only when every article it
gave was unchanged (:func:`keeps_stamp`): its unchanged ones have the new stamp at once, its new
ones are stored later, and a run killed in between would leave a stamp that vouches for articles
that were never stored.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Literal

from claimdesk.fetch import Validators
from claimdesk.records import Article

Change = Literal["new", "changed", "unchanged"]
CHANGES: tuple[Change, ...] = ("new", "changed", "unchanged")

RACY_NS = 2_000_000_000
"""A file modified less than this long before it is looked at gets no stamp (nanoseconds)."""


@dataclass(frozen=True)
class Stored:
    """What the database holds about an article from an earlier run."""

    content_sha256: str
    rules_digest: str | None
    outlet: str | None = None


@dataclass(frozen=True)
class FileStamp:
    """A file as ``stat`` saw it: where (resolved), how big, and when it was last modified."""

    path: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class StoredFile:
    """An article stored from a file, with the file's stamp when it was read and the rules that tagged it."""

    article_id: str
    uri: str
    size: int
    mtime_ns: int
    rules_digest: str | None
    outlet: str | None = None


@dataclass(frozen=True)
class UrlStamp:
    """A URL as its server last described it: the URL asked for and the validators of its answer."""

    url: str
    validators: Validators


Stamp = FileStamp | UrlStamp
"""Where an article was read from, as it was then: what lets a re-run skip reading it again."""


@dataclass(frozen=True)
class StoredUrl:
    """An article stored from a URL, with the validators its server gave and the rules that tagged it."""

    article_id: str
    uri: str
    validators: Validators
    rules_digest: str | None
    outlet: str | None = None


def tagged_as_now(
    stored_digest: str | None, stored_outlet: str | None, rules_digest: str, outlet: str | None
) -> bool:
    """Whether a stored article's tags are current: the same rules digest, and the outlet named (if
    one is) the one stored."""
    return stored_digest == rules_digest and (outlet is None or stored_outlet == outlet)


def classify(article: Article, stored: Stored | None, rules_digest: str) -> Change:
    """New if never stored, unchanged if text, rules and any outlet named are as stored, else changed."""
    if stored is None:
        return "new"
    if stored.content_sha256 == article.content_sha256 and tagged_as_now(
        stored.rules_digest, stored.outlet, rules_digest, article.outlet
    ):
        return "unchanged"
    return "changed"


def keeps_stamp(articles: list[Article], stored: dict[str, Stored], rules_digest: str) -> bool:
    """Whether the articles one document gave may be stored with its stamp: when it gave one, which
    is stored with its stamp in one transaction; when it gave several, only if all are unchanged
    (see the module)."""
    return len(articles) <= 1 or all(
        classify(article, stored.get(article.id), rules_digest) == "unchanged" for article in articles
    )


def stamp_of(path: str, resolved: str | None = None) -> FileStamp | None:
    """The file's stamp, or ``None`` when it cannot be trusted yet (just written) or cannot be had.
    ``resolved``: the path with its links resolved, when the caller knows it already."""
    try:
        resolved = resolved or os.path.realpath(path)
        info = os.stat(resolved)
    except OSError:
        return None
    if time.time_ns() - info.st_mtime_ns < RACY_NS:
        return None
    return FileStamp(resolved, info.st_size, info.st_mtime_ns)


def unchanged_file(
    stamp: FileStamp | None, stored: list[StoredFile], rules_digest: str, outlet: str | None = None
) -> bool:
    """Whether every article the file gave last time is still current, by its stamp alone (and, when
    its source names an ``outlet``, that outlet is the one stored)."""
    return (
        stamp is not None
        and bool(stored)
        and all(
            s.size == stamp.size
            and s.mtime_ns == stamp.mtime_ns
            and tagged_as_now(s.rules_digest, s.outlet, rules_digest, outlet)
            for s in stored
        )
    )


def validators_to_send(stored: list[StoredUrl]) -> Validators | None:
    """The validators to send for a URL whose articles are ``stored``: those they all share, or
    ``None`` (ask for the page whole) when none is stored or they disagree."""
    kinds = {s.validators for s in stored}
    return kinds.pop() if len(kinds) == 1 else None
