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


def test_staffing_by_weekday_gives_each_weekday_its_own_curve():
    mapping = week(days=3, start_date="2026-12-07")
    mapping["staff"]["a"] = {"staffed": {"mon": [6, 6, 6, 6], "tue-wed": [4, 5, 5, 4]}, "skills": {"s": 3},
                             "after_close": "leave"}    # (finishing a call would run into the next day)
    scenario = build(mapping)
    pool = scenario.staff[0]
    assert pool.staffed == (((0,), (6, 6, 6, 6)), ((1, 2), (4, 5, 5, 4)))
    assert {(s.name, s.count, s.days) for s in pool.shifts} == {
        ("mon-staffed-0-4", 6, (0,)), ("tue-wed-staffed-0-4", 4, (1, 2)), ("tue-wed-staffed-1-3", 1, (1, 2))}
    result = run_scenario(scenario)
    staffed = result.interval_summary[(result.interval_summary.metric == "staffed")
                                      & (result.interval_summary.scope == "all")]["mean"].round(6).tolist()
    assert staffed == [6, 6, 6, 6, 4, 5, 5, 4, 4, 5, 5, 4]
    mapping["staff"]["a"]["staffed"] = {"mon": [6, 6, 6, 6]}
    with pytest.raises(ScenarioError, match=r"staff\.a\.staffed: has no staffing for tue-wed"):
        build(mapping)
    mapping["clock"].pop("start_date")
    with pytest.raises(ScenarioError, match="staffing by weekday needs clock.start_date"):
        build(mapping)


def test_days_that_share_their_arrival_rates_share_a_requirement():
    from simulator.planning.requirement import day_types

    mapping = week(days=7, start_date="2026-12-07", closed=["sun"])   # Monday 7th to Monday 14th, no Sunday
    assert [(k.label, k.days) for k in day_types(build(mapping))] == [("every day", tuple(range(7)))]
    mapping["demand"]["calls"]["arrivals"]["weekdays"] = {"mon": 1.5, "sat": 0.5}
    assert [(k.label, k.days) for k in day_types(build(mapping))] == [
        ("mon", (0, 6)), ("tue-fri", (1, 2, 3, 4)), ("sat", (5,))]


def test_reports_per_day_and_per_weekday_interval_pool_what_they_should():
    from simulator.metrics.calendar import by_day, by_weekday_interval

    mapping = week(days=3, start_date="2026-12-11", closed=["sun"])    # Fri 11th, Sat 12th, Mon 14th
    mapping["demand"]["calls"]["arrivals"]["weekdays"] = {"sat": 0.5}
    result = run_scenario(build(mapping))
    days = by_day(result.scenario, result.intervals)
    offered = days[(days.metric == "offered") & (days.scope == "all")]
    assert offered[["day", "date", "weekday"]].values.tolist() == [[1, "2026-12-11", "fri"], [2, "2026-12-12", "sat"],
                                                                   [3, "2026-12-14", "mon"]]
    # a day's count is the sum of its intervals', per replication, then averaged
    rows = result.intervals[(result.intervals.metric == "offered") & (result.intervals.scope == "all")]
    first = rows[rows.interval < 4].groupby("replication")["value"].sum().mean()
    assert offered["mean"].iloc[0] == pytest.approx(first)
    # a day's mean wait is the ratio of its sums over its intervals (per contact)
    level = days[(days.metric == "wait_mean") & (days.scope == "all")]["mean"].iloc[1]
    sl = result.intervals[(result.intervals.metric == "wait_mean") & (result.intervals.scope == "all")
                          & result.intervals.interval.between(4, 7)]
    assert level == pytest.approx(sl["numerator"].sum() / sl["denominator"].sum())
    table = by_weekday_interval(result.scenario, result.intervals)
    assert table[["weekday", "interval", "start"]].drop_duplicates().shape[0] == 12
    assert table[(table.metric == "offered") & (table.scope == "all")]["start"].tolist()[:4] == [
        "08:00", "09:00", "10:00", "11:00"]


@pytest.mark.parametrize("rules, message", [
    ({"days_per_week": 8}, r"days_per_week: must be a whole number of days from 1 to 7"),
    ({"days_per_week": [4, "five"]}, r"days_per_week: must be a whole number of days from 1 to 7"),
    ({"weekly_hours": {"at_most": 40}}, r"weekly_hours: needs days_per_week"),
    ({"days_off": "weekends"}, r"days_off: must be one of"),
])
def test_bad_weekly_shift_rules_are_named(rules, message):
    mapping = week(days=6, start_date="2026-12-07")
    mapping["staff"]["a"]["shift_rules"] = {"lengths": ["4h"], **rules}
    with pytest.raises(ScenarioError, match=message):
        build(mapping)
    mapping = week(days=6)
    mapping["staff"]["a"]["shift_rules"] = {"lengths": ["4h"], "days_per_week": 5}
    with pytest.raises(ScenarioError, match="days_per_week: needs clock.start_date"):
        build(mapping)
