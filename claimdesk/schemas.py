"""Where the published JSON Schemas live, and validation against them.

The schemas in the checkout's ``schemas/`` are the contract for what claimdesk writes
and reads; they install with the package as ``claimdesk.jsonschemas`` (package data, read
through importlib.resources, so an installed claimdesk needs no checkout). Every module
validates through here so there is one loader.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
"""The checkout's schemas/, where ``make schemas`` writes."""


def _schema_file(name: str):
    try:
        return resources.files("claimdesk.jsonschemas") / f"{name}.schema.json"
    except ModuleNotFoundError:  # an editable install that does not map the data package
        return SCHEMA_DIR / f"{name}.schema.json"


@cache
def load_schema(name: str) -> dict[str, Any]:
    """Load the published ``<name>.schema.json``."""
    return json.loads(_schema_file(name).read_text(encoding="utf-8"))


@cache
def validator(name: str) -> Draft202012Validator:
    """A compiled validator for one schema; cached because records are validated one by one."""
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def errors(name: str, instance: Any) -> list[str]:
    """Every validation error of ``instance`` as "path: message" lines (empty when valid)."""
    found = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in found]
