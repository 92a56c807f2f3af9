"""The learned layer: trained by the user from their labels (``claimdesk layer train``), applied
wherever the rules are (eval, a run, worker processes, the flow), and a new layer re-tags."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import jsonschema
import pytest

from claimdesk import runs
from claimdesk.cli import main, print_summary
from claimdesk.evaluate import evaluate, load_gold
from claimdesk.layer import DECIDED_BY, LayerError, train
from claimdesk.rules import load_rules
from claimdesk.schemas import load_schema
from tests.conftest import ROOT, SEEDS
from tests.test_runs import counts, stored, worker_processes  # noqa: F401  (a fixture)

DEV = ROOT / "tests" / "data" / "dev.jsonl"


def taught(path: Path) -> Path:
    """The development set with a lesson the rules do not hold: every sentence that says "said" is
    disputed. A layer trained on it must overrule the rules there, and only there."""
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        if " said" in row["text"]:
            row["status"] = "disputed"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def lesson(tmp_path_factory) -> Path:
    return taught(tmp_path_factory.mktemp("lesson") / "said-is-disputed.jsonl")


@pytest.fixture(scope="module")
def layer_file(tmp_path_factory, lesson: Path) -> Path:
    """A layer trained on the lesson through the command line, as a user trains one."""
    out = tmp_path_factory.mktemp("layer") / "layer.json"
    assert main(["layer", "train", str(lesson), "--output", str(out), "--c", "10"]) == 0
    return out


def said(text: str) -> bool:
    return " said" in text


def test_a_trained_layer_is_a_file_the_published_schema_accepts(layer_file: Path) -> None:
    content = json.loads(layer_file.read_text(encoding="utf-8"))
    jsonschema.validate(content, load_schema("layer"))  # every weight, not only the shape
    assert content["trained"]["sentences"] == len(DEV.read_text(encoding="utf-8").splitlines())
    assert content["trained"]["agrees_with_scikit_learn"] == 1.0
    assert set(content["labels"]) == {"confirmed", "alleged", "denied", "disputed", "none"}


def test_a_layer_learns_what_its_labels_teach_and_overrules_the_rules_only_there(
    layer_file: Path, lesson: Path
) -> None:
    gold = load_gold(lesson)
    rules_alone = evaluate(gold, load_rules()).outcomes
    with_layer = evaluate(gold, load_rules(None, layer_file)).outcomes
    lessons = [i for i, o in enumerate(rules_alone) if said(o.row.text)]
    others = [i for i, o in enumerate(rules_alone) if not said(o.row.text)]
    assert len(lessons) >= 30

    def share_disputed(outcomes, rows) -> float:
        return sum(outcomes[i].status == "disputed" for i in rows) / len(rows)

    assert share_disputed(rules_alone, lessons) < 0.2  # the rules call most of them alleged or denied
    assert share_disputed(with_layer, lessons) > 0.9
    overruled = [o for o in with_layer if o.predicted.decided_by == DECIDED_BY]
    assert overruled and all(o.predicted.cues for o in overruled if o.status != "none" and said(o.row.text))
    before = {id(o.row): o.status for o in rules_alone}
    assert all(o.predicted.overruled == before[id(o.row)] != o.status for o in overruled)
    # Elsewhere the labels agree with the rules, and the layer leaves the rules' verdict alone.
    kept = sum(with_layer[i].status == rules_alone[i].status for i in others) / len(others)
    assert kept > 0.95
    for o in with_layer:
        if o.status == "none":
            assert o.predicted.attributed_to is None and o.predicted.source_type is None


def test_a_run_with_a_layer_records_its_decisions_and_a_new_layer_retags(
    layer_file: Path, tmp_path: Path, capsys
) -> None:
    seeds = Path(shutil.copytree(SEEDS, tmp_path / "seeds", ignore=shutil.ignore_patterns("*.yaml")))
    output = tmp_path / "out"
    plain = runs.run([str(seeds)], output)
    assert counts(plain)[:3] == (5, 0, 0)

    layered = runs.run([str(seeds)], output, layer_path=layer_file)
    assert counts(layered)[:3] == (0, 5, 0), "a layer re-tags what the rules alone tagged"
    records = [
        json.loads(line)
        for f in sorted((output / "records").iterdir())
        for line in f.read_text(encoding="utf-8").splitlines()
    ]
    overruled = [r for r in records if r["decided_by"] == DECIDED_BY]
    assert overruled, "the seeds' reported speech is disputed by this layer's lesson"
    assert all(s["status"] == "disputed" for s in overruled if said(s["text"]))
    assert layered["layer"]["overruled"] == len(overruled) and "layer" not in plain
    print_summary(layered)
    assert f"Learned layer ({layer_file}, sha256 " in capsys.readouterr().out

    db = sqlite3.connect(output / "claims.db")
    used = [row[0] for row in db.execute("SELECT layer FROM runs ORDER BY started_at")]
    explained = db.execute("SELECT description FROM rules WHERE id = ?", (DECIDED_BY,)).fetchone()
    db.close()
    assert used[0] is None and str(layer_file) in used[1]
    assert explained and layer_file.name in explained[0], "decided_by learned-layer links to what it was"

    assert counts(runs.run([str(seeds)], output, layer_path=layer_file))[:3] == (0, 0, 5)
    other = tmp_path / "other.json"
    assert main(["layer", "train", str(DEV), "--output", str(other)]) == 0
    assert counts(runs.run([str(seeds)], output, layer_path=other))[:3] == (0, 5, 0)
    assert counts(runs.run([str(seeds)], output))[:3] == (0, 5, 0), "and so does leaving the layer off"


def test_worker_processes_apply_the_layer_as_this_process_does(
    worker_processes,  # noqa: F811
    layer_file: Path,
    tmp_path: Path,
) -> None:
    from concurrent.futures import ProcessPoolExecutor

    here = runs.run([str(SEEDS)], tmp_path / "here", batch_size=2, layer_path=layer_file)
    with ProcessPoolExecutor(2) as pool:
        there = runs.run([str(SEEDS)], tmp_path / "there", batch_size=2, executor=pool, layer_path=layer_file)
    assert counts(here) == counts(there)
    assert stored(tmp_path / "here") == stored(tmp_path / "there")
    runs.run([str(SEEDS)], tmp_path / "plain", batch_size=2)
    assert stored(tmp_path / "plain")["sentences"] != stored(tmp_path / "here")["sentences"]


def test_the_flow_applies_the_layer_as_the_library_does(
    prefect_api,
    worker_processes,  # noqa: F811  (auto: five files in batches of two tag in worker processes)
    layer_file: Path,
    tmp_path: Path,
) -> None:
    from claimdesk.flows.pipeline import run_pipeline

    library = runs.run([str(SEEDS)], tmp_path / "library", batch_size=2, layer_path=layer_file)
    flow = run_pipeline(
        paths=[str(SEEDS)], output=str(tmp_path / "flow"), batch_size=2, layer_path=str(layer_file)
    )
    assert counts(library) == counts(flow)
    assert stored(tmp_path / "library") == stored(tmp_path / "flow")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "cannot read layer file"),
        ("not json", "not a layer file"),
        (
            '{"format": "claimdesk-layer/1", "labels": ["alleged"]}',
            "does not match schemas/layer.schema.json",
        ),
        (
            '{"format": "claimdesk-layer/1", "labels": ["alleged", "none"], "intercepts": [0, 0], '
            '"weights": {"named": [1]}, "idf": {}}',
            "one number per label",
        ),
    ],
)
def test_a_layer_file_that_cannot_be_used_is_refused_in_one_line(
    tmp_path: Path, capsys, content: str | None, says: str
) -> None:
    path = tmp_path / "layer.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["eval", str(DEV), "--layer", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("claimdesk: layer error: ") and str(path) in err and says in err
    assert len(err.strip().splitlines()) == 1


def test_training_refuses_labels_it_cannot_learn_from(tmp_path: Path, capsys) -> None:
    one_kind = tmp_path / "one.jsonl"
    one_kind.write_text(json.dumps({"text": "The bridge opened on Monday.", "status": "confirmed"}) + "\n")
    assert main(["layer", "train", str(one_kind), "--output", str(tmp_path / "l.json")]) == 2
    assert "at least two kinds to learn from; these are all confirmed" in capsys.readouterr().err
    assert not (tmp_path / "l.json").exists()
    with pytest.raises(SystemExit) as stop:
        main(["layer", "train", str(DEV), "--output", str(tmp_path / "l.json"), "--c", "0"])
    assert stop.value.code == 2
    assert "must be more than 0" in capsys.readouterr().err
    with pytest.raises(LayerError, match="must be more than 0, not 0"):  # the library call says it too
        train(load_gold(DEV), load_rules(), c=0)


def test_eval_says_what_the_layer_changed_fixed_and_broke(layer_file: Path, lesson: Path, capsys) -> None:
    assert main(["eval", str(lesson), "--json"]) == 0
    assert "layer" not in json.loads(capsys.readouterr().out)
    assert main(["eval", str(lesson), "--json", "--layer", str(layer_file)]) == 0
    changes = json.loads(capsys.readouterr().out)["layer"]
    gold = load_gold(lesson)
    rules_alone = evaluate(gold, load_rules()).outcomes
    with_layer = evaluate(gold, load_rules(None, layer_file)).outcomes
    pairs = list(zip(rules_alone, with_layer, strict=True))
    assert changes == {
        "changed": sum(a.status != b.status for a, b in pairs),
        "fixed": sum(a.status != b.status == b.row.status for a, b in pairs),
        "broken": sum(b.status != a.status == a.row.status for a, b in pairs),
    }
    assert changes["fixed"] > changes["broken"]
    assert main(["eval", str(lesson), "--layer", str(layer_file), "--misses", "0"]) == 0
    out = capsys.readouterr().out
    assert f"learned layer: changed {changes['changed']} of the rules' labels" in out


def test_a_layer_trained_over_other_rules_is_used_with_a_warning(
    layer_file: Path, tmp_path: Path, caplog
) -> None:
    """Its features are the rules' verdicts: after a rules edit or an engine upgrade they mean something
    else, and the user is told to train it again (once, however often the run loads its rules)."""
    shipped = (ROOT / "claimdesk" / "rules" / "default.yaml").read_text(encoding="utf-8")
    edited = tmp_path / "rules.yaml"
    edited.write_text(shipped.replace("version:", "version: edited-", 1), encoding="utf-8")
    with caplog.at_level("WARNING", logger="claimdesk.layer"):
        load_rules(None, layer_file)
        assert not caplog.records
        load_rules(edited, layer_file)
        load_rules(edited, layer_file)
    assert len(caplog.records) == 1
    assert str(layer_file) in caplog.text and "train it again" in caplog.text
