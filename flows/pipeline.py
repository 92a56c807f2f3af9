"""The claimdesk run, as a Prefect flow: read the sources, tag them in batches, store, summarise.

Only orchestration lives here (tasks, batching, worker count, the summary
artifact); every step calls the plain-Python core in :mod:`claimdesk`.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from claimdesk import ingest, store
from claimdesk.annotate import Annotated, annotate
from claimdesk.lock import RunLocked, output_lock
from claimdesk.metadata import write_metadata
from claimdesk.rules import RuleSet, load_rules

SUMMARY_KEY = "claimdesk-run-summary"
BATCH_SIZE = 20
WORKERS = 2

progress = logging.getLogger("claimdesk.progress")


@task(name="find article sources", cache_policy=NO_CACHE)
def find_sources(paths: list[str]) -> tuple[list[ingest.Source], list[tuple[str, str]]]:
    return ingest.discover(paths)


@dataclass
class Failure:
    """An article that could not be processed: where, at which stage, and why (one line)."""

    source: str
    stage: str
    reason: str


@task(name="read and tag a batch of articles", cache_policy=NO_CACHE)
def tag_batch(sources: list[ingest.Source], rules: RuleSet) -> list[Annotated | Failure]:
    done: list[Annotated | Failure] = []
    for source, article in ingest.read_all(sources):
        if isinstance(article, ingest.IngestError):
            done.append(Failure(str(source.path), "ingest", str(article)))
            continue
        try:
            done.append(annotate(article, rules))
        except TimeoutError:  # a rule's pattern ran past its time limit on this article
            done.append(Failure(str(source.path), "tag", "tagging timed out: a rule pattern ran too long"))
    return done


@task(name="store a batch of articles", cache_policy=NO_CACHE)
def store_batch(results, db, output: Path, rules: RuleSet, run_id: str, totals: Counter) -> None:
    for item in results:
        if isinstance(item, Failure):
            store.write_reject(db, output, run_id, item.source, item.stage, item.reason)
            totals["rejected"] += 1
            continue
        for record, reason in item.rejects:
            store.write_reject(db, output, run_id, item.article.uri, "validate", reason, record)
            totals["rejected"] += 1
        store.write_records_file(output, item)
        store.write_article(db, item, rules, run_id)
        totals["articles"] += 1
        totals["sentences"] += len(item.records)
        for record in item.records:
            totals[f"status:{record.status or 'none'}"] += 1


def summarise(totals: Counter, run_id: str, output: Path) -> dict:
    statuses = {s: totals[f"status:{s}"] for s in ("confirmed", "alleged", "denied", "disputed", "none")}
    return {
        "run_id": run_id,
        "output": str(output),
        "articles": totals["articles"],
        "sentences": totals["sentences"],
        "rejected": totals["rejected"],
        "statuses": statuses,
    }


def _artifact(summary: dict) -> None:
    rows = "\n".join(f"| {status} | {count} |" for status, count in summary["statuses"].items())
    create_markdown_artifact(
        key=SUMMARY_KEY,
        description="Sentences per claim status in this run",
        markdown=(
            f"# claimdesk run {summary['run_id']}\n\n"
            f"{summary['articles']} articles, {summary['sentences']} sentences, "
            f"{summary['rejected']} rejected.\n\n| status | sentences |\n|---|---|\n{rows}\n"
        ),
    )


@flow(name="claimdesk-run", task_runner=ThreadPoolTaskRunner(max_workers=WORKERS), log_prints=False)
def run_pipeline(
    paths: list[str],
    output: str = "output",
    rules_path: str | None = None,
    batch_size: int = BATCH_SIZE,
    wait: float = 0.0,
) -> dict:
    """Tag every article under ``paths`` and write records, database and metadata to ``output``.

    Only one run writes to an output folder at a time: a second one waits up to ``wait``
    seconds, then returns a summary whose ``locked`` field says why it did nothing.
    """
    rules = load_rules(rules_path)  # a bad rules file stops the run before any article is read
    out = Path(output)
    try:
        with output_lock(out, wait):
            return _run_locked(paths, out, rules, batch_size)
    except RunLocked as exc:
        return {**summarise(Counter(), "", out), "locked": str(exc)}


def _run_locked(paths: list[str], out: Path, rules: RuleSet, batch_size: int) -> dict:
    db = store.open_db(out)
    run_id = uuid.uuid4().hex[:12]
    store.write_rules(db, rules)
    store.start_run(db, run_id, rules, [str(p) for p in paths])
    totals: Counter = Counter()

    sources, problems = find_sources(paths)
    for path, reason in problems:
        store.write_reject(db, out, run_id, path, "discover", reason)
        totals["rejected"] += 1
    batches = [sources[i : i + batch_size] for i in range(0, len(sources), batch_size)]
    futures = [tag_batch.submit(batch, rules) for batch in batches]
    for done, future in enumerate(as_completed(futures), start=1):
        store_batch(future.result(), db, out, rules, run_id, totals)
        progress.info("batch %d/%d stored (%d articles so far)", done, len(batches), totals["articles"])

    summary = summarise(totals, run_id, out)
    store.finish_run(db, run_id, summary)
    write_metadata(out, rules.name)
    db.close()
    _artifact(summary)
    return summary
