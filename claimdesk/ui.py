"""``claimdesk ui``: serve the desk (claims.db, its metadata, the plugin) with Datasette on 127.0.0.1.

Datasette is run as it would be from its own command line, in its default mutable mode: it
reads through ``?mode=ro`` connections (never ``immutable``, which would assume the file never
changes), so a scheduled ``claimdesk run`` can write meanwhile and every page shows the latest
committed data. The plugin comes in through its entry point, as for any ``datasette``.
"""

from __future__ import annotations

import socket
from pathlib import Path

from claimdesk.store import DB_NAME, missing_db

HOST = "127.0.0.1"
PORT = 8001


class DeskError(RuntimeError):
    """The desk cannot be served; the message says what to do."""


def datasette_args(output: str | Path, port: int = PORT) -> list[str]:
    """The ``datasette serve`` arguments for the results in ``output``; writes its ``metadata.yml``
    first when there is none (a database copied without it)."""
    output = Path(output)
    if problem := missing_db(output):
        raise DeskError(problem)
    db = output / DB_NAME
    metadata = output / "metadata.yml"
    if not metadata.is_file():
        from claimdesk.metadata import write_metadata
        from claimdesk.rules import load_rules

        write_metadata(output, load_rules().name)
    return ["serve", str(db), "--metadata", str(metadata), "--host", HOST, "--port", str(port)]


def check_port(port: int) -> None:
    """Refuse a port something already listens on, before saying the desk is there: otherwise the
    address would be printed, then the web server's own error and a traceback-like exit."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            raise DeskError(f"cannot listen on {HOST}:{port} ({exc.strerror}); pass another --port") from exc


def serve(output: str | Path = Path("output"), port: int = PORT) -> None:
    """Serve the desk until interrupted (Ctrl-C)."""
    from datasette.cli import cli

    if not 1 <= port <= 65535:  # 0 would listen on a port the line below could not name
        raise DeskError(f"port must be 1-65535, not {port}")
    args = datasette_args(output, port)
    check_port(port)
    print(f"claimdesk desk on http://{HOST}:{port}/claims/claims (Ctrl-C stops it)", flush=True)
    cli.main(args=args, prog_name="datasette", standalone_mode=False)
