"""The code stays ruff clean: lint and format are part of the suite, not a separate habit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

RUFF = str(Path(sys.executable).parent / "ruff")
PATHS = ["claimdesk", "flows", "tests", "benchmarks"]


def test_ruff_check_is_clean() -> None:
    result = subprocess.run([RUFF, "check", *PATHS], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_ruff_format_is_clean() -> None:
    result = subprocess.run(
        [RUFF, "format", "--check", *PATHS], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout
