"""Staffing over time: shifts, breaks and shrinkage, checked against what the schedule says exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.experiment import run_replication, run_scenario
from simulator.model.customers import Customers
from simulator.model.roster import build_roster
from simulator.model.system import ServiceSystem
from simulator.randomness import Streams
from tests.conftest import build, values


def shift_scenario(pool: dict, days: int = 1, per_hour: float = 30, replications: int = 2) -> dict:
    return {
        "name": "shifts",
        "clock": {"open": "08:00", "close": "18:00", "days": days, "interval": "30min"},
        "replications": replications, "seed": 3,
        "channels": {"phone": {}},
        "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": per_hour}, "process": "serve"}},
        "processes": {"serve": {"steps": [{"name": "talk", "skill": "s", "duration": {"exponential": {"mean": 3}}}]}},
        "staff": {"agents": pool},
    }


POOL = {"shifts": [{"start": "08:00", "end": "12:00", "count": 3}, {"start": "10:00", "end": "18:00", "count": 2}],
        "breaks": [{"after": "2h", "length": "30min", "stagger": 0}], "skills": {"s": 3}, "cost_per_hour": 20}


def expected_staffed_per_half_hour() -> list[float]:
    """By hand: shift A (3 agents) 08-12 with a break 10:00-10:30; shift B (2) 10-18, break 12:00-12:30."""
    staffed = []
    for k in range(20):
        t = 8 + k / 2
        a = 3 if 8 <= t < 12 and not 10 <= t < 10.5 else 0
        b = 2 if 10 <= t < 18 and not 12 <= t < 12.5 else 0
        staffed.append(float(a + b))
    return staffed


def test_staffed_agents_per_interval_equal_the_schedule_on_every_day():
    # hardly anyone calls: nobody is still busy when a break or a shift's end comes
    result = run_scenario(build(shift_scenario(POOL, days=2, per_hour=0.001)))
    staffed = result.intervals[(result.intervals.metric == "staffed") & (result.intervals.scope == "pool:agents")]
    for replication, rows in staffed.groupby("replication"):
        assert rows.sort_values("interval")["value"].tolist() == expected_staffed_per_half_hour() * 2


def test_an_agent_finishing_a_contact_into_a_break_is_at_work_and_busy_never_exceeds_it():
    """Under load, agents finish the contact in hand when a break or their shift's end comes: that time
    counts as at work (and after a shift's end, as paid overtime), so in no interval does a pool without
    concurrency show more agents busy than at work, and utilisation and occupancy never pass 100%."""
    result = run_scenario(build(shift_scenario(POOL, days=2, per_hour=100)))   # two replications
    table = result.intervals[result.intervals.scope == "pool:agents"].pivot_table(
        index=["replication", "interval"], columns="metric", values="value")
    assert (table["busy"] <= table["staffed"] + 1e-9).all()
    assert (table["staffed"] >= np.tile(expected_staffed_per_half_hour() * 2, 2) - 1e-9).all()
    assert (table["staffed"] > np.tile(expected_staffed_per_half_hour() * 2, 2) + 1e-9).any()
    assert (table["utilisation"] <= 1 + 1e-9).all() and (table["occupancy"] <= 1 + 1e-9).all()
    assert result.kpi("overtime", "pool:agents")["mean"] > 0


def test_breaks_are_staggered_across_a_shifts_agents():
    pool = {**POOL, "breaks": [{"after": "2h", "length": "15min", "stagger": "30min"}]}
    roster = build_roster(build(shift_scenario(pool)), Streams(1))
    # shift A's three agents break at 10:00, 10:10 and 10:20 (minutes 120, 130, 140 after opening)
    assert [periods[0][1] for periods in roster.duty[:3]] == [120.0, 130.0, 140.0]
    assert [periods[1][0] for periods in roster.duty[:3]] == [135.0, 145.0, 155.0]


def test_utilisation_is_busy_time_over_paid_time_and_overtime_is_work_after_a_shift_ends():
    """Shift A (3 agents, 08-12) and B (2 agents, 10-18): 3 x 240 + 2 x 480 = 1680 paid minutes, breaks
    included. An agent whose shift ends while it serves a contact finishes it: overtime, paid."""
    result = run_scenario(build(shift_scenario(POOL, per_hour=40)))
    for output in result.outputs:
        kpis = values(output.kpis)
        tables = run_replication(result.scenario, output.replication, keep_tables=True).tables
        busy = float((tables.service_end - tables.service_start).sum())
        shift_end = np.where(tables.service_agent < 3, 240.0, 600.0)
        overtime = float(np.clip(tables.service_end - shift_end, 0, None).sum())
        assert kpis[("overtime", "pool:agents")] == pytest.approx(overtime)
        assert kpis[("utilisation", "all")] == pytest.approx(busy / (1680 + overtime))
        intervals = [row[3] for row in output.intervals if row[1] == "busy" and row[2] == "all"]
        after_close = float(np.clip(tables.service_end - 600.0, 0, None).sum())
        assert sum(intervals) * 30 + after_close == pytest.approx(busy)


def test_shrinkage_removes_that_share_of_agent_days():
    pool = {"shifts": [{"start": "08:00", "end": "18:00", "count": 40}], "shrinkage": 0.25, "skills": {"s": 3}}
    scenario = build(shift_scenario(pool, days=5))
    shares = []
    for replication in range(20):
        roster = build_roster(scenario, Streams(replication))
        worked = sum(end - start for periods in roster.duty for start, end in periods)
        shares.append(1 - worked / (40 * 5 * 600))
    mean, half = np.mean(shares), 2.093 * np.std(shares, ddof=1) / math.sqrt(len(shares))
    assert mean - half <= 0.25 <= mean + half


def test_an_agent_finishes_the_contact_in_hand_when_the_shift_ends_and_takes_no_more():
    pool = {"shifts": [{"start": "08:00", "end": "08:05", "count": 1}], "skills": {"s": 3}}
    scenario = build(shift_scenario(pool))
    people = Customers([1.0, 2.0], np.zeros(2, dtype=np.int64), np.zeros(2, dtype=np.int64), [math.inf] * 2,
                       [[(0, 6.0, 1.0, 1.0)], [(0, 1.0, 1.0, 1.0)]])
    model = ServiceSystem(scenario, people, build_roster(scenario, Streams(0)), Streams(0))
    recorder = model.run()
    assert recorder.rows("services") == [(0, 0, 0, 1.0, 1.0, 7.0)]   # overran the shift end at 5; #1 never served
    assert [d[0] for d in recorder.rows("departures")] == [0]


def test_nobody_is_served_before_the_first_shift_starts():
    pool = {"shifts": [{"start": "10:00", "end": "18:00", "count": 5}], "skills": {"s": 3}}
    tables = run_replication(build(shift_scenario(pool)), 0, keep_tables=True).tables
    assert tables.service_start.min() >= 120
    early = tables.arrived_at < 120
    assert np.all(tables.answered_at[early] >= 120)


def test_shifts_have_names_and_can_be_changed_by_dotted_path():
    """A mapping by name; the list form gets names from the element's name or its hours; either can be
    set by name, and a list's elements also by position."""
    named = {"shifts": {"early": {"start": "08:00", "end": "12:00", "count": 3,
                                  "breaks": [{"after": "1h", "length": "10min"}]},
                        "late": {"start": "12:00", "end": "18:00", "count": 2}},
             "breaks": [{"after": "2h", "length": "30min"}], "skills": {"s": 3}}
    pool = build(shift_scenario(named)).staff[0]
    assert [(s.name, s.count) for s in pool.shifts] == [("early", 3), ("late", 2)] and pool.headcount == 5
    roster = build_roster(build(shift_scenario(named)), Streams(1))
    assert roster.duty[0][0] == (0.0, 60.0)          # the early shift's own 10-minute break after an hour
    assert roster.duty[3][0] == (240.0, 360.0)       # the late shift takes the pool's 30-minute break
    from simulator.scenario.overrides import apply_overrides
    listed = shift_scenario(POOL)
    changed = apply_overrides(listed, {"staff.agents.shifts.0.count": 7, "staff.agents.shifts.10:00-18:00.count": 1})
    shifts = build(changed).staff[0].shifts
    assert [(s.name, s.count) for s in shifts] == [("08:00-12:00", 7), ("10:00-18:00", 1)]
    with pytest.raises(Exception, match=r"no element named 'noon'.*elements: 08:00-12:00, 10:00-18:00"):
        apply_overrides(listed, {"staff.agents.shifts.noon.count": 1})
    twice = {**named, "shifts": [{"name": "a", "start": "08:00", "end": "12:00", "count": 1},
                                  {"name": "a", "start": "12:00", "end": "18:00", "count": 1}]}
    with pytest.raises(Exception, match="another shift of the pool is called 'a'"):
        build(shift_scenario(twice))


def test_a_staffed_count_per_period_is_run_as_it_is(tmp_path):
    """staffed: [4, 7, 7, 4] over a four-hour day: four agents all day, three more from 09:00 to 11:00
    (hourly periods, reported per half hour). From a list or a CSV file alike; it reads back resolved."""
    from simulator.scenario.resolve import resolved_yaml
    from simulator.scenario.yaml_source import parse_yaml_text

    mapping = shift_scenario({"staffed": [4, 7, 7, 4], "skills": {"s": 3}}, per_hour=0.001)
    mapping["clock"] = {"open": "08:00", "close": "12:00", "interval": "30min"}
    scenario = build(mapping)
    pool = scenario.staff[0]
    assert pool.headcount == 7 and pool.after_close == "finish_contact"
    assert sorted((s.start, s.end, s.count) for s in pool.shifts) == [(0.0, 240.0, 4), (60.0, 180.0, 3)]
    result = run_scenario(scenario)
    staffed = result.interval_summary[(result.interval_summary.metric == "staffed")
                                      & (result.interval_summary.scope == "pool:agents")]["mean"].tolist()
    assert staffed == [4, 4, 7, 7, 7, 7, 4, 4]
    (tmp_path / "plan.csv").write_text("start,count\n08:00,4\n09:00,7\n10:00,7\n11:00,4\n")
    mapping["staff"]["agents"]["staffed"] = {"csv": "plan.csv"}
    from_file = build(mapping, tmp_path)
    assert from_file.staff[0].shifts == pool.shifts and from_file.staff[0].staffed == ((None, (4, 7, 7, 4)),)
    again = build(parse_yaml_text(resolved_yaml(from_file), "resolved.yaml"))
    assert again == from_file
    for bad, message in (([], "must not be an empty list"), ([1, -2], "must be a whole number >= 0"),
                         ([0, 0], "must have somebody on duty"), ("many", "must be a list of agents per period")):
        mapping["staff"]["agents"]["staffed"] = bad
        with pytest.raises(Exception, match=message):
            build(mapping, tmp_path)
