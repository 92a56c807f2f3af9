"""Exports other tools can load: Web Annotation JSON-LD that validates and anchors back to the
exact text, and CSV / JSON Lines with one row per sentence."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from claimdesk import schemas
from claimdesk.export import ExportError, annotation, export
from tests.conftest import HOSTILE_ARTICLE, ROOT, WIDE_ARTICLE, build_desk

CLAIMDESK = str(Path(sys.executable).parent / "claimdesk")


@pytest.fixture(scope="module")
def output(tmp_path_factory, rules) -> Path:
    out = tmp_path_factory.mktemp("export")
    build_desk(out, rules, {"hostile.txt": HOSTILE_ARTICLE, "wide.txt": WIDE_ARTICLE})
    return out


@pytest.fixture(scope="module")
def collection(output: Path) -> dict:
    path = export(output, "web-annotation")
    assert path == output / "annotations.jsonld"
    return json.loads(path.read_text(encoding="utf-8"))


def db_rows(output: Path, sql: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(output / "claims.db")
    conn.row_factory = sqlite3.Row
    return conn.execute(sql).fetchall()


def test_web_annotation_export_validates_with_an_independent_validator(output, collection) -> None:
    assert schemas.errors("web-annotation", collection) == []
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [
            str(checker),
            "--schemafile",
            str(ROOT / "schemas" / "web-annotation.schema.json"),
            str(output / "annotations.jsonld"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_rejects_what_other_tools_could_not_anchor(collection) -> None:
    broken = json.loads(json.dumps(collection))
    target = broken["first"]["items"][0]["target"]
    target["selector"][0].pop("exact")
    target["selector"][1]["start"] = -1
    broken["first"]["items"][1].pop("target")
    errors = schemas.errors("web-annotation", broken)
    assert any(e.startswith("first/items/0/target") for e in errors)
    assert any(e.startswith("first/items/1") and "'target' is a required property" in e for e in errors)


def test_a_page_s_annotation_targets_the_text_read_within_the_page(collection) -> None:
    # The offsets index the article text extracted from a page, not the page: a client anchoring
    # them on the URL landed on its menu. The text is the source, the page its scope.
    sentence = {
        "id": "s1",
        "article_id": "a1",
        "start": 0,
        "end": 11,
        "status": "alleged",
        "attributed_to": None,
        "source_type": None,
        "decided_by": "reporting-verb",
        "claim_id": "c1",
    }
    item = annotation(sentence, "Ports shut, officials said.", "https://news.example/port")
    assert item["target"]["source"] == "urn:claimdesk:article:a1"
    assert item["target"]["scope"] == "https://news.example/port"
    assert item["target"]["selector"][0]["exact"] == "Ports shut,"
    assert {"type": "SpecificResource", "source": "urn:claimdesk:claim:c1", "purpose": "identifying"} in item[
        "body"
    ]
    page = json.loads(json.dumps(collection))
    page["first"]["items"] = [item]
    assert schemas.errors("web-annotation", page) == []
    # the model gives a purpose only to a SpecificResource or a TextualBody (W3C's test 3.3.5)
    item["body"][-1] = {"id": "urn:claimdesk:claim:c1", "purpose": "identifying"}
    assert any(e.startswith("first/items/0/body") for e in schemas.errors("web-annotation", page))


def test_every_claim_is_one_annotation_with_its_status(output, collection) -> None:
    claims = {r["id"]: r for r in db_rows(output, "select * from sentences where status is not null")}
    items = collection["first"]["items"]
    assert collection["total"] == len(items) == len(claims)
    for item in items:
        sentence = claims[item["id"].removeprefix("urn:claimdesk:annotation:")]
        classifying = [b["value"] for b in item["body"] if b["purpose"] == "classifying"]
        assert classifying == [sentence["status"]]
        if sentence["attributed_to"]:
            assert any(
                sentence["attributed_to"] in b["value"] for b in item["body"] if b["purpose"] == "describing"
            )


def test_selectors_round_trip_to_the_article_text(output, collection) -> None:
    """Every quote equals the article text at its position (code points), with matching context."""
    texts = {
        f"urn:claimdesk:article:{r['id']}": r["text"]
        for r in db_rows(output, "select id, text from articles")
    }
    wide = 0
    for item in collection["first"]["items"]:
        text = texts[item["target"]["source"]]
        quote, position = item["target"]["selector"]
        assert (quote["type"], position["type"]) == ("TextQuoteSelector", "TextPositionSelector")
        start, end = position["start"], position["end"]
        assert text[start:end] == quote["exact"]
        assert text[:start].endswith(quote["prefix"]) and text[end:].startswith(quote["suffix"])
        wide += any(ord(c) > 0xFFFF for c in text[:end])
    assert wide, "no quote after a character outside the BMP: code-point offsets went untested"


def test_hostile_text_survives_the_export_unchanged(output, collection) -> None:
    quotes = [i["target"]["selector"][0]["exact"] for i in collection["first"]["items"]]
    assert "Harbour fire <script>window.__pwned = 'script'; alert('script')</script> breaks out" in quotes


def test_cli_exports_csv_and_jsonl_one_row_per_sentence(output) -> None:
    count = db_rows(output, "select count(*) as n from sentences")[0]["n"]
    result = subprocess.run(
        [CLAIMDESK, "export", "--output", str(output), "--format", "csv", "--file", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(table) == count
    denied = next(r for r in table if r["text"].startswith("Tehran has denied"))
    assert (denied["status"], denied["attributed_to"]) == ("denied", "Tehran")
    assert "denial-verb" in denied["cues"].split(";")  # the rule that decided is listed
    assert {r["quoted"] for r in table} == {"true", "false"}  # JSON's words, as a spreadsheet reads them

    result = subprocess.run(
        [CLAIMDESK, "export", "-o", str(output), "-f", "jsonl"], capture_output=True, text=True, check=True
    )
    assert f"Wrote {output / 'sentences.jsonl'}" in result.stderr
    lines = [
        json.loads(line) for line in (output / "sentences.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert len(lines) == count
    assert all(isinstance(r["cues"], list) and isinstance(r["quoted"], bool) for r in lines)


@pytest.mark.parametrize(
    ("fmt", "kind"), [("jsonl", "exported-sentence"), ("claims-jsonl", "exported-claim")]
)
def test_json_lines_exports_validate_against_their_published_schemas(output, tmp_path, fmt, kind) -> None:
    """A consumer can rely on schemas/ alone: every line of each JSON Lines export passes an
    independent validator (check-jsonschema) run on the published file."""
    path = export(output, fmt, tmp_path / f"{fmt}.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines
    for n, line in enumerate(lines):
        (tmp_path / f"{n}.json").write_text(line, encoding="utf-8")
    checker = Path(sys.executable).parent / "check-jsonschema"
    schema = ROOT / "schemas" / f"{kind}.schema.json"
    files = [str(tmp_path / f"{n}.json") for n in range(len(lines))]
    result = subprocess.run(
        [str(checker), "--schemafile", str(schema), *files], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_export_that_would_break_its_schema_is_refused_and_the_last_one_kept(output, tmp_path) -> None:
    """A row the schema refuses (here a status no reader expects, written into a copy of the
    database) stops the export with what is wrong; the file already there stays whole."""
    copy = tmp_path / "broken"
    copy.mkdir()
    target = copy / "sentences.jsonl"
    target.write_text("the last export\n", encoding="utf-8")
    # SQLite's own copy: copying the files of a database this process has open would drop its locks
    source, conn = sqlite3.connect(output / "claims.db"), sqlite3.connect(copy / "claims.db")
    source.backup(conn)
    source.close()
    conn.execute("update sentences set status = 'probably' where id = (select min(id) from sentences)")
    conn.commit()
    conn.close()
    with pytest.raises(
        ExportError, match=r"exported-sentence '.+:0000' does not match its schema: .*probably"
    ):
        export(copy, "jsonl")
    assert target.read_text(encoding="utf-8") == "the last export\n"


def test_cli_export_without_a_database_says_what_to_do(tmp_path: Path) -> None:
    result = subprocess.run(
        [CLAIMDESK, "export", "-o", str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2 and "claimdesk run" in result.stderr
    assert not (tmp_path / "claims.db").exists()


def test_pointing_export_and_ui_at_the_database_file_says_to_give_its_folder(output) -> None:
    """``-o output/claims.db`` is a natural slip: the message says which folder to give instead."""
    from claimdesk.ui import DeskError, datasette_args

    for args in (
        ["export", "-o", str(output / "claims.db"), "--file", "-"],
        ["ui", "-o", str(output / "claims.db")],
    ):
        result = subprocess.run([CLAIMDESK, *args], capture_output=True, text=True, check=False, timeout=60)
        assert result.returncode == 2
        assert f"is the database itself: give the folder that holds it ({output}/)" in result.stderr
    with pytest.raises(DeskError, match="give the folder that holds it"):
        datasette_args(output / "claims.db")


def test_cli_export_to_a_folder_that_does_not_exist_says_so_in_one_line(output, tmp_path: Path) -> None:
    target = tmp_path / "no such folder" / "sentences.csv"
    result = subprocess.run(
        [CLAIMDESK, "export", "-o", str(output), "-f", "csv", "--file", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert f"cannot write {target}" in result.stderr and "Traceback" not in result.stderr


def test_a_failed_export_leaves_the_last_one_whole(output, tmp_path: Path) -> None:
    """An export cut short (here by a file-size limit, as a full disk would) keeps the file it was
    to replace as it was, and leaves no part-written file beside it."""
    import resource

    target = tmp_path / "sentences.csv"
    command = [CLAIMDESK, "export", "-o", str(output), "-f", "csv", "--file", str(target)]
    subprocess.run(command, capture_output=True, check=True)
    before = target.read_bytes()
    limit = len(before) // 2

    # The limit holds for every file the export writes, SQLite's 32 KB shared-memory file of the
    # WAL database too: a reader here keeps that file in place (as a desk serving the database
    # would), so that only the export's own file meets the limit.
    reader = sqlite3.connect(output / "claims.db")
    reader.execute("select count(*) from sentences").fetchone()
    try:
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            check=False,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)),
        )
    finally:
        reader.close()
    assert result.returncode == 2 and f"cannot write {target}" in result.stderr
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["sentences.csv"]


def test_exports_and_metadata_are_readable_as_files_written_with_open_are(output, tmp_path: Path) -> None:
    """Written beside their name and renamed, exports still get the mode a plain ``open`` gives a new
    file (a Datasette run by another account, or a colleague, can read them), and a file replaced
    keeps its own mode."""
    import os

    mask = os.umask(0o022)
    try:
        fresh = tmp_path / "sentences.csv"
        subprocess.run(
            [CLAIMDESK, "export", "-o", str(output), "-f", "csv", "--file", str(fresh)],
            check=True,
            capture_output=True,
        )
        assert fresh.stat().st_mode & 0o777 == 0o644
        assert (output / "metadata.yml").stat().st_mode & 0o044 == 0o044  # others can read it
        fresh.chmod(0o640)
        subprocess.run(
            [CLAIMDESK, "export", "-o", str(output), "-f", "csv", "--file", str(fresh)],
            check=True,
            capture_output=True,
        )
        assert fresh.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(mask)
