"""The chance of meeting each target: on how many simulated days (replication x day) it is met.

A target's verdict says whether the run's estimate, over every day simulated, meets the bound. A manager
asks something else: "how likely are we to hit 80/20 tomorrow?". Each replication is one possible run of
the days the scenario describes (its day-to-day noise, and with forecast ``uncertainty`` its forecast
error), so the share of replication-days on which the target is met is that chance, with a Wilson
interval for the number of days simulated. The share of reporting intervals on which it is met says how
much of a day holds.

A day's value pools its intervals as every other estimate does (a ratio KPI sums its numerators and
denominators over the day's intervals, counts add up); a one-day run's days are its replications, with the
values of ``replications.csv``.
"""

from __future__ import annotations

import numpy as np

from simulator.analysis import wilson
from simulator.columns import Table, as_table, groups
from simulator.metrics.calendar import COUNTS
from simulator.scenario.model import Scenario, Target

CHANCE_COLUMNS = ["days", "days_met", "chance_met", "chance_low", "chance_high", "intervals_judged",
                  "intervals_met_share"]


def target_chances(scenario: Scenario, replications: Table, intervals: Table) -> Table:
    """Per target (in the scenario's order): days judged and met, the chance met with its Wilson
    interval, and the share of the judged reporting intervals on which it is met."""
    rows = []
    for target in scenario.targets:
        days = daily_values(scenario, target, replications, intervals)
        met = np.array([target.is_met(value) for value in days], dtype=bool)
        low, high = wilson(np.array([met.sum()], dtype=float), np.array([len(met)], dtype=float))
        per_interval = _interval_values(scenario, target, intervals)
        rows.append((len(days), int(met.sum()), met.mean() if len(met) else np.nan,
                     float(low[0]) if len(met) else np.nan, float(high[0]) if len(met) else np.nan,
                     len(per_interval),
                     np.mean([target.is_met(v) for v in per_interval]) if len(per_interval) else np.nan))
    table = Table.from_rows(rows, CHANCE_COLUMNS)
    return table if rows else Table({name: np.zeros(0, dtype=np.int64 if name in ("days", "days_met",
                                                                                "intervals_judged") else float)
                                     for name in CHANCE_COLUMNS})


def daily_values(scenario: Scenario, target: Target, replications: Table, intervals: Table) -> np.ndarray:
    """The target KPI's value on every replication-day (days with no value, such as a day nobody called,
    left out). The tables may be Tables or DataFrames."""
    if scenario.clock.days == 1:
        values = as_table(replications).where(metric=target.kpi, scope=target.scope)["value"].astype(float)
        return values[~np.isnan(values)]
    clock = scenario.clock
    rows = _rows_of(scenario, target, intervals)
    if not len(rows):
        return np.zeros(0)
    by_day = groups(rows.with_columns(day=rows["interval"].astype(np.int64) // clock.intervals_per_day),
                    ["replication", "day"])
    if (~np.isnan(rows["numerator"].astype(float))).any():
        denominator = by_day.sum(rows["denominator"])
        with np.errstate(invalid="ignore", divide="ignore"):
            values = np.where(denominator > 0, by_day.sum(rows["numerator"]) / denominator, np.nan)
    elif target.kpi in COUNTS:
        values = by_day.sum(rows["value"])
    else:
        values = by_day.mean(rows["value"])
    return values[~np.isnan(values)]


def _rows_of(scenario: Scenario, target: Target, intervals: Table) -> Table:
    rows = as_table(intervals).where(metric=target.kpi, scope=target.scope)
    return rows[rows["interval"] >= scenario.clock.first_interval]


def _interval_values(scenario: Scenario, target: Target, intervals: Table) -> np.ndarray:
    """The target KPI's value in every replication's reporting intervals (ratio KPIs only: a count or a
    level for the whole run has no meaning per interval)."""
    rows = _rows_of(scenario, target, intervals)
    if not len(rows) or np.isnan(rows["numerator"].astype(float)).all():
        return np.zeros(0)
    values = rows["value"].astype(float)
    return values[~np.isnan(values)]


def chance_text(days: int, met: int, low: float, high: float) -> str:
    """``met on 7 of 10 days [40%, 89%]``: the chance of meeting a target, as a manager reads it."""
    from simulator.i18n import tr

    if not days:
        return ""
    return f"{tr('met on {met} of {days} days', met=met, days=days)} [{low:.0%}, {high:.0%}]"
