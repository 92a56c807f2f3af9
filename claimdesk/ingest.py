"""Reading articles from where they live into :class:`~claimdesk.records.Article`.

Each article gets a stable id derived from where it came from (the path
relative to the folder it was found in, so a clone elsewhere gives the same
ids) and a content hash of its decoded text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from claimdesk.records import Article

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md"})
TITLE_LIMIT = 120


@dataclass(frozen=True)
class Source:
    """A place to read one article from, with the key its id is derived from."""

    path: Path
    key: str


class IngestError(ValueError):
    """An article that cannot be read; the message is the one-line reason shown to the user."""


def discover(paths: list[str | Path]) -> tuple[list[Source], list[tuple[str, str]]]:
    """Expand files and folders (recursively) into sources, plus (path, reason) for bad paths."""
    sources: list[Source] = []
    problems: list[tuple[str, str]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)
            if not found:
                problems.append((str(path), "folder holds no article files (.txt, .text, .md)"))
            root = path.resolve().parent
            sources += [Source(p, p.resolve().relative_to(root).as_posix()) for p in found]
        elif path.is_file():
            sources.append(Source(path, path.name))
        elif path.exists():
            problems.append((str(path), "not a regular file or folder"))
        else:
            problems.append((str(path), "no such file or folder"))
    unique = {s.path.resolve(): s for s in sources}
    return list(unique.values()), problems


def article_id(key: str) -> str:
    """A readable, stable id: the slugged file stem plus a short hash of the source key."""
    stem = Path(key).stem if "://" not in key else key.rstrip("/").rsplit("/", 1)[-1]
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:48] or "article"
    return f"{slug}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:10]}"


def decode(data: bytes) -> tuple[str, str]:
    """Decode UTF-8 text, with or without a byte-order mark."""
    try:
        if data.startswith(b"\xef\xbb\xbf"):
            return data[3:].decode("utf-8"), "utf-8-sig"
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        raise IngestError(f"not UTF-8 text (invalid byte at offset {exc.start})") from exc


def make_article(key: str, uri: str, text: str, encoding: str = "utf-8", **extra: str | None) -> Article:
    """Build an article record from decoded text."""
    if not text.strip():
        raise IngestError("empty article (no text)")
    if "\x00" in text:
        raise IngestError("binary data (NUL bytes), not text")
    first_line = next(line.strip() for line in text.splitlines() if line.strip())
    title = extra.pop("title", None) or (
        first_line if len(first_line) <= TITLE_LIMIT else first_line[: TITLE_LIMIT - 1] + "…"
    )
    return Article(
        id=article_id(key),
        uri=uri,
        title=title,
        text=text,
        content_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        encoding=encoding,
        **extra,
    )


def read_article(source: Source) -> Article:
    """Read one plain-text article file."""
    try:
        data = source.path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read file: {exc.strerror}") from exc
    text, encoding = decode(data)
    return make_article(source.key, str(source.path), text, encoding)


def read_all(sources: list[Source]) -> Iterator[tuple[Source, Article | IngestError]]:
    """Read each source, yielding the article or the reason it could not be read."""
    for source in sources:
        try:
            yield source, read_article(source)
        except IngestError as exc:
            yield source, exc
