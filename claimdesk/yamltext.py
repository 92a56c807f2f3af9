"""Reading YAML a person wrote (a rules file, a sources file): a key given twice in one mapping is a
mistake to point at, not a silent override (PyYAML keeps the last one, so a second ``rules:`` block
would drop every rule above it)."""

from __future__ import annotations

from typing import Any

import yaml

_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when PyYAML has it: much faster


class _UniqueKeys(_BASE):  # type: ignore[misc, valid-type]
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"{key!r} is given twice in one mapping (line {seen[key].start_mark.line + 1} and here); "
                    "YAML would keep only the second",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def load(text: str) -> Any:
    """``yaml.safe_load(text)``, refusing a key given twice in one mapping (a ``yaml.YAMLError``)."""
    return yaml.load(text, Loader=_UniqueKeys)  # noqa: S506 (a SafeLoader)
