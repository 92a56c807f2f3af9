"""Crash safety at scale: kill ``claimdesk run`` with SIGKILL at random moments while it writes,
and check after every kill that nothing was lost or half-written.

Each round changes some articles of a 300-article corpus (so every run has articles to write),
starts ``claimdesk run`` in its own process group, waits until that run has stored an article,
waits a random moment more, and kills the whole group (the run and its temporary Prefect
server). After each kill: ``PRAGMA integrity_check`` is ok, no foreign key is broken, no article
has some but not all of its sentences, no cue is orphaned, and every records file is valid JSON
Lines matching the database (or is a pending file that matches it, which the next run completes).
The run of the next round starts from that state; after the last kill a run must complete with
exit status 0 and leave every article of the corpus stored, current and matching its file.

    python -m benchmarks.crash --kills 100          # make crash-test
    python -m benchmarks.crash --kills 10           # what CI runs, inside make test

Exit status 0 when every check held, 1 otherwise (the first failure is printed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLAIMDESK = str(Path(sys.executable).parent / "claimdesk")
WAIT_SECONDS = 300  # for a run to start writing on a slow machine; a bound, not a measurement


class Lost(AssertionError):
    """A check that failed after a kill."""


def make_corpus(folder: Path, count: int) -> list[Path]:
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        path = folder / f"article-{n:04d}.txt"
        path.write_text(
            f"Report {n}: officials said the count reached {n}.\n" + seeds[n % len(seeds)], "utf-8"
        )
        paths.append(path)
    return paths


def change(paths: list[Path], rng: random.Random, count: int, round_no: int) -> None:
    """Give ``count`` articles a new update line, so the next run has them to re-tag and rewrite."""
    for path in rng.sample(paths, count):
        lines = path.read_text("utf-8").splitlines()
        lines[0] = f"{lines[0].split(' Update', 1)[0]} Update {round_no}: the ministry denied the figure."
        path.write_text("\n".join(lines) + "\n", "utf-8")


def connect(output: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{output / 'claims.db'}?mode=ro", uri=True, timeout=30)


def writing(output: Path, known_runs: set[str]) -> bool:
    """Whether a run not seen before has stored at least one article."""
    if not (output / "claims.db").exists():
        return False
    try:
        with connect(output) as conn:
            runs = {r[0] for r in conn.execute("SELECT id FROM runs")}
            new = runs - known_runs
            if not new:
                return False
            marks = ",".join("?" * len(new))
            return (
                conn.execute(
                    f"SELECT count(*) FROM articles WHERE run_id IN ({marks})", list(new)
                ).fetchone()[0]
                > 0
            )
    except sqlite3.OperationalError:  # the schema is still being created
        return False


def run_ids(output: Path) -> set[str]:
    if not (output / "claims.db").exists():
        return set()
    try:
        with connect(output) as conn:
            return {r[0] for r in conn.execute("SELECT id FROM runs")}
    except sqlite3.OperationalError:
        return set()


def records_lines(path: Path) -> list[tuple]:
    lines = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise Lost(f"{path.name} line {n} is not JSON: {exc}") from None
        lines.append((record["id"], record["position"], record["text"], record["status"]))
    return lines


def check(output: Path) -> int:
    """Every check the issue asks for after a kill; returns the number of stored articles."""
    if not (output / "claims.db").exists():
        return 0
    with sqlite3.connect(output / "claims.db") as conn:
        if (ok := conn.execute("PRAGMA integrity_check").fetchone()[0]) != "ok":
            raise Lost(f"integrity_check: {ok}")
        if broken := conn.execute("PRAGMA foreign_key_check").fetchall():
            raise Lost(f"foreign keys broken: {broken[:3]}")
        partial = conn.execute(
            "SELECT a.id FROM articles a LEFT JOIN sentences s ON s.article_id = a.id GROUP BY a.id "
            "HAVING count(s.id) != a.sentence_count OR coalesce(max(s.position), -1) != a.sentence_count - 1"
        ).fetchall()
        if partial:
            raise Lost(f"articles with some but not all of their sentences: {partial[:3]}")
        orphans = conn.execute(
            "SELECT count(*) FROM cues WHERE sentence_id NOT IN (SELECT id FROM sentences)"
        )
        if n := orphans.fetchone()[0]:
            raise Lost(f"{n} orphan cues")
        stored = {}
        for article_id, sid, position, text, status in conn.execute(
            "SELECT a.id, s.id, s.position, s.text, s.status FROM articles a "
            "LEFT JOIN sentences s ON s.article_id = a.id ORDER BY a.id, s.position"
        ):
            stored.setdefault(article_id, [])
            if sid is not None:
                stored[article_id].append((sid, position, text, status))
    records = output / "records"
    for path in records.glob("*.jsonl"):
        if path.stem not in stored:
            raise Lost(f"records file without an article: {path.name}")
    for article_id, rows in stored.items():
        final, pending = records / f"{article_id}.jsonl", records / f"{article_id}.jsonl.pending"
        good = [p for p in (final, pending) if p.exists() and records_lines(p) == rows]
        if not good:
            raise Lost(f"records file of {article_id} does not match the database")
    return len(stored)


def wait_for_writes(proc: subprocess.Popen, output: Path, known: set[str]) -> bool:
    deadline = time.monotonic() + WAIT_SECONDS
    while proc.poll() is None and time.monotonic() < deadline:
        if writing(output, known):
            return True
        time.sleep(0.02)
    return False


def content_hashes(paths: list[Path]) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_text("utf-8").encode()).hexdigest() for p in paths}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.crash", description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=100, help="kills landing mid-write (default: 100)")
    parser.add_argument("--articles", type=int, default=300, help="corpus size (default: 300)")
    parser.add_argument(
        "--changed", type=int, default=60, help="articles changed before each run (default: 60)"
    )
    parser.add_argument("--seed", type=int, default=11, help="random seed (default: 11)")
    parser.add_argument("--work", type=Path, default=None, help="work folder (default: a temporary one)")
    args = parser.parse_args(argv)

    work = args.work or Path(tempfile.mkdtemp(prefix="claimdesk-crash-"))
    corpus, output = work / "corpus", work / "out"
    paths = make_corpus(corpus, args.articles)
    rng = random.Random(args.seed)
    kills = finished = 0
    started = time.monotonic()
    print(f"crash test: {args.kills} kills, {args.articles} articles, in {work}", flush=True)
    round_no = 0
    try:
        while kills < args.kills:
            round_no += 1
            if round_no > 1:
                change(paths, rng, args.changed, round_no)
            known = run_ids(output)
            proc = subprocess.Popen(
                [CLAIMDESK, "run", str(corpus), "--output", str(output), "--batch-size", "4"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: the kill takes the run and its server
            )
            if wait_for_writes(proc, output, known):
                time.sleep(rng.uniform(0, 1.5))  # anywhere in the writing, not just its start
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                kills += 1
            else:
                finished += 1
            proc.wait()
            stored = check(output)
            print(
                f"round {round_no}: {'killed' if proc.returncode < 0 else 'finished'}, "
                f"{stored} articles stored, checks ok",
                flush=True,
            )
        final = subprocess.run(
            [CLAIMDESK, "run", str(corpus), "--output", str(output)],
            capture_output=True,
            text=True,
            check=False,
        )
        if final.returncode != 0:
            raise Lost(f"the run after the last kill exited {final.returncode}: {final.stderr[-500:]}")
        if (stored := check(output)) != args.articles:
            raise Lost(f"after the last run {stored} of {args.articles} articles are stored")
        if list((output / "records").glob("*.pending")):
            raise Lost("pending records files left after a completed run")
        with connect(output) as conn:
            current = dict(conn.execute("SELECT uri, content_sha256 FROM articles"))
        expected = content_hashes(paths)
        stale = [Path(uri).name for uri, digest in current.items() if expected[Path(uri).name] != digest]
        if stale:
            raise Lost(f"articles not current after the last run: {stale[:3]}")
    except Lost as exc:
        print(f"FAILED after {kills} kills: {exc}", flush=True)
        return 1
    minutes = (time.monotonic() - started) / 60
    print(
        f"OK: {kills} kills mid-write ({finished} runs finished before their kill), {round_no} rounds, "
        f"then a complete run: {args.articles} articles stored, every check held ({minutes:.1f} min)",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
