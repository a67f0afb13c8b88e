"""Capacity planning from Python (a notebook works the same way): load, change, run, compare, sweep.

    python docs/examples/planning_in_python.py [--replications 10]

Everything the command line does is a plain function returning objects that hold pandas DataFrames.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.experiment import compare_scenarios, run_scenario
from simulator.scenario import load_scenario, load_variants
from simulator.planning.staffing import find_staffing
from simulator.sweep import parse_vary, run_sweep

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def main(replications: int) -> None:
    centre = SCENARIOS / "contact_centre.yaml"

    # 1. One scenario, changed by dotted path, run on two processes.
    scenario = load_scenario(centre, {"replications": replications, "staff.agents.headcount": 26})
    result = run_scenario(scenario, jobs=2)
    phone = result.kpi("service_level", "channel:phone")      # floats: mean, ci_low, ci_high
    print(f"phone service level {phone.mean:.1%} [{phone.ci_low:.1%}, {phone.ci_high:.1%}]")
    print(result.targets[["metric", "scope", "status"]].to_string(index=False))

    # 2. The baseline against its variants, on the same customers: paired differences.
    comparison = compare_scenarios(load_variants(centre, {"replications": replications}), jobs=2)
    costs = comparison.table[(comparison.table.metric == "cost_per_contact") & (comparison.table.scope == "all")]
    print(costs[["scenario", "mean", "diff_mean", "diff_ci_low", "diff_ci_high", "significant"]].to_string(index=False))

    # 3. A staffing curve: service level against headcount.
    sweep = run_sweep(SCENARIOS / "mmc_textbook.yaml", [parse_vary("staff.agents.headcount=20:23")],
                      {"replications": replications}, jobs=2)
    print(sweep.table()[["staff.agents.headcount", "service_level", "service_level_ci_low"]].to_string(index=False))

    # 4. The fewest agents that meet the targets, beside Erlang C.
    print(find_staffing(SCENARIOS / "mmc_textbook.yaml", {"replications": replications}, jobs=2).pools)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--replications", type=int, default=10)
    main(parser.parse_args().replications)
