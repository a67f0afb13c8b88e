"""Rosters: candidate shifts, their coverage, the integer program, and a roster that holds when simulated."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.planning.roster import (Candidate, Layout, Option, candidates, coverage_matrix, plan_roster, solve,
                                       tours)
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
    options = Layout((("every day", None, 0),), tuple(Option(c, None, (0,)) for c in options), per_week=False)
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


def test_weekly_tours_work_their_days_with_the_days_off_together():
    five = ShiftRules(days_per_week=(5,))
    every_day = tuple(range(7))
    assert len(tours(five, every_day)) == 7                       # two days off in a row: 7 ways round the week
    assert {tuple(sorted(set(every_day) - set(t))) for t in tours(five, every_day)} == {
        (0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (0, 6)}
    assert len(tours(ShiftRules(days_per_week=(5,), consecutive_days_off=False), every_day)) == 21
    assert tours(five, (0, 1, 2, 3, 4)) == [(0, 1, 2, 3, 4)]        # closed at weekends: Monday to Friday
    assert sorted(tours(ShiftRules(days_per_week=(4,)), (0, 1, 2, 3, 4))) == [(0, 1, 2, 3), (1, 2, 3, 4)]
    assert len(tours(ShiftRules(days_per_week=(3, 4), consecutive_days_off=False), (0, 1, 2, 3, 4, 5))) == 20 + 15


@pytest.mark.slow   # a whole end-to-end check: pytest -m slow (.ci/run runs it)
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


@pytest.mark.slow   # a whole week's requirement search and roster: with the slow statistical checks
def test_a_week_with_a_monday_peak_is_planned_end_to_end_with_weekly_tours(tmp_path):
    """The shipped week: a requirement per kind of day (Monday's peak its own), weekly tours of three to
    five days and 18-40 paid hours, a roster that meets every interval's targets, and roster.yaml runs as
    a scenario whose days differ."""
    from simulator.experiment import run_scenario
    from simulator.metrics.calendar import by_day
    from simulator.scenario.resolve import resolved_yaml

    plan = plan_roster(SCENARIOS / "week_contact_centre.yaml", {"replications": 10}, jobs=2)
    requirement = plan.requirement.table
    assert list(dict.fromkeys(requirement.days)) == ["mon", "tue-thu", "fri", "sat"]
    peak = requirement.groupby("days", sort=False)["required"].max()
    assert peak["mon"] >= peak["tue-thu"] + 3 and peak["sat"] < peak["fri"]
    roster = plan.roster
    assert roster.holds and roster.coverage["meets_targets"].all() and roster.solver["per"] == "week"
    assert list(dict.fromkeys(roster.coverage.days)) == ["mon", "tue", "wed", "thu", "fri", "sat"]
    for shift in roster.shifts:   # tours of three to five days (Sunday is closed), 18 to 40 paid hours a week
        assert 3 <= len(shift.days) <= 5 and 6 not in shift.days
        assert 18 <= (shift.end - shift.start) / 60 * len(shift.days) <= 40
    (tmp_path / "roster.yaml").write_text(resolved_yaml(plan.scenario))
    again = run_scenario(load_scenario(tmp_path / "roster.yaml"), replications=10)
    assert (again.targets["status"] == "met").all()
    days = by_day(again.scenario, again.intervals)
    staffed = days[(days.metric == "staffed") & (days.scope == "all")].set_index("weekday")["mean"]
    assert staffed["mon"] > staffed["tue"] > staffed["sat"]


@pytest.mark.slow   # a long statistical or end-to-end check: pytest -m slow (.ci/run runs it)
def test_the_weeks_roster_holds_on_fresh_seeds_in_nine_of_ten_weekday_intervals():
    """The week's roster (found with 20 replications a run), run on three other seeds: the service level
    of each weekday's half hour meets 80% in at least 90% of them, and the week's targets are met."""
    import dataclasses

    from simulator.experiment import run_scenario
    from simulator.metrics.calendar import by_weekday_interval

    plan = plan_roster(SCENARIOS / "week_contact_centre.yaml", jobs=2)
    assert plan.roster.holds
    for seed in (4101, 5101, 6101):
        fresh = run_scenario(dataclasses.replace(plan.scenario, seed=seed), jobs=2)
        assert (fresh.targets["status"] == "met").all()
        table = by_weekday_interval(fresh.scenario, fresh.intervals)
        level = table[(table.metric == "service_level") & (table.scope == "all")]["mean"]
        assert len(level) == 120 and (level >= 0.8).mean() >= 0.9, (seed, level.round(3).tolist())


def test_a_back_office_judged_over_days_gets_a_clear_answer_from_roster(tmp_path):
    """Deferrable work has no target interval by interval: roster says so, and what to use instead."""
    from click.testing import CliRunner

    from simulator.cli import main

    done = CliRunner().invoke(main, ["roster", str(SCENARIOS / "claims_back_office.yaml"), "-r", "2",
                                     "--out", str(tmp_path)])
    assert done.exit_code == 2 and "Traceback" not in done.output
    assert "a requirement per interval (staff --per-interval, roster) needs a service_level" in done.stderr
    assert "staff finds its headcount" in done.stderr and not any(tmp_path.iterdir())
