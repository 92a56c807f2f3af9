"""Ingest: files and folders, encodings, formats, stable ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimdesk.decode import decode
from claimdesk.ingest import Source, article_id, discover, read_files


def read_one(path: Path, key: str = "a.txt"):
    parsed = read_files([Source(str(path), key)])
    return parsed


def test_folders_are_read_recursively_and_bad_paths_reported(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "one.txt").write_text("One.", encoding="utf-8")
    (tmp_path / "a" / "b" / "two.html").write_text("<p>Two.</p>", encoding="utf-8")
    (tmp_path / "a" / "b" / "three.jsonl").write_text("{}", encoding="utf-8")
    (tmp_path / "a" / "b" / "image.png").write_bytes(b"\x89PNG")
    sources, problems = discover([tmp_path / "a", tmp_path / "missing.txt"])
    assert sorted(s.key for s in sources) == ["a/b/three.jsonl", "a/b/two.html", "a/one.txt"]
    assert problems == [(str(tmp_path / "missing.txt"), "no such file or folder")]


def test_folder_links_are_not_followed_and_a_linked_file_keeps_its_targets_id(tmp_path: Path) -> None:
    """A symlinked folder inside the one given is not walked (no loops, no file read twice); a
    symlinked file is read under its target's key; a broken link is skipped; and a folder reached
    through a link gives the ids it gives under its own name."""
    articles, elsewhere = tmp_path / "articles", tmp_path / "elsewhere"
    (articles / "sub").mkdir(parents=True)
    elsewhere.mkdir()
    (articles / "a.txt").write_text("A.", encoding="utf-8")
    (articles / "sub" / "b.txt").write_text("B.", encoding="utf-8")
    (elsewhere / "c.txt").write_text("C.", encoding="utf-8")
    (articles / "link.txt").symlink_to(elsewhere / "c.txt")
    (articles / "loop").symlink_to(articles, target_is_directory=True)
    (articles / "gone.txt").symlink_to(tmp_path / "nothing.txt")
    (tmp_path / "alias").symlink_to(articles, target_is_directory=True)

    sources, problems = discover([articles])
    assert problems == []
    assert [(Path(s.location).relative_to(articles).as_posix(), s.key) for s in sources] == [
        ("a.txt", "articles/a.txt"),
        ("link.txt", "elsewhere/c.txt"),
        ("sub/b.txt", "articles/sub/b.txt"),
    ]
    through_link, _ = discover([tmp_path / "alias"])
    assert [s.key for s in through_link] == [s.key for s in sources]


def test_urls_are_sources_and_the_same_file_twice_is_read_once(tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_text("One.", encoding="utf-8")
    sources, problems = discover(["http://127.0.0.1:9/a.html", tmp_path / "one.txt", tmp_path])
    assert problems == []
    assert [s.key for s in sources] == ["http://127.0.0.1:9/a.html", "one.txt"]
    assert sources[0].is_url and not sources[1].is_url


def test_ids_are_stable_across_checkouts_and_distinct_per_source() -> None:
    assert article_id("seeds/000_x.txt") == article_id("seeds/000_x.txt")
    assert article_id("seeds/000_x.txt") != article_id("other/000_x.txt")
    assert article_id("seeds/000_x.txt").startswith("000-x-")
    assert article_id("https://news.example/2025/01/story.html?x=1").startswith("story-html-")
    assert article_id("feeds/a.json#item-7").startswith("item-7-")


def test_utf8_with_bom_is_decoded_without_the_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffIran agreed.".encode())
    (article,) = read_one(path, "bom.txt").articles
    assert article.text == "Iran agreed."
    assert article.encoding == "utf-8-sig"
    assert len(article.content_sha256) == 64


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        ("Café owners said “prices rose” – sharply.".encode("cp1252"), "“prices rose” – sharply", "cp1252"),
        ("Café owners said prices rose in Zürich.".encode("latin-1"), "Café owners said prices", "cp1252"),
        ("Iran’s envoy said “no”.".encode("utf-16"), "Iran’s envoy said “no”.", "utf-16"),
        ("Iran’s envoy said “no”.".encode("utf-16-be"), "Iran’s envoy said “no”.", "utf-16-be"),
        ("Лавров заявил, что Москва отвергает эти обвинения.".encode("cp1251"), "Москва отвергает", "cp1251"),
        ("Der Minister sagte, die Vorwürfe seien „völlig haltlos“.".encode("cp1252"), "„völlig", "cp1252"),
    ],
)
def test_other_encodings_are_detected_and_recorded(data: bytes, text: str, encoding: str) -> None:
    decoded, found = decode(data)
    assert text in decoded
    assert found == encoding


def test_a_declared_charset_wins_over_guessing() -> None:
    assert decode("Ça va".encode("latin-1"), "iso-8859-1") == ("Ça va", "iso8859-1")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty article"),
        (b"   \n\t", "empty article"),
        (b"\x00\x01\x02\x03\xff\xfe\x00\x89PNG\x00\x00", "not text"),
        (b"a\x00b", "binary data"),
    ],
)
def test_unreadable_articles_give_a_one_line_reason(tmp_path: Path, data: bytes, reason: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    parsed = read_one(path)
    assert parsed.articles == []
    ((where, why),) = parsed.failures
    assert where == str(path) and reason in why and "\n" not in why


def test_json_and_json_lines_of_articles_keep_their_fields_and_report_bad_items(tmp_path: Path) -> None:
    items = [
        {"url": "https://news.example/a", "title": "A", "text": "Iran denied it.", "outlet": "Example"},
        {"id": "42", "text": "Moscow agreed.", "published": "2025-01-17"},
        {"title": "no text"},
    ]
    (tmp_path / "a.json").write_text(json.dumps(items), encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(
        json.dumps(items[1] | {"id": "43"}) + "\nnot json\n" + json.dumps({"text": "no id"}) + "\n",
        encoding="utf-8",
    )
    parsed = read_files(
        [Source(str(tmp_path / "a.json"), "a.json"), Source(str(tmp_path / "b.jsonl"), "b.jsonl")]
    )
    by_uri = {a.uri: a for a in parsed.articles}
    first = by_uri["https://news.example/a"]
    assert (first.title, first.outlet, first.text) == ("A", "Example", "Iran denied it.")
    assert [a.id.split("-")[0] for a in parsed.articles] == ["a", "42", "43"]
    assert parsed.articles[1].published == "2025-01-17"
    reasons = sorted(reason for _, reason in parsed.failures)
    assert reasons == [
        "item 3: no text",  # the third item, counted from 1 as lines are
        "line 2: invalid JSON: Expecting value",
        "line 3: needs a url or an id",
    ]


def test_an_outlet_given_for_the_source_is_recorded(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Iran denied it.", encoding="utf-8")
    (article,) = read_files([Source(str(tmp_path / "a.txt"), "a.txt", outlet="Tehran Times")]).articles
    assert article.outlet == "Tehran Times"


def test_a_feed_entry_linking_a_plain_text_page_reads_it_as_text() -> None:
    """A linked page served as text/plain is read as the same URL given directly would be, not
    run through the HTML extractor (which finds "no article text" in it)."""
    from claimdesk.ingest import Link, Payload, page

    body = "Harbour reopens\nThe port authority said the harbour reopened on Monday.\n"
    link = Link(
        "http://news.example/story.txt", "feed#1", "Harbour reopens", "A. Writer", "2025-01-17", "Wire"
    )
    article = page(link, Payload(body.encode(), "text/plain", "utf-8", link.url))
    assert article.text == body
    assert (article.title, article.author, article.outlet, article.uri) == (
        "Harbour reopens",
        "A. Writer",
        "Wire",
        "http://news.example/story.txt",
    )


def test_a_markdown_article_is_read_as_the_text_a_reader_sees(tmp_path: Path) -> None:
    """A ".md" file's "#" heading is its title, without the mark; emphasis marks and link
    addresses are no part of any sentence."""
    path = tmp_path / "trial.md"
    path.write_text(
        "# New vaccine trial shows promise\n\n"
        "The **health ministry** said on Monday that the trial\nwould be widened.\n\n"
        "- Read the [full report](https://example.org/report) here.\n"
    )
    (article,) = read_one(path, "trial.md").articles
    assert article.title == "New vaccine trial shows promise"
    assert article.text.splitlines() == [
        "New vaccine trial shows promise",
        "The health ministry said on Monday that the trial would be widened.",
        "Read the full report here.",
    ]


def test_a_file_of_urls_given_as_an_article_is_refused_with_how_to_fetch_them(tmp_path: Path) -> None:
    # it was stored as one "confirmed" sentence made of the addresses
    listed = tmp_path / "urls.txt"
    listed.write_text("# my watch list\nhttps://a.example/1\n\nhttps://b.example/2 # b\n", encoding="utf-8")
    parsed = read_one(listed)
    assert parsed.articles == []
    assert parsed.failures == [
        (
            str(listed),
            "a list of URLs, not an article: to fetch them, give them as arguments or list the file as "
            "url_list: in a sources.yaml",
        )
    ]
    prose = tmp_path / "story.txt"
    prose.write_text("The harbour reopened on Monday.\nhttps://harbour.example/notice\n", encoding="utf-8")
    assert len(read_one(prose).articles) == 1  # an article that ends with its link is an article
