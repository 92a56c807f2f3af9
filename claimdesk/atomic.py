"""Writing a file so that a reader, or a crash, sees the old file or the new one, never part of one:
written beside its final name, then renamed over it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


@contextmanager
def replacing(target: Path) -> Iterator[TextIO]:
    """A text file to write in place of ``target``: renamed over it when the block ends, deleted
    if the block fails (a full disk, an exception), so ``target`` is never left cut short."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yield fh
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(target: Path, text: str) -> None:
    """``target.write_text(text)``, all or nothing."""
    with replacing(target) as fh:
        fh.write(text)
