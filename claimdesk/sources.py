"""``sources.yaml``: the folders, files, feeds and URL lists a scheduled run reads.

The file is validated against ``schemas/sources.schema.json``; relative paths
are resolved against the file's own folder, so a sources file means the same
wherever the run starts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from claimdesk import schemas, yamltext
from claimdesk.wording import plural, yaml_problem

KINDS = ("folder", "file", "feed", "urls", "url_list")
Kind = Literal["folder", "file", "feed"]


class SourcesError(ValueError):
    """A sources file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class SourceSpec:
    """One entry of a sources file: what to read (a path or URL) and the outlet to credit."""

    kind: Kind
    location: str
    outlet: str | None = None
    allow_private: bool = False
    """Links found in its documents (and redirects) may lead to internal addresses."""


def is_url(location: str) -> bool:
    return "://" in location


def page_url(url: str) -> str:
    """The address of the page ``url`` names, as one article is known by: without its ``#fragment``
    (a place in the page, never sent to a server) and its ``utm_*`` parameters (campaign tracking,
    the same page whatever they say). Any other query parameter is kept: it may select the article."""
    url = url.split("#", 1)[0]
    if "?" not in url:
        return url
    address, query = url.split("?", 1)
    kept = [part for part in query.split("&") if not part.lower().startswith("utm_")]
    return f"{address}?{'&'.join(kept)}" if kept else address


def _resolve(location: str, base: Path) -> str:
    if is_url(location):
        return location
    path = Path(location).expanduser()
    return str(path if path.is_absolute() else (base / path))


def url_list_entries(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """The entries of a URL list with their line numbers: each line without its ``#`` comment,
    blank ones skipped."""
    for n, line in enumerate(lines, start=1):
        if entry := line.split("#", 1)[0].strip():
            yield n, entry


def is_http(entry: str) -> bool:
    return entry.startswith(("http://", "https://"))


def _url_list(path: Path, where: str) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SourcesError(f"{where}: cannot read URL list {path}: {exc}") from exc
    entries = list(url_list_entries(lines))
    bad = [(n, u) for n, u in entries if not is_http(u)]
    if bad:
        n, url = bad[0]
        more = f" (and {plural(len(bad) - 1, 'more line')})" if len(bad) > 1 else ""
        raise SourcesError(f"{where}: {path}:{n}: not an http(s) URL: {url!r}{more}")
    return [u for _, u in entries]


def load_sources(path: str | Path) -> list[SourceSpec]:
    """Read and validate a sources file into one spec per thing to read."""
    path = Path(path)
    try:
        data = yamltext.load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourcesError(f"{path}: cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise SourcesError(f"{path}: sources file is not UTF-8 text") from exc
    except yaml.YAMLError as exc:
        raise SourcesError(f"{path}: not valid YAML: {yaml_problem(exc)}") from exc
    if isinstance(data, dict) and isinstance(data.get("sources"), list):
        for n, entry in enumerate(data["sources"], start=1):
            given = [k for k in KINDS if isinstance(entry, dict) and k in entry]
            if isinstance(entry, dict) and len(given) != 1:
                known = schemas.load_schema("sources")["$defs"]["source"]["properties"]
                unknown = [str(k) for k in entry if k not in known]
                raise SourcesError(
                    f"{path}: sources entry {n}: give exactly one of {', '.join(KINDS)} "
                    f"(found {', '.join(given) or 'none'}"
                    + (f"; unknown key {', '.join(map(repr, unknown))}" if unknown else "")
                    + ")"
                )
    problems = schemas.errors("sources", data)
    if problems:
        raise SourcesError(f"{path}: {problems[0]}")
    base = path.resolve().parent
    specs: list[SourceSpec] = []
    for n, entry in enumerate(data["sources"], start=1):
        outlet = entry.get("outlet")
        private = bool(entry.get("allow_private", False))
        if "urls" in entry:
            specs += [SourceSpec("file", url, outlet, private) for url in entry["urls"]]
        elif "url_list" in entry:
            listed = Path(_resolve(entry["url_list"], base))
            specs += [
                SourceSpec("file", url, outlet, private)
                for url in _url_list(listed, f"{path}: sources entry {n}")
            ]
        else:
            kind = next(k for k in ("folder", "file", "feed") if k in entry)
            specs.append(SourceSpec(kind, _resolve(entry[kind], base), outlet, private))
    return specs
