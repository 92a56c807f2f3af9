"""The ``claimdesk`` command: parses arguments and calls one library function per command, after
checking what can be checked before anything is read (rules, sources, the output's lock, the task
runner) and, for ``run``, choosing the Prefect server (:mod:`claimdesk.flows.server`); it prints
the summary the library returns."""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import logging
import math
import os
import signal
import sys
import traceback
from pathlib import Path

import claimdesk
from claimdesk.ingest import unexpected
from claimdesk.layer import C as LAYER_C
from claimdesk.layer import LayerError
from claimdesk.lock import RunLocked, check_unlocked
from claimdesk.rules import RulesError, load_rules
from claimdesk.runs import BATCH_SIZE, TASK_RUNNERS, TaskRunnerError
from claimdesk.sources import SourcesError, is_url, load_sources
from claimdesk.wording import plural

DEFAULT_INPUT = "seeds"
CHECKOUT_SEEDS = Path(__file__).resolve().parent.parent / DEFAULT_INPUT


class UsageError(ValueError):
    """A command line that cannot run; the message says what to pass instead (exit status 2)."""


def configure_prefect(verbose: bool = False) -> None:
    import claimdesk.flows  # noqa: F401  (sets claimdesk's Prefect defaults, before Prefect is imported)

    if verbose:  # Prefect's own error lines and tracebacks reach the console too
        os.environ["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = "ERROR"


def default_input() -> str:
    """seeds/ in the working folder, else the checkout's seeds/; else a UsageError saying what to pass."""
    if Path(DEFAULT_INPUT).is_dir():
        return DEFAULT_INPUT
    if CHECKOUT_SEEDS.is_dir():
        return str(CHECKOUT_SEEDS)
    raise UsageError(
        "nothing to read: give article files, folders or URLs (claimdesk run PATH ...) "
        "or a sources file (--sources sources.yaml); there is no seeds/ folder here"
    )


def _inputs(args: argparse.Namespace, must_exist: bool = False) -> list[str]:
    """Paths and URLs as given (URLs untouched); seeds/ when neither paths nor a sources file are,
    said on stderr. With ``must_exist`` (a run, not a schedule that may watch a folder still to
    come), nothing given existing is a usage error (a typo), not a run whose every input is rejected;
    one missing path among others is rejected by the run like any bad source."""
    if not args.paths and not args.sources:
        seeds = default_input()
        print(f"claimdesk: no paths given: reading the sample articles in {seeds}", file=sys.stderr)
        return [seeds]
    given = [p if is_url(p) else str(Path(p)) for p in args.paths]
    if (
        must_exist
        and given
        and not args.sources
        and all("://" not in p and not Path(p).exists() for p in given)
    ):
        raise UsageError(f"no such file or folder: {', '.join(given)}")
    return given


def cmd_run(args: argparse.Namespace) -> int:
    # What a run imports (Prefect above all) lives as long as the run: collecting garbage among it
    # while importing, and again at exit, is about 1 s of CPU that a run with nothing to do can skip.
    gc.disable()
    try:
        return _run(args)
    finally:
        gc.enable()


def _check_task_runner(args: argparse.Namespace) -> None:
    """Refuse a task runner the command line cannot have, before anything starts."""
    if args.dask_address and args.task_runner != "dask":
        raise UsageError("--dask-address needs --task-runner dask")
    if args.task_runner == "dask" and importlib.util.find_spec("prefect_dask") is None:
        raise UsageError(
            "--task-runner dask needs prefect-dask: in a checkout .venv/bin/pip install -c constraints.txt "
            "-e '.[dask]', elsewhere pip install 'claimdesk[dask]'"
        )


def _run(args: argparse.Namespace) -> int:
    _check_task_runner(args)
    load_rules(args.rules, args.layer)  # refuse a bad rules, layer or sources file before Prefect starts
    if args.sources:
        load_sources(args.sources)
    paths = _inputs(args, must_exist=True)
    configure_prefect(args.verbose)  # before Prefect is imported: it reads its settings then
    from claimdesk.flows.server import ServerDown, prefect_api

    try:
        # another run writing there: wait for it, or stop, now, not after starting a Prefect server
        check_unlocked(args.output, args.wait)
        # a running server when there is one (--server, PREFECT_API_URL, `prefect server start
        # --background`), else a temporary one, which goes when this run goes
        with prefect_api(server=args.server, temporary=args.temporary_server) as server:
            from claimdesk.flows.pipeline import run_with

            gc.freeze()  # the modules and objects imported so far: later collections pass them by
            gc.enable()
            summary = run_with(
                args.task_runner,
                args.dask_address,
                paths=paths,
                output=str(args.output),
                rules_path=str(args.rules) if args.rules else None,
                layer_path=str(args.layer) if args.layer else None,
                batch_size=args.batch_size,
                wait=args.wait,
                sources=str(args.sources) if args.sources else None,
                allow_private=args.allow_private,
            )
    except RunLocked as exc:
        print(f"claimdesk: {exc}", file=sys.stderr)
        return 3
    except (ServerDown, TaskRunnerError) as exc:
        print(f"claimdesk: {exc}", file=sys.stderr)
        return 2
    print(server.describe())
    if summary["articles"]:  # a run with nothing new to tag does not say where it would have
        print(
            f"Tagged on {TAGGED_ON[summary['task_runner']]}"
            + (", as --task-runner auto chose." if args.task_runner == "auto" else ".")
        )
    print_summary(summary)
    gc.freeze()  # and the interpreter's last collection at exit too (the run's files are closed by now)
    return 1 if summary["rejected"] else 0


TAGGED_ON = {
    "threads": "two threads in this process (one core)",
    "processes": f"{os.cpu_count() or 1} worker processes",
    "dask": "a Dask cluster",
}


def cmd_schedule(args: argparse.Namespace) -> int:
    _check_task_runner(args)
    load_rules(args.rules, args.layer)
    if args.sources:
        load_sources(args.sources)
    paths = _inputs(args)
    configure_prefect(args.verbose)
    from claimdesk.flows.schedule import ScheduleError, serve_schedule

    try:
        serve_schedule(
            paths=paths,
            sources=str(args.sources) if args.sources else None,
            output=str(args.output),
            rules_path=str(args.rules) if args.rules else None,
            layer_path=str(args.layer) if args.layer else None,
            batch_size=args.batch_size,
            cron=args.cron,
            interval=args.interval,
            allow_private=args.allow_private,
            task_runner=args.task_runner,
            dask_address=args.dask_address,
            name=args.name,
        )
    except (ScheduleError, TaskRunnerError) as exc:
        print(f"claimdesk: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    except SystemExit as exc:  # SIGTERM: Prefect's runner pauses the schedule, then exits
        if exc.code not in (0, None):
            raise
    print(
        "claimdesk: schedule stopped; its deployment is paused until claimdesk schedule serves it again.",
        file=sys.stderr,
    )
    return 0


def print_summary(summary: dict) -> None:
    out = Path(summary["output"])
    statuses = ", ".join(f"{k} {v}" for k, v in summary["statuses"].items())
    retagged = summary.get("retagged", 0)
    why = (
        f" ({'all' if retagged == summary['changed'] else retagged} re-tagged with the same text: "
        "the rules, the engine or an outlet changed)"
        if retagged
        else ""
    )
    print(
        f"Articles: {summary['new']} new, {summary['changed']} changed{why}, "
        f"{summary['unchanged']} unchanged, {summary['failed']} failed."
    )
    if summary.get("not_modified"):
        print(
            f"Not downloaded again: {plural(summary['not_modified'], 'URL')} answered 304 Not Modified "
            "(their stored articles are counted above)."
        )
    print(
        f"Tagged {plural(summary['articles'], 'article')}, "
        f"{plural(summary['sentences'], 'sentence')} ({statuses})."
    )
    if "layer" in summary:
        layer = summary["layer"]
        print(f"Learned layer ({layer['layer']}) decided {plural(layer['overruled'], 'sentence')} of those.")
    for failure in summary["failures"]:
        print(f"  failed: {failure['source']}: {failure['reason']}")
    if summary.get("skipped"):
        names = ", ".join(summary.get("skipped_examples", []))
        more = ", ..." if summary["skipped"] > len(summary.get("skipped_examples", [])) else ""
        print(
            f"Skipped {plural(summary['skipped'], 'file')} in folders, of kinds not read ({names}{more}); "
            "name a file on its own to read it as text."
        )
    if summary["rejected"]:
        print(
            f"Rejected {plural(summary['rejected'], 'input or record', 'inputs or records')}: "
            f"see {out / 'rejects.jsonl'}."
        )
    if (out / "records").is_dir():  # not when no article was ever stored here
        print(f"Records: {out / 'records'}/")
    if not (out / "claims.db").exists():
        return
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


def cmd_rules_copy(args: argparse.Namespace) -> int:
    from claimdesk.rules import copy_default

    path = copy_default(args.file, overwrite=args.force)
    print(f"Wrote {path}: edit it, check it with `claimdesk rules check {path}`, use it with --rules {path}")
    print("Change its name and version: records, runs and the desk show them as the rules that tagged.")
    return 0


def _labelled(paths: list[Path], corpus: Path | None) -> list:
    """Every gold row of ``paths`` (labels into ``corpus`` checked against it): eval's and layer train's."""
    from claimdesk.evaluate import GoldError, load_gold

    if corpus is not None and not corpus.is_dir():
        raise UsageError(f"--corpus {corpus}: not a folder")
    try:
        return [row for path in paths for row in load_gold(path, corpus)]
    except (OSError, GoldError) as exc:
        raise UsageError(str(exc)) from exc


def cmd_eval(args: argparse.Namespace) -> int:
    from claimdesk.evaluate import evaluate, report

    gold = _labelled(args.gold, args.corpus)
    scores = evaluate(gold, load_rules(args.rules, args.layer))
    print(json.dumps(scores.to_dict(args.misses), indent=2) if args.json else report(scores, args.misses))
    return 0


def cmd_layer_train(args: argparse.Namespace) -> int:
    from claimdesk.layer import train, write_layer

    gold = _labelled(args.labels, args.corpus)
    rules = load_rules(args.rules)
    print(f"claimdesk: training on {len(gold)} labelled sentences ...", file=sys.stderr)
    content = train(gold, rules, args.c)
    out = write_layer(content, args.output)
    made = content["trained"]
    per_label = ", ".join(f"{k} {v}" for k, v in made["per_label"].items())
    print(
        f"Wrote {out} ({out.stat().st_size / 1e6:.1f} MB): trained on {made['sentences']} sentences of "
        f"{made['articles']} articles ({per_label}), {len(content['weights'])} features, "
        f"over {made['rules']}."
    )
    print(f"Use it with --layer {out} (claimdesk run, schedule, eval); score it on labels it has not seen.")
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


def _whole_number(text: str, least: int, wording: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be {wording}, not {value}")
    return value


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (a batch of 0 articles never ends)."""
    return _whole_number(text, 1, "at least 1")


def positive_float(text: str) -> float:
    """An argparse type: a number above 0."""
    return _number(text, "a number", 0.0, strict=True)


def non_negative_int(text: str) -> int:
    """An argparse type: a whole number of 0 or more."""
    return _whole_number(text, 0, "0 or more")


def port_number(text: str) -> int:
    value = positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"not a port number (1-65535): {value}")
    return value


def seconds(text: str, minimum: float = 0.0, strict: bool = False) -> float:
    return _number(text, "a number of seconds", minimum, strict)


def _number(text: str, what: str, minimum: float, strict: bool) -> float:
    """A finite number of at least (``strict``: more than) ``minimum``."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"not {what}: {text!r} (a finite number is needed)")
    if value < minimum or (strict and value == minimum):
        raise argparse.ArgumentTypeError(
            f"must be {'more than' if strict else 'at least'} {minimum:g}, not {text}"
        )
    return value


def api_url(text: str) -> str:
    """An argparse type: a Prefect API URL (http or https), without a trailing slash."""
    if not text.startswith(("http://", "https://")) or text.endswith("://"):
        raise argparse.ArgumentTypeError(f"not an http(s) URL: {text!r}")
    return text.rstrip("/")


def wait_seconds(text: str) -> float:
    return seconds(text)


def interval_seconds(text: str) -> float:
    return seconds(text, strict=True)


def deployment_name(text: str) -> str:
    """A Prefect deployment name: some text, without the "/" that separates it from the flow's."""
    if not text.strip() or "/" in text or "%" in text:
        raise argparse.ArgumentTypeError(f"{text!r} is no deployment name (give some text without / or %)")
    return text


def _add_common(parser: argparse.ArgumentParser, prefect: bool = False) -> None:
    """The options every command takes, after its name; ``prefect``: the command runs flows."""
    parser.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="on an unexpected error, print the full traceback to stderr"
        + (" (and Prefect's own error lines)" if prefect else ""),
    )


def _add_task_runner_arguments(parser: argparse.ArgumentParser) -> None:
    """Where articles are tagged: shared by ``run`` and ``schedule`` (each scheduled run chooses)."""
    parser.add_argument(
        "--task-runner",
        choices=TASK_RUNNERS,
        default="auto",
        help="where articles are tagged: threads (two, in this process), processes (one per core), "
        "dask (a cluster at --dask-address, else a local one of worker processes), or auto: processes "
        "when the inputs hold more files than one batch and the machine more than one core, else "
        "threads; default: auto",
    )
    parser.add_argument(
        "--dask-address",
        default=None,
        metavar="tcp://HOST:PORT",
        help="the scheduler of a running Dask cluster to tag on (with --task-runner dask)",
    )


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
    _add_layer_argument(parser)
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=BATCH_SIZE,
        help=f"articles per Prefect task (default: {BATCH_SIZE})",
    )
    parser.add_argument(
        "--allow-private",
        action="store_true",
        help="let links found in documents (feed entries) and redirects reach loopback, private, "
        "link-local or reserved addresses; refused by default",
    )
    _add_common(parser, prefect=True)


def _add_layer_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--layer",
        type=Path,
        default=None,
        metavar="FILE",
        help="a learned layer (from claimdesk layer train) that may overrule the rules' status; "
        "default: none, the rules alone",
    )


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, pointing at --help."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _innermost(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The (sub)command parser ``args`` were parsed by: ``claimdesk rules check``, not ``claimdesk``."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            chosen = getattr(args, action.dest, None)
            if chosen in action.choices:
                return _innermost(action.choices[chosen], args)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="claimdesk",
        description=(
            "Tag each sentence of news articles with how the article presents its claim "
            "(confirmed, alleged, denied, disputed, or no claim), who it is attributed to, "
            "and which rule decided."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {claimdesk.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="tag articles and write records, claims.db and metadata.yml",
        description="Read articles (files, folders recursively, http(s) URLs, feeds, or a sources.yaml), "
        "tag every sentence of what is new or changed since the last run, and write "
        "OUTPUT/records/<article-id>.jsonl, OUTPUT/claims.db and OUTPUT/metadata.yml. "
        "Exit status: 0 when everything was processed, 1 when some input or record was "
        "rejected (listed in OUTPUT/rejects.jsonl), 2 on a usage, rules or sources error or when "
        "the Prefect server named by --server or PREFECT_API_URL, or the Dask scheduler named by "
        "--dask-address, does not answer, 3 when "
        "another run is writing to OUTPUT and --wait ran out.",
    )
    _add_run_arguments(run)
    run.add_argument(
        "--wait",
        type=wait_seconds,
        default=0.0,
        metavar="SECONDS",
        help="if another run is writing to OUTPUT, wait this long for it (default: 0, stop at once)",
    )
    _add_task_runner_arguments(run)
    where = run.add_mutually_exclusive_group()
    where.add_argument(
        "--server",
        type=api_url,
        default=None,
        metavar="URL",
        help="report to the Prefect server at URL, e.g. http://127.0.0.1:4200/api; exit 2 if it does "
        "not answer (default: PREFECT_API_URL, else the server `prefect server start --background` "
        "keeps for PREFECT_HOME, else a temporary server for this run)",
    )
    where.add_argument(
        "--temporary-server",
        action="store_true",
        help="start a temporary Prefect server for this run (a few seconds) even when one is running",
    )
    run.set_defaults(func=cmd_run)

    schedule = sub.add_parser(
        "schedule",
        help="serve the run on a schedule against a Prefect server",
        description="Serve the claimdesk run as a Prefect deployment (claimdesk-run/NAME, by default "
        "claimdesk-run/claimdesk-scheduled) on a cron or interval schedule, until interrupted. "
        "Each run tags only what is new or changed. "
        "Needs a Prefect server (prefect server start) and PREFECT_API_URL set; refuses otherwise "
        "(exit status 2).",
    )
    _add_run_arguments(schedule)
    _add_task_runner_arguments(schedule)
    when = schedule.add_mutually_exclusive_group()
    when.add_argument("--cron", metavar="EXPR", help="cron expression, e.g. '*/15 * * * *'")
    when.add_argument(
        "--interval", type=interval_seconds, metavar="SECONDS", help="seconds between runs (default: 3600)"
    )
    schedule.add_argument(
        "--name",
        default="claimdesk-scheduled",
        type=deployment_name,
        help="the deployment's name, so that several schedules (other sources, other outputs) can be "
        "served at once; one already served is refused (default: claimdesk-scheduled)",
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
    _add_common(check)
    check.set_defaults(func=cmd_rules_check)
    copy = rules_sub.add_parser(
        "copy",
        help="write the shipped rules to a file of your own, to edit",
        description="Write the shipped rules file to FILE, to edit and pass to run, schedule and eval "
        "as --rules FILE (the installed package's own file is replaced by an upgrade). Exit status 2 "
        "when FILE exists (unless --force) or cannot be written.",
    )
    copy.add_argument("file", type=Path, metavar="FILE", help="where to write the rules")
    copy.add_argument("--force", action="store_true", help="replace FILE if it exists")
    _add_common(copy)
    copy.set_defaults(func=cmd_rules_copy)

    ev = sub.add_parser(
        "eval",
        help="score the rules against annotated sentences",
        description="Tag annotated sentences and print per-status precision, recall and F1, macro-F1, "
        "attribution accuracy and precision, a confusion matrix, and the misses with the rules that fired. "
        "A gold file holds sentences (text, status, attributed_to, context_before) or labels into a "
        "corpus you keep (file, sha256, start, end, status, attributed_to), read with --corpus.",
    )
    ev.add_argument(
        "gold",
        type=Path,
        nargs="+",
        metavar="GOLD.jsonl",
        help="annotated sentences or labels, one JSON object per line; several files are scored together",
    )
    ev.add_argument(
        "--corpus",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder holding the files that offset labels point into (their sha256 is checked)",
    )
    ev.add_argument("--rules", type=Path, default=None, help="rules file (default: the shipped rules)")
    _add_layer_argument(ev)
    ev.add_argument(
        "--misses", type=non_negative_int, default=20, help="how many misses to list (default: 20; 0: none)"
    )
    ev.add_argument("--json", action="store_true", help="print the scores as JSON instead of a report")
    _add_common(ev)
    ev.set_defaults(func=cmd_eval)

    layer = sub.add_parser("layer", help="train a learned layer over the rules")
    layer_sub = layer.add_subparsers(dest="layer_command", required=True, metavar="ACTION")
    fit = layer_sub.add_parser(
        "train",
        help="learn a layer from labelled sentences",
        description="Tag labelled sentences with the rules, then fit a logistic regression (scikit-learn, "
        "the learn extra) to the labels over the rules' verdicts and the sentences' words, and write it as "
        "one JSON file for --layer. Labels are read as by claimdesk eval. The file holds word weights "
        "learned from your corpus: keep it with the corpus.",
    )
    fit.add_argument(
        "labels",
        type=Path,
        nargs="+",
        metavar="LABELS.jsonl",
        help="annotated sentences or labels into a corpus, as for claimdesk eval; several files are "
        "read together",
    )
    fit.add_argument(
        "--corpus",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder holding the files that offset labels point into (their sha256 is checked)",
    )
    fit.add_argument("--rules", type=Path, default=None, help="rules file (default: the shipped rules)")
    fit.add_argument(
        "--output", "-o", type=Path, required=True, metavar="FILE", help="where to write the layer (JSON)"
    )
    fit.add_argument(
        "--c",
        type=positive_float,
        default=LAYER_C,
        help=f"inverse regularisation strength; smaller keeps weights smaller (default: {LAYER_C:g})",
    )
    _add_common(fit)
    fit.set_defaults(func=cmd_layer_train)

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
    ui.add_argument("--port", "-p", type=port_number, default=8001, help="port to listen on (default: 8001)")
    _add_common(ui)
    ui.set_defaults(func=cmd_ui)

    export = sub.add_parser(
        "export",
        help="write the annotations as W3C Web Annotation JSON-LD, CSV or JSON Lines",
        description="Export the tagged sentences or the claims across articles from OUTPUT/claims.db. "
        "web-annotation writes a W3C "
        "Web Annotation collection (JSON-LD) of the claims, each targeting its article with a "
        "TextQuoteSelector and a TextPositionSelector; csv and jsonl write one row per sentence (with "
        "its claim_id); "
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
    _add_common(export)
    export.set_defaults(func=cmd_export)
    return parser


class CtrlC:
    """Ctrl-C raises KeyboardInterrupt as Python's own handler does, and is remembered: a run whose
    worker processes the same Ctrl-C ended (a terminal signals every process of the run) fails with
    their error, which is the interrupt all the same. SIGTERM (a service manager's or `kill`'s stop)
    is handled the same way, so that it too rolls back the batch being stored and ends the workers;
    the exit status says which signal it was (128 + its number: 130, 143)."""

    pressed = False
    signum = signal.SIGINT

    @classmethod
    def handler(cls, signum: int, frame: object) -> None:
        cls.pressed = True
        cls.signum = signum
        raise KeyboardInterrupt

    @classmethod
    def status(cls) -> int:
        return 128 + int(cls.signum)


def main(argv: list[str] | None = None) -> int:
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not when Ctrl-C is ignored
        signal.signal(signal.SIGINT, CtrlC.handler)
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # said by the command they were given to, which --help then explains
        _innermost(parser, args).error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command is None:  # bare `claimdesk`: say what it can do
        parser.print_help()
        return 0
    if args.command != "schedule" and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, CtrlC.handler)  # a served schedule has Prefect's own stop
    # claimdesk's own progress lines only: Prefect's loggers (task failures with their tracebacks) go
    # to the run logs and, with --verbose, to Prefect's console handler; never through this one.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("claimdesk: %(message)s"))
    ours = logging.getLogger("claimdesk")
    ours.addHandler(handler)
    ours.setLevel(logging.INFO)
    ours.propagate = False
    try:
        return args.func(args)
    except RulesError as exc:
        print(f"claimdesk: rules error: {exc}", file=sys.stderr)
        return 2
    except SourcesError as exc:
        print(f"claimdesk: sources error: {exc}", file=sys.stderr)
        return 2
    except LayerError as exc:
        print(f"claimdesk: layer error: {exc}", file=sys.stderr)
        return 2
    except UsageError as exc:
        print(f"claimdesk: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("claimdesk: interrupted.", file=sys.stderr)
        return CtrlC.status()
    except BrokenPipeError:  # the reader went away (`claimdesk run | head`): nothing left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:  # one line for the user; the traceback with --verbose (and in Prefect's logs)
        if CtrlC.pressed:
            print("claimdesk: interrupted.", file=sys.stderr)
            return CtrlC.status()
        if args.verbose:
            traceback.print_exc()
        print(f"claimdesk: {args.command} failed: {unexpected(exc)}", file=sys.stderr)
        if not args.verbose:
            print("claimdesk: run again with --verbose for the traceback.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
