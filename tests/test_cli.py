"""The command line as a user meets it: help, version, checked arguments, one line per problem."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SEEDS, free_port

CLAIMDESK = str(Path(sys.executable).parent / "claimdesk")


def claimdesk(*args: str, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CLAIMDESK, *args], capture_output=True, text=True, check=False, cwd=cwd, timeout=timeout
    )


def test_bare_claimdesk_prints_help() -> None:
    result = claimdesk()
    assert result.returncode == 0
    assert result.stdout.startswith("usage: claimdesk")
    for command in ("run", "schedule", "rules", "eval", "ui", "export"):
        assert f"    {command} " in result.stdout


def test_version() -> None:
    from importlib.metadata import version

    result = claimdesk("--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"claimdesk {version('claimdesk')}")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["run", "--batch-size", "0"], "--batch-size: must be at least 1, not 0"),
        (["run", "--batch-size", "-1"], "--batch-size: must be at least 1, not -1"),
        (["run", "--batch-size", "many"], "--batch-size: not a whole number: 'many'"),
        (["run", "--wait", "-5"], "--wait: must be at least 0, not -5"),
        (["run", "--wait", "nan"], "--wait: not a number of seconds: 'nan' (a finite number is needed)"),
        (["run", "--wait", "inf"], "--wait: not a number of seconds: 'inf' (a finite number is needed)"),
        (["run", "--bogus"], "unrecognized arguments: --bogus"),  # said by `claimdesk run`, not `claimdesk`
        (["schedule", "--interval", "0"], "--interval: must be more than 0, not 0"),
        (["schedule", "--batch-size", "0"], "--batch-size: must be at least 1, not 0"),
        (["eval", "gold.jsonl", "--misses", "-1"], "--misses: must be 0 or more, not -1"),
        (["ui", "--port", "0"], "--port/-p: must be at least 1, not 0"),
        (["ui", "--port", "70000"], "--port/-p: not a port number (1-65535): 70000"),
        (["run", "--server", "127.0.0.1:4200/api"], "--server: not an http(s) URL: '127.0.0.1:4200/api'"),
        (
            ["run", "--server", "http://127.0.0.1:4200/api", "--temporary-server"],
            "argument --temporary-server: not allowed with argument --server",
        ),
    ],
)
def test_option_values_are_checked_up_front_in_one_line(args: list[str], says: str, tmp_path: Path) -> None:
    output = tmp_path / "out"
    result = claimdesk(*args, "--output", str(output)) if args[0] != "eval" else claimdesk(*args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and says in result.stderr, result.stderr
    assert f"(see claimdesk {args[0]} --help)" in result.stderr
    assert not output.exists()


@pytest.mark.parametrize("command", ["run", "schedule"])
def test_a_dask_address_without_the_dask_task_runner_is_a_usage_error(tmp_path: Path, command: str) -> None:
    output = tmp_path / "out"
    result = claimdesk(command, str(SEEDS), "--dask-address", "tcp://127.0.0.1:8786", "--output", str(output))
    assert result.returncode == 2
    assert result.stderr == "claimdesk: --dask-address needs --task-runner dask\n"
    assert not output.exists()


def test_a_dask_scheduler_that_does_not_answer_is_one_line_and_nothing_written(tmp_path: Path) -> None:
    """Like a Prefect server that does not answer: exit 2 before anything is read or written."""
    out = tmp_path / "out"
    result = claimdesk(
        "run", str(SEEDS), "-o", str(out), "--task-runner", "dask", "--dask-address", "tcp://127.0.0.1:9"
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("claimdesk: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (out / "claims.db").exists() and not (out / "records").exists()


def test_run_without_paths_reads_the_seeds_from_any_working_folder(tmp_path: Path) -> None:
    result = claimdesk("run", "--output", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Articles: 5 new" in result.stdout
    assert "claimdesk: no paths given: reading the sample articles in " in result.stderr, "says what it read"


def test_a_path_that_does_not_exist_is_a_usage_error_before_anything_starts(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = claimdesk("run", str(tmp_path / "nope"), "--output", str(out))
    assert (result.returncode, result.stderr) == (
        2,
        f"claimdesk: no such file or folder: {tmp_path / 'nope'}\n",
    )
    assert not out.exists(), "no Prefect server started, no empty database written"


def test_a_failed_source_is_one_line_and_counts_read_right(tmp_path: Path) -> None:
    article = tmp_path / "one.txt"
    article.write_text((SEEDS / sorted(os.listdir(SEEDS))[0]).read_text("utf-8"), "utf-8")
    unreachable = f"http://127.0.0.1:{free_port()}/story.html"  # nothing listens there
    result = claimdesk("run", str(article), unreachable, "--output", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr == "claimdesk: batch 1 stored (1 article so far)\nclaimdesk: 1 of 1 URL done\n", (
        "the summary says it all"
    )
    failed = [line for line in result.stdout.splitlines() if "failed:" in line]
    assert failed == [f"  failed: {unreachable}: cannot connect: [Errno 111] Connection refused"]
    assert "Tagged 1 article, " in result.stdout
    assert "Rejected 1 input or record: see" in result.stdout

    verbose = claimdesk("run", unreachable, "--output", str(tmp_path / "out2"), "--verbose")
    assert verbose.returncode == 1
    assert "Traceback (most recent call last)" in verbose.stderr
    assert "Tagged 0 articles, 0 sentences" in verbose.stdout


def test_an_unexpected_error_is_one_line_and_the_traceback_comes_with_verbose(tmp_path: Path) -> None:
    output = tmp_path / "out"
    (output / "metadata.yml").mkdir(parents=True)  # the run cannot finish
    result = claimdesk("run", str(SEEDS), "--output", str(output))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if " stored (" not in line]  # progress lines
    assert lines[0].startswith("claimdesk: run failed: IsADirectoryError: ")
    assert lines[1:] == ["claimdesk: run again with --verbose for the traceback."]
    verbose = claimdesk("run", str(SEEDS), "--output", str(output), "--verbose")
    assert "Traceback (most recent call last)" in verbose.stderr


def test_the_summary_points_only_at_what_exists(tmp_path: Path, capsys) -> None:
    """A run that stored nothing (an empty folder) does not point at a records folder that is not
    there; with a database it says how to open it (its rejects are there), without one it does not."""
    from claimdesk.cli import print_summary

    summary = {
        "output": str(tmp_path), "new": 0, "changed": 0, "unchanged": 0, "failed": 0, "articles": 0,
        "sentences": 0, "statuses": {}, "failures": [], "rejected": 0,
    }  # fmt: skip
    print_summary(summary)
    nothing = capsys.readouterr().out
    assert "Records:" not in nothing and " ui " not in nothing
    (tmp_path / "claims.db").touch()
    print_summary(summary)
    rejects_only = capsys.readouterr().out
    assert "Records:" not in rejects_only and f"ui --output {tmp_path}" in rejects_only
    (tmp_path / "records").mkdir()
    print_summary(summary)
    assert f"Records: {tmp_path / 'records'}/" in capsys.readouterr().out
