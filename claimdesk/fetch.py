"""Fetching one http(s) URL with a timeout and a size cap.

Only http and https are ever fetched: a feed or URL list is someone else's
data, and a link to ``file:///etc/passwd`` must never be read. A link found in
a document, and every redirect, is untrusted too: unless the source allows it,
one that leads to a loopback, private, link-local or reserved address is refused,
so no feed can steer a run into the network it runs in. Errors say whether
trying again could help, so the orchestrator retries only those.

A URL fetched before is asked for conditionally: the validators its server gave then (``ETag``,
``Last-Modified``) are sent back (``If-None-Match``, ``If-Modified-Since``), and a ``304 Not
Modified`` comes back as :class:`NotModified`, without a body. A server that ignores them answers
200 with the page, as it would have anyway.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

TIMEOUT_SECONDS = 20.0
MAX_BYTES = 5 * 1024 * 1024
USER_AGENT = "claimdesk/0.1 (fact-check annotation)"
SCHEMES = frozenset({"http", "https"})
MAX_REDIRECTS = 20
PRIVATE_HINT = "allow it with allow_private: true in sources.yaml or --allow-private"


@dataclass(frozen=True)
class Validators:
    """What a server said names the version it sent (RFC 9110 8.8): sent back with the next request
    for the same URL, they let it answer 304 Not Modified instead of sending the page again."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        """The conditional request headers (a server weighs If-None-Match first, if it has both)."""
        said = {"If-None-Match": self.etag, "If-Modified-Since": self.last_modified}
        return {name: value for name, value in said.items() if value}


def validators_of(headers: httpx.Headers) -> Validators | None:
    """The validators a response gave, or ``None`` when it gave neither."""
    found = Validators(headers.get("etag") or None, headers.get("last-modified") or None)
    return found if found.etag or found.last_modified else None


@dataclass(frozen=True)
class Fetched:
    """What a URL answered: the body as bytes, with what the server said it is."""

    url: str
    final_url: str
    data: bytes
    content_type: str | None
    charset: str | None
    validators: Validators | None = None


@dataclass(frozen=True)
class NotModified:
    """A 304 to a conditional request: the version the validators sent name is still the server's."""

    url: str
    final_url: str


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


def _internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def check_public(url: str, what: str = "link") -> None:
    """Refuse a URL whose host is, or resolves to, a loopback, private, link-local or reserved address.

    A name that does not resolve is left to the fetch, which reports it (and may retry)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        addresses = (
            [host]
            if _is_ip(host)
            else sorted(
                {info[4][0] for info in socket.getaddrinfo(host, parts.port or 80, type=socket.SOCK_STREAM)}
            )
        )
    except (socket.gaierror, UnicodeError):
        return
    internal = next((a for a in addresses if _internal(a)), None)
    if internal is not None:
        shown = host if internal == host else f"{host} ({internal})"
        raise FetchError(f"refused {what} to an internal address {shown}: {PRIVATE_HINT}")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def fetch(
    url: str,
    timeout: float = TIMEOUT_SECONDS,
    max_bytes: int = MAX_BYTES,
    trusted: bool = True,
    allow_private: bool = False,
    validators: Validators | None = None,
) -> Fetched | NotModified:
    """GET ``url`` (following http(s) redirects), stopping at ``max_bytes``.

    ``trusted`` is for URLs the user gave; a link found in a document is not, and with
    ``allow_private`` off neither it nor any redirect may lead to an internal address.
    ``validators``: what the server gave last time, sent back on every hop (a redirect's own
    server ignores them), so the page's server may answer :class:`NotModified`."""
    check_url(url)
    if not trusted and not allow_private:
        check_public(url)
    try:
        with httpx.Client(
            timeout=timeout, follow_redirects=False, headers={"User-Agent": USER_AGENT}
        ) as client:
            return _get(client, url, timeout, max_bytes, allow_private, validators)
    except httpx.TimeoutException as exc:
        raise FetchError(f"timed out after {timeout:g} s", transient=True) from exc
    except httpx.UnsupportedProtocol as exc:
        raise FetchError(f"refused redirect to a non-http(s) URL: {exc}") from exc
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:  # connected, then cut off
        raise FetchError(f"the connection broke before the whole page came: {exc}", transient=True) from exc
    except httpx.TransportError as exc:
        raise FetchError(f"cannot connect: {exc}", transient=True) from exc
    except httpx.InvalidURL as exc:
        raise FetchError(f"invalid URL: {exc}") from exc


def _get(
    client: httpx.Client,
    url: str,
    timeout: float,
    max_bytes: int,
    allow_private: bool,
    validators: Validators | None,
) -> Fetched | NotModified:
    """Follow redirects one by one, so each hop can be checked before it is requested."""
    current = url
    conditional = validators.headers() if validators else {}
    for _ in range(MAX_REDIRECTS + 1):
        with client.stream("GET", current, headers=conditional) as response:
            if response.is_redirect and "location" in response.headers:
                target = urljoin(current, response.headers["location"])
                if urlsplit(target).scheme.lower() not in SCHEMES:
                    raise FetchError(f"refused redirect to a non-http(s) URL: {target[:200]}")
                if not allow_private:
                    check_public(target, "redirect")
                current = target
                continue
            if response.status_code >= 400:
                transient = response.status_code >= 500 or response.status_code in (408, 429)
                raise FetchError(f"HTTP {response.status_code} {response.reason_phrase}", transient)
            if response.status_code == 304 and conditional:
                return NotModified(url, str(response.url))
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
                validators=validators_of(response.headers),
            )
    raise FetchError("redirect loop: too many redirects")
