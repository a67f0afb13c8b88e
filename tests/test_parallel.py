"""Replications on several processes: identical results, progress reported."""

from __future__ import annotations

import pandas as pd

from simulator.experiment import compare_scenarios, run_scenario
from simulator.scenario import load_scenario, load_variants
from tests.conftest import SCENARIOS


def test_two_processes_give_results_identical_to_one():
    scenario = load_scenario(SCENARIOS / "help_desk.yaml", {"replications": 4})
    one, two = run_scenario(scenario, jobs=1), run_scenario(scenario, jobs=2)
    pd.testing.assert_frame_equal(one.summary, two.summary)
    pd.testing.assert_frame_equal(one.replications, two.replications)
    pd.testing.assert_frame_equal(one.interval_summary, two.interval_summary)


def test_a_comparison_on_two_processes_is_identical_and_reports_progress():
    scenarios = load_variants(SCENARIOS / "contact_centre.yaml", {"replications": 2, "clock.days": 1})
    done = []
    parallel = compare_scenarios(scenarios, jobs=2, progress=done.append)
    serial = compare_scenarios(scenarios, jobs=1)
    pd.testing.assert_frame_equal(parallel.table, serial.table)
    assert sum(done) == len(scenarios) * 2
