"""A package that installs anywhere: the wheel (not the checkout) runs every command in a fresh venv."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS, free_port


def sh(*args: str | Path, cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, check=False, cwd=cwd, timeout=timeout
    )
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with claimdesk installed from its wheel (and constraints.txt), no checkout on its path."""
    work = tmp_path_factory.mktemp("package")
    source = work / "source"  # build from a copy, so the checkout gains no build/ folder
    shutil.copytree(
        ROOT, source, ignore=shutil.ignore_patterns(".venv", "output", ".git", "*.egg-info", "build")
    )
    sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", work / "dist", source, cwd=work)
    (wheel,) = (work / "dist").glob("claimdesk-*.whl")
    shutil.rmtree(source)
    venv = work / "venv"
    sh(sys.executable, "-m", "venv", venv, cwd=work)
    sh(
        venv / "bin" / "python",
        "-m",
        "pip",
        "install",
        "--quiet",
        "-c",
        ROOT / "constraints.txt",
        wheel,
        cwd=work,
    )
    return venv / "bin"


def test_the_wheel_ships_only_claimdesk_with_its_data(installed: Path, tmp_path: Path) -> None:
    code = (
        "import importlib.util as u, claimdesk, claimdesk.flows.pipeline;"
        "from importlib import resources as r;"
        "print(u.find_spec('flows'), claimdesk.__file__);"
        "print(sorted(p.name for p in r.files('claimdesk.jsonschemas').iterdir()))"
    )
    out = sh(installed / "python", "-c", code, cwd=tmp_path).stdout.splitlines()
    assert out[0].startswith("None ") and "site-packages" in out[0], "no top-level flows package installed"
    assert "sentence.schema.json" in out[1] and "sources.schema.json" in out[1]


def test_the_installed_commands_work_outside_the_checkout(installed: Path, tmp_path: Path) -> None:
    claimdesk = installed / "claimdesk"
    seeds = tmp_path / "articles"
    shutil.copytree(SEEDS, seeds)
    run = sh(claimdesk, "run", seeds, "--output", "out", cwd=tmp_path)
    assert "Articles: 5 new" in run.stdout
    check = sh(claimdesk, "rules", "check", cwd=tmp_path).stdout
    assert "site-packages/claimdesk/rules/default.yaml" in check and " 0 errors" in check
    shutil.copy(ROOT / "tests" / "data" / "dev.jsonl", tmp_path / "gold.jsonl")
    assert "macro-F1" in sh(claimdesk, "eval", "gold.jsonl", "--misses", "0", cwd=tmp_path).stdout
    sh(claimdesk, "export", "--output", "out", "--format", "csv", cwd=tmp_path)
    assert (tmp_path / "out" / "sentences.csv").read_text("utf-8").count("\n") > 100

    port = free_port()
    ui = subprocess.Popen(
        [str(claimdesk), "ui", "--output", "out", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        body = ""
        for _ in range(600):
            assert ui.poll() is None, "claimdesk ui exited"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/plugins.json", timeout=2) as r:
                    body = r.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert '"claimdesk"' in body, "the desk plugin is loaded from the installed package"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/claims/articles.json", timeout=10) as r:
            assert '"rows"' in r.read().decode()
    finally:
        ui.terminate()
        ui.wait(timeout=30)
