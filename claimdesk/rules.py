"""Loading, validating and compiling a rules file.

A rules file is YAML, validated against ``schemas/rules.schema.json``; this
module turns it into compiled patterns for the engine in :mod:`claimdesk.tag`.
Every error names the file, the rule id and the field, so a journalist editing
the rules can find the line.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import regex
import yaml

from claimdesk import cpulimit, yamltext
from claimdesk.layer import Layer, load_layer
from claimdesk.schemas import errors as schema_errors
from claimdesk.schemas import load_schema
from claimdesk.status import PRECEDENCE
from claimdesk.wording import yaml_problem

STATUSES = PRECEDENCE
"""Statuses in order of precedence: the first that fires wins."""

# A user-supplied pattern gets this much of its own CPU time per call before it is called runaway
# (claimdesk.cpulimit: a busy machine never makes an ordinary pattern look runaway).
MATCH_TIMEOUT = 1.0


class RulesError(ValueError):
    """A rules file that cannot be used; the message names file, rule and field."""


CLAIM_OVERLAP = {"shared_words": 3, "min_length": 4, "stem_length": 5}
SIGNED_PASSAGES = {"min_signatures": 3, "max_words": 4, "max_paragraphs": 6}

REQUIRED_LEXICONS = (
    "finite_verbs",
    "titles",
    "anonymous",
    "organisations",
    "documents",
    "pronouns",
    "inversion_verbs",
    "abbreviations_before_names",
    "abbreviations",
    "sentence_openers",
    "question_tail_verbs",
    "stop_words",
    "clause_terminators",
    "relative_pronouns",
    "determiners",
    "possessive_determiners",
    "prepositions",
    "name_prepositions",
    "name_particles",
    "sentence_leaders",
    "auxiliaries",
    "passive_auxiliaries",
    "verb_companions",
    "time_openers",
    "time_words",
    "channel_prepositions",
    "channels",
    "contact_phrases",
    "after_name_stops",
    "non_sources",
    "speaks_for",
    "serving_roles",
    "demonym_endings",
    "place_adverbs",
    "conjunctions",
    "contrast_conjunctions",
    "passive_agent",
    "passive_description",
    "reference_pronouns",
    "organisation_pronouns",
    "organisation_references",
    "group_pronouns",
    "participle_endings",
    "progressive_endings",
    "past_endings",
    "plural_endings",
    "adverb_endings",
    "definite_articles",
    "indefinite_articles",
    "name_prepositions_after",
    "vowels",
    "never_doubled",
    "doubling_endings",
    "es_endings",
    "stance_adjectives",
    "subject_pronouns",
    "abbreviations_before_numbers",
    "letter_words",
    "female_pronouns",
    "male_pronouns",
    "female_titles",
    "male_titles",
    "female_given_names",
    "male_given_names",
    "name_ending_stops",
    "name_suffixes",
    "leading_adjectives",
    "body_figures",
    "passive_phrases",
    "headline_stops",
    "months",
)

OTHER_SOURCE_CLAIM = "other-source-claim"
"""Built-in group: an earlier claim sentence attributed to someone other than this sentence's source."""


@dataclass(frozen=True)
class Condition:
    groups: tuple[str, ...]
    """Any of these groups satisfies the condition."""
    where: str


@dataclass
class Rule:
    id: str
    status: str | None
    """None for a marker rule that only feeds other rules through its group."""
    description: str
    literal: re.Pattern[str] | None
    """Phrases and verb forms as one trie-shaped pattern: linear, safe, no time limit needed."""
    pattern: regex.Pattern[str] | None
    """The rule's own regular expressions, run with a time limit."""
    exceptions: regex.Pattern[str] | None = None
    groups: tuple[str, ...] = ()
    when: str | None = None
    outside_quotes: bool = False
    requires: Condition | None = None
    unless: Condition | None = None
    source: str | None = None
    fires: list[str] = field(default_factory=list)
    ignores: list[str] = field(default_factory=list)
    phrases: tuple[str, ...] = ()
    """The words and verb forms ``literal`` matches, lower-case: what the one-pass scanner looks for."""
    parts: tuple[str, ...] = ()
    """The regular expressions ``pattern`` joins, one by one: the scanner runs only those that can match."""
    exception_parts: tuple[str, ...] = ()
    """The expressions ``exceptions`` joins, one by one."""


ENGINE_VERSION = "31"
"""Version of the engine (segment, quotes, tag, attribution). It joins the rules digest, so an
upgrade that changes how sentences are tagged re-tags stored articles, as a rules edit does."""


@dataclass(eq=False)
class RuleSet:
    name: str
    version: str
    digest: str
    """sha256 of the engine version and the file's bytes: what the store compares to know a re-tag is due."""
    default_status: str
    context_window: int
    heading_max_words: int
    headline_max_words: int
    name_list_min_items: int
    rules: list[Rule]
    finite_verbs: frozenset[str]
    """The ``finite_verbs`` lexicon with every inflected form (the only lexicon the engine inflects)."""
    path: str
    raw: dict[str, Any]
    words: dict[str, frozenset[str]] = field(default_factory=dict)
    """Every lexicon by name, lower-cased: the engine's English lives here, not in its modules."""
    claim_overlap: dict[str, int] = field(default_factory=dict)
    signed_passages: dict[str, int] = field(default_factory=dict)
    """How a page of signed letters or posts is known: how many signature lines, of at most how many words."""
    """How many content words (of what length, cut to what stem) two sentences share to speak of one claim."""
    title_skips: tuple[str, ...] = ()
    """Ids of the rules that mark a line as page furniture, which a plain text's title passes over."""
    cache: dict[str, Any] = field(default_factory=dict, repr=False)
    """Patterns the engine modules compile from this rule set's lexicons, once per rule set."""
    layer: Layer | None = None
    """A learned layer that may overrule the rules (:mod:`claimdesk.layer`); its digest is in ``digest``."""

    # The lexicons the engine reads most, by name (the same sets as in ``words``).
    titles = property(lambda self: self.words["titles"])
    anonymous = property(lambda self: self.words["anonymous"])
    organisations = property(lambda self: self.words["organisations"])
    documents = property(lambda self: self.words["documents"])
    pronouns = property(lambda self: self.words["pronouns"])
    inversion_verbs = property(lambda self: self.words["inversion_verbs"])

    def lexicon(self, name: str) -> frozenset[str]:
        """A named word list; an unknown name is a programming error, not an empty list."""
        try:
            return self.words[name]
        except KeyError:
            raise RulesError(f"{self.path}: no lexicon {name!r}") from None


def inflect(verb: str, morphology: dict[str, frozenset[str]] | None = None) -> list[str]:
    """Regular forms of a verb: base, -s, -ed, -ing ("deny" -> denies, denied, denying).

    The letters and endings that decide the spelling are the ``morphology`` lexicons of the rules
    file (the shipped ones when None): vowels, final consonants that double, endings taking -es.
    """
    m = morphology if morphology is not None else default_ruleset().words
    v = verb.lower()
    vowels = m["vowels"]
    double = (
        len(v) >= 3
        and v[-1] not in vowels | m["never_doubled"]
        and v[-2] in vowels
        and v[-3] not in vowels
        and (len(v) <= 4 or v.endswith(tuple(m["doubling_endings"])))
    )
    stem = v + v[-1] if double else v
    if v.endswith(tuple(m["es_endings"])):
        third = v + "es"
    elif v.endswith("y") and v[-2:-1] not in vowels:
        third = v[:-1] + "ies"
    else:
        third = v + "s"
    if v.endswith("e"):
        past = v + "d"
        ing = v[:-2] + "ying" if v.endswith("ie") else (v + "ing" if v.endswith("ee") else v[:-1] + "ing")
    elif v.endswith("y") and v[-2:-1] not in vowels:
        past, ing = v[:-1] + "ied", v + "ing"
    else:
        past, ing = stem + "ed", stem + "ing"
    return list(dict.fromkeys([v, third, past, ing]))


def trie_regex(phrases: list[str]) -> str:
    """One pattern for many phrases, shaped as a trie so the engine never tries them one by one.

    Matching stays linear in the sentence however many phrases a rule lists;
    white space inside a phrase matches any run of white space.
    """
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for ch in " ".join(phrase.lower().split()):
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [
            (r"\s+" if ch == " " else re.escape(ch)) + build(child)
            for ch, child in sorted(node.items())
            if ch
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


def _cue_words(spec: dict[str, Any], morphology: dict[str, frozenset[str]]) -> list[str]:
    verbs = spec.get("verbs", [])
    return list(spec.get("phrases", [])) + [f for verb in verbs for f in inflect(verb, morphology)]


CUE_FIELDS = ("verbs", "phrases", "regex", "exceptions")
"""A rule's own cues and their exceptions; a rule with ``same_cues_as`` takes another's instead."""


def _phrases(spec: dict[str, Any], morphology: dict[str, frozenset[str]]) -> tuple[str, ...]:
    """The cue words as ``_literal`` reads them: lower case, single spaces, each once."""
    return tuple(dict.fromkeys(" ".join(w.lower().split()) for w in _cue_words(spec, morphology)))


def _literal(spec: dict[str, Any], morphology: dict[str, frozenset[str]]) -> re.Pattern[str] | None:
    words = _cue_words(spec, morphology)
    if not words:
        return None
    return re.compile(rf"(?<!\w)(?:{trie_regex(words)})(?!\w)", re.IGNORECASE)


def _compile(parts: list[str], where: str) -> regex.Pattern[str] | None:
    if not parts:
        return None
    try:
        return regex.compile("|".join(f"(?:{p})" for p in parts), regex.V0)
    except regex.error as exc:
        raise RulesError(f"{where}: invalid regular expression: {exc}") from exc


def _regex_parts(spec: dict[str, Any], where: str) -> list[str]:
    for i, pattern in enumerate(spec.get("regex", [])):
        _compile([pattern], f"{where}, field regex[{i}]")
    return list(spec.get("regex", []))


def _probe_backtracking(rule: Rule, where: str) -> None:
    """Refuse patterns that take too long on adversarial text (catastrophic backtracking)."""
    probes = ["a" * 2000 + "!", "a " * 1000 + "!", "." * 5000, "“" + "x" * 3000]
    for pattern, label in ((rule.pattern, "cues"), (rule.exceptions, "exceptions")):
        if pattern is None:
            continue
        for probe in probes:
            try:
                cpulimit.search(pattern, probe, MATCH_TIMEOUT)
            except TimeoutError as exc:
                raise RulesError(
                    f"{where}, field {label}: pattern takes too long on {len(probe)} characters "
                    "(catastrophic backtracking?)"
                ) from exc


def parse_rules(text: str, path: str = "<rules>") -> RuleSet:
    """Parse, validate and compile rules from YAML text."""
    try:
        data = yamltext.load(text)
    except yaml.YAMLError as exc:
        raise RulesError(f"{path}: not valid YAML: {yaml_problem(exc)}") from exc
    problems = schema_errors("rules", data)
    if problems:
        details = "; ".join(_describe(data, p) for p in problems[:5])
        raise RulesError(f"{path}: does not match schemas/rules.schema.json: {details}")
    specs = {r["id"]: r for r in data["rules"]}
    if len(specs) != len(data["rules"]):
        seen: set[str] = set()
        dup = next(r["id"] for r in data["rules"] if r["id"] in seen or seen.add(r["id"]))
        raise RulesError(f"{path}: rule {dup!r}, field id: defined twice")
    lex = data.get("lexicons", {})

    def words(name: str) -> frozenset[str]:
        return frozenset(w.lower().rstrip(".") for w in lex.get(name, []))

    missing = [name for name in REQUIRED_LEXICONS if name not in lex]
    if missing:  # a rules file that leaves a word list out takes the shipped one
        shipped = default_ruleset().raw.get("lexicons", {}) if path != str(default_rules_path()) else {}
        lex = {**{name: shipped[name] for name in missing if name in shipped}, **lex}
    missing = [name for name in REQUIRED_LEXICONS if name not in lex]
    if missing:
        raise RulesError(f"{path}: field lexicons: missing {', '.join(missing)} (the engine needs them)")
    morphology = {name: words(name) for name in lex}

    groups = {g for r in data["rules"] for g in _names(r.get("group"))} | {OTHER_SOURCE_CLAIM}
    rules: list[Rule] = []
    for spec in data["rules"]:
        where = f"{path}: rule {spec['id']!r}"
        source_spec = spec
        cues_where = where
        if "same_cues_as" in spec:
            target = spec["same_cues_as"]
            if target not in specs or "same_cues_as" in specs[target]:
                raise RulesError(f"{where}, field same_cues_as: no rule {target!r} with its own cues")
            own = [k for k in CUE_FIELDS if k in spec]
            if own:  # they would be passed over: the cues and their exceptions are the other rule's
                raise RulesError(
                    f"{where}, field {own[0]}: a rule with same_cues_as takes {target!r}'s cues and "
                    f"exceptions; give its own {own[0]} in a rule of its own, or edit {target!r}"
                )
            source_spec = specs[target]
        # a pattern is reported where it is written: a rule with same_cues_as borrows another's
        cues_where = f"{path}: rule {source_spec['id']!r}"
        for verb in source_spec.get("verbs", []):
            if " " in verb.strip():  # "push back" would be inflected "push backed": never found
                raise RulesError(
                    f"{where}, field verbs: {verb!r} is several words; verbs are inflected one word each "
                    f"(deny: denies, denied), so list its forms under phrases (pushed back, pushes back)"
                )
        for key in ("requires", "unless"):
            for name in _names(spec.get(key, {}).get("group")):
                if name not in groups:
                    raise RulesError(f"{where}, field {key}: no rule has group {name!r}")
        cond = {
            k: Condition(_names(spec[k]["group"]), spec[k]["where"])
            for k in ("requires", "unless")
            if k in spec
        }
        rule = Rule(
            id=spec["id"],
            status=spec.get("status"),
            description=spec["description"],
            literal=_literal(source_spec, morphology),
            pattern=_compile(_regex_parts(source_spec, cues_where), cues_where),
            exceptions=_compile(source_spec.get("exceptions", []), f"{cues_where}, field exceptions"),
            groups=_names(spec.get("group")),
            when=spec.get("when"),
            outside_quotes=spec.get("outside_quotes", False),
            requires=cond.get("requires"),
            unless=cond.get("unless"),
            source=spec.get("source"),
            fires=spec.get("examples", {}).get("fires", []),
            ignores=spec.get("examples", {}).get("ignores", []),
            phrases=_phrases(source_spec, morphology),
            parts=tuple(source_spec.get("regex", [])),
            exception_parts=tuple(source_spec.get("exceptions", [])),
        )
        _probe_backtracking(rule, cues_where)
        rules.append(rule)
    unknown = [r for r in data.get("title_skips", []) if r not in specs]
    if unknown:
        raise RulesError(f"{path}: field title_skips: no rule {unknown[0]!r} in this file")
    return RuleSet(
        name=data["name"],
        version=data["version"],
        digest=hashlib.sha256(f"engine {ENGINE_VERSION}\n{text}".encode()).hexdigest(),
        default_status=data.get("default_status", "confirmed"),
        context_window=data.get("context_window", 2),
        heading_max_words=data.get("heading_max_words", 6),
        headline_max_words=data.get("headline_max_words", 20),
        name_list_min_items=data.get("name_list_min_items", 5),
        rules=rules,
        finite_verbs=frozenset(f for v in morphology["finite_verbs"] for f in inflect(v, morphology)),
        path=path,
        raw=data,
        words=morphology,
        claim_overlap={**CLAIM_OVERLAP, **data.get("claim_overlap", {})},
        signed_passages={**SIGNED_PASSAGES, **data.get("signed_passages", {})},
        title_skips=tuple(data.get("title_skips", [])),
    )


def _names(value: str | list[str] | None) -> tuple[str, ...]:
    """A group field holds one name or a list of names."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _describe(data: Any, problem: str) -> str:
    """Turn "rules/3/verbs: ..." into "rule 'deny-verb', field verbs: ..."."""
    location, _, message = problem.partition(": ")
    parts = location.split("/")
    if message.endswith("has non-unique elements"):
        value: Any = data
        for part in parts if location != "(root)" else []:
            value = value[int(part)] if isinstance(value, list) else value[part]
        repeated = sorted({str(v) for v in value if value.count(v) > 1})
        message = f"listed more than once: {', '.join(repeated)}"
    if (
        message.endswith("is not valid under any of the given schemas")
        and len(parts) == 2
        and parts[0] == "rules"
    ):
        rule = data["rules"][int(parts[1])]  # a rule's "one of these fields": say which, not the rule again
        choices = load_schema("rules")["$defs"]["rule"]["allOf"]
        for branch in choices:
            needed = [next(iter(option["required"])) for option in branch["anyOf"]]
            if isinstance(rule, dict) and not any(k in rule for k in needed):
                message = f"needs one of {', '.join(needed)}"
                break
    if len(message) > 160:
        message = message[:157] + "..."
    if len(parts) >= 2 and parts[0] == "rules" and parts[1].isdigit():
        index = int(parts[1])
        rule = data["rules"][index] if index < len(data["rules"]) else {}
        rule_id = rule.get("id", f"#{index}") if isinstance(rule, dict) else f"#{index}"
        fieldname = "/".join(parts[2:]) or "(rule)"
        return f"rule {rule_id!r}, field {fieldname}: {message}"
    return f"field {location}: {message}"


def default_rules_path() -> Path:
    """The rules shipped with claimdesk."""
    return Path(str(resources.files("claimdesk") / "rules" / "default.yaml"))


def copy_default(target: str | Path, overwrite: bool = False) -> Path:
    """Write the shipped rules to ``target``, to edit and pass as ``--rules`` (an installed package's
    own file is no place for edits: an upgrade replaces it). An existing file is kept unless
    ``overwrite``."""
    path = Path(target)
    if path.is_dir():
        raise RulesError(f"{path} is a folder: give a file name, e.g. {path / 'rules.yaml'}")
    if path.exists() and not overwrite:
        raise RulesError(f"{path} exists: pass --force to replace it")
    try:
        path.write_bytes(default_rules_path().read_bytes())
    except OSError as exc:
        raise RulesError(f"cannot write {path}: {exc.strerror}") from exc
    return path


@functools.cache
def default_ruleset() -> RuleSet:
    """The shipped rules, loaded once: for callers that take no rule set (``segment(text)``)."""
    return load_rules()


def with_layer(rules: RuleSet, layer: Layer) -> RuleSet:
    """The same rules with a learned layer on top; the layer's digest joins the rules digest."""
    digest = hashlib.sha256(f"{rules.digest}\nlayer {layer.digest}".encode()).hexdigest()
    return dataclasses.replace(rules, layer=layer, digest=digest)


def load_rules(path: str | Path | None = None, layer: str | Path | None = None) -> RuleSet:
    """Load a rules file (the shipped default when ``path`` is None), with a layer file on top if given."""
    file = Path(path) if path else default_rules_path()
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"{file}: cannot read rules file: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise RulesError(f"{file}: rules file is not UTF-8 text") from exc
    rules = parse_rules(text, str(file))
    if layer is None:
        return rules
    learned = load_layer(layer)
    trained_over = learned.trained.get("rules_digest")
    if trained_over not in (None, rules.digest) and (learned.digest, rules.digest) not in _WARNED:
        _WARNED.add((learned.digest, rules.digest))
        logging.getLogger("claimdesk.layer").warning(
            "%s was trained over other rules or another engine version (%s, not %s): the verdicts it "
            "learned from have changed; train it again (claimdesk layer train) before trusting it",
            learned.path,
            trained_over[:12],
            rules.digest[:12],
        )
    return with_layer(rules, learned)


_WARNED: set[tuple[str, str]] = set()
"""(layer digest, rules digest) pairs already warned about: a run loads its rules more than once."""
