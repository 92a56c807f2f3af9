"""Deciding what a re-run must do with an article: tag it (new or changed) or skip it.

An article is unchanged when both its content hash and the digest of the
rules that tagged it match what is stored; a rules change makes every article
tagged with the old rules "changed", so it is re-tagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from claimdesk.records import Article

Change = Literal["new", "changed", "unchanged"]
CHANGES: tuple[Change, ...] = ("new", "changed", "unchanged")


@dataclass(frozen=True)
class Stored:
    """What the database holds about an article from an earlier run."""

    content_sha256: str
    rules_digest: str | None


def classify(article: Article, stored: Stored | None, rules_digest: str) -> Change:
    """New if never stored, unchanged if text and rules are the same as stored, else changed."""
    if stored is None:
        return "new"
    if stored.content_sha256 == article.content_sha256 and stored.rules_digest == rules_digest:
        return "unchanged"
    return "changed"
