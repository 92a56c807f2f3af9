"""Who said it: the source named at a cue, quote passages that share one speaker, and
pronouns resolved to the last named speaker or subject.

The engine in :mod:`claimdesk.tag` decides the status; this module only names the
source, from the cues of rules that carry a ``source`` direction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import regex

from claimdesk.quotes import Quotes, inside
from claimdesk.rules import RuleSet

if TYPE_CHECKING:
    from claimdesk.tag import Tagged

_POSSESSIVE = regex.compile(r"[’']s$")
_PARTICIPLE = regex.compile(r"(?:ed|ing)$")
_THE_NAME = regex.compile(r"the\s+[A-Z]")
_PARENTHETICAL = regex.compile(r"\s*\([^()]*\)")
_COMMA = regex.compile(r",(?!\d{3})")  # "1,200 homes" is one segment
# A period inside a token (Kremlin.ru) or after a short capitalised abbreviation (Dr.) is no end.
_AFTER_NAME = regex.compile(r"(?:[^,;:.!?“”\"()\[\]]|\.(?=\w)|(?<=\b[A-Z][a-z]{0,3})\.)+")
_TAIL_SPLIT = regex.compile(r"[,”\"]")
_AUX_TAIL = regex.compile(
    r"(?i)(?:\s+(?:has|have|had|was|were|is|are|be|been|also|previously|earlier|repeatedly|"
    r"publicly|again|later|once|then|already|reportedly|himself|herself|themselves|itself|"
    r"would|will|could|may|might|did|does|do|not|strongly|firmly|flatly|categorically|"
    r"immediately|quickly|swiftly|vehemently|recently|initially|first|now|still|openly|"
    r"privately|formally|officially|both|all|never))+\s*$"
)
# Time, place and manner between a source and its verb: "the ministry on Thursday said".
_ADVERBIAL_TAIL = regex.compile(
    r"(?i)(?:\s+(?:on|last|this|earlier|later|late|early)\s+(?:monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|week|month|year|day|night|morning|afternoon|evening|weekend)|"
    r"\s+(?:in|via)\s+(?:a|an)\s+(?:statement|email|interview|post|letter|video|briefing|filing|tweet)|"
    r"\s+(?:reached|contacted)\s+by\s+(?:phone|telephone|email)|\s+by\s+(?:phone|telephone))+\s*$"
)
_CLAUSE_SPLIT = regex.compile(
    r"[,;:()\[\]“”\"—–]|\b(?:that|which|who|whom|while|whereas|but|although|though|because|"
    r"when|after|before|since|if|so|where|whether|meanwhile|however|whose|as)\b",
    regex.IGNORECASE,
)
_AFTER_STOP = frozenset(
    [
        "that",
        "which",
        "who",
        "whom",
        "when",
        "where",
        "on",
        "in",
        "at",
        "during",
        "after",
        "before",
        "as",
        "because",
        "while",
        "with",
        "for",
        "from",
        "to",
        "earlier",
        "later",
        "last",
        "this",
        "said",
        "says",
        "told",
        "added",
        "on,",
        "who's",
        "shortly",
        "yesterday",
        "today",
        "tonight",
        "late",
        "early",
        "just",
        "also",
        "again",
    ]
)
_DETERMINERS = frozenset(
    [
        "the",
        "a",
        "an",
        "both",
        "all",
        "some",
        "many",
        "several",
        "other",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "dozens",
        "hundreds",
        "most",
        "few",
    ]
)
_PREPOSITIONS = frozenset(
    ["at", "for", "of", "in", "from", "close", "with", "on", "near", "inside", "within", "across", "behind"]
)
_LEADING = frozenset(
    [
        "the",
        "a",
        "an",
        "in",
        "on",
        "at",
        "but",
        "and",
        "so",
        "yet",
        "however",
        "meanwhile",
        "then",
        "after",
        "before",
        "since",
        "as",
        "by",
        "for",
        "if",
        "when",
        "while",
        "this",
        "that",
        "it",
        "there",
        "what",
    ]
)
_AUXILIARIES = frozenset(["is", "are", "was", "were", "be", "been", "being", "have", "has", "had"])
_PASSIVE = frozenset(["is", "are", "was", "were", "been", "being"])
_PASSIVE_AUX = regex.compile(r"(?i)\b(?:was|were|been|being|is|are)\s+(?:\w+ly\s+)?$")
_PASSIVE_BY = regex.compile(r"(?i)(?:\s+as\s+[\w\s“”\"'’-]{1,40}?)?\s+by\s+")
_NON_SOURCES = frozenset(["they", "this", "that", "we", "i", "you", "there", "which", "who", "one"])
_SPEAKS_FOR = frozenset(["spokesperson", "spokesman", "spokeswoman", "representative", "official", "lawyer"])
_NAME_JOINERS = frozenset(
    [
        "and",
        "of",
        "for",
        "al",
        "al-",
        "bin",
        "ibn",
        "de",
        "da",
        "del",
        "van",
        "von",
        "la",
        "le",
        "du",
        "es",
        "el",
        "dos",
        "das",
        "di",
        "der",
        "den",
        "ter",
        "y",
    ]
)


def _clean_name(words: list[str], rules: RuleSet) -> str | None:
    """The source's name: a trailing run of capitalised words without titles ("Sergey
    Lavrov"), or a lower-case noun phrase cut before its prepositions ("finance ministry",
    "physicists" from "physicists at the laboratory")."""
    verbs = [i for i, w in enumerate(words) if w.lower() in _AUXILIARIES]
    if verbs:  # "there have been reports" -> "reports": a name holds no verb
        words = words[verbs[-1] + 1 :]
    while words and (words[0].lower() in _DETERMINERS or words[0].lower() in _PREPOSITIONS):
        words = words[1:]
    if len(words) > 1 and _POSSESSIVE.search(words[0]) and words[0][:1].isupper():
        words = words[1:]  # "Malawi's health ministry" -> "health ministry"
    for i, w in enumerate(words[1:], start=1):
        if not w[:1].isupper() and _PARTICIPLE.search(w.lower()) and len(w) > 4:
            words = words[:i]  # "study published last week", "outlets running headlines"
            break
    for i, w in enumerate(words[1:], start=1):
        following = words[i + 1] if i + 1 < len(words) else ""
        in_name = w.lower() in ("of", "for") and following[:1].isupper()  # "Ministry of Defence"
        if w.lower() in _PREPOSITIONS and not in_name:
            words = words[:i]
            break
    if not words:
        return None
    if words[-1][:1].isupper():
        run: list[str] = []
        for i, w in enumerate(reversed(words)):
            joiner = w.lower() in _NAME_JOINERS and run and i + 1 < len(words) and words[-i - 2][:1].isupper()
            if w[:1].isupper() or joiner:
                run.insert(0, w)
            else:
                break
        titled = [i for i, w in enumerate(run) if w.lower().rstrip(".") in rules.titles]
        if titled and titled[-1] < len(run) - 1 and run[-1].lower() not in rules.organisations:
            run = run[titled[-1] + 1 :]  # "Foreign Minister Sergey Lavrov", not "Foreign Ministry"
        words = run
    elif (
        len(words) > 1
        and words[-1].lower() in _SPEAKS_FOR
        and words[-2][:1].isupper()
        and not words[-2].endswith(("an", "ese", "ish", "i"))  # "Tanzanian official" is a person
    ):
        words = [
            w for w in words[:-1] if w[:1].isupper()
        ]  # "a PowerFirst spokesperson" speaks for PowerFirst
    elif len(words) > 4:
        words = words[-2:]
    while len(words) > 1 and words[-1].lower() in ("there", "here"):
        words = words[:-1]  # "drivers there said"
    org = words[:-1]
    if len(words) > 1 and words[-1].lower() in rules.documents and _proper(org):
        words = org  # "according to Home Office figures": the office is the source
    if len(words) == 1 and words[0].islower() and not _plausible_source(words[0], rules):
        return None  # "the last thing we expected": an adjective or event names no one
    name = " ".join(words).strip(" .,’'…")
    if not words[-1][:1].isupper():
        name = name.lower() if name[:1].isupper() and " " not in name else name
    name = _POSSESSIVE.sub("", name) if words[-1][:1].isupper() else name
    if name.lower() in _NON_SOURCES:
        return None
    return name if any(c.isalpha() for c in name) else None


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
    return w in rules.finite_verbs or (w.endswith("ed") and len(w) > 4)


def _plausible_source(word: str, rules: RuleSet) -> bool:
    """A lone lower-case word can name a source only as a known kind of source or a plural
    ("officials", "investigators"); "romantic" or "explosion" cannot."""
    known = rules.anonymous | rules.organisations | rules.documents | rules.titles | rules.pronouns
    return word in known or word in ("it", "he", "she") or (word.endswith("s") and len(word) > 3)


def _is_appositive(segment: str) -> bool:
    """Does a comma segment describe the name before it (", the ambassador,", ", 58,",
    ", who owns homes,")? ", the BSK," is a name itself."""
    text = segment.strip()
    if _THE_NAME.match(text) and len(text.split()) <= 4 and text.split()[-1][:1].isupper():
        return False  # ", the BSK," but not ", the Chinese ambassador,"
    return text[:1].islower() or text[:1].isdigit()


def _last_clause(text: str) -> str:
    """The clause a verb's subject stands in; a relative clause ("a witness who lives nearby")
    names no one, so step back over it to the noun it describes."""
    while True:
        bounds = list(_CLAUSE_SPLIT.finditer(text))
        if not bounds:
            return text
        last = bounds[-1]
        rest = text[last.end() :].split()
        subject_relative = bool(rest) and rest[0][:1].islower() and rest[0].lower() not in _DETERMINERS
        if (
            last.group().lower() in ("who", "which", "whose")
            and subject_relative
            and text[: last.start()].strip()
        ):
            text = text[: last.start()]  # "a witness who lives ..." but not "which Pezeshkian called"
            continue
        return text[last.end() :]


def _source_before(text: str, start: int, rules: RuleSet) -> str | None:
    left = _AUX_TAIL.sub("", text[:start]).rstrip()
    left = _AUX_TAIL.sub("", _ADVERBIAL_TAIL.sub("", left)).rstrip()
    # ", the ambassador," ", 58," ", who owns 1,200 homes," are appositives: the name stands before them.
    left = _PARENTHETICAL.sub("", left)  # "the Office for Police Conduct (IOPC)"
    if left.endswith(","):
        parts = _COMMA.split(left[:-1])  # "1,200 homes" is one segment
        while len(parts) > 1 and _is_appositive(parts[-1]):
            parts.pop()
        left = ",".join(parts)
    clause = _last_clause(left)
    if not clause.strip() and regex.search(r"(?i)\bbut\s*$", left):
        # "A spokesman declined to comment but said ...": the subject opens the sentence
        clause = regex.sub(r"(?i)\s*\bbut\s*$", " and", left)
    words = clause.split()
    if "and" in words:
        k = len(words) - 1 - words[::-1].index("and")
        before_cap = k > 0 and words[k - 1][:1].isupper()
        after_cap = k + 1 < len(words) and words[k + 1][:1].isupper()
        if k + 1 < len(words) and words[k + 1].lower() in ("his", "her", "their", "its"):
            words, before_cap, after_cap = words[:k], True, True  # "Simon Vail and his colleagues"
        if not (before_cap and after_cap) and k + 1 < len(words):
            words = words[k + 1 :]
        elif not (before_cap and after_cap):
            # "The bank kept its dividend and said ...": the subject opens the clause, before its verb
            verb = next((i for i, w in enumerate(words) if _looks_like_verb(w, rules)), k)
            words = words[:verb]
    return _clean_name(words, rules)


def _source_after(text: str, end: int, rules: RuleSet, strict: bool) -> str | None:
    right = text[end:].lstrip(' ,:“”"')
    m = _AFTER_NAME.match(right)
    if not m:
        return None
    words: list[str] = []
    tokens = m.group().split()
    if strict and tokens and tokens[0].lower() in _PREPOSITIONS | _AFTER_STOP:
        return None  # "said on Wednesday that": the speaker stands before the verb
    for i, w in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        joins_name = w.lower() in ("of", "for", "at", "from") and following[:1].isupper()
        if w.lower() in _AFTER_STOP and words and not joins_name:
            break
        words.append(w)
    if strict:
        # "said Putin." names a speaker; "said Estova had demanded fees" opens a clause.
        head = [w for w in words if w.lower() not in _DETERMINERS]
        known = rules.anonymous | rules.organisations
        if not head or not (any(w[:1].isupper() for w in head) or head[-1].lower() in known):
            return None
        if any(w.lower() in _AUXILIARIES or w.lower() in rules.finite_verbs for w in head):
            return None
    return _clean_name(words[:8], rules)


def source_type(name: str, rules: RuleSet) -> str:
    """Classify a source: person, organisation, anonymous or document."""
    words = [w.lower() for w in name.split()]
    if words[-1] in rules.anonymous:
        return "anonymous"
    if words[-1] in rules.documents:
        return "document"
    if any(w in rules.organisations for w in words) or (name.isupper() and len(name) > 1):
        return "organisation"
    return "person" if any(c.isupper() for c in name) else "anonymous"


def _is_tail(sent: str, start: int, end: int, rules: RuleSet) -> bool:
    """A reporting clause closing the sentence after a comma or quote: '..., the ministry said.'"""
    if sent[start:end].lower() not in rules.inversion_verbs:
        return False
    before = _TAIL_SPLIT.split(sent[:start])
    return len(before) > 1 and 1 <= len(before[-1].split()) <= 5 and len(sent[end:].split()) <= 6


def attribute(sent: str, fired, q: Quotes, rules: RuleSet) -> str | None:
    """The source of a sentence, from the cues of rules with a ``source`` direction.

    Outside quotes first; a tail (", the ministry said.") speaks for the whole sentence; then
    the earliest cue: the first party to speak is the source ("While X alleges ..., Y denied it").
    A pronoun ("..., he said") gives way to a person the same sentence names.
    """
    candidates = [
        (inside(q.ranges, *span), not _is_tail(sent, *span, rules), span[0], rule, span)
        for rule, spans in fired
        if rule.source
        for span in spans
    ]
    names = (
        _name_at(sent, rule, start, end, rules)
        for *_, rule, (start, end) in sorted(candidates, key=lambda c: c[:3])
    )
    found = [n for n in names if n]
    if found and found[0].lower() in rules.pronouns:
        return next((n for n in found[1:] if n.lower() not in rules.pronouns), found[0])
    return found[0] if found else None


def _name_at(sent: str, rule, start: int, end: int, rules: RuleSet) -> str | None:
    """The source one cue names, looking where its rule says the source stands."""
    # A cue that names its own speaker ("in his view") points at that pronoun.
    own = [w for w in sent[start:end].lower().split() if w in rules.pronouns]
    if own:
        return own[0]
    # Passive voice ("the claims were dismissed by the ministry"): the source follows "by";
    # the subject of a passive verb is what was said, not who said it.
    if rule.source != "after" and (
        _PASSIVE_AUX.search(sent, 0, start) or sent[start:end].split()[0].lower() in _PASSIVE
    ):
        by = _PASSIVE_BY.match(sent, end)
        return _source_after(sent, by.end(), rules, strict=False) if by else None
    inverted = (
        rule.source == "either"
        and sent[:start].rstrip()[-1:] in {",", "”", '"', "’"}
        and sent[start:end].lower() in rules.inversion_verbs
    )
    name = None
    if rule.source == "before" or (rule.source == "either" and not inverted):
        name = _source_before(sent, start, rules)
    if name is None and rule.source in ("after", "either"):
        name = _source_after(sent, end, rules, strict=rule.source == "either")
    if name is None and inverted:
        name = _source_before(sent, start, rules)
    return name


def share_passage_speakers(results: list[Tagged], quotes: list[Quotes], spans, text, sentences) -> None:
    """Give every sentence of a multi-sentence quote the speaker named somewhere in it.

    A quote continues into the next sentence while its marks are open; a new quote
    right after an attributed quote, or after a lead-in ending in a colon, continues
    the same speaker unless it names its own.
    """
    passages: list[list[int]] = [[0]] if results else []
    for i in range(1, len(results)):
        t, prev, q = results[i], quotes[i - 1], quotes[i]
        lead_in = sentences[i - 1].rstrip().endswith(":")
        # A quote right after an attributed sentence (quote or paraphrase) is usually the same speaker's.
        in_passage = results[i - 1].attributed_to is not None or (bool(prev.ranges) and len(passages[-1]) > 1)
        follows_quote = in_passage or lead_in
        linked = t.quoted and (
            q.open_at_start
            or prev.open_at_end
            or (q.starts_with_quote and not t.attributed_to and follows_quote)
        )
        if linked:
            passages[-1].append(i)
        else:
            passages.append([i])
    for passage in passages:
        named = [i for i in passage if results[i].attributed_to]
        if not named:
            continue
        for i in passage:
            if results[i].attributed_to is None and results[i].status is not None:
                nearest = min(named, key=lambda j: (abs(j - i), j > i))
                results[i].attributed_to = results[nearest].attributed_to


def _subject(sentence: str, rules: RuleSet) -> str | None:
    """A person named at the start of a sentence ("Mayor Daniel Okafor defended ..."), if any."""
    words = sentence.split()
    while words and words[0].lower().strip(",") in _LEADING:
        return None
    if words and _PARTICIPLE.search(words[0].lower()):
        return None  # "Asked about the delay, she said ..." opens with a participle
    run = []
    for w in words:
        if not w[:1].isupper():
            break
        if w.endswith((",", ":")):  # "Already," or "Meanwhile," opens the sentence: no subject
            return None
        run.append(w)
    name = _clean_name(run, rules) if run else None
    if name and source_type(name, rules) == "person" and name.lower() not in rules.pronouns:
        return name
    return None


def resolve_references(results: list[Tagged], sentences: list[str], rules: RuleSet) -> None:
    """Name the source a reference points back to: "he"/"she" the last person named as a speaker
    or a sentence's subject, "it" the last organisation that spoke, and "the agency" the last
    named source with "agency" in its name ("Medicines Safety Agency")."""
    last_person: str | None = None
    last_org: str | None = None
    named: list[str] = []  # proper names of sources so far, latest last
    for t, sentence in zip(results, sentences, strict=True):
        name = t.attributed_to
        if name and name.lower() == "it":
            t.attributed_to = last_org
        elif name and name.lower() in rules.pronouns:
            t.attributed_to = last_person
        elif name and " " not in name and name.islower():
            # "the agency" is the last named source called an agency ("Medicines Safety Agency")
            t.attributed_to = next((n for n in reversed(named) if name in n.lower().split()), name)
        elif name and source_type(name, rules) == "person":
            last_person = name
        elif name and source_type(name, rules) == "organisation":
            last_org = name
        else:
            last_person = _subject(sentence, rules) or last_person
        if t.attributed_to and t.attributed_to[:1].isupper():
            named.append(t.attributed_to)
