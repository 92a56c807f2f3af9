"""benchmarks/polnear.py: the three shares come out right on a tiny PolNeAR-shaped folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks.polnear import CorpusError, load_cue_words, main, parse_ann, score

SENTENCES = [
    "Bridge closes",  # no annotation, tagged none
    "John Smith said the bridge was closed.",  # reporting cue, source named: alleged, John Smith
    "The mayor resigned on Friday.",  # no annotation: confirmed
    "He said the repairs would take a year.",  # source "He", resolved through the coreference chain
    "Officials confirmed the figures.",  # committing cue: not a reporting attribution
    "The council met in March.",  # no annotation: confirmed
    "The plan will reportedly cost more.",  # no annotation, hedged: alleged (a miss of measure 3)
    "Jones asked workers whether they planned to attend.",  # reporting cue tagged confirmed: a miss
]
TEXT = SENTENCES[0] + "\n\n" + " ".join(SENTENCES[1:]) + "\n"
POS = {"john": "NNP", "smith": "NNP", "jones": "NNP", "he": "PRP", "they": "PRP", "said": "VBD"}


def _at(sentence: int, words: str) -> tuple[int, int]:
    start = TEXT.index(SENTENCES[sentence]) + SENTENCES[sentence].index(words)
    return start, start + len(words)


def _ann(attributions: list[tuple[tuple[int, str], tuple[int, str], tuple[int, str] | None]]) -> str:
    lines, n = [], 0
    for e, (cue, content, source) in enumerate(attributions, start=1):
        ids = {}
        for kind, (sentence, words) in (("Source", source), ("Cue", cue), ("Content", content)):
            if sentence is None:
                continue
            n += 1
            start, end = _at(sentence, words)
            lines.append(f"T{n}\t{kind} {start} {end}\t{words}")
            ids[kind] = f"T{n}"
        n += 1
        start, end = _at(*cue)
        lines.append(f"T{n}\tAttribution {start} {end}\t{cue[1]}")
        roles = " ".join(f"{k}:{v}" for k, v in ids.items())
        lines.append(f"E{e}\tAttribution:T{n} {roles}")
    return "\n".join(lines) + "\n"


def _corenlp(chains: list[list[tuple[int, str]]]) -> str:
    """Minimal CoreNLP XML: one <sentence> per entry of SENTENCES, tokens with offsets and POS."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<root><document><sentences>"]
    tokens: list[list[tuple[int, int, str]]] = []
    for i, sentence in enumerate(SENTENCES):
        base = TEXT.index(sentence)
        toks = [(base + m.start(), base + m.end(), m.group()) for m in re.finditer(r"\w+|[^\w\s]", sentence)]
        tokens.append(toks)
        out.append(f'<sentence id="{i + 1}"><tokens>')
        for j, (b, e, word) in enumerate(toks, start=1):
            pos = POS.get(word.lower(), "NN")
            out.append(
                f'<token id="{j}"><word>{word}</word><lemma>{word.lower()}</lemma>'
                f"<CharacterOffsetBegin>{b}</CharacterOffsetBegin><CharacterOffsetEnd>{e}</CharacterOffsetEnd>"
                f"<POS>{pos}</POS></token>"
            )
        out.append("</tokens><basic-dependencies/></sentence>")
    out.append("</sentences><coreference>")
    for chain in chains:
        out.append("<coreference>")
        for sentence, words in chain:
            start, end = _at(sentence, words)
            ids = [j for j, (b, e, _) in enumerate(tokens[sentence], start=1) if b >= start and e <= end]
            out.append(
                f"<mention><sentence>{sentence + 1}</sentence><start>{ids[0]}</start>"
                f"<end>{ids[-1] + 1}</end><head>{ids[-1]}</head><text>{words}</text></mention>"
            )
        out.append("</coreference>")
    out.append("</coreference></document></root>")
    return "\n".join(out)


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    train = tmp_path / "polnear" / "train"
    for sub in ("text", "attributions", "corenlp"):
        (train / sub).mkdir(parents=True)
    (train / "text" / "art.txt").write_text(TEXT, encoding="utf-8")
    (train / "attributions" / "art_aaaa.ann").write_text(
        _ann(
            [
                ((1, "said"), (1, "the bridge was closed"), (1, "John Smith")),
                ((3, "said"), (3, "the repairs would take a year"), (3, "He")),
                ((4, "confirmed"), (4, "the figures"), (4, "Officials")),
                ((7, "asked"), (7, "whether they planned to attend"), (7, "Jones")),
            ]
        ),
        encoding="utf-8",
    )
    # A second annotator, later by name: not used (it would take the mayor's sentence out of measure 3).
    (train / "attributions" / "art_zzzz.ann").write_text(
        _ann([((2, "resigned"), (2, "on Friday"), (2, "The mayor"))]), encoding="utf-8"
    )
    (train / "corenlp" / "art.txt.xml").write_text(
        _corenlp([[(1, "John Smith"), (3, "He")]]), encoding="utf-8"
    )
    return tmp_path / "polnear"


def test_three_shares_on_a_tiny_corpus(corpus: Path) -> None:
    result = score(corpus, jobs=1)
    assert result["articles"] == 1 and result["offset_basis"] == {"code points": 1}
    assert result["annotators"] == {"aaaa": 1}

    reporting = result["reporting"]  # John Smith said, He said, Jones asked (not "confirmed")
    assert (reporting["hits"], reporting["sentences"]) == (2, 3)
    assert reporting["tagged"] == {"alleged": 2, "confirmed": 1}
    assert [m["start"] for m in reporting["misses"]] == [_at(7, SENTENCES[7])[0]]

    source = result["source"]  # "He" is read through the chain John Smith / He
    assert (source["named_hits"], source["named"]) == (2, 2)
    assert (source["hits"], source["sentences"]) == (2, 3)
    assert source["via_coreference"] == 1
    assert source["misses_by_reason"] == {"no attributed_to (tagged confirmed)": 1}

    plain = result["unattributed"]  # the heading, the mayor, the council, the plan
    assert (plain["hits"], plain["sentences"]) == (2, 4)
    assert plain["confirmed_or_none_hits"] == 3
    assert plain["tagged"] == {"confirmed": 2, "none": 1, "alleged": 1}


def test_a_wrong_name_for_a_pronoun_source_is_a_miss(corpus: Path) -> None:
    # The chain now ties "He" to the mayor: our "John Smith" does not name him.
    (corpus / "train" / "corenlp" / "art.txt.xml").write_text(
        _corenlp([[(2, "The mayor"), (3, "He")]]), encoding="utf-8"
    )
    source = score(corpus, jobs=1)["source"]
    assert (source["named_hits"], source["named"]) == (1, 2)
    assert source["misses_by_reason"]["other name (source: pronoun/common via coreference)"] == 1


def test_missing_folders_give_a_clear_error(tmp_path: Path, capsys) -> None:
    with pytest.raises(CorpusError, match="no such folder"):
        score(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no train/text folder"):
        score(tmp_path / "empty")
    assert main(["--corpus", str(tmp_path / "absent")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_cue_words_and_standoff_parsing() -> None:
    cues = load_cue_words()
    assert cues.kind("said") == cues.kind("according to") == cues.kind("has repeatedly warned") == "reporting"
    assert cues.kind("confirmed") == cues.kind("told reporters he admitted") == "committing"
    assert cues.kind("mocked") is None
    spans, attributions = parse_ann(
        "T1\tSource 0 2\tHe\nT2\tCue 3 7\tsaid\nT3\tContent 8 20;22 30\tfirst line\nsecond\n"
        "T4\tAttribution 3 7\tsaid\nE1\tAttribution:T4 Cue:T2 Source:T1 Content:T3\n"
        "#1\tAnnotatorNotes T1\tnote\n"
    )
    assert spans["T3"].text == "first line\nsecond" and (spans["T3"].start, spans["T3"].end) == (8, 30)
    assert attributions[0].source.text == "He" and attributions[0].cue.text == "said"


def test_a_fuller_name_names_the_source_but_another_person_does_not() -> None:
    from benchmarks.polnear import names

    titles = frozenset({"mrs.", "mrs", "spokeswoman"})
    assert names("Tad Devine", ["Devine"], titles)
    assert names("Hillary Clinton", ["Mrs. Clinton"], titles)
    assert names("Haley Morris", ["Spokeswoman Haley Morris"], titles)
    assert not names("Donald Trump", ["Mrs. Clinton"], titles)
    assert not names("Tad Devine", ["Jeff Weaver"], titles)


def test_a_role_with_a_proper_noun_in_it_is_read_through_its_coreference_chain() -> None:
    """ "The Harbour senator" is a common-noun phrase (its head is "senator"), so the person its
    chain names counts; "Ada Quint", headed by a proper noun, is matched as written."""
    from benchmarks.polnear import CoreNLP, Standoff, source_texts

    text = "Ada Quint met workers. The Harbour senator said fares were high."
    role, name = (23, 42), (0, 9)
    tokens = [(0, 3, "NNP"), (4, 9, "NNP"), (23, 26, "DT"), (27, 34, "NNP"), (35, 42, "NN")]
    nlp = CoreNLP(tokens=tokens, chains=[[name, role]])
    candidates, kind = source_texts(Standoff("Source", [role], text[23:42]), text, nlp)
    assert "Ada Quint" in candidates and kind != "proper name"
    candidates, kind = source_texts(Standoff("Source", [name], "Ada Quint"), text, nlp)
    assert candidates == ["Ada Quint"] and kind == "proper name"
