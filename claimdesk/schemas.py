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

from jsonschema import Draft202012Validator, validators

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
    """A compiled validator for one schema; cached because records are validated one by one.

    It validates against :func:`plain` of the published schema: the same schema, in the form
    jsonschema checks fastest (a quarter less time a record, where every record is checked), with
    :data:`Validator`, jsonschema's draft 2020-12 validator that checks a property's schema without
    a validator of its own for it (half the time again)."""
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    return Validator(plain(schema))


_IN_PLACE = frozenset(
    {
        *("type", "enum", "const", "pattern", "minLength", "maxLength", "multipleOf"),
        *("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"),
        *("properties", "required", "additionalProperties", "items", "minItems", "maxItems"),
    }
)
"""Keywords whose check depends only on the instance and their own value (no ``$ref`` or ``$id`` to
resolve, no annotations collected from siblings): a schema made of them alone can be checked by the
enclosing validator, without a new one for its place in the schema."""


def _properties(validator: Draft202012Validator, properties: dict, instance: Any, schema: dict) -> Any:
    """jsonschema's own ``properties``, except that a property whose schema holds only
    :data:`_IN_PLACE` keywords is first checked by those keywords' own functions on this validator.
    jsonschema makes a validator for each property it descends into, and that was half of
    validating a record; a property that fails is checked again the standard way, so errors, their
    paths and messages are jsonschema's."""
    if not validator.is_type(instance, "object"):
        return
    for name, subschema in properties.items():
        if name not in instance:
            continue
        value = instance[name]
        in_place = isinstance(subschema, dict) and subschema.keys() <= _IN_PLACE
        if in_place and _holds(validator, subschema, value):
            continue
        yield from validator.descend(value, subschema, path=name, schema_path=name)


def _holds(validator: Draft202012Validator, schema: dict, instance: Any) -> bool:
    """Whether ``instance`` passes each keyword of ``schema``, checked on ``validator`` itself."""
    keywords = validator.VALIDATORS
    for keyword, value in schema.items():
        for _error in keywords[keyword](validator, value, instance, schema) or ():
            return False
    return True


Validator = validators.extend(Draft202012Validator, {"properties": _properties})
"""Draft 2020-12 validation as jsonschema does it, with :func:`_properties` for ``properties``."""


_ANNOTATIONS = frozenset({"title", "description", "examples", "default"})
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "dependentSchemas"})
_SCHEMA_LISTS = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})
_SCHEMA_ONE = frozenset(
    {"items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else"}
)


def plain(schema: dict[str, Any]) -> dict[str, Any]:
    """An equivalent schema without the indirections pydantic writes, which cost jsonschema a
    step each: annotations dropped, a local ``$ref`` to ``$defs`` written in place (``$defs`` are
    kept for any other reference to them), and an
    ``anyOf`` of plain types or constants written as one ``type`` list or one ``enum``
    (``anyOf: [{enum: [a, b], type: string}, {type: null}]`` is ``enum: [a, b, null]``)."""
    defs = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref", "")
        if ref.startswith("#/$defs/") and set(node) - _ANNOTATIONS == {"$ref"}:
            return walk(defs[ref.removeprefix("#/$defs/")])
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _ANNOTATIONS:
                continue
            if key in _SCHEMA_MAPS:
                out[key] = {k: walk(v) for k, v in value.items()}
            elif key in _SCHEMA_LISTS:
                out[key] = [walk(v) for v in value]
            elif key in _SCHEMA_ONE:
                out[key] = walk(value)
            else:
                out[key] = value
        if "anyOf" in out and len(out) == 1:
            return _folded(out["anyOf"]) or out
        return out

    flat = walk(schema)
    if "$schema" in schema:
        flat["$schema"] = schema["$schema"]
    return flat


_JSON_TYPES = {str: "string", bool: "boolean", type(None): "null"}


def _folded(branches: list[dict[str, Any]]) -> dict[str, Any] | None:
    """One ``type`` list or one ``enum`` meaning the same as ``anyOf: branches``, if there is one."""
    if all(set(b) == {"type"} and isinstance(b["type"], str) for b in branches):
        return {"type": [b["type"] for b in branches]}
    values: list[Any] = []
    for b in branches:
        if b == {"type": "null"}:
            values.append(None)
            continue
        if set(b) - {"type"} == {"enum"}:
            found = b["enum"]
        elif set(b) - {"type"} == {"const"}:
            found = [b["const"]]
        else:
            return None
        kinds = {_JSON_TYPES.get(type(v)) for v in found}
        if None in kinds or ("type" in b and kinds != {b["type"]}):
            return None  # numbers (1 is 1.0) or a type the values do not all have: left as written
        values += found
    return {"enum": values}


def errors(name: str, instance: Any) -> list[str]:
    """Every validation error of ``instance`` as "path: message" lines (empty when valid)."""
    found = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in found]
