"""Scheduled activities (meetings, coaching) and adherence: agents' paid time off the phones."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simulator.capacity import expected_staffed
from simulator.errors import ScenarioError
from simulator.experiment import run_scenario
from simulator.model.customers import Customers
from simulator.model.roster import build_roster
from simulator.model.system import ServiceSystem
from simulator.randomness import Streams
from simulator.scenario.resolve import resolved_document
from tests.conftest import build, single_queue


def with_pool(headcount=1, horizon=240, **pool) -> dict:
    mapping = single_queue(per_hour=6, duration=10, headcount=headcount, horizon=horizon, warmup=0, replications=2)
    mapping["staff"]["agents"].update(pool)
    return mapping


def test_an_agent_finishes_the_call_in_hand_then_goes_to_the_meeting_and_the_next_caller_waits_by_hand():
    """Meeting 01:00-01:30. #0 arrives at 55 (talk 10): served 55-65, then the agent is in the meeting
    until 90; #1 arrives at 70 and is served at 90, when the meeting ends."""
    scenario = build(with_pool(activities=[{"name": "team meeting", "start": "01:00", "length": "30min"}]))
    people = Customers([55.0, 70.0], np.zeros(2, dtype=np.int64), np.zeros(2, dtype=np.int64), [math.inf] * 2,
                       [[(0, 10.0, 1.0, 1.0)], [(0, 10.0, 1.0, 1.0)]])
    roster = build_roster(scenario, Streams(0))
    assert roster.duty[0] == [(0.0, 60.0), (90.0, math.inf)]   # serve_queue: stays while anybody waits
    assert roster.off_floor[0] == [(60.0, 90.0)]
    recorder = ServiceSystem(scenario, people, roster, Streams(0)).run()
    assert [(row[0], row[4], row[5]) for row in recorder.rows("services")] == [(0, 55.0, 65.0), (1, 90.0, 100.0)]


def test_coaching_for_half_the_team_turns_over_from_day_to_day_and_staggers():
    """Four agents, coaching for half of them each day, 30 min each, one after the other over an hour:
    over four days every agent is coached twice, and on a day the two sessions start 30 min apart."""
    day = 1440.0
    mapping = with_pool(headcount=4, horizon=day, activities=[
        {"name": "coaching", "start": "10:00", "length": "30min", "share": 0.5, "stagger": "1h"}])
    mapping["clock"].update(days=4, interval="1h")
    scenario = build(mapping)
    roster = build_roster(scenario, Streams(3))
    assert [len(periods) for periods in roster.off_floor] == [2, 2, 2, 2]
    first_day = sorted(start for periods in roster.off_floor for start, _ in periods if start < day)
    assert first_day == [600.0, 630.0]
    assert expected_staffed(scenario.staff[0], scenario.clock).sum() == pytest.approx(
        4 * scenario.clock.intervals - 4 * 2 * 30 / scenario.clock.interval)


def test_agents_out_of_adherence_are_away_the_stated_share_of_their_duty_time():
    """Adherence 0.9 in 6-minute episodes: the mean share of duty time 40 agents keep over 10 days is
    0.9 (a t-interval over agents, which are independent), and the episodes average 6 minutes."""
    scenario = build(with_pool(headcount=40, horizon=14400, adherence={"share": 0.9, "episode": "6min"},
                               after_close="finish_contact"))
    roster = build_roster(scenario, Streams(11))
    kept = np.array([sum(end - start for start, end in periods) / 14400 for periods in roster.duty])
    low, high = stats.t.interval(0.99, len(kept) - 1, loc=kept.mean(), scale=stats.sem(kept))
    assert low <= 0.9 <= high
    lengths = np.array([end - start for periods in roster.off_floor for start, end in periods])
    assert lengths.mean() == pytest.approx(6.0, rel=0.05)
    assert expected_staffed(scenario.staff[0], scenario.clock)[0] == pytest.approx(36.0)


def test_time_off_the_phones_raises_occupancy_and_waits_and_leaves_utilisation_to_the_work():
    """Occupancy is busy over time available; utilisation is busy over paid time: a 2-hour meeting for
    everybody in an 8-hour day takes a quarter of the paid time off the phones, so the same work fills
    about a third more of the time available and callers wait longer."""
    plain = with_pool(headcount=3, horizon=480)
    plain["demand"]["calls"]["arrivals"]["per_hour"] = 9
    meeting = with_pool(headcount=3, horizon=480,
                        activities=[{"name": "all hands", "start": "03:00", "length": "2h"}])
    meeting["demand"]["calls"]["arrivals"]["per_hour"] = 9
    a, b = run_scenario(build(plain)), run_scenario(build(meeting))
    assert a.value("occupancy") == pytest.approx(a.value("utilisation"), rel=0.02)
    assert b.value("utilisation") == pytest.approx(a.value("utilisation"), rel=0.02)
    assert b.value("occupancy") == pytest.approx(b.value("utilisation") / 0.75, rel=0.02)
    assert b.value("wait_mean") > 2 * a.value("wait_mean")


def test_the_resolved_scenario_writes_activities_and_adherence_back():
    mapping = with_pool(activities=[{"name": "huddle", "start": "01:00", "length": 15, "share": 0.5}],
                        adherence=0.95)
    scenario = build(mapping)
    again = build({**mapping, "staff": resolved_document(scenario)["staff"]})
    assert again.staff[0].activities == scenario.staff[0].activities
    assert again.staff[0].adherence == scenario.staff[0].adherence


@pytest.mark.parametrize("pool, expected", [
    ({"adherence": 1.5}, "staff.agents.adherence: must be a number from 0.05 to 1"),
    ({"adherence": {"share": 0.9, "often": 3}}, "staff.agents.adherence.often"),
    ({"activities": {"name": "x"}}, "staff.agents.activities: must be a list"),
    ({"activities": [{"name": "x", "length": 10}]}, "staff.agents.activities.x.start: is required"),
    ({"activities": [{"name": "x", "start": "01:00", "length": 10, "share": 2}]},
     "staff.agents.activities.x.share"),
    ({"activities": [{"name": "x", "start": "01:00", "length": 10, "days": "wed"}]}, "needs clock.start_date"),
])
def test_bad_activities_and_adherence_name_the_field(pool, expected):
    with pytest.raises(ScenarioError) as caught:
        build(with_pool(**pool))
    assert expected in str(caught.value)
