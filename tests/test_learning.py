"""New hires learning on the job: a pool's agents start at a lower level's speed and error factor and
approach their own level's day by day worked, by a documented curve (docs/scenario-format.md)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.errors import ScenarioError
from simulator.experiment import run_replication, run_scenario
from tests.conftest import build

SPEED = {1: 0.6, 3: 1.0}
ERRORS = {1: 2.0, 3: 1.0}


def team(learning: dict | None = {"from_level": 1, "days": 10}, days: int = 6, **pool) -> dict:
    """One agent, 1-minute calls every 2 minutes (fixed), over ``days`` days of 8 hours."""
    agents = {"skills": {"phone": 3}, **(pool or {"headcount": 1})}
    if learning is not None:
        agents["learning"] = learning
    return {
        "name": "new hires", "clock": {"open": "09:00", "close": "17:00", "days": days, "interval": "8h"},
        "seed": 3, "replications": 1, "channels": {"phone": {}},
        "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": 30}, "process": "call"}},
        "processes": {"call": {"steps": [{"name": "talk", "skill": "phone", "duration": 1, "error_rate": 0.1}]}},
        "staff": {"agents": agents},
    }


def expected(quantity: dict, day_worked: int, days: float = 10) -> float:
    gap = math.exp(-3 * day_worked / days)
    return quantity[3] + (quantity[1] - quantity[3]) * gap


def test_each_days_mean_speed_follows_the_curve():
    """Handling time on day d is 1 minute / speed(d), speed(d) = 1.0 - 0.4 exp(-3 d / 10)."""
    tables = run_replication(build(team()), 0, keep_tables=True).tables
    day = (tables.service_start // 480).astype(int)
    durations = tables.service_end - tables.service_start
    for d in range(6):
        assert durations[day == d].mean() == pytest.approx(1 / expected(SPEED, d), rel=1e-9)


def test_days_off_do_not_count_as_days_worked():
    """Working Monday, Wednesday and Friday only: on the third working day (Friday, day 4), two days
    have been worked."""
    mapping = team(shifts={"mwf": {"start": "09:00", "end": "17:00", "count": 1, "days": "mon,wed,fri"}})
    mapping["clock"]["start_date"] = "2026-11-30"   # a Monday
    tables = run_replication(build(mapping), 0, keep_tables=True).tables
    day = (tables.service_start // 480).astype(int)
    durations = tables.service_end - tables.service_start
    assert sorted(set(day.tolist())) == [0, 2, 4]
    assert durations[day == 4].mean() == pytest.approx(1 / expected(SPEED, 2), rel=1e-9)


def test_errors_fall_as_they_learn():
    early = run_scenario(build(team(days=2)), replications=20)
    late = run_scenario(build(team(days=30)), replications=20)
    assert early.value("error_rate") > late.value("error_rate")
    # the first day's errors are level 1's: 0.1 x 2.0
    first = run_scenario(build(team(days=1)), replications=40)
    assert first.kpi("error_rate")["ci_low"] <= 0.2 <= first.kpi("error_rate")["ci_high"]


def test_experienced_staff_are_unchanged():
    tables = run_replication(build(team(learning=None)), 0, keep_tables=True).tables
    assert np.allclose(tables.service_end - tables.service_start, 1.0)


@pytest.mark.parametrize("learning, message", [
    ({"from_level": 3, "days": 10}, "must be below the pool's levels"),
    ({"from_level": 1, "days": 0}, "days: must be a number > 0"),
    ({"from_level": 1}, "days: is required"),
])
def test_bad_learning_is_refused(learning, message):
    with pytest.raises(ScenarioError, match=message):
        build(team(learning))
