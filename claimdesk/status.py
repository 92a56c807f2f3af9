"""The claim statuses, in one place: what each module that names them imports.

Their meaning is fixed in docs/claim-status.md. A sentence that makes no claim has no status
(``None`` in records, ``none`` where a label is needed: eval scores, summaries, rules).
"""

from __future__ import annotations

from typing import Literal

STATUSES = ("confirmed", "alleged", "denied", "disputed")
"""The statuses a claim can have, in reading order (from the article's own voice to contested)."""

NO_CLAIM = "none"

LABELS = (*STATUSES, NO_CLAIM)
"""What eval scores and run summaries count: the four statuses and no claim."""

PRECEDENCE = (NO_CLAIM, *reversed(STATUSES))
"""The order in which rules decide: the first that fires wins (none > disputed > ... > confirmed)."""

Status = Literal[STATUSES]  # type: ignore[valid-type]  # pydantic reads the values from the tuple
