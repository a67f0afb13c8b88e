"""Attrition and hiring: agents leave at the pool's monthly rate, their seat stays empty (and unpaid) for
the hiring lead time, and a new hire who learns on the job takes it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.errors import ScenarioError
from simulator.experiment import run_replication, run_scenario
from simulator.model.roster import build_roster, seat_vacancies
from simulator.randomness import Streams, replication_seed
from tests.conftest import build


def office(attrition: dict | None, headcount: int = 12, days: int = 60) -> dict:
    agents = {"headcount": headcount, "skills": {"phone": 3}, "cost_per_hour": 25}
    if attrition is not None:
        agents["attrition"] = attrition
    return {
        "name": "attrition", "clock": {"open": "08:00", "close": "18:00", "interval": "1h", "days": days},
        "replications": 4, "seed": 8, "channels": {"phone": {"patience": {"exponential": {"mean": 4}}}},
        "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": 100}, "process": "call"}},
        "processes": {"call": {"steps": [{"name": "talk", "skill": "phone", "duration": 5}]}},
        "staff": {"agents": agents},
    }


def test_the_share_who_leave_in_a_month_is_the_monthly_rate():
    scenario = build(office({"per_month": 0.1}, headcount=4000, days=30))
    vacant, left, hired = seat_vacancies(scenario.staff[0], scenario.clock, np.random.default_rng(3))
    share = len(left) / 4000
    # within 29 days (a leaver on the last day leaves no empty day in the run): 1 - 0.9 ** (29 / 30)
    expected = 1 - 0.9 ** (29 / 30)
    assert abs(share - expected) <= 4 * math.sqrt(expected * (1 - expected) / 4000)
    assert hired == []   # never replaced without replaced_after
    first_empty = {member: day for member, day in left}
    assert all(vacant[day:, member].all() and not vacant[:day, member].any() for member, day in first_empty.items())


def test_a_seat_stays_empty_for_the_hiring_lead_then_a_new_hire_takes_it():
    scenario = build(office({"per_month": 0.3, "replaced_after": "10d"}, headcount=300, days=120))
    vacant, left, hired = seat_vacancies(scenario.staff[0], scenario.clock, np.random.default_rng(5))
    assert hired and len(hired) <= len(left)
    for member, first in hired:
        empty = [day for leaving, day in left if leaving == member and day < first]
        run = first - max(empty)
        assert run in (9, 10) and not vacant[first, member]   # left during a day, back ten days later


def test_an_empty_seat_is_neither_on_duty_nor_paid():
    mapping = office({"per_month": 0.5, "replaced_after": "7d"})
    scenario = build(mapping)
    roster = build_roster(scenario, Streams(replication_seed(scenario.seed, 0)))
    paid_days = len(roster.paid_start)
    assert roster.leavers and paid_days < 12 * 60
    tables = run_replication(scenario, 0, keep_tables=True).tables
    for seat, day in roster.leavers:   # nobody starts work in an empty seat
        back = min((hired for held, hired in roster.hires if held == seat and hired > day), default=60)
        empty = (tables.service_agent == seat) & (tables.service_start >= day * 600) & (tables.service_start < back * 600)
        assert not empty.any()
    without = run_scenario(build(office(None)), replications=4)
    churned = run_scenario(scenario, replications=4)
    assert churned.value("cost_staff") < without.value("cost_staff")
    assert churned.value("leavers") > 0 and churned.value("hires") > 0


def test_a_new_hire_starts_at_the_new_hire_level_and_learns():
    mapping = office({"per_month": 0.5, "replaced_after": "5d", "new_hire": {"from_level": 1, "days": 10}})
    scenario = build(mapping)
    tables = run_replication(scenario, 0, keep_tables=True).tables
    roster = build_roster(scenario, Streams(replication_seed(scenario.seed, 0)))
    seat, first = roster.hires[0]
    durations = tables.service_end - tables.service_start
    on_first_day = (tables.service_agent == seat) & (tables.service_start // 600 == first)
    assert on_first_day.any() and np.allclose(durations[on_first_day], 5 / 0.6)
    experienced = (tables.service_agent != seat) & (tables.service_start < 600)
    assert np.allclose(durations[experienced], 5.0)


@pytest.mark.parametrize("attrition, message", [
    ({"per_month": 1.2}, "per_month: must be a number"),
    ({"per_month": 0.1, "replaced_after": "soon"}, "replaced_after: must be a duration"),
    ({"per_month": 0.1, "new_hire": {"from_level": 4, "days": 5}}, "must be below the pool's levels"),
    ({"rate": 0.1}, "unknown key"),
])
def test_bad_attrition_is_refused(attrition, message):
    with pytest.raises(ScenarioError, match=message):
        build(office(attrition))


def test_attrition_that_follows_wellbeing_takes_each_replications_index_and_the_documented_curve():
    """A first pass at the given rate measures the pool's wellbeing index; the run uses
    per_month x 2 ^ ((at - index) / doubles_every): here the tight team (index far below 75) loses more."""
    follow = {"per_month": 0.05, "replaced_after": "7d", "wellbeing": {"at": 75, "doubles_every": 20}}
    plain = {"per_month": 0.05, "replaced_after": "7d"}
    coupled = run_scenario(build(office(follow, headcount=9)), replications=4)
    alone = run_scenario(build(office(plain, headcount=9)), replications=4)
    index = alone.replications.query("metric == 'wellbeing_index' and scope == 'pool:agents'")["value"].to_numpy()
    rates = coupled.replications.query("metric == 'attrition_per_month' and scope == 'pool:agents'")["value"]
    expected = np.minimum(0.05 * 2 ** ((75 - index) / 20), 0.99)
    assert np.allclose(rates.to_numpy(), expected)
    assert (expected > 0.05).all()
    assert coupled.value("leavers") > alone.value("leavers")
    assert alone.value("attrition_per_month", "pool:agents") == pytest.approx(0.05)
