"""Scheduled runs against a real Prefect server on loopback, started and stopped by the tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import sqlite_utils

from tests.conftest import SEEDS

CLAIMDESK = str(Path(sys.executable).parent / "claimdesk")
PREFECT = str(Path(sys.executable).parent / "prefect")
WAIT_SECONDS = 180  # an upper bound for slow machines, not a timing assertion


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(process: subprocess.Popen, first: int = signal.SIGINT, grace: float = 30) -> bool:
    """Ask a process group to stop, then make sure it has; whether it stopped when asked."""
    if process.poll() is None:
        os.killpg(process.pid, first)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
            return False
    return True


def started(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """``command`` in a process group of its own (so ``stop`` reaches all of it), its output in ``log``."""
    with log.open("w") as out:
        return subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_for(check: Callable[[], object], what: str, process: subprocess.Popen, log: Path) -> object:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        if process.poll() is not None:
            pytest.fail(
                f"process ended (status {process.returncode}) before {what}:\n{log.read_text()[-3000:]}"
            )
        time.sleep(0.5)
    pytest.fail(f"gave up waiting for {what}:\n{log.read_text()[-3000:]}")


def base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_LOGGING_LEVEL="WARNING"
    )
    return env


@pytest.fixture()
def prefect_server(tmp_path: Path) -> Iterator[str]:
    """``prefect server start`` on a free loopback port, with its own database; stopped afterwards."""
    port = free_port()
    env = base_env(tmp_path / "server-home") | {
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "1",
        "PREFECT_UI_ENABLED": "false",
    }
    log = tmp_path / "server.log"
    command = [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui"]
    server = started(command, env, log)
    api = f"http://127.0.0.1:{port}/api"

    def healthy() -> bool:
        try:
            return httpx.get(f"{api}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(healthy, "the Prefect server to answer", server, log)
        yield api
    finally:
        stop(server, signal.SIGTERM)


def test_schedule_refuses_without_a_prefect_server(tmp_path: Path) -> None:
    result = subprocess.run(
        [CLAIMDESK, "schedule", str(SEEDS), "--interval", "5", "--output", str(tmp_path / "out")],
        env=base_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 2
    assert "PREFECT_API_URL is not set" in result.stderr
    assert "prefect server start" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_schedule_refuses_a_bad_cron_expression_before_asking_for_a_server(tmp_path: Path) -> None:
    """A usage error, exit 2 in one line, even with no Prefect server to ask (it was exit 1, after
    the server had been asked, as Prefect's own validation error)."""
    result = subprocess.run(
        [
            CLAIMDESK,
            "schedule",
            str(SEEDS),
            "--cron",
            "every five minutes",
            "--output",
            str(tmp_path / "out"),
        ],
        env=base_env(tmp_path / "home") | {"PREFECT_API_URL": "http://127.0.0.1:9/api"},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "--cron 'every five minutes'" in result.stderr and "Invalid cron string" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_scheduled_run_tags_an_article_dropped_into_the_watched_folder(
    prefect_server: str, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    first, second = sorted(SEEDS.glob("*.txt"))[:2]
    (inbox / first.name).write_text(first.read_text(encoding="utf-8"), encoding="utf-8")
    config = tmp_path / "sources.yaml"
    config.write_text("sources:\n  - folder: inbox\n    outlet: Inbox Daily\n", encoding="utf-8")
    output = tmp_path / "out"
    env = base_env(tmp_path / "home") | {
        "PREFECT_API_URL": prefect_server,
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
    }
    log = tmp_path / "schedule.log"
    served = started(
        [CLAIMDESK, "schedule", "--sources", str(config), "--interval", "2", "--output", str(output)]
        + ["--task-runner", "threads"],
        env,
        log,
    )
    try:

        def runs() -> list[dict]:
            if not (output / "claims.db").exists():
                return []
            db = sqlite_utils.Database(output / "claims.db")
            if "runs" not in db.table_names() or "new" not in db["runs"].columns_dict:
                return []
            return list(db.query("SELECT * FROM runs WHERE finished_at IS NOT NULL ORDER BY started_at"))

        wait_for(
            lambda: any(r["new"] == 1 for r in runs()),
            "a scheduled run to tag the first article",
            served,
            log,
        )
        wait_for(
            lambda: any(r["unchanged"] == 1 and r["new"] == 0 for r in runs()),
            "a run with nothing new",
            served,
            log,
        )

        dropped = inbox / "dropped.txt"
        dropped.write_text(second.read_text(encoding="utf-8"), encoding="utf-8")

        def tagged() -> list[dict]:
            db = sqlite_utils.Database(output / "claims.db")
            return list(
                db.query(
                    "SELECT s.status FROM sentences s JOIN articles a ON a.id = s.article_id WHERE a.uri = ?",
                    [str(dropped)],
                )
            )

        statuses = wait_for(tagged, "a scheduled run to tag the dropped article", served, log)
        assert any(row["status"] for row in statuses)
        # The article's rows are committed before its run is marked finished: wait for that run.
        wait_for(
            lambda: any(r["new"] == 1 and r["unchanged"] == 1 for r in runs()),
            "the run that picked up only the new file to finish",
            served,
            log,
        )
        db = sqlite_utils.Database(output / "claims.db")
        assert {a["outlet"] for a in db["articles"].rows} == {"Inbox Daily"}

        found = httpx.post(
            f"{prefect_server}/flow_runs/filter",
            json={"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}, "limit": 50},
            timeout=10,
        ).json()
        assert found and all(run["deployment_id"] for run in found), "runs came from the deployment"
        assert {run["parameters"]["sources"] for run in found} == {str(config)}
        assert {run["parameters"]["task_runner"] for run in found} == {"threads"}  # as the option said
        # the serving terminal says when each run ends and what it did (the line comes a moment after
        # the run's row is marked finished, so it is waited for before Ctrl-C)
        for line in (
            "claimdesk: claimdesk-scheduled run 1 new, 0 changed, 0 unchanged, 0 failed;",
            "claimdesk: claimdesk-scheduled run 1 new, 0 changed, 1 unchanged, 0 failed;",
        ):
            wait_for(lambda line=line: line in log.read_text(), f"the line {line!r}", served, log)
        assert stop(served), "Ctrl-C stops the schedule"  # SIGINT to the group, as a terminal sends it
        assert served.returncode == 0
        assert "schedule stopped" in log.read_text()
        deployments = httpx.post(f"{prefect_server}/deployments/filter", json={}, timeout=10).json()
        assert [d["paused"] for d in deployments] == [True], "no runs are scheduled while nobody serves"
    finally:
        stop(served)


def test_a_scheduled_run_that_finds_the_output_locked_is_recorded_failed(
    prefect_server: str, tmp_path: Path
) -> None:
    from claimdesk.lock import output_lock

    output = tmp_path / "out"
    env = base_env(tmp_path / "home") | {
        "PREFECT_API_URL": prefect_server,
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
    }
    log = tmp_path / "schedule.log"
    with output_lock(output):  # a run by hand is writing to the folder
        command = [CLAIMDESK, "schedule", str(SEEDS), "--interval", "2", "--output", str(output)]
        served = started(command, env, log)
        try:

            def failed() -> list[dict]:
                return httpx.post(
                    f"{prefect_server}/flow_runs/filter",
                    json={"flow_runs": {"state": {"type": {"any_": ["FAILED"]}}}, "limit": 5},
                    timeout=10,
                ).json()

            runs = wait_for(failed, "a scheduled run to end Failed", served, log)
            said = "claimdesk: claimdesk-scheduled run failed: RunLocked: "  # a failed run is said too
            wait_for(lambda: said in log.read_text(), "the line saying the run failed", served, log)
            # A service manager stops it with SIGTERM: it says so, exits 0, and pauses its schedule
            # so that the server does not pile up runs nobody will pick up.
            assert stop(served, signal.SIGTERM)
            assert served.returncode == 0
            said = log.read_text()
            assert "schedule stopped" in said
            assert "never awaited" not in said and "RuntimeWarning" not in said
            deployments = httpx.post(f"{prefect_server}/deployments/filter", json={}, timeout=10).json()
            assert [d["paused"] for d in deployments] == [True]
        finally:
            stop(served)
    assert "another claimdesk run is writing to" in runs[0]["state"]["message"]
    completed = httpx.post(
        f"{prefect_server}/flow_runs/filter",
        json={"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}, "limit": 5},
        timeout=10,
    ).json()
    assert completed == [], "no run that found the folder locked reports Completed"
    assert not (output / "claims.db").exists()


def test_a_second_schedule_under_a_served_name_is_refused_and_another_name_serves_beside_it(
    prefect_server: str, tmp_path: Path
) -> None:
    """Two `claimdesk schedule`s under one deployment name would overwrite each other's sources on
    the server; the second is refused, and under its own --name both are served."""
    env = base_env(tmp_path / "home") | {
        "PREFECT_API_URL": prefect_server,
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
    }
    log = tmp_path / "first.log"
    first = started(
        [CLAIMDESK, "schedule", str(SEEDS), "--interval", "3600", "--output", str(tmp_path / "one")], env, log
    )
    second = None
    try:

        def deployments() -> dict[str, dict]:
            found = httpx.post(f"{prefect_server}/deployments/filter", json={}, timeout=10).json()
            return {d["name"]: d for d in found}

        wait_for(
            lambda: deployments().get("claimdesk-scheduled", {}).get("status") == "READY",
            "the first schedule to be served",
            first,
            log,
        )
        refused = subprocess.run(
            [CLAIMDESK, "schedule", str(SEEDS), "--interval", "60", "--output", str(tmp_path / "two")],
            env=env,
            capture_output=True,
            text=True,
            timeout=WAIT_SECONDS,
            check=False,
        )
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "claimdesk-run/claimdesk-scheduled is already served" in refused.stderr
        assert "--name" in refused.stderr, "says how to serve both"
        assert deployments()["claimdesk-scheduled"]["parameters"]["output"] == str(tmp_path / "one")

        log2 = tmp_path / "second.log"
        second = started(
            [CLAIMDESK, "schedule", str(SEEDS), "--interval", "60", "--output", str(tmp_path / "two")]
            + ["--name", "second-desk"],
            env,
            log2,
        )
        wait_for(
            lambda: deployments().get("second-desk", {}).get("status") == "READY",
            "the second schedule to be served",
            second,
            log2,
        )
        served = deployments()
        assert served["claimdesk-scheduled"]["parameters"]["output"] == str(tmp_path / "one")
        assert served["second-desk"]["parameters"]["output"] == str(tmp_path / "two")
        assert stop(second) and second.returncode == 0
        assert deployments()["second-desk"]["paused"] and not deployments()["claimdesk-scheduled"]["paused"]
    finally:
        stop(first)
        if second is not None:
            stop(second)
