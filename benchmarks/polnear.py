"""Score the tagger against PolNeAR's attribution annotations (train split only).

PolNeAR (https://github.com/networkdynamics/PolNeAR) annotates who is reported as saying
what in political news: brat standoff files whose T lines are Source, Cue and Content spans,
tied into attributions by E lines. This script reads the **train** split from a folder the
user keeps (third-party text never enters the repo):

    CORPUS/train/text/NAME.txt                 the articles
    CORPUS/train/attributions/NAME_ANNOT.ann   one file per annotator (the first by name is used)
    CORPUS/train/corenlp/NAME.txt.xml          CoreNLP output: token offsets, coreference chains

and prints three shares, each with its count and its target:

1. sentences holding a reporting-verb attribution (its Cue lies inside the sentence and holds a
   verb of ``polnear_cues.yaml``) that we tag alleged, denied or disputed;
2. of those whose attribution has a Source, the share whose ``attributed_to`` names it (words
   of the Source span, or of a mention in the Source's CoreNLP coreference chain when the
   Source is a pronoun or a common-noun phrase), of the sentences we name someone in and of all;
3. sentences holding no PolNeAR span at all (no Cue, Source or Content) that we tag confirmed.

    python -m benchmarks.polnear --corpus DIR [--rules FILE] [--misses N] [--json] [--jobs N]

The misses it prints (and ``--json`` writes) quote the corpus: keep them out of the repo.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from claimdesk.decode import decode
from claimdesk.rules import RulesError, RuleSet, inflect, load_rules
from claimdesk.segment import segment
from claimdesk.tag import tag_sentences

CUES_FILE = Path(__file__).with_name("polnear_cues.yaml")
TARGETS = {"reporting": 0.95, "source": 0.92, "unattributed": 0.92}
CLAIMED = ("alleged", "denied", "disputed")
SPAN_TYPES = ("Source", "Cue", "Content")
ARTICLES = ("the", "a", "an")
PROPER_POS = ("NNP", "NNPS")
COREF = "pronoun/common via coreference"
_T_LINE = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)\t(.*)$")
_ID_LINE = re.compile(r"^[TERAMN#*]\d*\t")
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
_POSSESSIVE = re.compile(r"['’]s?(?=\s|$|[^\w])")


class CorpusError(ValueError):
    """A corpus folder that cannot be scored; the message says what is missing."""


# ---------------------------------------------------------------- cue words


@dataclass(frozen=True)
class CueWords:
    reporting: frozenset[str]
    committing: frozenset[str]
    phrases: tuple[str, ...]

    def kind(self, cue: str) -> str | None:
        """'reporting' for a reporting cue, 'committing' for one that commits to the truth, else None."""
        words = _words(cue)
        if self.committing & set(words):
            return "committing"
        joined = f" {' '.join(words)} "
        if self.reporting & set(words) or any(f" {p} " in joined for p in self.phrases):
            return "reporting"
        return None

    def verb(self, cue: str) -> str:
        """The reporting word or phrase of a cue (for the miss breakdown)."""
        words = _words(cue)
        joined = f" {' '.join(words)} "
        found = [p for p in self.phrases if f" {p} " in joined] + [w for w in words if w in self.reporting]
        return found[0] if found else cue.casefold()


def load_cue_words(path: Path = CUES_FILE) -> CueWords:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))

    def forms(verbs: list[str], irregular: list[str]) -> frozenset[str]:
        return frozenset(f for v in verbs for f in inflect(v)) | {w.casefold() for w in irregular}

    return CueWords(
        reporting=forms(data["reporting_verbs"], data.get("irregular_reporting", [])),
        committing=forms(data["committing_verbs"], data.get("irregular_committing", [])),
        phrases=tuple(" ".join(_words(p)) for p in data.get("reporting_phrases", [])),
    )


# ---------------------------------------------------------------- names


def _words(text: str) -> list[str]:
    """Casefolded words without possessive 's and punctuation."""
    return _WORDS.findall(_POSSESSIVE.sub(" ", text.casefold().replace("’", "'")))


def name_words(name: str, titles: frozenset[str]) -> list[str]:
    """Our name as words to look for: titles and articles dropped (unless nothing else is left)."""
    words = _words(name)
    kept = [w for w in words if w not in titles and f"{w}." not in titles and w not in ARTICLES]
    return kept or [w for w in words if w not in ARTICLES] or words


def names(ours: str, candidates: list[str], titles: frozenset[str]) -> bool:
    """Every word of our name appears in one of the candidate texts, or our name is a fuller form
    of one: "Tad Devine" names the Source "Devine", "Hillary Clinton" names "Mrs. Clinton"."""
    wanted = set(name_words(ours, titles))
    return bool(wanted) and any(
        wanted <= set(_words(c)) or set(name_words(c, titles)) <= wanted for c in candidates
    )


# ---------------------------------------------------------------- brat standoff


@dataclass
class Standoff:
    kind: str
    frags: list[tuple[int, int]]
    """In the order of the file, which is the order of the span's text (not always the text's order)."""
    text: str

    @property
    def start(self) -> int:
        return min(a for a, _ in self.frags)

    @property
    def end(self) -> int:
        return max(b for _, b in self.frags)


@dataclass
class Attribution:
    cue: Standoff
    source: Standoff | None
    content: list[Standoff] = field(default_factory=list)


def parse_ann(text: str) -> tuple[dict[str, Standoff], list[Attribution]]:
    """T spans by id and the attributions of E lines (a span's text may run over several lines)."""
    spans: dict[str, Standoff] = {}
    events: list[dict[str, list[str]]] = []
    last: Standoff | None = None
    for line in text.splitlines():
        m = _T_LINE.match(line)
        if m:
            frags = [tuple(map(int, f.split())) for f in m.group(3).split(";")]
            last = spans[m.group(1)] = Standoff(m.group(2), frags, m.group(4))
        elif line.startswith("E") and _ID_LINE.match(line):
            last = None
            roles: dict[str, list[str]] = {}
            for part in line.split("\t", 1)[1].split():
                role, _, ref = part.partition(":")
                roles.setdefault(re.sub(r"\d+$", "", role), []).append(ref)
            events.append(roles)
        elif _ID_LINE.match(line):
            last = None
        elif last is not None:  # continuation of a span text that holds line breaks
            last.text += "\n" + line
    attributions = []
    for roles in events:
        cues = [spans[r] for r in roles.get("Cue", []) if r in spans]
        if not cues:
            continue
        sources = [spans[r] for r in roles.get("Source", []) if r in spans]
        contents = [spans[r] for r in roles.get("Content", []) if r in spans]
        attributions.append(Attribution(cues[0], sources[0] if sources else None, contents))
    return spans, attributions


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def _offset_map(text: str, basis: str) -> dict[int, int]:
    """Offsets in ``basis`` (utf-8 bytes, utf-16 units) to code points of ``text``."""
    width = (
        (lambda c: len(c.encode("utf-8")))
        if basis == "utf-8 bytes"
        else (lambda c: 2 if ord(c) > 0xFFFF else 1)
    )
    out, pos = {}, 0
    for i, c in enumerate(text):
        out[pos] = i
        pos += width(c)
    out[pos] = len(text)
    return out


def align_standoff(text: str, spans: dict[str, Standoff]) -> tuple[str | None, int]:
    """Check every span's text against the decoded article, and convert the offsets when they count
    in another basis. Returns the basis ('code points', 'utf-16 units', 'utf-8 bytes'; None when
    none fits 95% of the spans) and how many spans' text still differs (an annotation file edited
    by hand now and then holds a span text that no longer matches its offsets)."""

    def differing(frags_of) -> int:
        try:
            return sum(not _same(" ".join(text[a:b] for a, b in frags_of(s)), s.text) for s in spans.values())
        except KeyError:  # an offset that falls inside a character of this basis
            return len(spans)

    allowed = len(spans) // 20
    off = differing(lambda s: s.frags)
    if off <= allowed:
        return "code points", off
    for basis in ("utf-16 units", "utf-8 bytes"):
        table = _offset_map(text, basis)
        off = differing(lambda s, t=table: [(t[a], t[b]) for a, b in s.frags])
        if off <= allowed:
            for s in spans.values():
                s.frags = [(table[a], table[b]) for a, b in s.frags]
            return basis, off
    return None, len(spans)


# ---------------------------------------------------------------- CoreNLP


@dataclass
class CoreNLP:
    tokens: list[tuple[int, int, str]]
    """(begin, end, POS) of every token, in order."""
    chains: list[list[tuple[int, int]]]
    """Coreference chains as character spans of their mentions."""


def parse_corenlp(path: Path, text: str) -> CoreNLP | None:
    """Token offsets and coreference chains, read with iterparse; None when offsets do not fit the text."""
    from lxml import etree

    sentences: list[list[tuple[int, int, str, str]]] = []
    raw_chains: list[list[tuple[int, int, int]]] = []
    for _, el in etree.iterparse(str(path), events=("end",), tag=("token", "coreference"), huge_tree=True):
        if el.tag == "token":
            if el.get("id") == "1" or not sentences:
                sentences.append([])
            sentences[-1].append(
                (
                    int(el.findtext("CharacterOffsetBegin")),
                    int(el.findtext("CharacterOffsetEnd")),
                    el.findtext("POS") or "",
                    el.findtext("word") or "",
                )
            )
            el.clear()
        else:
            mentions = el.findall("mention")
            if mentions:
                raw_chains.append(
                    [
                        (int(m.findtext("sentence")), int(m.findtext("start")), int(m.findtext("end")))
                        for m in mentions
                    ]
                )
                el.clear()
    flat = [t for s in sentences for t in s]
    words = [t for t in flat if t[3].isalnum()]
    convert = None
    if words and sum(text[b:e] == w for b, e, _, w in words) < 0.9 * len(words):
        table = _offset_map(text, "utf-16 units")  # CoreNLP counts Java chars
        if sum(text[table.get(b, 0) : table.get(e, 0)] == w for b, e, _, w in words) < 0.9 * len(words):
            return None
        convert = table
    if convert:
        sentences = [[(convert[b], convert[e], p, w) for b, e, p, w in s] for s in sentences]
        flat = [t for s in sentences for t in s]
    chains = []
    for chain in raw_chains:
        spans = []
        for sent, start, end in chain:
            toks = sentences[sent - 1][start - 1 : end - 1] if 0 < sent <= len(sentences) else []
            if toks:
                spans.append((toks[0][0], toks[-1][1]))
        if spans:
            chains.append(spans)
    return CoreNLP([(b, e, p) for b, e, p, _ in flat], chains)


def source_texts(source: Standoff, text: str, nlp: CoreNLP | None) -> tuple[list[str], str]:
    """What our name may be found in: the Source span, and when the Source is a pronoun or a
    common-noun phrase, each mention of its coreference chain. Also what kind of source it was:
    'proper name', 'pronoun/common via coreference', 'pronoun/common, no chain' or 'no CoreNLP'."""
    candidates = [" ".join(text[a:b] for a, b in source.frags)]
    if nlp is None:
        return candidates, "no CoreNLP"
    a, b = source.start, source.end
    pos = [p for s, e, p in nlp.tokens if s < b and e > a]
    if pos and pos[-1] in PROPER_POS:
        # headed by a proper noun ("Hillary Clinton"); "the Vermont senator" is a common-noun phrase
        return candidates, "proper name"
    best, best_key = None, None
    for chain in nlp.chains:
        for s, e in chain:
            overlap = min(b, e) - max(a, s)
            if overlap > 0:
                key = (overlap, -(e - s))
                if best_key is None or key > best_key:
                    best, best_key = chain, key
    if best is None:
        return candidates, "pronoun/common, no chain"
    return candidates + [text[s:e] for s, e in best], COREF


# ---------------------------------------------------------------- one article


def _article_names(folder: Path) -> dict[str, list[Path]]:
    by_article: dict[str, list[Path]] = {}
    for path in sorted(folder.glob("*.ann")):
        article, sep, _annotator = path.stem.rpartition("_")
        if sep:
            by_article.setdefault(article, []).append(path)
    return by_article


def _snippet(text: str, width: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


_RULES: RuleSet | None = None
_CUES: CueWords | None = None


def _init(rules_path: str | None) -> None:
    global _RULES, _CUES
    _RULES, _CUES = load_rules(rules_path), load_cue_words()


def score_article(job: tuple[str, str, str | None, str | None]) -> dict:
    """Everything measured in one article (a worker's unit)."""
    name, text_path, ann_path, xml_path = job
    assert _RULES is not None and _CUES is not None
    rules, cues = _RULES, _CUES
    titles = rules.titles
    out: dict = {"article": name, "annotator": None, "basis": None, "coref": None, "rows": []}
    text, _ = decode(Path(text_path).read_bytes())
    if ann_path is None:
        out["problem"] = "no annotation file"
        return out
    out["annotator"] = Path(ann_path).stem.rpartition("_")[2]
    spans, attributions = parse_ann(Path(ann_path).read_text(encoding="utf-8"))
    basis, out["differing_spans"] = align_standoff(text, spans)
    out["basis"] = basis
    if basis is None:
        out["problem"] = "annotation offsets do not match the text"
        return out
    out["spans"] = len(spans)
    if not spans:
        out["problem"] = "empty annotation file"
    nlp = parse_corenlp(Path(xml_path), text) if xml_path else None
    out["coref"] = "none" if xml_path is None else ("ok" if nlp else "offsets do not match")
    sentences = segment(text)
    tagged = tag_sentences(text, sentences, rules)
    marked = [s for s in spans.values() if s.kind in SPAN_TYPES]
    for sent, t in zip(sentences, tagged, strict=True):
        a, b = sent.start, sent.end
        row: dict = {
            "file": name,
            "start": a,
            "end": b,
            "status": t.status or "none",
            "attributed_to": t.attributed_to,
            "decided_by": t.decided_by,
            "text": _snippet(text[a:b]),
        }
        held = [x for x in attributions if a <= x.cue.start and x.cue.end <= b]
        reporting = [x for x in held if cues.kind(x.cue.text) == "reporting"]
        if reporting:
            row["measure"] = "reporting"
            row["cues"] = [x.cue.text for x in reporting]
            row["verbs"] = [cues.verb(x.cue.text) for x in reporting]
            sourced = [x for x in reporting if x.source is not None]
            row["sources"] = [x.source.text for x in sourced]
            if sourced:
                found, kinds = [], []
                for x in sourced:
                    candidates, kind = source_texts(x.source, text, nlp)
                    found.append(candidates)
                    kinds.append(kind)
                row["coref_used"] = COREF in kinds
                row["source_kind"] = COREF if COREF in kinds else kinds[0]
                row["names_source"] = bool(t.attributed_to) and any(
                    names(t.attributed_to, c, titles) for c in found
                )
                row["chain"] = sorted({m for c in found for m in c[1:]})[:6]
        elif marked and not any(fa < b and fb > a for s in marked for fa, fb in s.frags):
            row["measure"] = "unattributed"
        else:
            continue
        out["rows"].append(row)
    out["sentences"] = len(sentences)
    return out


# ---------------------------------------------------------------- the corpus


def find_corpus(corpus: Path) -> list[tuple[str, str, str | None, str | None]]:
    """One job per article of CORPUS/train/text; a clear CorpusError when the folder is not there."""
    if not corpus.is_dir():
        raise CorpusError(f"{corpus}: no such folder (give the PolNeAR folder that holds train/)")
    train = corpus / "train"
    texts = train / "text"
    if not texts.is_dir():
        raise CorpusError(f"{corpus}: no train/text folder (is this PolNeAR's top folder?)")
    articles = sorted(texts.glob("*.txt"))
    if not articles:
        raise CorpusError(f"{texts}: no .txt articles")
    annotations = _article_names(train / "attributions") if (train / "attributions").is_dir() else {}
    if not annotations:
        raise CorpusError(f"{train / 'attributions'}: no .ann annotation files")
    xml = train / "corenlp"
    jobs = []
    for path in articles:
        name = path.stem
        ann = annotations.get(name, [])
        core = xml / f"{name}.txt.xml"
        jobs.append((name, str(path), str(ann[0]) if ann else None, str(core) if core.is_file() else None))
    return jobs


def _share(hit: int, total: int) -> float | None:
    return hit / total if total else None


def score(corpus: Path, rules_path: str | None = None, jobs: int = 1, misses: int = 15) -> dict:
    """Run the tagger over PolNeAR's train split and measure the three shares."""
    work = find_corpus(corpus)
    load_rules(rules_path)  # a broken rules file fails here, once, not in every worker
    if jobs > 1:
        with ProcessPoolExecutor(jobs, initializer=_init, initargs=(rules_path,)) as pool:
            results = list(pool.map(score_article, work, chunksize=8))
    else:
        _init(rules_path)
        results = [score_article(job) for job in work]

    rows = [r for res in results for r in res["rows"]]
    reporting = [r for r in rows if r["measure"] == "reporting"]
    sourced = [r for r in reporting if "names_source" in r]
    named = [r for r in sourced if r["attributed_to"]]
    plain = [r for r in rows if r["measure"] == "unattributed"]
    m1_miss = [r for r in reporting if r["status"] not in CLAIMED]
    m2_miss = [r for r in sourced if not r["names_source"]]
    m3_miss = [r for r in plain if r["status"] != "confirmed"]

    def count(items, key) -> dict[str, int]:
        return dict(Counter(key(r) for r in items).most_common())

    def m2_reason(r: dict) -> str:
        if not r["attributed_to"]:
            return f"no attributed_to (tagged {r['status']})"
        return f"other name (source: {r['source_kind']})"

    def sample(items: list[dict]) -> list[dict]:
        """``misses`` of them, spread over the corpus rather than the first articles'."""
        return items[:: max(1, len(items) // misses)][:misses] if misses > 0 else []

    m1 = sum(r["status"] in CLAIMED for r in reporting)
    m2 = sum(r["names_source"] for r in sourced)
    m3 = sum(r["status"] == "confirmed" for r in plain)
    return {
        "corpus": str(corpus),
        "split": "train",
        "rules": rules_path or "shipped default",
        "articles": len(results),
        "sentences": sum(res.get("sentences", 0) for res in results),
        "annotators": count(results, lambda res: res["annotator"] or "-"),
        "offset_basis": count(results, lambda res: res["basis"] or "unmatched"),
        "spans": sum(res.get("spans", 0) for res in results),
        "differing_spans": sum(res.get("differing_spans", 0) for res in results),
        "coreference": count(results, lambda res: res["coref"] or "-"),
        "problems": {res["article"]: res["problem"] for res in results if res.get("problem")},
        "reporting": {
            "share": _share(m1, len(reporting)),
            "hits": m1,
            "sentences": len(reporting),
            "target": TARGETS["reporting"],
            "tagged": count(reporting, lambda r: r["status"]),
            "misses_by_verb": dict(list(count(m1_miss, lambda r: r["verbs"][0]).items())[:15]),
            "misses_by_rule": dict(list(count(m1_miss, lambda r: r["decided_by"]).items())[:10]),
            "misses": sample(m1_miss),
        },
        "source": {
            "of_named": _share(sum(r["names_source"] for r in named), len(named)),
            "named_hits": sum(r["names_source"] for r in named),
            "named": len(named),
            "of_all": _share(m2, len(sourced)),
            "hits": m2,
            "sentences": len(sourced),
            "via_coreference": sum(r["coref_used"] for r in sourced),
            "target": TARGETS["source"],
            "misses_by_reason": count(m2_miss, m2_reason),
            "misses": sample([r for r in m2_miss if r["attributed_to"]]),
        },
        "unattributed": {
            "share": _share(m3, len(plain)),
            "hits": m3,
            "sentences": len(plain),
            "confirmed_or_none": _share(sum(r["status"] in ("confirmed", "none") for r in plain), len(plain)),
            "confirmed_or_none_hits": sum(r["status"] in ("confirmed", "none") for r in plain),
            "target": TARGETS["unattributed"],
            "tagged": count(plain, lambda r: r["status"]),
            "misses_by_rule": dict(list(count(m3_miss, lambda r: r["decided_by"]).items())[:10]),
            "misses": sample([r for r in m3_miss if r["status"] != "none"]),
        },
    }


def _fmt(share: float | None, hits: int, total: int) -> str:
    return f"{share:.3f} ({hits} of {total})" if share is not None else f"n/a (0 of {total})"


def _verdict(share: float | None, target: float) -> str:
    return f"target >= {target:.2f}: " + ("met" if share is not None and share >= target else "NOT met")


def report(result: dict, seconds: float) -> str:
    r1, r2, r3 = result["reporting"], result["source"], result["unattributed"]
    lines = [
        f"PolNeAR {result['split']} split at {result['corpus']}: {result['articles']} articles, "
        f"{result['sentences']} sentences, rules: {result['rules']} ({seconds:.0f}s)",
        "  annotation: the first .ann by name per article; offsets checked span by span against the "
        f"decoded text: {', '.join(f'{k} {v}' for k, v in result['offset_basis'].items())} articles "
        f"({result['spans']} spans, {result['differing_spans']} whose text differs)",
        f"  CoreNLP coreference: {', '.join(f'{k} {v}' for k, v in result['coreference'].items())}",
    ]
    for article, problem in result["problems"].items():
        lines.append(f"  skipped or partial: {article}: {problem}")
    lines += [
        "",
        "1. Sentences holding a reporting-verb attribution, tagged alleged/denied/disputed: "
        f"{_fmt(r1['share'], r1['hits'], r1['sentences'])}   {_verdict(r1['share'], r1['target'])}",
        "   tagged: " + ", ".join(f"{k} {v}" for k, v in r1["tagged"].items()),
        "   misses by cue verb: " + ", ".join(f"{k} {v}" for k, v in r1["misses_by_verb"].items()),
        "   misses by deciding rule: " + ", ".join(f"{k} {v}" for k, v in r1["misses_by_rule"].items()),
        "",
        "2. attributed_to names the annotated source (sentences of 1 whose attribution has a Source):",
        f"   of named: {_fmt(r2['of_named'], r2['named_hits'], r2['named'])}   "
        f"{_verdict(r2['of_named'], r2['target'])}",
        f"   of all:   {_fmt(r2['of_all'], r2['hits'], r2['sentences'])}   "
        f"{_verdict(r2['of_all'], r2['target'])}",
        f"   sources read through a coreference chain: {r2['via_coreference']}",
        "   misses: " + ", ".join(f"{k} {v}" for k, v in r2["misses_by_reason"].items()),
        "",
        "3. Sentences holding no PolNeAR span (no Cue, Source or Content), tagged confirmed: "
        f"{_fmt(r3['share'], r3['hits'], r3['sentences'])}   {_verdict(r3['share'], r3['target'])}",
        "   confirmed or none: "
        + _fmt(r3["confirmed_or_none"], r3["confirmed_or_none_hits"], r3["sentences"]),
        "   tagged: " + ", ".join(f"{k} {v}" for k, v in r3["tagged"].items()),
        "   misses by deciding rule: " + ", ".join(f"{k} {v}" for k, v in r3["misses_by_rule"].items()),
    ]
    for title, block, extra in (
        ("1 (reporting cue, not tagged alleged/denied/disputed)", r1, lambda r: f"cue {r['cues']}"),
        ("2 (named someone else)", r2, lambda r: f"source {r['sources']} chain {r['chain']}"),
        ("3 (no PolNeAR span, tagged alleged/denied/disputed)", r3, lambda r: ""),
    ):
        if block["misses"]:
            lines += ["", f"Misses of {title}:"]
            for r in block["misses"]:
                lines.append(
                    f"  {r['file']} {r['start']}-{r['end']} {r['status']} by {r['decided_by']}"
                    f" attributed_to={r['attributed_to']!r} {extra(r)}".rstrip()
                )
                lines.append(f"      {r['text']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.polnear",
        description="Score claimdesk against PolNeAR's attribution annotations (train split only).",
    )
    parser.add_argument("--corpus", required=True, type=Path, help="the PolNeAR folder that holds train/")
    parser.add_argument("--rules", help="rules file (default: the shipped rules)")
    parser.add_argument("--misses", type=int, default=15, help="misses to show per measure (default 15)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="worker processes")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        result = score(args.corpus, args.rules, max(1, args.jobs), args.misses)
    except (CorpusError, RulesError) as exc:
        print(f"polnear: {exc}", file=sys.stderr)
        return 2
    result["seconds"] = round(time.perf_counter() - start, 1)
    out = json.dumps(result, indent=1, ensure_ascii=False) if args.json else report(result, result["seconds"])
    try:
        print(out)
    except BrokenPipeError:  # piped into head
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
