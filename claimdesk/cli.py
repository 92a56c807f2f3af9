"""The ``claimdesk`` command: parses arguments and calls one library function per command."""

from __future__ import annotations

import argparse
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
        sources=str(args.sources) if args.sources else None,
    )
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
    print(f"  {datasette_command()} {out / 'claims.db'} -m {out / 'metadata.yml'}")


def datasette_command() -> str:
    """The datasette installed beside claimdesk (e.g. .venv/bin/datasette), relative when it can be."""
    exe = Path(sys.executable).parent / "datasette"
    if not exe.exists():
        return "datasette"
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
        "rejected (listed in OUTPUT/rejects.jsonl), 2 on a usage, rules or sources error.",
    )
    _add_run_arguments(run)
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
