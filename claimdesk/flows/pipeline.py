"""The claimdesk run, as a Prefect flow: find sources, fetch, read, skip the unchanged, tag, store.

Only orchestration lives here (tasks, retries, the task runner, the summary artifact); each task
wraps one step of the plain-Python run in :mod:`claimdesk.runs`, which :func:`claimdesk.runs.run`
also drives without Prefect. Tagging goes to the flow's task runner (threads, worker processes, or
a Dask cluster); the results come back to the flow, the one writer, which stores them.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Generic, TypeVar

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import MissingContextError
from prefect.futures import PrefectFuture, wait
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from claimdesk import fetch, ingest, runs
from claimdesk.annotate import Annotated
from claimdesk.incremental import FileStamp
from claimdesk.lock import output_lock
from claimdesk.records import Article
from claimdesk.rules import load_rules
from claimdesk.runs import (
    BATCH_SIZE,
    FETCH_RETRIES,
    FETCH_RETRY_DELAYS,
    TASK_RUNNERS,
    WINDOW,
    Failure,
    Run,
    TaskRunnerError,
)
from claimdesk.wording import plural

__all__ = ["BATCH_SIZE", "Failure", "TASK_RUNNERS", "run_pipeline", "run_with", "tag_batch"]

SUMMARY_KEY = "claimdesk-run-summary"
WORKERS = 2
T = TypeVar("T")

STOPPING = threading.Event()
"""Set in a process whose run was interrupted: its tagging workers end their batch before the next
article (:func:`claimdesk.runs.tag_batch`). A worker process sets it on SIGTERM."""


class Parcel(Generic[T]):
    """A batch handed to a task as one opaque value. Prefect walks a list given to a task, every
    article, sentence and cue of it, looking for futures (twice per task: about a tenth of a run's
    CPU); an object of a plain class it leaves whole. (Its ``quote`` does the same, but a quoted
    value comes back wrapped in a tuple from a Dask worker.)"""

    __slots__ = ("items",)

    def __init__(self, items: list[T]) -> None:
        self.items = items


@task(name="find article sources", cache_policy=NO_CACHE)
def find_sources(
    current: Run, paths: list[str], sources: str | None, allow_private: bool
) -> list[ingest.Source]:
    return current.discover(paths, sources, allow_private)


@task(
    name="fetch URL",
    task_run_name="fetch {url}",
    retries=FETCH_RETRIES,
    retry_delay_seconds=FETCH_RETRY_DELAYS,
    cache_policy=NO_CACHE,
)
def fetch_url(
    url: str, trusted: bool = True, allow_private: bool = False, validators: fetch.Validators | None = None
) -> runs.Got | fetch.FetchError:
    """Transient failures raise, so Prefect retries them; permanent ones come back as the error."""
    return runs.fetch_once(url, trusted, allow_private, validators)


def _fetched(future: PrefectFuture) -> runs.Got | str:
    """The payload (or 304), or why it could not be had (after the retries), as one line."""
    result = future.result(raise_on_failure=False)
    if isinstance(result, ingest.Payload | fetch.NotModified):
        return result
    if isinstance(result, fetch.FetchError):
        return str(result)
    return ingest.unexpected(result) if isinstance(result, BaseException) else str(result)


def _collect(fetches: list[tuple[object, str, PrefectFuture]], current: Run) -> list[tuple[object, runs.Got]]:
    """Wait for the fetches; record each that failed (after its retries), return the payloads (each
    page once: :meth:`Run.distinct`)."""
    wait([future for _, _, future in fetches])
    fetched = []
    for item, url, future in fetches:
        got = _fetched(future)
        if isinstance(got, str):
            current.fail(url, "fetch", got)
        else:
            fetched.append((item, url, got))
    return current.distinct(fetched)


@task(name="read article files", cache_policy=NO_CACHE)
def read_files(current: Run, files: Parcel[tuple[ingest.Source, FileStamp | None]]) -> list[Article]:
    """A batch of new or changed files (those unchanged by their stamps are not read), read and hashed."""
    return current.read_files(files.items)


@task(name="parse fetched documents", cache_policy=NO_CACHE)
def parse_documents(current: Run, fetched: list[tuple[ingest.Source, runs.Got]]) -> ingest.Parsed:
    return current.read_documents(fetched)


@task(name="extract linked feed pages", cache_policy=NO_CACHE)
def extract_pages(current: Run, fetched: list[tuple[ingest.Link, runs.Got]]) -> ingest.Parsed:
    return current.read_pages(fetched)


@task(name="skip unchanged articles", cache_policy=NO_CACHE)
def select_changed(current: Run, articles: list[Article]) -> list[Article]:
    return current.select(articles)


@task(name="tag a batch of new and changed articles", cache_policy=NO_CACHE)
def tag_batch(articles: Parcel[Article], rules: runs.RuleSet | runs.RulesRef) -> list[Annotated | Failure]:
    """Tag each article; one that fails becomes a Failure with its reason, never the batch's end."""
    return runs.tag_batch(articles.items, rules, logger(), stop=stopping)


def leave_ctrl_c_to_the_run() -> None:
    """A worker process ignores Ctrl-C, which a terminal sends to every process of the run: the run
    itself stops its workers, instead of each printing a traceback. SIGTERM, from the run or a
    service manager, ends the worker's batch at its next article; the worker then leaves when the
    run shuts the pool down. Dying there and then could cut a message to the run in half, or hold
    the lock of the queue the run writes to, and the run would wait for ever."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_tagging)


def _stop_tagging(signum: int, frame: object) -> None:
    STOPPING.set()


def stopping() -> bool:
    """Whether this process's run was interrupted. (A task's own function is pickled whole, with
    the globals it names, for a worker process; a lock cannot be pickled, a function can.)"""
    return STOPPING.is_set()


def logger() -> logging.Logger | logging.LoggerAdapter:
    """Prefect's run logger inside a run (tracebacks reach the run logs), else claimdesk's own."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("claimdesk.run")


@task(name="store a batch of tagged articles", cache_policy=NO_CACHE)
def store_batch(current: Run, results: Parcel[Annotated | Failure]) -> None:
    current.store(results.items)


def summary_markdown(summary: dict) -> str:
    """The run summary artifact's text: counts, sentences per status, failed sources."""
    rows = "\n".join(f"| {status} | {count} |" for status, count in summary["statuses"].items())
    failed = "".join(
        f"| {f['source']} | {f['stage']} | {f['reason'].replace('|', '/')} |\n" for f in summary["failures"]
    )
    failed_table = (
        f"\n## Failed sources\n\n| source | stage | reason |\n|---|---|---|\n{failed}" if failed else ""
    )
    not_modified = (
        f" Not downloaded again: {plural(summary['not_modified'], 'URL')} answered 304 Not Modified."
        if summary.get("not_modified")
        else ""
    )
    return (
        f"# claimdesk run {summary['run_id']}\n\n"
        f"{summary['new']} new, {summary['changed']} changed, {summary['unchanged']} unchanged, "
        f"{summary['failed']} failed.{not_modified}\n\n"
        f"{plural(summary['articles'], 'article')} tagged (task runner: {summary['task_runner']}), "
        f"{plural(summary['sentences'], 'sentence')}, "
        f"{summary['rejected']} rejected.\n\n| status | sentences |\n|---|---|\n{rows}\n{failed_table}"
    )


def _artifact(summary: dict) -> None:
    create_markdown_artifact(
        key=SUMMARY_KEY,
        description="Articles new, changed, unchanged and failed; sentences per claim status",
        markdown=summary_markdown(summary),
    )


@flow(name="claimdesk-run", task_runner=ThreadPoolTaskRunner(max_workers=WORKERS), log_prints=False)
def run_pipeline(
    paths: list[str] | None = None,
    output: str = "output",
    rules_path: str | None = None,
    batch_size: int = BATCH_SIZE,
    sources: str | None = None,
    wait: float = 0.0,
    layer_path: str | None = None,
    allow_private: bool = False,
    task_runner: str = "auto",
    dask_address: str | None = None,
) -> dict:
    """Tag what is new or changed under ``paths`` and ``sources``; write records, database, metadata.

    Only one run writes to an output folder at a time: a second one waits up to ``wait``
    seconds, then raises :class:`~claimdesk.lock.RunLocked`, so the flow run (a scheduled
    one too) ends Failed with the reason rather than Completed having done nothing.
    ``allow_private`` lets links found in the documents of ``paths`` (and redirects) reach
    loopback and private addresses. ``task_runner`` is where articles are tagged (see
    :func:`tagging_runner`); ``auto`` is chosen from the files found, so a scheduled or deployed
    run chooses too. The summary says which was used (``task_runner``). ``layer_path`` names a
    learned layer (:mod:`claimdesk.layer`) over the rules.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    try:
        # a bad rules or layer file: stopped before anything is read
        rules = load_rules(rules_path, layer_path)
        out = Path(output)
        paths = [str(p) for p in paths or []]
        with output_lock(out, wait), Run.open(out, rules, runs.inputs(paths, sources)) as current:
            summary = _tag_all(current, paths, sources, batch_size, allow_private, task_runner, dask_address)
    except Exception as exc:
        _say_scheduled(f"failed: {type(exc).__name__}: {exc}")
        raise
    _artifact(summary)
    _say_scheduled(
        f"{summary['new']} new, {summary['changed']} changed, {summary['unchanged']} unchanged, "
        f"{summary['failed']} failed; {plural(summary['sentences'], 'sentence')} tagged into {output}"
    )
    return summary


def _say_scheduled(outcome: str) -> None:
    """One line on the terminal that serves a schedule, when a run of its deployment ends (Prefect's
    own console lines are silenced there, see claimdesk.flows.PREFECT_DEFAULTS); nothing elsewhere."""
    from prefect.runtime import deployment

    if deployment.id:
        print(f"claimdesk: {deployment.name} run {outcome}", file=sys.stderr, flush=True)


def _tag_all(
    current: Run,
    paths: list[str],
    sources: str | None,
    batch_size: int,
    allow_private: bool,
    task_runner: str,
    dask_address: str | None,
) -> dict:
    found = find_sources(current, paths, sources, allow_private)
    kind = runs.choose_task_runner(task_runner, found, batch_size)
    # URLs download a batch at a time, the first while local files are read and tagged, each next one
    # while the one before is stored. URLs the user gave are trusted; links found in documents are
    # not, and reach internal addresses only if their source allows it.
    urls = list(runs.chunks([s for s in found if s.is_url], batch_size))

    def fetching(k: int) -> list[tuple[object, str, PrefectFuture]]:
        return [
            (s, s.location, fetch_url.submit(s.location, True, s.allow_private, current.validators(s)))
            for s in urls[k]
        ]

    fetches = fetching(0) if urls else []
    ref = runs.rules_ref(current.rules)  # workers in other processes parse the rules once each
    runner, in_flight = tagging_runner(kind, dask_address)
    with runner, _workers_ended_on_interrupt():

        def submit(batch: list[Article]) -> PrefectFuture:
            return runner.submit(tag_batch, {"articles": Parcel(batch), "rules": ref})

        def store(results: list[Annotated | Failure]) -> None:
            store_batch(current, Parcel(results))

        files = [s for s in found if not s.is_url]
        batches = current.file_batches(
            files, batch_size, read=lambda chunk: read_files(current, Parcel(chunk))
        )
        current.tag_and_store(batches, submit, store, in_flight)

        def store_new(parsed: ingest.Parsed) -> None:
            articles = current.accept(parsed)
            if articles:
                todo = select_changed(current, articles)
                current.tag_and_store(runs.chunks(todo, batch_size), submit, store, in_flight)

        links = list(current.links)  # the pages linked from feed files
        total = sum(map(len, urls))
        for k in range(len(urls)):
            documents = _collect(fetches, current)
            fetches = fetching(k + 1) if k + 1 < len(urls) else []
            parsed = parse_documents(current, documents) if documents else ingest.Parsed()
            links += parsed.links
            store_new(parsed)
            current.say_fetched(k + 1, batch_size, total, "URL")
        for k, chunk in enumerate(runs.chunks(links, batch_size), start=1):
            pages = _collect(
                [
                    (
                        link,
                        link.url,
                        fetch_url.submit(link.url, False, link.allow_private, current.validators(link)),
                    )
                    for link in chunk
                    if link.url not in current.pages  # a page already read in this run
                ],
                current,
            )
            if pages:
                store_new(extract_pages(current, pages))
            current.say_fetched(k, batch_size, len(links), "linked page")
    return {**current.finish(), "task_runner": kind}


def tagging_runner(kind: str = "threads", dask_address: str | None = None) -> tuple[TaskRunner, int]:
    """The task runner that tags, and how many batches to keep in flight for it.

    ``threads``: two threads in this process (one interpreter lock: one core at a time);
    ``processes``: a worker process per core; ``dask``: the Dask cluster at ``dask_address``, or
    a local one of worker processes (one per core) started for the run."""
    if kind == "threads":
        return ThreadPoolTaskRunner(max_workers=WORKERS), WORKERS + 2
    cores = os.cpu_count() or 1
    if kind == "processes":
        return ProcessPoolTaskRunner(max_workers=cores, initializer=leave_ctrl_c_to_the_run), 2 * cores
    if kind != "dask":
        raise TaskRunnerError(f"unknown task runner {kind!r}: choose one of {', '.join(TASK_RUNNERS)}")
    try:
        from distributed import Client
        from prefect_dask import DaskTaskRunner
    except ImportError as exc:
        raise TaskRunnerError(
            "the dask task runner needs prefect-dask: in a checkout .venv/bin/pip install -c constraints.txt "
            f"-e '.[dask]', elsewhere pip install 'claimdesk[dask]' ({exc})"
        ) from exc
    if dask_address is None:
        cluster = {"n_workers": cores, "processes": True, "threads_per_worker": 1}
        return DaskTaskRunner(cluster_kwargs=cluster), 2 * cores
    try:
        with Client(dask_address, timeout=10) as client:
            threads = sum(client.nthreads().values())
    except OSError as exc:
        raise TaskRunnerError(f"cannot reach the Dask scheduler at {dask_address}: {exc}") from exc
    return DaskTaskRunner(address=dask_address), max(2 * threads, WINDOW)


def run_with(kind: str = "auto", dask_address: str | None = None, **parameters) -> dict:
    """:func:`run_pipeline` with its tagging on the task runner ``kind`` (see :func:`tagging_runner`;
    ``auto``: :func:`claimdesk.runs.choose_task_runner`). A runner that cannot be had (an unknown
    name, Dask missing or not answering) stops the run here, before anything is read or written."""
    if kind != "auto":
        tagging_runner(kind, dask_address)
    try:
        return run_pipeline(**parameters, task_runner=kind, dask_address=dask_address)
    except KeyboardInterrupt:
        stop_workers()
        raise


@contextlib.contextmanager
def _workers_ended_on_interrupt() -> Iterator[None]:
    """An interrupt (Ctrl-C; SIGTERM, which Prefect's flow engine raises as TerminationSignal) tells
    the tagging workers to stop before the task runner is left: leaving it waits for their batches,
    and a `kill` of the run's own process (a service manager's stop) reaches no worker, so the run
    took as long as a batch (about 20 s of 1,020 articles) to stop. Threads see :data:`STOPPING`;
    worker processes get SIGTERM (:func:`leave_ctrl_c_to_the_run`)."""
    STOPPING.clear()
    try:
        yield
    except Exception:
        raise
    except BaseException:
        STOPPING.set()
        for worker in multiprocessing.active_children():
            worker.terminate()  # SIGTERM
        raise


def stop_workers(grace: float = 5.0) -> None:
    """End what is left of this process's worker processes after an interrupt: one that has not
    left a grace period after being asked to (:func:`_workers_ended_on_interrupt`) is killed, as
    the interpreter's exit, which waits for its children, would otherwise wait for ever. Their work
    is lost either way: the batch being stored is rolled back, and the next run tags those
    articles again."""
    workers = multiprocessing.active_children()
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.join(grace)
        if worker.is_alive():
            worker.kill()
