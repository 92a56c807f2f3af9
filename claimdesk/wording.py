"""Words for the reader: counts as a reader writes them (``1 article``, ``2 articles``), and a
YAML file's mistake in one line, at the line and column where it is."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``count`` and ``noun``, with the plural (``noun + 's'`` unless given) for any count but 1."""
    return f"{count} {noun if count == 1 else (many or noun + 's')}"


def yaml_problem(exc: Exception) -> str:
    """A YAML error in one line: "line 3, column 1: expected ',' or ']'" (PyYAML's own message
    spans several lines and names "<unicode string>" for the file)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}" if mark else problem
