"""The claimdesk Datasette plugin: read claims with their cues highlighted and articles whole.

Registered by the ``datasette`` entry point in pyproject.toml, so installing claimdesk is
enough for any ``datasette`` (and ``claimdesk ui``) to load it. Hooks only: a status badge
and cue highlights through ``render_cell``, links from claims to the article page, the
article page itself as a route, and the stylesheet.
"""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup

from claimdesk.desk.render import STATUSES, Cue, article_body, badge, highlight

SENTENCE_TABLES = {"sentences", "claims"}
EXCERPT = 240  # characters of article text shown in the articles table
ARTICLE_ROUTE = "/-/claimdesk/{database}/articles/{article_id}"


def article_url(datasette, database: str, article_id: str, position: int | None = None) -> str:
    path = ARTICLE_ROUTE.format(database=tilde_encode(database), article_id=tilde_encode(article_id))
    return datasette.urls.path(path) + (f"#s-{position}" if position is not None else "")


def sentence_url(datasette, database: str, sentence_id: str) -> str:
    return datasette.urls.row(database, "sentences", tilde_encode(sentence_id))


def plain(value):
    """A cell's value: foreign keys arrive expanded as {"value": ..., "label": ...}."""
    return value["value"] if isinstance(value, dict) else value


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.static_plugins("claimdesk", "desk.css")]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if value is None:
        return None
    if column == "status" and table in (*SENTENCE_TABLES, "cues"):
        return badge(value)
    if column == "text" and table in SENTENCE_TABLES:
        sentence_id = plain(row["id"])

        async def highlighted():
            db = datasette.get_database(database)
            result = await db.execute(
                "select s.start as offset, c.start, c.end, c.status, c.rule_id "
                "from sentences s left join cues c on c.sentence_id = s.id where s.id = ?",
                [sentence_id],
            )
            rows = result.rows
            offset = rows[0]["offset"] if rows else 0
            cues = [Cue(r["start"], r["end"], r["status"], r["rule_id"]) for r in rows if r["rule_id"]]
            return Markup('<span class="cd-text">{}</span>').format(highlight(value, offset, cues))

        return highlighted()
    if table == "claims" and column == "id":
        return Markup('<a href="{}">{}</a>').format(sentence_url(datasette, database, value), value)
    if table == "claims" and column == "article":
        href = article_url(datasette, database, plain(row["article_id"]), plain(row["position"]))
        return Markup('<a href="{}">{}</a>').format(href, value)
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
        return Markup('<a href="{}">{}</a>').format(sentence_url(datasette, database, value), value)
    if table is None and column == "article_id":
        return Markup('<a href="{}">{}</a>').format(article_url(datasette, database, value), value)
    return None


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
                "database": database,
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


@hookimpl
def register_routes():
    return [(r"^/-/claimdesk/(?P<database>[^/]+)/articles/(?P<article_id>[^/]+)$", article_page)]
