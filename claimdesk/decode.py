"""Bytes to text: byte-order marks, a declared charset, UTF-8, then detection.

Articles arrive in whatever encoding their publisher used (cp1252 exports,
UTF-16 files from Windows tools, pages that declare a charset). The decoded
text is what every offset indexes into, so the encoding it came from is kept.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator

import charset_normalizer

BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
# Short Western texts read the same in several code pages (cp1250, cp775, cp850...) and the
# detector's pick among them is arbitrary. When one of its best-scoring candidates reads exactly as
# cp1252, say cp1252: it is what Western publishers export, and what browsers read "latin-1" as.
PREFERRED = "cp1252"


class DecodeError(ValueError):
    """Bytes that are no text in any encoding we can tell; the message is the reason."""


def _name(encoding: str) -> str:
    return codecs.lookup(encoding).name


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data`` and say from what: (text, encoding name as Python knows it)."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise DecodeError(f"broken {encoding} text (invalid byte at offset {exc.start})") from exc
    if declared:
        try:
            return data.decode(declared), _name(declared)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration is common; fall through to what the bytes say
    if b"\x00" not in data:  # NUL bytes are valid UTF-8 but mean UTF-16/32 without a mark, or binary
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    candidates = charset_normalizer.from_bytes(data)
    best = candidates.best()
    if best is None:
        raise DecodeError("not text in any encoding claimdesk can detect (binary data?)")
    try:
        western = data.decode(PREFERRED)
    except UnicodeDecodeError:
        western = None
    if western is not None and any(c.chaos <= best.chaos and str(c) == western for c in candidates):
        return western, PREFERRED
    return str(best), _name(best.encoding)


def utf8_parts(text: str, part: int = 1 << 20) -> Iterator[bytes]:
    """``text`` in UTF-8, ``part`` characters at a time: a huge article is never encoded whole (nor
    given the UTF-8 copy Python keeps with a string once it is encoded whole for SQLite)."""
    for start in range(0, len(text), part):
        yield text[start : start + part].encode("utf-8")
