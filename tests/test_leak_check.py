"""The suite's own leak check can fail: a session that leaves a process running ends failed,
names the process, and ends it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT

LEAKY = """
import subprocess


def test_leaves_a_process_behind(tmp_path):
    proc = subprocess.Popen(["sleep", "600"], start_new_session=True)
    (tmp_path.parent.parent / "leaked.pid").write_text(str(proc.pid))
"""


def test_a_session_that_leaves_a_process_running_fails(tmp_path: Path) -> None:
    folder = tmp_path / "leaky"
    folder.mkdir()
    (folder / "conftest.py").write_text("from tests.conftest import pytest_sessionfinish  # noqa: F401\n")
    (folder / "test_leaky.py").write_text(LEAKY)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(folder),
            "-q",
            "-p",
            "no:cacheprovider",
            "--basetemp",
            str(tmp_path / "t"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    pid = int((tmp_path / "leaked.pid").read_text())
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 passed" in result.stdout, "the test itself passed: only the leak failed the session"
    assert "processes started by the tests are still running (now killed):" in result.stderr
    assert f"  {pid}: sleep 600" in result.stderr
    for _ in range(100):  # killed by the check; reaped by init (an upper bound, not a timing assertion)
        if not Path(f"/proc/{pid}").exists():
            break
        time.sleep(0.1)
    assert not Path(f"/proc/{pid}").exists(), "the leaked process was ended"
