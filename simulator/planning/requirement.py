"""The staffing requirement per interval that holds when the day is staffed with it.

An interval's service level depends on the staffing of the intervals before it (a queue left at 10:00
is still there at 10:30), so a requirement read off runs of one flat headcount is not one that holds
once each interval gets its own count. This search works on the whole curve at once, in the spirit of
the iterative staffing algorithm of Feldman, Mandelbaum, Massey and Whitt (2008): every iteration
simulates the whole horizon with the current curve (on the same customers: common random numbers), then
moves every interval's count from what that run measured, until the curve stops changing. Where the ISA
sizes each interval for a delay probability from the number in the system, this one bisects each
interval's count on the targets themselves (service level, abandonment, mean wait in the interval's
scope), inside a bracket that every run narrows:

1. Start from Erlang C's curve.
2. Run; for each interval of the day, pool every day that shares the profile and every replication
   (per-contact estimates, as everywhere), and see whether the interval meets its targets with its
   one-sided 90% confidence bound: a requirement met only on average over the simulated days would be
   missed on half the fresh runs near the margin; the whole 95% CI (with its floors for quiet intervals)
   asks for more agents than the margin needs.
3. Where an interval misses, add an agent and run again, until every interval meets its targets (more
   staff never lengthens a wait, so this climbs steadily).
4. Then take an agent from every interval at once and run again. Where an interval now misses, it (and
   the interval before it, whose queue it may have inherited) keeps its agent and is not trimmed again;
   go back to 3. Stop when no interval can give up an agent.

Each interval's count is then the fewest that meet its targets given the curve around it: a local
minimum of the curve, reached in a dozen runs or so. (Bisecting every interval at once was tried first:
when the neighbours of an interval are understaffed in a probe, it fails at counts it does not need,
and the bracket remembers that.) Erlang C's
(and, with patience, Erlang A's) curve is given beside it: the formulas see each interval as a
steady state of its own, so the simulation adds agents where load rises (the queue carried in from
before) and after closing-in intervals of long calls, and removes them where load falls or callers
abandon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from simulator.analysis import summarise
from simulator.capacity import offered_load
from simulator.errors import InputError
from simulator.experiment import RunResult
from simulator.queueing import erlang_a_agents, erlang_c_agents
from simulator.scenario.model import Scenario, StaffedCurves, weekday_label
from simulator.units import format_clock

INTERVAL_KPIS = ("service_level", "abandon_rate", "wait_mean")
HOLDS = 0.80   # an interval meets a target when its one-sided 90% bound does (a two-sided 80% interval)
MAX_ROUNDS = 40


@dataclass(frozen=True)
class DayType:
    """Days that share an arrival profile, and so a staffing requirement: weekdays (None: every day
    alike) and the simulated days (their indices) they cover."""

    weekdays: tuple[int, ...] | None
    days: tuple[int, ...]

    @property
    def label(self) -> str:
        return weekday_label(self.weekdays)


@dataclass
class Requirement:
    table: pd.DataFrame          # days, interval, start, end, offered_erlangs, required, erlang_c, erlang_a, ...
    curve: list[int]             # agents per slot: interval of the day within each day type, day type by day type
    answer: RunResult            # the run of the scenario staffed with the curve
    runs: int                    # simulations the search took
    day_types: tuple[DayType, ...] = ()

    def curves(self) -> StaffedCurves:
        """The curve as staffing by weekdays (``staffed:`` of a pool)."""
        return curves_of(self.day_types, self.curve)


def day_types(scenario: Scenario) -> tuple[DayType, ...]:
    """The kinds of day the requirement is found for. Without dates, or when every weekday has the same
    arrival rates, one (every day alike); otherwise weekdays with the same rates share one. A weekday
    whose dates differ (a dated forecast) is one kind of day, pooled over its dates."""
    clock = scenario.clock
    every = (DayType(None, tuple(range(clock.days))),)
    if not clock.start_date:
        return every
    by_weekday: dict[int, list[int]] = {}
    for day in range(clock.days):
        by_weekday.setdefault(clock.weekday(day), []).append(day)
    signature = {}
    for weekday, days in by_weekday.items():
        rates = {tuple(d.arrivals.rates_on(clock, day) for d in scenario.demand) for day in days}
        signature[weekday] = next(iter(rates)) if len(rates) == 1 else ("varies by date", weekday)
    groups: dict[Any, list[int]] = {}
    for weekday in sorted(signature):
        groups.setdefault(signature[weekday], []).append(weekday)
    if len(groups) == 1:
        return every
    return tuple(DayType(tuple(weekdays), tuple(sorted(d for w in weekdays for d in by_weekday[w])))
                 for weekdays in sorted(groups.values()))


def curves_of(types: tuple[DayType, ...], curve: list[int]) -> StaffedCurves:
    n = len(curve) // max(len(types), 1)
    return tuple((kind.weekdays, tuple(int(c) for c in curve[g * n:(g + 1) * n])) for g, kind in enumerate(types))


def pool_channels(scenario: Scenario, pool_name: str) -> set[str]:
    """The channels whose contacts the pool can serve (a step of their process needs one of its skills)."""
    pool = next(p for p in scenario.staff if p.name == pool_name)
    skills = {skill for skill, _ in pool.skills}
    return {d.channel for d in scenario.demand if any(step.skill in skills for step, _ in scenario.steps_of(d.process))}


def interval_targets(scenario: Scenario, pool_name: str | None = None) -> list:
    """The targets an interval can be judged by: a service level, abandonment or mean wait, for all
    contacts or a channel; with ``pool_name``, only those the pool can move (all contacts, or a channel it
    serves): another team's channel cannot be fixed by adding this pool's agents."""
    chosen = [t for t in scenario.targets if t.kpi in INTERVAL_KPIS and t.scope.split(":", 1)[0] in ("all", "channel")]
    if pool_name is None:
        return chosen
    served = pool_channels(scenario, pool_name)
    return [t for t in chosen if t.scope == "all" or t.scope.split(":", 1)[1] in served]


def slot_of_interval(scenario: Scenario, types: tuple[DayType, ...]) -> np.ndarray:
    """For every reporting interval of the horizon, its slot: the interval of the day within its day type
    (day type ``g``, interval ``t``: slot ``g * intervals_per_day + t``)."""
    clock = scenario.clock
    kind = np.zeros(clock.days, dtype=int)
    for g, day_type in enumerate(types):
        kind[list(day_type.days)] = g
    n = clock.intervals_per_day
    intervals = np.arange(clock.intervals)
    return kind[intervals // n] * n + intervals % n


def pooled_by_time_of_day(result: RunResult, scenario: Scenario, types: tuple[DayType, ...] | None = None) -> pd.DataFrame:
    """Each interval KPI per slot (interval of the day within each day type), pooled over the days of
    the type and the replications: per-contact estimates with their 95% CIs (simulator.analysis)."""
    types = types or day_types(scenario)
    rows = result.intervals[result.intervals.metric.isin(INTERVAL_KPIS)].copy()
    rows["of_day"] = slot_of_interval(scenario, types)[rows["interval"].to_numpy()]
    per_replication = rows.groupby(["replication", "of_day", "metric", "scope"])[
        ["numerator", "denominator", "squares"]].sum(min_count=1).reset_index()
    per_replication["value"] = per_replication["numerator"] / per_replication["denominator"].where(
        per_replication["denominator"] > 0)
    return summarise(per_replication.drop(columns="replication"), ["of_day", "metric", "scope"], HOLDS)


def intervals_meeting(result: RunResult, scenario: Scenario, types: tuple[DayType, ...] | None = None,
                      pool_name: str | None = None) -> tuple[np.ndarray, pd.DataFrame]:
    """Whether each slot (interval of the day within each day type) meets every interval target with
    its one-sided 90% confidence bound (so that the requirement holds when other days are simulated,
    not just on average over these: an interval met only by its estimate is missed on about half the
    fresh runs); a slot without the KPI (nobody called) meets it. Also the pooled estimates."""
    types = types or day_types(scenario)
    values = pooled_by_time_of_day(result, scenario, types)
    indexed = values.set_index(["of_day", "metric", "scope"])
    met = np.ones(scenario.clock.intervals_per_day * len(types), dtype=bool)
    for t in range(len(met)):
        for target in interval_targets(scenario, pool_name):
            key = (t, target.kpi, target.scope)
            if key not in indexed.index or indexed.at[key, "mean"] != indexed.at[key, "mean"]:
                continue
            worst = indexed.at[key, "ci_low" if target.direction == "at_least" else "ci_high"]
            if worst != worst:
                worst = indexed.at[key, "mean"]
            if not target.is_met(float(worst)):
                met[t] = False
    return met, values


def formula_curves(scenario: Scenario, pool_name: str,
                   types: tuple[DayType, ...] | None = None) -> tuple[np.ndarray, list, list]:
    """Per slot (interval of the day within each day type): the pool's offered load (Erlangs, the mean
    over the type's days), and Erlang C's and Erlang A's requirements against the first service-level
    target (None where the formula does not apply)."""
    types = types or day_types(scenario)
    clock = scenario.clock
    pool = next(p for p in scenario.staff if p.name == pool_name)
    skills = {skill for skill, _ in pool.skills}
    by_day = np.asarray(sum(offered_load(scenario).get(skill, 0) for skill in skills) + np.zeros(clock.intervals),
                        dtype=float).reshape(clock.days, clock.intervals_per_day)
    loads = np.concatenate([by_day[list(kind.days)].mean(axis=0) for kind in types])
    target = next((t for t in interval_targets(scenario, pool_name) if t.kpi == "service_level"), None)
    steps = [(d, step) for d in scenario.demand for step, _ in scenario.steps_of(d.process) if step.skill in skills]
    if target is None or not steps:
        return loads, [None] * len(loads), [None] * len(loads)
    work = float(np.average([step.agent_minutes for _, step in steps]))
    speed = {level.level: level.speed for level in scenario.skill_levels}[max(level for _, level in pool.skills)]
    handle = work / speed
    threshold = target.within if target.within is not None else 20 / 60
    patience = [scenario.channel(d.channel).patience for d, _ in steps if scenario.channel(d.channel).patience]
    erlang_c, erlang_a = [], []
    for load in loads:
        rate = float(load) / work
        if rate <= 0:
            erlang_c.append(0)
            erlang_a.append(0)
            continue
        erlang_c.append(erlang_c_agents(rate, 1 / handle, threshold, target.bound))
        erlang_a.append(erlang_a_agents(rate, 1 / handle, 1 / float(np.mean([p.mean for p in patience])), threshold,
                                        target.bound) if patience else None)
    return loads, erlang_c, erlang_a


def occupancy_floor(scenario: Scenario, pool_name: str, loads: np.ndarray, speed: float) -> list[int]:
    """Per slot, the fewest agents that keep the expected occupancy (offered load / agents, Erlang C's
    occupancy, at the pool's speed) at or below the pool's max_occupancy (zeros without a cap)."""
    pool = next(p for p in scenario.staff if p.name == pool_name)
    cap = scenario.occupancy_cap(pool)
    if cap is None:
        return [0] * len(loads)
    return [int(math.ceil(float(load) / (cap * speed) - 1e-9)) for load in loads]


def per_interval_requirement(scenario: Scenario, pool_name: str,
                             run: Callable[[StaffedCurves], RunResult]) -> Requirement:
    """The fewest agents of ``pool_name`` per interval of the day (of each day type: weekdays with their
    own arrival rates) such that the scenario staffed with the whole curve meets each interval's
    targets. ``run(curves)`` runs the scenario with the pool staffed so (``staffed:`` by weekdays)."""
    clock = scenario.clock
    if abs(clock.day_length / clock.interval - clock.intervals_per_day) > 1e-9:
        raise InputError("a requirement per interval (staff --per-interval, roster) needs a day of whole "
                         "reporting intervals (the curve is one count each)")
    if not interval_targets(scenario, pool_name):
        raise InputError(f"a requirement per interval (staff --per-interval, roster) needs a service_level, "
                         f"abandonment or wait_mean target for all contacts or a channel that pool {pool_name} "
                         f"serves (deferrable work is judged over days, by response_within_target and "
                         f"backlog_end, not interval by interval: staff finds its headcount)")
    types = day_types(scenario)
    loads, erlang_c, erlang_a = formula_curves(scenario, pool_name, types)
    n = clock.intervals_per_day
    slots = n * len(types)
    speed = max({level.level: level.speed for level in scenario.skill_levels}[level]
                for _, level in next(p for p in scenario.staff if p.name == pool_name).skills)
    start = [c if c is not None else int(math.ceil(load / speed)) + 1 for c, load in zip(erlang_c, loads)]
    floor = occupancy_floor(scenario, pool_name, loads, speed)
    start = [max(first, least) for first, least in zip(start, floor)]
    # intervals the KPIs leave out (the warm-up) keep Erlang C's count: nothing measures what they need
    measured = [s % n >= clock.first_interval or len(types[s // n].days) > 1 or types[s // n].days[0] > 0
                for s in range(slots)]
    curve, runs = [max(0, s) for s in start], 0
    stuck: set[int] = set()                  # slots where one agent fewer broke a target
    answer = None
    for _ in range(MAX_ROUNDS):
        result = run(curves_of(types, curve))
        runs += 1
        met, values = intervals_meeting(result, scenario, types, pool_name)
        missing = [s for s in range(slots) if measured[s] and not met[s]]
        if missing:   # add agents where an interval misses: more staff never lengthens a wait
            if answer is not None:   # a trim broke these (or the interval before, on the same day): keep them
                for s in missing:
                    stuck.update({s, s - 1} if s % n else {s})
            curve = [c + 1 if s in missing else c for s, c in enumerate(curve)]
            continue
        answer = (list(curve), result)
        trim = [s for s in range(slots) if measured[s] and curve[s] > floor[s] and curve[s] > 0 and s not in stuck]
        if not trim:
            break
        curve = [c - 1 if s in trim else c for s, c in enumerate(curve)]
    if answer is None:   # the rounds ran out while repairing: run the last curve as the answer
        answer = (list(curve), run(curves_of(types, curve)))
        runs += 1
    curve, result = answer
    met, values = intervals_meeting(result, scenario, types, pool_name)
    table = _table(scenario, types, curve, loads, erlang_c, erlang_a, met, values, pool_name, speed)
    return Requirement(table, curve, result, runs, types)


def _table(scenario: Scenario, types: tuple[DayType, ...], curve: list[int], loads: np.ndarray, erlang_c: list,
           erlang_a: list, met: np.ndarray, values: pd.DataFrame, pool_name: str | None = None,
           speed: float = 1.0) -> pd.DataFrame:
    clock = scenario.clock
    targets = interval_targets(scenario, pool_name)
    indexed = values.set_index(["of_day", "metric", "scope"])["mean"]
    rows = []
    opening = clock.open_at or 0.0
    n = clock.intervals_per_day
    for s in range(len(curve)):   # the time of day within each day type: its days share the curve
        t = s % n
        start = format_clock(opening + t * clock.interval)
        end = format_clock(opening + min((t + 1) * clock.interval, clock.day_length))
        row: dict[str, Any] = {"days": types[s // n].label, "interval": t, "start": start, "end": end,
                               "offered_erlangs": round(float(loads[s]), 2), "required": curve[s],
                               "erlang_c": erlang_c[s], "erlang_a": erlang_a[s],
                               "expected_occupancy": round(float(loads[s]) / (curve[s] * speed), 4) if curve[s]
                               else np.nan}
        for target in targets:
            column = target.kpi if target.scope == "all" else f"{target.kpi}@{target.scope}"
            row[column] = indexed.get((s, target.kpi, target.scope), np.nan)
        row["meets_targets"] = bool(met[s])
        rows.append(row)
    return pd.DataFrame(rows)
