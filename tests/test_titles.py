"""Titles when the source gives none: the headline past page furniture, or the first sentence."""

from __future__ import annotations

from claimdesk.ingest import TITLE_LIMIT, make_article
from claimdesk.titles import cut, title_of
from tests.conftest import SEEDS


def test_page_furniture_above_the_headline_is_skipped() -> None:
    text = "Getting your Trinity Audio player ready...\n|\nFloods close the harbour\nThe harbour closed.\n"
    assert title_of(text, TITLE_LIMIT) == "Floods close the harbour"


def test_what_furniture_is_comes_from_the_rules_files_title_skips() -> None:
    """The title passes over the lines that the rules named by ``title_skips`` fire on, and only those."""
    import yaml

    from claimdesk.rules import default_rules_path, parse_rules

    text = "Listen to the story\nSign up for our newsletter\nFloods close the harbour\nThe harbour closed.\n"
    assert title_of(text, TITLE_LIMIT) == "Floods close the harbour"
    data = yaml.safe_load(default_rules_path().read_text(encoding="utf-8"))
    data["title_skips"] = ["no-words"]  # a file that takes page furniture for headlines
    assert title_of(text, TITLE_LIMIT, parse_rules(yaml.safe_dump(data))) == "Listen to the story"


def test_an_article_without_a_headline_shows_its_first_sentence_cut_at_a_word() -> None:
    first = (
        "Russian President Vladimir Putin and Iranian President Masoud Pezeshkian signed a broad "
        "cooperation agreement Friday, deepening their already growing partnership."
    )
    title = title_of(first + " A second sentence follows.\nMore text.\n", TITLE_LIMIT)
    assert title == (
        "Russian President Vladimir Putin and Iranian President Masoud Pezeshkian signed a broad "
        "cooperation agreement Friday…"
    )
    assert len(title) <= TITLE_LIMIT
    assert title_of("The mayor resigned. Then the council met.\n", TITLE_LIMIT) == "The mayor resigned."


def test_cut_keeps_whole_words() -> None:
    assert cut("short title", 40) == "short title"
    assert cut("one two three four five six", 16) == "one two three…"
    assert cut("x" * 50, 10) == "x" * 9 + "…"


def test_seed_titles_are_headlines_or_first_sentences_never_furniture() -> None:
    titles = {
        p.name[:3]: make_article(p.name, p.name, p.read_text(encoding="utf-8")).title
        for p in sorted(SEEDS.glob("*.txt"))
    }
    assert titles["001"] == "Presidents of Russia and Iran Sign Strategic Partnership Agreement in Moscow"
    assert titles["003"].startswith(
        "Russian President Vladimir Putin and Iranian President Masoud Pezeshkian met"
    )
    assert not any("Trinity Audio" in t or t == "|" for t in titles.values())
    assert all(len(t) <= TITLE_LIMIT and (t.endswith("…") or not t.endswith(" ")) for t in titles.values())
