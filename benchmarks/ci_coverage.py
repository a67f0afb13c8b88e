"""How often do the 95% confidence intervals cover the true value? Measured, not assumed.

    python benchmarks/ci_coverage.py [--runs 1000] [--truth 4000] [--replications 10] [--jobs 2] [--seed 1]

For each test scenario (a busy day of calls with abandonment, with and without forecast uncertainty, and
the shipped bank branch: walk-ins, two desks, shifts and lunch breaks), the true per-contact value of every KPI checked is estimated from ``--truth`` replications (ratio of sums;
its own error is far below the CIs'), then ``--runs`` independent runs of ``--replications`` replications
each (the default run size) are summarised exactly as ``servicesim run`` does, and the share of runs whose
95% CI contains the truth is counted: for the whole run and for every hourly interval (all intervals
pooled). The same runs are also summarised the way releases before issue 10 did (each replication's own
ratio, averaged), for comparison. Figures go in docs/validation.md; tests/test_coverage.py runs a smaller
version in the slow suite.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.analysis import clip_to_range, summarise
from simulator.executors import run_tasks
from simulator.scenario import build_scenario

CHECKED = ("wait_mean", "service_level", "abandon_rate", "utilisation")


def busy_day(uncertainty: float = 0.0, seed: int = 1) -> dict:
    """Ten hours of calls peaking at 11:00 and 15:00 on eight agents (occupancy up to 95%), callers who
    give up after 3 minutes on average, service level within 20 s; optionally forecast risk."""
    return {
        "name": "coverage", "clock": {"open": "08:00", "close": "18:00", "interval": "1h"}, "replications": 10,
        "seed": seed, "channels": {"phone": {"patience": {"exponential": {"mean": 3}}}},
        "service_level": {"within": "20s"},
        "demand": {"calls": {"channel": "phone", "process": "call", "arrivals": {
            "per_hour": [80, 100, 120, 115, 100, 95, 110, 120, 105, 85], "uncertainty": uncertainty}}},
        "processes": {"call": {"steps": [{"name": "talk", "skill": "s", "duration": {"gamma": {"mean": 4, "cv": 1}}}]}},
        "staff": {"agents": {"headcount": 8, "skills": {"s": 3}}},
    }


def bank_branch() -> dict:
    """The shipped bank branch, its walk-ins judged within 5 minutes."""
    from simulator.scenario.yaml_source import read_yaml_file

    mapping = read_yaml_file(Path(__file__).resolve().parents[1] / "scenarios" / "bank_branch.yaml")
    return {**mapping, "service_level": {"within": "5min"}}


SCENARIOS = (("busy day", lambda seed: busy_day(0.0, seed), "pool:agents"),
             ("busy day, forecast cv 0.1", lambda seed: busy_day(0.1, seed), "pool:agents"),
             ("bank branch", lambda seed: {**bank_branch(), "seed": seed}, "pool:tellers"))


def replication_rows(mapping: dict, count: int, jobs: int, pool: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The checked KPIs of ``count`` replications: whole-run rows and per-interval rows."""
    scenario = build_scenario(mapping, "coverage.yaml", Path("."))
    outputs = run_tasks([(scenario, r, False) for r in range(count)], jobs)
    wanted = {(kpi, pool if kpi == "utilisation" else "all") for kpi in CHECKED}
    whole = pd.DataFrame([(o.replication, *row) for o in outputs for row in o.kpis if (row[0], row[1]) in wanted],
                         columns=["replication", "metric", "scope", "value", "numerator", "denominator", "squares"])
    intervals = pd.DataFrame([(o.replication, *row) for o in outputs for row in o.intervals
                              if (row[1], row[2]) in wanted],
                             columns=["replication", "interval", "metric", "scope", "value", "numerator", "denominator",
                                      "squares"])
    return whole, intervals


def truth(rows: pd.DataFrame, keys: list[str]) -> pd.Series:
    """The per-contact value: ratio of sums over every replication."""
    sums = rows.groupby(keys)[["numerator", "denominator"]].sum()
    return sums["numerator"] / sums["denominator"]


def coverage(rows: pd.DataFrame, exact: pd.Series, keys: list[str], replications: int,
             estimator: str = "ratio") -> pd.Series:
    """Share of runs (consecutive groups of ``replications``) whose 95% CI contains ``exact``, per KPI."""
    rows = rows.assign(run=rows["replication"] // replications)
    if estimator == "mean":   # the old way: each replication's own ratio, averaged
        rows = rows.drop(columns=["numerator", "denominator", "squares"])
    summary = clip_to_range(summarise(rows.drop(columns="replication"), ["run"] + keys))
    summary = summary.join(exact.rename("truth"), on=keys).dropna(subset=["ci_low", "truth"])
    summary["covered"] = (summary["ci_low"] <= summary["truth"] + 1e-12) & (summary["truth"] <= summary["ci_high"] + 1e-12)
    return summary.groupby(["metric", "scope"])["covered"].mean()


def measure(runs: int, truth_replications: int, replications: int = 10, jobs: int = 1, seed: int = 1,
            scenarios=SCENARIOS) -> pd.DataFrame:
    """Coverage of every checked KPI, whole run and per interval, new and old estimator, per scenario."""
    tables = []
    for label, mapping, pool in scenarios:
        reference = replication_rows(mapping(9_000 + seed), truth_replications, jobs, pool)
        sample = replication_rows(mapping(seed), runs * replications, jobs, pool)
        for part, keys, reference_rows, rows in (("whole run", ["metric", "scope"], reference[0], sample[0]),
                                                  ("per interval", ["interval", "metric", "scope"], reference[1],
                                                   sample[1])):
            exact = truth(reference_rows, keys)
            new = coverage(rows, exact, keys, replications)
            old = coverage(rows, exact, keys, replications, "mean")
            tables.append(pd.DataFrame({"scenario": label, "part": part, "kpi": [m for m, _ in new.index],
                                        "coverage": new.to_numpy(), "old_estimator": old.reindex(new.index).to_numpy()}))
    return pd.concat(tables, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--truth", type=int, default=4000)
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1, help="seed of the runs (the truth uses 9000 + seed)")
    args = parser.parse_args()
    started = time.perf_counter()
    table = measure(args.runs, args.truth, args.replications, args.jobs, args.seed)
    error = 1.96 * np.sqrt(0.95 * 0.05 / args.runs)
    print(f"95% CI coverage over {args.runs} runs of {args.replications} replications (truth from {args.truth}); "
          f"a coverage's own sampling error is about +-{error:.3f} (per interval: pooled over the hours)")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
