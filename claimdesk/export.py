"""Exports for other tools: W3C Web Annotation JSON-LD, CSV and JSON Lines.

Web Annotation is the interchange format annotation tools read: each claim sentence becomes
an Annotation whose target is its article, located twice (a TextQuoteSelector with the exact
words and some context, and a TextPositionSelector with code-point offsets, as the model
asks), and whose body carries the status and the claim across articles it belongs to. The
claims themselves, with their mentions, go out as JSON Lines (one claim a line) or CSV (one
mention a row). Their shapes are published
(``schemas/web-annotation.schema.json``, ``exported-sentence.schema.json`` for the sentences' CSV and
JSON Lines, ``exported-claim.schema.json`` for the claims') and every export is checked against them.
The database is opened read-only, so exporting never blocks or changes a run.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

from claimdesk import atomic, schemas
from claimdesk.records import ExportedClaim, ExportedMention, ExportedSentence
from claimdesk.store import DB_NAME, missing_db

FORMATS = {
    "web-annotation": "annotations.jsonld",
    "csv": "sentences.csv",
    "jsonl": "sentences.jsonl",
    "claims-csv": "claims.csv",
    "claims-jsonl": "claims.jsonl",
}
CONTEXT = "http://www.w3.org/ns/anno.jsonld"
QUOTE_CONTEXT = 32  # characters of prefix and suffix, enough to find the quote again
COLUMNS = list(ExportedSentence.model_fields)
"""A sentence's columns, in order: its published schema's (``schemas/exported-sentence.schema.json``)."""
CLAIM_COLUMNS = [
    "mentions" if k == "mention_count" else k for k in ExportedClaim.model_fields if k != "mentions"
]
"""A claim's columns of the ``claims`` table, in the order of ``schemas/exported-claim.schema.json``."""
MENTION_COLUMNS = list(ExportedMention.model_fields)


class ExportError(RuntimeError):
    """Nothing to export, or nowhere to write it; the message says why."""


def connect(output: Path) -> sqlite3.Connection:
    if problem := missing_db(output):
        raise ExportError(problem)
    path = output / DB_NAME
    conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def sentences(conn: sqlite3.Connection) -> Iterator[dict]:
    """Every sentence in article then reading order, with its article and the rules that fired."""
    cues: dict[str, list[dict]] = {}
    for c in conn.execute('select sentence_id, rule_id, status, text, start, "end" from cues order by id'):
        cues.setdefault(c["sentence_id"], []).append(
            {k: c[k] for k in ("rule_id", "status", "text", "start", "end")}
        )
    for row in conn.execute(
        "select s.*, a.title as article_title, a.outlet, m.claim_id from sentences s "
        "join articles a on a.id = s.article_id left join claim_mentions m on m.sentence_id = s.id "
        "order by s.article_id, s.position"
    ):
        yield {**dict(row), "quoted": bool(row["quoted"]), "cues": cues.get(row["id"], [])}


def claims(conn: sqlite3.Connection) -> Iterator[dict]:
    """Every claim across articles, most mentioned first, with its mentions in article order."""
    mentions: dict[str, list[dict]] = {}
    for m in conn.execute(
        "select m.claim_id, m.sentence_id, m.article_id, a.title as article_title, m.outlet, m.status, "
        "m.attributed_to, s.text from claim_mentions m join sentences s on s.id = m.sentence_id "
        "join articles a on a.id = m.article_id order by m.claim_id, m.article_id, s.position"
    ):
        mentions.setdefault(m["claim_id"], []).append({k: m[k] for k in MENTION_COLUMNS})
    for row in conn.execute("select * from claims order by mentions desc, id"):
        yield {**{k: row[k] for k in CLAIM_COLUMNS}, "mention_list": mentions.get(row["id"], [])}


def scope_iri(uri: str) -> str | None:
    """The address the article was read from, as an IRI (a URL, or a file's ``file:`` URI), if any."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", uri):
        return uri
    path = Path(uri)
    return path.as_uri() if path.is_absolute() else None


def annotation(sentence: dict, text: str, uri: str) -> dict:
    """One claim as a Web Annotation: the status classifies the sentence it targets."""
    start, end = sentence["start"], sentence["end"]
    body = [
        {"type": "TextualBody", "purpose": "classifying", "value": sentence["status"], "format": "text/plain"}
    ]
    if sentence["attributed_to"]:
        who = sentence["attributed_to"] + (f" ({sentence['source_type']})" if sentence["source_type"] else "")
        body.append(
            {
                "type": "TextualBody",
                "purpose": "describing",
                "value": f"Attributed to {who}",
                "format": "text/plain",
            }
        )
    body.append(
        {
            "type": "TextualBody",
            "purpose": "tagging",
            "value": f"rule:{sentence['decided_by']}",
            "format": "text/plain",
        }
    )
    if sentence.get("claim_id"):  # the claim across articles this sentence is a mention of
        claim = f"urn:claimdesk:claim:{sentence['claim_id']}"
        body.append({"type": "SpecificResource", "source": claim, "purpose": "identifying"})
    # The selectors index the text claimdesk read (a page's article text, not the page's markup or
    # furniture), so that text is the source; the page or file it was read from is the scope.
    scope = scope_iri(uri)
    return {
        "id": f"urn:claimdesk:annotation:{sentence['id']}",
        "type": "Annotation",
        "motivation": "classifying",
        "body": body,
        "target": {
            "source": f"urn:claimdesk:article:{sentence['article_id']}",
            **({"scope": scope} if scope else {}),
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": text[start:end],
                    "prefix": text[max(0, start - QUOTE_CONTEXT) : start],
                    "suffix": text[end : end + QUOTE_CONTEXT],
                },
                {"type": "TextPositionSelector", "start": start, "end": end},
            ],
        },
    }


def web_annotations(conn: sqlite3.Connection) -> dict:
    """Every claim (sentences with a status) as one AnnotationCollection with a single page."""
    articles = {r["id"]: r for r in conn.execute("select id, uri, text from articles")}
    items = [
        annotation(s, articles[s["article_id"]]["text"], articles[s["article_id"]]["uri"])
        for s in sentences(conn)
        if s["status"]
    ]
    digest = hashlib.sha256(json.dumps(items, sort_keys=True).encode("utf-8")).hexdigest()[:16]
    collection = f"urn:claimdesk:collection:{digest}"
    return {
        "@context": CONTEXT,
        "id": collection,
        "type": "AnnotationCollection",
        "label": "claimdesk: how each article presents its claims",
        "total": len(items),
        "generator": {"type": "Software", "name": "claimdesk"},
        "first": {"id": f"{collection}:page:0", "type": "AnnotationPage", "startIndex": 0, "items": items},
    }


def _checked(kind: str, rows: Iterator[dict]) -> Iterator[dict]:
    """``rows`` as they are exported, each checked against ``schemas/<kind>.schema.json``: a row that
    does not match is our own bug, not the user's, and the export stops saying exactly what is wrong."""
    for row in rows:
        problems = schemas.errors(kind, row)
        if problems:
            raise ExportError(
                f"{kind} {row.get('id')!r} does not match its schema: " + "; ".join(problems[:5])
            )
        yield row


def _checked_sentences(conn: sqlite3.Connection) -> Iterator[dict]:
    return _checked("exported-sentence", ({k: s[k] for k in COLUMNS} for s in sentences(conn)))


def _checked_claims(conn: sqlite3.Connection) -> Iterator[dict]:
    rows = (
        {
            **{("mention_count" if k == "mentions" else k): c[k] for k in CLAIM_COLUMNS},
            "mentions": c["mention_list"],
        }
        for c in claims(conn)
    )
    return _checked("exported-claim", rows)


def render(conn: sqlite3.Connection, fmt: str) -> str:
    """The export as text in one of :data:`FORMATS`."""
    if fmt == "web-annotation":
        data = web_annotations(conn)
        problems = schemas.errors("web-annotation", data)
        if problems:  # our own bug, not the user's: say exactly what is wrong
            raise ExportError("web annotation export does not match its schema: " + "; ".join(problems[:5]))
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    if fmt == "jsonl":
        return "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in _checked_sentences(conn))
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for s in _checked_sentences(conn):
            writer.writerow(
                {
                    **s,
                    "quoted": "true" if s["quoted"] else "false",  # as JSON writes it, not Python's True
                    "cues": ";".join(c["rule_id"] for c in s["cues"]),
                }
            )
        return buffer.getvalue()
    if fmt == "claims-jsonl":
        return "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in _checked_claims(conn))
    if fmt == "claims-csv":  # one row per mention, its claim's columns first
        buffer = io.StringIO()
        header = [f"claim_{k}" if k in ("id", "text", "status") else k for k in CLAIM_COLUMNS]
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header + [f"mention_{k}" for k in MENTION_COLUMNS])
        for c in _checked_claims(conn):
            claim = [c["mention_count" if k == "mentions" else k] for k in CLAIM_COLUMNS]
            for m in c["mentions"]:
                writer.writerow(claim + [m[k] for k in MENTION_COLUMNS])
        return buffer.getvalue()
    raise ExportError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")


def export(
    output: Path = Path("output"), fmt: str = "web-annotation", file: str | Path | None = None
) -> Path | None:
    """Write the export to ``file`` (default ``output/<FORMATS[fmt]>``; ``-`` for standard output).

    Returns the path written, or None for standard output.
    """
    conn = connect(Path(output))
    try:
        body = render(conn, fmt)
    finally:
        conn.close()
    if str(file) == "-":
        sys.stdout.write(body)
        return None
    target = Path(file) if file else Path(output) / FORMATS[fmt]
    try:
        atomic.write_text(target, body)  # a failed export leaves the last one whole
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return target
