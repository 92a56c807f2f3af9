"""The claimdesk run, as a Prefect flow: find sources, fetch, read, skip the unchanged, tag, store.

Only orchestration lives here (tasks, retries, batching, worker count, the
summary artifact); every step calls the plain-Python core in :mod:`claimdesk`.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import MissingContextError
from prefect.futures import PrefectFuture, as_completed, wait
from prefect.task_runners import ThreadPoolTaskRunner

from claimdesk import durable, fetch, ingest, store
from claimdesk.annotate import Annotated, annotate
from claimdesk.incremental import CHANGES, Stored, classify
from claimdesk.lock import output_lock
from claimdesk.metadata import write_metadata
from claimdesk.records import Article
from claimdesk.rules import RuleSet, load_rules
from claimdesk.sources import load_sources
from claimdesk.status import LABELS
from claimdesk.wording import plural

SUMMARY_KEY = "claimdesk-run-summary"
BATCH_SIZE = 20
WORKERS = 2
FETCH_RETRIES = 2
FETCH_RETRY_DELAYS = [1, 4]

progress = logging.getLogger("claimdesk.progress")


@task(name="find article sources", cache_policy=NO_CACHE)
def find_sources(
    paths: list[str], sources: str | None, allow_private: bool
) -> tuple[list[ingest.Source], list[tuple[str, str]]]:
    return ingest.discover(paths, load_sources(sources) if sources else [], allow_private)


@task(
    name="fetch URL",
    task_run_name="fetch {url}",
    retries=FETCH_RETRIES,
    retry_delay_seconds=FETCH_RETRY_DELAYS,
    cache_policy=NO_CACHE,
)
def fetch_url(
    url: str, trusted: bool = True, allow_private: bool = False
) -> ingest.Payload | fetch.FetchError:
    """Transient failures raise, so Prefect retries them; permanent ones come back as the error.

    ``trusted``: the user gave this URL; a link found in a document is not trusted."""
    try:
        got = fetch.fetch(url, trusted=trusted, allow_private=allow_private)
    except fetch.FetchError as exc:
        if exc.transient:
            raise
        return exc
    return ingest.Payload(got.data, got.content_type, got.charset, got.final_url)


def _fetched(future: PrefectFuture) -> ingest.Payload | str:
    """The payload, or why it could not be had (after the retries), as one line."""
    result = future.result(raise_on_failure=False)
    if isinstance(result, ingest.Payload):
        return result
    if isinstance(result, fetch.FetchError):
        return str(result)
    return ingest.unexpected(result) if isinstance(result, BaseException) else str(result)


def _collect(fetches: list[tuple[object, str, PrefectFuture]], fail) -> list[tuple[object, ingest.Payload]]:
    """Wait for the fetches; record each that failed (after its retries), return the payloads."""
    wait([future for _, _, future in fetches])
    fetched = []
    for item, url, future in fetches:
        got = _fetched(future)
        if isinstance(got, str):
            fail(url, "fetch", got)
        else:
            fetched.append((item, got))
    return fetched


@task(name="read article files", cache_policy=NO_CACHE)
def read_files(sources: list[ingest.Source]) -> ingest.Parsed:
    return ingest.read_files(sources)


@task(name="parse fetched documents", cache_policy=NO_CACHE)
def parse_documents(fetched: list[tuple[ingest.Source, ingest.Payload]]) -> ingest.Parsed:
    parsed = ingest.Parsed()
    for source, payload in fetched:
        parsed.extend(ingest.parse_safely(source, payload))
    return parsed


@task(name="extract linked feed pages", cache_policy=NO_CACHE)
def extract_pages(fetched: list[tuple[ingest.Link, ingest.Payload]]) -> ingest.Parsed:
    parsed = ingest.Parsed()
    for link, payload in fetched:
        try:
            parsed.articles.append(ingest.page(link, payload))
        except ingest.IngestError as exc:
            parsed.failures.append((link.url, str(exc)))
        except Exception as exc:  # one bad page never costs the rest of the feed
            parsed.errors.append((link.url, "parse", ingest.unexpected(exc)))
    return parsed


@task(name="skip unchanged articles", cache_policy=NO_CACHE)
def select_changed(
    articles: list[Article], stored: dict[str, Stored], rules_digest: str
) -> tuple[dict[str, list[Article]], list[Article]]:
    """Split articles into new / changed / unchanged, and the duplicates: a second article with an id
    already seen in this run (the same JSON id or feed entry twice), which the caller reports."""
    split: dict[str, list[Article]] = {change: [] for change in CHANGES}
    first: dict[str, Article] = {}
    duplicates: list[Article] = []
    for article in articles:
        if article.id in first:
            duplicates.append(article)
        else:
            first[article.id] = article
            split[classify(article, stored.get(article.id), rules_digest)].append(article)
    return split, duplicates


@dataclass
class Failure:
    """An article that could not be tagged: where, at which stage, and why (one line)."""

    source: str
    stage: str
    reason: str


@task(name="tag a batch of new and changed articles", cache_policy=NO_CACHE)
def tag_batch(articles: list[Article], rules: RuleSet) -> list[Annotated | Failure]:
    """Tag each article; one that fails becomes a Failure with its reason, never the batch's end."""
    done: list[Annotated | Failure] = []
    for article in articles:
        try:
            done.append(annotate(article, rules))
        except TimeoutError:  # a rule's pattern ran past its CPU-time limit on this article
            done.append(Failure(article.uri, "tag", "tagging timed out: a rule pattern ran too long"))
        except Exception as exc:
            logger().exception("tagging %s failed", article.uri)  # the traceback goes to the run logs
            done.append(Failure(article.uri, "tag", ingest.unexpected(exc)))
    return done


def logger() -> logging.Logger | logging.LoggerAdapter:
    """Prefect's run logger inside a run (tracebacks reach the run logs), else claimdesk's own."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("claimdesk.run")


@task(name="store a batch of tagged articles", cache_policy=NO_CACHE)
def store_batch(
    results: list[Annotated], db, output: Path, rules: RuleSet, run_id: str, totals: Counter, fail
) -> None:
    """Write each article's records file and rows; one that cannot be stored is rejected (stage
    ``store``) and the rest go on."""
    for item in results:
        try:
            durable.store_article(db, output, item, rules, run_id)
        except Exception as exc:
            logger().exception("storing %s failed", item.article.uri)
            fail(item.article.uri, "store", ingest.unexpected(exc))
            continue
        for record, reason in item.rejects:
            store.write_reject(db, output, run_id, item.article.uri, "validate", reason, record)
            totals["rejected"] += 1
        totals["articles"] += 1
        totals["sentences"] += len(item.records)
        for record in item.records:
            totals[f"status:{record.status or 'none'}"] += 1


def summarise(totals: Counter, run_id: str, output: Path, failures: list[dict]) -> dict:
    statuses = {s: totals[f"status:{s}"] for s in LABELS}
    return {
        "run_id": run_id,
        "output": str(output),
        "articles": totals["articles"],
        "sentences": totals["sentences"],
        "rejected": totals["rejected"],
        **{change: totals[change] for change in CHANGES},
        "failed": len(failures),
        "failures": failures,
        "statuses": statuses,
    }


def _artifact(summary: dict) -> None:
    rows = "\n".join(f"| {status} | {count} |" for status, count in summary["statuses"].items())
    failed = "".join(
        f"| {f['source']} | {f['stage']} | {f['reason'].replace('|', '/')} |\n" for f in summary["failures"]
    )
    failed_table = (
        f"\n## Failed sources\n\n| source | stage | reason |\n|---|---|---|\n{failed}" if failed else ""
    )
    create_markdown_artifact(
        key=SUMMARY_KEY,
        description="Articles new, changed, unchanged and failed; sentences per claim status",
        markdown=(
            f"# claimdesk run {summary['run_id']}\n\n"
            f"{summary['new']} new, {summary['changed']} changed, {summary['unchanged']} unchanged, "
            f"{summary['failed']} failed.\n\n"
            f"{summary['articles']} articles tagged, {summary['sentences']} sentences, "
            f"{summary['rejected']} rejected.\n\n| status | sentences |\n|---|---|\n{rows}\n{failed_table}"
        ),
    )


@flow(name="claimdesk-run", task_runner=ThreadPoolTaskRunner(max_workers=WORKERS), log_prints=False)
def run_pipeline(
    paths: list[str] | None = None,
    output: str = "output",
    rules_path: str | None = None,
    batch_size: int = BATCH_SIZE,
    sources: str | None = None,
    wait: float = 0.0,
    allow_private: bool = False,
) -> dict:
    """Tag what is new or changed under ``paths`` and ``sources``; write records, database, metadata.

    Only one run writes to an output folder at a time: a second one waits up to ``wait``
    seconds, then raises :class:`~claimdesk.lock.RunLocked`, so the flow run (a scheduled
    one too) ends Failed with the reason rather than Completed having done nothing.
    ``allow_private`` lets links found in the documents of ``paths`` (and redirects) reach
    loopback and private addresses.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    rules = load_rules(rules_path)  # a bad rules file stops the run before any article is read
    out = Path(output)
    with output_lock(out, wait):
        return _run_locked(list(paths or []), out, rules, batch_size, sources, allow_private)


def _run_locked(
    paths: list[str], out: Path, rules: RuleSet, batch_size: int, sources: str | None, allow_private: bool
) -> dict:
    db = store.open_db(out)
    durable.recover(db, out)  # what a killed run left half-renamed
    store.fail_interrupted_runs(db)  # and the runs row it left `running`
    run_id = uuid.uuid4().hex[:12]
    store.write_rules(db, rules)
    store.start_run(db, run_id, rules, [str(p) for p in paths] + ([sources] if sources else []))
    try:
        summary = _tag_all(db, run_id, paths, out, rules, batch_size, sources, allow_private)
    except BaseException as exc:  # the run dies anyway: say so in runs, then let Prefect mark it Failed
        store.fail_run(db, run_id, ingest.unexpected(exc))
        db.close()
        raise
    db.close()
    _artifact(summary)
    return summary


def _tag_all(
    db,
    run_id: str,
    paths: list[str],
    out: Path,
    rules: RuleSet,
    batch_size: int,
    sources: str | None,
    allow_private: bool,
) -> dict:
    totals: Counter = Counter()
    failures: list[dict] = []

    def fail(source: str, stage: str, reason: str) -> None:
        store.write_reject(db, out, run_id, source, stage, reason)
        failures.append({"source": source, "stage": stage, "reason": reason})
        totals["rejected"] += 1

    found, problems = find_sources(paths, sources, allow_private)
    for where, reason in problems:
        fail(where, "discover", reason)

    # URLs download while local files are read. URLs the user gave are trusted; links found in
    # documents are not, and reach internal addresses only if their source allows it.
    fetches = [
        (s, s.location, fetch_url.submit(s.location, True, s.allow_private)) for s in found if s.is_url
    ]
    parsed = read_files([s for s in found if not s.is_url])
    documents = _collect(fetches, fail)
    if documents:
        parsed.extend(parse_documents(documents))
    if parsed.links:
        pages = _collect(
            [
                (link, link.url, fetch_url.submit(link.url, False, link.allow_private))
                for link in parsed.links
            ],
            fail,
        )
        if pages:
            parsed.extend(extract_pages(pages))
    for where, reason in parsed.failures:
        fail(where, "ingest", reason)
    for where, stage, reason in parsed.errors:
        fail(where, stage, reason)

    split, duplicates = select_changed(parsed.articles, store.stored_versions(db), rules.digest)
    first_uri = {a.id: a.uri for change in split.values() for a in change}
    for article in duplicates:
        fail(article.uri, "ingest", f"duplicate article: same id {article.id} as {first_uri[article.id]}")
    for change, articles in split.items():
        totals[change] = len(articles)
    todo = split["new"] + split["changed"]
    batches = [todo[i : i + batch_size] for i in range(0, len(todo), batch_size)]
    futures = [tag_batch.submit(batch, rules) for batch in batches]
    for done, future in enumerate(as_completed(futures), start=1):
        results = future.result()
        for failure in (r for r in results if isinstance(r, Failure)):
            fail(failure.source, failure.stage, failure.reason)
        store_batch([r for r in results if isinstance(r, Annotated)], db, out, rules, run_id, totals, fail)
        progress.info(
            "batch %d/%d stored (%s so far)", done, len(batches), plural(totals["articles"], "article")
        )

    summary = summarise(totals, run_id, out, failures)
    write_metadata(out, rules.name)
    store.finish_run(db, run_id, summary)
    return summary
