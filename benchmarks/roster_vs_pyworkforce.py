"""Rosters compared with pyworkforce's MinRequiredResources: the same requirement, the same shift rules.

    python benchmarks/roster_vs_pyworkforce.py [--replications 20] [--seeds 3] [--jobs 2]

pyworkforce is not a dependency of servicesim: when it cannot be imported, this script installs it (and
OR-Tools, which it solves with) into ``benchmarks/.pyworkforce`` with ``pip install --target`` and reads
it from there, so the project's own environment is left as it is.

The day is the validation M_t/M/s day (scenarios/validation/sinusoidal_day.yaml: calls rising from 60
to 300 an hour and back, 4-minute calls, 80% answered within 20 s in every half hour) with shift rules
both tools can express: shifts of 4, 6 or 8 hours starting every half hour from 08:00 to 14:00, no
breaks, no absence, no least count or part-time share (pyworkforce's coverage is 0/1 per period and
its model has none of these). For each requirement, Erlang C's curve (the one WFM tools and
pyworkforce's own ErlangC give) and the simulated curve (``servicesim staff --per-interval``), both
schedulers choose shifts at least cost (pyworkforce with CP-SAT, servicesim with HiGHS); then
``servicesim roster`` as a user runs it: the simulated requirement, solved, simulated and mended. Every
roster is simulated on fresh seeds and the share of half hours whose service level (pooled over the
replications, per contact) meets 80% is counted. Figures go in docs/experiments.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.beside import import_beside  # noqa: E402
from simulator.experiment import run_scenario  # noqa: E402
from simulator.planning.roster import (Layout, Option, agent_hours, candidates, coverage_matrix,  # noqa: E402
                                       plan_roster, shifts_of, solve)
from simulator.scenario import load_scenario  # noqa: E402
from simulator.scenario.model import ShiftRules  # noqa: E402
from simulator.scenario.resolve import shift_document  # noqa: E402

SCENARIO = ROOT / "scenarios" / "validation" / "sinusoidal_day.yaml"
RULES = {"lengths": ["4h", "6h", "8h"], "start": {"earliest": "08:00", "latest": "14:00", "step": "30min"}}
TARGET = 0.8


def pyworkforce():
    """pyworkforce's shift scheduler, installed beside the benchmark when it is not importable."""
    return import_beside("pyworkforce.scheduling", ".pyworkforce",
                         ["pyworkforce==0.5.1", "ortools", "absl-py", "immutabledict", "protobuf",
                          "joblib"]).MinRequiredResources


def pyworkforce_counts(required: np.ndarray, options, matrix: np.ndarray, cost_per_hour: float) -> np.ndarray:
    """pyworkforce's MinRequiredResources on the same candidates (0/1 coverage) and costs (in cents: it
    takes whole numbers)."""
    scheduler = pyworkforce()
    names = [f"s{j}" for j in range(len(options))]
    coverage = {name: [int(round(v)) for v in matrix[:, j]] for j, name in enumerate(names)}
    costs = {name: int(round(o.length / 60 * cost_per_hour * 100)) for name, o in zip(names, options)}
    peak = int(max(required)) * 4 + 10
    solution = scheduler(num_days=1, periods=len(required), shifts_coverage=coverage,
                         required_resources=[[int(r) for r in required]], max_period_concurrency=peak,
                         max_shift_concurrency=peak, cost_dict=costs, max_search_time=60.0).solve()
    if solution["status"] not in ("OPTIMAL", "FEASIBLE"):
        raise RuntimeError(f"pyworkforce: {solution['status']}")
    chosen = {row["shift"]: row["resources"] for row in solution["resources_shifts"]}
    return np.array([chosen[name] for name in names]), solution["status"]


def judged(scenario, shifts, seeds: list[int], replications: int, jobs: int) -> tuple[float, float]:
    """Share of intervals meeting the service level on fresh seeds (each seed a run of ``replications``;
    intervals pooled over its replications), and the mean service level over the day."""
    opening = scenario.clock.open_at or 0.0
    pool = scenario.staff[0]
    staffed = dataclasses.replace(pool, shifts=tuple(shifts), headcount=sum(s.count for s in shifts), staffed=())
    rostered = dataclasses.replace(scenario, staff=(staffed,))
    assert all(shift_document(s, opening) for s in shifts)
    shares, levels = [], []
    for seed in seeds:
        result = run_scenario(dataclasses.replace(rostered, seed=seed), replications=replications, jobs=jobs)
        table = result.interval_summary
        level = table[(table.metric == "service_level") & (table.scope == "all")]["mean"]
        shares.append(float((level >= TARGET).mean()))
        summary = result.summary
        levels.append(float(summary[(summary.metric == "service_level") & (summary.scope == "all")]["mean"].iloc[0]))
    return float(np.mean(shares)), float(np.mean(levels))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=3, help="fresh seeds each roster is judged on")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    overrides = {"staff.agents.shift_rules": RULES, "replications": args.replications}
    started = time.perf_counter()
    plan = plan_roster(SCENARIO, overrides, jobs=args.jobs)
    planned = time.perf_counter() - started
    scenario = load_scenario(SCENARIO, overrides)
    pool = scenario.staff[0]
    rules: ShiftRules = pool.shift_rules
    clock = scenario.clock
    options = candidates(rules, clock.day_length, clock.interval)
    matrix = coverage_matrix(options, clock.interval_bounds()[:clock.intervals_per_day + 1])
    layout = Layout((("every day", None, 0),), tuple(Option(o, None, (0,)) for o in options), per_week=False)
    table = plan.requirement.table
    curves = {"Erlang C": table["erlang_c"].to_numpy(dtype=float), "simulated": table["required"].to_numpy(dtype=float)}
    seeds = [7001 + 1000 * k for k in range(args.seeds)]
    rows = []
    for source, required in curves.items():
        for tool in ("pyworkforce (CP-SAT)", "servicesim (HiGHS)"):
            began = time.perf_counter()
            if tool.startswith("pyworkforce"):
                counts, status = pyworkforce_counts(required, options, matrix, pool.cost_per_hour)
            else:
                counts, info = solve(required, layout, matrix, rules, pool.cost_per_hour, 0.0)
                status = info["message"].split("(")[0].strip()
            seconds = time.perf_counter() - began
            shifts = shifts_of(counts, layout, clock.open_at or 0.0)
            share, level = judged(scenario, shifts, seeds, args.replications, args.jobs)
            rows.append({"requirement": source, "scheduler": tool, "agents": int(counts.sum()),
                         "paid_hours": agent_hours(shifts), "cost": agent_hours(shifts) * pool.cost_per_hour,
                         "intervals_meeting": share, "service_level": level, "solve_s": round(seconds, 2),
                         "status": status})
    roster = plan.roster
    share, level = judged(scenario, roster.shifts, seeds, args.replications, args.jobs)
    rows.append({"requirement": "simulated, then mended", "scheduler": "servicesim roster",
                 "agents": sum(s.count for s in roster.shifts), "paid_hours": agent_hours(roster.shifts),
                 "cost": agent_hours(roster.shifts) * pool.cost_per_hour, "intervals_meeting": share,
                 "service_level": level, "solve_s": round(planned, 1), "status": f"{roster.rounds} round(s)"})
    frame = pd.DataFrame(rows)
    print(f"{scenario.name}: {len(options)} candidate shifts; judged on seeds {seeds}, "
          f"{args.replications} replications each; target {TARGET:.0%} within 20 s in every half hour")
    print(frame.to_string(index=False, formatters={"intervals_meeting": "{:.1%}".format,
                                                   "service_level": "{:.1%}".format, "cost": "{:,.0f}".format}))


if __name__ == "__main__":
    main()
