"""The run without Prefect (claimdesk.runs.run) against the flow, streaming, and re-runs that know an
unchanged file by its size and modification time without reading it."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from claimdesk import runs
from claimdesk.rules import load_rules
from tests.conftest import ROOT, SEEDS

LONG_AGO_NS = 1_600_000_000 * 10**9  # a fixed past time: stamps taken now are not "just written"
SENTENCE_COLUMNS = (
    "id, article_id, position, start, [end], text, status, attributed_to, source_type, decided_by, quoted"
)


def stored(output: Path) -> dict:
    """What a user reads back: records files, and the rows of articles, sentences, cues and claims."""
    db = sqlite3.connect(output / "claims.db")
    try:
        return {
            "records": {p.name: p.read_bytes() for p in sorted((output / "records").iterdir())},
            "articles": db.execute(
                "SELECT id, uri, title, content_sha256, outlet, rules_digest, sentence_count FROM articles "
                "ORDER BY id"
            ).fetchall(),
            "sentences": db.execute(f"SELECT {SENTENCE_COLUMNS} FROM sentences ORDER BY id").fetchall(),
            "cues": db.execute(
                "SELECT sentence_id, rule_id, status, text, start, [end] FROM cues "
                "ORDER BY sentence_id, start, rule_id"
            ).fetchall(),
            "claims": db.execute("SELECT * FROM claim_sentences ORDER BY id").fetchall(),
        }
    finally:
        db.close()


def counts(summary: dict) -> tuple:
    return tuple(summary[k] for k in ("new", "changed", "unchanged", "failed", "articles", "sentences"))


def aged(folder: Path) -> Path:
    """Give every file in ``folder`` an old modification time, as files not touched for a while have."""
    for file in folder.iterdir():
        os.utime(file, ns=(LONG_AGO_NS, LONG_AGO_NS))
    return folder


def swap_letters(file: Path) -> None:
    """Change a file's text but not its size or modification time (what a stamp cannot see)."""
    before = file.stat()
    data = file.read_bytes().replace(b"a", b"o").replace(b"e", b"i")
    assert len(data) == before.st_size and data != file.read_bytes()
    file.write_bytes(data)
    os.utime(file, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_the_library_and_the_flow_store_the_same_records(prefect_api, tmp_path: Path) -> None:
    from claimdesk.flows.pipeline import run_pipeline

    sources = str(SEEDS / "sources.yaml")
    library = runs.run([], tmp_path / "library", sources=sources, batch_size=2)
    flow = run_pipeline(paths=[], output=str(tmp_path / "flow"), sources=sources, batch_size=2)
    assert counts(library) == counts(flow) == (5, 0, 0, 0, 5, counts(flow)[5])
    assert library["statuses"] == flow["statuses"]
    assert stored(tmp_path / "library") == stored(tmp_path / "flow")
    assert stored(tmp_path / "library")["claims"], "the seeds make claims across outlets"


def test_a_rerun_knows_unchanged_files_by_stamp_without_reading_them(tmp_path: Path) -> None:
    seeds = aged(Path(shutil.copytree(SEEDS, tmp_path / "seeds", ignore=shutil.ignore_patterns("*.yaml"))))
    output = tmp_path / "out"
    runs.run([str(seeds)], output)
    before = stored(output)
    for file in seeds.iterdir():
        swap_letters(file)  # were the files read again, their new hashes would make them "changed"

    again = runs.run([str(seeds)], output)
    assert counts(again) == (0, 0, 5, 0, 0, 0)
    assert stored(output) == before

    # A rules change re-reads and re-tags every file: now the swapped text is seen.
    rules = tmp_path / "rules.yaml"
    shipped = (ROOT / "claimdesk" / "rules" / "default.yaml").read_text(encoding="utf-8")
    rules.write_text(shipped.replace("version:", "version: edited-", 1), encoding="utf-8")
    retagged = runs.run([str(seeds)], output, rules_path=rules)
    assert counts(retagged)[:3] == (0, 5, 0)
    db = sqlite3.connect(output / "claims.db")
    hashes = {row[0] for row in db.execute("SELECT content_sha256 FROM articles")}
    db.close()
    assert hashes.isdisjoint(row[3] for row in before["articles"])


def test_a_touched_file_with_the_same_text_is_not_retagged_and_its_new_stamp_is_kept(tmp_path: Path) -> None:
    seeds = aged(Path(shutil.copytree(SEEDS, tmp_path / "seeds", ignore=shutil.ignore_patterns("*.yaml"))))
    output = tmp_path / "out"
    runs.run([str(seeds)], output)
    before = stored(output)
    written = {p.name: p.stat().st_mtime_ns for p in (output / "records").iterdir()}
    touched = sorted(seeds.iterdir())[0]
    later = LONG_AGO_NS + 60 * 10**9
    os.utime(touched, ns=(later, later))

    again = runs.run([str(seeds)], output)
    assert counts(again) == (0, 0, 5, 0, 0, 0), "read and hashed, found the same, not tagged"
    assert stored(output) == before
    assert {p.name: p.stat().st_mtime_ns for p in (output / "records").iterdir()} == written

    swap_letters(touched)  # the touched file's new stamp was stored: the next run trusts it unread
    assert counts(runs.run([str(seeds)], output)) == (0, 0, 5, 0, 0, 0)


def test_a_file_changed_without_a_new_size_or_time_is_tagged_when_just_written(tmp_path: Path) -> None:
    """A stamp taken right after a write is not trusted (the clock may not have ticked): hash decides."""
    seeds = Path(shutil.copytree(SEEDS, tmp_path / "seeds", ignore=shutil.ignore_patterns("*.yaml")))
    for file in seeds.iterdir():
        os.utime(file)  # modified just now
    output = tmp_path / "out"
    runs.run([str(seeds)], output)
    target = sorted(seeds.iterdir())[0]
    swap_letters(target)
    assert counts(runs.run([str(seeds)], output))[:3] == (0, 1, 4)


def test_an_item_added_to_a_file_is_stored_by_the_run_after_one_stopped_before_storing_it(
    tmp_path: Path,
) -> None:
    """A file of several articles that gained one: its unchanged articles are found at once, the new
    one is stored with a later batch. Were the unchanged ones given the file's new stamp at once, a
    run stopped in between (Ctrl-C) would leave that stamp vouching for the whole file, and every
    later run would skip the file unread: the new article would never be stored."""
    wire = tmp_path / "wire.jsonl"
    item = '{{"id": "{}", "text": "{}"}}\n'
    wire.write_text(item.format("a", "The port authority said the crane was repaired."), encoding="utf-8")
    aged(tmp_path)
    output = tmp_path / "out"
    runs.run([str(wire)], output)
    with wire.open("a", encoding="utf-8") as fh:
        fh.write(item.format("b", "Unions denied the crane had ever failed."))
    later = LONG_AGO_NS + 60 * 10**9
    os.utime(wire, ns=(later, later))

    with pytest.raises(KeyboardInterrupt), runs.Run.open(output, load_rules(), [str(wire)]) as current:
        todo = current.read_files(current.to_read(current.discover([str(wire)], None, False)))
        assert [article.text for article in todo] == ["Unions denied the crane had ever failed."]
        raise KeyboardInterrupt  # before the batch holding it is stored

    assert counts(runs.run([str(wire)], output))[:3] == (1, 0, 1)
    assert counts(runs.run([str(wire)], output))[:3] == (0, 0, 2)


def test_a_file_that_lost_an_item_is_known_by_its_stamp_again(tmp_path: Path) -> None:
    """The article of an item taken out of a file stays stored (an archive keeps it), but no longer
    holds the file's old stamp, which would never match again and have the file read every run."""
    wire = tmp_path / "wire.jsonl"
    items = [
        '{"id": "a", "text": "The port authority said the crane was repaired."}\n',
        '{"id": "b", "text": "Unions denied the crane had ever failed."}\n',
    ]
    wire.write_text("".join(items), encoding="utf-8")
    aged(tmp_path)
    output = tmp_path / "out"
    runs.run([str(wire)], output)
    wire.write_text(items[0], encoding="utf-8")
    later = LONG_AGO_NS + 60 * 10**9
    os.utime(wire, ns=(later, later))
    assert counts(runs.run([str(wire)], output))[:3] == (0, 0, 1)

    swap_letters(wire)  # were the file read again, its new hash would make its article "changed"
    assert counts(runs.run([str(wire)], output))[:3] == (0, 0, 1)
    db = sqlite3.connect(output / "claims.db")
    assert db.execute("SELECT count(*) FROM articles").fetchone() == (2,)
    db.close()


def test_files_are_read_a_batch_at_a_time_as_the_tagger_asks(tmp_path: Path) -> None:
    """Streaming: the first batch is tagged before the other files are read."""
    seeds = Path(shutil.copytree(SEEDS, tmp_path / "seeds", ignore=shutil.ignore_patterns("*.yaml")))
    rules = load_rules()
    reads: list[int] = []
    with runs.Run.open(tmp_path / "out", rules, [str(seeds)]) as current:
        found = current.discover([str(seeds)], None, False)

        def read(chunk):
            reads.append(len(chunk))
            return current.read_files(chunk)

        batches = current.file_batches(found, 2, read=read)
        first = next(batches)
        assert (len(first), reads) == (2, [2])
        assert [len(b) for b in batches] == [2, 1] and reads == [2, 2, 1]


@pytest.fixture()
def worker_processes():
    """Stop multiprocessing's resource tracker, which the first process pool starts and which would
    otherwise outlive the test (it is started again by the next pool that needs it)."""
    yield
    from multiprocessing import resource_tracker

    resource_tracker._resource_tracker._stop()


def test_tagging_in_worker_processes_stores_what_tagging_here_does(worker_processes, tmp_path: Path) -> None:
    from concurrent.futures import ProcessPoolExecutor

    here = runs.run([str(SEEDS)], tmp_path / "here", batch_size=2)
    with ProcessPoolExecutor(2) as pool:
        there = runs.run([str(SEEDS)], tmp_path / "there", batch_size=2, executor=pool)
    assert counts(here) == counts(there)
    assert stored(tmp_path / "here") == stored(tmp_path / "there")


@pytest.mark.parametrize("kind", ["processes", "dask"])
def test_the_flow_on_worker_processes_stores_what_a_plain_run_does(
    prefect_api, worker_processes, tmp_path: Path, kind: str
) -> None:
    """Tagging in Prefect's process pool, or on a Dask cluster of two worker processes that the test
    starts and stops, gives the same records as a plain run."""
    from distributed import LocalCluster

    from claimdesk.flows.pipeline import run_with

    plain = runs.run([str(SEEDS)], tmp_path / "plain", batch_size=2)
    if kind == "dask":
        with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1") as cluster:
            summary = run_with(
                "dask",
                cluster.scheduler_address,
                paths=[str(SEEDS)],
                output=str(tmp_path / kind),
                batch_size=2,
            )
    else:
        summary = run_with(kind, paths=[str(SEEDS)], output=str(tmp_path / kind), batch_size=2)
    assert counts(summary) == counts(plain)
    assert stored(tmp_path / kind) == stored(tmp_path / "plain")


def test_a_deployed_run_chooses_where_to_tag_from_the_files_it_finds(
    prefect_api, worker_processes, tmp_path: Path
) -> None:
    """A scheduled or deployed run calls the flow itself, with no command line to choose for it:
    ``auto`` is decided in the flow, from the files it found, and the summary says what it chose."""
    from claimdesk.flows.pipeline import run_pipeline

    few = run_pipeline(paths=[str(SEEDS)], output=str(tmp_path / "few"))
    many = run_pipeline(paths=[str(SEEDS)], output=str(tmp_path / "many"), batch_size=2)
    assert few["task_runner"] == "threads"
    assert many["task_runner"] == ("processes" if (os.cpu_count() or 1) > 1 else "threads")
    assert counts(few) == counts(many)
    assert stored(tmp_path / "few") == stored(tmp_path / "many")


def test_auto_tags_on_worker_processes_only_when_there_is_more_than_a_batch_to_read(tmp_path: Path) -> None:
    """Starting worker processes costs a second or two: worth it for a large run, not for a few files."""
    from claimdesk.ingest import discover
    from claimdesk.runs import choose_task_runner
    from claimdesk.sources import load_sources

    seeds, _ = discover([str(SEEDS)])
    assert choose_task_runner("auto", seeds, batch_size=250) == "threads"
    many = "processes" if (os.cpu_count() or 1) > 1 else "threads"
    assert choose_task_runner("auto", seeds, batch_size=3) == many
    listed = tmp_path / "sources.yaml"
    listed.write_text(
        f"sources:\n  - folder: {SEEDS}\n  - urls: [https://example.org/a, https://example.org/b]\n"
    )
    found, _ = discover([], load_sources(str(listed)))
    assert choose_task_runner("auto", found, batch_size=4) == many  # 5 files; URLs not counted
    assert choose_task_runner("auto", found, batch_size=5) == "threads"
    for kind in ("threads", "processes", "dask"):
        assert choose_task_runner(kind, seeds, batch_size=1) == kind


def test_files_of_kinds_not_read_are_counted_and_named_not_passed_over_in_silence(tmp_path: Path) -> None:
    from claimdesk.runs import run

    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "story.txt").write_text("The council approved the budget on Monday.", encoding="utf-8")
    (folder / "README").write_text("notes to self", encoding="utf-8")
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n")
    (folder / ".DS_Store").write_bytes(b"\x00")  # hidden files are no one's article
    summary = run([str(folder)], output=tmp_path / "out")
    assert summary["new"] == 1
    assert summary["skipped"] == 2 and sorted(summary["skipped_examples"]) == ["README", "photo.png"]


def test_the_library_takes_one_path_or_a_path_object_as_the_cli_takes_one_argument(tmp_path: Path) -> None:
    # a string was read as a list of one-letter paths ("s", "e", "e", "d", "s"), each rejected
    assert runs.run(str(SEEDS), tmp_path / "a")["new"] == 5
    assert runs.run(SEEDS, tmp_path / "b")["new"] == 5
    assert runs.run(sources=SEEDS / "sources.yaml", output=tmp_path / "c")["new"] == 5
    with pytest.raises(ValueError, match="wait must be 0 or more"):
        runs.run(SEEDS, tmp_path / "d", wait=-1)


def test_an_interrupted_batch_ends_before_its_next_article_and_says_how_far_it_got() -> None:
    """The run's workers stop at an article's end, not mid-way through sending their results."""
    from claimdesk.ingest import make_article

    articles = [
        make_article(f"a{n}.txt", f"a{n}.txt", f"Report {n}\nPolice said the road was shut.")
        for n in range(5)
    ]
    asked: list[int] = []

    def stop() -> bool:  # the run is interrupted while the third article is being tagged
        asked.append(1)
        return len(asked) > 3

    with pytest.raises(runs.Stopped, match="after 3 of 5 articles"):
        runs.tag_batch(articles, load_rules(), stop=stop)
    assert len(runs.tag_batch(articles, load_rules(), stop=lambda: False)) == 5
