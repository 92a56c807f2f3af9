"""A whole claimdesk run in plain Python: discover, read, skip the unchanged, tag, validate, store,
summarise, record rejects.

:func:`run` does it all in this process (tagging, if given an executor, in its workers); the
Prefect flow (:mod:`claimdesk.flows.pipeline`) drives the same :class:`Run` steps, each as a task:
what a step does is here, once; the flow and :func:`run` only order the steps (the flow fetching
concurrently, one batch ahead).

Articles stream through in batches: a batch of files is stat'ed (those unchanged by size and
time are skipped unread), read, hashed (those unchanged by content are skipped), handed to the
tagger and, once tagged, stored and forgotten (a URL fetched before is asked for with the
validators its server gave, and one that answers 304 Not Modified is not downloaded again); only
a few batches are held at a time, so memory stays flat however large the corpus. The process
holding the :class:`Run` is the one writer of the output folder: workers only tag, and their
results come back to it in the order they were sent, so every way of running stores the same rows
in the same order.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import sqlite_utils

from claimdesk import durable, fetch, ingest, store
from claimdesk.annotate import Annotated, annotate
from claimdesk.incremental import (
    CHANGES,
    FileStamp,
    Stamp,
    StoredFile,
    StoredUrl,
    UrlStamp,
    classify,
    keeps_stamp,
    stamp_of,
    tagged_as_now,
    unchanged_file,
    validators_to_send,
)
from claimdesk.layer import describe, parse_layer
from claimdesk.lock import output_lock
from claimdesk.metadata import write_metadata
from claimdesk.records import Article
from claimdesk.rules import RuleSet, load_rules, parse_rules, with_layer
from claimdesk.sources import load_sources, page_url
from claimdesk.status import LABELS
from claimdesk.wording import plural

BATCH_SIZE = 250
"""Articles per batch (per Prefect task): each task run costs the flow about 30 ms of CPU, so a
batch is large enough that this stays a few percent of tagging and storing it, and small enough
that a few batches in memory and the progress shown between them stay small."""
WINDOW = 4
"""Batches sent to the tagger and not yet stored, at most: enough to keep every worker busy while
the writer stores, few enough that memory does not grow with the corpus."""
TASK_RUNNERS = ("auto", "threads", "processes", "dask")
"""Where the flow can tag (:func:`claimdesk.flows.pipeline.tagging_runner`), named here for the CLI;
``auto`` is decided by :func:`choose_task_runner`."""


def choose_task_runner(kind: str, found: list[ingest.Source], batch_size: int = BATCH_SIZE) -> str:
    """The task runner for ``auto``: worker processes when the sources ``found`` hold more files than
    one batch and the machine has more than one core, else threads. Starting the workers costs a
    second or two; tagging on one core costs a large run about 40% of its time (10,000 articles:
    68 s on threads, 44 s on two worker processes). Files are counted whether changed or not,
    without reading them; URLs and feeds are not counted. Any other ``kind`` is returned as it is."""
    if kind != "auto":
        return kind
    if (os.cpu_count() or 1) < 2:
        return "threads"
    files = sum(1 for source in found if not source.is_url)
    return "processes" if files > batch_size else "threads"


class TaskRunnerError(ValueError):
    """A task runner that cannot be had (an unknown name, Dask not installed, a Dask scheduler
    that does not answer); the message says why, and nothing has been read or written."""


FETCH_RETRIES = 2
FETCH_RETRY_DELAYS = [1, 4]

progress = logging.getLogger("claimdesk.progress")
T = TypeVar("T")


@dataclass
class Failure:
    """An article that could not be tagged: where, at which stage, and why (one line)."""

    source: str
    stage: str
    reason: str


@dataclass(frozen=True)
class RulesRef:
    """A rule set as workers in other processes (or machines) get it: its text, parsed there once
    per process and kept by digest, instead of compiled patterns pickled with every batch."""

    text: str
    path: str
    digest: str
    layer: tuple[str, str] | None = None
    """The learned layer's (text, path), when the rules carry one."""

    def get(self) -> RuleSet:
        rules = _PARSED.get(self.digest)
        if rules is None:
            rules = parse_rules(self.text, self.path)
            if self.layer is not None:
                rules = with_layer(rules, parse_layer(*self.layer))
            if rules.digest != self.digest:  # the same file, but this worker's engine is another version
                raise RuntimeError(
                    f"this worker's claimdesk tags differently (rules digest {rules.digest[:12]}, "
                    f"not {self.digest[:12]}): install the same claimdesk version on every worker"
                )
            _PARSED[self.digest] = rules
        return rules


_PARSED: dict[str, RuleSet] = {}


def rules_ref(rules: RuleSet) -> RulesRef:
    """A reference to ``rules`` for workers; in this process it resolves to ``rules`` itself."""
    _PARSED[rules.digest] = rules
    layer = (Path(rules.layer.path).read_text(encoding="utf-8"), rules.layer.path) if rules.layer else None
    return RulesRef(Path(rules.path).read_text(encoding="utf-8"), rules.path, rules.digest, layer)


Log = logging.Logger | logging.LoggerAdapter


class Stopped(Exception):
    """A batch ended between two of its articles because its run was interrupted."""


def tag_batch(
    articles: list[Article],
    rules: RuleSet | RulesRef,
    log: Log | None = None,
    stop: Callable[[], bool] | None = None,
) -> list[Annotated | Failure]:
    """Tag each article; one that fails becomes a Failure with its reason, never the batch's end.

    ``stop`` is asked before each article; true raises :class:`Stopped`, so an interrupted run's
    workers end their batch at once and cleanly (a worker killed mid-batch may die half-way through
    sending, and the run then waits for ever). Pure: no I/O, so it runs in any thread, process or
    Dask worker."""
    ruleset = rules.get() if isinstance(rules, RulesRef) else rules
    log = log or logging.getLogger("claimdesk.run")
    done: list[Annotated | Failure] = []
    for article in articles:
        if stop is not None and stop():
            raise Stopped(f"stopped after {len(done)} of {len(articles)} articles: the run was interrupted")
        try:
            done.append(annotate(article, ruleset))
        except TimeoutError:  # a rule's pattern ran past its CPU-time limit on this article
            done.append(Failure(article.uri, "tag", "tagging timed out: a rule pattern ran too long"))
        except Exception as exc:
            log.exception("tagging %s failed", article.uri)  # the traceback goes to the run logs
            done.append(Failure(article.uri, "tag", ingest.unexpected(exc)))
    return done


Got = ingest.Payload | fetch.NotModified
"""What fetching a URL gave: the document, or a 304 saying the version asked about is current."""


def fetch_once(
    url: str, trusted: bool = True, allow_private: bool = False, validators: fetch.Validators | None = None
) -> Got | fetch.FetchError:
    """One attempt: transient failures raise (so a caller may retry), permanent ones come back as the error.

    ``trusted``: the user gave this URL; a link found in a document is not trusted. ``validators``:
    what its server gave last time (:meth:`Run.validators`), so it may answer 304."""
    try:
        got = fetch.fetch(url, trusted=trusted, allow_private=allow_private, validators=validators)
    except fetch.FetchError as exc:
        if exc.transient:
            raise
        return exc
    if isinstance(got, fetch.NotModified):
        return fetch.NotModified(got.url, page_url(got.final_url))
    return ingest.Payload(got.data, got.content_type, got.charset, page_url(got.final_url), got.validators)


def fetch_retrying(
    url: str, trusted: bool = True, allow_private: bool = False, validators: fetch.Validators | None = None
) -> Got | str:
    """The payload (or 304), or why it could not be had after the retries (one line): the library's
    own retries, on the schedule the flow gives Prefect."""
    for delay in [*FETCH_RETRY_DELAYS[:FETCH_RETRIES], None]:
        try:
            got = fetch_once(url, trusted, allow_private, validators)
        except fetch.FetchError as exc:
            if delay is None:
                return str(exc)
            time.sleep(delay)
            continue
        except Exception as exc:
            return ingest.unexpected(exc)
        return str(got) if isinstance(got, fetch.FetchError) else got
    raise AssertionError("unreachable")


def whole(parsed: ingest.Parsed) -> bool:
    """Whether a document's stamp may vouch for what it gave: not when it had a bad item (it is read
    every run), nor when it is a feed linking pages (they may change, or fail to be fetched, whatever
    the feed's stamp says)."""
    return not parsed.failures and not parsed.errors and not parsed.links


def url_stamp(url: str, payload: ingest.Payload) -> UrlStamp | None:
    """A fetched document's stamp: the URL asked for and its server's validators, when it gave any."""
    return UrlStamp(url, payload.validators) if payload.validators else None


class Result(Protocol):
    """What a submitted batch gives back: a concurrent or Prefect future, or a :class:`Done`."""

    def result(self) -> list[Annotated | Failure]: ...


@dataclass
class Done:
    """A batch tagged in this thread, as a future that has finished."""

    value: list[Annotated | Failure]

    def result(self) -> list[Annotated | Failure]:
        return self.value


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
        "skipped": totals["skipped"],
        "retagged": totals["retagged"],
        "not_modified": totals["not_modified"],
        "statuses": statuses,
    }


class Run:
    """One run's state, held by the one writer: the open database, the run id, the counts so far,
    what is stored (to skip the unchanged) and the stamps of files and URLs read but not yet stored."""

    def __init__(self, db: sqlite_utils.Database, output: Path, rules: RuleSet, run_id: str) -> None:
        self.db = db
        self.output = output
        self.rules = rules
        self.run_id = run_id
        self.totals: Counter = Counter()
        self.failures: list[dict] = []
        self.stored = store.stored_versions(db)
        self.files = store.stored_files(db)
        self.urls = store.stored_urls(db)
        # article id -> uri of its first mention in this run, and its text's sha256 where read
        self.seen: dict[str, tuple[str, str | None]] = {}
        self.stamps: dict[str, Stamp | None] = {}  # article id -> its file or URL, until it is stored
        self.batches_stored = 0
        self.skipped_examples: list[str] = []  # names of a few files of kinds not read, for the summary
        self.links: list[ingest.Link] = []  # pages linked from feed files read, fetched after the files
        self.pages: set[str] = set()  # the address of every document fetched and read in this run
        self.answered_304: Counter = Counter()  # "URL", "linked page" -> how many answered 304

    @classmethod
    @contextmanager
    def open(cls, output: Path, rules: RuleSet, inputs: list[str]) -> Iterator[Run]:
        """Start a run on ``output`` (whose lock the caller holds); a run that dies is marked failed."""
        db = store.open_db(output)
        try:
            durable.recover(db, output)  # what a killed run left half-renamed
            store.fail_interrupted_runs(db)  # and the runs row it left `running`
            run_id = uuid.uuid4().hex[:12]
            store.write_rules(db, rules)
            store.start_run(db, run_id, rules, inputs)
            run = cls(db, output, rules, run_id)
            try:
                yield run
            except BaseException as exc:  # the run dies anyway: say so in runs, with what it had stored
                store.fail_run(
                    db, run_id, ingest.unexpected(exc), summarise(run.totals, run_id, output, run.failures)
                )
                raise
        finally:
            db.close()

    def fail(self, source: str, stage: str, reason: str) -> None:
        """Record a source, article or record that could not be processed, and go on."""
        store.write_reject(self.db, self.output, self.run_id, source, stage, reason)
        self.failures.append({"source": source, "stage": stage, "reason": reason})
        self.totals["rejected"] += 1

    def discover(self, paths: list[str], sources: str | None, allow_private: bool) -> list[ingest.Source]:
        """Every source to read (files and URLs); paths that cannot be read are rejected."""
        skipped: list[str] = []
        found, problems = ingest.discover(
            paths, load_sources(sources) if sources else [], allow_private, skipped
        )
        for where, reason in problems:
            self.fail(where, "discover", reason)
        self.totals["skipped"] += len(skipped)
        self.skipped_examples += [Path(p).name for p in skipped[: 3 - len(self.skipped_examples)]]
        return found

    def accept(self, parsed: ingest.Parsed) -> list[Article]:
        """The articles read; what could not be read is rejected."""
        for where, reason in parsed.failures:
            self.fail(where, "ingest", reason)
        for where, stage, reason in parsed.errors:
            self.fail(where, stage, reason)
        return parsed.articles

    def _first(self, article_id: str, uri: str, content: str | None = None) -> bool:
        """Whether this is the first article with this id in the run. A second is rejected as a
        duplicate, unless it is the same text from the same address (a page listed and also linked
        from a feed): that is one article, read twice."""
        if article_id in self.seen:
            first_uri, first_content = self.seen[article_id]
            if not (first_uri == uri and content is not None and first_content == content):
                self.fail(uri, "ingest", f"duplicate article: same id {article_id} as {first_uri}")
            return False
        self.seen[article_id] = (uri, content)
        return True

    def distinct(self, fetched: list[tuple[Any, str, Got]]) -> list[tuple[Any, Got]]:
        """Of fetched (item, URL asked for, payload or 304), each page once: URLs that led to one
        address (a redirect to a page already read in this run, or two links to one page) are one
        document read twice, not a failure; of them the URL that is the page's own address (else the
        first) is read, so the article keeps the id it has when given directly."""
        chosen: dict[str, tuple[Any, str, Got]] = {}
        for item, url, payload in fetched:
            address = (payload.final_url if isinstance(payload, fetch.NotModified) else payload.url) or url
            if address in self.pages:
                continue
            if address not in chosen or (url == address and chosen[address][1] != address):
                chosen[address] = (item, url, payload)
        self.pages.update(chosen)
        kept = {id(item) for item, _, _ in chosen.values()}
        return [(item, payload) for item, _, payload in fetched if id(item) in kept]

    def select(self, articles: list[Article]) -> list[Article]:
        """The new and changed articles; the unchanged are counted (their file stamps refreshed), and
        a second article with an id already seen in this run (the same JSON id or feed entry twice)
        is rejected as a duplicate."""
        todo: list[Article] = []
        refreshed: dict[str, Stamp | None] = {}
        for article in articles:
            if not self._first(article.id, article.uri, article.content_sha256):
                self.stamps.pop(article.id, None)
                continue
            stored = self.stored.get(article.id)
            change = classify(article, stored, self.rules.digest)
            self.totals[change] += 1
            if change == "changed" and stored and stored.content_sha256 == article.content_sha256:
                self.totals["retagged"] += 1  # the same text, changed only by the rules (or an outlet)
            if change == "unchanged":
                if article.id in self.stamps:
                    refreshed[article.id] = self.stamps.pop(article.id)
            else:
                todo.append(article)
        store.update_stamps(self.db, refreshed)
        return todo

    def to_read(self, sources: list[ingest.Source]) -> list[tuple[ingest.Source, FileStamp | None]]:
        """The files that must be read, each with its stamp: a file whose size and modification time
        are those stored (and whose articles the same rules tagged) is counted unchanged instead."""
        wanted: list[tuple[ingest.Source, FileStamp | None]] = []
        for source in sources:
            stamp = stamp_of(source.location, source.resolved)
            known = self.files.get(stamp.path, []) if stamp else []
            if unchanged_file(stamp, known, self.rules.digest, source.outlet):
                for stored in known:
                    self._unchanged(stored.article_id, stored.uri)
            else:
                wanted.append((source, stamp))
        return wanted

    def read_files(self, files: list[tuple[ingest.Source, FileStamp | None]]) -> list[Article]:
        """The new and changed articles of files :meth:`to_read` wants read (read and hashed)."""
        articles: list[Article] = []
        for source, stamp in files:
            known = self.files.get(stamp.path, []) if stamp else []
            parsed = ingest.read_files([source])
            self.links += parsed.links
            if len(known) == 1 and len(parsed.articles) == 1 and parsed.articles[0].id != known[0].article_id:
                # The file was stored before under another id (given then as part of a folder, now as
                # a sources.yaml entry, or the other way): it keeps that id, so it is not stored twice.
                parsed.articles[0] = parsed.articles[0].model_copy(
                    update={"id": known[0].article_id, "uri": known[0].uri}
                )
            self._stamp(parsed.articles, stamp if whole(parsed) else None, known)
            articles += self.accept(parsed)
        return self.select(articles)

    def _unchanged(self, article_id: str, uri: str) -> None:
        """Count a stored article its stamp says is unchanged (it was not read, or not downloaded)."""
        if self._first(article_id, uri):
            self.totals["unchanged"] += 1

    def _stamp(
        self, articles: list[Article], stamp: Stamp | None, known: Sequence[StoredFile | StoredUrl]
    ) -> None:
        """Hold one document's ``stamp`` for the articles it gave until each is stored or found
        unchanged, when it may vouch for them all (:func:`~claimdesk.incremental.keeps_stamp`); and
        forget the stamp of the articles it gave before (``known``) and gives no more (a feed's old
        entries), so that the stamp is one again for what it gives."""
        if not keeps_stamp(articles, self.stored, self.rules.digest):
            stamp = None
        for article in articles:
            self.stamps[article.id] = stamp
        given = {article.id for article in articles}
        store.update_stamps(self.db, {s.article_id: None for s in known if s.article_id not in given})

    def _known(self, item: ingest.Source | ingest.Link) -> list[StoredUrl]:
        """The articles stored from a URL with its server's validators: all those of a URL given (a
        document may hold several); of a feed's link, the one article it gives."""
        if isinstance(item, ingest.Link):
            article_id = ingest.article_id(item.key)
            return [s for s in self.urls.get(item.url, []) if s.article_id == article_id]
        return self.urls.get(item.location, [])

    def validators(self, item: ingest.Source | ingest.Link) -> fetch.Validators | None:
        """What to send a URL's server so it may answer 304 Not Modified: the validators it gave when
        the articles stored from it were fetched, or ``None`` to ask for it whole."""
        return validators_to_send(self._known(item))

    def _not_modified(self, item: ingest.Source | ingest.Link, what: str) -> list[Article]:
        """The articles of a URL that answered 304: as stored. Those tagged as they would be now are
        counted unchanged, as an unchanged file's are; the rest (the rules, the engine or the outlet
        named changed) come back from the database, text and all, to be tagged again."""
        self.answered_304[what] += 1
        self.totals["not_modified"] += 1
        known = self._known(item)
        validators = validators_to_send(known)
        assert validators is not None, "a 304 answers validators sent"
        url = item.url if isinstance(item, ingest.Link) else item.location
        again: list[Article] = []
        for stored in known:
            if tagged_as_now(stored.rules_digest, stored.outlet, self.rules.digest, item.outlet):
                self._unchanged(stored.article_id, stored.uri)
                continue
            article = store.stored_article(self.db, stored.article_id)
            again.append(article.model_copy(update={"outlet": item.outlet}) if item.outlet else article)
            self.stamps[article.id] = UrlStamp(url, validators)
        return again

    def read_documents(self, fetched: list[tuple[ingest.Source, Got]]) -> ingest.Parsed:
        """The articles (and feed links) in fetched documents, each holding its document's stamp
        (:meth:`_stamp`); a document that answered 304 gives those of its stored articles that must
        be tagged again (:meth:`_not_modified`)."""
        parsed = ingest.Parsed()
        for source, got in fetched:
            if isinstance(got, fetch.NotModified):
                parsed.articles += self._not_modified(source, "URL")
                continue
            one = ingest.parse_safely(source, got)
            self._stamp(
                one.articles, url_stamp(source.location, got) if whole(one) else None, self._known(source)
            )
            parsed.extend(one)
        return parsed

    def read_pages(self, fetched: list[tuple[ingest.Link, Got]]) -> ingest.Parsed:
        """The article on each fetched feed page, as :meth:`read_documents` reads a document."""
        parsed = ingest.Parsed()
        for link, got in fetched:
            if isinstance(got, fetch.NotModified):
                parsed.articles += self._not_modified(link, "linked page")
                continue
            try:
                article = ingest.page(link, got)
            except ingest.IngestError as exc:
                parsed.failures.append((link.url, str(exc)))
                continue
            except Exception as exc:  # one bad page never costs the rest of the feed
                parsed.errors.append((link.url, "parse", ingest.unexpected(exc)))
                continue
            self._stamp([article], url_stamp(link.url, got), self._known(link))
            parsed.articles.append(article)
        return parsed

    def file_batches(
        self,
        sources: list[ingest.Source],
        batch_size: int,
        read: Callable[[list[tuple[ingest.Source, FileStamp | None]]], list[Article]] | None = None,
    ) -> Iterator[list[Article]]:
        """Batches of ``batch_size`` new or changed articles, taking ``batch_size`` files at a time and
        only when the next batch is wanted: those unchanged by their stamps are counted here, the rest
        read by ``read`` (:meth:`read_files`, or a task wrapping it; not called when none is left)."""
        read = read or self.read_files
        waiting: list[Article] = []
        for start in range(0, len(sources), batch_size):
            files = self.to_read(sources[start : start + batch_size])
            if files:
                waiting += read(files)
            while len(waiting) >= batch_size:
                yield waiting[:batch_size]
                waiting = waiting[batch_size:]
        if waiting:
            yield waiting

    def store(self, results: list[Annotated | Failure]) -> None:
        """Write each tagged article's records file and rows, the batch in one transaction; one that
        cannot be stored is rejected (stage ``store``) and the rest go on. The batch counts in the
        run's totals once it is committed: an interrupted one is rolled back, and so are its counts."""
        stored: Counter = Counter()
        with durable.batch(self.db) as batch:
            for item in results:
                if isinstance(item, Failure):
                    self.fail(item.source, item.stage, item.reason)
                    continue
                stamp = self.stamps.pop(item.article.id, None)
                try:
                    durable.store_article(self.db, self.output, item, self.rules, self.run_id, stamp, batch)
                except Exception as exc:
                    if not self.db.conn.in_transaction:  # the error rolled back the whole batch
                        raise
                    logging.getLogger("claimdesk.run").exception("storing %s failed", item.article.uri)
                    self.fail(item.article.uri, "store", ingest.unexpected(exc))
                    continue
                for record, reason in item.rejects:
                    store.write_reject(
                        self.db, self.output, self.run_id, item.article.uri, "validate", reason, record
                    )
                    stored["rejected"] += 1
                stored["articles"] += 1
                stored["sentences"] += item.sentence_count
                stored.update({f"status:{s}": n for s, n in item.statuses().items()})
                stored["overruled"] += item.overruled()
        self.totals.update(stored)
        self.batches_stored += 1
        progress.info(
            "batch %d stored (%s so far)", self.batches_stored, plural(self.totals["articles"], "article")
        )

    def tag_and_store(
        self,
        batches: Iterable[list[Article]],
        submit: Callable[[list[Article]], Result] | None = None,
        store_batch: Callable[[list[Annotated | Failure]], Any] | None = None,
        window: int = WINDOW,
    ) -> None:
        """Send each batch to the tagger (``submit``; in this thread by default) and store the results
        in the order sent, with at most ``window`` batches in flight."""
        submit = submit or (lambda batch: Done(tag_batch(batch, self.rules)))
        store_batch = store_batch or self.store
        pending: deque[Result] = deque()
        for batch in batches:
            pending.append(submit(batch))
            while len(pending) > window:
                store_batch(pending.popleft().result())
        while pending:
            store_batch(pending.popleft().result())

    def finish(self) -> dict:
        """The summary, also written to ``metadata.yml`` and the run's row."""
        summary = summarise(self.totals, self.run_id, self.output, self.failures)
        if self.rules.layer is not None:
            summary["layer"] = {"layer": describe(self.rules.layer), "overruled": self.totals["overruled"]}
        if self.skipped_examples:
            summary["skipped_examples"] = self.skipped_examples
        write_metadata(self.output, self.rules.name)
        store.finish_run(self.db, self.run_id, summary)
        return summary

    def say_fetched(self, batches: int, batch_size: int, total: int, what: str) -> None:
        """The progress line after ``batches`` batches of ``total`` URLs (or pages) were fetched, found
        not modified, or failed: "20 of 40 URLs done", and how many of them answered 304."""
        done = min(batches * batch_size, total)
        not_modified = self.answered_304[what]
        if not_modified:
            progress.info(
                "%d of %s done, %d answered 304 Not Modified", done, plural(total, what), not_modified
            )
        else:
            progress.info("%d of %s done", done, plural(total, what))


def chunks(items: list[T], batch_size: int) -> Iterator[list[T]]:
    """Batches of at most ``batch_size`` (articles read all at once from documents and feeds; URLs)."""
    for start in range(0, len(items), batch_size):
        yield items[start : start + batch_size]


def inputs(paths: list[str], sources: str | None) -> list[str]:
    """What a run read, as its ``runs`` row lists it."""
    return [str(p) for p in paths] + ([sources] if sources else [])


def run(
    paths: str | Path | Sequence[str | Path] | None = None,
    output: str | Path = "output",
    rules_path: str | Path | None = None,
    sources: str | Path | None = None,
    batch_size: int = BATCH_SIZE,
    wait: float = 0.0,
    allow_private: bool = False,
    executor: Executor | None = None,
    layer_path: str | Path | None = None,
) -> dict:
    """Tag what is new or changed under ``paths`` and ``sources``; write records, database, metadata;
    return the summary (as the flow does, without Prefect).

    Tagging runs in this thread, or in ``executor``'s workers (a ``ProcessPoolExecutor`` uses
    every core); storing stays here. Only one run writes to an output folder at a time: a second
    one waits up to ``wait`` seconds, then raises :class:`~claimdesk.lock.RunLocked`. ``layer_path``
    names a learned layer (:mod:`claimdesk.layer`) over the rules. ``paths`` is one path or URL, or
    a list of them."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    if wait < 0:
        raise ValueError(f"wait must be 0 or more seconds, not {wait}")
    rules = load_rules(rules_path, layer_path)  # a bad rules or layer file: stopped before anything is read
    out = Path(output)
    paths = [str(paths)] if isinstance(paths, str | Path) else [str(p) for p in paths or []]
    sources = str(sources) if sources is not None else None
    with output_lock(out, wait), Run.open(out, rules, inputs(paths, sources)) as current:
        submit = None
        if executor is not None:
            ref = rules_ref(rules)
            submit = lambda batch: executor.submit(tag_batch, batch, ref)  # noqa: E731
        found = current.discover(paths, sources, allow_private)
        current.tag_and_store(current.file_batches([s for s in found if not s.is_url], batch_size), submit)
        # URLs, then the pages feeds link to, a batch at a time: each batch is stored before the next
        # is fetched, so progress shows and Ctrl-C keeps what was stored.
        urls = [s for s in found if s.is_url]
        links = list(current.links)  # the pages linked from feed files
        for k, chunk in enumerate(chunks(urls, batch_size), start=1):
            parsed = current.read_documents(
                _fetch_all(current, [(s, s.location, True, s.allow_private) for s in chunk])
            )
            links += parsed.links
            current.tag_and_store(chunks(current.select(current.accept(parsed)), batch_size), submit)
            current.say_fetched(k, batch_size, len(urls), "URL")
        for k, chunk in enumerate(chunks(links, batch_size), start=1):
            wanted = [(link, link.url, False, link.allow_private) for link in chunk]
            pages = current.read_pages(_fetch_all(current, wanted))
            current.tag_and_store(chunks(current.select(current.accept(pages)), batch_size), submit)
            current.say_fetched(k, batch_size, len(links), "linked page")
        return current.finish()


def _fetch_all(current: Run, wanted: list[tuple[Any, str, bool, bool]]) -> list[tuple[Any, Got]]:
    """Fetch each (item, url, trusted, allow_private) in turn, conditionally when it was fetched
    before; a failure (after the retries) is rejected."""
    fetched = []
    for item, url, trusted, private in wanted:
        if url in current.pages:  # a feed's link to a page already read in this run
            continue
        got = fetch_retrying(url, trusted, private, current.validators(item))
        if isinstance(got, str):
            current.fail(url, "fetch", got)
        else:
            fetched.append((item, url, got))
    return current.distinct(fetched)
