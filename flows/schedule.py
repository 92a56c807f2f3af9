"""Serving the claimdesk run on a schedule (``claimdesk schedule``); the code is installed with
claimdesk as ``claimdesk.flows.schedule``."""

from claimdesk.flows.schedule import serve_schedule

__all__ = ["serve_schedule"]
