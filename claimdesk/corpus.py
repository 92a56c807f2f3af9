"""Reading third-party text the user keeps: a file under a corpus folder, checked against the
sha256 of the bytes that were labelled, since labels hold offsets and a hash, never the text."""

from __future__ import annotations

import hashlib
from pathlib import Path

from claimdesk.decode import decode


class CorpusError(ValueError):
    """The corpus does not hold a labelled file as it was labelled."""


def read_labelled(corpus: str | Path, name: str, sha256: str) -> str:
    """The decoded text of ``corpus/name``, refused when it is missing or its bytes changed
    (the labels' offsets would point at other text)."""
    path = Path(corpus) / name
    if Path(name).is_absolute() or ".." in Path(name).parts:
        raise CorpusError(f"{name!r} is not a path inside the corpus folder (no absolute path, no '..')")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"corpus file missing: {path} ({exc.strerror})") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise CorpusError(
            f"{path} is not the file that was labelled (sha256 differs: {digest[:12]}..., "
            f"labels expect {sha256[:12]}...)"
        )
    return decode(data)[0]
