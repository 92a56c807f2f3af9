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

from claimdesk import atomic
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
        rules_digest="sha256 of the engine version and rules that tagged the article (a change re-tags).",
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
        claim="The claim across outlets the sentence belongs to (none when too thin to group).",
        article_id="Id of the article; the article title links to it whole, coloured by status.",
        sentence_rowid="Internal row number, used by search.",
    )
    claims_cols = {
        "id": "Id of the claim (named after the sentence that started it).",
        "text": "The claim as one of its mentions words it (the first that made it).",
        "status": (
            "Across all its mentions, in one article or several (see articles): disputed when one "
            "mention puts the claim forward (alleged, confirmed) and another denies or disputes it; "
            "otherwise the strongest of its mentions' statuses."
        ),
        "mentions": "Sentences that make this claim.",
        "articles": "Articles that make it.",
        "outlets": "Outlets that make it; an article with no outlet known counts as an outlet of its own.",
        "confirmed": "Mentions that present it as fact.",
        "alleged": "Mentions that attribute or hedge it.",
        "denied": "Mentions that deny it.",
        "disputed": "Mentions that carry both sides.",
        "asserted_by": "Who states it as fact (source, or the article itself) and in which outlet.",
        "alleged_by": "Who alleges it (or 'no source named' for a hedge), and in which outlet.",
        "denied_by": "Who denies it, and in which outlet.",
        "disputed_by": "Whose claim is reported with both sides (or as unproven), and in which outlet.",
        "first_seen": (
            "Earliest publication date of a mention's article; the time of the run that stored it when "
            "the article gives no date (plain text files rarely do)."
        ),
        "last_seen": "Latest publication date of a mention's article (or run time, as for first_seen).",
        "canonical_sentence_id": "The sentence whose words stand for the claim.",
    }
    mention_cols = {
        "sentence_id": "The sentence that makes the claim.",
        "claim_id": "The claim.",
        "article_id": "Its article.",
        "outlet": article_cols["outlet"],
        "status": "How this article presents the claim.",
        "attributed_to": "Who this sentence attributes the claim to.",
        "joined_by": (
            "How it joined: started (the first), similar (shares entities and content), "
            "refers back (a denial of 'these claims' answering the sentence before)."
        ),
        "score": "Similarity to the closest earlier mention (0 to 1).",
        "seen": "Publication date of its article (or the run time).",
        "signature": "Entities and terms grouping compared (internal).",
    }
    return {
        "title": "claimdesk: claims in the news",
        "description": (
            "Every sentence of the ingested articles, tagged with how the article presents its "
            "claim: confirmed, alleged, denied, disputed, or no claim (blank). A status describes "
            "the article's presentation, not whether the claim is true."
        ),
        "description_html": (
            "Claims made across the ingested articles, with where each stands across outlets. "
            'Start with <a href="/claims/claims">the claims</a> (click one to see who says it, who '
            'alleges it and who denies it) or <a href="/claims/contested_claims">the claims contested '
            "across outlets</a>. Every sentence is tagged with how its article presents its claim: "
            "confirmed, alleged, denied, disputed, or no claim; a status describes the article's "
            "presentation, not whether the claim is true. The statuses are a rule engine's: on news it "
            "was not written for, a confirmed or alleged is right about 85 times in 100, a denied or "
            "disputed about one time in three, and most denials and disputes go unmarked; read those "
            "as leads to check."
        ),
        "license": "Article texts © their publishers, shown for checking; annotations Apache-2.0",
        "source": f"Articles read by claimdesk run, tagged with {rules_name}",
        "databases": {
            "claims": {
                "title": "Claims in the news",
                "description": (
                    "Start with claims: each claim made across articles, with where it stands across "
                    "outlets; click one for who says it, who alleges it and who denies it. "
                    "claim_sentences has every sentence that makes a claim, faceted by status, source and "
                    "outlet. Search matches word forms (drone finds drones)."
                ),
                "tables": {
                    "claims": {
                        "title": "Claims across outlets",
                        "description": (
                            "One row per claim, grouped from sentences of different articles that make "
                            "it. The status is where it stands across outlets. Click a claim to see its "
                            "mentions side by side, by outlet. Search finds claims by their words."
                        ),
                        "facets": ["status"],
                        "sort_desc": "mentions",
                        "label_column": "text",
                        "fts_table": "claims_fts",
                        "columns": claims_cols,
                    },
                    # grouping's candidate index: working data, listed among the hidden tables
                    "claim_keys": {"hidden": True},
                    "claim_mentions": {
                        "title": "Claim mentions",
                        "description": "Each sentence that makes a claim, with its claim, outlet and status.",
                        "facets": ["status", "outlet", "joined_by"],
                        "columns": mention_cols,
                    },
                    "claim_sentences": {
                        "title": "Claim sentences",
                        "description": (
                            "Each sentence that makes a claim, with its article, outlet and the claim it "
                            "belongs to. Click an id to read the sentence with its cues highlighted, a "
                            "claim to see it across outlets: search here to find a claim by any "
                            "outlet's wording."
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
    atomic.write_text(path, yaml.safe_dump(build_metadata(rules_name), sort_keys=False, allow_unicode=True))
    return path
