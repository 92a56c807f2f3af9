"""Writing a file so that a reader, or a crash, sees the old file or the new one, never part of one:
written beside its final name, then renamed over it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_NEW_FILE_MODE = 0o666 & ~_umask()
"""What ``open(path, "w")`` gives a new file; ``mkstemp`` alone gives 0600, which other users
(a Datasette run by another account, a colleague reading an export) could not read."""


@contextmanager
def replacing(target: Path) -> Iterator[TextIO]:
    """A text file to write in place of ``target``: renamed over it when the block ends, deleted
    if the block fails (a full disk, an exception), so ``target`` is never left cut short."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yield fh
        # the file being replaced keeps its mode; a new one gets what open() would give it
        os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else _NEW_FILE_MODE)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(target: Path, text: str) -> None:
    """``target.write_text(text)``, all or nothing."""
    with replacing(target) as fh:
        fh.write(text)
