"""Counts as a reader writes them: ``1 article``, ``2 articles``, ``0 articles``."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``count`` and ``noun``, with the plural (``noun + 's'`` unless given) for any count but 1."""
    return f"{count} {noun if count == 1 else (many or noun + 's')}"
