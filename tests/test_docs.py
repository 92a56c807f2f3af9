"""Documentation that cannot fall behind: every CLI option and rules-file field is documented."""

from __future__ import annotations

import argparse
import json

import pytest

from claimdesk.cli import build_parser
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
RULES_DOC = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")


def _subparsers(parser: argparse.ArgumentParser, prefix: str = "claimdesk"):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{prefix} {name}", sub
                yield from _subparsers(sub, f"{prefix} {name}")


def _options():
    for command, parser in _subparsers(build_parser()):
        for action in parser._actions:
            for flag in action.option_strings:
                if flag not in ("-h", "--help"):
                    yield command, flag


@pytest.mark.parametrize(("command", "flag"), list(_options()))
def test_every_cli_option_is_in_the_readme(command: str, flag: str) -> None:
    assert f"`{flag}" in README, f"{command} {flag} is not documented in README.md"


@pytest.mark.parametrize("command", [c for c, _ in _subparsers(build_parser())])
def test_every_command_is_in_the_readme(command: str) -> None:
    assert command in README


def _schema_fields():
    schema = json.loads((ROOT / "schemas" / "rules.schema.json").read_text(encoding="utf-8"))
    yield from schema["properties"]
    yield from schema["properties"]["lexicons"]["properties"]
    yield from schema["$defs"]["rule"]["properties"]
    yield from schema["$defs"]["condition"]["properties"]
    yield from schema["$defs"]["rule"]["properties"]["examples"]["properties"]
    yield from schema["properties"]["grouping"]["properties"]
    yield from schema["properties"]["grouping"]["properties"]["examples"]["properties"]


@pytest.mark.parametrize("field", sorted(set(_schema_fields())))
def test_every_rules_file_field_is_documented(field: str) -> None:
    assert f"`{field}`" in RULES_DOC, f"rules-file field {field!r} is not documented in docs/rules.md"
