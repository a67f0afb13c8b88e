"""Booked arrivals (appointments: slots, no-shows, early or late) and a demand stream's own segments."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.capacity import offered_load
from simulator.errors import ScenarioError
from simulator.experiment import run_scenario
from simulator.model.customers import draw_customers
from simulator.randomness import Streams
from tests.conftest import assert_in_ci, build


def clinic(appointments: dict, duration=8, headcount: int = 1, **stream) -> dict:
    return {
        "name": "clinic", "clock": {"open": "08:00", "close": "10:00", "interval": 60}, "seed": 6,
        "replications": 30, "channels": {"desk": {}},
        "demand": {"booked": {"channel": "desk", "appointments": appointments, "process": "register", **stream}},
        "processes": {"register": {"steps": [{"name": "check_in", "skill": "desk", "duration": duration}]}},
        "staff": {"clerks": {"headcount": headcount, "skills": {"desk": 3}}},
    }


EVERY_TEN = {"from": "08:00", "to": "10:00", "every": "10min", "per_slot": 1}


def test_punctual_patients_every_ten_minutes_meet_a_free_desk_by_the_timeline():
    """12 slots, 8-minute check-ins, one clerk: each patient arrives at the slot and nobody waits; the
    clerk is busy 96 of 120 minutes."""
    scenario = build(clinic({"slots": EVERY_TEN}))
    customers = draw_customers(scenario, Streams(1))
    assert customers.arrived_at.tolist() == [10.0 * k for k in range(12)]
    result = run_scenario(scenario, replications=2)
    assert result.value("offered") == 12 and result.value("wait_mean") == 0
    assert math.isclose(result.value("utilisation", "pool:clerks"), 96 / 120)


def test_no_shows_leave_the_binomial_mean_of_arrivals():
    """Three booked a slot, every 10 minutes for two hours, 20% no-show: 36 x 0.8 = 28.8 come a day."""
    mapping = clinic({"slots": {**EVERY_TEN, "per_slot": 3}, "no_show": 0.2}, duration=1, headcount=3)
    result = run_scenario(build(mapping))
    assert_in_ci(result.kpi("offered"), 36 * 0.8, slack=0.0)


def test_early_and_late_arrivals_follow_their_offset():
    """Slots from 08:30 to 09:30 (well inside the day): arrival minus slot time is normal, mean -5, sd 3."""
    slots = {"from": "08:30", "to": "09:30", "every": "1min", "per_slot": 40}
    scenario = build(clinic({"slots": slots, "early_late": {"mean": "-5min", "sd": "3min"}}))
    arrivals = np.sort(draw_customers(scenario, Streams(2)).arrived_at)
    slot_times = np.sort(np.repeat(30.0 + np.arange(60), 40))
    # sorted arrivals pair with sorted slots only in distribution: compare moments of the whole sample
    offsets = arrivals.mean() - slot_times.mean()
    assert abs(offsets - -5.0) <= 4 * 3 / math.sqrt(len(arrivals))
    assert len(arrivals) == 2400


def test_the_capacity_check_sees_the_expected_arrivals():
    mapping = clinic({"slots": {**EVERY_TEN, "per_slot": 2}, "no_show": 0.25}, duration=6)
    load = offered_load(build(mapping))["desk"]
    # 6 slots an hour x 2 booked x 0.75 coming = 9 an hour, 6 minutes each: 0.9 Erlangs in every hour
    assert np.allclose(load, 0.9)


def segments_scenario(**stream) -> dict:
    mapping = clinic({"slots": EVERY_TEN}, **stream)
    mapping["segments"] = {"booked": {"share": 0.5, "priority": 0}, "walk_in": {"share": 0.5, "priority": 1}}
    mapping["demand"]["walk_ins"] = {"channel": "desk", "arrivals": {"per_hour": 600}, "process": "register",
                                     "segments": {"walk_in": 0.9, "booked": 0.1}}
    return mapping


def test_a_stream_of_one_segment_and_a_stream_of_its_own_mix():
    scenario = build(segments_scenario(segment="booked"))
    customers = draw_customers(scenario, Streams(3))
    booked = customers.demand == 0
    assert (customers.segment[booked] == 0).all()
    walk_ins = customers.segment[~booked]
    share = (walk_ins == 1).mean()
    assert abs(share - 0.9) <= 4 * math.sqrt(0.09 / len(walk_ins))


@pytest.mark.parametrize("change, message", [
    ({"arrivals": {"per_hour": 5}}, "needs one of arrivals .* or appointments"),
    ({"appointments": {"slots": {"from": "07:00", "to": "09:00", "every": "10min"}}}, "within the opening hours"),
    ({"appointments": {"slots": {"from": "09:00", "to": "08:30", "every": "10min"}}}, "must be after from"),
    ({"appointments": {"slots": [{"at": "08:00", "count": -1}]}}, "count: must be a whole number"),
    ({"appointments": {"slots": EVERY_TEN, "no_show": 1.5}}, "no_show: must be"),
    ({"segment": "vip"}, "names a segment, but the scenario defines none"),
    ({"segments": {"a": 0.5}}, "the shares must add up to 1"),
])
def test_bad_appointments_and_segments_are_refused(change, message):
    mapping = clinic({"slots": EVERY_TEN})
    mapping["demand"]["booked"].update(change)
    with pytest.raises(ScenarioError, match=message):
        build(mapping)


def test_a_segment_the_scenario_does_not_have_is_named():
    mapping = segments_scenario(segment="vip")
    with pytest.raises(ScenarioError, match="demand.booked.segment: names no segment; expected one of booked, walk_in"):
        build(mapping)


def test_appointments_and_segment_mixes_read_back_from_the_resolved_scenario():
    from simulator.scenario import build_scenario
    from simulator.scenario.resolve import resolved_yaml
    from simulator.scenario.yaml_source import parse_yaml_text

    mapping = segments_scenario(segment="booked")
    mapping["demand"]["booked"]["appointments"] = {"slots": [{"at": "08:05", "count": 2}, {"at": "09:30", "count": 1}],
                                                   "no_show": 0.15, "early_late": {"mean": "-3min", "sd": "4min"}}
    scenario = build(mapping)
    again = build_scenario(parse_yaml_text(resolved_yaml(scenario), "r.yaml"), "r.yaml", base_dir=None)
    assert again == scenario
