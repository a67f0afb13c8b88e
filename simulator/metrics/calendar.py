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
import pandas as pd

from simulator.analysis import clip_to_range, summarise
from simulator.scenario.model import WEEKDAYS, Scenario

COUNTS = ("offered", "answered", "abandoned")


def _pooled(intervals: pd.DataFrame, keys: list[str], per_day: bool) -> pd.DataFrame:
    """Per replication and ``keys``: ratio rows summed; counts summed (over a day) or averaged per day
    (``per_day``: rows of several days); levels averaged."""
    ratio = intervals["numerator"].notna()
    group = ["replication"] + keys + ["metric", "scope"]
    parts = []
    if ratio.any():
        sums = intervals[ratio].groupby(group)[["numerator", "denominator", "squares"]].sum(min_count=1).reset_index()
        sums["value"] = sums["numerator"] / sums["denominator"].where(sums["denominator"] > 0)
        parts.append(sums)
    plain = intervals[~ratio]
    counts = plain[plain["metric"].isin(COUNTS)]
    if len(counts):
        by_day = counts.groupby(list(dict.fromkeys(group + ["day"])))["value"].sum().reset_index()
        parts.append(by_day.groupby(group)["value"].mean().reset_index() if per_day else by_day)
    levels = plain[~plain["metric"].isin(COUNTS)]
    if len(levels):
        parts.append(levels.groupby(group)["value"].mean().reset_index())
    if not parts:   # every interval lies in the warm-up (one interval as long as the horizon, say)
        return pd.DataFrame(columns=keys + ["metric", "scope", "mean", "ci_low", "ci_high", "replications",
                                            "estimator"])
    table = pd.concat(parts, ignore_index=True)
    for column in ("numerator", "denominator", "squares"):
        if column not in table:
            table[column] = np.nan
    return clip_to_range(summarise(table.drop(columns="replication"), keys + ["metric", "scope"]))


def _with_days(scenario: Scenario, intervals: pd.DataFrame) -> pd.DataFrame:
    clock = scenario.clock
    rows = intervals[intervals["interval"] >= clock.first_interval].copy()
    rows["day"] = rows["interval"].to_numpy() // clock.intervals_per_day
    rows["of_day"] = rows["interval"].to_numpy() % clock.intervals_per_day
    return rows


def by_day(scenario: Scenario, intervals: pd.DataFrame) -> pd.DataFrame:
    """KPIs per simulated day (intervals of the warm-up left out): day (1, 2, ...), with its date and
    weekday when the clock has dates, metric, scope, mean, ci_low, ci_high, replications."""
    rows = _with_days(scenario, intervals)
    table = _pooled(rows, ["day"], per_day=False)
    dates = scenario.clock.dates
    table.insert(1, "date", table["day"].map(lambda d: dates[int(d)].isoformat()) if dates else "")
    table.insert(2, "weekday", table["day"].map(lambda d: WEEKDAYS[dates[int(d)].weekday()]) if dates else "")
    table["day"] = table["day"] + 1
    return table.sort_values(["day", "metric", "scope"], kind="stable").reset_index(drop=True)


def by_weekday_interval(scenario: Scenario, intervals: pd.DataFrame) -> pd.DataFrame | None:
    """KPIs per weekday and interval of the day, pooled over that weekday's dates (None without dates):
    weekday, interval, start, end, metric, scope, mean, ci_low, ci_high, replications."""
    clock = scenario.clock
    if not clock.dates:
        return None
    rows = _with_days(scenario, intervals)
    weekdays = np.array([date.weekday() for date in clock.dates])
    rows["weekday"] = weekdays[rows["day"].to_numpy()]
    table = _pooled(rows, ["weekday", "of_day"], per_day=True)
    labels = [clock.interval_labels(int(t)) for t in range(clock.intervals_per_day)]
    table = table.sort_values(["weekday", "of_day", "metric", "scope"], kind="stable").reset_index(drop=True)
    table.insert(2, "start", table["of_day"].map(lambda t: labels[int(t)][0][-5:]))
    table.insert(3, "end", table["of_day"].map(lambda t: labels[int(t)][1][-5:]))
    table["weekday"] = table["weekday"].map(lambda w: WEEKDAYS[int(w)])
    return table.rename(columns={"of_day": "interval"})
