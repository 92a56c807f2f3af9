"""Build the committed real-news labels from two annotators' work and the adjudication.

Input (outside the repo, where the annotation was done):
  ANNOT/<batch>.sentences.jsonl      the units annotated: id, file, start, end (and the text)
  ANNOT/<batch>.labels.{A,B}.jsonl   each annotator's {id, status, attributed_to}
  ADJ/<batch>.adjudicated.jsonl      the decision on every disagreement
Output (in the repo, no text): tests/data/realnews/<batch>.labels.jsonl and
tests/data/realnews/annotators/<batch>.{A,B}.jsonl, and the agreement table.

    python -m benchmarks.realnews_labels ANNOT ADJ CORPUS BATCH...
    python -m benchmarks.realnews_labels --agreement     # from the committed annotators' files
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "realnews"


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def agreement(a: list[str | None], b: list[str | None]) -> tuple[float, float]:
    """Observed agreement and Cohen's kappa of two label sequences."""
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in ca.keys() | cb.keys()) / (n * n)
    return observed, (observed - expected) / (1 - expected)


def build(annot: Path, adj: Path, corpus: Path, batch: str) -> dict:
    units = _rows(annot / f"{batch}.sentences.jsonl")
    a, b = (_rows(annot / f"{batch}.labels.{t}.jsonl") for t in "AB")
    decided = (
        {r["id"]: r for r in _rows(adj / f"{batch}.adjudicated.jsonl")}
        if (adj / f"{batch}.adjudicated.jsonl").exists()
        else {}
    )
    hashes = {u["file"]: hashlib.sha256((corpus / u["file"]).read_bytes()).hexdigest() for u in units}
    labels, undecided = [], 0
    for unit, x, y in zip(units, a, b, strict=True):
        same = (
            x["status"] == y["status"]
            and (x["attributed_to"] or "").casefold() == (y["attributed_to"] or "").casefold()
        )
        final = x if same else decided.get(unit["id"])
        if final is None:
            undecided += 1
            continue
        labels.append(
            {
                "file": unit["file"],
                "sha256": hashes[unit["file"]],
                "start": unit["start"],
                "end": unit["end"],
                "status": final["status"],
                "attributed_to": final["attributed_to"] if final["status"] else None,
            }
        )
    OUT.joinpath("annotators").mkdir(parents=True, exist_ok=True)
    OUT.joinpath(f"{batch}.labels.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in labels), encoding="utf-8"
    )
    for tag, rows in (("A", a), ("B", b)):
        OUT.joinpath("annotators", f"{batch}.{tag}.jsonl").write_text(
            "".join(
                json.dumps(
                    {
                        "file": u["file"],
                        "start": u["start"],
                        "end": u["end"],
                        "status": r["status"],
                        "attributed_to": r["attributed_to"],
                    },
                    ensure_ascii=False,
                )
                + "\n"
                for u, r in zip(units, rows, strict=True)
            ),
            encoding="utf-8",
        )
    observed, kappa = agreement([r["status"] for r in a], [r["status"] for r in b])
    return {
        "batch": batch,
        "articles": len(hashes),
        "sentences": len(units),
        "agreement": observed,
        "kappa": kappa,
        "adjudicated": len(decided),
        "undecided": undecided,
    }


def committed_agreement() -> list[dict]:
    """Agreement and kappa per batch, recomputed from the annotators' files in the repo."""
    table = []
    for a_file in sorted(OUT.joinpath("annotators").glob("*.A.jsonl")):
        batch = a_file.name.removesuffix(".A.jsonl")
        a, b = _rows(a_file), _rows(a_file.with_name(f"{batch}.B.jsonl"))
        observed, kappa = agreement([r["status"] for r in a], [r["status"] for r in b])
        named = [(x, y) for x, y in zip(a, b, strict=True) if x["status"] and x["status"] == y["status"]]
        named = [(x, y) for x, y in named if x["attributed_to"] or y["attributed_to"]]
        same = sum(
            (x["attributed_to"] or "").casefold() == (y["attributed_to"] or "").casefold() for x, y in named
        )
        final = _rows(OUT / f"{batch}.labels.jsonl")
        table.append(
            {
                "batch": batch,
                "articles": len({r["file"] for r in final}),
                "sentences": len(a),
                "agreement": round(observed, 3),
                "kappa": round(kappa, 3),
                "source agreement": round(same / len(named), 3) if named else None,
            }
        )
    return table


if __name__ == "__main__" and sys.argv[1:] == ["--agreement"]:
    for row in committed_agreement():
        print(json.dumps(row))
elif __name__ == "__main__":
    annot, adj, corpus, *batches = (sys.argv[1:4] and [Path(p) for p in sys.argv[1:4]]) + sys.argv[4:]
    for batch in batches:
        print(json.dumps(build(annot, adj, corpus, batch)))
