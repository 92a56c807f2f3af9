"""Rules files: validation with clear messages, compilation, and every rule's own examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from claimdesk.rulecheck import check_rules
from claimdesk.rules import STATUSES, RulesError, default_rules_path, inflect, load_rules, parse_rules
from claimdesk.store import open_db
from claimdesk.tag import tag_one
from tests.conftest import ROOT

MINIMAL = """
version: "1"
name: test rules
rules:
  - id: deny
    status: denied
    description: a denial
    verbs: [deny]
"""


def test_inflect_regular_verbs() -> None:
    assert inflect("deny") == ["deny", "denies", "denied", "denying"]
    assert inflect("dismiss") == ["dismiss", "dismisses", "dismissed", "dismissing"]
    assert inflect("admit") == ["admit", "admits", "admitted", "admitting"]
    assert inflect("describe") == ["describe", "describes", "described", "describing"]
    assert inflect("visit") == ["visit", "visits", "visited", "visiting"]


def test_minimal_rules_file_tags_with_word_boundaries() -> None:
    rules = parse_rules(MINIMAL)
    assert tag_one("Tehran denied it.", rules).status == "denied"
    assert tag_one("The denial was swift.", rules).status == "confirmed"  # "deny" forms only


def test_not_yaml_is_refused_with_the_file_name() -> None:
    with pytest.raises(RulesError, match=r"bad\.yaml: not valid YAML"):
        parse_rules("rules: [unclosed", "bad.yaml")


def test_schema_violation_names_rule_and_field() -> None:
    data = yaml.safe_load(MINIMAL)
    data["rules"][0]["status"] = "maybe"
    with pytest.raises(RulesError, match=r"rule 'deny', field status"):
        parse_rules(yaml.safe_dump(data), "x.yaml")


def test_invalid_regex_names_rule_and_field() -> None:
    data = yaml.safe_load(MINIMAL)
    data["rules"][0]["regex"] = ["(unclosed"]
    with pytest.raises(RulesError, match=r"rule 'deny', field regex\[0\]: invalid regular expression"):
        parse_rules(yaml.safe_dump(data), "x.yaml")


def test_a_broken_pattern_is_named_in_the_rule_that_holds_it_not_one_that_borrows_it() -> None:
    data = yaml.safe_load(MINIMAL)
    data["rules"][0]["regex"] = ["(unclosed"]
    borrower = {"id": "borrows", "status": "disputed", "description": "x", "same_cues_as": "deny"}
    data["rules"].insert(0, borrower)  # read first, as claim-and-denial is before denial-verb
    with pytest.raises(RulesError, match=r"rule 'deny', field regex\[0\]: invalid regular expression"):
        parse_rules(yaml.safe_dump(data), "x.yaml")


def test_catastrophic_backtracking_is_refused() -> None:
    data = yaml.safe_load(MINIMAL)
    data["rules"][0]["regex"] = ["(a+)+$"]
    with pytest.raises(RulesError, match=r"rule 'deny', field cues: pattern takes too long"):
        parse_rules(yaml.safe_dump(data), "x.yaml")


def test_unknown_group_in_requires_is_refused() -> None:
    data = yaml.safe_load(MINIMAL)
    data["rules"][0]["requires"] = {"group": "nothing-here", "where": "before"}
    with pytest.raises(RulesError, match=r"rule 'deny', field requires: no rule has group 'nothing-here'"):
        parse_rules(yaml.safe_dump(data), "x.yaml")


def test_a_title_skip_naming_no_rule_is_refused() -> None:
    data = yaml.safe_load(MINIMAL)
    data["title_skips"] = ["page-furnitur"]  # a typo would silently title every copied page by its furniture
    with pytest.raises(RulesError, match=r"x\.yaml: field title_skips: no rule 'page-furnitur' in this file"):
        parse_rules(yaml.safe_dump(data), "x.yaml")


def test_duplicate_rule_ids_are_refused() -> None:
    data = yaml.safe_load(MINIMAL)
    data["rules"].append(dict(data["rules"][0]))
    with pytest.raises(RulesError, match=r"rule 'deny', field id: defined twice"):
        parse_rules(yaml.safe_dump(data), "x.yaml")


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ("rules:\n  - id: mine\n    status: alleged\n    phrases: [close to]\n", "rules"),
        ("    verbs: [reject]\n", "verbs"),
    ],
)
def test_a_key_given_twice_is_refused_not_silently_replaced(extra: str, key: str) -> None:
    """A second ``rules:`` block (or a rule's second ``verbs:``) would make YAML keep only the
    second: every rule above it gone, and the check still passing."""
    with pytest.raises(RulesError, match=rf"'{key}' is given twice in one mapping \(line \d+ and here\)"):
        parse_rules(MINIMAL + extra, "x.yaml")


def test_missing_rules_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="cannot read rules file"):
        load_rules(tmp_path / "nope.yaml")


def _shipped_rules() -> list[dict]:
    return yaml.safe_load(default_rules_path().read_text(encoding="utf-8"))["rules"]


@pytest.mark.parametrize("rule", _shipped_rules(), ids=lambda r: r["id"])
def test_every_shipped_rule_passes_its_examples(rules, rule: dict) -> None:
    examples = rule.get("examples", {})
    assert examples.get("fires"), f"rule {rule['id']} has no example it fires on"
    for sentence in examples.get("fires", []):
        assert rule["id"] in tag_one(sentence, rules).fired, sentence
    for sentence in examples.get("ignores", []):
        assert rule["id"] not in tag_one(sentence, rules).fired, sentence


def test_rules_check_passes_on_the_shipped_rules() -> None:
    report = check_rules()
    assert report.ok, report.lines()
    assert report.rules >= 15 and report.examples >= 40


def test_rules_check_warns_about_a_phrase_the_one_pass_scan_cannot_take(tmp_path: Path) -> None:
    """A curly apostrophe in one phrase sends the whole rule to its own pattern on every sentence
    (it cost the tagger a tenth of its speed once): the check names the phrase, and the shipped
    rules hold none."""
    data = yaml.safe_load(MINIMAL)
    data["rules"][0]["phrases"] = ["it’s false"]
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert any("'it’s false' cannot join the one-pass scan" in w for w in check_rules(path).warnings)
    assert not any("one-pass scan" in w for w in check_rules().warnings)


def test_rules_check_reports_a_broken_example_with_rule_and_field(tmp_path: Path) -> None:
    data = yaml.safe_load(MINIMAL)
    data["rules"][0]["examples"] = {"fires": ["Nothing to see here."], "ignores": ["They deny it."]}
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data))
    report = check_rules(path)
    assert not report.ok
    assert any(
        "rule 'deny', examples.fires: does not fire on 'Nothing to see here.'" in e for e in report.errors
    )
    assert any("rule 'deny', examples.ignores: fires on 'They deny it.'" in e for e in report.errors)
    assert report.lines()[-1].endswith(": 1 rule, 2 examples, 2 errors, 0 warnings")  # counted in English


def test_rules_check_warns_about_never_firing_and_shadowed_rules(tmp_path: Path) -> None:
    data = yaml.safe_load(MINIMAL)
    data["rules"][0]["examples"] = {"fires": ["They deny it."]}
    data["rules"].append({"id": "no-examples", "status": "alleged", "description": "x", "phrases": ["said"]})
    data["rules"].append(
        {
            "id": "denied-verb-alleged",
            "status": "alleged",
            "description": "x",
            "verbs": ["deny"],
            "examples": {"fires": ["They deny it."]},
        }
    )
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data))
    report = check_rules(path)
    assert report.ok
    assert any("'no-examples': never fires" in w for w in report.warnings)
    assert any("'denied-verb-alleged': shadowed" in w for w in report.warnings)


def test_a_word_listed_twice_is_named() -> None:
    data = yaml.safe_load(MINIMAL)
    data["rules"][0]["verbs"] = ["deny", "reject", "deny"]
    with pytest.raises(RulesError, match=r"rule 'deny', field verbs: listed more than once: deny"):
        parse_rules(yaml.safe_dump(data), "x.yaml")


ENGINE_MODULES = ("segment", "quotes", "tag", "attribution", "rules", "scan", "status", "titles", "grouping")


def _english_in(code: str, where: str, lexicon_names: set[str]) -> list[str]:
    """Word lists and word alternations written into a module's code."""
    import ast
    import re

    found = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            # a list of words, or a table of them (("ies", "i"), ("ing", ""), ...)
            items = [x for e in node.elts for x in (e.elts if isinstance(e, ast.List | ast.Tuple) else [e])]
            words = [
                e.value
                for e in items
                if isinstance(e, ast.Constant) and isinstance(e.value, str) and e.value.isalpha()
            ]
            words = [w for w in words if w.islower() and w not in lexicon_names]
            if len(words) >= 3:
                found.append(f"{where}:{node.lineno}: {words[:5]}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            alternation = re.findall(r"\b[a-z]{2,}(?:\|[a-z]{2,}){2,}\b", node.value)
            found += [f"{where}:{node.lineno}: {a}" for a in alternation]
    return found


def test_no_engine_module_holds_an_english_word_list(tmp_path) -> None:
    """Knowledge is data: the words the engine leans on live in the rules file's lexicons. The names of
    the lexicons, the statuses, the rules file's fields and the database's columns are formats."""
    schema = json.loads((ROOT / "schemas" / "rules.schema.json").read_text(encoding="utf-8"))
    names = set(yaml.safe_load(default_rules_path().read_text(encoding="utf-8"))["lexicons"]) | set(STATUSES)
    names |= set(schema["$defs"]["rule"]["properties"]) | set(schema["properties"]["grouping"]["properties"])
    db = open_db(tmp_path)
    names |= {c.name for table in db.tables for c in table.columns}
    db.close()
    found = [
        hit
        for module in ENGINE_MODULES
        for hit in _english_in(
            (ROOT / "claimdesk" / f"{module}.py").read_text(encoding="utf-8"), f"{module}.py", names
        )
    ]
    assert found == []


def test_the_word_list_check_catches_lists_and_alternations() -> None:
    code = 'STOP = frozenset(["that", "this", "with"])\nTAIL = r"\\b(?:said|says|told)\\b"\n'
    assert len(_english_in(code, "x.py", set())) == 2
    table = 'for suffix, repl in (("ies", "i"), ("ing", ""), ("ed", "")):\n    pass\n'
    assert len(_english_in(table, "x.py", set())) == 1  # a table of endings is English too


def test_a_rules_files_segmenter_words_are_used_by_a_run(tmp_path) -> None:
    """The segmenter's lexicons are the rules file's: a run with another file splits by them."""
    from claimdesk.annotate import annotate
    from claimdesk.ingest import make_article

    article = make_article("a.txt", "a.txt", "The talks were led by Amb. Ruiz in Lima. Both sides agreed.\n")
    shipped = load_rules()
    data = yaml.safe_load(default_rules_path().read_text(encoding="utf-8"))
    data["lexicons"]["abbreviations_before_names"].append("amb")
    custom = parse_rules(yaml.safe_dump(data, allow_unicode=True), "custom.yaml")
    assert annotate(article, shipped).sentence_count == 3  # "Amb." ends a sentence for the shipped rules
    assert [r.text for r in annotate(article, custom).records()] == [
        "The talks were led by Amb. Ruiz in Lima.",
        "Both sides agreed.",
    ]


def test_rules_copy_writes_the_shipped_rules_to_edit_and_keeps_an_existing_file(tmp_path: Path) -> None:
    """A copy is the shipped rules byte for byte (so a run with it re-tags nothing), it passes
    rules check, and a file already there is kept unless --force."""
    import subprocess
    import sys

    from claimdesk.rules import load_rules

    claimdesk = str(Path(sys.executable).parent / "claimdesk")
    mine = tmp_path / "my-rules.yaml"
    first = subprocess.run([claimdesk, "rules", "copy", str(mine)], capture_output=True, text=True)
    assert first.returncode == 0 and f"--rules {mine}" in first.stdout
    assert load_rules(mine).digest == load_rules().digest
    assert check_rules(mine).ok
    mine.write_text("# my edits\n", encoding="utf-8")
    again = subprocess.run([claimdesk, "rules", "copy", str(mine)], capture_output=True, text=True)
    assert again.returncode == 2 and "--force" in again.stderr and again.stderr.count("\n") == 1
    assert mine.read_text(encoding="utf-8") == "# my edits\n"
    forced = subprocess.run(
        [claimdesk, "rules", "copy", str(mine), "--force"], capture_output=True, text=True
    )
    assert forced.returncode == 0 and load_rules(mine).digest == load_rules().digest
    assert "Change its name and version" in first.stdout, "so that records say which rules tagged"
    folder = subprocess.run(
        [claimdesk, "rules", "copy", str(tmp_path), "--force"], capture_output=True, text=True
    )
    assert folder.returncode == 2 and f"{tmp_path} is a folder: give a file name" in folder.stderr


def test_a_rule_without_a_cue_or_a_status_is_told_which_fields_it_needs() -> None:
    """jsonschema's "is not valid under any of the given schemas" came after the whole rule, cut off."""
    bare = "  - id: close\n    status: alleged\n    description: sources close to\n"
    with pytest.raises(RulesError) as caught:
        parse_rules(MINIMAL + bare + "  - id: loose\n    description: x\n    phrases: [close to]\n", "x.yaml")
    assert "rule 'close', field (rule): needs one of phrases, verbs, regex, when, same_cues_as" in str(
        caught.value
    )
    assert "rule 'loose', field (rule): needs one of status, group" in str(caught.value)
