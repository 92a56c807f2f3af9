"""Incremental runs: only new or changed articles are tagged; re-runs change nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import sqlite_utils

from claimdesk.incremental import Stored, classify
from claimdesk.ingest import make_article
from claimdesk.rules import load_rules
from tests.conftest import ROOT, SEEDS


def sentences(output: Path) -> list[tuple]:
    db = sqlite_utils.Database(output / "claims.db")
    return [tuple(r.values()) for r in db["sentences"].rows_where(order_by="id")]


def test_classify_compares_content_hash_and_rules_digest() -> None:
    article = make_article("a.txt", "a.txt", "Iran denied it.")
    same = Stored(article.content_sha256, "rules-1")
    assert classify(article, None, "rules-1") == "new"
    assert classify(article, same, "rules-1") == "unchanged"
    assert classify(article, Stored("0" * 64, "rules-1"), "rules-1") == "changed"
    assert classify(article, same, "rules-2") == "changed"


def test_rerun_tags_nothing_and_adding_or_changing_one_file_tags_exactly_that_one(
    prefect_api, seeds_copy: Path, tmp_path: Path
) -> None:
    from claimdesk.flows.pipeline import run_pipeline

    output = tmp_path / "out"
    first = run_pipeline(paths=[str(seeds_copy)], output=str(output))
    assert (first["new"], first["changed"], first["unchanged"]) == (5, 0, 0)
    before = sentences(output)
    records_before = {p.name: p.stat().st_mtime_ns for p in (output / "records").iterdir()}

    again = run_pipeline(paths=[str(seeds_copy)], output=str(output))
    assert (again["new"], again["changed"], again["unchanged"], again["articles"]) == (0, 0, 5, 0)
    assert sentences(output) == before
    assert {p.name: p.stat().st_mtime_ns for p in (output / "records").iterdir()} == records_before

    (seeds_copy / "zz-new.txt").write_text("Moscow denied the report on Friday.\n", encoding="utf-8")
    added = run_pipeline(paths=[str(seeds_copy)], output=str(output))
    assert (added["new"], added["changed"], added["unchanged"], added["articles"]) == (1, 0, 5, 1)
    assert len(sentences(output)) == len(before) + 1

    target = next(seeds_copy.glob("000_*.txt"))
    target.write_text("Tehran confirmed the deal.\nOfficials denied it.\n", encoding="utf-8")
    changed = run_pipeline(paths=[str(seeds_copy)], output=str(output))
    assert (changed["new"], changed["changed"], changed["unchanged"]) == (0, 1, 5)
    db = sqlite_utils.Database(output / "claims.db")
    article = next(db["articles"].rows_where("uri = ?", [str(target)]))
    rows = list(db["sentences"].rows_where("article_id = ?", [article["id"]], order_by="position"))
    assert [(r["text"], r["status"]) for r in rows] == [
        ("Tehran confirmed the deal.", "confirmed"),
        ("Officials denied it.", "denied"),
    ]
    orphans = "SELECT count(*) FROM cues WHERE sentence_id NOT IN (SELECT id FROM sentences)"
    assert db.execute(orphans).fetchone()[0] == 0

    runs = list(db["runs"].rows_where(order_by="started_at, rowid"))
    assert [(r["new"], r["changed"], r["unchanged"], r["failed"]) for r in runs] == [
        (5, 0, 0, 0),
        (0, 0, 5, 0),
        (1, 0, 5, 0),
        (0, 1, 5, 0),
    ]


def test_a_rules_change_retags_what_it_affects(prefect_api, seeds_copy: Path, tmp_path: Path) -> None:
    from claimdesk.flows.pipeline import run_pipeline

    output = tmp_path / "out"
    run_pipeline(paths=[str(seeds_copy)], output=str(output))
    rules = tmp_path / "rules.yaml"
    shipped = (ROOT / "claimdesk" / "rules" / "default.yaml").read_text(encoding="utf-8")
    # Any edit to the rules file changes its digest, and every article tagged with the old rules is re-tagged.
    rules.write_text(shipped.replace("version:", "version: edited-", 1), encoding="utf-8")
    summary = run_pipeline(paths=[str(seeds_copy)], output=str(output), rules_path=str(rules))
    assert (summary["new"], summary["changed"], summary["unchanged"]) == (0, 5, 0)
    assert summary["retagged"] == 5, "the summary says the text did not change: the rules did"
    db = sqlite_utils.Database(output / "claims.db")
    assert {r["rules_digest"] for r in db["articles"].rows} == {load_rules(rules).digest}
    again = run_pipeline(paths=[str(seeds_copy)], output=str(output), rules_path=str(rules))
    assert again["unchanged"] == 5


def test_cli_prints_new_changed_unchanged_failed(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    claimdesk = Path(sys.executable).parent / "claimdesk"
    outputs = []
    for _ in range(2):
        result = subprocess.run(
            [str(claimdesk), "run", str(seeds), "--output", str(tmp_path / "out")],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        outputs.append(result.stdout)
    assert "Articles: 5 new, 0 changed, 0 unchanged, 0 failed." in outputs[0]
    assert "Articles: 0 new, 0 changed, 5 unchanged, 0 failed." in outputs[1]
    assert "Tagged 0 articles" in outputs[1]
    assert "Tagged on" in outputs[0] and "Tagged on" not in outputs[1]  # nothing tagged, nowhere to say
    counts = json.loads(
        sqlite_utils.Database(tmp_path / "out" / "claims.db")
        .execute("SELECT json_group_array(unchanged) FROM runs")
        .fetchone()[0]
    )
    assert sorted(counts) == [0, 5]
    rules = tmp_path / "rules.yaml"
    shipped = (ROOT / "claimdesk" / "rules" / "default.yaml").read_text(encoding="utf-8")
    rules.write_text(shipped.replace("version:", "version: edited-", 1), encoding="utf-8")
    edited = subprocess.run(
        [str(claimdesk), "run", str(seeds), "--output", str(tmp_path / "out"), "--rules", str(rules)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert "Articles: 0 new, 5 changed (all re-tagged with the same text: the rules, the engine or an " in (
        edited.stdout
    ), "a rules edit is named as why"


def test_an_engine_upgrade_retags_every_article(
    prefect_api, seeds_copy: Path, tmp_path: Path, monkeypatch
) -> None:
    """The same rules file with a new engine version is a re-tag, as a rules edit is."""
    import claimdesk.rules
    from claimdesk.flows.pipeline import run_pipeline

    output = tmp_path / "out"
    run_pipeline(paths=[str(seeds_copy)], output=str(output))
    monkeypatch.setattr(claimdesk.rules, "ENGINE_VERSION", claimdesk.rules.ENGINE_VERSION + "-next")
    upgraded = run_pipeline(paths=[str(seeds_copy)], output=str(output))
    assert (upgraded["new"], upgraded["changed"], upgraded["unchanged"]) == (0, 5, 0)
    db = sqlite_utils.Database(output / "claims.db")
    assert {r["rules_digest"] for r in db["articles"].rows} == {load_rules().digest}
    assert run_pipeline(paths=[str(seeds_copy)], output=str(output))["unchanged"] == 5


def test_an_outlet_named_by_sources_yaml_reaches_articles_already_stored(
    seeds_copy: Path, tmp_path: Path
) -> None:
    """Outlets given after a plain run, or changed in sources.yaml, are stored and credited in
    claim_mentions, whether the file is known by its stamp or read again; a plain run keeps them."""
    from claimdesk import runs

    for path in seeds_copy.glob("*.txt"):  # old enough to be known by stamp alone on a re-run
        os.utime(path, ns=(1_600_000_000 * 10**9, 1_600_000_000 * 10**9))
    sources = seeds_copy / "sources.yaml"
    output = tmp_path / "out"

    def outlets() -> tuple[set, set]:
        db = sqlite_utils.Database(output / "claims.db")
        return (
            {r["outlet"] for r in db["articles"].rows},
            {r["outlet"] for r in db.query("select distinct outlet from claim_mentions")},
        )

    first = runs.run([str(seeds_copy)], output)
    assert first["new"] == 5 and outlets() == ({None}, {None})
    named = runs.run(sources=str(sources), output=output)
    assert (named["changed"], named["unchanged"]) == (5, 0)
    expected = {"Washington Examiner"} | {f"Unnamed outlet {c}" for c in "BCDE"}
    assert outlets() == (expected, expected)
    sources.write_text(sources.read_text().replace("Unnamed outlet B", "Reuters"), encoding="utf-8")
    renamed = runs.run(sources=str(sources), output=output)
    assert (renamed["changed"], renamed["unchanged"]) == (1, 4)
    assert outlets()[0] == outlets()[1] == expected - {"Unnamed outlet B"} | {"Reuters"}
    plain = runs.run([str(seeds_copy)], output)
    assert (plain["changed"], plain["unchanged"]) == (0, 5) and "Reuters" in outlets()[0]
    both = tmp_path / "both"  # the same files as a folder and in sources.yaml: the outlets count
    runs.run([str(seeds_copy)], both, sources=str(sources))
    assert {r["outlet"] for r in sqlite_utils.Database(both / "claims.db")["articles"].rows} == outlets()[0]
