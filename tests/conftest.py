"""Shared fixtures: the shipped rules, the seed articles, and a real Prefect API for flow tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

# Prefect reads its settings at import: keep tests on their own home, quiet and patient.
os.environ.setdefault("PREFECT_HOME", str(Path(os.environ.get("TMPDIR", "/tmp")) / "claimdesk-test-prefect"))
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def rules():
    from claimdesk.rules import load_rules

    return load_rules()


@pytest.fixture()
def seeds_copy(tmp_path: Path) -> Path:
    """A private copy of seeds/ so tests can add or change articles."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def prefect_api():
    """A real, temporary Prefect API (ephemeral server with its own database) for the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


def seed_text(name_prefix: str) -> str:
    path = next(SEEDS.glob(f"{name_prefix}*.txt"))
    return path.read_text(encoding="utf-8")


# An article that tries to run code wherever its text or title is shown: it must read as text.
HOSTILE_ARTICLE = (
    "Harbour fire <script>window.__pwned = 'script'; alert('script')</script> breaks out\n"
    "The harbour authority said the fire was contained <img src=x "
    "onerror=\"window.__pwned = 'img'; alert('img')\"> by noon.\n"
    "Residents denied that any warning was given.\n"
)
# Characters outside the Basic Multilingual Plane: offsets are in code points, not UTF-16 units.
WIDE_ARTICLE = "Flood warning 🌊 issued\nThe mayor 👩‍⚖️ said the river would crest at dawn.\n"


def build_desk(output: Path, rules, extra: dict[str, str] | None = None) -> Path:
    """A claims.db and metadata.yml as `claimdesk run` leaves them: the seeds plus ``extra``
    articles (file name -> text), written through the real store without Prefect."""
    from claimdesk import store
    from claimdesk.annotate import annotate
    from claimdesk.ingest import make_article
    from claimdesk.metadata import write_metadata

    db = store.open_db(output)
    store.write_rules(db, rules)
    store.start_run(db, "desk", rules, ["seeds"])
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
    for name, text in {**texts, **(extra or {})}.items():
        article = make_article(f"seeds/{name}", f"seeds/{name}", text)
        store.write_article(db, annotate(article, rules), rules, "desk")
    db.close()
    write_metadata(output, rules.name)
    return output / "claims.db"
