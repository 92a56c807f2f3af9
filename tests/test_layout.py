"""The house layout holds: the core imports no Prefect (only claimdesk.flows does), and the
top-level flows/ are thin entry points over the installed flow code."""

from __future__ import annotations

import ast

from tests.conftest import ROOT


def _imports(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_core_never_imports_prefect() -> None:
    core = [p for p in (ROOT / "claimdesk").rglob("*.py") if "flows" not in p.relative_to(ROOT).parts]
    assert len(core) > 20
    offenders = {
        str(p.relative_to(ROOT)): sorted(n for n in _imports(p) if n.split(".")[0] == "prefect") for p in core
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_top_level_flows_only_reexport_the_installed_flow_code() -> None:
    for path in (ROOT / "flows").glob("*.py"):
        if path.name == "__init__.py":
            continue
        assert _imports(path) <= {"claimdesk.flows.pipeline", "claimdesk.flows.schedule"}, path.name
