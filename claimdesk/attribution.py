"""Who said it: the source named at a cue, quote passages that share one speaker, and
pronouns resolved to the last named speaker or subject.

The engine in :mod:`claimdesk.tag` decides the status; this module only names the
source, from the cues of rules that carry a ``source`` direction.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import regex

from claimdesk.quotes import OPEN_QUOTES, Quotes, inside
from claimdesk.rules import RuleSet

if TYPE_CHECKING:
    from claimdesk.tag import Tagged

_POSSESSIVE = regex.compile(r"[’']s$|(?<=s)[’']$")  # "Ryan's", "Atticus'"
_PARENTHETICAL = regex.compile(r"\s*\([^()]*\)")
_COMMA = regex.compile(r",(?!\d{3})")  # "1,200 homes" is one segment
# A period inside a token (Kremlin.ru) or after a short capitalised abbreviation (Dr.) is no end.
_AFTER_NAME = regex.compile(r"(?:[^,;:.!?“”\"()\[\]]|\.(?=\w)|(?<=\b[A-Z][a-z]{0,3})\.)+")
_TAIL_SPLIT = regex.compile(r"[,”\"]")
_NAMED_AFTER = regex.compile(
    r"\s*,\s*(\p{Lu}[\p{L}’'-]+(?:\s+(?:\p{Lu}\.|\p{Lu}[\p{L}’'-]+)){1,3})\s*(?=[,.;]|$)"
)
"""A name in apposition after a role ("..., Johanna Bayer."): two to four capitalised words."""
_CUT_POSSESSIVE = regex.compile(r"\p{Ll}\b")
_LOWER_WORD = regex.compile(r"\b\p{Ll}[\p{L}’'-]*")
_INITIAL = regex.compile(r"\p{Lu}\.")
_FAMILY_NAME_FIRST = regex.compile(r"\p{Lu}\p{Ll}+-\p{Ll}+")
"""A given name written after the family name, in two parts ("Ban Ki-moon", "Moon Jae-in")."""
_NOT_IN_NAMES = frozenset('"“”<>')
_CONTRACTION = regex.compile(r"[’'][\p{L}]+$")  # "I've" -> "I"
_PARTY_STATE = regex.compile(r"\p{Lu}-\p{Lu}[\p{L}.-]*")  # "R-Wis.", "D-N.Y.": a party and a state


def _any(words: frozenset[str]) -> str:
    """An alternation of words, longest first, white space matching any run of it."""
    return "|".join(r"\s+".join(map(regex.escape, w.split())) for w in sorted(words, key=len, reverse=True))


@dataclass(frozen=True)
class _Grammar:
    """The patterns and word sets attribution needs, compiled once from a rule set's lexicons."""

    participle: regex.Pattern[str]
    the_name: regex.Pattern[str]
    aux_tail: regex.Pattern[str]
    adverbial_tail: regex.Pattern[str]
    aux_last: regex.Pattern[str]
    """The last word of any text ``aux_tail`` removes: without it, there is nothing to remove."""
    adverbial_last: regex.Pattern[str]
    """The last word of any text ``adverbial_tail`` removes."""
    clause_split: regex.Pattern[str]
    passive_aux: regex.Pattern[str]
    passive_by: regex.Pattern[str]
    passive_phrase: regex.Pattern[str]
    contrast_end: regex.Pattern[str]
    adverbial_head: regex.Pattern[str]
    w: dict[str, frozenset[str]]
    known_kinds: frozenset[str]
    """Every word that names a kind of source (anonymous, organisation, document, title, pronoun)."""
    not_surnames: frozenset[str]
    """Words before a capitalised word that are no given name (titles, openers, time words, verbs)."""
    leading: frozenset[str]
    """Words a name does not open with (determiners, prepositions, conjunctions)."""
    after_stops: frozenset[str]
    """Words that, right after a verb, show no speaker follows it (prepositions, ``after_name_stops``)."""
    attached: frozenset[str]
    """Prepositions that make a past form after a name a participle ("one Republican involved in")."""
    speakers: frozenset[str]
    """Lower-case words that name a speaker after a verb ("said officials", "said the study"): anonymous,
    organisations, documents."""
    endings: dict[str, tuple[str, ...]]
    """The lexicons of word endings, as ``str.endswith`` takes them."""
    no_subject: frozenset[str]
    """Words that, opening a sentence, show no name is its subject (leaders, openers, determiners,
    prepositions, possessives, clause words)."""
    leading_conjunctions: frozenset[str]
    """Words before a subject that leave it the subject ("But Mr. Christie gave ...")."""
    clause_openers: frozenset[str]
    """Words that open a clause before the subject ("At a rally in Ohio, Kasich ...")."""
    after_name_comma: frozenset[str]
    """Words after a lone name and its comma that leave the name the subject: a clause word
    ("Ruddock, though, ...") or an apposition's article ("O'Malley, the former governor, ...")."""
    given_names: frozenset[str]
    """Given names of either lexicon: a capitalised word among them opens a person's name."""
    title_words: frozenset[str]
    """Titles, and the abbreviations that stand before names ("Capt.", "Sgt."), dropped from a name."""
    closing_stops: frozenset[str]
    """Words no name ends with (prepositions, determiners, auxiliaries, pronouns...)."""
    gender_title: regex.Pattern[str]
    """A gendered title before a name ("Mrs. Clinton"): group ``female`` or ``male``, then ``name``."""


def _last_words(phrases: frozenset[str]) -> frozenset[str]:
    """The word each phrase ends with ("contacted by email": "email")."""
    return frozenset(p.split()[-1] for p in phrases if p.split())


def _strip_tail(tail: regex.Pattern[str], last: regex.Pattern[str], text: str) -> str:
    """``tail.sub("", text)`` for a pattern that removes words at the end of ``text``, read only when
    the last word of ``text`` is one such a removal ends with (the words of a match hold no white
    space and stand after white space, so a match's last word is the text's)."""
    words = text.rsplit(None, 1)
    return tail.sub("", text) if words and last.fullmatch(words[-1]) else text


def _grammar(rules: RuleSet) -> _Grammar:
    cached = rules.cache.get("attribution")
    if cached is None:
        w = rules.words
        cached = rules.cache["attribution"] = _Grammar(
            participle=regex.compile(rf"(?:{_any(w['participle_endings'])})$"),
            the_name=regex.compile(rf"(?i:{_any(w['definite_articles'])})\s+[A-Z]"),
            # "has repeatedly", "subsequently": auxiliaries and (lower-case) adverbs before the verb
            aux_tail=regex.compile(
                rf"(?:\s+(?:(?i:{_any(w['verb_companions'])})|\p{{Ll}}+(?:{_any(w['adverb_endings'])})))+\s*$"
            ),
            # Time, place and manner between a source and its verb: "the ministry on Thursday said".
            adverbial_tail=regex.compile(
                rf"(?i)(?:\s+(?:{_any(w['time_openers'])})\s+(?:{_any(w['time_words'])})|"
                rf"\s+(?:{_any(w['channel_prepositions'])})\s+(?:{_any(w['indefinite_articles'])})\s+"
                rf"(?:{_any(w['channels'])})|\s+(?:{_any(w['contact_phrases'])}))+\s*$"
            ),
            aux_last=regex.compile(
                rf"(?:(?i:{_any(_last_words(w['verb_companions']))})|\p{{Ll}}*(?:{_any(_last_words(w['adverb_endings']))}))"
            ),
            adverbial_last=regex.compile(
                rf"(?i:{_any(_last_words(w['time_words'] | w['channels'] | w['contact_phrases']))})"
            ),
            clause_split=regex.compile(
                rf"[,;:()\[\]“”\"—–]|\b(?:{_any(w['clause_terminators'])})\b", regex.IGNORECASE
            ),
            passive_aux=regex.compile(
                rf"(?i)\b(?:{_any(w['passive_auxiliaries'])})\s+(?:\w+(?:{_any(w['adverb_endings'])})\s+)?$"
            ),
            # "Mining firm accused of polluting river": a passive without its auxiliary, as headlines write it
            passive_phrase=regex.compile(rf"(?i)(?:{_any(w['passive_phrases'])})\b"),
            passive_by=regex.compile(
                rf"(?i)(?:\s+(?:{_any(w['passive_description'])})\s+[\w\s“”\"'’-]{{1,40}}?)?"
                rf"\s+(?:{_any(w['passive_agent'])})\s+"
            ),
            contrast_end=regex.compile(rf"(?i)\s*\b(?:{_any(w['contrast_conjunctions'])})\s*$"),
            # "On Tuesday the ministry said": the time phrase opening the clause is no part of the name.
            adverbial_head=regex.compile(
                rf"(?i)^\s*(?:(?:{_any(w['time_openers'])})\s+)?(?:{_any(w['time_words'])})\b\s*,?\s*"
            ),
            w=w,
            known_kinds=(
                rules.anonymous | rules.organisations | rules.documents | rules.titles | rules.pronouns
            ),
            not_surnames=rules.titles | w["sentence_openers"] | w["time_words"] | rules.finite_verbs,
            leading=w["determiners"] | w["prepositions"] | w["conjunctions"],
            after_stops=w["prepositions"] | w["after_name_stops"],
            attached=w["prepositions"] | w["name_prepositions_after"],
            speakers=rules.anonymous | rules.organisations | rules.documents,
            endings={
                name: tuple(w[name])
                for name in (
                    "demonym_endings",
                    "past_endings",
                    "plural_endings",
                    "progressive_endings",
                    "adverb_endings",
                )
            },
            no_subject=w["sentence_leaders"]
            | w["sentence_openers"]
            | w["determiners"]
            | w["prepositions"]
            | w["conjunctions"]
            | w["possessive_determiners"]
            | w["clause_terminators"],
            leading_conjunctions=w["conjunctions"] | w["contrast_conjunctions"],
            clause_openers=w["prepositions"] | w["clause_terminators"],
            after_name_comma=w["clause_terminators"] | w["definite_articles"] | w["indefinite_articles"],
            given_names=w["female_given_names"] | w["male_given_names"],
            title_words=rules.titles | w["abbreviations_before_names"],
            closing_stops=w["prepositions"]
            | w["determiners"]
            | w["conjunctions"]
            | w["auxiliaries"]
            | w["possessive_determiners"]
            | w["subject_pronouns"]
            | w["clause_terminators"]
            | w["name_ending_stops"],
            gender_title=regex.compile(
                rf"\b(?i:(?P<female>{_any(w['female_titles'])})|(?P<male>{_any(w['male_titles'])}))\.?"
                r"\s+(?P<name>(?:\p{Lu}[\p{L}’'-]*\.?\s+){0,3}\p{Lu}[\p{L}’'-]+)"
            ),
        )
    return cached


def _clean_name(words: list[str], rules: RuleSet) -> str | None:
    """The source's name: a trailing run of capitalised words without titles ("Sergey
    Lavrov"), or a lower-case noun phrase cut before its prepositions ("finance ministry",
    "physicists" from "physicists at the laboratory")."""
    g = _grammar(rules)
    w_ = g.w
    while len(words) > 1 and words[-1].islower() and words[-1] in w_["verb_companions"]:
        words = words[:-1]  # "Security firms are (warning)": the auxiliary before the cue is no part of it
    auxiliaries = w_["auxiliaries"]
    verbs = [i for i, w in enumerate(words) if w.lower() in auxiliaries]
    if verbs:  # "there have been reports" -> "reports": a name holds no verb
        words = words[verbs[-1] + 1 :]
    while words and (words[0].lower() in g.leading or words[0] in w_["leading_adjectives"]):
        words = words[1:]  # "the", "a new": case matters for the adjective ("New York Times")
    while (
        len(words) > 1
        and words[0].lower() in w_["possessive_determiners"]
        and words[-1].lower() not in rules.organisations
    ):
        words = words[1:]  # "her advisers" are advisers; "his campaign" stays his
    while words and not any(map(str.isalpha, words[-1])):
        words = words[:-1]  # "Souness - who ...": a dash is no part of a name
    while len(words) > 1 and (words[0].lower() in w_["sentence_leaders"] or _POSSESSIVE.fullmatch(words[0])):
        words = words[1:]  # "Yet Evan Mann", "Although Weiner", "(That)'s why": a clause's first words
    while len(words) > 1 and words[1][:1].isupper() and _opens_clause(words[0], rules):
        words = words[1:]  # "Making Trump", "Speaking Tuesday Clinton": a verb form opens a clause
    if (
        len(words) > 1
        and _POSSESSIVE.search(words[0])
        and words[1].lower() not in w_["conjunctions"]  # "Dockers' and Transport Union" is one name
    ):
        if len(words) == 2 and words[1].lower() in rules.organisations:
            if words[0][:1].isupper():  # "the governor's office" stays whole
                words = [_POSSESSIVE.sub("", words[0]), words[1]]  # "Sanders' campaign" -> "Sanders campaign"
        else:
            # "Malawi's health ministry" -> "health ministry", "the company's annual report"
            words = words[1:]
            while len(words) > 1 and words[0] in w_["leading_adjectives"]:
                words = words[1:]  # "the company's own records"
    for i, w in enumerate(words[1:], start=1):
        if w[:1].isupper() or len(w) <= 4:
            continue
        if g.participle.search(w.lower()) and w.lower() not in rules.documents:
            words = words[:i]  # "study published last week", "outlets running headlines"
            break
    for i, w in enumerate(words[1:], start=1):
        following = words[i + 1] if i + 1 < len(words) else ""
        in_name = w.lower() in w_["name_prepositions"] and following[:1].isupper()  # "Ministry of Defence"
        if w.lower() in w_["prepositions"] and not in_name:
            words = words[:i]
            break
    if not words:
        return None
    if words[-1][:1].isupper():
        run: list[str] = []
        for i, w in enumerate(reversed(words)):
            particle = w.lower() in w_["name_particles"]
            joiner = particle and run and i + 1 < len(words) and words[-i - 2][:1].isupper()
            if w[:1].isupper() or joiner:
                run.insert(0, w)
            else:
                break
        titled = [i for i, w in enumerate(run[:-1]) if _is_title(w, g)]
        # "the Republican Party of Wyoming": a title before a body's own word is part of its name
        titled = [i for i in titled if run[i + 1].lower() not in rules.organisations]
        if titled and run[-1].lower() not in rules.organisations:
            title, run = run[titled[-1]], run[titled[-1] + 1 :]  # "Foreign Minister Sergey Lavrov"
            if run and run[0].lower() in w_["name_particles"]:
                given = [k for k, w in enumerate(run) if k >= 2 and w.lower() in g.given_names]
                if given:
                    run = run[given[0] :]  # "Secretary of State Ruth Adler": the person after the body
                elif len(run) == 2:
                    run = [title.lower()]  # "the former CEO of Hewlett-Packard": a role, the person it names
        if len(run) >= 4 and any(w.lower() in w_["headline_stops"] for w in run[1:]):
            return None  # "Marco Rubio Responds To Question About ...": a Title Case clause, not a name
        words = _person_of_place(run, rules)
    elif (
        len(words) > 1
        and words[-1].lower() in w_["speaks_for"]
        and words[-2][:1].isupper()
        and not words[-2].endswith(g.endings["demonym_endings"])  # "Tanzanian official" is a person
    ):
        # "a PowerFirst spokesperson" speaks for PowerFirst; "a Department for Work and Pensions
        # spokeswoman" for the whole name, its particles included.
        caps = [i for i, w in enumerate(words[:-1]) if w[:1].isupper()]
        inside = words[caps[0] : caps[-1] + 1]
        if all(w[:1].isupper() or w.lower() in w_["name_particles"] for w in inside):
            words = inside
        else:
            words = [w for w in words[:-1] if w[:1].isupper()]
    elif len(words) > 4 and not _proper(words[:-1]):
        words = words[-2:]  # a long phrase before a noun: the noun and its word (a named body stays whole)
    while len(words) > 1 and words[-1].lower() in w_["place_adverbs"]:
        words = words[:-1]  # "drivers there said"
    org = words[:-1]
    if len(words) > 1 and words[-1].lower() in w_["body_figures"] and _proper(org):
        words = org  # "according to Home Office figures": the office is the source ("a CNN/ORC poll" stays)
    while len(words) > 1 and words[-1].islower() and words[-1] in w_["verb_companions"]:
        words = words[:-1]  # "countries just", "analysts also"
    described = len(words) > 1 and words[-2][:1].isupper()  # "Committee member", "NFL legend"
    if words[-1].islower() and not described and not _plausible_source(words[-1], rules):
        return None  # "the last thing we expected", "her support": an adjective or event names no one
    name = " ".join(words).strip(" .,’'…")
    if words[-1].lower().rstrip(".") in w_["name_suffixes"] and words[-1].endswith("."):
        name += "."  # "Joseph R. Biden Jr." keeps its period
    if not words[-1][:1].isupper():
        name = name.lower() if name[:1].isupper() and " " not in name else name
    name = _POSSESSIVE.sub("", name) if words[-1][:1].isupper() else name
    if name.lower() in w_["non_sources"] or _CUT_POSSESSIVE.match(name):
        return None  # "s massacre": a possessive cut from its name
    parts = name.split()
    verbs = [
        k for k, w in enumerate(parts) if w.islower() and w in rules.finite_verbs and w not in g.known_kinds
    ]
    # "the fire service", "the strike committee": a verb's plain form before a kind of source names it
    compound = verbs == [len(parts) - 2] and parts[-1].lower() in g.known_kinds
    if len(words) > 1 and verbs and not (compound and not parts[-2].endswith(g.endings["past_endings"])):
        return None  # "Victory took Real to": a clause, not a name
    if len(parts) > 1 and parts[-1].lower() in g.closing_stops and not _surname(parts, g):
        return None  # "Sunday to", "Comey cannot", "clear he": a name cut inside a clause
    if len(parts) > 1 and any(p.lower() in w_["subject_pronouns"] for p in parts):
        return None  # "I just", "Sometimes I didn't": a clause, not a name
    if all(p.lower() in w_["time_words"] for p in parts):
        return None  # "Sunday": a day speaks for no one
    if not _NOT_IN_NAMES.isdisjoint(name):
        return None  # '"The discussions', "America</": a quote or markup, not a name
    if (
        len(parts) == 1
        and _CONTRACTION.sub("", name.lower()) in w_["subject_pronouns"]
        and name.lower() not in w_["subject_pronouns"]
    ):
        return None  # "I've", "They've": a contracted pronoun and verb
    return name if any(map(str.isalpha, name)) else None


def _surname(parts: list[str], g: _Grammar) -> bool:
    """A capitalised last word after a given name or a title is a surname, even one that is a word
    too ("Theresa May", "Mrs May", "Ms Will")."""
    return parts[-1][:1].isupper() and (parts[-2].lower() in g.given_names or _is_title(parts[-2], g))


def _is_title(word: str, g: _Grammar) -> bool:
    """A title, or a compound of titles ("Secretary-Treasurer", "Vice-President")."""
    w = word.lower().rstrip(".")
    return w in g.title_words or ("-" in w and any(p in g.title_words for p in w.split("-")))


def _person_of_place(run: list[str], rules: RuleSet) -> list[str]:
    """A person's name before "of" and the place or body they belong to ("Meenakshi Ganguly of Human
    Rights Watch", "Lee Zeldin of New York") is the person's; "Bank of England" and "Republican
    Party of Wyoming" stay whole."""
    for i, w in enumerate(run):
        if w.lower() in rules.words["name_prepositions"] and i >= 2:
            before = run[:i]
            g = _grammar(rules)
            person = (
                before[0].lower() in g.given_names
                or any(_INITIAL.fullmatch(x) for x in before[1:])
                # two plain words, neither a title nor a kind of source: "Holger Schmieding of Berenberg"
                or (
                    len(before) == 2
                    and not any(_is_title(x, g) or x.lower() in g.known_kinds for x in before)
                    and not _plural(before[1], rules)  # "Communications Workers of America"
                    and not before[0].lower().endswith(g.endings["demonym_endings"])
                )
            )
            if person and all(
                x[:1].isupper() and x.lower().rstrip(".") not in rules.organisations for x in before
            ):
                return before  # a given name or an initial shows a person, not "Syrian Observatory for ..."
            break
    return run


def _opens_clause(word: str, rules: RuleSet) -> bool:
    """A verb's participle ("Making", "Speaking"): it opens a clause, never a name ("Downing
    Street" and "United States" are no verbs the lexicon knows; an ending alone would take "Kelly
    Ayotte" for an adverb and a name)."""
    w = word.lower()
    return len(w) > 4 and w in rules.finite_verbs and bool(_grammar(rules).participle.search(w))


def _proper(words: list[str]) -> bool:
    """Words that are surely a name, even at the start of a sentence: two or more capitalised
    words ("Home Office"), or one with capitals or digits inside ("NHS", "Flightradar24")."""
    caps = [w for w in words if w[:1].isupper()]
    if len(caps) != len(words) or not words:
        return False
    return len(words) > 1 or any(c.isupper() or c.isdigit() for c in words[0][1:])


def _looks_like_verb(word: str, rules: RuleSet) -> bool:
    """A finite verb from the lexicon, or a past tense we do not list ("declined")."""
    w = word.lower()
    return w in rules.finite_verbs or (w.endswith(_grammar(rules).endings["past_endings"]) and len(w) > 4)


def _may_follow_subject(word: str, rules: RuleSet) -> bool:
    """Whether a word can be the one after a sentence's subject: a verb ("Hantuchova is", "Campbell
    signalled", "Bortolami feels"), an auxiliary or an adverb ("Ruddock also said")."""
    g = _grammar(rules)
    w = word.lower()
    return (
        _looks_like_verb(w, rules)
        or w.endswith(g.endings["plural_endings"])
        or w.endswith(g.endings["adverb_endings"])
        or w in g.w["verb_companions"]
        or w in g.w["auxiliaries"]
    )


def _plural(name: str, rules: RuleSet) -> bool:
    """A source named by a plural noun ("analysts", "senior officials")."""
    word = name.split()[-1].lower()
    return word.endswith(_grammar(rules).endings["plural_endings"]) and len(word) > 3


def _plausible_source(word: str, rules: RuleSet) -> bool:
    """A lone lower-case word can name a source only as a known kind of source or a plural
    ("officials", "investigators"); "romantic" or "explosion" cannot."""
    if word in _grammar(rules).known_kinds or word in rules.lexicon("reference_pronouns"):
        return True
    return word.endswith(_grammar(rules).endings["plural_endings"]) and len(word) > 3


def _is_appositive(segment: str, rules: RuleSet) -> bool:
    """Does a comma segment describe the name before it (", the ambassador,", ", 58,",
    ", who owns homes,", ", R-Wis.,", ", Democrat of Tennessee,")? ", the BSK," is a name
    itself, and a clause with a verb of its own (", the plant is hanging on,") describes no one."""
    g = _grammar(rules)
    text = segment.strip()
    words = text.split()
    if not words:
        return False
    if _PARTY_STATE.fullmatch(text):
        return True  # "Sen. Ron Johnson, R-Wis., said"
    if (
        len(words) <= 4
        and words[0].lower() in rules.titles
        and len(words) > 2
        and words[1] in g.w["name_prepositions"]
        and words[-1][:1].isupper()
    ):
        return True  # "Representative Steve Cohen, Democrat of Tennessee, told"
    if g.the_name.match(text) and len(words) <= 4 and words[-1][:1].isupper():
        return False  # ", the BSK," but not ", the Chinese ambassador,"
    if len(words) > 1 and _POSSESSIVE.search(words[0]) and words[0][:1].isupper() and words[1][:1].islower():
        return True  # "Marlon Marshall, Clinton's director of state campaigns, said"
    titles = [i for i, w in enumerate(words) if _is_title(w, g)]
    if titles and (titles[-1] == len(words) - 1 or words[titles[-1] + 1].lower() in g.w["name_prepositions"]):
        return True  # "Tony Banks, Labour MP for West Ham, said", "Jane Roe, Deputy Mayor, said"
    if not (text[:1].islower() or text[:1].isdigit()):
        return False
    if g.participle.search(words[0].lower()):
        return True  # ", speaking on condition of anonymity because talks were private,"
    # An auxiliary makes a clause (", the plant is hanging on,"), unless a relative pronoun opens
    # the clause inside the description (", a friend who was her chief of staff,").
    for i, w in enumerate(words):
        if w.lower() in g.w["relative_pronouns"]:
            return True
        if w.lower() in g.w["auxiliaries"]:
            return i == 0  # ", has filed a lawsuit," is the predicate of the name before it
    return True


def _is_place(segment: str, before: str) -> bool:
    """One or two capitalised words closing a place named before a comma ("in Columbus, Ohio"), not
    the name an appositive describes ("Vos's spokeswoman, Mara Lindqvist")."""
    words, previous = segment.split(), before.split()
    return 0 < len(words) <= 2 and all(w[:1].isupper() for w in words) and previous[-1][:1].isupper()


def _last_clause(text: str, g: _Grammar) -> str:
    """The clause a verb's subject stands in; a relative clause ("a witness who lives nearby")
    names no one, so step back over it to the noun it describes."""
    while True:
        bounds = list(g.clause_split.finditer(text))
        if not bounds:
            return text
        last = bounds[-1]
        rest = text[last.end() :].split()
        subject_relative = (
            bool(rest)
            and rest[0][:1].islower()
            and rest[0].lower() not in g.w["determiners"]
            and not (len(rest) == 1 and rest[0].lower() in g.known_kinds)  # "which critics said"
        )
        if (
            last.group().lower() in g.w["relative_pronouns"]
            and subject_relative
            and text[: last.start()].strip()
        ):
            text = text[: last.start()]  # "a witness who lives ..." but not "which Pezeshkian called"
            continue
        return text[last.end() :]


def _source_before(text: str, start: int, rules: RuleSet) -> str | None:
    g = _grammar(rules)
    left = _strip_companions(text[:start], g).rstrip()
    left = _strip_companions(_strip_tail(g.adverbial_tail, g.adverbial_last, left), g).rstrip()
    # ", the ambassador," ", 58," ", who owns 1,200 homes," are appositives: the name stands before them.
    left = _PARENTHETICAL.sub("", left)  # "the Office for Police Conduct (IOPC)"
    if left.endswith(","):
        parts = _COMMA.split(left[:-1])  # "1,200 homes" is one segment
        while len(parts) > 1:
            if _is_appositive(parts[-1], rules):
                parts.pop()
            elif len(parts) > 2 and _is_place(parts[-1], parts[-2]) and _is_appositive(parts[-2], rules):
                # "Clinton, during a meeting in Columbus, Ohio, said": a place ends the description
                del parts[-2:]
            else:
                break
        left = ",".join(parts)
    clause = _last_clause(left, g)
    if not clause.strip() and g.contrast_end.search(left):
        # "A spokesman declined to comment but said ...": the subject opens the sentence, before its verb
        words = g.contrast_end.sub("", left).split()
        verb = next((i for i, w in enumerate(words) if _looks_like_verb(w, rules)), len(words))
        return _clean_name(words[:verb], rules)
    words = g.adverbial_head.sub("", clause).split()
    if words and words[0][:1].isupper() and g.participle.search(words[0].lower()):
        # "Speaking in Harrogate Mr Kennedy said": the name is the capitalised run before the verb
        j = len(words)
        while j > 1 and words[j - 1][:1].isupper():
            j -= 1
        if 1 < j < len(words):
            words = words[j:]
    conjunctions = g.w["conjunctions"]
    joins = [k for k, w in enumerate(words) if w in conjunctions]
    if joins:
        k = joins[-1]
        before_cap = k > 0 and words[k - 1][:1].isupper()
        after_cap = k + 1 < len(words) and words[k + 1][:1].isupper()
        if k + 1 < len(words) and words[k + 1].lower() in g.w["possessive_determiners"]:
            words, before_cap, after_cap = words[:k], True, True  # "Simon Vail and his colleagues"
        if not (before_cap and after_cap) and k + 1 < len(words):
            words = words[k + 1 :]
        elif not (before_cap and after_cap):
            # "The bank kept its dividend and said ...": the subject opens the clause, before its verb
            verb = next((i for i, w in enumerate(words) if _looks_like_verb(w, rules)), k)
            words = words[:verb]
            if not words and left.endswith(clause) and clause.strip() != left.strip():
                # the clause is the end of ``left`` unless a relative clause was stepped over
                return _described_subject(left.removesuffix(clause), rules)
    return _clean_name(words, rules)


def _strip_companions(text: str, g: _Grammar) -> str:
    """``text`` without the auxiliaries and adverbs that end it before the verb ("the ministry has
    repeatedly"), unless the word is a surname after a given name or a title ("Mrs May said")."""
    stripped = _strip_tail(g.aux_tail, g.aux_last, text)
    if len(stripped) == len(text):
        return text
    removed, kept = text[len(stripped) :].split(), stripped.rsplit(None, 1)[-1:]
    if len(removed) == 1 and kept and _surname([kept[-1], removed[0]], g):
        return text
    return stripped


def _described_subject(head: str, rules: RuleSet) -> str | None:
    """The name opening a sentence before its description ("Brian Fallon, a spokesman for Mrs. Clinton,
    called on the senator to apologise and said ..."): the subject of a verb whose clause has none."""
    parts = _COMMA.split(head.rstrip().rstrip(","))
    if len(parts) < 2 or not all(_is_appositive(p, rules) for p in parts[1:]):
        return None
    words = parts[0].split()
    return _clean_name(words, rules) if 0 < len(words) <= 5 and _proper(words[-2:]) else None


def _source_after(text: str, end: int, rules: RuleSet, strict: bool) -> str | None:
    right = text[end:].lstrip(' ,:“”"')
    m = _AFTER_NAME.match(right)
    if not m:
        return None
    words: list[str] = []
    tokens = m.group().split()
    w_ = rules.words
    g = _grammar(rules)
    if strict and tokens and tokens[0].lower() in g.after_stops:
        return None  # "said on Wednesday that": the speaker stands before the verb
    prepositions, stops = w_["name_prepositions_after"], w_["after_name_stops"]
    for i, w in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        lower = w.lower()
        joins_name = lower in prepositions and following[:1].isupper()
        if lower in stops and words and not joins_name:
            break
        words.append(w)
    if strict:
        # "said Putin." names a speaker; "said Estova had demanded fees" opens a clause.
        head = [w for w in words if w.lower() not in w_["determiners"]]
        known = g.speakers
        if not head or not (any(w[:1].isupper() for w in head) or head[-1].lower() in known):
            return None
        if any(w.lower() in w_["auxiliaries"] or w.lower() in rules.finite_verbs for w in head):
            return None
        # "said John Smith moved the money": a past form after the name opens a clause; "said one
        # Republican involved in the planning" and "said retired neurosurgeon Ben Carson" stay names
        for k in range(1, len(tokens)):
            w, after = tokens[k], tokens[k + 1] if k + 1 < len(tokens) else ""
            clause = tokens[k - 1][:1].isupper() and w.islower() and _looks_like_verb(w, rules)
            if clause and after.lower() not in g.attached:
                return None
    named = _NAMED_AFTER.match(right[m.end() :])
    if named and 0 < len(words) == len(tokens) <= 4 and words[-1].islower():
        return named.group(1)  # "said another Twitter user, Johanna Bayer": the role, then who
    return _clean_name(words[:8], rules)


def source_type(name: str, rules: RuleSet) -> str:
    """Classify a source: person, organisation, anonymous or document."""
    words = name.lower().split()
    last = words[-1]
    if last in rules.anonymous:
        return "anonymous"
    if last in rules.documents:
        return "document"
    if not rules.organisations.isdisjoint(words) or (name.isupper() and len(name) > 1):
        return "organisation"
    return "person" if any(c.isupper() for c in name) else "anonymous"


def _is_tail(sent: str, start: int, end: int, rule, rules: RuleSet) -> bool:
    """A reporting clause closing the sentence after a comma or quote ('..., the ministry said.',
    '..., said Charles Kennedy.'), or a headline's source after its dash or colon ('... - Kennedy'):
    it speaks for the whole sentence."""
    if rule.when == "headline" and rule.source == "after":
        return True
    if sent[start:end].lower() not in rules.inversion_verbs:
        return False
    before = _TAIL_SPLIT.split(sent[:start])
    if len(before) < 2 or len(sent[end:].split()) > 6:
        return False
    return len(before[-1].split()) <= 5 and (bool(before[-1].split()) or rule.source != "before")


def attribute(sent: str, fired, q: Quotes, rules: RuleSet, names: dict | None = None) -> str | None:
    """The source of a sentence, from the cues of rules with a ``source`` direction.

    Outside quotes first; a tail (", the ministry said.") speaks for the whole sentence; then
    the earliest cue: the first party to speak is the source ("While X alleges ..., Y denied it").
    A pronoun ("..., he said") gives way to a person the same sentence names.
    ``names``, when given, keeps the name found at each cue for the next call on the same sentence.
    """
    candidates = [
        (inside(q.ranges, *span), not _is_tail(sent, *span, rule, rules), span[0], rule, span)
        for rule, spans in fired
        if rule.source
        for span in spans
    ]
    memo = {} if names is None else names
    first = None  # names are looked for in order, only until the source is known
    said = len(sent)  # where the cue that gave a pronoun ends: what follows is what the pronoun said
    tail_speaker = False  # a pronoun in the tail (", she noted."): only a person it names outright beats it
    for quoted, not_tail, _, rule, (start, end) in sorted(candidates, key=lambda c: c[:3]):
        key = (rule.id, start, end)
        if key not in memo:
            memo[key] = _name_at(sent, rule, start, end, rules)
        name = memo[key]
        if (
            name
            and name.lower() not in rules.pronouns
            and not (first and start >= said)
            and not (tail_speaker and (quoted or source_type(name, rules) != "person"))
        ):
            return name
        if name and not first:
            first = name
            # "He said ...", "On the tsunami he said ...", '"...," she said, ...': the sentence's own
            # speaker, opening it or in its tail (not "her attorney", nor "The nurse, who said she
            # feared ..., said")
            subject = name.lower() in rules.lexicon("subject_pronouns")
            tail_speaker = subject and not not_tail
            if subject and (tail_speaker or "," not in sent[:start]):
                said = end
    return first


def _name_at(sent: str, rule, start: int, end: int, rules: RuleSet) -> str | None:
    """The source one cue names, looking where its rule says the source stands."""
    # A cue that names its own speaker ("in his view") points at that pronoun.
    g = _grammar(rules)
    own = [w for w in sent[start:end].lower().split() if w in rules.pronouns]
    if own:
        return own[0]
    # Passive voice ("the claims were dismissed by the ministry"): the source follows "by";
    # the subject of a passive verb is what was said, not who said it.
    verb = sent[start:end].split()[-1].lower()
    stance = verb in g.w["stance_adjectives"]  # "is confident" is no passive
    progressive = verb.endswith(g.endings["progressive_endings"])  # "is telling reporters" is no passive
    if (
        rule.source != "after"
        and not stance
        and not progressive
        and (
            g.passive_aux.search(sent, 0, start)
            or sent[start:end].split()[0].lower() in g.w["passive_auxiliaries"]
            or g.passive_phrase.match(sent, start)
        )
    ):
        by = g.passive_by.match(sent, end)
        return _source_after(sent, by.end(), rules, strict=False) if by else None
    inverted = (
        rule.source == "either"
        and sent[:start].rstrip()[-1:] in {",", "”", '"', "’"}
        and sent[start:end].lower() in rules.inversion_verbs
    )
    name = None
    if rule.source != "after" and _participle_clause(sent, start, end, g):
        name = _main_subject(sent[:start], rules)
    if name is None and (rule.source == "before" or (rule.source == "either" and not inverted)):
        name = _source_before(sent, start, rules)
    if name is None and rule.source in ("after", "either"):
        name = _source_after(sent, end, rules, strict=rule.source == "either")
    if name is None and inverted:
        name = _source_before(sent, start, rules)
    return name


def _participle_clause(sent: str, start: int, end: int, g: _Grammar) -> bool:
    """A cue opening a participle clause after a comma or dash ("..., saying that"): it shares the
    subject of the main clause, not the nearest name before it."""
    cue = sent[start:end].split()
    return (
        len(cue) == 1
        and cue[0].lower().endswith(g.endings["progressive_endings"])
        and sent[:start].rstrip().endswith((",", "-", "–", "—"))
    )


def _main_subject(left: str, rules: RuleSet) -> str | None:
    """The subject opening the sentence: the words before its first verb ("Obama has also said
    ...", "The ministry on Friday said ..."), else its opening run of capitalised words ("Carly
    Fiorina threw her support ..."), after a time phrase or an opening adverb."""
    g = _grammar(rules)
    text = g.adverbial_head.sub("", left)
    first = _COMMA.split(text, maxsplit=1)
    if len(first) > 1 and len(first[0].split()) == 1 and first[0].strip().lower() in g.w["sentence_openers"]:
        text = first[1]  # "Meanwhile, the ministry said ..."
    words = text.split()
    verb = next((i for i, w in enumerate(words) if _looks_like_verb(w.strip(",;:"), rules)), None)
    if verb is None:
        verb = next((i for i, w in enumerate(words) if not w[:1].isupper()), 0)
    if not verb or any(w.endswith((",", ";", ":")) for w in words[:verb]):
        return None  # no subject before the verb, or one with a clause of its own
    subject = g.aux_tail.sub("", g.adverbial_tail.sub("", " ".join(words[:verb]))).split()
    if subject and subject[0].lower() in rules.pronouns:
        return subject[0].lower()  # "She also compared ..., saying": resolved to the name later
    name = _clean_name(subject, rules) if subject else None
    return name if name and (name[:1].isupper() or _plausible_source(name.lower(), rules)) else None


def share_passage_speakers(
    results: list[Tagged],
    quotes: list[Quotes],
    sentences: Sequence[str],
    statements: list[bool],
    rules: RuleSet | None = None,
) -> None:
    """Give every sentence of a multi-sentence quote the speaker named somewhere in it.

    A quote continues into the next sentence while its marks are open; a new quote
    right after an attributed quote, or after a lead-in ending in a colon, continues
    the same speaker unless it names its own.
    """
    # A passage is a run of sentences: kept as where each starts (a list of each is a huge article's
    # size again), it runs to where the next one starts.
    starts: list[int] = [0] if results else []
    for i in range(1, len(results)):
        t, prev, q = results[i], quotes[i - 1], quotes[i]
        lead_in = sentences[i - 1].rstrip().endswith(":")
        # A quote right after an attributed sentence (quote or paraphrase) is usually the same speaker's.
        in_passage = results[i - 1].attributed_to is not None or (bool(prev.ranges) and i - starts[-1] > 1)
        follows_quote = in_passage or lead_in
        linked = t.quoted and (
            q.open_at_start
            or prev.open_at_end
            or (q.starts_with_quote and not t.attributed_to and follows_quote)
            or (statements[i] and not t.attributed_to)  # a statement printed after its lead-in
        )
        if not linked:
            starts.append(i)
    lower_case = _LowerCaseWords(sentences)
    for first, end in itertools.pairwise([*starts, len(results)]):
        passage = range(first, end)
        named = [i for i in passage if results[i].attributed_to]
        if not named and results[first].quoted and first and rules is not None:
            # A quote after "Ruddock, though, is keen to protect his players." is Ruddock's.
            subject = _subject(sentences[first - 1], rules, lower_case)
            if subject:
                results[first].attributed_to = subject
                named = [first]
        if not named:
            continue
        for i in passage:
            if results[i].attributed_to is None and results[i].status is not None:
                nearest = min(named, key=lambda j: (abs(j - i), j > i))
                results[i].attributed_to = results[nearest].attributed_to


def _subject(
    sentence: str, rules: RuleSet, lower_case: _LowerCaseWords, opening_clause: bool = True
) -> str | None:
    """A person named at the start of a sentence ("Mayor Daniel Okafor defended ..."), if any, or
    after a conjunction or an opening clause ("But Mr. Christie gave ...", "Having sputtered in his
    own run, Mr. Christie gave ...", "At a rally in Ohio, Kasich ...")."""
    words = sentence.split()
    g = _grammar(rules)
    if words and words[0].lower() in g.leading_conjunctions:
        words = words[1:]  # "But Mr. Christie nevertheless gave ...": the subject follows
    first = words[0].lower().strip(",") if words else ""
    opens_clause = bool(first) and (first in g.clause_openers or g.participle.search(first) is not None)
    if opens_clause and opening_clause and ", " in sentence:
        # "Having sputtered ..., Mr. Christie gave ...": the subject follows the clause's comma, not
        # the comma inside a place the clause names ("When she came to Louisville, Ky., she ...")
        head, rest = sentence.split(", ", 1)
        while ", " in rest and (place := rest.split(", ", 1)[0]).endswith(".") and _is_place(place, head):
            head, rest = f"{head}, {place}", rest.split(", ", 1)[1]
        return _subject(rest, rules, lower_case, opening_clause=False)
    if first in g.no_subject or opens_clause:
        return None  # "Until ...", "Its ...", "More ...", "Asked about the delay she ...": no name opens it
    run: list[str] = []
    stop = ""  # the word the name stops at
    for n, w in enumerate(words):
        if not w[:1].isupper():
            following = words[n + 1][:1].isupper() if n + 1 < len(words) else False
            full_name = following and n + 2 < len(words) and words[n + 2][:1].isupper()
            if run and following and (w in rules.titles or full_name):
                run = []  # "Lib Dem leader Charles Kennedy", "England prop Phil Vickery": the person follows
                continue
            if run and following and w in g.w["name_particles"]:
                run.append(w)  # "Mr da Silva"
                continue
            stop = w
            break
        if w.endswith((",", ":")):
            # "Already," or "Meanwhile," opens the sentence: no subject; "Ruddock, though," is one
            bare = w.rstrip(",:").lower()
            if not run and (bare in g.w["sentence_openers"] or bare in g.w["time_words"] or ":" in w):
                return None
            after = words[1].lower().strip(",") if len(words) > 1 else ""
            if not run and after and after not in g.after_name_comma:
                return None  # "O'Malley, the former governor, stressed ...": a name and its apposition
            run.append(w.rstrip(",:"))
            break
        run.append(w)
    name = _clean_name(run, rules) if run else None
    if name and " " not in name and name in lower_case:
        return None  # "Victory took Real to ...": a word the article also writes in lower case
    if name and " " not in name and not lower_case.written_as_name(name):
        return None  # "Soon, he ...": capitalised only where it opens a sentence, so no name
    if (
        name
        and " " not in name
        and stop
        and not _POSSESSIVE.search(run[-1])
        and not _may_follow_subject(stop, rules)
    ):
        return None  # "Premiership football ...": a word describing a noun, no subject
    if name and any(w in g.leading_conjunctions for w in name.split()):
        return None  # "Tony Blair and Gordon Brown" are no "he"
    if name and source_type(name, rules) == "person" and name.lower() not in rules.pronouns:
        return name
    return None


def _titled(role: str, sentences: Sequence[str]) -> str | None:
    """The person the text names with this role as title ("Iranian President Masoud Pezeshkian"
    for "the Iranian president"), if it does."""
    title = r"\s+".join(regex.escape(w) for w in role.split())
    for sentence in sentences:
        m = regex.search(
            rf"(?i:\b{title})\s+(\p{{Lu}}[\p{{L}}’'-]+(?:\s+\p{{Lu}}[\p{{L}}’'.-]+){{1,3}})", sentence
        )
        if m:
            return _POSSESSIVE.sub("", m.group(1))
    return None


class _LowerCaseWords:
    """The words a text writes in lower case (such a word opening a sentence is no name), read
    once, on the first question: most articles never ask."""

    def __init__(self, sentences: Sequence[str]) -> None:
        self._sentences = sentences
        self._words: frozenset[str] | None = None
        self._names: frozenset[str] | None = None

    def written_as_name(self, word: str) -> bool:
        """Does the text capitalise ``word`` after some sentence's first word, as names are? A
        short text says too little to tell: there, every word may be a name."""
        if len(self._sentences) < _SAYS_ENOUGH:
            return True
        if self._names is None:
            self._names = _read_words(self._sentences, _MID_CAPITAL)
        return word in self._names

    @property
    def read(self) -> bool:
        return self._words is not None

    def __contains__(self, word: str) -> bool:
        if self._words is None:
            self._words = _read_words(self._sentences, _LOWER_WORD)
        return word.lower() in self._words


_AT_ONCE = 100_000
"""Texts shorter than this give their lower-case words as one list; longer ones a word at a time."""


_SAYS_ENOUGH = 8
"""Sentences a text needs before a word it never capitalises mid-sentence is taken for no name."""
_MID_CAPITAL = regex.compile(r"(?<=\s)\p{Lu}[\p{L}’'-]*")
"""A capitalised word after white space: not a sentence's first word."""


def _read_words(sentences: Sequence[str], pattern: regex.Pattern[str]) -> frozenset[str]:
    """The distinct words ``pattern`` finds, read without a list of every word (a huge article has
    millions): a short text gives its words as one list, a long one a word at a time."""
    words: set[str] = set()
    for text in sentences:
        words.update(
            pattern.findall(text) if len(text) < _AT_ONCE else (m.group() for m in pattern.finditer(text))
        )
    return frozenset(words)


class _Genders:
    """Whether a person is a woman or a man, where the text shows it: by a given name from the
    lexicons ("Nancy Pelosi"), else by a title the article puts before the surname ("Mrs.
    Clinton", "spokesman Brian Fallon"). For a name no given name decides, the sentences that
    hold its surname are read for titles, once a surname."""

    def __init__(self, sentences: Sequence[str], rules: RuleSet) -> None:
        self._sentences, self._rules = sentences, rules
        self._by_surname: dict[str, str | None] = {}

    def of(self, name: str) -> str | None:
        words = name.split()
        if len(words) > 1 and (known := _gender_of_given(words[0], self._rules)):
            return known  # "Graham" alone is a surname, so a one-word name is looked up below
        surname = _POSSESSIVE.sub("", words[-1])
        if surname not in self._by_surname:
            votes: Counter[str] = Counter()
            g = _grammar(self._rules)
            for sentence in self._sentences:
                if surname in sentence:  # a cheap test first: most sentences never name them
                    for m in g.gender_title.finditer(sentence):
                        if _POSSESSIVE.sub("", m.group("name").split()[-1]) == surname:
                            votes["female" if m.group("female") else "male"] += 1
                    for m in _CAPITALISED_RUN.finditer(sentence):  # "Hillary Clinton" ... "Clinton"
                        run = m.group().split()
                        if _POSSESSIVE.sub("", run[-1]).strip(",") == surname and (
                            known := _gender_of_given(run[0], self._rules)
                        ):
                            votes[known] += 1
            ranked = votes.most_common(2)
            clear = ranked and (len(ranked) == 1 or ranked[1][1] * 3 <= ranked[0][1])
            self._by_surname[surname] = ranked[0][0] if clear else None
        return self._by_surname[surname]


def _gender_of_given(word: str, rules: RuleSet) -> str | None:
    """The gender a given name shows ("Nancy", "Bernie"), if the lexicons know it."""
    w = word.lower().rstrip(".")
    if w in rules.words["female_given_names"]:
        return "female"
    if w in rules.words["male_given_names"]:
        return "male"
    return None


def _gender_of_word(word: str, rules: RuleSet) -> str | None:
    """The gender a pronoun or a role word shows ("she", "actress"), if any."""
    w = word.lower()
    if w in rules.words["female_pronouns"] or w in rules.words["female_titles"]:
        return "female"
    if w in rules.words["male_pronouns"] or w in rules.words["male_titles"]:
        return "male"
    return None


PEOPLE_KEPT = 32
"""How many speakers, and stretches of sentences between them, a pronoun may walk back over."""


def resolve_references(results: list[Tagged], sentences: Sequence[str], rules: RuleSet) -> None:
    """Name the source a reference points back to: "he"/"she" the latest person of that gender (or
    of none the text shows) named as a speaker or a sentence's subject, "it" the last organisation
    that spoke, and "the agency" the last named source with "agency" in its name ("Medicines Safety
    Agency")."""
    # Persons named as speakers or subjects, latest last. A list among them holds the sentences
    # with no source between two speakers: their subjects are read only when a pronoun walks back
    # to them (most never do), and then once. The last few entries are kept, not everyone a huge
    # article names.
    people: list[str | list[str]] = []
    last_org: str | None = None
    last_group: str | None = None  # an organisation or a plural of unnamed sources, for "they"
    named: list[str] = []  # proper names of sources so far, latest last
    lower_case = _LowerCaseWords(sentences)
    genders = _Genders(sentences, rules)
    subjects: list[str] = []  # sentences with no source since the last speaker

    def park() -> None:
        if subjects:
            people.append(subjects.copy())
            subjects.clear()
        del people[:-PEOPLE_KEPT]

    def person(gender: str | None = None) -> str | None:
        park()
        k = len(people) - 1
        while k >= 0:
            entry = people[k]
            if isinstance(entry, list):  # read these sentences' subjects, the latest first, as needed
                if not entry:
                    del people[k]
                    k -= 1
                    continue
                found = _subject(entry.pop(), rules, lower_case)
                if found:
                    people.insert(k + 1, found)  # after the sentences before it, before the ones read
                    k += 1
                continue
            if gender is None or genders.of(entry) in (None, gender):
                return entry
            k -= 1
        return None

    organisation_pronouns, group_pronouns = (
        rules.lexicon("organisation_pronouns"),
        rules.lexicon("group_pronouns"),
    )
    kinds = rules.lexicon("organisation_references")
    for i, (t, sentence) in enumerate(zip(results, sentences, strict=True)):
        name = t.attributed_to
        if not name:  # no source: its subject may be the person a later reference points to
            if t.status is not None:  # a heading or page furniture names no one ("Budget row deepens")
                subjects.append(sentence)
            continue
        lowered = name.lower()
        if (
            name.split()[-1].islower()  # "the company", not a headline's "Newspaper Says ..."
            and (noun := _POSSESSIVE.sub("", lowered.removeprefix("the "))) in kinds
            and not any(noun in n.lower().split() for n in named)
            and (body := _body_before(noun, i, results, sentences, rules, genders, lower_case))
        ):
            # "the company said": the company the last sentences spoke of ("Twitter has now ...")
            t.attributed_to = body
        elif lowered in organisation_pronouns:
            t.attributed_to = last_org
        elif lowered in group_pronouns:
            t.attributed_to = last_group
        elif lowered in rules.pronouns:
            gender = _gender_of_word(lowered, rules)
            # "Ms. Ruiz was shocked, she said": her own subject, where the sentence is not a quotation
            quote = t.quoted or sentence.lstrip()[:1] in OPEN_QUOTES + "\"'‘"
            own = None if quote else _subject(sentence, rules, lower_case)
            if own and genders.of(own) in (None, gender):
                park()
                people.append(own)
            t.attributed_to = person(gender)
        elif name.islower() and name.split()[-1] in rules.titles and person():
            # "said the 74-year-old comedian": a role names the person last named
            role = name.split()[-1]  # a spokeswoman speaks for whoever she speaks for
            t.attributed_to = person(
                None if role in rules.words["speaks_for"] else _gender_of_word(role, rules)
            )
        elif (
            len(name.split()) > 1
            and name.split()[-1] in rules.titles  # "the French president", "the Vermont senator"
            and source_type(name, rules) == "person"
        ):
            # else the person last named, if a given name shows it is one ("Jeb Bush", not "Yet"),
            # unless the role serves someone ("the senior Cruz adviser")
            role = name.split()[-1]
            serves = role in rules.words["speaks_for"] or role in rules.words["serving_roles"]
            titled = _titled(name, sentences)
            latest = None if serves or titled else person(_gender_of_word(role, rules))
            t.attributed_to = titled or (latest if _shown_a_person(latest, rules) else name)
        elif " " not in name and name.islower():
            # "the agency" is the last named source called an agency ("Medicines Safety Agency")
            t.attributed_to = next((n for n in reversed(named) if name in n.lower().split()), name)
        elif (kind := source_type(name, rules)) == "person":
            park()  # the subjects before this speaker come before it
            people.append(name)
        elif kind == "organisation":
            last_org = last_group = name
        else:
            subjects.append(sentence)
        if (
            t.attributed_to
            and source_type(t.attributed_to, rules) == "anonymous"
            and _plural(t.attributed_to, rules)
        ):
            last_group = t.attributed_to
        if t.attributed_to and t.attributed_to[:1].isupper():
            named.append(t.attributed_to)


def _shown_a_person(name: str | None, rules: RuleSet) -> bool:
    """A name whose given name shows a person ("Jeb Bush"), not a capitalised word a sentence opened
    with ("Yet", "Flood"): only such a name may stand for a role ("the Florida senator")."""
    return bool(name) and " " in name and name.split()[0].lower() in _grammar(rules).given_names


_NAME_RUN = r"\p{Lu}[\p{L}’'&.-]*(?:\s+\p{Lu}[\p{L}’'&.-]*){0,4}"
"""One to five capitalised words: a body's name ("Work Rights Watch", "Global Times")."""
BODY_LOOKBACK = 4
"""How many sentences back "the company" looks for the body it stands for."""


def _body_before(
    noun: str,
    i: int,
    results: list[Tagged],
    sentences: Sequence[str],
    rules: RuleSet,
    genders: _Genders,
    lower_case: _LowerCaseWords,
) -> str | None:
    """The body a generic noun ("the company", "the newspaper") stands for: a name written beside
    that noun in the sentence or those just before ("the charity Work Rights Watch", "the Global
    Times tabloid"), else the latest name there that is a source or opens a claim sentence and is
    no person (no given name or title shows a gender)."""
    window = range(i, max(-1, i - 1 - BODY_LOOKBACK), -1)
    kind = regex.escape(noun)
    after = regex.compile(rf"(?i:\b{kind})\s+({_NAME_RUN})")  # "the charity Work Rights Watch"
    before = regex.compile(rf"(?:^|\s)({_NAME_RUN})\s+(?i:{kind})\b")  # "the Global Times tabloid"
    for j in window:
        for beside in (after, before):
            for m in beside.finditer(sentences[j]):
                name = _clean_name(m.group(1).split(), rules)
                if name and name.split()[0].lower() not in _grammar(rules).no_subject:
                    return name
    for j in window[1:]:
        if results[j].status is None:
            continue  # a byline or a "Share this article" line names no body
        source = results[j].attributed_to
        if source and not all(w[:1].isupper() for w in source.split()):
            source = None  # "Former employees", "CEO of Washington Restaurant Association": no body's name
        for candidate in (_opening_name(sentences[j], rules, lower_case), source):
            if (
                candidate
                and _written_as_name(candidate, rules, lower_case)
                and candidate.lower() not in rules.pronouns
                and source_type(candidate, rules) in ("person", "organisation")
                and genders.of(candidate) is None
            ):
                return candidate
    return None


def _opening_name(sentence: str, rules: RuleSet, lower_case: _LowerCaseWords) -> str | None:
    """The capitalised name that opens a sentence, after "The" ("Twitter has ...", "The Trayvon
    Martin Foundation did ..."), if the text writes it as a name."""
    words = sentence.split()
    g = _grammar(rules)
    if words and words[0].lower() in g.w["definite_articles"]:
        words = words[1:]
    run = []
    for w in words:
        if not w[:1].isupper():
            break
        run.append(w.rstrip(",:"))
        if w.endswith((",", ":")):
            break
    if not run or run[0].lower() in g.no_subject or len(words) <= len(run):
        return None
    name = _clean_name(run, rules)
    if name and source_type(name, rules) != "organisation" and not _verb_follows(words[len(run) :], rules):
        return None  # "Oxygen masks dropped": the name must be what does something ("Twitter has now")
    return name if name and _written_as_name(name, rules, lower_case) else None


def _verb_follows(words: list[str], rules: RuleSet) -> bool:
    """Do these words open with a verb, perhaps after an adverb ("also commented", "has")?"""
    first = words[0].strip(",.").lower()
    if len(words) > 1 and (
        first in rules.lexicon("stop_words") or first.endswith(_grammar(rules).endings["adverb_endings"])
    ):
        first = words[1].strip(",.").lower()
    return _looks_like_verb(first, rules)


def _written_as_name(name: str, rules: RuleSet, lower_case: _LowerCaseWords) -> bool:
    """Is ``name`` written as a name: its first word not one the text also writes in lower case
    ("Sales of Mercedes' brands fell"), a single word capitalised inside sentences too?"""
    first = name.split()[0]
    return first not in lower_case and (first != name or lower_case.written_as_name(name))


# Capitalised words and initials ("James B. Comey", "E. J. Fleming"), on one line and not across a full stop.
_WORD = regex.compile(r"\S+")
_CAPITALISED_RUN = regex.compile(r"(?:\p{Lu}\.|\p{Lu}[\p{L}’'-]*)(?:[ \t]+(?:\p{Lu}\.|\p{Lu}[\p{L}’'-]*))+")


def drop_opening_words(results: list[Tagged], sentences: Sequence[str], rules: RuleSet) -> None:
    """A source named by one capitalised word that opens its sentence is no name when it is
    capitalised only because it comes first: a sentence's opener ("Yet", "Their"), or an adverb,
    an -ing form or a word the article also writes in lower case ("Originally", "Sticking",
    "Drop") that the article never capitalises inside a sentence. Kinds of source ("Critics",
    "Polls") and names the article writes as names ("Kelly", "Orange said") stay."""
    lower_case = _LowerCaseWords(sentences)
    g = _grammar(rules)
    forms = g.endings["adverb_endings"] + g.endings["progressive_endings"]
    references = rules.pronouns | rules.lexicon("organisation_pronouns") | rules.lexicon("group_pronouns")
    for t, sentence in zip(results, sentences, strict=True):
        name = t.attributed_to
        if not name or " " in name or not sentence.lstrip(_OPENING_MARKS).startswith(name):
            continue
        if source_type(name, rules) != "person" or name.lower() in references:
            continue  # "He said ...": a reference, named later (resolve_references)
        word = name.lower()
        plural = word.endswith(g.endings["plural_endings"])
        common = word.endswith(forms) or (name in lower_case and not plural)
        if word in g.no_subject or (common and not _written_inside(name, lower_case)):
            t.attributed_to = None


def _written_inside(name: str, lower_case: _LowerCaseWords) -> bool:
    """Does the article capitalise ``name`` (or its possessive) after a sentence's first word?"""
    return any(lower_case.written_as_name(form) for form in (name, *(name + s for s in _POSSESSIVE_ENDS)))


_OPENING_MARKS = " “\"‘'("
"""What may stand before a sentence's first word."""
_POSSESSIVE_ENDS = ("'s", "’s", "'", "’")


def full_names(results: list[Tagged], text: str, rules: RuleSet) -> None:
    """Give a person named by surname alone ("Clinton") the fuller name the article gives them
    ("Hillary Clinton"): the most frequent given name (or initial) written before that surname,
    so one person is one source across an article. A word the article also writes in lower case
    ("Ministers", "Drivers") is no surname; a Title Case headline is read only when the body
    names no one by that surname ("Classy Henman"). A body named by the last words of its name
    gets its full name too ("the budget office": "Congressional Budget Office")."""
    _full_organisations(results, text, rules)
    surnames: list[tuple[Tagged, str]] = []  # the sources named by one capitalised word alone
    for t in results:
        name = t.attributed_to
        if name and " " in name and name.isupper() and all(w.isalpha() for w in name.split()):
            cased = name.title()  # a transcript's speaker, "JOEL BENENSON:", is Joel Benenson
            if source_type(cased, rules) == "person":
                t.attributed_to = name = cased
        parts = (name or "").split()
        while len(parts) > 1 and parts[0].lower().rstrip(".") in rules.titles:
            parts = parts[1:]  # "Ms. White"
        name = parts[0] if len(parts) == 1 else name
        if name and name.isupper() and len(name) > 2:
            name = name.title()  # "FALLIN:" in a transcript is the Fallin the article names, if it does
        if not name or " " in name or not name[:1].isupper() or name.isupper():
            continue
        if source_type(name, rules) == "person":
            surnames.append((t, name))
    # A surname the article writes in lower case too is none: the article's lower-case words are
    # read only when a name occurs in lower case at all, and then looked up, never searched again
    # (a search of a huge article for each of its sources is quadratic); each name is decided once.
    lower_case = _LowerCaseWords([text])
    common: dict[str, bool] = {}
    for _, name in surnames:
        if name not in common:
            common[name] = (lower_case.read or name.lower() in text) and name in lower_case
    surnames = [(t, name) for t, name in surnames if not common[name]]
    if not surnames:  # the article is read for names only when a source is a surname alone
        return
    wanted = {name for _, name in surnames}
    skip = _grammar(rules).not_surnames
    given_names = _grammar(rules).given_names
    suffixes = rules.lexicon("name_suffixes")
    body = text.lstrip().find("\n") + len(text) - len(text.lstrip())
    body_names: dict[str, Counter[str]] = {}
    headline_names: dict[str, Counter[str]] = {}
    first_names: dict[str, Counter[str]] = {}
    for run, start, end in _name_runs(text):
        run = run.title() if run.isupper() else run  # "JOEL BENENSON:" in a transcript
        if not any(name in run for name in wanted):
            continue  # the run cannot end with a surname looked for
        words = [_POSSESSIVE.sub("", w).strip(",") for w in run.split()]
        suffix = words.pop() if len(words) > 2 and words[-1].lower().rstrip(".") in suffixes else None
        if suffix and text[end : end + 1] == ".":
            suffix += "."  # "Jr." keeps the period the run stops before
        surname = words[-1].rstrip(".")
        # "James B. Comey", "E. J. Fleming", "Marcel Lehel Lazar": a middle initial or name after a given
        # one; or three names alone, the middle one no given name ("Angie Drobnic Holan")
        middle = len(words) >= 3 and (
            _INITIAL.fullmatch(words[-2])
            or words[-3].lower() in given_names
            or (len(words) == 3 and _three_names(words, given_names, skip, rules))
        )
        size = 3 if middle else 2
        given = words[-size:-1]
        if not surname or (
            given[0].lower().rstrip(".") in skip and not _FAMILY_NAME_FIRST.fullmatch(surname)
        ):
            continue  # "Says Sanders" is no name; "Ban Ki-moon" is one, family name first
        found = body_names if 0 <= body < start else headline_names
        # "Joseph R. Biden Jr.": the suffix stays with the name
        found.setdefault(surname, Counter())[" ".join([*given, surname, *([suffix] if suffix else [])])] += 1
        if found is body_names and len(given) == 1 and given[0][1:].islower():
            # "Lou Jiwei" ... "Mr. Lou": some names put the family name first
            first_names.setdefault(given[0], Counter())[" ".join([*given, surname])] += 1
    for t, name in surnames:
        options = body_names.get(name) or headline_names.get(name) or first_names.get(name)
        if options:
            # A known given name first ("Bernie Sanders", not "Following Sanders"), then the most frequent,
            # then in full where the article writes it so once ("Donald J. Trump", "Hillary Rodham Clinton")
            best = max(
                options.items(), key=lambda kv: (kv[0].split()[0].lower() in given_names, kv[1], len(kv[0]))
            )[0]
            first = best.split()[0]
            t.attributed_to = max((o for o in options if o.split()[0] == first), key=len)


def _name_runs(text: str) -> Iterator[tuple[str, int, int]]:
    """Runs of capitalised words, each cut after a possessive inside it: in "President Obama's America"
    and "Tennis Australia's Geoff Pollard" the names are "President Obama" and "Geoff Pollard"."""
    for m in _CAPITALISED_RUN.finditer(text):
        first, count = m.start(), 0
        for word in _WORD.finditer(text, m.start(), m.end()):
            if not count:
                first = word.start()  # the first word of the name being read
            count += 1
            if word.end() == m.end() or _POSSESSIVE.search(word.group()):
                if count > 1:
                    yield text[first : word.end()], first, word.end()
                count = 0


def _three_names(words: list[str], given_names: frozenset[str], skip: frozenset[str], rules: RuleSet) -> bool:
    """A run of three capitalised words is one person's name when the middle one is no given name and
    the first is no title, opener, kind of source or demonym ("Republican Reince Priebus")."""
    first, middle = words[0], words[1]
    g = _grammar(rules)
    return (
        middle.lower() not in given_names
        and middle.lower() not in skip  # "March Lord Goldsmith": a title between is no middle name
        and first.lower() not in g.w["months"]
        and first[1:].islower()
        and middle[1:].islower()
        and first.lower() not in skip
        and first.lower() not in g.known_kinds
        and not first.lower().endswith(g.endings["demonym_endings"])
    )


def _full_organisations(results: list[Tagged], text: str, rules: RuleSet) -> None:
    """Give a body named by the last words of its name in lower case ("the budget office") the name the
    article gives it in full ("Congressional Budget Office"): the most frequent capitalised run that
    ends with those words and has more before them."""
    short = {
        t.attributed_to
        for t in results
        if t.attributed_to
        and t.attributed_to.islower()
        and " " in t.attributed_to
        and t.attributed_to.split()[-1] in rules.organisations
    }
    if not short:
        return
    found: dict[str, Counter[str]] = {}
    for m in _CAPITALISED_RUN.finditer(text):
        run = m.group().lower()
        for name in short:
            if run.endswith(" " + name):
                found.setdefault(name, Counter())[m.group()] += 1
    for t in results:
        if t.attributed_to in found:
            t.attributed_to = found[t.attributed_to].most_common(1)[0][0]
