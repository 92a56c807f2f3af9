"""Serving the claimdesk run on a schedule, as a Prefect deployment against a Prefect server.

Each scheduled run is an ordinary incremental run: it tags only what is new or
changed since the last one. A schedule needs a server that outlives this
process (``prefect server start``): with Prefect's ephemeral API nothing would
ever trigger the runs, so that is refused rather than silently idle.
"""

from __future__ import annotations

import warnings
from datetime import timedelta
from pathlib import Path

import httpx
from prefect.client.orchestration import get_client
from prefect.client.schemas.schedules import CronSchedule
from prefect.deployments.runner import EntrypointType
from prefect.exceptions import ObjectNotFound
from prefect.settings import get_current_settings
from pydantic import ValidationError

from claimdesk.flows.pipeline import BATCH_SIZE, run_pipeline, tagging_runner
from claimdesk.sources import is_url

DEPLOYMENT_NAME = "claimdesk-scheduled"
DEFAULT_INTERVAL_SECONDS = 3600
NEEDS_SERVER = (
    "claimdesk schedule needs a running Prefect server, and PREFECT_API_URL is not set.\n"
    "Start one in another terminal:  prefect server start --host 127.0.0.1 --port 4200\n"
    "then:  export PREFECT_API_URL=http://127.0.0.1:4200/api"
)


class ScheduleError(RuntimeError):
    """A schedule that cannot be served; the message says what to do."""


def _absolute(location: str) -> str:
    return location if is_url(location) else str(Path(location).resolve())


def check_server() -> str:
    """The API URL of a reachable Prefect server, or a ScheduleError saying how to get one."""
    url = get_current_settings().api.url
    if not url:
        raise ScheduleError(NEEDS_SERVER)
    with get_client(sync_client=True) as client:
        problem = client.api_healthcheck()
    if problem is not None:
        raise ScheduleError(f"the Prefect server at PREFECT_API_URL={url} does not answer: {problem}")
    return url


def check_cron(cron: str) -> None:
    """Refuse a cron expression Prefect would refuse, before a server is asked for anything."""
    try:
        CronSchedule(cron=cron)
    except ValidationError as exc:
        reason = exc.errors()[0].get("msg", str(exc)).removeprefix("Value error, ")
        raise ScheduleError(f"--cron {cron!r}: {reason}") from None


def check_not_served(name: str) -> None:
    """Refuse to serve a deployment another process serves: the second ``claimdesk schedule`` would
    replace the first one's sources and schedule on the server while the first kept running idle."""
    try:
        with get_client(sync_client=True) as client:
            deployment = client.read_deployment_by_name(f"{run_pipeline.name}/{name}")
    except ObjectNotFound:
        return
    if not deployment.paused and deployment.status is not None and deployment.status.value == "READY":
        raise ScheduleError(
            f"the deployment {run_pipeline.name}/{name} is already served (by another claimdesk schedule?): "
            "stop that one, or give this one another --name (a schedule that was killed frees its "
            "name within about a minute)"
        )


def serve_schedule(
    paths: list[str],
    sources: str | None = None,
    output: str = "output",
    rules_path: str | None = None,
    layer_path: str | None = None,
    batch_size: int = BATCH_SIZE,
    cron: str | None = None,
    interval: float | None = None,
    allow_private: bool = False,
    task_runner: str = "auto",
    dask_address: str | None = None,
    name: str = DEPLOYMENT_NAME,
) -> None:
    """Serve the run as deployment ``claimdesk-run/<name>`` until interrupted; each run tags on
    ``task_runner`` (``auto``: chosen by each run from the files it finds). Several schedules (other
    folders, other outputs) are served at once under different names."""
    if task_runner != "auto":
        tagging_runner(task_runner, dask_address)  # an unknown or unreachable one: refused now
    if cron is not None:
        check_cron(cron)
    check_server()
    check_not_served(name)
    if cron is None and interval is None:
        interval = DEFAULT_INTERVAL_SECONDS
    # On SIGTERM (a service manager's stop) Prefect's runner exits at once, calling its async stop()
    # without awaiting it (a RuntimeWarning, not ours to show) and not always pausing the schedule.
    warnings.filterwarnings("ignore", "coroutine 'Runner.astop' was never awaited", RuntimeWarning)
    try:
        run_pipeline.serve(
            name=name,
            cron=cron,
            interval=timedelta(seconds=interval) if interval is not None else None,
            parameters={
                "paths": [_absolute(p) for p in paths],
                "sources": _absolute(sources) if sources else None,
                "output": _absolute(output),
                "rules_path": _absolute(rules_path) if rules_path else None,
                "layer_path": _absolute(layer_path) if layer_path else None,
                "batch_size": batch_size,
                "allow_private": allow_private,
                "task_runner": task_runner,
                "dask_address": dask_address,
            },
            description="Tags what is new or changed in the sources since the last run.",
            limit=1,  # one run at a time: a slow run is never overlapped by the next
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
    finally:
        pause(name)


def pause(name: str = DEPLOYMENT_NAME) -> None:
    """Pause the deployment's schedule, so that the server does not pile up runs that no one serves
    (``claimdesk schedule`` resumes it when it serves again)."""
    try:
        with get_client(sync_client=True) as client:
            deployment = client.read_deployment_by_name(f"{run_pipeline.name}/{name}")
            client.pause_deployment(deployment.id)
    except (ObjectNotFound, httpx.HTTPError):  # never served, or the server is gone: nothing to pause
        pass
