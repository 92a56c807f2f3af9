"""pySBD's 48 English golden rules, fetched at bench time and never kept in the repository.

The rules come from the pysbd 0.3.3 source distribution (``pip download``), read from its
``benchmarks/english_golden_rules.py`` with :func:`ast.literal_eval` (the file is data; nothing
in it is run). A segmenter gets a rule right when its sentences, stripped of surrounding white
space, are exactly the expected ones.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

SDIST = "pysbd==0.3.3"
MEMBER = "benchmarks/english_golden_rules.py"


def fetch_rules() -> list[tuple[str, list[str]]]:
    """Download the pysbd 0.3.3 sdist into a temporary folder and read its golden rules."""
    with tempfile.TemporaryDirectory(prefix="claimdesk-golden-") as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                SDIST,
                "--no-deps",
                "--no-binary",
                ":all:",
                "--quiet",
                "--dest",
                tmp,
            ],
            check=True,
        )
        archive = next(Path(tmp).glob("pysbd-0.3.3.tar.gz"))
        with tarfile.open(archive) as tar:
            member = next(m for m in tar.getmembers() if m.name.endswith(MEMBER))
            source = tar.extractfile(member).read().decode("utf-8")
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "GOLDEN_EN_RULES":
            return [(text, list(expected)) for text, expected in ast.literal_eval(node.value)]
    raise ValueError(f"no GOLDEN_EN_RULES in {MEMBER} of {SDIST}")


def score(split: Callable[[str], list[str]], rules: list[tuple[str, list[str]]]) -> list[int]:
    """The 1-based numbers of the rules ``split`` gets wrong."""
    wrong = []
    for n, (text, expected) in enumerate(rules, start=1):
        try:
            got = [s.strip() for s in split(text) if s.strip()]
        except Exception:  # a peer that crashes on a rule gets it wrong
            got = None
        if got != expected:
            wrong.append(n)
    return wrong


def main() -> None:
    from claimdesk.segment import segment

    rules = fetch_rules()
    wrong = score(lambda t: [t[s.start : s.end] for s in segment(t)], rules)
    print(f"claimdesk: {len(rules) - len(wrong)}/{len(rules)}; wrong: {wrong}")
    for n in wrong if "-v" in sys.argv else ():
        text, expected = rules[n - 1]
        got = [text[s.start : s.end] for s in segment(text)]
        print(f"{n}: {text!r}\n   want {expected}\n   got  {got}")


if __name__ == "__main__":
    main()
