"""Datasette metadata for ``claims.db``: titles, descriptions, facets, sort order.

Written next to the database as ``metadata.yml`` so that
``datasette output/claims.db -m output/metadata.yml`` opens a useful view.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from claimdesk.records import Article, CueRecord, SentenceRecord


def _columns(model) -> dict[str, str]:
    """Column descriptions come from the pydantic field descriptions: one place for each."""
    return {name: f.description or "" for name, f in model.model_fields.items()}


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
    return {
        "title": "claimdesk: claims in the news",
        "description": (
            "Every sentence of the ingested articles, tagged with how the article presents its "
            "claim: confirmed, alleged, denied, disputed, or no claim (blank). A status describes "
            "the article's presentation, not whether the claim is true."
        ),
        "license": "Article texts remain the property of their publishers",
        "source": "claimdesk",
        "databases": {
            "claims": {
                "tables": {
                    "articles": {
                        "description": "One row per article, with its full text as ingested.",
                        "label_column": "title",
                        "sort_desc": "rowid",
                        "columns": article_cols,
                    },
                    "sentences": {
                        "description": (
                            "One row per sentence; text = articles.text[start:end]. "
                            f"Tagged with {rules_name}."
                        ),
                        "label_column": "text",
                        "facets": ["status", "attributed_to", "source_type", "decided_by"],
                        "sort": "id",
                        "columns": sentence_cols,
                    },
                    "cues": {
                        "description": "Every rule that fired on a sentence, with the matched text.",
                        "facets": ["rule_id", "status"],
                        "columns": {**_columns(CueRecord), "sentence_id": "The sentence it fired on."},
                    },
                    "rules": {
                        "description": "The rules in use; their cues and examples live in the rules file.",
                        "label_column": "id",
                        "facets": ["status"],
                    },
                    "runs": {
                        "description": "One row per pipeline run, with counts.",
                        "sort_desc": "started_at",
                    },
                    "rejects": {
                        "description": "Inputs and records that could not be processed, with the reason.",
                        "facets": ["stage"],
                        "sort_desc": "at",
                    },
                }
            }
        },
    }


def write_metadata(output: Path, rules_name: str) -> Path:
    path = output / "metadata.yml"
    path.write_text(yaml.safe_dump(build_metadata(rules_name), sort_keys=False, allow_unicode=True))
    return path
