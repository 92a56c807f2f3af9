"""The claimdesk Datasette plugin: read claims with their cues highlighted and articles whole.

Registered by the ``datasette`` entry point in pyproject.toml, so installing claimdesk is
enough for any ``datasette`` (and ``claimdesk ui``) to load it. Hooks only: a status badge
and cue highlights through ``render_cell``, links from sentences to the article page and from
claims to the claim page, those two pages as routes, the stylesheet, and a search with nothing
to look for (a space, a lone quote mark) read as no search rather than an SQL error.

One thing is not a hook. Datasette 0.65's error handler prints every error, a 404 too, as a
``rich`` traceback with its local variables when ``rich`` is installed (Prefect brings it), and
answers 500 for an address no route matches, since there is then no exception for ``rich`` to
print. Every handler runs, so a hook cannot stop it; the desk tells that handler ``rich`` is absent,
and Datasette prints a plain traceback for a server's error, as it does without ``rich``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode

import datasette.handle_exception
from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import NotFound, Response
from datasette.version import __version__
from markupsafe import Markup

from claimdesk.desk.render import STATUSES, Cue, article_body, badge, highlight

datasette.handle_exception.rich = None  # see the module's docstring

SENTENCE_TABLES = {"sentences", "claim_sentences"}
STATUS_TABLES = {*SENTENCE_TABLES, "cues", "claims", "claim_mentions", None}  # None: canned queries
EXCERPT = 240  # characters of article text shown in the articles table
ARTICLE_ROUTE = "/-/claimdesk/{database}/articles/{article_id}"
CLAIM_ROUTE = "/-/claimdesk/{database}/claims/{claim_id}"


def article_url(datasette, database: str, article_id: str, position: int | None = None) -> str:
    path = ARTICLE_ROUTE.format(database=tilde_encode(database), article_id=tilde_encode(article_id))
    return datasette.urls.path(path) + (f"#s-{position}" if position is not None else "")


def sentence_url(datasette, database: str, sentence_id: str) -> str:
    return datasette.urls.row(database, "sentences", tilde_encode(sentence_id))


def claim_url(datasette, database: str, claim_id: str) -> str:
    return datasette.urls.path(
        CLAIM_ROUTE.format(database=tilde_encode(database), claim_id=tilde_encode(claim_id))
    )


def context_url(datasette, database: str, sentence_id: str) -> str:
    """The canned query that shows a sentence with the sentences around it."""
    return (
        datasette.urls.query(database, "sentence_in_context") + "?" + urlencode({"sentence_id": sentence_id})
    )


def sentence_links(datasette, database: str, sentence_id: str) -> Markup:
    """A sentence id as a link to its record, and a link to read it in context."""
    return Markup('<a href="{}">{}</a> · <a class="cd-context" href="{}">in context</a>').format(
        sentence_url(datasette, database, sentence_id),
        sentence_id,
        context_url(datasette, database, sentence_id),
    )


def field(row, name: str):
    """A column of a row, or None when the row (a canned query's) has no such column."""
    return row[name] if name in row.keys() else None  # noqa: SIM118 (`in` on an sqlite3.Row looks at values)


def plain(value):
    """A cell's value: foreign keys arrive expanded as {"value": ..., "label": ...}."""
    return value["value"] if isinstance(value, dict) else value


_SEARCH_PARAM = re.compile(r"_search(?:_.+)?")
_WORD = re.compile(r"\w")


@hookimpl
def asgi_wrapper(datasette):
    """Drop search parameters with no letter or digit in them: SQLite's full-text search has
    nothing to match in " " or '"', and Datasette would show an SQL error page for them."""

    def wrap(app):
        async def searched(scope, receive, send):
            query = scope.get("query_string", b"")
            if scope["type"] == "http" and b"_search" in query:
                pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
                kept = [(k, v) for k, v in pairs if not (_SEARCH_PARAM.fullmatch(k) and not _WORD.search(v))]
                if len(kept) < len(pairs):
                    scope = {**scope, "query_string": urlencode(kept).encode("latin-1")}
            await app(scope, receive, send)

        return searched

    return wrap


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.static_plugins("claimdesk", "desk.css")]


FOLD_COLUMN_DESCRIPTIONS = """
document.querySelectorAll("dl.column-descriptions").forEach(function (dl) {
  var details = document.createElement("details");
  details.className = "cd-column-descriptions";
  var summary = document.createElement("summary");
  summary.textContent = "What each column means";
  dl.parentNode.insertBefore(details, dl);
  details.appendChild(summary);
  details.appendChild(dl);
});
"""


@hookimpl
def extra_body_script():
    """A table's column descriptions folded under one line: on the claims table they filled the first
    screen, above the rows a reader came for (without scripts they stay open)."""
    return FOLD_COLUMN_DESCRIPTIONS


async def highlighted(datasette, database: str, sentence_id: str, text: str) -> Markup:
    """A sentence's text with its cue words marked in the colour of the status they signal."""
    db = datasette.get_database(database)
    result = await db.execute(
        "select s.start as offset, c.start, c.end, c.status, c.rule_id "
        "from sentences s left join cues c on c.sentence_id = s.id where s.id = ?",
        [sentence_id],
    )
    rows = result.rows
    offset = rows[0]["offset"] if rows else 0
    cues = [Cue(r["start"], r["end"], r["status"], r["rule_id"]) for r in rows if r["rule_id"]]
    return Markup('<span class="cd-text">{}</span>').format(highlight(text, offset, cues))


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if value is None:
        return None
    if column == "status" and table in STATUS_TABLES and (table is not None or value in STATUSES):
        return badge(value)
    if column == "text" and table in SENTENCE_TABLES:
        return highlighted(datasette, database, plain(row["id"]), value)
    if table is None and column == "text" and field(row, "sentence_id"):  # canned queries' sentences
        return highlighted(datasette, database, row["sentence_id"], value)
    if table == "claim_sentences" and column == "id":
        return sentence_links(datasette, database, value)
    if table == "claim_sentences" and column == "claim":  # the claim across outlets it belongs to
        return Markup('<a href="{}">{}</a>').format(claim_url(datasette, database, value), value)
    if table == "claim_sentences" and column == "article":
        href = article_url(datasette, database, plain(row["article_id"]), plain(row["position"]))
        return Markup('<a href="{}">{}</a>').format(href, value)
    if table == "claims" and column in ("id", "text"):
        return Markup('<a href="{}">{}</a>').format(claim_url(datasette, database, plain(row["id"])), value)
    if table == "claim_mentions" and column == "claim_id":
        claim = plain(value)
        label = value.get("label") if isinstance(value, dict) else None
        return Markup('<a href="{}">{}</a>').format(claim_url(datasette, database, claim), label or claim)
    if table in ("sentences", "claim_mentions") and column == "article_id":
        # the article's title (Datasette's label for the foreign key) leads to the article page
        label = value.get("label") if isinstance(value, dict) else None
        href = article_url(datasette, database, plain(value), field(row, "position"))
        return Markup('<a href="{}">{}</a>').format(href, label or plain(value))
    if table == "sentences" and column == "position":
        href = article_url(datasette, database, plain(row["article_id"]), value)
        return Markup('<a href="{}" title="read it in the article">{} ¶ in article</a>').format(href, value)
    if table == "articles" and column == "text":
        href = article_url(datasette, database, plain(row["id"]))
        excerpt = value if len(value) <= EXCERPT else value[: EXCERPT - 1] + "…"
        return Markup('{} <a href="{}">read it coloured by status</a>').format(excerpt, href)
    if table == "articles" and column == "title":
        return Markup('<a href="{}">{}</a>').format(article_url(datasette, database, plain(row["id"])), value)
    if table is None and column == "sentence_id":  # canned queries
        return sentence_links(datasette, database, value)
    if table is None and column == "article_id":
        return Markup('<a href="{}">{}</a>').format(article_url(datasette, database, value), value)
    if table is None and column == "article" and field(row, "article_id"):
        position = field(row, "position")
        href = article_url(
            datasette, database, row["article_id"], position if isinstance(position, int) else None
        )
        return Markup('<a href="{}">{}</a>').format(href, value)
    if table is None and column in ("claim_id", "claim") and field(row, "claim_id"):
        return Markup('<a href="{}">{}</a>').format(claim_url(datasette, database, row["claim_id"]), value)
    return None


def _page(datasette, database: str) -> dict:
    """What Datasette's own pages give their footer: its version and the database's licence and source."""
    return {
        "database": database,
        "metadata": datasette.metadata(database=database) or {},
        "datasette_version": __version__,
    }


async def article_page(datasette, request):
    """The whole article, each sentence coloured by status and linked to its record."""
    database = request.url_vars["database"]
    article_id = request.url_vars["article_id"]
    await datasette.ensure_permissions(
        request.actor,
        [("view-table", (database, "articles")), ("view-database", database), "view-instance"],
    )
    try:
        db = datasette.get_database(database)
    except KeyError:
        raise NotFound(f"no database {database}") from None
    found = await db.execute("select * from articles where id = ?", [article_id])
    article = found.first()
    if article is None:
        raise NotFound(f"no article {article_id}")
    sentences = [
        dict(r)
        for r in await db.execute(
            "select id, position, start, end, status, attributed_to from sentences "
            "where article_id = ? order by position",
            [article_id],
        )
    ]
    counts = {s: sum(1 for r in sentences if r["status"] == s) for s in STATUSES}
    counts["none"] = sum(1 for r in sentences if r["status"] is None)
    body = article_body(article["text"], sentences, lambda sid: sentence_url(datasette, database, sid))
    return Response.html(
        await datasette.render_template(
            "claimdesk_article.html",
            {
                **_page(datasette, database),
                "article": dict(article),
                "body": body,
                "legend": [(badge(s if s != "none" else None), n) for s, n in counts.items()],
                "row_url": datasette.urls.row(database, "articles", tilde_encode(article_id)),
                "sentences_url": datasette.urls.table(database, "sentences")
                + "?article_id="
                + tilde_encode(article_id),
            },
            request=request,
        )
    )


def group_mentions(mentions: list[dict]) -> list[tuple[str, list[dict]]]:
    """Mentions side by side: one group per outlet (or article, when the outlet is not known),
    outlets with most mentions first, each group in article order."""
    groups: dict[str, list[dict]] = {}
    for m in mentions:
        groups.setdefault(m["outlet"] or f"(no outlet) {m['article_title']}", []).append(m)
    return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))


async def claim_page(datasette, request):
    """One claim across outlets: its status, who asserts, alleges and denies it, and its mentions."""
    database = request.url_vars["database"]
    claim_id = request.url_vars["claim_id"]
    await datasette.ensure_permissions(
        request.actor,
        [("view-table", (database, "claims")), ("view-database", database), "view-instance"],
    )
    try:
        db = datasette.get_database(database)
    except KeyError:
        raise NotFound(f"no database {database}") from None
    claim = (await db.execute("select * from claims where id = ?", [claim_id])).first()
    if claim is None:
        raise NotFound(f"no claim {claim_id}")
    mentions = [
        dict(r)
        for r in await db.execute(
            "select m.sentence_id, m.status, m.attributed_to, m.outlet, m.joined_by, m.article_id, "
            "s.text, s.start, s.position, a.title as article_title "
            "from claim_mentions m join sentences s on s.id = m.sentence_id "
            "join articles a on a.id = m.article_id where m.claim_id = ? order by a.title, s.position",
            [claim_id],
        )
    ]
    cues = await db.execute(
        "select c.sentence_id, c.start, c.end, c.status, c.rule_id from cues c "
        "join claim_mentions m on m.sentence_id = c.sentence_id where m.claim_id = ?",
        [claim_id],
    )
    by_sentence: dict[str, list[Cue]] = {}
    for c in cues:
        by_sentence.setdefault(c["sentence_id"], []).append(
            Cue(c["start"], c["end"], c["status"], c["rule_id"])
        )
    for m in mentions:
        m["html"] = highlight(m["text"], m["start"], by_sentence.get(m["sentence_id"], []))
        m["badge"] = badge(m["status"])
        m["article_url"] = article_url(datasette, database, m["article_id"], m["position"])
        m["record_url"] = sentence_url(datasette, database, m["sentence_id"])
        m["context_url"] = context_url(datasette, database, m["sentence_id"])
    return Response.html(
        await datasette.render_template(
            "claimdesk_claim.html",
            {
                **_page(datasette, database),
                "claim": dict(claim),
                "badge": badge(claim["status"]),
                "outlets": group_mentions(mentions),
                "who": [
                    ("Stated as fact by", claim["asserted_by"]),
                    ("Alleged by", claim["alleged_by"]),
                    ("Denied by", claim["denied_by"]),
                    ("Reported with both sides", claim["disputed_by"]),
                ],
                "legend": [(badge(s), claim[s]) for s in STATUSES],
                "claims_url": datasette.urls.table(database, "claims"),
            },
            request=request,
        )
    )


@hookimpl
def register_routes():
    return [
        (r"^/-/claimdesk/(?P<database>[^/]+)/articles/(?P<article_id>[^/]+)$", article_page),
        (r"^/-/claimdesk/(?P<database>[^/]+)/claims/(?P<claim_id>[^/]+)$", claim_page),
    ]
