"""A temporary Prefect API server that lives exactly as long as the ``claimdesk run`` that needs it.

Without ``PREFECT_API_URL``, Prefect starts a temporary API server in a child process and
stops it at interpreter exit, which never comes when the run is killed: the server is
orphaned and keeps running. Here the run starts that server itself, as its own child with
Linux's parent-death signal set (``PR_SET_PDEATHSIG``), so the kernel kills the server the
moment the run ends, however it ends (SIGKILL included), and stops it itself on a normal exit.
With ``PREFECT_API_URL`` set, the run uses that server, which it does not own and leaves alone.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PR_SET_PDEATHSIG = 1
STARTUP_SECONDS = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120"))


class ServerError(RuntimeError):
    """The temporary Prefect server would not start; the message says why."""


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
        "prefect.server.api.server:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "error",
        "--lifespan",
        "on",
    ]


def _healthy(api: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def prefect_api() -> Iterator[str]:
    """Yield the API URL to use: ``PREFECT_API_URL`` when set, else a temporary server's, which is
    stopped when the block ends and killed by the kernel if this process dies first."""
    if os.environ.get("PREFECT_API_URL"):
        yield os.environ["PREFECT_API_URL"]
        return
    env = {
        **os.environ,
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
    }
    with tempfile.TemporaryFile() as log:
        for _ in range(5):  # another process may take the port between choosing and binding it
            port = _free_port()
            api = f"http://127.0.0.1:{port}/api"
            server = subprocess.Popen(
                _command(port),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with(os.getpid()),  # noqa: PLW1509 (single-threaded here, by design)
            )
            deadline = time.monotonic() + STARTUP_SECONDS
            while server.poll() is None and not _healthy(api) and time.monotonic() < deadline:
                time.sleep(0.1)
            if server.poll() is None and _healthy(api):
                break
            _stop(server)
        else:
            log.seek(0)
            tail = log.read().decode("utf-8", "replace").strip().splitlines()[-1:]
            raise ServerError(
                f"the temporary Prefect server would not start: {' '.join(tail) or 'no output'}"
            )
        os.environ["PREFECT_API_URL"] = api
        try:
            yield api
        finally:
            _deliver_pending()
            del os.environ["PREFECT_API_URL"]
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
