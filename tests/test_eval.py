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
    with pytest.raises(GoldError, match=r"gold.jsonl:2: status 'maybe'"):
        load_gold(path)


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
