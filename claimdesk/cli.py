"""The ``claimdesk`` command: parses arguments and calls one library function per command."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from claimdesk.rules import RulesError, load_rules
from claimdesk.sources import SourcesError, load_sources

# Prefect settings for a clean command-line run; the user's own environment wins.
DEFAULT_INPUT = "seeds"

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


def configure_prefect() -> None:
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)


def _inputs(args: argparse.Namespace) -> list[str]:
    """Paths and URLs as given (URLs untouched); seeds/ when neither paths nor a sources file are."""
    if not args.paths and not args.sources:
        return [DEFAULT_INPUT]
    return [p if "://" in p else str(Path(p)) for p in args.paths]


def cmd_run(args: argparse.Namespace) -> int:
    load_rules(args.rules)  # refuse a bad rules or sources file before Prefect starts or anything is read
    if args.sources:
        load_sources(args.sources)
    configure_prefect()
    from flows.pipeline import run_pipeline  # imported late: Prefect reads its settings at import

    summary = run_pipeline(
        paths=_inputs(args),
        output=str(args.output),
        rules_path=str(args.rules) if args.rules else None,
        batch_size=args.batch_size,
        wait=args.wait,
        sources=str(args.sources) if args.sources else None,
    )
    if summary.get("locked"):
        print(f"claimdesk: {summary['locked']}", file=sys.stderr)
        return 3
    print_summary(summary)
    return 1 if summary["rejected"] else 0


def cmd_schedule(args: argparse.Namespace) -> int:
    load_rules(args.rules)
    if args.sources:
        load_sources(args.sources)
    configure_prefect()
    from flows.schedule import ScheduleError, serve_schedule

    try:
        serve_schedule(
            paths=_inputs(args),
            sources=str(args.sources) if args.sources else None,
            output=str(args.output),
            rules_path=str(args.rules) if args.rules else None,
            batch_size=args.batch_size,
            cron=args.cron,
            interval=args.interval,
        )
    except ScheduleError as exc:
        print(f"claimdesk: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("claimdesk: schedule stopped.", file=sys.stderr)
    return 0


def print_summary(summary: dict) -> None:
    out = Path(summary["output"])
    statuses = ", ".join(f"{k} {v}" for k, v in summary["statuses"].items())
    print(
        f"Articles: {summary['new']} new, {summary['changed']} changed, "
        f"{summary['unchanged']} unchanged, {summary['failed']} failed."
    )
    print(f"Tagged {summary['articles']} articles, {summary['sentences']} sentences ({statuses}).")
    for failure in summary["failures"]:
        print(f"  failed: {failure['source']}: {failure['reason']}")
    if summary["rejected"]:
        print(f"Rejected {summary['rejected']} inputs or records: see {out / 'rejects.jsonl'}.")
    print(f"Records: {out / 'records'}/")
    print("Open the results with:")
    print(f"  {claimdesk_command()} ui --output {out}")
    print("or, by hand:")
    print(f"  {datasette_command()} {out / 'claims.db'} -m {out / 'metadata.yml'}")


def claimdesk_command() -> str:
    return datasette_command("claimdesk")


def datasette_command(name: str = "datasette") -> str:
    """The command installed beside claimdesk (e.g. .venv/bin/datasette), relative when it can be."""
    exe = Path(sys.executable).parent / name
    if not exe.exists():
        return name
    try:
        return str(exe.relative_to(Path.cwd()))
    except ValueError:
        return str(exe)


def cmd_rules_check(args: argparse.Namespace) -> int:
    from claimdesk.rulecheck import check_rules

    report = check_rules(args.file)
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


def cmd_eval(args: argparse.Namespace) -> int:
    from claimdesk.evaluate import GoldError, evaluate, load_gold, report

    try:
        gold = load_gold(args.gold)
    except (OSError, GoldError) as exc:
        print(f"claimdesk: {exc}", file=sys.stderr)
        return 2
    scores = evaluate(gold, load_rules(args.rules))
    print(json.dumps(scores.to_dict(), indent=2) if args.json else report(scores, args.misses))
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    from claimdesk.ui import DeskError, serve

    try:
        serve(args.output, args.port)
    except DeskError as exc:
        print(f"claimdesk: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from claimdesk.export import ExportError, export

    try:
        target = export(args.output, args.format, args.file)
    except ExportError as exc:
        print(f"claimdesk: {exc}", file=sys.stderr)
        return 2
    if target is not None:
        print(f"Wrote {target}", file=sys.stderr)
    return 0


def _add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """What to read and where to write: shared by ``run`` and ``schedule``."""
    parser.add_argument(
        "paths",
        nargs="*",
        default=[],
        metavar="PATH",
        help="article files, folders or http(s) URLs (default: seeds/, unless --sources is given)",
    )
    parser.add_argument(
        "--sources", type=Path, default=None, help="a sources.yaml listing folders, files, feeds and URLs"
    )
    parser.add_argument(
        "--output",
        "-o",
        type=Path,
        default=Path("output"),
        help="folder for records, claims.db and metadata.yml (default: output/)",
    )
    parser.add_argument(
        "--rules",
        type=Path,
        default=None,
        help="rules file to tag with (default: the shipped claimdesk/rules/default.yaml)",
    )
    parser.add_argument("--batch-size", type=int, default=20, help="articles per Prefect task (default: 20)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="claimdesk",
        description=(
            "Tag each sentence of news articles with how the article presents its claim "
            "(confirmed, alleged, denied, disputed, or no claim), who it is attributed to, "
            "and which rule decided."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="tag articles and write records, claims.db and metadata.yml",
        description="Read articles (files, folders recursively, http(s) URLs, feeds, or a sources.yaml), "
        "tag every sentence of what is new or changed since the last run, and write "
        "OUTPUT/records/<article-id>.jsonl, OUTPUT/claims.db and OUTPUT/metadata.yml. "
        "Exit status: 0 when everything was processed, 1 when some input or record was "
        "rejected (listed in OUTPUT/rejects.jsonl), 2 on a usage, rules or sources error, 3 when "
        "another run is writing to OUTPUT and --wait ran out.",
    )
    _add_run_arguments(run)
    run.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="if another run is writing to OUTPUT, wait this long for it (default: 0, stop at once)",
    )
    run.set_defaults(func=cmd_run)

    schedule = sub.add_parser(
        "schedule",
        help="serve the run on a schedule against a Prefect server",
        description="Serve the claimdesk run as a Prefect deployment (claimdesk-run/claimdesk-scheduled) "
        "on a cron or interval schedule, until interrupted. Each run tags only what is new or changed. "
        "Needs a Prefect server (prefect server start) and PREFECT_API_URL set; refuses otherwise "
        "(exit status 2).",
    )
    _add_run_arguments(schedule)
    when = schedule.add_mutually_exclusive_group()
    when.add_argument("--cron", metavar="EXPR", help="cron expression, e.g. '*/15 * * * *'")
    when.add_argument(
        "--interval", type=float, metavar="SECONDS", help="seconds between runs (default: 3600)"
    )
    schedule.set_defaults(func=cmd_schedule)

    rules = sub.add_parser("rules", help="work with rules files")
    rules_sub = rules.add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    check = rules_sub.add_parser(
        "check",
        help="validate a rules file and run its examples",
        description="Validate a rules file against schemas/rules.schema.json, compile every "
        "pattern, run every rule's examples, and report rules that never fire on the examples "
        "or are shadowed by another. Exit status 0 when all is well, 1 otherwise.",
    )
    check.add_argument(
        "file", nargs="?", type=Path, default=None, help="rules file (default: the shipped rules)"
    )
    check.set_defaults(func=cmd_rules_check)

    ev = sub.add_parser(
        "eval",
        help="score the rules against annotated sentences",
        description="Tag annotated sentences (JSON Lines: text, status, attributed_to, context_before) "
        "and print per-status precision, recall and F1, macro-F1, attribution accuracy, a confusion "
        "matrix, and the misses with the rules that fired.",
    )
    ev.add_argument(
        "gold", type=Path, metavar="GOLD.jsonl", help="annotated sentences, one JSON object per line"
    )
    ev.add_argument("--rules", type=Path, default=None, help="rules file (default: the shipped rules)")
    ev.add_argument("--misses", type=int, default=20, help="how many misses to list (default: 20; 0: none)")
    ev.add_argument("--json", action="store_true", help="print the scores as JSON instead of a report")
    ev.set_defaults(func=cmd_eval)

    ui = sub.add_parser(
        "ui",
        help="read the results in Datasette (the desk) on 127.0.0.1",
        description="Serve OUTPUT/claims.db with its metadata and the claimdesk plugin in Datasette on "
        "127.0.0.1, reading the database without writing it, so a run can update it meanwhile. "
        "Ctrl-C stops it. Exit status 2 when there is no database yet.",
    )
    ui.add_argument(
        "--output",
        "-o",
        type=Path,
        default=Path("output"),
        help="folder holding claims.db and metadata.yml (default: output/)",
    )
    ui.add_argument("--port", "-p", type=int, default=8001, help="port to listen on (default: 8001)")
    ui.set_defaults(func=cmd_ui)

    export = sub.add_parser(
        "export",
        help="write the annotations as W3C Web Annotation JSON-LD, CSV or JSON Lines",
        description="Export every tagged sentence from OUTPUT/claims.db. web-annotation writes a W3C "
        "Web Annotation collection (JSON-LD) of the claims, each targeting its article with a "
        "TextQuoteSelector and a TextPositionSelector; csv and jsonl write one row per sentence; "
        "claims-jsonl writes one claim across articles a line with its mentions, claims-csv one "
        "mention a row. "
        "Exit status 2 when there is no database yet.",
    )
    export.add_argument(
        "--output",
        "-o",
        type=Path,
        default=Path("output"),
        help="folder holding claims.db; the export is written there too (default: output/)",
    )
    export.add_argument(
        "--format",
        "-f",
        choices=["web-annotation", "csv", "jsonl", "claims-csv", "claims-jsonl"],
        default="web-annotation",
        help="what to write (default: web-annotation)",
    )
    export.add_argument(
        "--file",
        default=None,
        help="where to write, '-' for standard output "
        "(default: OUTPUT/annotations.jsonld, OUTPUT/sentences.csv, OUTPUT/sentences.jsonl, "
        "OUTPUT/claims.csv or OUTPUT/claims.jsonl)",
    )
    export.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(format="claimdesk: %(message)s", level=logging.INFO, stream=sys.stderr)
    for name in ("prefect", "httpx", "uvicorn"):
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        return args.func(args)
    except RulesError as exc:
        print(f"claimdesk: rules error: {exc}", file=sys.stderr)
        return 2
    except SourcesError as exc:
        print(f"claimdesk: sources error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
