"""Which Prefect server a `claimdesk run` reports to: one already running when there is one
(`prefect server start --background` for its PREFECT_HOME, PREFECT_API_URL, --server), without
starting its own; a named server that does not answer stops the run; a stale pid file or
--temporary-server gives a temporary server. Real servers on loopback, started and stopped here."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import SEEDS, children, free_port
from tests.test_schedule import base_env

CLAIMDESK = str(Path(sys.executable).parent / "claimdesk")
PREFECT = str(Path(sys.executable).parent / "prefect")
SERVER_APP = "prefect.server.api.server:create_app"  # in the command line of every Prefect API server
WAIT_SECONDS = 300  # an upper bound for slow machines, not a timing assertion


@dataclass
class Background:
    """A server started with `prefect server start --background` for ``home``."""

    home: Path
    api: str
    pid: int


def healthy(api: str) -> bool:
    try:
        return httpx.get(f"{api}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def background_server(home: Path, wait: bool = True) -> Iterator[Background]:
    """`prefect server start --background` for ``home`` on a free loopback port, as the README says
    to keep one (analytics off); answering when ``wait``; `prefect server stop` afterwards."""
    port = free_port()
    env = base_env(home) | {"PREFECT_SERVER_API_PORT": str(port)}
    started = subprocess.run(
        [PREFECT, "server", "start", "--background", "--no-ui", "--analytics-off"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=WAIT_SECONDS,
    )
    assert started.returncode == 0, started.stdout + started.stderr
    server = Background(home, f"http://127.0.0.1:{port}/api", int((home / "server.pid").read_text()))
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while wait and not healthy(server.api):
            assert Path(f"/proc/{server.pid}").exists(), "the background server died while starting"
            assert time.monotonic() < deadline, "the background server never answered"
            time.sleep(0.5)
        yield server
    finally:
        subprocess.run([PREFECT, "server", "stop"], env=env, capture_output=True, check=False, timeout=60)
        for _ in range(300):  # an upper bound, not a timing assertion
            if not Path(f"/proc/{server.pid}").exists():
                break
            time.sleep(0.1)
        else:
            os.kill(server.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def background(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Background]:
    """The server the README tells users to keep, with its own PREFECT_HOME, for this module."""
    with background_server(tmp_path_factory.mktemp("background") / "prefect-home") as server:
        yield server


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    servers: dict[int, str]  # Prefect API servers the run started as its children


def claimdesk_run(tmp_path: Path, env: dict[str, str], *args: str) -> Run:
    """`claimdesk run ARGS`, watching the whole time for a Prefect server among its children (a
    temporary server lives for several seconds: this cannot miss one)."""
    out, err = tmp_path / f"stdout-{time.time_ns()}", tmp_path / f"stderr-{time.time_ns()}"
    servers: dict[int, str] = {}
    with out.open("w") as stdout, err.open("w") as stderr:
        run = subprocess.Popen([CLAIMDESK, "run", *args], env=env, stdout=stdout, stderr=stderr)
        deadline = time.monotonic() + WAIT_SECONDS
        try:
            while run.poll() is None:
                servers |= {pid: cmd for pid, cmd in children(run.pid).items() if SERVER_APP in cmd}
                assert time.monotonic() < deadline, "claimdesk run did not end"
                time.sleep(0.05)
        finally:
            if run.poll() is None:
                run.kill()
            run.wait()
    return Run(run.returncode, out.read_text(), err.read_text(), servers)


def flow_runs(api: str, output: Path) -> list[dict]:
    """The flow runs that server holds of `claimdesk run --output OUTPUT`."""
    found = httpx.post(
        f"{api}/flow_runs/filter",
        json={"flows": {"name": {"any_": ["claimdesk-run"]}}, "limit": 200},
        timeout=10,
    ).json()
    return [run for run in found if run["parameters"].get("output") == str(output)]


def test_a_run_uses_the_background_server_of_its_prefect_home_and_starts_none(
    background: Background, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    env = base_env(background.home)  # no PREFECT_API_URL: only the pid file says a server runs
    first = claimdesk_run(tmp_path, env, str(SEEDS), "--output", str(output))
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.servers == {}, "no server of its own"
    assert f"Prefect: the server at {background.api} (prefect server start --background)" in first.stdout
    assert "Articles: 5 new" in first.stdout
    assert [run["state_type"] for run in flow_runs(background.api, output)] == ["COMPLETED"]

    again = claimdesk_run(tmp_path, env, str(SEEDS), "--output", str(output))  # nothing to do
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.servers == {}
    assert "Articles: 0 new, 0 changed, 5 unchanged, 0 failed." in again.stdout
    assert [run["state_type"] for run in flow_runs(background.api, output)] == ["COMPLETED"] * 2
    assert Path(f"/proc/{background.pid}").exists(), "the run leaves a server it did not start running"


def test_prefect_api_url_or_server_names_the_server(background: Background, tmp_path: Path) -> None:
    output = tmp_path / "out"
    env = base_env(tmp_path / "home") | {"PREFECT_API_URL": background.api}  # a home with no pid file
    by_setting = claimdesk_run(tmp_path, env, str(SEEDS), "--output", str(output))
    assert by_setting.returncode == 0, by_setting.stdout + by_setting.stderr
    assert by_setting.servers == {}
    assert f"Prefect: the server at {background.api} (PREFECT_API_URL)" in by_setting.stdout
    assert len(flow_runs(background.api, output)) == 1

    nothing = f"http://127.0.0.1:{free_port()}/api"
    env = base_env(tmp_path / "home") | {"PREFECT_API_URL": nothing}
    by_option = claimdesk_run(tmp_path, env, str(SEEDS), "--output", str(output), "--server", background.api)
    assert by_option.returncode == 0, by_option.stdout + by_option.stderr
    assert by_option.servers == {}
    assert f"Prefect: the server at {background.api} (--server)" in by_option.stdout, "--server wins"
    assert len(flow_runs(background.api, output)) == 2


def test_a_url_set_in_the_prefect_profile_counts_as_prefect_api_url(
    background: Background, tmp_path: Path
) -> None:
    env = base_env(tmp_path / "home")
    configured = subprocess.run(
        [PREFECT, "config", "set", f"PREFECT_API_URL={background.api}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert configured.returncode == 0, configured.stdout + configured.stderr
    output = tmp_path / "out"
    run = claimdesk_run(tmp_path, env, str(SEEDS), "--output", str(output))
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.servers == {}
    assert f"Prefect: the server at {background.api} (PREFECT_API_URL)" in run.stdout
    assert len(flow_runs(background.api, output)) == 1


@pytest.mark.parametrize("named_by", ["PREFECT_API_URL", "--server"])
def test_a_named_server_that_does_not_answer_stops_the_run_before_anything_is_read(
    named_by: str, tmp_path: Path
) -> None:
    nothing = f"http://127.0.0.1:{free_port()}/api"  # nothing listens there
    env = base_env(tmp_path / "home")
    args = [str(SEEDS), "--output", str(tmp_path / "out")]
    if named_by == "--server":
        args += ["--server", nothing]
    else:
        env["PREFECT_API_URL"] = nothing
    run = claimdesk_run(tmp_path, env, *args)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1, run.stderr
    assert run.stderr.startswith(f"claimdesk: the Prefect server at {nothing} ({named_by}) does not answer")
    assert "--temporary-server" in run.stderr, "says how to run anyway"
    assert run.servers == {}, "no temporary server instead"
    assert not (tmp_path / "out").exists()


def test_a_stale_pid_file_is_said_and_a_temporary_server_used(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    gone = subprocess.Popen(["true"])
    gone.wait()
    (home / "server.pid").write_text(str(gone.pid))  # as a server that died (or a reboot) leaves it
    run = claimdesk_run(tmp_path, base_env(home), str(SEEDS), "--output", str(tmp_path / "out"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("Prefect: a temporary server, ")
    # the tip gives the command that keeps a server alive on a machine with no network
    assert "keep one running to skip that: prefect server start --background --analytics-off)" in run.stdout
    assert f"claimdesk: {home / 'server.pid'} names no running Prefect server (stale" in run.stderr
    assert len(run.servers) == 1
    assert not any(Path(f"/proc/{pid}").exists() for pid in run.servers), "stopped with the run"


def test_temporary_server_starts_one_even_when_one_is_running(background: Background, tmp_path: Path) -> None:
    output = tmp_path / "out"
    run = claimdesk_run(
        tmp_path, base_env(background.home), str(SEEDS), "--output", str(output), "--temporary-server"
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("Prefect: a temporary server, ")
    assert "keep one running" not in run.stdout, "no tip to start a server when one runs and was passed over"
    assert len(run.servers) == 1
    assert not any(Path(f"/proc/{pid}").exists() for pid in run.servers), "stopped with the run"
    # A temporary server keeps its records in PREFECT_HOME's database, the running server's too.
    assert [run["state_type"] for run in flow_runs(background.api, output)] == ["COMPLETED"]


def test_a_run_right_after_the_server_is_started_in_the_background_waits_for_it(tmp_path: Path) -> None:
    with background_server(tmp_path / "home", wait=False) as server:  # still starting
        output = tmp_path / "out"
        run = claimdesk_run(tmp_path, base_env(server.home), str(SEEDS), "--output", str(output))
        assert run.returncode == 0, run.stdout + run.stderr
        assert run.servers == {}, "waited for it rather than starting its own"
        assert f"Prefect: the server at {server.api} (prefect server start --background)" in run.stdout
        assert [run["state_type"] for run in flow_runs(server.api, output)] == ["COMPLETED"]
