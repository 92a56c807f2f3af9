"""The Prefect flows: orchestration around the plain-Python core (the only claimdesk package that
imports Prefect). Installed with claimdesk, so ``claimdesk run`` and ``claimdesk schedule`` work
from any folder; the checkout's top-level ``flows/`` re-exports them for ``prefect deploy``."""

import os

# Prefect settings for a clean run, set when this package is imported (before Prefect is, unless
# the caller imported it first): the CLI and a library call (``run_with``) run alike. The user's own
# environment wins.
PREFECT_DEFAULTS = {
    # The ephemeral API server's first start took ~18 s here, near its 20 s default.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",  # no telemetry calls or notices from the client either
    # Prefect's own console lines (a late "EventsWorker" warning, server shutdown noise) are not the
    # user's business: claimdesk prints its own summary and errors.
    "PREFECT_LOGGING_ROOT_LEVEL": "ERROR",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "CRITICAL",
}
for _key, _value in PREFECT_DEFAULTS.items():
    os.environ.setdefault(_key, _value)
