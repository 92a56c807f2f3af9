"""The desk in Datasette (its own test client, real SQLite): metadata, search, canned queries,
the plugin's badges, highlights and article page, and ``claimdesk ui`` serving while a run writes."""

from __future__ import annotations

import asyncio
import json
import re
import socket
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


def test_grouping_s_working_table_is_hidden_from_the_lists(desk) -> None:
    ds, _ = desk
    tables = {t["name"]: t["hidden"] for t in get(ds, "/claims.json").json()["tables"]}
    assert tables["claim_keys"] is True and tables["claims"] is False
    assert "claim_keys" not in get(ds, "/").text


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
    # a sentence found by one outlet's wording leads to the claim it belongs to
    pact = rows(ds, '/claims/claim_sentences.json?_search="20-year"')
    assert pact and all(r["claim"] for r in pact)
    page = get(ds, "/claims/claim_sentences?_search=%2220-year%22").text
    assert f'href="/-/claimdesk/claims/claims/{pact[0]["claim"]}"' in page
    titles = [r["title"] for r in rows(ds, "/claims/articles.json?_search=strategic")]
    assert titles == ["Presidents of Russia and Iran Sign Strategic Partnership Agreement in Moscow"]
    drone_claims = rows(ds, "/claims/claims.json?_search=drone")  # the first view searches too
    assert drone_claims and all("drone" in c["text"].lower() for c in drone_claims)
    assert any(c["status"] == "disputed" for c in drone_claims)


def test_canned_queries_answer_a_fact_checker(desk) -> None:
    ds, _ = desk
    assert set(canned_queries()) == {
        "contested_claims",
        "disputed_and_denied",
        "claims_by_source",
        "claims_only_in_outlet",
        "sentence_in_context",
        "statuses_per_article",
        "statuses_per_outlet",
        "rules_fired_most",
    }
    contested = rows(ds, "/claims/disputed_and_denied.json")
    assert {r["status"] for r in contested} == {"disputed", "denied"}
    tehran = rows(ds, "/claims/claims_by_source.json?source=tehran")
    assert tehran and all("tehran" in r["attributed_to"].lower() for r in tehran)
    assert all(r["outlet"] for r in tehran), "each with its outlet"
    assert any(r["claim_id"] and r["claim"] for r in tehran), "and the claim it makes across outlets"
    assert rows(ds, "/claims/claims_by_source.json?source=_") == [], "_ and % are plain characters"
    assert rows(ds, "/claims/claims_by_source.json?source=%25") == []
    assert any(r["claim_id"] for r in contested), "a denial leads to the claim it denies"
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


def test_what_one_outlet_alone_claims_leaves_out_what_others_claim_too(desk) -> None:
    ds, _ = desk
    mentions = rows(ds, "/claims/claim_mentions.json?_size=max")
    outlets_of: dict[str, set] = {}
    for m in mentions:
        outlets_of.setdefault(m["claim_id"], set()).add(m["outlet"])
    outlet = next(o for o in (m["outlet"] for m in mentions) if o)
    alone = rows(ds, f"/claims/claims_only_in_outlet.json?outlet={outlet.upper().replace(' ', '+')}")
    expected = {c for c, outlets in outlets_of.items() if outlets == {outlet}}
    assert alone and {r["claim_id"] for r in alone} == expected  # its name in any case
    shared = [c for c, outlets in outlets_of.items() if outlet in outlets and len(outlets) > 1]
    assert shared and not set(shared) & {r["claim_id"] for r in alone}


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


@pytest.mark.parametrize("table", ["sentences", "claim_mentions"])
def test_an_article_title_in_a_table_opens_the_article_coloured_by_status(desk, table: str) -> None:
    """Every article title links to the article page, not to the bare articles row."""
    ds, _ = desk
    html = get(ds, f"/claims/{table}?_size=5").text
    cells = re.findall(r'<td class="col-article_id[^"]*"[^>]*>(.*?)</td>', html, re.S)
    assert cells and all('href="/-/claimdesk/claims/articles/' in cell for cell in cells)
    assert not any('href="/claims/articles/' in cell for cell in cells)


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


@pytest.mark.parametrize(
    "path", ["/-/claimdesk/claims/articles", "/claims/sentences/x/y/z", "/-/claimdesk/claims/claims/nope"]
)
def test_a_mistyped_address_is_a_404_page_without_a_traceback(desk, path: str, capfd) -> None:
    """Not a 500, and not a page of traceback with local variables on the terminal that serves the desk."""
    ds, _ = desk
    response = asyncio.run(ds.client.get(path))
    assert response.status_code == 404 and "<title>Error 404</title>" in response.text
    said = capfd.readouterr()
    assert "Traceback" not in said.out + said.err and "locals" not in said.out + said.err


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


def test_ui_on_a_port_in_use_says_so_in_one_line(tmp_path: Path, rules) -> None:
    build_desk(tmp_path, rules)
    claimdesk = Path(sys.executable).parent / "claimdesk"
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [str(claimdesk), "ui", "--output", str(tmp_path), "--port", str(port)],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"claimdesk: cannot listen on 127.0.0.1:{port} (Address already in use); pass another --port"
    ]
    assert "desk on http" not in result.stdout


# ---------------------------------------------------------------- claims across outlets


def drone_claim(ds: Datasette) -> dict:
    found = rows(ds, "/claims/claims.json?text__startswith=In+that+time,+Tehran")
    assert len(found) == 1
    return found[0]


def test_claim_page_shows_mentions_side_by_side_by_outlet(desk) -> None:
    ds, _ = desk
    claim = drone_claim(ds)
    html = get(ds, f"/-/claimdesk/claims/claims/{claim['id']}").text
    assert (
        '<p class="cd-claim-status">Across outlets: <span class="cd-badge cd-disputed">disputed</span>'
        in html
    )
    outlets = ["Washington Examiner", "Unnamed outlet B", "Unnamed outlet C", "Unnamed outlet D"]
    for outlet in outlets:
        assert f'<section class="cd-outlet" data-outlet="{outlet}">' in html
    assert html.count('<section class="cd-outlet"') == 4
    assert html.count('<div class="cd-mention ') == claim["mentions"] == 5
    assert '<div class="cd-mention cd-denied" data-status="denied">' in html
    assert '<mark class="cd-cue cd-denied" title="rule denial-verb (denied)">denied</mark>' in html
    assert "source: Tehran" in html and "source: Biden administration" in html
    assert "<dt>Denied by</dt><dd>Tehran (Unnamed outlet C)</dd>" in html
    mention = rows(ds, "/claims/claim_mentions.json?status=denied&claim_id=" + claim["id"])[0]
    sentence = rows(ds, f"/claims/sentences.json?id={mention['sentence_id']}")[0]
    article_link = f'href="/-/claimdesk/claims/articles/{sentence["article_id"]}#s-{sentence["position"]}"'
    assert article_link in html
    assert (
        f'href="/claims/sentence_in_context?sentence_id={mention["sentence_id"].replace(":", "%3A")}"' in html
    )


def test_claims_table_and_home_page_lead_to_the_claim_page(desk) -> None:
    ds, _ = desk
    claim = drone_claim(ds)
    link = f'<a href="/-/claimdesk/claims/claims/{claim["id"]}">'
    assert link in get(ds, "/claims/claims?status=disputed").text
    assert link in get(ds, f"/claims/claim_mentions?claim_id={claim['id']}").text
    assert link in get(ds, "/claims/contested_claims").text
    assert '<a href="/claims/claims">the claims</a>' in get(ds, "/").text
    contested = rows(ds, "/claims/contested_claims.json")
    assert claim["id"] in [r["claim_id"] for r in contested]
    assert all(r["status"] == "disputed" for r in contested)


def test_the_home_page_says_how_far_to_trust_a_status(desk) -> None:
    """A fact-checker meets the caveat before the labels: a denied or disputed is a lead to check."""
    ds, _ = desk
    home = " ".join(get(ds, "/").text.split())
    assert "not whether the claim is true" in home
    assert "a denied or disputed about one time in three" in home and "leads to check" in home


def test_the_claim_and_article_pages_carry_the_licence_and_source_as_every_page_does(desk) -> None:
    ds, _ = desk
    claim = rows(ds, "/claims/claims.json?_size=1")[0]["id"]
    article = rows(ds, "/claims/articles.json?_size=1")[0]["id"]
    for path in (f"/-/claimdesk/claims/claims/{claim}", f"/-/claimdesk/claims/articles/{article}"):
        footer = get(ds, path).text.split("<footer", 1)[1]
        assert "Data license:" in footer and "Data source:" in footer and 'title="Datasette v0.' in footer


def test_unknown_claim_is_a_404(desk) -> None:
    ds, _ = desk
    assert asyncio.run(ds.client.get("/-/claimdesk/claims/claims/no-such-claim")).status_code == 404


def test_a_canned_query_s_tab_shows_its_title_not_its_sql(desk) -> None:
    ds, _ = desk
    for name, query in canned_queries().items():
        title = re.findall(r"<title>(.*?)</title>", get(ds, f"/claims/{name}").text, re.S)[0]
        assert title.startswith(query["title"]) and "select" not in title.lower(), name
    assert "select 1" in get(ds, "/claims?sql=select+1").text.split("</title>")[0]  # SQL of one's own


def test_canned_queries_show_badges_links_and_fold_their_sql(desk) -> None:
    ds, _ = desk
    html = get(ds, "/claims/disputed_and_denied").text
    assert '<span class="cd-badge cd-denied">denied</span>' in html
    assert '<mark class="cd-cue cd-denied"' in html  # the cue words marked, as in the sentence tables
    assert '<a href="/-/claimdesk/claims/articles/' in html  # article titles link to the article
    assert "in context</a>" in html and "/claims/sentence_in_context?sentence_id=" in html
    assert "<textarea" not in html and "show_sql" in html  # SQL folded behind "Show SQL"
    assert all(q["hide_sql"] for q in canned_queries().values())
    context = get(ds, "/claims/disputed_and_denied.json?_shape=array").json()[0]["sentence_id"]
    assert "this sentence" in get(ds, f"/claims/sentence_in_context?sentence_id={context}").text


def test_search_matches_word_forms(desk) -> None:
    ds, _ = desk
    drone = {r["id"] for r in rows(ds, "/claims/sentences.json?_search=drone&_size=max")}
    drones = {r["id"] for r in rows(ds, "/claims/sentences.json?_search=drones&_size=max")}
    assert drone == drones and len(drone) >= 6
    deny = {r["text"] for r in rows(ds, "/claims/claim_sentences.json?_search=deny&_size=max")}
    assert (
        "Tehran has denied these claims, but the partnership remains under scrutiny by Western powers."
        in deny
    )


@pytest.mark.parametrize("query", ["%20", "%22", "%22%22", "", "%20%22%20"])
def test_a_search_with_nothing_to_find_shows_the_table_not_an_error(desk, query: str) -> None:
    """A space or a lone quote mark typed in the search box is no search (SQLite's full-text search
    would reject it as a syntax error); the table comes back whole."""
    ds, _ = desk
    every = rows(ds, "/claims/sentences.json?_size=max")
    assert rows(ds, f"/claims/sentences.json?_search={query}&_size=max") == every
    assert "Invalid SQL" not in get(ds, f"/claims/claim_sentences?_search={query}").text


def test_exports_of_claims_and_mentions(desk) -> None:
    import csv

    from claimdesk.export import export

    _, output = desk
    lines = [json.loads(line) for line in export(output, "claims-jsonl", output / "c.jsonl").open()]
    drone = next(c for c in lines if c["text"].startswith("In that time, Tehran"))
    assert drone["status"] == "disputed"
    assert len(drone["mentions"]) == drone["mention_count"] == 5
    assert {m["status"] for m in drone["mentions"]} >= {"alleged", "denied"}
    with export(output, "claims-csv", output / "c.csv").open(newline="") as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == sum(len(c["mentions"]) for c in lines)
    assert {r["mention_outlet"] for r in table if r["claim_id"] == drone["id"]} >= {"Washington Examiner"}
    with export(output, "csv", output / "s.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    mentions = {m["sentence_id"] for m in drone["mentions"]}
    assert {
        r["id"] for r in rows if r["claim_id"] == drone["id"]
    } == mentions  # each sentence names its claim
    annotations = json.loads(export(output, "web-annotation", output / "a.jsonld").read_text())
    claims = [b for item in annotations["first"]["items"] for b in item["body"] if "source" in b]
    assert {
        "type": "SpecificResource",
        "source": f"urn:claimdesk:claim:{drone['id']}",
        "purpose": "identifying",
    } in claims


def test_the_library_serve_takes_a_string_and_refuses_a_port_it_could_not_name(tmp_path: Path) -> None:
    from claimdesk.ui import DeskError, serve

    with pytest.raises(DeskError, match="no claims.db"):  # a str, as export takes one; not a TypeError
        serve(str(tmp_path / "none"))
    with pytest.raises(DeskError, match="port must be 1-65535, not 0"):  # it said ":0/claims/claims"
        serve(str(tmp_path / "none"), 0)
