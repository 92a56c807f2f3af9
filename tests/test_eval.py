"""`claimdesk eval`: scores are computed right, and the shipped rules meet the bar on the dev set."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from claimdesk.evaluate import GoldError, evaluate, load_gold
from tests.conftest import ROOT

DEV = ROOT / "tests" / "data" / "dev.jsonl"


def write_gold(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_scores_on_a_hand_checked_gold_file(tmp_path: Path, rules) -> None:
    gold = write_gold(
        tmp_path / "gold.jsonl",
        [
            {"text": "Tehran has denied these claims.", "status": "denied", "attributed_to": "Tehran"},
            {"text": "The talks ended on Friday.", "status": "confirmed", "attributed_to": None},
            {"text": "Click here to subscribe", "status": None, "attributed_to": None},
            # gold says alleged, the rules say confirmed: one miss
            {"text": "The ministry is broke.", "status": "alleged", "attributed_to": "ministry"},
        ],
    )
    scores = evaluate(load_gold(gold), rules)
    labels = scores.per_label()
    assert labels["denied"]["f1"] == 1.0
    assert labels["confirmed"]["precision"] == 0.5 and labels["confirmed"]["recall"] == 1.0
    assert labels["alleged"]["recall"] == 0.0
    assert scores.confusion()["alleged"]["confirmed"] == 1
    assert scores.attribution_accuracy == 0.5  # Tehran right, ministry missed
    assert [m.row.line for m in scores.misses] == [4]


def test_context_before_carries_a_quote_speaker(tmp_path: Path, rules) -> None:
    gold = write_gold(
        tmp_path / "gold.jsonl",
        [
            {
                "text": "It will not change.”",
                "status": "alleged",
                "attributed_to": "Maria Lopez",
                "context_before": ["“We are staying,” Maria Lopez said. “The plan is set."],
            }
        ],
    )
    scores = evaluate(load_gold(gold), rules)
    assert scores.outcomes[0].predicted.attributed_to == "Maria Lopez"


def test_bad_gold_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text(
        '{"text": "a", "status": "confirmed"}\n{"text": "b", "status": "maybe"}\n', encoding="utf-8"
    )
    with pytest.raises(GoldError, match=r"gold.jsonl:2: status: 'maybe' is not one of"):
        load_gold(path)


@pytest.mark.parametrize(
    ("row", "says"),
    [
        (
            {"text": "Police said so.", "status": "alleged", "attributed_to": ["Police"]},
            "attributed_to: ['Police']",
        ),
        ({"text": "Police said so.", "status": "alleged", "source": "police"}, "('source' was unexpected)"),
        (
            {"text": "Police said so.", "status": "alleged", "context_before": "He was accused."},
            "context_before:",
        ),
        ({"text": 5, "status": "alleged"}, "text: 5 is not of type 'string'"),
        ([1, 2], "[1, 2] is not of type 'object'"),
    ],
)
def test_a_gold_row_of_the_wrong_shape_is_named_not_scored_wrong(tmp_path: Path, row, says: str) -> None:
    """A list for a source, a misspelt field or a string for the context was scored as something
    else (27 one-letter sentences of context), or crashed; now the line and field are named."""
    with pytest.raises(GoldError, match="gold.jsonl:1: ") as caught:
        load_gold(write_gold(tmp_path / "gold.jsonl", [row]))
    assert says in str(caught.value) and "schemas/gold.schema.json" in str(caught.value)


def test_a_gold_file_saved_with_a_byte_order_mark_is_read(tmp_path: Path, rules) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"text": "Police said so.", "status": "alleged"}).encode())
    assert [r.status for r in load_gold(path)] == ["alleged"]


def test_misses_say_which_file_and_source_misses_are_listed(tmp_path: Path, rules) -> None:
    first = write_gold(
        tmp_path / "first.jsonl", [{"text": "The talks ended on Friday.", "status": "confirmed"}]
    )
    second = write_gold(
        tmp_path / "second.jsonl",
        [
            {"text": "The ministry is broke.", "status": "alleged", "attributed_to": "ministry"},
            {"text": "Police said the fire was arson.", "status": "alleged", "attributed_to": "fire brigade"},
        ],
    )
    scores = evaluate([*load_gold(first), *load_gold(second)], rules)
    assert [m.row.where for m in scores.misses] == ["second.jsonl:1"]
    assert [(m.row.where, m.predicted.attributed_to) for m in scores.source_misses] == [
        ("second.jsonl:1", None),
        ("second.jsonl:2", "Police"),
    ]
    as_json = scores.to_dict(misses=1)
    assert [m["where"] for m in as_json["misses"]] == ["second.jsonl:1"]
    assert as_json["source_misses"] == [
        {"where": "second.jsonl:1", "gold": "ministry", "got": None, "text": "The ministry is broke."}
    ]


def test_macro_f1_averages_the_labels_the_gold_has_or_the_tagger_gives(tmp_path: Path, rules) -> None:
    """A small file with every sentence right scores 1.0, not 0.4 for the three labels it lacks."""
    gold = write_gold(
        tmp_path / "gold.jsonl",
        [
            {"text": "Tehran has denied these claims.", "status": "denied"},
            {"text": "The talks ended on Friday.", "status": "confirmed"},
        ],
    )
    scores = evaluate(load_gold(gold), rules)
    assert scores.scored_labels == ["confirmed", "denied"] and scores.macro_f1 == 1.0


def test_dev_set_is_large_and_balanced() -> None:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 200
    counts = Counter(r["status"] or "none" for r in rows)
    assert min(counts[s] for s in ("confirmed", "alleged", "none")) >= 20
    assert counts["denied"] >= 20 and counts["disputed"] >= 20
    assert len({r["domain"] for r in rows}) >= 6


def test_shipped_rules_meet_the_bar_on_the_dev_set(rules) -> None:
    scores = evaluate(load_gold(DEV), rules)
    assert scores.macro_f1 >= 0.90, scores.to_dict()
    assert scores.attribution_accuracy >= 0.85, scores.to_dict()["attribution"]


def test_cli_eval_prints_the_report(tmp_path: Path) -> None:
    claimdesk = Path(sys.executable).parent / "claimdesk"
    result = subprocess.run(
        [str(claimdesk), "eval", str(DEV), "--misses", "3"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "macro-F1" in result.stdout and "confusion" in result.stdout and "attribution:" in result.stdout
    as_json = subprocess.run([str(claimdesk), "eval", str(DEV), "--json"], capture_output=True, text=True)
    assert json.loads(as_json.stdout)["rows"] >= 200
    missing = subprocess.run(
        [str(claimdesk), "eval", str(tmp_path / "nope.jsonl")], capture_output=True, text=True
    )
    assert missing.returncode == 2 and "nope.jsonl" in missing.stderr


# Whole articles written and annotated independently of the rules (see README, "How good is it").
# The bars sit a little under today's scores: a rules edit that loses ground fails here.
ARTICLE_SETS = [
    ("holdout.jsonl", 0.93, 0.80),
    ("articles2.jsonl", 0.93, 0.65),
    ("articles3.jsonl", 0.95, 0.75),
    ("articles4.jsonl", 0.90, 0.58),
    ("articles5.jsonl", 0.90, 0.68),
]


@pytest.mark.parametrize(("name", "macro_f1", "attribution"), ARTICLE_SETS)
def test_shipped_rules_hold_up_on_independently_written_articles(rules, name, macro_f1, attribution) -> None:
    scores = evaluate(load_gold(ROOT / "tests" / "data" / name), rules)
    assert scores.macro_f1 >= macro_f1, scores.to_dict()
    assert scores.attribution_accuracy >= attribution, scores.to_dict()["attribution"]


# ---------------------------------------------------------------- labels into a corpus the user keeps

REALNEWS = ROOT / "tests" / "data" / "realnews"


def _labels(tmp_path: Path, text: str, rows: list[dict], sha: str | None = None) -> Path:
    import hashlib

    corpus = tmp_path / "corpus"
    (corpus / "wire").mkdir(parents=True)
    (corpus / "wire" / "a.txt").write_text(text, encoding="utf-8")
    digest = sha or hashlib.sha256(text.encode("utf-8")).hexdigest()
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        "".join(json.dumps({"file": "wire/a.txt", "sha256": digest, **r}) + "\n" for r in rows),
        encoding="utf-8",
    )
    return labels


def test_labels_into_a_corpus_are_tagged_as_one_article(tmp_path: Path, rules) -> None:
    text = "Prosecutors allege the mayor took bribes.\n“I have never taken a bribe,” Mayor Ruth Hale said.\n"
    first, second = text.index("Prosecutors"), text.index("“I")
    rows = [
        {"start": first, "end": text.index("\n"), "status": "alleged", "attributed_to": "Prosecutors"},
        {"start": second, "end": len(text) - 1, "status": "denied", "attributed_to": "Ruth Hale"},
    ]
    gold = load_gold(_labels(tmp_path, text, rows), tmp_path / "corpus")
    assert [g.text for g in gold] == [text[first : text.index("\n")], text[second:-1]]
    scores = evaluate(gold, rules)
    # the denial answers the allegation one sentence before it: only a whole-article reading sees that
    assert [o.status for o in scores.outcomes] == ["alleged", "denied"]


def test_labels_refuse_a_missing_file_a_changed_file_and_no_corpus(tmp_path: Path) -> None:
    text = "The council approved the budget.\n"
    rows = [{"start": 0, "end": len(text) - 1, "status": "confirmed", "attributed_to": None}]
    labels = _labels(tmp_path, text, rows)
    with pytest.raises(GoldError, match="pass --corpus"):
        load_gold(labels)
    with pytest.raises(GoldError, match="corpus file missing"):
        load_gold(labels, tmp_path / "elsewhere")
    changed = _labels(tmp_path / "x", text, rows, sha="0" * 64)
    with pytest.raises(GoldError, match="is not the file that was labelled"):
        load_gold(changed, tmp_path / "x" / "corpus")


def test_labels_refuse_reversed_and_overlapping_offsets_and_files_outside_the_corpus(tmp_path: Path) -> None:
    text = "The council approved the budget. The mayor said it was late.\n"
    whole = {"start": 0, "end": 32, "status": "confirmed", "attributed_to": None}
    with pytest.raises(GoldError, match=r"labels\.jsonl:1: offsets 32-10 label no text"):
        load_gold(
            _labels(tmp_path / "a", text, [{**whole, "start": 32, "end": 10}]), tmp_path / "a" / "corpus"
        )
    overlapping = [whole, {**whole, "start": 20, "end": 60, "status": "alleged"}]
    with pytest.raises(GoldError, match=r"labels\.jsonl:2: its offsets overlap the label on line 1"):
        load_gold(_labels(tmp_path / "b", text, overlapping), tmp_path / "b" / "corpus")
    outside = _labels(tmp_path / "c", text, [whole])
    outside.write_text(outside.read_text().replace("wire/a.txt", "../c/corpus/wire/a.txt"))
    with pytest.raises(GoldError, match="not a path inside the corpus folder"):
        load_gold(outside, tmp_path / "c" / "corpus")


def test_cli_eval_with_a_corpus_names_the_missing_file_in_one_line(tmp_path: Path) -> None:
    text = "The council approved the budget.\n"
    labels = _labels(tmp_path, text, [{"start": 0, "end": 31, "status": "confirmed", "attributed_to": None}])
    (tmp_path / "corpus" / "wire" / "a.txt").unlink()
    claimdesk = Path(sys.executable).parent / "claimdesk"
    result = subprocess.run(
        [str(claimdesk), "eval", str(labels), "--corpus", str(tmp_path / "corpus")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert (
        result.stderr.count("\n") == 1 and "corpus file missing" in result.stderr and "a.txt" in result.stderr
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("labels.png", b"\x89PNG\r\n\x1a\n\xff", "not UTF-8"),
        ("empty.jsonl", b"\n", "no labelled sentences"),
        (".", None, "cannot read: Is a directory"),
        ("missing.jsonl", None, "cannot read: No such file"),
    ],
)
def test_cli_eval_refuses_labels_it_cannot_score_in_one_line(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    """A picture, an empty file, a folder or a missing file is no set of labels: one line, exit 2
    (an empty file once scored 0 sentences and exited 0)."""
    labels = tmp_path / name
    if content is not None:
        labels.write_bytes(content)
    claimdesk = Path(sys.executable).parent / "claimdesk"
    result = subprocess.run(
        [str(claimdesk), "eval", str(labels)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and message in result.stderr


def test_the_real_news_labels_hold_no_text_and_cover_what_the_issue_asks() -> None:
    rows = [
        (f.name, json.loads(line))
        for f in sorted(REALNEWS.glob("*.labels.jsonl"))
        for line in f.read_text(encoding="utf-8").splitlines()
    ]
    assert all(set(r) == {"file", "sha256", "start", "end", "status", "attributed_to"} for _, r in rows)
    assert all(len(r["sha256"]) == 64 and 0 <= r["start"] < r["end"] for _, r in rows)
    assert all(r["status"] in (None, "confirmed", "alleged", "denied", "disputed") for _, r in rows)
    files = {r["file"] for _, r in rows}
    assert len(rows) >= 1200 and len(files) >= 50
    publishers = {f.split("/")[-1].split("_")[0] for f in files if f.startswith("polnear/")}
    topics = {f.split("/")[1] for f in files if f.startswith("bbc/")}
    assert len(publishers) == 7 and topics == {"business", "entertainment", "politics", "sport", "tech"}
    # make eval-real and make learned-layer score the held-back part the Makefile names: every label
    # file is in exactly one of its two lists, and the held-back articles are a fifth, tuned on nowhere
    tuning, now = (_make_list(name) for name in ("TUNING_LABELS", "HELD_BACK_LABELS"))
    batches = {f.name.split(".")[0] for f in REALNEWS.glob("*.labels.jsonl")}
    assert not tuning & now and tuning | now == batches
    held = {r["file"] for name, r in rows if name.split(".")[0] in now}
    assert held and not held & {r["file"] for name, r in rows if name.split(".")[0] not in now}
    assert len(held) >= len(files) / 5  # a fifth of the articles is held back


def _make_list(variable: str) -> set[str]:
    """The label batches a Makefile variable names, as make expands it."""
    result = subprocess.run(
        ["make", "-s", "-f", "Makefile", "-f", "-", "show"],
        input=f"show:\n\t@echo $({variable})\n",
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return {Path(word).name.split(".")[0] for word in result.stdout.split()}
