"""Throughput of the simulator against a bare SimPy model of the same M/M/c queue.

10 servers, load 0.9 (9 arrivals a minute, 1-minute exponential service), about
200,000 customers in one replication. Both run as whole processes, alternately,
in one invocation (the machines are noisy, so only the ratio is meaningful):

* bare: ``benchmarks/bare_simpy_mmc.py`` (a process per customer and a Resource);
* simulator: ``servicesim run`` on the same queue (one process, charts off), with
  every KPI recorded and the results folder written.

    python benchmarks/bench_mmc.py [--rounds 3] [--customers 200000]

Prints customers per second for each (median over rounds) and their ratio. The
floor is 0.75x; the goal is 2x.
"""

from __future__ import annotations

import argparse
import json
import math
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


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return time.perf_counter() - started, done.stdout


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
        bare_rates, sim_rates, ratios = [], [], []
        for round_ in range(1, args.rounds + 1):
            bare_seconds, bare_out = timed(bare_cmd)
            bare_customers = int(bare_out.split()[0])
            sim_seconds, sim_out = timed(sim_cmd)
            summary = json.loads(sim_out)["summary"]
            sim_customers = next(r["mean"] for r in summary if r["metric"] == "offered" and r["scope"] == "all")
            bare_rates.append(bare_customers / bare_seconds)
            sim_rates.append(sim_customers / sim_seconds)
            ratios.append(sim_rates[-1] / bare_rates[-1])
            print(f"round {round_}: bare SimPy {bare_rates[-1]:>9,.0f} customers/s ({bare_seconds:.2f} s)   "
                  f"servicesim run {sim_rates[-1]:>9,.0f} customers/s ({sim_seconds:.2f} s)   "
                  f"ratio {ratios[-1]:.2f}x", flush=True)
        print(f"\nM/M/{SERVERS}, load {RATE * SERVICE_MEAN / SERVERS:.1f}, ~{args.customers:,} customers, "
              f"median of {args.rounds} alternating rounds:")
        print(f"  bare SimPy:      {statistics.median(bare_rates):>9,.0f} customers/s")
        print(f"  servicesim run:  {statistics.median(sim_rates):>9,.0f} customers/s (whole process, all KPIs, "
              "results written)")
        print(f"  ratio:           {statistics.median(ratios):.2f}x (floor 0.75x, goal 2x)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
