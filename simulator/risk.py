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
import pandas as pd

from simulator.analysis import wilson
from simulator.metrics.calendar import COUNTS
from simulator.scenario.model import Scenario, Target

CHANCE_COLUMNS = ["days", "days_met", "chance_met", "chance_low", "chance_high", "intervals_judged",
                  "intervals_met_share"]


def target_chances(scenario: Scenario, replications: pd.DataFrame, intervals: pd.DataFrame) -> pd.DataFrame:
    """Per target (in the scenario's order): days judged and met, the chance met with its Wilson
    interval, and the share of the judged reporting intervals on which it is met."""
    rows = []
    for target in scenario.targets:
        days = daily_values(scenario, target, replications, intervals)
        met = np.array([target.is_met(value) for value in days], dtype=bool)
        low, high = wilson(np.array([met.sum()], dtype=float), np.array([len(met)], dtype=float))
        per_interval = _interval_values(scenario, target, intervals)
        rows.append({"days": len(days), "days_met": int(met.sum()),
                     "chance_met": met.mean() if len(met) else np.nan,
                     "chance_low": float(low[0]) if len(met) else np.nan,
                     "chance_high": float(high[0]) if len(met) else np.nan,
                     "intervals_judged": len(per_interval),
                     "intervals_met_share": (np.mean([target.is_met(v) for v in per_interval])
                                             if len(per_interval) else np.nan)})
    return pd.DataFrame(rows, columns=CHANCE_COLUMNS)


def daily_values(scenario: Scenario, target: Target, replications: pd.DataFrame,
                 intervals: pd.DataFrame) -> np.ndarray:
    """The target KPI's value on every replication-day (days with no value, such as a day nobody called,
    left out)."""
    if scenario.clock.days == 1:
        rows = replications[(replications.metric == target.kpi) & (replications.scope == target.scope)]
        return rows["value"].dropna().to_numpy(dtype=float)
    clock = scenario.clock
    rows = intervals[(intervals.metric == target.kpi) & (intervals.scope == target.scope)
                     & (intervals.interval >= clock.first_interval)]
    if rows.empty:
        return np.zeros(0)
    day = rows["interval"].to_numpy() // clock.intervals_per_day
    rows = rows.assign(day=day)
    if rows["numerator"].notna().any():
        sums = rows.groupby(["replication", "day"])[["numerator", "denominator"]].sum()
        values = sums["numerator"] / sums["denominator"].where(sums["denominator"] > 0)
    elif target.kpi in COUNTS:
        values = rows.groupby(["replication", "day"])["value"].sum()
    else:
        values = rows.groupby(["replication", "day"])["value"].mean()
    return values.dropna().to_numpy(dtype=float)


def _interval_values(scenario: Scenario, target: Target, intervals: pd.DataFrame) -> np.ndarray:
    """The target KPI's value in every replication's reporting intervals (ratio KPIs only: a count or a
    level for the whole run has no meaning per interval)."""
    rows = intervals[(intervals.metric == target.kpi) & (intervals.scope == target.scope)
                     & (intervals.interval >= scenario.clock.first_interval)]
    if rows.empty or not rows["numerator"].notna().any():
        return np.zeros(0)
    return rows["value"].dropna().to_numpy(dtype=float)


def chance_text(days: int, met: int, low: float, high: float) -> str:
    """``met on 7 of 10 days [40%, 89%]``: the chance of meeting a target, as a manager reads it."""
    from simulator.i18n import tr

    if not days:
        return ""
    return f"{tr('met on {met} of {days} days', met=met, days=days)} [{low:.0%}, {high:.0%}]"
