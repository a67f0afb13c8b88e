"""Rosters: candidate shifts, their coverage, the integer program, and a roster that holds when simulated."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.planning.roster import Candidate, candidates, coverage_matrix, plan_roster, solve
from simulator.scenario.model import Break, BreakRule, ShiftRules
from simulator.scenario import load_scenario
from tests.conftest import SCENARIOS


def test_candidates_follow_the_rules_and_breaks_come_with_long_shifts():
    rules = ShiftRules(lengths=(120.0, 240.0), earliest=0.0, latest=120.0, step=60.0)
    found = candidates(rules, 300.0, 30.0)
    assert [(c.start, c.length) for c in found] == [(0, 120), (60, 120), (120, 120), (0, 240), (60, 240)]
    rules = ShiftRules(lengths=(120.0, 240.0), step=60.0, break_rules=(BreakRule(180.0, 60.0, 15.0, 30.0),))
    assert [c.breaks for c in candidates(rules, 240.0, 30.0)] == [(), (), (), (Break(60.0, 15.0, 30.0),)]


def test_coverage_counts_time_on_duty_with_breaks_spread_over_their_stagger():
    """A shift 0-120 (minutes) with a 15-minute break after 30, staggered over 30: the break window is
    30-75, off-duty density 15/45 = 1/3 in it; per 30-minute interval: 1, 1 - 1/3, 1 - 1/6, 1."""
    shift = Candidate(0.0, 120.0, (Break(30.0, 15.0, 30.0),))
    matrix = coverage_matrix([shift], np.array([0.0, 30.0, 60.0, 90.0, 120.0, 150.0]))
    assert matrix[:, 0] == pytest.approx([1, 2 / 3, 5 / 6, 1, 0])


def test_the_integer_program_covers_the_requirement_at_least_cost_within_the_rules():
    bounds = np.arange(0, 9) * 60.0                       # eight hours
    options = [Candidate(s, 240.0, ()) for s in (0.0, 120.0, 240.0)] + [Candidate(0.0, 480.0, ())]
    matrix = coverage_matrix(options, bounds)
    required = np.array([2, 2, 3, 3, 3, 3, 1, 1])
    counts, info = solve(required, options, matrix, ShiftRules(), 10.0, 0.0)
    assert info["status"] == 0 and (matrix @ counts >= required - 1e-9).all()
    # by hand: 20 paid agent-hours at least (two early, one middle and two late four-hour shifts, or one
    # middle and two full days)
    assert info["objective"] == pytest.approx(10 * 20) and info["mip_gap"] <= 1e-4
    # at most a third part-time (shorter than 6 h): the eight-hour shift has to be used
    counts, _ = solve(required, options, matrix, ShiftRules(part_time_below=360.0, part_time_share=1 / 3), 10.0, 0.0)
    part = counts[:3].sum()
    assert part <= counts.sum() / 3 + 1e-9 and (matrix @ counts >= required - 1e-9).all()
    # a shift is used by at least three or not at all
    counts, _ = solve(required, options, matrix, ShiftRules(min_count=3), 10.0, 0.0)
    assert all(c == 0 or c >= 3 for c in counts)
    # shrinkage: cover the requirement with a tenth of the agents away
    counts, _ = solve(required, options, matrix, ShiftRules(), 10.0, 0.1)
    assert (matrix @ counts * 0.9 >= required - 1e-9).all()


def test_a_roster_of_the_sinusoidal_day_holds_when_simulated_and_runs_as_a_scenario(tmp_path):
    from simulator.experiment import run_scenario
    from simulator.scenario.resolve import resolved_yaml

    plan = plan_roster(SCENARIOS / "validation" / "sinusoidal_day.yaml", {"replications": 10}, jobs=2)
    roster = plan.roster
    assert roster.holds and roster.solver["status"] == 0 and roster.coverage["meets_targets"].all()
    assert (roster.coverage["scheduled"] >= roster.coverage["required"] - 1e-9).all()
    (tmp_path / "roster.yaml").write_text(resolved_yaml(plan.scenario))
    again = run_scenario(load_scenario(tmp_path / "roster.yaml"))
    assert (again.targets["status"] == "met").all()
    assert {s.name for s in again.scenario.staff[0].shifts} == {s.name for s in roster.shifts}
