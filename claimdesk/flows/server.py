"""Which Prefect API server a ``claimdesk run`` reports to, and a temporary one when there is none.

Starting a temporary server costs a run a few seconds (3 to 8 s), so a run uses a server that is already
running when there is one, in this order:

1. ``--server URL`` (``server=``), else
2. ``PREFECT_API_URL`` as Prefect resolves it (environment, then the active profile set with
   ``prefect config set``, ``prefect.toml``, ``.env``), else
3. the server ``prefect server start --background`` keeps for the current ``PREFECT_HOME``
   (``PREFECT_HOME/server.pid``, at the host and port that process listens on), else
4. a temporary server for this run alone (or when ``--temporary-server``, ``temporary=True``).

A server named by 1 or 2 that does not answer stops the run before anything is read
(``ServerDown``): the user asked for the run to be recorded there, and a silent temporary
server would both lose that record and cost the seconds they meant to save. A background server
whose process is gone (a stale pid file, after a reboot) is only a leftover: the run says so
in one line and starts a temporary server.

The temporary server is this run's own child with Linux's parent-death signal set
(``PR_SET_PDEATHSIG``), so the kernel kills it the moment the run ends, however it ends
(SIGKILL included); the run stops it itself on a normal exit. A server the run did not start
is never stopped by it.
"""

from __future__ import annotations

import ctypes
import importlib.util
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

PR_SET_PDEATHSIG = 1
STARTUP_SECONDS = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120"))
PID_FILE = "server.pid"  # what `prefect server start --background` writes in PREFECT_HOME
SERVER_APP = "prefect.server.api.server:create_app"

# Where the API a run reports to came from (printed in the run's summary).
FROM_OPTION = "--server"
FROM_SETTING = "PREFECT_API_URL"
FROM_BACKGROUND = "prefect server start --background"
KEEP_ONE_RUNNING = "prefect server start --background --analytics-off"
"""The command the summary suggests: without --analytics-off, Prefect 3.8's background server can
die on a machine with no network (see the README's "Keeping a Prefect server running")."""
TEMPORARY = "temporary"

log = logging.getLogger(__name__)


class ServerError(RuntimeError):
    """The temporary Prefect server would not start; the message says why."""


class ServerDown(ServerError):
    """The server the user named (``--server``, ``PREFECT_API_URL``) does not answer; nothing ran."""


@dataclass(frozen=True)
class PrefectServer:
    """The Prefect API a run reports to: its URL, where it came from, and what reaching it cost."""

    api: str
    source: str  # FROM_OPTION, FROM_SETTING, FROM_BACKGROUND or TEMPORARY
    startup_seconds: float = 0.0  # starting (temporary) or waiting for (background) the server
    asked: bool = False  # a temporary server the user asked for (--temporary-server): no tip

    @property
    def temporary(self) -> bool:
        return self.source == TEMPORARY

    def describe(self) -> str:
        """One line for the run's summary."""
        if self.temporary:
            said = f"Prefect: a temporary server, {self.startup_seconds:.1f} s to start, stopped"
            return said if self.asked else f"{said} (keep one running to skip that: {KEEP_ONE_RUNNING})"
        return f"Prefect: the server at {self.api} ({self.source})"


@contextmanager
def prefect_api(server: str | None = None, temporary: bool = False) -> Iterator[PrefectServer]:
    """Point Prefect at the server this run reports to (see the module's docstring for which) for
    the block; a temporary server is stopped when the block ends."""
    if temporary:
        with _temporary_server() as found:
            yield replace(found, asked=True)
        return
    api, source = (server, FROM_OPTION) if server else (_configured_api(), FROM_SETTING)
    if api:
        with _reporting_to(api):
            problem = _healthcheck()
            if problem is not None:
                raise ServerDown(
                    f"the Prefect server at {api} ({source}) does not answer ({_one_line(problem)}); "
                    "start it, or pass --temporary-server to run with a temporary one"
                )
            yield PrefectServer(api, source)
        return
    background = _background_server()
    if background is not None:
        pid, api = background
        start = time.monotonic()
        with _reporting_to(api):
            # just started (`prefect server start --background` returns at once): wait while it lives
            if _wait_until_healthy(api, lambda: _is_prefect_server(pid)):
                yield PrefectServer(api, FROM_BACKGROUND, time.monotonic() - start)
                return
        log.warning(
            "the background Prefect server (%s) did not answer at %s; starting a temporary one",
            _home() / PID_FILE,
            api,
        )
    with _temporary_server() as found:
        yield found


def _settings():
    from prefect.settings import get_current_settings

    return get_current_settings()


def _home() -> Path:
    return Path(_settings().home)


def _configured_api() -> str | None:
    """``PREFECT_API_URL`` wherever Prefect reads it from: environment, profile, prefect.toml, .env."""
    return _settings().api.url or None


def _background_server() -> tuple[int, str] | None:
    """(pid, API URL) of the server ``prefect server start --background`` started for this
    ``PREFECT_HOME``, when its pid file names a live Prefect server process; else None."""
    try:
        pid = int((_home() / PID_FILE).read_text().strip())
    except (OSError, ValueError):
        return None
    args = _cmdline(pid)
    if not args or SERVER_APP not in args:
        # a stale file (its process gone, the pid perhaps reused): say so, then run without it
        log.warning(
            "%s names no running Prefect server (stale; `prefect server stop` removes it); "
            "starting a temporary one",
            _home() / PID_FILE,
        )
        return None
    settings = _settings().server.api
    host = _option(args, "--host") or settings.host
    port = _option(args, "--port") or str(settings.port)
    return pid, f"http://{_connectable(host)}:{port}{settings.base_path or '/api'}"


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace").split("\0")
    except OSError:
        return []


def _is_prefect_server(pid: int) -> bool:
    return SERVER_APP in _cmdline(pid)


def _option(args: list[str], name: str) -> str | None:
    for flag, value in zip(args, args[1:], strict=False):
        if flag == name:
            return value
        if flag.startswith(name + "="):
            return flag.split("=", 1)[1]
    return None


def _connectable(host: str) -> str:
    """The address to reach a server listening on ``host`` (all interfaces: loopback)."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


@contextmanager
def _reporting_to(api: str) -> Iterator[None]:
    """Prefect's API URL is ``api`` for the block, here (Prefect's settings, read once at import,
    are refreshed) and in any process the run starts (the environment)."""
    from prefect.context import refresh_global_settings_context

    before = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = api
    refresh_global_settings_context()
    try:
        yield
    finally:
        _deliver_pending()
        if before is None:
            del os.environ["PREFECT_API_URL"]
        else:
            os.environ["PREFECT_API_URL"] = before
        refresh_global_settings_context()


def _healthcheck() -> Exception | None:
    """None when the API in Prefect's settings answers (with its auth), else what went wrong."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.api_healthcheck()


def _wait_until_healthy(api: str, alive: Callable[[], bool], seconds: float = STARTUP_SECONDS) -> bool:
    deadline = time.monotonic() + seconds
    while alive() and time.monotonic() < deadline:
        if healthy(api):
            return True
        time.sleep(0.1)
    return alive() and healthy(api)


def healthy(api: str) -> bool:
    """Whether the Prefect API at ``api`` answers its health check."""
    try:
        with urllib.request.urlopen(f"{api}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with(parent: int):
    """For ``preexec_fn``: the child gets SIGKILL when ``parent`` (the thread that started it) ends."""

    def arm() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(1)

    return arm


def _command(port: int) -> list[str]:
    spec = importlib.util.find_spec("prefect")
    app_dir = str(Path(spec.origin).parent.parent) if spec and spec.origin else "."
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        app_dir,
        "--factory",
        SERVER_APP,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "error",
        "--lifespan",
        "on",
    ]


@contextmanager
def _temporary_server() -> Iterator[PrefectServer]:
    """A Prefect API server for this run alone, stopped when the block ends and killed by the
    kernel if this process dies first."""
    env = {
        **os.environ,
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
    }
    env.pop("PREFECT_API_URL", None)
    start = time.monotonic()
    with tempfile.TemporaryFile() as output:
        for _ in range(5):  # another process may take the port between choosing and binding it
            port = _free_port()
            api = f"http://127.0.0.1:{port}/api"
            server = subprocess.Popen(
                _command(port),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                # its own session: the Ctrl-C a terminal sends to the run's process group must not
                # stop the server the run then reports its end to (it stops it itself, below)
                start_new_session=True,
                preexec_fn=_die_with(os.getpid()),  # noqa: PLW1509 (single-threaded here, by design)
            )
            if _wait_until_healthy(api, lambda server=server: server.poll() is None):
                break
            _stop(server)
        else:
            output.seek(0)
            tail = output.read().decode("utf-8", "replace").strip().splitlines()[-1:]
            raise ServerError(
                f"the temporary Prefect server would not start: {' '.join(tail) or 'no output'}"
            )
        try:
            with _reporting_to(api):
                yield PrefectServer(api, TEMPORARY, time.monotonic() - start)
        finally:
            _stop(server)


def _deliver_pending(timeout: float = 30) -> None:
    """Let Prefect's background workers send the run logs and events they still hold while the server
    is up (else they fail at exit, printing "Error logging to API" after the summary)."""
    if "prefect" not in sys.modules:
        return
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        worker.drain_all(timeout=timeout)


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
