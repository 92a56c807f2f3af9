"""The Prefect flows: orchestration around the plain-Python core (the only claimdesk package that
imports Prefect). Installed with claimdesk, so ``claimdesk run`` and ``claimdesk schedule`` work
from any folder; the checkout's top-level ``flows/`` re-exports them for ``prefect deploy``."""
