"""Throughput of the simulator against a bare SimPy model of the same M/M/c queue.

10 servers, load 0.9 (9 arrivals a minute, 1-minute exponential service), about
200,000 customers in one replication. Both run as whole processes, alternately,
in one invocation (the machines are noisy, so only the ratio is meaningful):

* bare: ``benchmarks/bare_simpy_mmc.py`` (a process per customer and a Resource);
* simulator: ``servicesim run`` on the same queue (one process, charts off), with
  every KPI recorded and the results folder written. One line served first come,
  first served runs by its exact recursion (simulator/model/single_queue.py);
* the event engine: the same command with ``SERVICESIM_ENGINE=events``, which every
  other system (priorities, several steps or skills, chats, retrials) runs on.

    python benchmarks/bench_mmc.py [--rounds 3] [--customers 200000]

Prints customers per second for each (median over rounds) and the ratios to the bare
model. The floor is 0.75x (the event engine's too); issue 15 asks 1.5x, the goal is 2x.
Also prints each process's peak memory (issue 15 asks under 120 MiB), and what the run's chart set
adds: the median of the same command with charts, less the median without (issue 15 asks under 1 s).
Each command runs once untimed first (cold disk cache, bytecode to write).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SERVERS, RATE, SERVICE_MEAN = 10, 9.0, 1.0
HERE = Path(__file__).resolve().parent

SCENARIO = """\
name: bench mmc
clock: {{horizon: {horizon}, interval: 60}}
replications: 1
seed: 7
channels: {{phone: {{}}}}
demand:
  calls: {{channel: phone, arrivals: {{per_hour: {per_hour}}}, process: serve}}
processes:
  serve:
    steps: [{{name: talk, skill: general, duration: {{exponential: {{mean: {mean}}}}}}}]
staff:
  agents: {{headcount: {servers}, skills: {{general: 3}}}}
"""


def timed(command: list[str], env: dict | None = None) -> tuple[float, str, float]:
    """Wall seconds, standard output and peak memory (MiB, the process's maximum resident set)."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env={**os.environ, **(env or {})})
        out = process.stdout.read().decode()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        process.stdout.close()
        if process.returncode:
            errors.seek(0)
            raise SystemExit(f"{' '.join(command)} failed: {errors.read().decode()}")
    return seconds, out, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--customers", type=int, default=200_000)
    args = parser.parse_args()
    horizon = math.ceil(args.customers / RATE / 60) * 60  # whole hours: the interval must divide it
    work = Path(tempfile.mkdtemp(prefix="bench-mmc-"))
    try:
        scenario = work / "mmc.yaml"
        scenario.write_text(SCENARIO.format(horizon=horizon, per_hour=RATE * 60, mean=SERVICE_MEAN, servers=SERVERS))
        bare_cmd = [sys.executable, str(HERE / "bare_simpy_mmc.py"), str(SERVERS), str(RATE), str(SERVICE_MEAN),
                    str(horizon), "7"]
        sim_cmd = [sys.executable, "-m", "simulator.cli", "run", str(scenario), "--out", str(work / "out"),
                   "--json", "--quiet", "--no-charts", "--jobs", "1"]
        charts_cmd = [part for part in sim_cmd if part != "--no-charts"]
        rates: dict[str, list[float]] = {"bare": [], "run": [], "events": []}
        memory: dict[str, list[float]] = {"bare": [], "run": [], "events": []}
        seconds_of: dict[str, list[float]] = {"run": [], "charts": []}
        for command, env in ((bare_cmd, None), (sim_cmd, None), (charts_cmd, None)):
            timed(command, env)   # untimed: the first run of each fills the disk cache and writes bytecode
        for round_ in range(1, args.rounds + 1):
            line, run_seconds = [], 0.0
            for kind, command, env in (("bare", bare_cmd, None), ("run", sim_cmd, None),
                                       ("events", sim_cmd, {"SERVICESIM_ENGINE": "events"}),
                                       ("charts", charts_cmd, None)):
                seconds, out, peak = timed(command, env)
                if kind == "charts":   # the same run with its chart set: what the charts add
                    seconds_of["charts"].append(seconds)
                    line.append(f"charts +{seconds - run_seconds:.2f} s")
                    continue
                if kind == "run":
                    run_seconds = seconds
                    seconds_of["run"].append(seconds)
                if kind == "bare":
                    customers = int(out.split()[0])
                else:
                    summary = json.loads(out)["summary"]
                    customers = next(r["mean"] for r in summary if r["metric"] == "offered" and r["scope"] == "all")
                rates[kind].append(customers / seconds)
                memory[kind].append(peak)
                line.append(f"{kind} {rates[kind][-1]:>8,.0f}/s ({seconds:.2f} s, {peak:.0f} MiB)")
            print(f"round {round_}: " + "   ".join(line), flush=True)
        bare = statistics.median(rates["bare"])
        ratio = {kind: statistics.median(r / b for r, b in zip(rates[kind], rates["bare"])) for kind in rates}
        print(f"\nM/M/{SERVERS}, load {RATE * SERVICE_MEAN / SERVERS:.1f}, ~{args.customers:,} customers, "
              f"median of {args.rounds} alternating rounds (customers a second, peak memory):")
        print(f"  bare SimPy:                 {bare:>9,.0f}   {statistics.median(memory['bare']):>4.0f} MiB")
        print(f"  servicesim run:             {statistics.median(rates['run']):>9,.0f}   "
              f"{statistics.median(memory['run']):>4.0f} MiB   ratio {ratio['run']:.2f}x (issue 15: 1.5x; goal 2x)")
        print(f"  servicesim run, events:     {statistics.median(rates['events']):>9,.0f}   "
              f"{statistics.median(memory['events']):>4.0f} MiB   ratio {ratio['events']:.2f}x (floor 0.75x)")
        # medians of each, not of the rounds' differences: one slow run moves a difference, not a median
        chart_set = statistics.median(seconds_of["charts"]) - statistics.median(seconds_of["run"])
        print(f"  its chart set:              +{chart_set:.2f} s "
              "(median run with charts less median run without; issue 15: under 1 s)")
        print("  (whole processes: all KPIs computed, results written; memory is the process's peak)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
