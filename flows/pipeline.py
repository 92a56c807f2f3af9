"""The claimdesk run as the Prefect flow to deploy, e.g. ``prefect deploy flows/pipeline.py:run_pipeline``.

The flow's code is installed with claimdesk (``claimdesk.flows.pipeline``), so the command line
and an installed package need no checkout; this file is the deployable entry point beside it.
"""

from claimdesk.flows.pipeline import run_pipeline

__all__ = ["run_pipeline"]
