"""The desk in Datasette (its own test client, real SQLite): metadata, search, canned queries,
the plugin's badges, highlights and article page, and ``claimdesk ui`` serving while a run writes."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import yaml
from datasette.app import Datasette

from claimdesk import store
from claimdesk.annotate import annotate
from claimdesk.desk.render import Cue, highlight
from claimdesk.ingest import make_article
from claimdesk.metadata import canned_queries
from tests.conftest import HOSTILE_ARTICLE, WIDE_ARTICLE, build_desk, running_ui


@pytest.fixture(scope="module")
def desk(tmp_path_factory, rules) -> tuple[Datasette, Path]:
    output = tmp_path_factory.mktemp("desk")
    build_desk(output, rules, {"hostile.txt": HOSTILE_ARTICLE, "wide.txt": WIDE_ARTICLE})
    metadata = yaml.safe_load((output / "metadata.yml").read_text(encoding="utf-8"))
    return Datasette([str(output / "claims.db")], metadata=metadata), output


def get(ds: Datasette, path: str):
    response = asyncio.run(ds.client.get(path))
    assert response.status_code == 200, f"{path}: {response.status_code}"
    return response


def rows(ds: Datasette, path: str) -> list[dict]:
    return get(ds, path + ("&" if "?" in path else "?") + "_shape=array").json()


def test_the_plugin_is_installed_by_entry_point(desk) -> None:
    ds, _ = desk
    plugins = {p["name"]: p for p in get(ds, "/-/plugins.json").json()}
    assert {"render_cell", "register_routes", "extra_css_urls"} <= set(plugins["claimdesk"]["hooks"])
    assert ".cd-badge" in get(ds, "/-/static-plugins/claimdesk/desk.css").text


def test_claims_facet_by_status_source_and_outlet(desk) -> None:
    ds, _ = desk
    data = get(ds, "/claims/claim_sentences.json").json()
    assert {"status", "attributed_to", "source_type", "outlet"} <= set(data["facet_results"])
    statuses = {r["value"] for r in data["facet_results"]["status"]["results"]}
    assert statuses == {"confirmed", "alleged", "denied", "disputed"}  # no-claim sentences are left out
    assert "outlet" in get(ds, "/claims/articles.json").json()["facet_results"]


def test_every_page_of_every_table_opens_with_its_title(desk) -> None:
    ds, _ = desk
    tables = ["claims", "claim_mentions", "claim_sentences", "articles", "sentences", "cues", "rules", "runs"]
    for table in [*tables, "rejects"]:
        html = get(ds, f"/claims/{table}").text
        assert ds.metadata("title", database="claims", table=table) in html


def test_search_finds_words_in_sentences_and_titles(desk) -> None:
    ds, _ = desk
    found = rows(ds, "/claims/sentences.json?_search=drones")
    assert found and all("drone" in r["text"].lower() for r in found)
    claims = rows(ds, "/claims/claim_sentences.json?_search=denied")
    assert (
        "Tehran has denied these claims, but the partnership remains under scrutiny by Western powers."
        in [r["text"] for r in claims]
    )
    titles = [r["title"] for r in rows(ds, "/claims/articles.json?_search=strategic")]
    assert titles == ["Presidents of Russia and Iran Sign Strategic Partnership Agreement in Moscow"]


def test_canned_queries_answer_a_fact_checker(desk) -> None:
    ds, _ = desk
    assert set(canned_queries()) == {
        "contested_claims",
        "disputed_and_denied",
        "claims_by_source",
        "sentence_in_context",
        "statuses_per_article",
        "statuses_per_outlet",
        "rules_fired_most",
    }
    contested = rows(ds, "/claims/disputed_and_denied.json")
    assert {r["status"] for r in contested} == {"disputed", "denied"}
    tehran = rows(ds, "/claims/claims_by_source.json?source=tehran")
    assert tehran and all("tehran" in r["attributed_to"].lower() for r in tehran)
    disputed = next(r for r in contested if r["text"].startswith("While Ukraine and Western nations allege"))
    context = rows(ds, f"/claims/sentence_in_context.json?sentence_id={disputed['sentence_id']}")
    assert [r["focus"] for r in context] == ["", "", "this sentence", "", ""]
    assert [r["position"] for r in context] == list(range(context[0]["position"], context[0]["position"] + 5))
    last = next(r for r in contested if r["text"].startswith("Tehran has denied"))  # ends its article
    context = rows(ds, f"/claims/sentence_in_context.json?sentence_id={last['sentence_id']}")
    assert [r["focus"] for r in context] == ["", "", "this sentence"]
    per_article = rows(ds, "/claims/statuses_per_article.json")
    assert len(per_article) == 7
    assert all(
        r["sentences"] == r["confirmed"] + r["alleged"] + r["denied"] + r["disputed"] + r["no_claim"]
        for r in per_article
    )
    per_outlet = rows(ds, "/claims/statuses_per_outlet.json")
    assert sum(r["sentences"] for r in per_outlet) == sum(r["sentences"] for r in per_article)
    fired = rows(ds, "/claims/rules_fired_most.json")
    assert fired[0]["fired"] == max(r["fired"] for r in fired) and fired[0]["description"]


def test_sentence_record_shows_badge_and_highlighted_cue(desk) -> None:
    ds, _ = desk
    sentence = rows(ds, "/claims/sentences.json?text__startswith=Tehran+has+denied")[0]
    html = get(ds, f"/claims/sentences/{sentence['id'].replace(':', '~3A')}").text
    assert '<span class="cd-badge cd-denied">denied</span>' in html
    assert '<mark class="cd-cue cd-denied" title="rule denial-verb (denied)">denied</mark>' in html


def test_article_page_links_each_sentence_coloured_by_status(desk) -> None:
    ds, _ = desk
    article = rows(ds, "/claims/articles.json?title__startswith=Presidents")[0]
    html = get(ds, f"/-/claimdesk/claims/articles/{article['id']}").text
    sentences = rows(ds, f"/claims/sentences.json?article_id={article['id']}&_size=max")
    assert html.count('class="cd-sentence ') == len(sentences)
    for s in sentences:
        link = f'<a class="cd-sentence cd-{s["status"] or "none"}" id="s-{s["position"]}" '
        assert link + f'href="/claims/sentences/{s["id"].replace(":", "~3A")}"' in html
    assert {s["status"] for s in sentences} >= {"confirmed", "alleged"}


def test_hostile_text_is_escaped_everywhere_it_is_shown(desk) -> None:
    ds, _ = desk
    article = rows(ds, "/claims/articles.json?title__startswith=Harbour")[0]
    pages = [
        f"/-/claimdesk/claims/articles/{article['id']}",
        "/claims/articles",
        f"/claims/sentences?article_id={article['id']}",
        f"/claims/claim_sentences?article_id={article['id']}",
        "/claims/disputed_and_denied",
    ]
    for path in pages:
        html = get(ds, path).text
        assert "<script>window" not in html and "<img src=x" not in html, path
    html = get(ds, pages[0]).text
    assert "&lt;script&gt;window.__pwned = &#39;script&#39;" in html
    assert "&lt;img src=x onerror=&#34;window.__pwned" in html


def test_highlight_escapes_and_keeps_every_character_once() -> None:
    text = "He <b>denied</b> & rejected it."
    cues = [Cue(103, 114, "denied", "denial-verb"), Cue(106, 112, "denied", "inner"), Cue(119, 127, "x", "r")]
    html = str(highlight(text, 100, cues))
    assert html == (
        'He <mark class="cd-cue cd-denied" title="rule denial-verb (denied)">&lt;b&gt;denied&lt;/</mark>'
        'b&gt; &amp; <mark class="cd-cue cd-none" title="rule r (x)">rejected</mark> it.'
    )


def test_unknown_article_is_a_404(desk) -> None:
    ds, _ = desk
    response = asyncio.run(ds.client.get("/-/claimdesk/claims/articles/no-such-article"))
    assert response.status_code == 404


def test_ui_serves_read_only_and_sees_a_run_writing_meanwhile(tmp_path: Path, rules) -> None:
    build_desk(tmp_path, rules)
    with running_ui(tmp_path) as base:

        def fetch(path: str):
            with urllib.request.urlopen(base + path, timeout=10) as response:
                return json.load(response)

        databases = fetch("/-/databases.json")
        assert [(d["name"], d["is_mutable"]) for d in databases] == [("claims", True)]
        before = fetch("/claims/articles.json?_size=0")["filtered_table_rows_count"]
        # A run writes while the desk is open: no lock error, and the next page shows it.
        db = store.open_db(tmp_path)
        article = make_article("late.txt", "late.txt", "Officials said a late report arrived.")
        store.write_article(db, annotate(article, rules), rules, "desk")
        db.close()
        assert fetch("/claims/articles.json?_size=0")["filtered_table_rows_count"] == before + 1
        found = fetch("/claims/claim_sentences.json?_search=late&_shape=array")
        assert found[0]["text"].startswith("Officials said")
        # The desk itself never writes: only select queries run.
        refused = urllib.request.Request(base + "/claims?sql=delete+from+articles")
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(refused, timeout=10)
    assert store.open_db(tmp_path)["articles"].count == before + 1


def test_ui_without_a_database_says_what_to_do(tmp_path: Path) -> None:
    claimdesk = Path(sys.executable).parent / "claimdesk"
    result = subprocess.run(
        [str(claimdesk), "ui", "--output", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "run `claimdesk run`" in result.stderr or "claimdesk run" in result.stderr
    assert "Traceback" not in result.stderr
