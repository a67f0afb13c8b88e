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


def _pid_of(shared, item):
    import os

    return shared + item, os.getpid()


def test_charts_are_drawn_in_forked_workers_only_while_no_other_thread_runs():
    """A process forked while another thread runs (a Dask client leaves one) can hang on a lock that
    thread held: then map_locally does the work here."""
    import os
    import threading

    from simulator.executors import map_locally

    forked = map_locally(_pid_of, [1, 2, 3, 4], 10, jobs=2)
    assert [value for value, _ in forked] == [11, 12, 13, 14] and os.getpid() not in {pid for _, pid in forked}
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        here = map_locally(_pid_of, [1, 2, 3, 4], 10, jobs=2)
    finally:
        stop.set()
        other.join()
    assert here == [(11, os.getpid()), (12, os.getpid()), (13, os.getpid()), (14, os.getpid())]
