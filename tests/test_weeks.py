"""Weeks and dates: open days with dates and weekdays, demand by weekday or by date, shifts by weekday."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.arrivals import rate_boundaries
from simulator.errors import ScenarioError
from simulator.experiment import run_scenario
from tests.conftest import build


def week(**clock) -> dict:
    return {"name": "week", "clock": {"open": "08:00", "close": "12:00", "interval": "1h", **clock},
            "replications": 2, "channels": {"phone": {}},
            "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": [60, 60, 60, 60]}, "process": "p"}},
            "processes": {"p": {"steps": [{"name": "t", "skill": "s", "duration": 3}]}},
            "staff": {"a": {"headcount": 5, "skills": {"s": 3}, "cost_per_hour": 10}}}


def daily_volumes(scenario) -> list[float]:
    times, cumulative = rate_boundaries(scenario.demand[0].arrivals, scenario.clock)
    ends = np.interp(np.arange(1, scenario.clock.days + 1) * scenario.clock.day_length, times, cumulative)
    return np.diff(np.concatenate(([0.0], ends))).round(6).tolist()


def test_open_days_have_dates_and_weekdays_and_closed_ones_are_skipped():
    scenario = build(week(days=6, start_date="2026-12-24", closed=["sun", "2026-12-25"]))
    clock = scenario.clock
    assert [d.isoformat() for d in clock.dates] == ["2026-12-24", "2026-12-26", "2026-12-28", "2026-12-29",
                                                    "2026-12-30", "2026-12-31"]
    assert clock.weekday(1) == 5 and clock.label(2 * 240 + 30) == "Mon 2026-12-28 08:30"
    assert clock.interval_labels(3) == ("Thu 2026-12-24 11:00", "Thu 2026-12-24 12:00")


def test_demand_by_weekday_as_factors_or_lists_and_by_date():
    mapping = week(days=6, start_date="2026-12-07", closed=["sun"])
    mapping["demand"]["calls"]["arrivals"]["weekdays"] = {"mon": 2, "sat": [10, 10, 20, 20]}
    assert daily_volumes(build(mapping)) == [480, 240, 240, 240, 240, 60]
    mapping = week(days=2, start_date="2026-12-07")
    mapping["demand"]["calls"]["arrivals"]["dated"] = {"2026-12-07": [30, 30], "2026-12-08": [90, 30, 30, 30]}
    assert daily_volumes(build(mapping)) == [120, 180]


def test_a_dated_forecast_file_gives_each_day_its_own_rates(tmp_path):
    (tmp_path / "dated.csv").write_text("start,volume\n2026-12-07 08:00,50\n2026-12-07 10:00,70\n"
                                        "2026-12-08 08:00,30\n2026-12-08 10:00,30\n")
    mapping = week(days=2, start_date="2026-12-07")
    mapping["demand"]["calls"]["arrivals"] = {"csv": "dated.csv"}
    assert daily_volumes(build(mapping, tmp_path)) == [120, 60]
    mapping["clock"]["days"] = 3
    with pytest.raises(ScenarioError, match="has no rows for 2026-12-09"):
        build(mapping, tmp_path)
    del mapping["clock"]["start_date"]
    with pytest.raises(ScenarioError, match="has dates: give clock.start_date"):
        build(mapping, tmp_path)


def test_shifts_by_weekday_give_a_roster_that_differs_by_day_and_is_paid_for_the_days_worked():
    mapping = week(days=7, start_date="2026-12-07")
    mapping["staff"]["a"] = {"shifts": {"week": {"start": "08:00", "end": "12:00", "count": 3, "days": "mon-fri"},
                                        "weekend": {"start": "08:00", "end": "12:00", "count": 1,
                                                    "days": ["saturday", "sun"]}},
                             "skills": {"s": 3}, "cost_per_hour": 10}
    mapping["demand"]["calls"]["arrivals"]["per_hour"] = 0.001
    result = run_scenario(build(mapping))
    staffed = result.interval_summary[(result.interval_summary.metric == "staffed")
                                      & (result.interval_summary.scope == "pool:a")]["mean"].to_numpy()
    assert staffed.reshape(7, 4)[:, 0].tolist() == [3, 3, 3, 3, 3, 1, 1]
    assert result.kpi("cost_staff")["mean"] == pytest.approx((3 * 5 + 1 * 2) * 4 * 10)


@pytest.mark.parametrize("change, message", [
    ({"closed": ["sat"]}, "clock.closed: needs start_date"),
    ({"start_date": "2026-13-40"}, "clock.start_date: must be a date such as 2026-12-07"),
    ({"start_date": "2026-12-07", "closed": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}, "closes every day"),
    ({"start_date": "2026-12-07", "closed": ["someday"]}, "clock.closed: must be a date such as 2026-12-07"),
])
def test_bad_weeks_are_named(change, message):
    with pytest.raises(ScenarioError, match=message):
        build(week(days=2, **change))


def test_weekdays_need_dates_and_names():
    mapping = week(days=2)
    mapping["demand"]["calls"]["arrivals"]["weekdays"] = {"mon": 2}
    with pytest.raises(ScenarioError, match="weekdays: needs clock.start_date"):
        build(mapping)
    mapping["clock"]["start_date"] = "2026-12-07"
    mapping["demand"]["calls"]["arrivals"]["weekdays"] = {"moonday": 2}
    with pytest.raises(ScenarioError, match="must be a weekday"):
        build(mapping)
