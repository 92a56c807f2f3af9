"""Datasette metadata for ``claims.db``: titles, descriptions, facets, sort order, canned queries.

Written next to the database as ``metadata.yml`` (the stable Datasette 0.65 format) so that
``claimdesk ui`` or ``datasette output/claims.db -m output/metadata.yml`` opens a useful desk.
Column descriptions come from the pydantic models and the canned queries from
``claimdesk/queries.yaml``, so each fact is written once.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from claimdesk.records import Article, CueRecord, SentenceRecord

QUERIES = resources.files("claimdesk") / "queries.yaml"  # package data, in a wheel as in a checkout
FACETS = ["status", "attributed_to", "source_type"]


def _columns(model) -> dict[str, str]:
    """Column descriptions come from the pydantic field descriptions: one place for each."""
    return {name: f.description or "" for name, f in model.model_fields.items()}


def canned_queries() -> dict[str, dict]:
    """The desk's canned queries, as Datasette wants them (title, description, sql)."""
    return yaml.safe_load(QUERIES.read_text(encoding="utf-8"))


def build_metadata(rules_name: str) -> dict:
    sentence_cols = _columns(SentenceRecord)
    sentence_cols.pop("cues")
    sentence_cols.pop("rules_version")
    article_cols = _columns(Article)
    article_cols.update(
        rules_digest="sha256 of the rules file that tagged the article (a change re-tags it).",
        run_id="The run that last wrote the article.",
        sentence_count="Number of sentences.",
    )
    claim_cols = {
        k: v
        for k, v in sentence_cols.items()
        if k in ("id", "status", "text", "attributed_to", "source_type", "decided_by", "quoted", "position")
    }
    claim_cols.update(
        outlet=article_cols["outlet"],
        article="Title of the article.",
        article_id="Id of the article; the article title links to it whole, coloured by status.",
        sentence_rowid="Internal row number, used by search.",
    )
    return {
        "title": "claimdesk: claims in the news",
        "description": (
            "Every sentence of the ingested articles, tagged with how the article presents its "
            "claim: confirmed, alleged, denied, disputed, or no claim (blank). A status describes "
            "the article's presentation, not whether the claim is true."
        ),
        "license": "Article texts © their publishers, shown for checking; annotations Apache-2.0",
        "source": f"Articles read by claimdesk run, tagged with {rules_name}",
        "databases": {
            "claims": {
                "title": "Claims in the news",
                "description": (
                    "Start with claims (every sentence that makes a claim, faceted by status, source "
                    "and outlet) or the canned queries below. Search finds words in sentences and "
                    "article titles."
                ),
                "tables": {
                    "claims": {
                        "title": "Claims",
                        "description": (
                            "Each sentence that makes a claim, with its article and outlet. "
                            "Click an id to read the sentence with its cues highlighted."
                        ),
                        "facets": [*FACETS, "outlet"],
                        "sort": "id",
                        "fts_table": "sentences_fts",
                        "fts_pk": "sentence_rowid",
                        "columns": claim_cols,
                    },
                    "articles": {
                        "title": "Articles",
                        "description": (
                            "One row per article, with its full text as ingested. The title links to "
                            "the article with each sentence coloured by its status."
                        ),
                        "label_column": "title",
                        "facets": ["outlet"],
                        "sort": "title",
                        "columns": article_cols,
                    },
                    "sentences": {
                        "title": "Sentences",
                        "description": (
                            "One row per sentence, claims or not; text = articles.text[start:end]. "
                            f"Tagged with {rules_name}; cue words are highlighted."
                        ),
                        "label_column": "text",
                        "facets": [*FACETS, "decided_by"],
                        "sort": "id",
                        "columns": sentence_cols,
                    },
                    "cues": {
                        "title": "Cues",
                        "description": "Every rule that fired on a sentence, with the matched text.",
                        "facets": ["rule_id", "status"],
                        "columns": {**_columns(CueRecord), "sentence_id": "The sentence it fired on."},
                    },
                    "rules": {
                        "title": "Rules",
                        "description": "The rules in use; their cues and examples live in the rules file.",
                        "label_column": "id",
                        "facets": ["status"],
                    },
                    "runs": {
                        "title": "Runs",
                        "description": "One row per pipeline run, with counts.",
                        "sort_desc": "started_at",
                    },
                    "rejects": {
                        "title": "Rejects",
                        "description": "Inputs and records that could not be processed, with the reason.",
                        "facets": ["stage"],
                        "sort_desc": "at",
                    },
                },
                "queries": canned_queries(),
            }
        },
    }


def write_metadata(output: Path, rules_name: str) -> Path:
    path = output / "metadata.yml"
    path.write_text(yaml.safe_dump(build_metadata(rules_name), sort_keys=False, allow_unicode=True))
    return path
