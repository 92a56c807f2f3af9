"""Fetching one http(s) URL with a timeout and a size cap.

Only http and https are ever fetched: a feed or URL list is someone else's
data, and a link to ``file:///etc/passwd`` must never be read. Errors say
whether trying again could help, so the orchestrator retries only those.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

TIMEOUT_SECONDS = 20.0
MAX_BYTES = 5 * 1024 * 1024
USER_AGENT = "claimdesk/0.1 (fact-check annotation)"
SCHEMES = frozenset({"http", "https"})


@dataclass(frozen=True)
class Fetched:
    """What a URL answered: the body as bytes, with what the server said it is."""

    url: str
    final_url: str
    data: bytes
    content_type: str | None
    charset: str | None


class FetchError(Exception):
    """A URL that could not be fetched; ``transient`` when a later try may succeed."""

    def __init__(self, reason: str, transient: bool = False) -> None:
        super().__init__(reason)
        self.transient = transient


def check_url(url: str) -> str:
    """Refuse anything but an absolute http(s) URL (no file:, ftp:, data:, javascript:)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        raise FetchError(f"refused URL scheme {parts.scheme or '(none)'!r}: only http and https are fetched")
    if not parts.hostname:
        raise FetchError("URL has no host")
    return url


def fetch(url: str, timeout: float = TIMEOUT_SECONDS, max_bytes: int = MAX_BYTES) -> Fetched:
    """GET ``url`` (following http(s) redirects), stopping at ``max_bytes``."""
    check_url(url)
    try:
        with (
            httpx.Client(
                timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT}
            ) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                transient = response.status_code >= 500 or response.status_code in (408, 429)
                raise FetchError(f"HTTP {response.status_code} {response.reason_phrase}", transient)
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"too large: {declared} bytes (limit {max_bytes})")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"too large: more than {max_bytes} bytes")
                chunks.append(chunk)
            content_type = response.headers.get("content-type")
            return Fetched(
                url=url,
                final_url=str(response.url),
                data=b"".join(chunks),
                content_type=content_type.split(";")[0].strip().lower() if content_type else None,
                charset=response.charset_encoding,
            )
    except httpx.TooManyRedirects as exc:
        raise FetchError("redirect loop: too many redirects") from exc
    except httpx.TimeoutException as exc:
        raise FetchError(f"timed out after {timeout:g} s", transient=True) from exc
    except httpx.UnsupportedProtocol as exc:
        raise FetchError(f"refused redirect to a non-http(s) URL: {exc}") from exc
    except httpx.TransportError as exc:
        raise FetchError(f"cannot connect: {exc}", transient=True) from exc
    except httpx.InvalidURL as exc:
        raise FetchError(f"invalid URL: {exc}") from exc
