"""Claims across articles: grouping, cross-source status, incremental updates, scoring on labelled pairs."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.__main__ import make_corpus
from claimdesk import claims, grouping, store
from claimdesk.annotate import annotate
from claimdesk.claimeval import load_pairs, score
from claimdesk.corpus import CorpusError
from claimdesk.grouping import cross_status, grouping_of, load_grouping, same_claim, signature
from claimdesk.ingest import make_article
from claimdesk.rulecheck import check_rules
from claimdesk.rules import default_rules_path, parse_rules
from tests.conftest import SEEDS, build_desk, seed_outlets

DRONES = {
    "000": "In that time, Tehran has provided Moscow with hundreds of one-way attack drones",
    "001": "In response to Western sanctions, both countries have ramped up trade activities",
    "002": "Since the start of Russia's military campaign in Ukraine, allegations have surfaced",
    "002d": "Tehran has denied these claims, but the partnership remains under scrutiny",
    "003": "While Ukraine and Western nations allege that Iran supplied Russia with explosive drones",
}
TREATY = {
    "000": "Russian President Vladimir Putin and Iranian President Masoud Pezeshkian signed a broad",
    "001h": "Presidents of Russia and Iran Sign Strategic Partnership Agreement in Moscow",
    "001": "Russian President Vladimir Putin and Iranian President Masoud Pezeshkian have signed",
    "003": "Russian President Vladimir Putin and Iranian President Masoud Pezeshkian met at the Kremlin",
    "004": "Russian President Vladimir Putin and Iranian President Masoud Pezeshkian signed a 20-year pact",
}


def mentions_of(db, claim: str) -> list[dict]:
    return [
        dict(r)
        for r in db.query(
            "select m.*, s.text from claim_mentions m join sentences s on s.id = m.sentence_id "
            "where m.claim_id = ? order by m.article_id, s.position",
            [claim],
        )
    ]


def claim_with(db, start: str) -> dict:
    """The claim that has a mention starting with ``start``."""
    row = next(
        db.query(
            "select claim_id from claim_mentions m join sentences s on s.id = m.sentence_id "
            "where s.text like ? || '%'",
            [start],
        )
    )
    return next(db.query("select * from claims where id = ?", [row["claim_id"]]))


@pytest.fixture()
def seeded(tmp_path: Path, rules):
    build_desk(tmp_path, rules)
    return store.open_db(tmp_path)


# ---------------------------------------------------------------- the seeds


def test_drone_supply_is_one_claim_across_four_outlets_and_disputed(seeded) -> None:
    claim = claim_with(seeded, DRONES["000"])
    texts = [m["text"] for m in mentions_of(seeded, claim["id"])]
    assert len(texts) == len(DRONES)
    assert all(any(t.startswith(start) for t in texts) for start in DRONES.values()), texts
    assert claim["status"] == "disputed"
    assert claim["articles"] == 4 and claim["outlets"] == 4
    assert "Tehran (Unnamed outlet C)" in claim["denied_by"]
    assert "Biden administration (Washington Examiner)" in claim["alleged_by"]
    assert claim["alleged"] >= 2 and claim["denied"] == 1 and claim["disputed"] == 1
    refers = [m for m in mentions_of(seeded, claim["id"]) if m["joined_by"] == "refers back"]
    assert [m["text"][:40] for m in refers] == [DRONES["002d"][:40]]


def test_treaty_signing_is_one_confirmed_claim_and_nothing_unrelated_joins(seeded) -> None:
    claim = claim_with(seeded, TREATY["000"])
    texts = [m["text"] for m in mentions_of(seeded, claim["id"])]
    assert len(texts) == len(TREATY)
    assert all(any(t.startswith(start) for t in texts) for start in TREATY.values()), texts
    assert claim["status"] == "confirmed"
    assert claim["outlets"] == 4
    assert claim["id"] != claim_with(seeded, DRONES["000"])["id"]


def test_every_claim_sentence_with_enough_content_has_one_claim(seeded) -> None:
    placed = {r["sentence_id"] for r in seeded.query("select sentence_id from claim_mentions")}
    stated = {r["id"] for r in seeded.query("select id from sentences where status is not null")}
    assert placed <= stated
    assert len(placed) >= 0.9 * len(stated)  # only sentences too thin to say anything stay out
    counted = seeded.execute("select sum(mentions) from claims").fetchone()[0]
    assert counted == len(placed)


# ---------------------------------------------------------------- pure parts


def test_cross_source_status_follows_the_precedence() -> None:
    assert cross_status(["alleged", "denied"]) == "disputed"
    assert cross_status(["confirmed", "disputed"]) == "disputed"
    assert cross_status(["denied", "disputed"]) == "disputed"
    assert cross_status(["alleged", "confirmed"]) == "alleged"
    assert cross_status(["denied"]) == "denied"
    assert cross_status(["confirmed", "confirmed"]) == "confirmed"


def test_signature_folds_aliases_and_keeps_the_speaker_out_of_the_content(rules) -> None:
    g = grouping_of(rules)
    sig = signature("Tehran supplied drones to Moscow, Sergey Lavrov said.", g, "Sergey Lavrov")
    assert {"iran", "russia"} <= sig.entities
    assert {"dron", "suppli"} <= sig.terms
    assert "lavrov" in sig.terms and "lavrov" not in sig.content
    assert "said" not in sig.terms  # reporting verbs are how, not what


def test_who_describes_the_source_is_not_what_is_claimed(rules) -> None:
    g = grouping_of(rules)
    oaten = "Lib Dem home affairs spokesman Mark Oaten"
    a = f"{oaten} said the police needed more time to prepare for flexible drinking hours."
    b = f"Earlier {oaten} said the government was right to want closer links between people and police."
    sig = signature(a, g, "Mark Oaten")
    assert {"lib", "dem", "affair", "oaten"} <= sig.terms - sig.content
    assert {"polic", "flexibl", "drink"} <= sig.content
    # One speaker, two claims: the description they share does not make them one.
    assert not same_claim(a, b, g, "Mark Oaten", "Mark Oaten")
    # Said again in other words by the same speaker, it is one claim.
    c = f"The police need more time to prepare for flexible drinking hours, {oaten} said."
    assert same_claim(a, c, g, "Mark Oaten", "Mark Oaten")
    # After the name: "Shami Chakrabarti, director of Liberty, said ..." (not "Peston, says Mr Blair ...").
    after = signature(
        "Shami Chakrabarti, director of Liberty, said the men must be freed.", g, "Shami Chakrabarti"
    )
    assert "liberti" not in after.content and "men" in after.content
    verb = signature(
        "A book by Robert Peston, says Mr Blair broke a pledge to Gordon Brown.", g, "Robert Peston"
    )
    assert {"blair", "pledg", "brown"} <= verb.content
    # A title after the name's comma that runs on to the end of the sentence opens the claim itself.
    clause = signature(
        "According to a new book, Harbour Tides, Mr Quint broke a pledge to the ferry union in June 2004.",
        g,
        "Harbour Tides",
    )
    assert {"quint", "pledg", "ferri", "union"} <= clause.content
    closing = signature(
        "The men must be freed, said Shami Chakrabarti, director of Liberty.", g, "Shami Chakrabarti"
    )
    assert "liberti" not in closing.content and "men" in closing.content


def test_two_claims_that_give_different_figures_are_different_claims(rules) -> None:
    g = grouping_of(rules)
    base = (
        "The Conservatives would cut {} of wasteful spending from the Whitehall budget, Michael Howard said."
    )
    other = "Michael Howard said the Conservatives could cut {} in wasteful Whitehall spending."
    assert same_claim(base.format("35 billion pounds"), other.format("35 billion pounds"), g)
    assert not same_claim(base.format("35 billion pounds"), other.format("4 billion pounds"), g)
    assert same_claim(
        base.format("35 billion pounds"), other.format("billions of pounds"), g
    )  # one gives none


def test_the_rules_file_grouping_examples_hold(rules) -> None:
    g = grouping_of(rules)
    assert g.join and g.apart
    assert all(same_claim(a, b, g) for a, b in g.join)
    assert not any(same_claim(a, b, g) for a, b in g.apart)


def test_rules_check_reports_a_grouping_example_that_fails(tmp_path: Path) -> None:
    data = yaml.safe_load(default_rules_path().read_text(encoding="utf-8"))
    data["grouping"]["examples"]["join"].append(
        ["Tehran has provided Moscow with attack drones.", "The weather in Oslo was mild on Sunday."]
    )
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    report = check_rules(path)
    assert not report.ok
    assert any("grouping, examples.join" in e and "Oslo" in e for e in report.errors)


def test_grouping_settings_are_validated(tmp_path: Path) -> None:
    data = yaml.safe_load(default_rules_path().read_text(encoding="utf-8"))
    data["grouping"]["threshold"] = 3
    with pytest.raises(ValueError, match="grouping/threshold"):
        parse_rules(yaml.safe_dump(data, allow_unicode=True))


# ---------------------------------------------------------------- incremental


def write(db, rules, name: str, text: str, outlet: str | None = None) -> None:
    article = make_article(name, name, text, outlet=outlet)
    store.write_article(db, annotate(article, rules), rules, "desk")


def claims_rows(db) -> list[dict]:
    return [dict(r) for r in db.query("select * from claims order by id")]


def test_an_article_joins_leaves_and_rejoins_without_regrouping_the_rest(seeded, rules) -> None:
    before = claims_rows(seeded)
    drone = claim_with(seeded, DRONES["000"])
    write(seeded, rules, "wire.txt", "Iran supplied Russia with attack drones, officials said.\n", "Wire")
    after = {c["id"]: c for c in claims_rows(seeded)}
    assert after[drone["id"]]["mentions"] == drone["mentions"] + 1
    assert after[drone["id"]]["outlets"] == drone["outlets"] + 1
    assert "officials (Wire)" in after[drone["id"]]["alleged_by"]
    untouched = [c for c in before if c["id"] != drone["id"]]
    assert all(after[c["id"]] == c for c in untouched)
    # The article changes to say something else: it leaves the claim, which is recounted.
    write(seeded, rules, "wire.txt", "Floods closed the harbour in Rotterdam on Monday morning.\n", "Wire")
    assert claims_rows(seeded) != before  # the flood sentence is a claim of its own
    assert {c["id"]: c for c in claims_rows(seeded)}[drone["id"]] == drone
    # Written again unchanged: nothing moves.
    snapshot = claims_rows(seeded)
    write(seeded, rules, "wire.txt", "Floods closed the harbour in Rotterdam on Monday morning.\n", "Wire")
    assert claims_rows(seeded) == snapshot


def test_counts_kept_by_increments_equal_a_full_recount(seeded, rules) -> None:
    write(seeded, rules, "wire.txt", "Iran supplied Russia with attack drones, officials said.\n", "Wire")
    write(seeded, rules, "wire2.txt", "Tehran denied supplying drones to Moscow.\n", "Wire")
    kept = claims_rows(seeded)
    with seeded.conn:
        claims.refresh(seeded, [c["id"] for c in kept])
    assert claims_rows(seeded) == kept


def test_claims_merged_by_a_sentence_like_both_keep_counts_equal_to_a_full_recount(
    tmp_path: Path, rules, monkeypatch
) -> None:
    """Near-copies of the seeds (names and figures swapped, some from the same outlet, one
    rewritten) make sentences that bridge two claims; the claims they merge are added up, not
    recounted, and must still say what a recount from every mention says."""
    merged = []
    add_up = claims._add_up
    monkeypatch.setattr(claims, "_add_up", lambda db, a, b: merged.append(b) or add_up(db, a, b))
    db = store.open_db(tmp_path)
    store.write_rules(db, rules)
    store.start_run(db, "desk", rules, [])
    for n, path in enumerate(make_corpus(tmp_path / "corpus", 60)):
        write(db, rules, path.name, path.read_text(encoding="utf-8"), [None, "Wire", "Post"][n % 3])
    write(db, rules, "article-0007.txt", (tmp_path / "corpus" / "article-0011.txt").read_text(), "Post")
    assert len(merged) >= 3  # what this test is about happened
    assert all(c not in {r["id"] for r in claims_rows(db)} for c in merged)
    kept = claims_rows(db)
    with db.conn:
        claims.refresh(db, [c["id"] for c in kept])
    assert claims_rows(db) == kept


GROUP_IN_A_PROCESS = """
import sys
from pathlib import Path
from benchmarks.__main__ import make_corpus
from claimdesk import store
from claimdesk.annotate import annotate
from claimdesk.ingest import make_article
from claimdesk.rules import load_rules
folder, rules = Path(sys.argv[1]), load_rules()
db = store.open_db(folder / "out")
store.write_rules(db, rules)
store.start_run(db, "desk", rules, [])
for path in make_corpus(folder / "corpus", 150):
    article = make_article(path.name, path.name, path.read_text(encoding="utf-8"))
    store.write_article(db, annotate(article, rules), rules, "desk")
for row in db.execute("select sentence_id, claim_id from claim_mentions order by 1"):
    print(*row)
"""


def test_the_same_articles_group_the_same_in_every_process(tmp_path: Path) -> None:
    """Python orders a set of strings by a hash seeded anew in each process; grouping must not
    depend on it, or the same archive built twice gives different claims."""
    grouped = []
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", GROUP_IN_A_PROCESS, str(tmp_path / seed)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            cwd=Path(__file__).resolve().parent.parent,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr
        grouped.append(done.stdout.splitlines())
    assert len(grouped[0]) > 2000
    assert grouped[0] == grouped[1]


def test_one_article_whose_sentences_start_two_claims_and_then_merge_them_is_stored(
    tmp_path: Path, rules
) -> None:
    """Every seed in one file: claims the article starts merge before any mention of theirs is
    counted (a run once rejected this article in its store step)."""
    db = store.open_db(tmp_path)
    store.write_rules(db, rules)
    store.start_run(db, "desk", rules, [])
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    write(db, rules, "all.txt", text, "Wire")
    assert db["sentences"].count > 90
    drone = claim_with(db, DRONES["000"])
    assert drone["status"] == "disputed" and drone["outlets"] == 1
    kept = claims_rows(db)
    with db.conn:
        claims.refresh(db, [c["id"] for c in kept])
    assert claims_rows(db) == kept


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sets(st.sampled_from([f"Source {n} (Outlet {n % 4})" for n in range(30)])), min_size=1))
def test_who_lists_kept_by_parts_equal_the_list_of_the_whole(parts: list[set[str]]) -> None:
    """A claim's who-lists are kept up a mention and a merge at a time; cut at the limit, the list
    of the union must be the list made from every name at once."""
    kept = None
    for part in parts:
        kept = claims._listing(claims._names(kept) + claims._names(claims._listing(part)))
    whole = set().union(*parts)
    assert kept == claims._listing(whole)
    assert claims._names(kept)[-1:] == (["…"] if len(whole) > claims.WHO_LIMIT else claims._names(kept)[-1:])
    assert len(claims._names(kept)) == min(len(whole), claims.WHO_LIMIT) + (len(whole) > claims.WHO_LIMIT)


def test_grouping_sees_what_another_connection_wrote(tmp_path: Path, rules) -> None:
    first = store.open_db(tmp_path)
    store.write_rules(first, rules)
    store.start_run(first, "desk", rules, [])
    write(first, rules, "a.txt", "The Danube flooded the old town of Passau on Tuesday night.\n", "A")
    other = store.open_db(tmp_path)  # a second run, while the first connection stays open
    write(other, rules, "b.txt", "Tehran has provided Moscow with attack drones, officials said.\n", "B")
    other.close()
    write(first, rules, "c.txt", "Iran denied supplying Russia with attack drones.\n", "C")
    drone = claim_with(first, "Tehran has provided")
    assert drone["outlets"] == 2 and drone["status"] == "disputed"
    assert first["claims"].count == 2


def test_an_article_whose_write_fails_leaves_grouping_as_it_was(tmp_path: Path, rules, monkeypatch) -> None:
    db = store.open_db(tmp_path)
    store.write_rules(db, rules)
    store.start_run(db, "desk", rules, [])
    write(db, rules, "a.txt", "The Danube flooded the old town of Passau on Tuesday night.\n", "A")

    def disk_full(*args, **kwargs) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as m:
        m.setattr(claims, "_count", disk_full)  # fails after the article's claim was placed
        with pytest.raises(OSError):
            write(db, rules, "b.txt", "Tehran provided Moscow with attack drones, officials said.\n", "B")
    assert db["claims"].count == 1 and db["claim_mentions"].count == 1  # rolled back
    # The claim the failed article started is gone: the next drone article starts its own.
    write(db, rules, "c.txt", "Iran supplied Russia with attack drones, Ukraine said.\n", "C")
    write(db, rules, "b.txt", "Tehran provided Moscow with attack drones, officials said.\n", "B")
    drone = claim_with(db, "Iran supplied")
    assert (drone["mentions"], drone["outlets"]) == (2, 2)
    assert db["claims"].count == 2


def test_grouping_that_forgets_samples_between_articles_groups_the_same(
    tmp_path: Path, rules, monkeypatch
) -> None:
    def grouped(folder: Path) -> list[tuple]:
        build_desk(folder, rules)
        db = store.open_db(folder)
        return list(
            db.execute("select sentence_id, claim_id, joined_by from claim_mentions order by 1").fetchall()
        )

    kept = grouped(tmp_path / "kept")
    monkeypatch.setattr(claims._Memory, "SAMPLES", 1)  # read claims' samples again for every article
    assert grouped(tmp_path / "forgotten") == kept


def test_signatures_kept_for_repeated_sentences_group_as_signatures_made_anew(
    tmp_path: Path, rules, monkeypatch
) -> None:
    g = grouping_of(rules)
    # Kept by text and source: who speaks is left out of what is claimed, so the same words with
    # another source are another signature.
    text = "Sergey Lavrov said Tehran supplied drones to Moscow."
    assert "lavrov" in signature(text, g).content
    assert "lavrov" not in signature(text, g, "Sergey Lavrov").content
    assert "lavrov" in signature(text, g).content

    def grouped(folder: Path) -> list[tuple]:
        g.signatures.clear()
        db = store.open_db(folder)
        store.write_rules(db, rules)
        store.start_run(db, "test", rules, ["test"])
        for path in make_corpus(tmp_path / "corpus", 40):  # near-copies: most sentences come again
            done = annotate(make_article(path.name, str(path), path.read_text(encoding="utf-8")), rules)
            store.write_article(db, done, rules, "test")
        return db.execute(
            "select sentence_id, claim_id, joined_by, score, signature from claim_mentions order by 1"
        ).fetchall()

    kept = grouped(tmp_path / "kept")
    monkeypatch.setattr(grouping, "SIGNATURES", 1)  # every sentence's signature made anew
    assert grouped(tmp_path / "anew") == kept
    assert len(kept) > 200


def test_a_claim_whose_mentions_all_leave_is_gone(tmp_path: Path, rules) -> None:
    db = store.open_db(tmp_path)
    store.write_rules(db, rules)
    store.start_run(db, "desk", rules, [])
    write(db, rules, "a.txt", "The Danube flooded the old town of Passau on Tuesday night.\n")
    assert db["claims"].count == 1
    write(db, rules, "a.txt", "Tiny.\n")  # a fragment: no claim
    assert db["claims"].count == 0 and db["claim_mentions"].count == 0
    assert db["claim_keys"].count == 0


def test_a_sentence_reprinted_word_for_word_by_another_outlet_joins_its_claim(tmp_path: Path, rules) -> None:
    """Wire copy: the same sentence in two outlets is one claim, though it names one entity (a
    figure), too few to compare it with others; the same words with another figure are not."""
    db = store.open_db(tmp_path)
    store.write_rules(db, rules)
    store.start_run(db, "desk", rules, [])
    wire = "It takes 2,383 delegates to win the nomination outright at the summer convention.\n"
    write(db, rules, "a.txt", "Harbour tolls rose again.\n" + wire, "Outlet A")
    write(db, rules, "b.txt", "Ferry fares fell sharply.\n" + wire, "Outlet B")
    write(db, rules, "c.txt", wire.replace("2,383", "1,237"), "Outlet C")
    (reprinted,) = [c for c in claims_rows(db) if c["text"] == wire.strip()]
    assert (reprinted["mentions"], reprinted["outlets"]) == (2, 2)
    other = [c for c in claims_rows(db) if "1,237" in c["text"]]
    assert len(other) == 1 and other[0]["mentions"] == 1
    write(db, rules, "a.txt", "Harbour tolls rose again.\n")  # the first outlet drops it: the claim stays
    (kept,) = [c for c in claims_rows(db) if c["text"] == wire.strip()]
    assert (kept["mentions"], kept["outlets"]) == (1, 1)


def test_a_reprint_is_found_by_its_words_whatever_the_candidate_index_holds(tmp_path: Path) -> None:
    """The candidate index keeps the latest claims per term, so a reprint that comes many claims
    later could miss its claim; it is found by its identity key instead (here no candidate can ever
    be close enough, so only that key can join them)."""
    data = yaml.safe_load(default_rules_path().read_text(encoding="utf-8"))
    data["grouping"]["min_shared_terms"] = 50
    rules = parse_rules(yaml.safe_dump(data, allow_unicode=True))
    db = store.open_db(tmp_path)
    store.write_rules(db, rules)
    store.start_run(db, "desk", rules, [])
    wire = "Passau council approved the Danube flood wall budget on Tuesday night.\n"
    write(db, rules, "a.txt", wire, "Outlet A")
    write(db, rules, "b.txt", "Ferry fares fell sharply.\n" + wire, "Outlet B")  # printed again
    write(db, rules, "c.txt", wire.replace("approved", "rejected"), "Outlet C")  # another claim
    counts = {c["text"]: c["mentions"] for c in claims_rows(db)}
    assert counts[wire.strip()] == 2
    assert counts[wire.replace("approved", "rejected").strip()] == 1


def test_grouping_switched_off_stores_no_claims(tmp_path: Path) -> None:
    data = yaml.safe_load(default_rules_path().read_text(encoding="utf-8"))
    data["grouping"]["enabled"] = False
    rules = parse_rules(yaml.safe_dump(data, allow_unicode=True))
    build_desk(tmp_path, rules)
    db = store.open_db(tmp_path)
    assert db["sentences"].count > 50
    assert db["claims"].count == 0 and db["claim_mentions"].count == 0


def test_a_database_with_the_old_claims_view_opens_with_claims_as_a_table(tmp_path: Path, rules) -> None:
    import sqlite3

    conn = sqlite3.connect(tmp_path / "claims.db")
    conn.execute("create table sentences (id text primary key, article_id text, status text)")
    conn.execute("create view claims as select * from sentences where status is not null")
    conn.close()
    db = store.open_db(tmp_path)
    assert "claims" in db.table_names() and "claims" not in db.view_names()
    assert "claim_sentences" in db.view_names()


# ---------------------------------------------------------------- evaluation on labelled pairs


def test_pairs_are_read_by_offsets_and_checked_by_hash(tmp_path: Path, rules) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "x").mkdir(parents=True)
    a = "Storm hits coast.\nThe Danube flooded the old town of Passau on Tuesday night, police said.\n"
    b = "Floods.\nPolice said the Danube flooded the old town of Passau late on Tuesday.\nPasta is cheap.\n"
    (corpus / "x" / "a.txt").write_bytes(a.encode())
    (corpus / "x" / "b.txt").write_bytes(b.encode())

    def span(text: str, sentence: str) -> tuple[int, int]:
        start = text.index(sentence)
        return start, start + len(sentence)

    def row(sa: str, sb: str, same: bool) -> dict:
        (s1, e1), (s2, e2) = span(a, sa), span(b, sb)
        return {
            "file_a": "x/a.txt",
            "start_a": s1,
            "end_a": e1,
            "sha256_a": hashlib.sha256(a.encode()).hexdigest(),
            "file_b": "x/b.txt",
            "start_b": s2,
            "end_b": e2,
            "sha256_b": hashlib.sha256(b.encode()).hexdigest(),
            "same_claim": same,
        }

    flood_a = "The Danube flooded the old town of Passau on Tuesday night, police said."
    flood_b = "Police said the Danube flooded the old town of Passau late on Tuesday."
    labels = tmp_path / "pairs.jsonl"
    labels.write_text(
        json.dumps(row(flood_a, flood_b, True))
        + "\n"
        + json.dumps(row(flood_a, "Pasta is cheap.", False))
        + "\n"
    )
    pairs = load_pairs(labels, corpus, rules)
    assert [p.a for p in pairs] == [flood_a, flood_a]
    assert pairs[0].source_a == "police"
    scores = score(pairs, grouping_of(rules))
    assert (scores.tp, scores.tn, scores.fp, scores.fn) == (1, 1, 0, 0)
    assert scores.precision == scores.recall == 1.0
    (corpus / "x" / "b.txt").write_bytes(b.encode() + b" ")
    with pytest.raises(CorpusError, match="sha256 differs"):
        load_pairs(labels, corpus, rules)


@pytest.mark.parametrize(
    ("name", "same"),
    [("claim_pairs.jsonl", 50), ("claim_pairs_heldback.jsonl", 25), ("claim_pairs_heldback2.jsonl", 50)],
)
def test_the_labelled_pairs_hold_no_text_and_enough_pairs(name: str, same: int) -> None:
    """The pairs grouping was tuned on, and the held-back pairs it is judged on."""
    rows = [json.loads(line) for line in (SEEDS.parent / "tests" / "data" / name).open()]
    assert len(rows) >= 150
    keys = {"file_a", "start_a", "end_a", "sha256_a", "file_b", "start_b", "end_b", "sha256_b", "same_claim"}
    assert all(set(r) == keys for r in rows)
    assert sum(r["same_claim"] for r in rows) >= same and sum(not r["same_claim"] for r in rows) >= 50
    assert len({r["file_a"].split("_")[0] for r in rows} | {r["file_b"].split("_")[0] for r in rows}) >= 5


def test_seed_outlets_come_from_sources_yaml() -> None:
    outlets = seed_outlets()
    assert sorted(outlets) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert outlets["000_61c43050a98156e0.txt"] == "Washington Examiner"
    assert len(set(outlets.values())) == 5


def test_default_settings_match_the_shipped_rules(rules) -> None:
    shipped = grouping_of(rules)
    assert load_grouping({"grouping": {}}).threshold == shipped.threshold
    assert load_grouping({"grouping": {}}).content_threshold == shipped.content_threshold


def test_a_grouping_section_that_adds_one_alias_keeps_the_shipped_word_lists(rules) -> None:
    """``grouping: {aliases: {persia: Iran}}`` replaces the aliases it gives; the stop words, the
    phrases that refer back and the job titles it leaves out stay the shipped ones."""
    shipped = grouping_of(rules)
    mine = load_grouping({"grouping": {"aliases": {"persia": "Iran"}}})
    assert mine.aliases == {"persia": "iran"}
    assert mine.stopwords == shipped.stopwords and mine.titles == shipped.titles and mine.stopwords
    assert mine.refer_back is not None and mine.refer_back.pattern == shipped.refer_back.pattern


def test_a_run_of_the_seeds_with_their_outlets_groups_claims_and_a_rerun_changes_nothing(
    prefect_api, tmp_path: Path
) -> None:
    from claimdesk.flows.pipeline import run_pipeline

    output = tmp_path / "out"
    summary = run_pipeline(sources=str(SEEDS / "sources.yaml"), output=str(output))
    assert summary["new"] == 5 and summary["failed"] == 0
    db = store.open_db(output)
    assert {r["outlet"] for r in db.query("select outlet from articles")} == set(seed_outlets().values())
    drone = claim_with(db, DRONES["000"])
    assert (drone["status"], drone["outlets"]) == ("disputed", 4)
    per_outlet = list(db.query(next(q["sql"] for n, q in canned().items() if n == "statuses_per_outlet")))
    assert "(unknown)" not in [r["outlet"] for r in per_outlet] and len(per_outlet) == 5
    before = claims_rows(db), list(db.query("select * from claim_mentions order by sentence_id"))
    again = run_pipeline(sources=str(SEEDS / "sources.yaml"), output=str(output))
    assert again["unchanged"] == 5
    assert (claims_rows(db), list(db.query("select * from claim_mentions order by sentence_id"))) == before


def canned() -> dict:
    from claimdesk.metadata import canned_queries

    return canned_queries()


def test_the_pair_sets_share_no_sentence_and_held_back_labels_are_the_labellers() -> None:
    """A held-back pair set is only a fair measure if none of its sentences was in a set grouping was
    tuned on; and its labels are the two labellers' where they agreed, adjudicated where not."""
    data = SEEDS.parent / "tests" / "data"
    seen: dict[tuple[str, int], str] = {}
    for name in ("claim_pairs.jsonl", "claim_pairs_heldback.jsonl", "claim_pairs_heldback2.jsonl"):
        mine = set()
        for line in (data / name).open():
            r = json.loads(line)
            mine |= {(r["file_a"], r["start_a"]), (r["file_b"], r["start_b"])}
        assert not [k for k in mine if k in seen], f"{name} reuses sentences of {set(seen.values())}"
        seen.update(dict.fromkeys(mine, name))
    final = [json.loads(line)["same_claim"] for line in (data / "claim_pairs_heldback2.jsonl").open()]
    votes = [json.loads(line) for line in (data / "claim_pairs_heldback2.labellers.jsonl").open()]
    assert [v["final"] for v in votes] == final
    assert all(v["final"] == v["A"] for v in votes if v["A"] == v["B"])
    assert sum(v["A"] != v["B"] for v in votes) == 5  # the README's agreement: 255 of 260


def test_an_article_rewritten_starts_a_claim_of_its_own_when_others_joined_its_old_one(seeded, rules) -> None:
    """An article starts a claim, another article joins it, then the first is rewritten to say
    something else: the other article's mention keeps its claim and words, and the new sentence
    starts a claim of its own (it used to take the old claim's name, and with it the other mention).
    The claims' search index follows, checked by FTS5's own integrity check against the table."""
    for name, text in (
        ("wire.txt", "Floods closed the harbour in Rotterdam on Monday morning.\n"),
        ("post.txt", "Floods closed the harbour in Rotterdam on Monday morning, officials said.\n"),
        ("wire.txt", "Storms shut the port of Rotterdam for a second day on Tuesday.\n"),
    ):
        write(seeded, rules, name, text, "Wire")
        seeded.execute("INSERT INTO claims_fts (claims_fts, rank) VALUES ('integrity-check', 1)")
    flood = claim_with(seeded, "Floods closed the harbour in Rotterdam on Monday morning, officials")
    storm = claim_with(seeded, "Storms shut the port")
    assert flood["id"] != storm["id"] and (flood["mentions"], storm["mentions"]) == (1, 1)
    assert flood["text"].startswith("Floods closed") and storm["text"].startswith("Storms shut")
    search = "select rowid from claims_fts where claims_fts match 'storms'"
    found = [r["text"] for r in seeded.query(f"select text from claims where rowid in ({search})")]
    assert found == ["Storms shut the port of Rotterdam for a second day on Tuesday."]


def test_first_and_last_seen_follow_the_dates_not_how_a_feed_writes_them(tmp_path: Path) -> None:
    # RSS writes dates as "Fri, 02 May 2025 ..."; compared as text, Friday came before Monday.
    from claimdesk import runs

    claim = "The regional water board confirmed that the Keldmark reservoir lost 40 percent of its volume"
    items = "".join(
        f"<item><title>Reservoir {day}</title><guid>r-{day}</guid><pubDate>{day}</pubDate>"
        f"<description>{claim} by {day.split(',')[0]}.</description></item>"
        for day in (
            "Fri, 02 May 2025 09:00:00 GMT",
            "Thu, 01 May 2025 09:00:00 GMT",
            "Mon, 05 May 2025 07:00:00 +0200",
        )
    )
    feed = tmp_path / "water.rss"
    feed.write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Water Wire</title>{items}</channel></rss>'
    )
    runs.run([str(feed)], tmp_path / "out")
    db = sqlite_utils.Database(tmp_path / "out" / "claims.db")
    assert sorted(a["published"] for a in db["articles"].rows) == [
        "2025-05-01T09:00:00+00:00",
        "2025-05-02T09:00:00+00:00",
        "2025-05-05T05:00:00+00:00",
    ]
    [row] = [c for c in db["claims"].rows if c["articles"] == 3]
    assert (row["first_seen"], row["last_seen"]) == ("2025-05-01T09:00:00+00:00", "2025-05-05T05:00:00+00:00")
