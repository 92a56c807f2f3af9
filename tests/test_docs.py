"""Documentation that cannot fall behind: the README's option tables are checked against argparse
both ways (every option documented, every documented option real), and every rules-file field is
documented."""

from __future__ import annotations

import argparse
import json
import re

import pytest

from claimdesk.cli import build_parser
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
RULES_DOC = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
LAYER_DOC = (ROOT / "docs" / "layer.md").read_text(encoding="utf-8")
COMMON = "Every command also takes:"
FLAG = re.compile(r"`(--?[a-z][a-z-]*)")


def _subparsers(parser: argparse.ArgumentParser, prefix: str = "claimdesk"):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{prefix} {name}", sub
                yield from _subparsers(sub, f"{prefix} {name}")


def _flags(parser: argparse.ArgumentParser) -> set[str]:
    return {f for action in parser._actions for f in action.option_strings if f not in ("-h", "--help")}


COMMANDS = {
    command: parser
    for command, parser in _subparsers(build_parser())
    if not any(isinstance(a, argparse._SubParsersAction) for a in parser._actions)
}


def _table_after(marker: str) -> set[str]:
    """The flags in the first column of the table that follows ``marker`` in the README."""
    after = README.split(marker, 1)[1].split("\n", 1)[1]  # from the line after the marker's
    rows = after.lstrip("\n").split("\n\n", 1)[0].splitlines()
    assert rows and rows[0].startswith("| option"), f"no option table after {marker!r}"
    return {flag for row in rows[2:] for flag in FLAG.findall(row.split("|")[1])}


def documented(command: str) -> set[str]:
    """What the README says ``command`` takes: its options table, or none when it has no table."""
    marker = f"`{command}` options"
    return _table_after(marker) if marker in README else set()


def test_the_commands_are_the_ones_the_readme_covers() -> None:
    assert set(COMMANDS) == {
        "claimdesk run",
        "claimdesk schedule",
        "claimdesk rules check",
        "claimdesk rules copy",
        "claimdesk eval",
        "claimdesk ui",
        "claimdesk export",
        "claimdesk layer train",
    }


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_option_of_a_command_is_in_its_readme_table(command: str) -> None:
    missing = _flags(COMMANDS[command]) - documented(command) - _table_after(COMMON)
    assert not missing, f"{command}: {sorted(missing)} not in its options table in README.md"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_option_the_readme_documents_for_a_command_exists(command: str) -> None:
    invented = documented(command) - _flags(COMMANDS[command])
    assert not invented, f"README.md documents {sorted(invented)} for {command}, which has no such option"


def test_the_options_every_command_takes_exist_on_every_command() -> None:
    common = _table_after(COMMON)
    assert common
    for command, parser in COMMANDS.items():
        assert common <= _flags(parser), command


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_option_in_the_usage_synopsis_exists(command: str) -> None:
    synopsis = README.split("## Using it", 1)[1].split("```", 2)[1]
    lines = [line for line in synopsis.splitlines() if line.startswith(command + " ")]
    assert lines, f"{command} has no synopsis line"
    for line in lines:
        assert set(re.findall(r"\[(--?[a-z][a-z-]*)", line)) <= _flags(COMMANDS[command]), line


def test_the_label_standard_is_the_projects_own_and_in_step_with_the_shared_one() -> None:
    ours = (ROOT / "docs" / "claim-status.md").read_text(encoding="utf-8")
    assert "](docs/claim-status.md)" in README and "../shared/" not in README
    # The shared standard sits beside the checkout (or beside the folder of worktrees).
    shared = [
        p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if (p / "CLAIM_STATUS.md").exists()
    ]
    for folder in shared:
        assert (folder / "CLAIM_STATUS.md").read_text(encoding="utf-8") == ours, (
            "docs/claim-status.md is behind"
        )
    assert ours.startswith("# Claim status")


def test_the_readme_says_each_thing_once() -> None:
    assert README.count("Exit status: `0`") == 1
    assert README.count("  - `rules`, `runs`") == 1


def _schema_fields():
    schema = json.loads((ROOT / "schemas" / "rules.schema.json").read_text(encoding="utf-8"))
    yield from schema["properties"]
    yield from schema["properties"]["lexicons"]["properties"]
    yield from schema["$defs"]["rule"]["properties"]
    yield from schema["$defs"]["condition"]["properties"]
    yield from schema["$defs"]["rule"]["properties"]["examples"]["properties"]
    yield from schema["properties"]["grouping"]["properties"]
    yield from schema["properties"]["grouping"]["properties"]["examples"]["properties"]
    yield from schema["properties"]["grouping"]["properties"]["stemming"]["items"]["properties"]


@pytest.mark.parametrize("field", sorted(set(_schema_fields())))
def test_every_rules_file_field_is_documented(field: str) -> None:
    assert f"`{field}`" in RULES_DOC, f"rules-file field {field!r} is not documented in docs/rules.md"


def _layer_fields():
    schema = json.loads((ROOT / "schemas" / "layer.schema.json").read_text(encoding="utf-8"))
    yield from schema["properties"]


@pytest.mark.parametrize("field", sorted(set(_layer_fields())))
def test_every_layer_file_field_is_documented(field: str) -> None:
    assert f"| `{field}` |" in LAYER_DOC, f"layer-file field {field!r} is not documented in docs/layer.md"


def test_the_rules_doc_examples_pass_rules_check(tmp_path) -> None:
    """The rules and the grouping block docs/rules.md shows, put in a copy of the shipped file in
    place of its own, load and pass their own examples: a reader can start from them."""
    import yaml

    from claimdesk.rulecheck import check_rules
    from claimdesk.rules import default_rules_path

    rules_block, grouping_block = re.findall(r"```yaml\n(.*?)```", RULES_DOC, re.S)
    data = yaml.safe_load(default_rules_path().read_text(encoding="utf-8"))
    data["rules"] = yaml.safe_load(rules_block)
    data["title_skips"] = []  # the shipped file's names rules that the docs' block does not hold
    data["grouping"] = yaml.safe_load(grouping_block)["grouping"]
    path = tmp_path / "from-the-docs.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    report = check_rules(path)
    assert not report.errors, report.errors
    assert report.examples == 7


def test_every_column_of_the_main_tables_is_in_what_it_writes(tmp_path, rules) -> None:
    """A column added to the database and left out of the README's "What it writes" fails here."""
    import sqlite3

    from tests.conftest import build_desk

    build_desk(tmp_path, rules)
    section = README.split("### What it writes", 1)[1].split("\n### ", 1)[0]
    with sqlite3.connect(tmp_path / "claims.db") as conn:
        for table in ("articles", "sentences", "cues", "claims", "claim_mentions"):
            columns = [row[1] for row in conn.execute(f"pragma table_info({table})")]
            missing = [c for c in columns if f"`{c}`" not in section]
            assert not missing, f"{table}: {missing} not in README's What it writes"


def test_the_readme_example_of_tagging_text_in_python_prints_what_it_says(capsys) -> None:
    block = re.search(r"Text you hold in memory.*?```python\n(.*?)```", README, re.S)
    assert block, "the README's example of tagging text in Python is gone"
    code = block.group(1)
    exec(compile(code, "README.md", "exec"), {})  # noqa: S102 (the README's own example)
    said = [line.removeprefix("# ") for line in code.splitlines() if line.startswith("# ")]
    assert capsys.readouterr().out.splitlines() == said
