"""Ingest: files and folders, encodings, stable ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimdesk.ingest import IngestError, Source, article_id, discover, read_article


def test_folders_are_read_recursively_and_bad_paths_reported(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "one.txt").write_text("One.", encoding="utf-8")
    (tmp_path / "a" / "b" / "two.txt").write_text("Two.", encoding="utf-8")
    (tmp_path / "a" / "b" / "image.png").write_bytes(b"\x89PNG")
    sources, problems = discover([tmp_path / "a", tmp_path / "missing.txt"])
    assert sorted(s.key for s in sources) == ["a/b/two.txt", "a/one.txt"]
    assert problems == [(str(tmp_path / "missing.txt"), "no such file or folder")]


def test_ids_are_stable_across_checkouts_and_distinct_per_source() -> None:
    assert article_id("seeds/000_x.txt") == article_id("seeds/000_x.txt")
    assert article_id("seeds/000_x.txt") != article_id("other/000_x.txt")
    assert article_id("seeds/000_x.txt").startswith("000-x-")


def test_utf8_with_bom_is_decoded_without_the_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffIran agreed.".encode())
    article = read_article(Source(path, "bom.txt"))
    assert article.text == "Iran agreed."
    assert article.encoding == "utf-8-sig"
    assert len(article.content_sha256) == 64


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty article"),
        (b"   \n\t", "empty article"),
        (b"\xff\xfe\x00bad", "not UTF-8"),
        (b"a\x00b", "binary data"),
    ],
)
def test_unreadable_articles_give_a_one_line_reason(tmp_path: Path, data: bytes, reason: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(IngestError, match=reason):
        read_article(Source(path, "bad.txt"))
