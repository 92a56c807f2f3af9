"""End to end through the real Prefect engine: seeds in, records, database and artifact out."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlite_utils

from tests.conftest import ROOT, SEEDS


@pytest.fixture(scope="module")
def seeded_run(prefect_api, tmp_path_factory):
    from claimdesk.flows.pipeline import run_pipeline

    output = tmp_path_factory.mktemp("out")
    summary = run_pipeline(paths=[str(SEEDS)], output=str(output), batch_size=2, task_runner="threads")
    return summary, output


def test_flow_tags_all_five_seed_articles(seeded_run) -> None:
    summary, output = seeded_run
    assert summary["articles"] == 5
    assert summary["rejected"] == 0
    assert len(list((output / "records").glob("*.jsonl"))) == 5
    db = sqlite_utils.Database(output / "claims.db")
    assert db["articles"].count == 5
    assert db["sentences"].count == summary["sentences"] == sum(summary["statuses"].values())
    assert db["runs"].get(summary["run_id"])["finished_at"]


def test_records_files_match_the_database(seeded_run) -> None:
    _, output = seeded_run
    db = sqlite_utils.Database(output / "claims.db")
    for path in (output / "records").glob("*.jsonl"):
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        article_id = path.stem
        rows = list(db["sentences"].rows_where("article_id = ?", [article_id], order_by="position"))
        assert [(r["id"], r["status"], r["text"]) for r in records] == [
            (r["id"], r["status"], r["text"]) for r in rows
        ]


def test_records_validate_with_an_independent_validator(seeded_run, tmp_path: Path) -> None:
    """check-jsonschema (not our jsonschema call) validates every record against schemas/."""
    _, output = seeded_run
    files = []
    for path in sorted((output / "records").glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            target = tmp_path / f"{path.stem}-{n:04d}.json"
            target.write_text(line, encoding="utf-8")
            files.append(str(target))
    assert len(files) > 50
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(checker), "--schemafile", str(ROOT / "schemas" / "sentence.schema.json"), *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_run_summary_artifact_counts_statuses(seeded_run) -> None:
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from claimdesk.flows.pipeline import SUMMARY_KEY

    summary, _ = seeded_run

    async def latest():
        async with get_client() as client:
            found = await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[SUMMARY_KEY]))
            )
            return found

    artifacts = asyncio.run(latest())
    assert artifacts, "no run summary artifact"
    text = artifacts[-1].data
    assert f"run {summary['run_id']}" in "\n".join(a.data for a in artifacts)
    assert "| disputed |" in text and "| none |" in text
    assert any(f"run {summary['run_id']}" in a.data and "(task runner: threads)" in a.data for a in artifacts)


def test_the_run_summary_counts_in_english() -> None:
    from claimdesk.flows.pipeline import summary_markdown

    one = {"run_id": "r", "new": 1, "changed": 0, "unchanged": 0, "failed": 0, "articles": 1,
           "sentences": 1, "rejected": 0, "task_runner": "threads", "statuses": {"alleged": 1},
           "failures": []}  # fmt: skip
    assert "1 article tagged (task runner: threads), 1 sentence, 0 rejected." in summary_markdown(one)


def test_bad_input_is_rejected_and_the_rest_still_processed(
    prefect_api, seeds_copy: Path, tmp_path: Path
) -> None:
    from claimdesk.flows.pipeline import run_pipeline

    (seeds_copy / "empty.txt").write_text("  \n", encoding="utf-8")
    (seeds_copy / "binary.txt").write_bytes(b"\x00\x01\x02\x03\xff\xfe\x00\x89PNG\x00\x00")
    (seeds_copy / "latin1.txt").write_bytes("Caf\xe9 owners said prices rose.".encode("latin-1"))
    output = tmp_path / "out"
    summary = run_pipeline(paths=[str(seeds_copy), str(tmp_path / "missing")], output=str(output))
    assert summary["articles"] == summary["new"] == 6
    assert summary["rejected"] == summary["failed"] == 3
    db = sqlite_utils.Database(output / "claims.db")
    reasons = {Path(r["source"]).name: r["reason"] for r in db["rejects"].rows}
    assert reasons["empty.txt"].startswith("empty article")
    assert reasons["binary.txt"].startswith("not text")
    assert reasons["missing"] == "no such file or folder"
    lines = (output / "rejects.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    latin1 = next(db["articles"].rows_where("uri like ?", ["%latin1.txt"]))
    assert (latin1["text"], latin1["encoding"]) == ("Café owners said prices rose.", "cp1252")


def test_cli_run_prints_summary_and_datasette_command_without_tracebacks(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    output = tmp_path / "out"
    claimdesk = Path(sys.executable).parent / "claimdesk"
    result = subprocess.run(
        [str(claimdesk), "run", str(seeds), "--output", str(output)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    combined = result.stdout + result.stderr
    assert result.returncode == 0, combined
    assert "Tagged 5 articles" in result.stdout
    assert f"datasette {output / 'claims.db'} -m {output / 'metadata.yml'}" in result.stdout
    assert "Traceback" not in combined and "ERROR" not in combined
    assert "Tagged on two threads in this process (one core), as --task-runner auto chose." in result.stdout

    # More files than a batch: auto tags them on worker processes (one per core), to the same records.
    many = subprocess.run(
        [str(claimdesk), "run", str(seeds), "--output", str(tmp_path / "many"), "--batch-size", "2"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert many.returncode == 0, many.stdout + many.stderr
    if (os.cpu_count() or 1) > 1:
        assert f"Tagged on {os.cpu_count()} worker processes, as --task-runner auto chose." in many.stdout
    records = sorted((output / "records").iterdir())
    assert [p.name for p in records] == sorted(p.name for p in (tmp_path / "many" / "records").iterdir())
    assert all(p.read_bytes() == (tmp_path / "many" / "records" / p.name).read_bytes() for p in records)


def test_cli_refuses_a_bad_rules_file_before_reading_articles(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: '1'\nname: x\nrules:\n  - id: r\n    status: denied\n    description: d\n    regex: ['(']\n"
    )
    output = tmp_path / "out"
    claimdesk = Path(sys.executable).parent / "claimdesk"
    result = subprocess.run(
        [str(claimdesk), "run", str(SEEDS), "--output", str(output), "--rules", str(rules)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "rule 'r', field regex[0]: invalid regular expression" in result.stderr
    assert "Traceback" not in result.stderr
    assert not output.exists()


@pytest.mark.parametrize(
    ("runner", "stop", "status", "group"),
    [
        ("threads", signal.SIGINT, 130, True),
        ("processes", signal.SIGINT, 130, True),
        ("processes", signal.SIGTERM, 143, True),
        ("processes", signal.SIGTERM, 143, False),
    ],
)
def test_ctrl_c_stops_a_run_at_once_and_the_next_run_tags_the_rest(
    tmp_path: Path, runner: str, stop: int, status: int, group: bool
) -> None:
    """Ctrl-C reaches every process of the run (the terminal signals its process group): the run
    stops within seconds, says so in one line, and leaves nothing running and nothing half-stored.
    The temporary Prefect server is in a session of its own, so the run can report its end to it.
    SIGTERM to the group (a service manager's stop) does the same, with exit status 143, and so does
    SIGTERM to the run's own process alone (`kill PID`), which reaches no worker: the run ends them."""
    from benchmarks.__main__ import make_corpus

    corpus = tmp_path / "corpus"
    make_corpus(corpus, 600)
    output = tmp_path / "out"
    command = [str(Path(sys.executable).parent / "claimdesk"), "run", str(corpus), "-o", str(output)]
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}  # a temporary server
    # a run that hangs is sent SIGABRT, on which each of its processes prints every thread's stack
    env["PYTHONFAULTHANDLER"] = "1"
    run = subprocess.Popen(
        [*command, "--batch-size", "10", "--task-runner", runner],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        for line in run.stderr:  # wait until it is well into tagging (every worker started), then Ctrl-C
            if "batch 30 stored" in line:
                break
        (os.killpg if group else os.kill)(run.pid, stop)
        try:
            _, err = run.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGABRT)
            stacks = run.communicate(timeout=60)[1]
            pytest.fail(f"the run did not stop within 120 s; its processes' stacks:\n{stacks}")
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    assert run.returncode == status, err
    assert err.strip().endswith("claimdesk: interrupted.") and "Traceback" not in err, err

    def left() -> list[str]:  # processes of the run's group still running (a zombie is already dead)
        table = subprocess.run(["ps", "-e", "-o", "pid=,pgid=,stat=,args="], capture_output=True, text=True)
        rows = [row.split(None, 3) for row in table.stdout.splitlines()]
        return [" ".join(r) for r in rows if r[1] == str(run.pid) and r[2][0] != "Z"]

    # multiprocessing's resource tracker ends when the run's end closes its pipe: a moment after the
    # run, when only the run's own process was signalled; it must end, however loaded the machine
    deadline = time.monotonic() + 60
    while left() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left() == []
    stopped = sqlite_utils.Database(output / "claims.db")["runs"].rows_where("status = 'failed'")
    (row,) = list(stopped)  # its row says what it stored before it stopped, as the articles show
    assert row["error"] and row["sentences"] > 0
    assert row["articles"] == sqlite_utils.Database(output / "claims.db")["articles"].count > 0

    again = subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    db = sqlite_utils.Database(output / "claims.db")
    assert db["articles"].count == 600
    assert sorted(p.name for p in (output / "records").iterdir() if p.suffix == ".jsonl") == sorted(
        f"{row['id']}.jsonl" for row in db["articles"].rows
    )


def test_the_flow_imported_as_a_library_sends_no_analytics_and_keeps_prefect_quiet() -> None:
    # claimdesk run sets these; a script calling run_with must not get Prefect's telemetry and noise
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k != "DO_NOT_TRACK"}
    probe = (
        "import claimdesk.flows.pipeline\n"
        "from prefect.settings import get_current_settings\n"
        "s = get_current_settings()\n"
        "print(s.server.analytics_enabled, s.logging.level)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "WARNING"]
    env["PREFECT_LOGGING_LEVEL"] = "DEBUG"  # the user's own setting wins
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "DEBUG"]
