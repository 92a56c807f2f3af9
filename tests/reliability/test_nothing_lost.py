"""One bad article never stops a run; a run that dies anyway says so; nothing is dropped silently."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import sqlite_utils

from claimdesk import ingest
from tests.conftest import SEEDS

GOOD = "Officials said the bridge reopened on Monday.\nThe mayor denied that it had been unsafe.\n"


def run(tmp_path: Path, *paths: Path | str, **options):
    from claimdesk.flows.pipeline import run_pipeline

    output = tmp_path / "out"
    return run_pipeline(paths=[str(p) for p in paths], output=str(output), **options), output


def test_an_item_that_breaks_parsing_is_rejected_with_its_exception_and_the_rest_stored(
    prefect_api, tmp_path: Path
) -> None:
    # A lone surrogate is valid JSON but not encodable text: it once ended the whole run.
    items = [{"id": "bad", "text": "Broken \\ud800 text said."}, {"id": "good", "text": GOOD}]
    feed = tmp_path / "wire.json"
    feed.write_text("[" + ", ".join(json.dumps(i).replace("\\\\", "\\") for i in items) + "]", "utf-8")
    summary, output = run(tmp_path, feed, SEEDS)
    assert summary["new"] == 6
    (failure,) = summary["failures"]
    assert failure["stage"] == "parse" and failure["reason"].startswith("UnicodeEncodeError: ")
    assert "\n" not in failure["reason"]
    db = sqlite_utils.Database(output / "claims.db")
    assert db["articles"].count == 6
    assert db["runs"].get(summary["run_id"])["status"] == "completed"


def test_an_article_that_cannot_be_stored_is_rejected_and_the_others_are_stored(
    prefect_api, tmp_path: Path
) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    sources, _ = ingest.discover([seeds])
    blocked = ingest.article_id(sources[0].key)
    (tmp_path / "out" / "records" / f"{blocked}.jsonl").mkdir(
        parents=True
    )  # its records file cannot be written

    summary, output = run(tmp_path, seeds, batch_size=2)
    (failure,) = summary["failures"]
    assert failure["stage"] == "store" and failure["reason"].startswith("IsADirectoryError")
    assert summary["articles"] == 4
    db = sqlite_utils.Database(output / "claims.db")
    assert db["articles"].count == 4
    row = db["runs"].get(summary["run_id"])
    assert (row["status"], row["finished_at"] is not None) == ("completed", True)
    assert [r["stage"] for r in db["rejects"].rows] == ["store"]


def test_a_run_that_dies_is_marked_failed_in_runs_and_in_prefect(prefect_api, tmp_path: Path) -> None:
    from claimdesk.flows.pipeline import run_pipeline

    output = tmp_path / "out"
    (output / "metadata.yml").mkdir(parents=True)  # the last step of the run cannot write
    state = run_pipeline(paths=[str(SEEDS)], output=str(output), return_state=True)
    assert state.is_failed()
    assert "IsADirectoryError" in state.message
    (row,) = sqlite_utils.Database(output / "claims.db")["runs"].rows
    assert row["status"] == "failed" and row["finished_at"]
    assert row["error"].startswith("IsADirectoryError: ")


def test_a_run_that_was_killed_is_marked_failed_by_the_next(prefect_api, tmp_path: Path, rules) -> None:
    from claimdesk import store

    output = tmp_path / "out"
    db = store.open_db(output)
    store.start_run(db, "killed", rules, ["seeds"])  # as a run killed mid-way leaves its row
    db.close()
    summary, _ = run(tmp_path, SEEDS)
    rows = {r["id"]: r for r in sqlite_utils.Database(output / "claims.db")["runs"].rows}
    assert rows["killed"]["status"] == "failed" and rows["killed"]["error"].startswith("interrupted")
    assert rows[summary["run_id"]]["status"] == "completed"


def test_a_run_that_finds_the_output_locked_ends_failed_not_completed(prefect_api, tmp_path: Path) -> None:
    from claimdesk.flows.pipeline import run_pipeline
    from claimdesk.lock import output_lock

    output = tmp_path / "out"
    with output_lock(output):  # another run is writing, as a scheduled run may find it
        state = run_pipeline(paths=[str(SEEDS)], output=str(output), return_state=True)
    assert state.is_failed()
    assert "another claimdesk run is writing to" in state.message
    assert not (output / "claims.db").exists()


def test_two_files_of_the_same_name_from_different_folders_are_both_kept(prefect_api, tmp_path: Path) -> None:
    for folder in ("a/seeds", "b/seeds"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "a/seeds/story.txt").write_text(GOOD, "utf-8")
    (tmp_path / "b/seeds/story.txt").write_text("Rebels claimed the town.\nThe army denied it.\n", "utf-8")
    summary, output = run(tmp_path, tmp_path / "a/seeds", tmp_path / "b/seeds")
    assert (summary["new"], summary["rejected"]) == (2, 0)
    assert sqlite_utils.Database(output / "claims.db")["articles"].count == 2
    from claimdesk.flows.pipeline import run_pipeline

    files = [str(tmp_path / "a/seeds/story.txt"), str(tmp_path / "b/seeds/story.txt")]
    summary = run_pipeline(paths=files, output=str(tmp_path / "files"))
    assert (summary["new"], summary["rejected"]) == (2, 0), "given as files, they are still two articles"


def test_an_id_listed_twice_is_a_reject_not_a_silent_loss(prefect_api, tmp_path: Path) -> None:
    items = [{"id": "x1", "text": GOOD}, {"id": "x1", "text": "A different story, officials said."}]
    (tmp_path / "wire.json").write_text(json.dumps(items), "utf-8")
    summary, _ = run(tmp_path, tmp_path / "wire.json")
    assert summary["new"] == 1
    (failure,) = summary["failures"]
    assert failure["stage"] == "ingest" and failure["reason"].startswith("duplicate article: same id")


def test_an_empty_feed_entry_is_reported_and_title_markup_is_stripped(tmp_path: Path) -> None:
    feed = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Wire &lt;b&gt;Live&lt;/b&gt;</title>
<item><title>&lt;b&gt;Port&lt;/b&gt; reopens &amp;amp; ships &lt;i&gt;sail&lt;/i&gt;</title>
<guid isPermaLink="false">g1</guid>
<description>Officials said the port reopened.</description></item>
<item><title>Nothing here</title><guid isPermaLink="false">g2</guid></item>
</channel></rss>"""
    path = tmp_path / "wire.rss"
    path.write_text(feed, "utf-8")
    (source,), _ = ingest.discover([path])
    parsed = ingest.parse(source, ingest.load(source))
    (article,) = parsed.articles
    assert article.title == "Port reopens & ships sail"
    assert article.outlet == "Wire Live"
    assert parsed.failures == [("wire.rss#g2", "empty feed entry: no text and no link")]
