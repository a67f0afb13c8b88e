"""Speed-up of replications on local processes: the same 20-replication run with --jobs 1 and 2.

    python benchmarks/bench_parallel.py [--rounds 3] [--replications 20] [--scenario FILE]

Times ``run_scenario`` (drawing, simulating and summarising every replication) in this process,
alternating one process and two, and checks that both give identical summaries. The target is at
least 1.7x on 2 cores.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from simulator.experiment import run_scenario
from simulator.scenario import load_scenario

HERE = Path(__file__).resolve().parent


def timed(scenario, replications: int, jobs: int):
    started = time.perf_counter()
    result = run_scenario(scenario, replications=replications, jobs=jobs)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--scenario", type=Path, default=HERE.parent / "scenarios" / "contact_centre.yaml")
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    speedups = []
    for round_ in range(1, args.rounds + 1):
        one, first = timed(scenario, args.replications, 1)
        two, second = timed(scenario, args.replications, 2)
        assert first.summary.equals(second.summary), "--jobs 2 must give results identical to --jobs 1"
        speedups.append(one / two)
        print(f"round {round_}: 1 process {one:.2f} s, 2 processes {two:.2f} s, speed-up {one / two:.2f}x",
              flush=True)
    print(f"\n{args.scenario.name}, {args.replications} replications, median of {args.rounds} rounds: "
          f"speed-up {statistics.median(speedups):.2f}x on 2 processes (target 1.7x); results identical")


if __name__ == "__main__":
    main()
