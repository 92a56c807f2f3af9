"""The fixed cost of a `claimdesk run`: the seeds run again with nothing to do, through the command
line as a user runs it, on a Prefect server already running (`prefect server start --background`
for the run's PREFECT_HOME) and with a temporary server of its own (`--temporary-server`).

The modes are timed in turns, RUNS times each, so the load of a shared machine falls on all of
them alike; beside them the floor, starting Python and importing the flow without running it.
Wall-clock seconds (median and best) are what the user waits; CPU seconds are those of the run's
own processes (its temporary server included; a running server's work for it is not). The goal
(issue 10): under 3 s with nothing to do on a running server.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.peers import load_average
from claimdesk.flows.server import healthy

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GOAL_SECONDS = 3.0
RUNS = 5
NOTHING_TO_DO = "Articles: 0 new, 0 changed, 5 unchanged, 0 failed."
STARTED_IN = re.compile(r"a temporary server, ([0-9.]+) s to start")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall-clock seconds, CPU seconds (the process and what it waited for) and standard output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=600)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs of each mode (default: {RUNS})")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="claimdesk-fixedcost-"))
    try:
        return measure(work, args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure(work: Path, runs: int) -> int:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {
        "PREFECT_HOME": str(work / "prefect"),
        "PREFECT_SERVER_API_PORT": str(port),
    }
    api = f"http://127.0.0.1:{port}/api"
    # as the README says to keep one (analytics off: see README, "Keeping a Prefect server running")
    subprocess.run(
        [str(BIN / "prefect"), "server", "start", "--background", "--no-ui", "--analytics-off"],
        env=env,
        capture_output=True,
        check=True,
        timeout=300,
    )
    pid = int((work / "prefect" / "server.pid").read_text())
    try:
        deadline = time.monotonic() + 300
        while not healthy(api):
            if not Path(f"/proc/{pid}").exists() or time.monotonic() > deadline:
                print("the Prefect server would not start", file=sys.stderr)
                return 1
            time.sleep(0.2)
        return compare(work, env, runs)
    finally:
        subprocess.run([str(BIN / "prefect"), "server", "stop"], env=env, capture_output=True, timeout=60)
        for _ in range(300):
            if not Path(f"/proc/{pid}").exists():
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)


def compare(work: Path, env: dict[str, str], runs: int) -> int:
    run = [str(BIN / "claimdesk"), "run", str(ROOT / "seeds"), "--output", str(work / "out")]
    timed(run, env)  # the first run tags the seeds; every run after it has nothing to do
    modes = {
        "running server (prefect server start --background)": run,
        "temporary server (--temporary-server)": [*run, "--temporary-server"],
        "python + import the flow, no run (floor)": [sys.executable, "-c", "import claimdesk.flows.pipeline"],
    }
    times: dict[str, list[tuple[float, float]]] = {mode: [] for mode in modes}
    startups: list[float] = []
    for _ in range(runs):
        for mode, command in modes.items():
            wall, cpu, stdout = timed(command, env)
            if command[0] != sys.executable and NOTHING_TO_DO not in stdout:
                print(f"{mode}: the run had something to do:\n{stdout}", file=sys.stderr)
                return 1
            times[mode].append((wall, cpu))
            startups += [float(s) for s in STARTED_IN.findall(stdout)]
    print(
        f"fixed cost of `claimdesk run` with nothing to do (seeds/: 5 unchanged articles), "
        f"{runs} runs of each in turns; load average {load_average()}"
    )
    print(f"{'mode':<52}{'median s':>9}{'best s':>8}{'cpu s':>7}")
    for mode, taken in times.items():
        walls = [wall for wall, _ in taken]
        cpu = statistics.median(c for _, c in taken)
        print(f"{mode:<52}{statistics.median(walls):>9.2f}{min(walls):>8.2f}{cpu:>7.2f}")
    running = statistics.median(w for w, _ in times["running server (prefect server start --background)"])
    temporary = statistics.median(w for w, _ in times["temporary server (--temporary-server)"])
    print(
        f"the temporary server took {statistics.median(startups):.1f} s to start (median); "
        f"a run on the running server takes {running / temporary:.2f} of the time"
    )
    verdict = "met" if running < GOAL_SECONDS else "NOT met"
    print(
        f"goal: under {GOAL_SECONDS:g} s with nothing to do on a running server: {running:.2f} s, {verdict}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
