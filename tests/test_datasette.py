"""The database opens in Datasette with our metadata, faceted as a fact-checker needs."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from datasette.app import Datasette

from claimdesk import store
from claimdesk.annotate import annotate
from claimdesk.ingest import make_article
from claimdesk.metadata import write_metadata
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def datasette(tmp_path_factory, rules):
    output: Path = tmp_path_factory.mktemp("out")
    db = store.open_db(output)
    store.write_rules(db, rules)
    store.start_run(db, "r1", rules, ["seeds"])
    for path in sorted(SEEDS.glob("*.txt")):
        article = make_article(f"seeds/{path.name}", str(path), path.read_text(encoding="utf-8"))
        store.write_article(db, annotate(article, rules), rules, "r1")
    db.close()
    metadata = yaml.safe_load(write_metadata(output, rules.name).read_text())
    return Datasette([str(output / "claims.db")], metadata=metadata)


def get(ds: Datasette, path: str):
    return asyncio.run(ds.client.get(path))


def test_sentences_page_is_faceted_by_status_and_source(datasette) -> None:
    response = get(datasette, "/claims/sentences.json")
    assert response.status_code == 200
    facets = response.json()["facet_results"]
    assert {"status", "attributed_to"} <= set(facets)
    statuses = {row["value"]: row["count"] for row in facets["status"]["results"]}
    assert statuses["disputed"] >= 2 and statuses["denied"] >= 3


def test_facet_filter_narrows_to_disputed_sentences(datasette) -> None:
    response = get(datasette, "/claims/sentences.json?status=disputed&_shape=array")
    rows = response.json()
    assert rows and all(r["status"] == "disputed" for r in rows)
    assert any("While Ukraine and Western nations allege" in r["text"] for r in rows)


def test_html_page_shows_titles_and_article_labels(datasette) -> None:
    response = get(datasette, "/claims/sentences?status=denied")
    assert response.status_code == 200
    html = response.text
    # the plugin marks the cue word, so the sentence reads with "denied" highlighted
    assert 'Tehran has <mark class="cd-cue cd-denied" title="rule denial-verb (denied)">denied</mark>' in html
    # label_column: the article foreign key shows the article's title
    assert (
        "Presidents of Russia and Iran Sign Strategic Partnership Agreement in Moscow"
        in get(datasette, "/claims/sentences?article_id__contains=001-&position__gt=0").text
    )
