"""Was the work done? Flags read from a run's results, beside the targets.

A scenario can meet every target it states and still rely on what no plan would accept: agents
working hours after closing, a backlog that grows, email answered late, customers left waiting when
everyone went home. These flags say so, in the output and in ``--json``, and ``servicesim staff``
rejects a candidate that raises one. The thresholds are documented in docs/kpis.md:

* ``overtime``: a pool's overtime is above OVERTIME_SHARE of its scheduled paid hours;
* ``backlog``: the deferrable work left open at the last closing is above what was open before by
  more than BACKLOG_GROWTH of the deferrable contacts offered: above the backlog at the start (one
  day), or above the larger of that and the backlog at the first closing (several days: work that
  arrived late in the day is open at every closing, and is not a sign of growth);
* ``response``: a deferrable channel with a ``response_target`` answers less than RESPONSE_SHARE within
  it (unless the scenario sets its own target on ``response_within_target`` for it);
* ``unserved``: more than UNSERVED_SHARE of the real-time contacts were still waiting when the run ended.
"""

from __future__ import annotations

import numpy as np

from simulator.capacity import CapacityFlag
from simulator.columns import Table, as_table
from simulator.scenario.model import Scenario
from simulator.units import format_duration

OVERTIME_SHARE = 0.05
BACKLOG_GROWTH = 0.05
RESPONSE_SHARE = 0.90
UNSERVED_SHARE = 0.01

WORK_FLAGS = ("overtime", "backlog", "response", "unserved", "occupancy")


def _occupancy_flags(scenario: Scenario, pool, intervals: Table | None) -> list[CapacityFlag]:
    """A pool that ran above its max_occupancy in some interval (the mean over replications)."""
    cap = scenario.occupancy_cap(pool)
    if cap is None or intervals is None:
        return []
    rows = intervals.where(metric="occupancy", scope=f"pool:{pool.name}")
    over = rows[rows["mean"].astype(float) > cap + 1e-9]
    if not len(over):
        return []
    worst = int(np.argmax(over["mean"]))
    skills = " + ".join(skill for skill, _ in pool.skills)
    return [CapacityFlag("occupancy", skills, (
        f"pool '{pool.name}' ran above its max_occupancy of {cap:.0%} in {len(over)} interval(s); worst "
        f"{over['mean'][worst]:.0%} at {scenario.clock.interval_labels(int(over['interval'][worst]))[0]}"))]


def work_flags(scenario: Scenario, summary: Table, intervals: Table | None = None) -> list[CapacityFlag]:
    """The work flags a run's summary (and per-interval summary) raises (Tables or DataFrames)."""
    summary = as_table(summary)
    intervals = as_table(intervals) if intervals is not None else None
    values = summary.lookup(["metric", "scope"], "mean")
    clock = scenario.clock
    first_close = clock.intervals_per_day - 1
    backlogs = {} if intervals is None else intervals.where(metric="backlog", interval=first_close).lookup(
        ["scope"], "mean")
    backlogs = {scope: value for (scope,), value in backlogs.items()}

    def value(metric: str, scope: str, missing: float = 0.0) -> float:
        found = values.get((metric, scope), float("nan"))
        return missing if found != found else float(found)

    flags = []
    for pool in scenario.staff:
        scope = f"pool:{pool.name}"
        share = value("overtime_share", scope)
        if share > OVERTIME_SHARE:
            flags.append(CapacityFlag("overtime", pool.name, (
                f"pool '{pool.name}' worked {format_duration(value('overtime', scope))} of overtime ({share:.0%} of its "
                f"scheduled hours, above {OVERTIME_SHARE:.0%}): work done after shifts ended")))
        flags += _occupancy_flags(scenario, pool, intervals)
    deferrable = [c for c in scenario.channels if c.deferrable and any(d.channel == c.name for d in scenario.demand)]
    targeted = {t.scope for t in scenario.targets if t.kpi == "response_within_target"}
    for channel in deferrable:
        scope = f"channel:{channel.name}"
        start = sum(d.backlog for d in scenario.demand if d.channel == channel.name)
        end, offered = value("backlog_end", scope), value("offered", scope)
        before, when = float(start), "at the start"
        if clock.days > 1 and scope in backlogs and float(backlogs[scope]) > before:
            before, when = float(backlogs[scope]), "at the first closing"
        if end > before + BACKLOG_GROWTH * offered:
            flags.append(CapacityFlag("backlog", channel.name, (
                f"{channel.name}: {end:,.0f} open at the last closing against {before:,.0f} {when}: the backlog "
                f"grows")))
        if channel.response_target is not None and scope not in targeted and "all" not in targeted:
            share = value("response_within_target", scope, float("nan"))   # NaN: a run shorter than the target
            if share < RESPONSE_SHARE:
                flags.append(CapacityFlag("response", channel.name, (
                    f"{channel.name}: {share:.0%} answered within its response target of "
                    f"{format_duration(channel.response_target)} (below {RESPONSE_SHARE:.0%})")))
    if any(not c.deferrable for c in scenario.channels if any(d.channel == c.name for d in scenario.demand)):
        left, offered = value("unfinished", "all"), value("offered", "all")
        real_time_offered = offered - sum(value("offered", f"channel:{c.name}") for c in deferrable)
        if left > UNSERVED_SHARE * max(real_time_offered, 1):
            flags.append(CapacityFlag("unserved", "all", (
                f"{left:,.1f} customers on average were still waiting when the run ended: nobody stayed to serve "
                f"them (see after_close)")))
    return flags
