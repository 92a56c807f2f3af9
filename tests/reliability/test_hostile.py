"""Hostile inputs, generated here: each gets a one-line reason (or is decoded and its encoding kept),
and every good article in the same run is still processed."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SEEDS

CLAIMDESK = str(Path(sys.executable).parent / "claimdesk")
SEED_TEXT = (SEEDS / "003_c567fd4cabb8bb93.txt").read_text(encoding="utf-8")

HOSTILE: dict[str, bytes] = {
    "empty.txt": b"",
    "blank.txt": b"   \n\t\n  ",
    "image.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
    "nul.txt": b"Officials said\x00\x00 the plant\x00 closed.",
    "bad-utf8.txt": b"Officials said the caf\xc3\x28 closed \xff\xfe after the \xe9 raid.",
    "utf16-nobom.txt": "Officials said the plant closed on Monday.".encode("utf-16-le"),
    "long-line.txt": ("word " * 200_000).encode(),
    "dots.txt": b"." * 100_000,
    "nested.html": b"<html><body>" + b"<div>" * 5000 + b"Deep text said nothing." + b"<p><b><i>unclosed",
    "scripts.html": b"<html><head><script>var a = 1;</script></head>"
    b"<body><script>alert(1)</script></body></html>",
    "broken.json": b'{"title": "x", "text": "unterminated',
    "mixed.jsonl": (
        json.dumps({"id": "good-1", "title": "Good one", "text": "The ministry said the dam held."}).encode()
        + b"\n{not json at all\n"
        + json.dumps({"id": "good-2", "title": "Good two", "text": "Police denied the reports."}).encode()
        + b"\n"
    ),
}


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("hostile")
    shutil.copytree(SEEDS, corpus / "good")
    bad = corpus / "bad"
    bad.mkdir()
    for name, data in HOSTILE.items():
        (bad / name).write_bytes(data)
    (bad / "loop").symlink_to(bad, target_is_directory=True)  # a symlink loop
    (bad / "huge.txt").write_text((SEED_TEXT + "\n") * (50_000_000 // len(SEED_TEXT)), encoding="utf-8")
    output = corpus / "out"
    result = subprocess.run(
        [
            CLAIMDESK,
            "run",
            str(corpus / "good"),
            str(bad),
            str(corpus / "missing.txt"),
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    return result, output


def rows(output: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(output / "claims.db") as conn:
        return conn.execute(sql).fetchall()


def test_every_good_article_is_processed_and_the_exit_code_says_something_was_rejected(hostile_run) -> None:
    result, output = hostile_run
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    uris = {Path(u).name for (u,) in rows(output, "SELECT uri FROM articles")}
    assert {p.name for p in SEEDS.glob("*.txt")} <= uris
    assert rows(output, "SELECT count(*) FROM articles WHERE id LIKE 'good-%'")[0][0] == 2  # mixed.jsonl


@pytest.mark.parametrize(
    "name",
    [
        "empty.txt",
        "blank.txt",
        "image.txt",
        "nul.txt",
        "dots.txt",
        "scripts.html",
        "broken.json",
        "mixed.jsonl",
    ],
)
def test_each_bad_input_gets_a_one_line_reason(hostile_run, name: str) -> None:
    _, output = hostile_run
    reasons = [r for s, r in rows(output, "SELECT source, reason FROM rejects") if name in s]
    assert reasons, f"{name} was neither rejected nor reported"
    assert all(r and "\n" not in r for r in reasons)


def test_missing_path_is_reported(hostile_run) -> None:
    _, output = hostile_run
    assert ("no such file or folder",) in rows(
        output, "SELECT reason FROM rejects WHERE source LIKE '%missing.txt'"
    )


@pytest.mark.parametrize(("name", "encoding"), [("utf16-nobom.txt", "utf-16-le"), ("bad-utf8.txt", None)])
def test_text_in_other_encodings_is_decoded_with_its_encoding_kept_or_rejected(hostile_run, name, encoding):
    _, output = hostile_run
    found = rows(output, f"SELECT encoding, text FROM articles WHERE uri LIKE '%{name}'")
    rejected = rows(output, f"SELECT reason FROM rejects WHERE source LIKE '%{name}'")
    assert found or rejected
    if encoding and found:
        assert found[0][0] == encoding and "plant closed" in found[0][1]


def test_huge_and_unpunctuated_articles_are_tagged_whole(hostile_run) -> None:
    _, output = hostile_run
    for name in ("huge.txt", "long-line.txt"):
        ((count, text_length),) = rows(
            output, f"SELECT sentence_count, length(text) FROM articles WHERE uri LIKE '%{name}'"
        )
        assert count >= 1 and text_length > 900_000
    assert os.path.getsize(output / "claims.db") > 0
