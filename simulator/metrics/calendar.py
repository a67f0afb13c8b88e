"""The interval KPIs read by the calendar: per simulated day, and per weekday and interval of the day.

A planner reads a week by its days (was Monday's peak met?) and by its weekday-intervals (Mondays at
10:00, pooled over the Mondays simulated). Both are built from the per-replication interval rows, so
every estimate keeps its meaning: ratio KPIs (service level, abandonment, mean wait, utilisation) sum
their numerators and denominators over the intervals pooled (per-contact estimates, as everywhere);
counts (offered, answered, abandoned) add up over a day and are averaged per day over a weekday's
dates; levels (agents staffed or busy, contacts waiting, backlog) are averaged over the intervals.
"""

from __future__ import annotations

import numpy as np

from simulator.analysis import clip_to_range, summarise
from simulator.columns import Table, as_table, groups, is_frame
from simulator.scenario.model import WEEKDAYS, Scenario

COUNTS = ("offered", "answered", "abandoned")
SUMMARY = ["metric", "scope", "mean", "ci_low", "ci_high", "replications", "estimator"]


def _pooled(intervals: Table, keys: list[str], per_day: bool) -> Table:
    """Per replication and ``keys``: ratio rows summed; counts summed (over a day) or averaged per day
    (``per_day``: rows of several days); levels averaged."""
    ratio = ~np.isnan(intervals["numerator"].astype(float))
    group = ["replication"] + keys + ["metric", "scope"]
    parts = []
    if ratio.any():
        rows = intervals[ratio]
        by = groups(rows, group)
        sums = {name: by.sum(rows[name], min_count=1) for name in ("numerator", "denominator", "squares")}
        with np.errstate(invalid="ignore", divide="ignore"):
            value = sums["numerator"] / np.where(sums["denominator"] > 0, sums["denominator"], np.nan)
        parts.append(by.keys_of(rows, group).with_columns(**sums, value=value))
    plain = intervals[~ratio]
    is_count = np.isin(plain["metric"].astype(str), COUNTS)
    counts = plain[is_count]
    if len(counts):
        by = groups(counts, list(dict.fromkeys(group + ["day"])))
        daily = by.keys_of(counts, group).with_columns(value=by.sum(counts["value"]))
        if per_day:
            by = groups(daily, group)
            daily = by.keys_of(daily, group).with_columns(value=by.mean(daily["value"]))
        parts.append(daily)
    levels = plain[~is_count]
    if len(levels):
        by = groups(levels, group)
        parts.append(by.keys_of(levels, group).with_columns(value=by.mean(levels["value"])))
    if not parts:   # every interval lies in the warm-up (one interval as long as the horizon, say)
        return Table({name: np.zeros(0, dtype=object if name in ("metric", "scope", "estimator") else float)
                      for name in keys + SUMMARY})
    table = Table.concat(parts, keys + ["metric", "scope", "value", "numerator", "denominator", "squares"])
    return clip_to_range(summarise(table, keys + ["metric", "scope"]))


def _with_days(scenario: Scenario, intervals: Table) -> Table:
    clock = scenario.clock
    rows = intervals[intervals["interval"] >= clock.first_interval]
    number = rows["interval"].astype(np.int64)
    return rows.with_columns(day=number // clock.intervals_per_day, of_day=number % clock.intervals_per_day)


def by_day(scenario: Scenario, intervals: Table) -> Table:
    """KPIs per simulated day (intervals of the warm-up left out): day (1, 2, ...), with its date and
    weekday when the clock has dates, metric, scope, mean, ci_low, ci_high, replications. Given the
    intervals as a DataFrame, a DataFrame."""
    if is_frame(intervals):
        return by_day(scenario, as_table(intervals)).to_frame()
    table = _pooled(_with_days(scenario, intervals), ["day"], per_day=False)
    dates = scenario.clock.dates
    days = table["day"].astype(np.int64)
    table = table.with_columns(
        at=1, date=np.array([dates[d].isoformat() for d in days.tolist()] if dates else [""] * len(days), dtype=object),
        weekday=np.array([WEEKDAYS[dates[d].weekday()] for d in days.tolist()] if dates else [""] * len(days),
                         dtype=object))
    return table.with_columns(day=days + 1).sort(["day", "metric", "scope"])


def by_weekday_interval(scenario: Scenario, intervals: Table) -> Table | None:
    """KPIs per weekday and interval of the day, pooled over that weekday's dates (None without dates):
    weekday, interval, start, end, metric, scope, mean, ci_low, ci_high, replications. Given the
    intervals as a DataFrame, a DataFrame."""
    if is_frame(intervals):
        table = by_weekday_interval(scenario, as_table(intervals))
        return table.to_frame() if table is not None else None
    clock = scenario.clock
    if not clock.dates:
        return None
    rows = _with_days(scenario, intervals)
    weekdays = np.array([date.weekday() for date in clock.dates])
    rows = rows.with_columns(weekday=weekdays[rows["day"]])
    table = _pooled(rows, ["weekday", "of_day"], per_day=True).sort(["weekday", "of_day", "metric", "scope"])
    labels = [clock.interval_labels(int(t)) for t in range(clock.intervals_per_day)]
    of_day = table["of_day"].astype(np.int64).tolist()
    table = table.with_columns(at=2, start=np.array([labels[t][0][-5:] for t in of_day], dtype=object),
                               end=np.array([labels[t][1][-5:] for t in of_day], dtype=object))
    table = table.with_columns(weekday=np.array([WEEKDAYS[int(w)] for w in table["weekday"].tolist()], dtype=object))
    return table.rename({"of_day": "interval"})
