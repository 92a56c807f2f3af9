"""The tagger on the seed articles and on the traps CLAIM_STATUS.md names."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimdesk.attribution import _grammar, _strip_tail
from claimdesk.rules import default_ruleset
from claimdesk.segment import segment
from claimdesk.tag import _FOUR_WORDS, _WORD, tag_one, tag_sentences
from tests.conftest import seed_text


def tag_article(text: str, rules) -> dict[str, object]:
    spans = segment(text)
    return {text[s.start : s.end]: t for s, t in zip(spans, tag_sentences(text, spans, rules), strict=True)}


def find(tagged: dict, prefix: str):
    matches = [t for s, t in tagged.items() if s.startswith(prefix)]
    assert len(matches) == 1, f"expected one sentence starting {prefix!r}"
    return matches[0]


def test_drone_sentence_with_both_sides_is_disputed(rules) -> None:
    tagged = tag_article(seed_text("003_"), rules)
    verdict = find(
        tagged, "While Ukraine and Western nations allege that Iran supplied Russia with explosive drones"
    )
    assert verdict.status == "disputed"


def test_tehran_denial_is_denied(rules) -> None:
    tagged = tag_article(seed_text("002_"), rules)
    verdict = find(tagged, "Tehran has denied these claims, but")
    assert verdict.status == "denied"
    assert verdict.attributed_to == "Tehran"


def test_according_to_biden_administration_is_alleged_and_attributed(rules) -> None:
    tagged = tag_article(seed_text("000_"), rules)
    verdict = find(tagged, "In that time, Tehran has provided Moscow")
    assert verdict.status == "alleged"
    assert verdict.attributed_to == "Biden administration"
    assert verdict.source_type == "organisation"


@pytest.mark.parametrize(
    ("seed", "line"),
    [
        ("000_", "CLICK HERE TO READ MORE FROM THE WASHINGTON EXAMINER"),
        ("003_", "Getting your Trinity Audio player ready..."),
        ("003_", "|"),
        ("003_", "Strengthening Ties Amid Global Shifts"),
        ("003_", "Shared Regional Challenges"),
        ("004_", "About Pezeshkian, he said the following:"),
    ],
)
def test_boilerplate_headings_and_lead_ins_are_no_claim(rules, seed: str, line: str) -> None:
    assert tag_article(seed_text(seed), rules)[line].status is None


def test_headline_with_a_verb_is_a_claim(rules) -> None:
    tagged = tag_article(seed_text("001_"), rules)
    assert (
        tagged["Presidents of Russia and Iran Sign Strategic Partnership Agreement in Moscow"].status
        == "confirmed"
    )


def test_an_articles_first_line_is_its_headline_not_a_section_heading(rules) -> None:
    """Headlines drop their verbs ("Harbour ferry into its final season"); on an article's first line such
    a line states the news, while the same words further down are a section heading."""
    text = (
        "Harbour ferry into its final season\n\nThe ferry will stop sailing in May, its owners said.\n\n"
        "Harbour ferry into its final season\n\nTickets are sold at the pier.\n"
    )
    spans = segment(text)
    tagged = tag_sentences(text, spans, rules)
    assert [t.status for t in tagged] == ["confirmed", "alleged", None, "confirmed"]
    alone = "Harbour ferry into its final season"  # a line on its own is not known to head an article
    assert tag_sentences(alone, segment(alone), rules)[0].status is None


@pytest.mark.parametrize(
    "sentence",
    [
        "Ines Calder backed the harbour plan on Monday, saying it would bring jobs to the town.",
        "Ines Calder was frank about her dislike of Tom Berrick, saying voters needed to unite.",
    ],
)
def test_a_participle_clause_speaks_for_the_main_clauses_subject(rules, sentence: str) -> None:
    """A clause "..., saying ..." shares the subject of the sentence, not the nearest name before it."""
    verdict = tag_one(sentence, rules)
    assert (verdict.status, verdict.attributed_to) == ("alleged", "Ines Calder")


@pytest.mark.parametrize(
    ("sentence", "source"),
    [
        ("It is not right to say that the ferry figures are wrong.", None),
        ("The union won wide public support, the harbour board said.", "harbour board"),
        ("The governing body confirmed that the final will be moved to Porto.", "governing body"),
        ("Hardly anyone turned up, one Committee member said.", "Committee member"),
    ],
)
def test_a_phrase_that_names_no_one_is_no_source(rules, sentence: str, source: str | None) -> None:
    """A reader never sees "not right to" or "public support" as who said it; an organisation
    named by a common noun ("the governing body") still speaks."""
    assert tag_one(sentence, rules).attributed_to == source


def test_a_name_written_in_full_once_is_the_name_given(rules) -> None:
    """The annotators' convention, and a reader's: the fullest name the article gives ("Ana B. Ruiz",
    once), not its most frequent form ("Ana Ruiz"); another given name is another person."""
    tagged = tag_article(
        "Mayor faces ferry vote\n\nAna B. Ruiz spoke at the pier on Monday. Ana Ruiz has run the port "
        "for years, and Ana Ruiz will stand again. Tom Ruiz, her brother, runs the yard.\n\n"
        "Ms. Ruiz said the ferry would run all winter.\n",
        rules,
    )
    assert find(tagged, "Ms. Ruiz said").attributed_to == "Ana B. Ruiz"


def test_a_family_name_written_first_gets_the_full_name(rules) -> None:
    """ "Mr. Lou" is the "Lou Jiwei" the article named, as "Mr. Clinton" is "Bill Clinton"."""
    tagged = tag_article(
        "China to cut steel output\n\nFinance Minister Wen Haotian met bankers in Shanghai on Monday.\n\n"
        "Mr. Wen said the steel plants would cut output next year.\n",
        rules,
    )
    assert find(tagged, "Mr. Wen said").attributed_to == "Wen Haotian"
    # A family name that is also an English verb, before a given name in two parts.
    tagged = tag_article(
        "Climate deal was a top goal\n\nBan Ki-moon, the secretary general, sat in Washington this week.\n\n"
        '"The discussions are over," Ban said.\n',
        rules,
    )
    assert find(tagged, '"The discussions').attributed_to == "Ban Ki-moon"


def test_a_possessive_ends_a_name(rules) -> None:
    """ "President Obama's America" names no "Obama America", and "Chelsea's William Gallas" is
    William Gallas, not "Chelsea William Gallas"."""
    tagged = tag_article(
        "Two views of one country\n\nVoters will hear two views of President Obama's America this week.\n\n"
        '"The economy is strong," Mr. Obama told lawmakers.\n',
        rules,
    )
    assert find(tagged, '"The economy').attributed_to == "Obama"
    tagged = tag_article(
        "Gallas fit for derby\n\nChelsea's William Gallas trained on Friday.\n\n"
        '"I am ready," Gallas said.\n',
        rules,
    )
    assert find(tagged, '"I am ready').attributed_to == "William Gallas"


@pytest.mark.parametrize(
    ("sentence", "source"),
    [
        ("And Norway said it was the best meeting in years.", "Norway"),
        ('"We are long-term investors," Atticus\' Dana Kroll told the paper.', "Dana Kroll"),
        ("Yet Evan Mann said the ferry would sail.", "Evan Mann"),
        ("Although Weiner says he has quit, the ferry still sails.", "Weiner"),
        ("Another witness said that the ferry was late.", "witness"),
        ('"The pier is safe," said Souness - who had inspected it.', "Souness"),
    ],
)
def test_a_name_keeps_no_conjunction_or_possessive_in_front(rules, sentence: str, source: str) -> None:
    assert tag_one(sentence, rules).attributed_to == source


@pytest.mark.parametrize(
    ("sentence", "source"),
    [
        ("Mrs Will said the harbour plans were recycled.", "Will"),
        ("The Shadow Minister for Ports, June May, said the harbour plans were recycled.", "June May"),
        ("Officials may say the harbour plans were recycled.", "Officials"),
    ],
)
def test_a_surname_that_is_also_a_modal_is_a_name_after_a_given_name_or_title(
    rules, sentence, source
) -> None:
    assert tag_one(sentence, rules).attributed_to == source


def test_who_a_pronoun_says_something_about_is_not_the_speaker(rules) -> None:
    """'He said ... shown by passengers': the agent inside what he said is not who said it; a pronoun
    in a clause before the verb ('The nurse, who ... she feared ..., said') still gives way."""
    text = (
        "Mark Lane said the talks would resume on Monday.\n\n"
        'He said it had been "very heartening" to learn of the generosity being shown by passengers.\n\n'
        "The nurse, who asked not to be named because she feared losing her job, said the ward was full."
    )
    spans = segment(text, rules)
    sources = [t.attributed_to for t in tag_sentences(text, spans, rules)]
    assert sources[1] == "Mark Lane"  # he, the speaker before, not the passengers he spoke of
    assert sources[2] == "nurse"


def test_a_transcript_speaker_in_capitals_gets_the_name_the_article_gives(rules) -> None:
    """ "FALLIN: ..." in a printed interview is Governor Mary Fallin, not an acronym; "NATO" stays."""
    tagged = tag_article(
        "Governor on the ferry strike\n\nGov. Mary Fallin spoke to CNN on Sunday.\n\n"
        "FALLIN: I think the ferries will sail again by June.\n\nNATO: The exercise is over.\n",
        rules,
    )
    assert find(tagged, "FALLIN: I think").attributed_to == "Mary Fallin"
    assert find(tagged, "NATO: The exercise").attributed_to == "NATO"


def test_a_transcript_speaker_named_in_full_in_capitals_is_one_person(rules) -> None:
    """ "PETRA LIND:" and then "LIND:" in a printed interview are both Petra Lind, as the reader
    would write her; an acronym in capitals stays an acronym."""
    tagged = tag_article(
        "Ferry talks\n\nPETRA LIND: The ferries will sail again by June, I am told.\n\n"
        "LIND: The crews want safe boats, and they said so.\n\nRMT: The strike goes on.\n",
        rules,
    )
    assert find(tagged, "PETRA LIND: The ferries").attributed_to == "Petra Lind"
    assert find(tagged, "LIND: The crews").attributed_to == "Petra Lind"
    assert find(tagged, "RMT: The strike").attributed_to == "RMT"


@pytest.mark.parametrize(
    ("first", "later", "source"),
    [
        ("The fact-checker Anouk Drobnic Varga spoke on Monday.", "said Varga", "Anouk Drobnic Varga"),
        ("Republican Reinhold Priebe spoke on Monday.", "said Priebe", "Reinhold Priebe"),
        ("Analyst Tomas Brandt spoke on Monday.", "said Brandt", "Tomas Brandt"),
    ],
)
def test_three_names_alone_are_one_name_but_a_party_or_title_is_not_part_of_it(
    rules, first: str, later: str, source: str
) -> None:
    """A surname gets the three names the article gave when the middle one is no given name; a
    party or title before a name is not a given name."""
    tagged = tag_article(
        f'Ferry talks\n\n{first}\n\n"The ferries will sail again by June," {later}.\n', rules
    )
    assert find(tagged, '"The ferries will sail').attributed_to == source


def test_a_poll_named_by_a_long_proper_name_keeps_the_whole_name(rules) -> None:
    """ "the Harbour Times/Coast Radio News poll" is that poll, not "News poll"."""
    sentence = "A Harbour Times/Coast Radio News poll found that most islanders back the strike."
    assert tag_one(sentence, rules).attributed_to == "Harbour Times/Coast Radio News poll"


@pytest.mark.parametrize(
    ("sentence", "source"),
    [
        ("Ferry fares rose by a fifth last year, according to Harbour Board figures.", "Harbour Board"),
        (
            "Ferry fares rose by a fifth last year, according to a Harbour Board report.",
            "Harbour Board report",
        ),
        (
            "A new Ferry Times/Coastal Radio poll shows that most islanders back the strike.",
            "Ferry Times/Coastal Radio poll",
        ),
    ],
)
def test_a_body_s_figures_are_the_body_s_but_a_poll_or_report_is_a_source_of_its_own(
    rules, sentence: str, source: str
) -> None:
    """As the annotators of published news name them: "Home Office figures" speak for the Home Office,
    while "a CNN/ORC poll" and "a World Bank report" are named as the poll and the report."""
    assert tag_one(sentence, rules).attributed_to == source


def test_a_role_with_a_place_or_party_names_the_person_last_named(rules) -> None:
    """ "the Harbour senator" after "Senator Ada Quint" is Ada Quint, as a reader takes it; an
    adviser serves someone else, so "the senior Quint adviser" stays a role."""
    tagged = tag_article(
        "Ferry vote nears\n\nSenator Ada Quint met ferry workers on Monday.\n\n"
        "The Harbour senator said the fares were too high.\n\n"
        "A senior Quint adviser said the vote would be close.\n",
        rules,
    )
    assert find(tagged, "The Harbour senator").attributed_to == "Ada Quint"
    assert find(tagged, "A senior Quint adviser").attributed_to == "senior Quint adviser"


def test_a_role_resolves_only_to_a_person_shown_by_a_given_name(rules) -> None:
    """With no person named before it, a role stays the role, not the paper that opened a sentence."""
    tagged = tag_article(
        "Ferry vote nears\n\nQuayside Gazette ran the story on Monday.\n\n"
        "The Harbour senator said the fares were too high.\n",
        rules,
    )
    assert find(tagged, "The Harbour senator").attributed_to == "Harbour senator"


def test_a_role_is_not_the_heading_above_it_nor_a_kind_of_source_that_spoke_before(rules) -> None:
    """ "The prime minister" was "Budget", from the headline; "the mayor" was "Prosecutors"."""
    tagged = tag_article(
        "Budget row deepens\n\nThe prime minister confirmed that she had accepted the resignation.\n\n"
        "Prosecutors allege the mayor took bribes. The mayor denied the allegations.\n",
        rules,
    )
    assert find(tagged, "The prime minister").attributed_to == "prime minister"
    assert find(tagged, "The mayor denied").attributed_to == "mayor"


@pytest.mark.parametrize(
    ("sentence", "source"),
    [
        ('"Fares will rise," said Ilse Brandauer of Moss & Tern in Oslo.', "Ilse Brandauer"),
        ('"Fares will rise," said Ilse Brandauer of Quayside Partners.', "Ilse Brandauer"),
        ("The Quayside Chamber of Shipping said fares will rise.", "Quayside Chamber of Shipping"),
        ("The Harbour Workers of Fife said fares will rise.", "Harbour Workers of Fife"),
        ("Her advisers said fares will rise.", "advisers"),
        ("His campaign said fares will rise.", "His campaign"),
    ],
)
def test_a_person_of_a_body_is_the_person_and_a_possessive_is_no_part_of_a_source(
    rules, sentence: str, source: str
) -> None:
    """A person "of" a body is named as the person, whatever their given name ("Ilse Brandauer of
    Moss & Tern", an ampersand joining the body's name); a body named with "of" stays whole; "her
    advisers" are advisers, while "his campaign" keeps whose campaign it is."""
    assert tag_one(sentence, rules).attributed_to == source


@pytest.mark.parametrize(
    ("sentence", "source"),
    [
        (
            "The city auditor said Jon Marsh moved $2 million from the flood fund to the stadium.",
            "city auditor",
        ),
        ("The auditor said Jon Marsh moved the money.", "auditor"),
        ('"Fares will rise," said retired harbour pilot Ada Quint.', "Ada Quint"),
        ("Twelve workers were hurt, the fire service said.", "fire service"),
        ("Keldby Ferries says no fuel leaked into the bay.", "Keldby Ferries"),
    ],
)
def test_the_speaker_is_the_source_not_the_accused(rules, sentence: str, source: str) -> None:
    """In "the auditor said Jon Marsh moved the money" the auditor speaks and Marsh is accused: a
    past form after a name opens the reported clause; a participle before the name ("retired") does
    not. A body named with a verb's form ("the fire service") is a body; "says no fuel leaked" reports
    a claim, where "said no" alone answers."""
    assert tag_one(sentence, rules).attributed_to == source


@pytest.mark.parametrize(
    ("sentence", "source"),
    [
        ("The council shut the pier, which critics said was safe.", "critics"),
        ("A witness who lives nearby said the pier shook.", "witness"),
    ],
)
def test_a_relative_clause_s_own_subject_is_the_source(rules, sentence: str, source: str) -> None:
    """In "which critics said" the critics speak; in "a witness who lives nearby said" the relative
    clause describes the witness, who speaks."""
    assert tag_one(sentence, rules).attributed_to == source


def test_a_party_s_body_keeps_the_party_in_its_name(rules) -> None:
    assert (
        tag_one("The Republican Party of Ferryland said the vote would go ahead.", rules).attributed_to
        == "Republican Party of Ferryland"
    )


def test_a_month_and_a_title_before_a_name_are_no_given_names(rules) -> None:
    """ "on 13 March Lord Harwood met ..." does not make "March Lord Harwood" the fuller name of
    the Harwood who speaks later."""
    tagged = tag_article(
        "Harbour advice row\n\nOn 13 March Lord Harwood met the harbour board in private.\n\n"
        "Harwood said the ferry contract was lawful.\n",
        rules,
    )
    assert find(tagged, "Harwood said").attributed_to == "Harwood"


def test_a_title_case_headline_clause_is_no_name(rules) -> None:
    """ "Harbour Chief Just Got Asked About The Ferry Strike" capitalises every word: the run is a
    clause, so a quote whose speaker the article has not named yet is no one's, not the headline's."""
    tagged = tag_article(
        "Harbour Chief Just Got Asked About The Ferry Strike – His Answer Might Surprise You.\n\n"
        "Asked about the strike in a radio interview, the harbour chief spoke for an hour.\n\n"
        "“The crews will be back on Monday,” she said.\n",
        rules,
    )
    assert find(tagged, "“The crews will be back").status == "alleged"
    assert [
        t.attributed_to for t in tagged.values() if t.attributed_to and "Asked About" in t.attributed_to
    ] == []


@pytest.mark.parametrize(
    ("sentence", "source"),
    [
        ("Ferry firm accused of polluting the harbour", None),
        ("The harbour master, accused of lying to the inquiry, resigned.", None),
        ("Ferry firm blamed for crash by harbour inspectors", None),
        ("Critics accused the harbour master of lying.", "Critics"),
    ],
)
def test_the_accused_is_not_the_accuser(rules, sentence: str, source: str | None) -> None:
    """A passive without its auxiliary, as headlines write it: the name before "accused of" is who
    is accused, so it is no source; the active form keeps its subject."""
    verdict = tag_one(sentence, rules)
    assert (verdict.status, verdict.attributed_to) == ("alleged", source)


def test_a_word_capitalised_only_because_it_opens_the_sentence_is_no_source(rules) -> None:
    """ "Yet", "Their", "Originally" and "Drop" (which the article also writes in lower case) are
    capitalised because they come first, so no one is named; names and kinds of source stay."""
    tagged = tag_article(
        "Ferry strike drags on\n\n"
        "The ferry crews walked out on Monday after talks with the operator broke down. "
        "Yet it was unclear whether the union would call a second strike. "
        "Their calls grew louder after the operator was reported to have hired new crews. "
        "Originally dubbed the summer timetable, the plan is likely to slip to August. "
        "Drop in bookings hints that tourists have yet to return. "
        "The union's leader, Marta Kolar, said the crews would stay out until the talks resume. "
        "Kolar added that the boats were not safe. "
        "Passengers saw a drop in fares and waited at the harbour for most of the day. "
        "Officials at the port said that the queues were the longest in years.\n",
        rules,
    )
    for opening in ("Yet it was", "Their calls", "Originally dubbed", "Drop in bookings"):
        verdict = find(tagged, opening)
        assert verdict.status in ("alleged", "disputed") and verdict.attributed_to is None, opening
    assert find(tagged, "Kolar added").attributed_to == "Marta Kolar"
    assert find(tagged, "Officials at the port").attributed_to == "Officials"


def test_a_transcript_turn_is_the_speaker_s_to_the_end_of_its_paragraph(rules) -> None:
    """In a printed interview the sentences after "FALLIN:" are still hers, not the outlet's facts;
    the next paragraph, with no speaker, is the article's again."""
    tagged = tag_article(
        "Governor on the ferry strike\n\nGov. Mary Fallin spoke to CNN on Sunday.\n\n"
        "FALLIN: I think the ferries will sail again. The crews want safe boats.\n\n"
        "The strike began in May.\n",
        rules,
    )
    turn = find(tagged, "The crews want safe boats.")
    assert (turn.status, turn.attributed_to) == ("alleged", "Mary Fallin")
    assert find(tagged, "The strike began in May.").status == "confirmed"


def test_they_is_the_group_that_spoke_last(rules) -> None:
    tagged = tag_article(
        "Ferry firm in cash squeeze\n\nAnalysts warned that the ferry firm was short of cash. "
        "Without more passengers, they say, the money will run out.\n",
        rules,
    )
    verdict = find(tagged, "Without more passengers")
    assert (verdict.status, verdict.attributed_to) == ("alleged", "Analysts")


def test_a_role_names_the_person_the_article_gave_that_title(rules) -> None:
    tagged = tag_article(
        "Leaders sign port deal\n\nIcelandic President Sigrun Dahl met Prime Minister Tomas Berg "
        "in Oslo on Friday.\n\nBerg said the talks had gone well.\n\n“This is a new chapter,” the Icelandic "
        "president said.\n",
        rules,
    )
    assert find(tagged, "“This is a new chapter").attributed_to == "Sigrun Dahl"


def test_quote_passage_is_attributed_sentence_by_sentence(rules) -> None:
    tagged = tag_article(seed_text("000_"), rules)
    for prefix in (
        "“We are unanimous in our intention",
        "“This is the meaning of the signed interstate agreement",
        "It sets ambitious tasks and benchmarks",
        "“This truly breakthrough document",
    ):
        verdict = find(tagged, prefix)
        assert (verdict.status, verdict.attributed_to) == ("alleged", "Vladimir Putin"), prefix


def test_quote_continuing_after_the_speaker_keeps_the_speaker(rules) -> None:
    tagged = tag_article(seed_text("002_"), rules)
    for prefix in ("“It’s not the deal itself that matters", "Putin and Pezeshkian need to figure out"):
        assert find(tagged, prefix).attributed_to == "Nikolai Kozhanov"


def test_a_quote_left_open_runs_on_to_the_next_paragraph_of_the_same_quotation(rules) -> None:
    """Newsrooms leave a quoted paragraph unclosed when the quotation goes on in the next, which opens
    with a mark of its own; an archive that joins the paragraphs keeps only that order of marks. Each
    sentence of the first paragraph is the speaker's, not the article's."""
    text = (
        "Ferry fares to rise\n"
        'The harbour master, Ines Vold, said: "The pier has been unsafe for a decade. '
        'The council ignored every report we sent. "We will close it on Monday."\n'
    )
    verdict = find(tag_article(text, rules), "The council ignored")
    assert (verdict.status, verdict.attributed_to) == ("alleged", "Ines Vold")


def test_a_quoted_title_is_a_name_not_a_quotation(rules) -> None:
    text = "Late-night line-up\nShe is now the host of “The Morning Hour with Ada Brandt.”\n"
    assert find(tag_article(text, rules), "She is now the host").status == "confirmed"


def test_a_pronoun_in_the_tail_speaks_for_what_comes_before_it(rules) -> None:
    """'Social media has added a link, she noted.' is hers, not social media's; a person the
    sentence names outside the quote still speaks ("X said: '...,' he said.")."""
    text = (
        "Misinformation online\n"
        "Lena Ortiz, who edits the fact-check desk, spoke on Monday. "
        "Social media has added another channel, she noted.\n"
        'Deputy mayor Tom Hale said: "The budget has a hole in it," he said.\n'
    )
    tagged = tag_article(text, rules)
    assert find(tagged, "Social media has").attributed_to == "Lena Ortiz"
    assert find(tagged, "Deputy mayor").attributed_to == "Tom Hale"


def test_negation_answering_an_allegation_is_denied(rules) -> None:
    tagged = tag_article(seed_text("000_"), rules)
    verdict = find(tagged, "… Iran has never attempted")
    assert verdict.status == "denied"
    assert verdict.attributed_to == "Masoud Pezeshkian"


def test_unproven_claim_is_disputed(rules) -> None:
    tagged = tag_article(seed_text("004_"), rules)
    assert find(tagged, "Although there have been reports suggesting").status == "disputed"


@pytest.mark.parametrize(
    ("sentence", "status"),
    [
        ("Officials have not identified the source.", "confirmed"),
        ("He was denied a visa.", "confirmed"),
        ("The company not only raised prices but also cut jobs.", "confirmed"),
        ("The claim remains unconfirmed.", "disputed"),
        ("“This confirms our position,” the minister said.", "alleged"),
        ("The vaccine is expected to be approved in May.", "alleged"),
        ("The Kremlin confirmed that the treaty covers trade.", "confirmed"),
        ("The two leaders discussed bilateral relations.", "confirmed"),
        ("Investigators found no evidence that the vote was rigged.", "denied"),
        ("The figures are disputed.", "disputed"),
        ("Will the ceasefire hold?", None),
    ],
)
def test_traps_named_by_the_standard(rules, sentence: str, status: str | None) -> None:
    assert tag_one(sentence, rules).status == status


def test_precedence_disputed_over_denied_over_alleged(rules) -> None:
    verdict = tag_one("Prosecutors allege the firm hid losses, which the firm denies.", rules)
    assert verdict.status == "disputed"
    assert verdict.decided_by == "claim-and-denial"
    assert {"allegation-verb", "claim-and-denial"} <= {c.rule_id for c in verdict.cues}


def test_cues_point_at_the_matched_text(rules) -> None:
    sentence = "Tehran has denied these claims."
    verdict = tag_one(sentence, rules)
    for cue in verdict.cues:
        assert sentence[cue.start : cue.end] == cue.text


_TAIL_WORDS = sorted(
    {
        w
        for name in ("verb_companions", "time_openers", "time_words", "channels", "contact_phrases")
        for phrase in default_ruleset().words[name]
        for w in phrase.split()
    }
    | {"officials", "Lavrov", "repeatedly", "Quickly", "a", "by", "on", "email", "", "\n", ","}
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_TAIL_WORDS), max_size=8), st.sampled_from(["", " ", "  ", "\n", "\t"]))
def test_words_before_a_verb_are_cut_as_the_patterns_alone_would_cut_them(words: list[str], end: str) -> None:
    """The cut of auxiliaries and adverbials before a verb reads the patterns only when the last
    word could end what they cut: the same text as running them always."""
    g = _grammar(default_ruleset())
    text = " ".join(words) + end
    for tail, last in ((g.aux_tail, g.aux_last), (g.adverbial_tail, g.adverbial_last)):
        assert _strip_tail(tail, last, text) == tail.sub("", text), text


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab1 .,—’'-\n“", max_size=16))
def test_four_words_are_counted_as_the_word_pattern_counts_them(text: str) -> None:
    assert bool(_FOUR_WORDS.match(text)) == (len(_WORD.findall(text)) >= 4)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab1 .,’'\n—", max_size=14), st.booleans())
def test_a_sentence_without_quotation_marks_is_read_as_the_marks_loop_reads_it(
    text: str, open_at_start: bool
) -> None:
    from claimdesk import quotes

    assert quotes.find_quotes(text, open_at_start) == quotes._read_marks(quotes._marks(text), open_at_start)


@pytest.mark.parametrize(
    ("text", "pronoun_sentence", "speaker"),
    [
        # The latest person is a woman: "he" goes back past her to the man named before.
        (
            "Senator John Ramos criticised the plan on Monday. Governor Alice Whitfield signed it anyway. "
            "He said the plan would raise rents.",
            "He said",
            "John Ramos",
        ),
        (
            "Governor Alice Whitfield signed the plan. Senator John Ramos criticised it on Monday. "
            "She said the plan would lower rents.",
            "She said",
            "Alice Whitfield",
        ),
        # No given name says it, the article's own titles do: "Ms. Okafor" is a woman.
        (
            "Ms. Okafor, the council's treasurer, signed the plan. Mr. Lindqvist opposed it. "
            "Mr. Lindqvist spoke first. She said the plan would lower rents.",
            "She said",
            "Okafor",
        ),
        # The subject after a conjunction, an opening clause, or a name with its apposition.
        (
            "Senator John Ramos spoke first. But Governor Tom Whitfield nevertheless gave a speech. "
            '"The plan is late," he said.',
            '"The plan',
            "Tom Whitfield",
        ),
        (
            "Senator John Ramos spoke first. "
            "Having lost the vote in March, Governor Tom Whitfield gave a speech. "
            '"The plan is late," he said.',
            '"The plan',
            "Tom Whitfield",
        ),
        (
            "Senator John Ramos spoke first. Whitfield, the former governor, stressed his record. "
            '"The plan is late," he said.',
            '"The plan',
            "Whitfield",
        ),
        # A team or a place before a role and a full name describes the person: the person.
        (
            "Senator John Ramos spoke first. And Leeds winger Tom Whitfield looks certain to play. "
            '"The plan is late," he said.',
            '"The plan',
            "Tom Whitfield",
        ),
        # A capitalised opening word that was taken for a source ("But") is dropped before any "she"
        # can point to it.
        (
            "Senator Ruth Adler spoke first. But the other candidate on the stage, Mayor Tom Hale, drew a "
            'contrast, saying the plan was late. "The pier is safe," she said.',
            '"The pier',
            "Ruth Adler",
        ),
        # Two people are no "he".
        (
            "Senator John Ramos spoke first. Tom Whitfield and Ann Ortiz gave a speech. "
            '"The plan is late," he said.',
            '"The plan',
            "John Ramos",
        ),
        # The sentence's own subject comes first, and a place in an opening clause ("Louisville,
        # Ky.,") is no person.
        (
            "When Ana Ruiz learned that the mayor would visit Louisville, Ky., where she is a student, "
            "she printed two signs. In Leeds on March 1, Ms. Ruiz was shocked by the crowd, she said.",
            "In Leeds",
            "Ana Ruiz",
        ),
    ],
)
def test_pronoun_goes_to_the_latest_person_of_its_gender(rules, text, pronoun_sentence, speaker) -> None:
    assert find(tag_article(text, rules), pronoun_sentence).attributed_to == speaker


@pytest.mark.parametrize(
    ("text", "sentence", "speaker"),
    [
        # An adverb before the verb is no speaker.
        ("Mayor Ruth Adler has always maintained that the pier is safe.", "Mayor", "Ruth Adler"),
        # "That's why" opens the clause; the team is the speaker's.
        ("That's why Adler's team thinks the vote can be won.", "That's why", "Adler team"),
        # A role "of" a body names the person last named, not "of Northgate".
        (
            "Ruth Adler spoke in Leeds on Monday. But, the former CEO of Northgate added, the plan is late.",
            "But, the former CEO",
            "Ruth Adler",
        ),
        # An opening participle clause with no comma: the name is the one before the verb.
        ("Speaking in Harrogate Mr Tom Hale said the pier was safe.", "Speaking", "Tom Hale"),
        # A title "of" a body, then the person: the person.
        ("Secretary of State Ruth Adler said the plan was late.", "Secretary", "Ruth Adler"),
        # A role after the verb, then the name in apposition: the name.
        ('"The plan is late," said a local shopkeeper, Ruth Adler.', '"The plan', "Ruth Adler"),
        # A longer phrase after "said" is what was said, and the name in it no speaker.
        (
            "Ruth Adler, the mayor, said the man who ran the depot for years, Tom Reyes, had left.",
            "Ruth Adler",
            "Ruth Adler",
        ),
    ],
)
def test_the_words_around_a_speaker_are_not_the_speaker(rules, text, sentence, speaker) -> None:
    assert find(tag_article(text, rules), sentence).attributed_to == speaker


@pytest.mark.parametrize(
    ("text", "sentence", "speaker"),
    [
        # "The company" is the body the sentences before spoke of, not "company".
        (
            "Harbourline has cut its winter ferry timetable. The company said fuel costs had doubled.",
            "The company said",
            "Harbourline",
        ),
        # A name written beside the same noun decides ("the charity Open Doors").
        (
            "The council's plan was criticised by the charity Open Doors, which runs two shelters. "
            "Councillor Maria Estevez defended it. The charity said the plan would close both shelters.",
            "The charity said",
            "Open Doors",
        ),
        # A person is no company: no body is named, so the noun stays.
        (
            "Martin Hughes has resigned as chairman. The company said profits would fall.",
            "The company said",
            "company",
        ),
        # A word the text also writes in lower case ("Ports", "ports") is no body's name.
        (
            "Two ports closed in March as the storm reached the coast. "
            "Ports reported long queues. The company said it would raise prices.",
            "The company said",
            "company",
        ),
    ],
)
def test_a_generic_noun_names_the_body_just_spoken_of(rules, text, sentence, speaker) -> None:
    assert find(tag_article(text, rules), sentence).attributed_to == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A party and state, or "Democrat of Tennessee", describe the speaker named before them.
        ("Sen. Ron Johnson, R-Wis., said the department had failed to act.", "Ron Johnson"),
        ("Representative Steve Cohen, Democrat of Tennessee, said the speech went well.", "Steve Cohen"),
        # A description with a clause of its own still describes: the speaker stands before it.
        (
            "Melanne Verveer, a friend who was her chief of staff, said the talks had failed.",
            "Melanne Verveer",
        ),
    ],
)
def test_a_description_between_speaker_and_verb_is_skipped(rules, text, speaker) -> None:
    assert tag_article(text, rules)[text].attributed_to == speaker


def test_a_clause_before_a_tail_verb_names_no_speaker(rules) -> None:
    """'In nearby Decatur, the plant is hanging on, said the chief executive': the clauses before
    the verb are what was said; the place they open with is no speaker."""
    text = (
        "In nearby Decatur, the big steel plant is hanging on, but it is under pressure, "
        "said the company's chief."
    )
    assert tag_article(text, rules)[text].attributed_to != "Decatur"


@pytest.mark.parametrize(
    "text",
    [
        "Andrew Hale took his daughter there on Sunday to explain to her who the boxer was.",
        "Continuing to explain his view, Carson rejected the notion that the episode was over.",
        "He also made clear he intended to take seriously what he perceives as his role.",
        "“I just hope the backs carry on where they left off,” the captain said.",
        "“I've been there before,” he said after the match.",
    ],
)
def test_no_source_is_a_phrase_cut_inside_a_clause(rules, text) -> None:
    """'Sunday to', 'Continuing to', 'clear he' are cut from a clause: a reader would rather see no
    source than one of these."""
    source = tag_article(text, rules)[text].attributed_to
    assert source is None or not {"to", "he", "she", "cannot", "i", "i've"} & set(source.lower().split())


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("“We are ready,” said Army Capt. Christian Pardo.", "Christian Pardo"),
        (
            "A Department for Work and Pensions spokeswoman said the award was deserved.",
            "Department for Work and Pensions",
        ),
        ("Ambassador Stefan Johannesson of Iceland warned that work remained.", "Stefan Johannesson"),
        ("Security firms are warning that a virus disguises itself as a greeting card.", "Security firms"),
        ("Kelly Ayotte said the vote would be close.", "Kelly Ayotte"),
        (
            "According to the Syrian Observatory for Human Rights, 23 fighters were killed.",
            "Syrian Observatory for Human Rights",
        ),
        (
            "A Marrakandi official, speaking on condition of anonymity because the talks were private, "
            "said the deal was off.",
            "Marrakandi official",
        ),
        (
            "Talia Monroe's former manager, Vincent Lasker, has filed a lawsuit against the pop star, "
            "claiming she owes him $12m.",
            "Vincent Lasker",
        ),
    ],
)
def test_the_name_a_reader_expects(rules, text, speaker) -> None:
    """Titles abbreviated, the particles of an organisation's name, and a place after a person."""
    assert tag_article(text, rules)[text].attributed_to == speaker


def test_a_campaign_is_named_for_its_candidate(rules) -> None:
    """The guide's "Trump campaign": the possessor stays, without its 's."""
    text = "Sanders’ campaign called the report a rush to judgment."
    assert tag_article(text, rules)[text].attributed_to == "Sanders campaign"


def test_a_surname_takes_the_given_name_not_the_word_before_it(rules) -> None:
    """'Following Sanders on MSNBC' writes the surname after a capitalised word that is no name."""
    text = (
        "Following Sanders on MSNBC, Clinton took questions. Bernie Sanders spoke in Ohio. "
        "“We are telling the truth,” Sanders said."
    )
    assert find(tag_article(text, rules), "“We are").attributed_to == "Bernie Sanders"


def test_a_suffix_stays_with_the_name(rules) -> None:
    text = (
        "Vice President Joseph R. Biden Jr. spoke in Scranton on Monday. The crowd was large. "
        "“This is not a joke,” Mr. Biden said."
    )
    assert find(tag_article(text, rules), "“This is").attributed_to == "Joseph R. Biden Jr."


def test_a_surname_alone_has_the_gender_its_full_name_shows(rules) -> None:
    """'Clinton' is a woman where the article names her Hillary Clinton: 'she' goes back to her."""
    text = (
        "Hillary Clinton spoke in Iowa on Monday. Clinton met voters in Ames. "
        "Senator Tom Osborne criticised the plan. The plan was announced last week. "
        "“We will win,” she said."
    )
    assert find(tag_article(text, rules), "“We will").attributed_to == "Hillary Clinton"


def test_page_furniture_names_no_speaker_for_the_lines_after_it(rules) -> None:
    """A "Related:" line is the page's, not a speaker's: the headlines it lists are nobody's words."""
    tagged = tag_article(
        'The council approved the pier on Monday.\n\n"Related:"\n\n'
        "Mayor Put On The Defensive Over Pier Policy.\n\n"
        "Ferry Chief Blames ‘Reckless’ Council For Fare Rise.\n",
        rules,
    )
    assert find(tagged, '"Related:"').status is None
    assert all(t.attributed_to != "Related" for t in tagged.values())


def test_a_page_of_signed_letters_gives_each_letter_to_its_writer(rules) -> None:
    page = (
        "Readers on the ferry fares.\n\nLETTERS.\n\n"
        "The new fares are far too high for families.\n\nAna Ruiz.\n\n"
        "The council has run the ferry well for years.\n\nThe harbour is busier than ever.\n\nTom Price.\n\n"
        "TWITTER.\n\nThe timetable is a mess.\n\n@harbourfan.\n"
    )
    tagged = tag_article(page, rules)
    assert find(tagged, "The new fares").attributed_to == "Ana Ruiz"
    assert find(tagged, "The new fares").status == "alleged"
    assert find(tagged, "The harbour is busier").attributed_to == "Tom Price"
    assert find(tagged, "The timetable").attributed_to == "@harbourfan"


def test_names_as_section_headings_sign_nothing(rules) -> None:
    # Each name comes before a paragraph that names it: headings, so the article's own voice.
    page = (
        "Where the candidates stand.\n\nAna Ruiz.\n\nRuiz wants lower fares.\n\nTom Price.\n\n"
        "Price backs the council.\n\nLena Moss.\n\nMoss would sell the ferry.\n\nDana Reyes.\n"
    )
    tagged = tag_article(page, rules)
    assert find(tagged, "Ruiz wants").status == "confirmed"
    assert find(tagged, "Price backs").attributed_to is None
