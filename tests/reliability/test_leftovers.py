"""Nothing outlives its run: a `claimdesk run` killed with SIGKILL takes its temporary Prefect server
with it, and the suite itself fails if any process it started is still running at its end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import SEEDS, children, marked_processes

CLAIMDESK = str(Path(sys.executable).parent / "claimdesk")
WAIT_SECONDS = 120  # an upper bound for slow machines, not a timing assertion


def wait_until(check, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def test_a_killed_run_takes_its_temporary_prefect_server_with_it(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    texts = [p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    for n in range(200):
        (corpus / f"a{n:03d}.txt").write_text(f"Report {n}.\n" + texts[n % len(texts)], "utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    run = subprocess.Popen(
        [CLAIMDESK, "run", str(corpus), "--output", str(tmp_path / "out")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        servers = wait_until(
            lambda: [pid for pid, cmd in children(run.pid).items() if "uvicorn" in cmd],
            "the temporary server",
        )
    finally:
        run.send_signal(signal.SIGKILL)  # the run only, not its process group
        run.wait()
    wait_until(
        lambda: not any(Path(f"/proc/{pid}").exists() and pid in marked_processes() for pid in servers),
        "the orphaned server to go",
    )
