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
from simulator.scenario.model import Scenario
from simulator.units import format_clock

INTERVAL_KPIS = ("service_level", "abandon_rate", "wait_mean")
HOLDS = 0.80   # an interval meets a target when its one-sided 90% bound does (a two-sided 80% interval)
MAX_ROUNDS = 40


@dataclass
class Requirement:
    table: pd.DataFrame          # interval, start, end, offered_erlangs, required, erlang_c, erlang_a, ...
    curve: list[int]             # agents per interval of the day
    answer: RunResult            # the run of the scenario staffed with the curve
    runs: int                    # simulations the search took


def interval_targets(scenario: Scenario) -> list:
    """The targets an interval can be judged by: a service level, abandonment or mean wait, for all
    contacts or a channel."""
    return [t for t in scenario.targets if t.kpi in INTERVAL_KPIS and t.scope.split(":", 1)[0] in ("all", "channel")]


def pooled_by_time_of_day(result: RunResult, scenario: Scenario) -> pd.DataFrame:
    """Each interval KPI per interval of the day, pooled over the days (which share a profile) and the
    replications: per-contact estimates with their 95% CIs (simulator.analysis)."""
    rows = result.intervals[result.intervals.metric.isin(INTERVAL_KPIS)].copy()
    rows["of_day"] = rows["interval"] % scenario.clock.intervals_per_day
    per_replication = rows.groupby(["replication", "of_day", "metric", "scope"])[
        ["numerator", "denominator", "squares"]].sum(min_count=1).reset_index()
    per_replication["value"] = per_replication["numerator"] / per_replication["denominator"].where(
        per_replication["denominator"] > 0)
    return summarise(per_replication.drop(columns="replication"), ["of_day", "metric", "scope"], HOLDS)


def intervals_meeting(result: RunResult, scenario: Scenario) -> tuple[np.ndarray, pd.DataFrame]:
    """Whether each interval of the day meets every interval target with its one-sided 90% confidence
    bound (so that the requirement holds when other days are simulated, not just on average over these:
    an interval met only by its estimate is missed on about half the fresh runs); an interval without the
    KPI (nobody called) meets it. Also the pooled estimates."""
    values = pooled_by_time_of_day(result, scenario)
    indexed = values.set_index(["of_day", "metric", "scope"])
    met = np.ones(scenario.clock.intervals_per_day, dtype=bool)
    for t in range(len(met)):
        for target in interval_targets(scenario):
            key = (t, target.kpi, target.scope)
            if key not in indexed.index or indexed.at[key, "mean"] != indexed.at[key, "mean"]:
                continue
            worst = indexed.at[key, "ci_low" if target.direction == "at_least" else "ci_high"]
            if worst != worst:
                worst = indexed.at[key, "mean"]
            if not target.is_met(float(worst)):
                met[t] = False
    return met, values


def formula_curves(scenario: Scenario, pool_name: str) -> tuple[np.ndarray, list, list]:
    """Per interval of the first day: the pool's offered load (Erlangs), and Erlang C's and Erlang A's
    requirements against the first service-level target (None where the formula does not apply)."""
    pool = next(p for p in scenario.staff if p.name == pool_name)
    skills = {skill for skill, _ in pool.skills}
    loads = sum(offered_load(scenario).get(skill, 0) for skill in skills)[:scenario.clock.intervals_per_day]
    target = next((t for t in interval_targets(scenario) if t.kpi == "service_level"), None)
    steps = [(d, step) for d in scenario.demand for step in scenario.process(d.process).steps if step.skill in skills]
    if target is None or not steps:
        return np.asarray(loads, dtype=float), [None] * len(loads), [None] * len(loads)
    work = float(np.average([step.duration.mean for _, step in steps]))
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
    return np.asarray(loads, dtype=float), erlang_c, erlang_a


def per_interval_requirement(scenario: Scenario, pool_name: str,
                             run: Callable[[list[int]], RunResult]) -> Requirement:
    """The fewest agents of ``pool_name`` per interval of the day such that the scenario staffed with the
    whole curve meets each interval's targets. ``run(curve)`` runs the scenario with the pool staffed so
    (every day alike)."""
    clock = scenario.clock
    if abs(clock.day_length / clock.interval - clock.intervals_per_day) > 1e-9:
        raise InputError("--per-interval needs a day of whole reporting intervals (the curve is one count each)")
    if not interval_targets(scenario):
        raise InputError("--per-interval needs a service_level, abandonment or wait_mean target for all contacts "
                         "or a channel")
    loads, erlang_c, erlang_a = formula_curves(scenario, pool_name)
    n = clock.intervals_per_day
    speed = max({level.level: level.speed for level in scenario.skill_levels}[level]
                for _, level in next(p for p in scenario.staff if p.name == pool_name).skills)
    start = [c if c is not None else int(math.ceil(load / speed)) + 1 for c, load in zip(erlang_c, loads)]
    # intervals the KPIs leave out (the warm-up) keep Erlang C's count: nothing measures what they need
    measured = [t >= clock.first_interval or clock.days > 1 for t in range(n)]
    curve, runs = [max(0, s) for s in start], 0
    stuck: set[int] = set()                  # intervals where one agent fewer broke a target
    answer = None
    for _ in range(MAX_ROUNDS):
        result = run(curve)
        runs += 1
        met, values = intervals_meeting(result, scenario)
        missing = [t for t in range(n) if measured[t] and not met[t]]
        if missing:   # add agents where an interval misses: more staff never lengthens a wait
            if answer is not None:   # a trim broke these (or the interval after them): keep them where they were
                for t in missing:
                    stuck.update({t, t - 1})
            curve = [c + 1 if t in missing else c for t, c in enumerate(curve)]
            continue
        answer = (list(curve), result)
        trim = [t for t in range(n) if measured[t] and curve[t] > 0 and t not in stuck]
        if not trim:
            break
        curve = [c - 1 if t in trim else c for t, c in enumerate(curve)]
    if answer is None:   # the rounds ran out while repairing: run the last curve as the answer
        answer = (list(curve), run(curve))
        runs += 1
    curve, result = answer
    answer = result
    met, values = intervals_meeting(answer, scenario)
    table = _table(scenario, curve, loads, erlang_c, erlang_a, met, values)
    return Requirement(table, curve, answer, runs)


def _table(scenario: Scenario, curve: list[int], loads: np.ndarray, erlang_c: list, erlang_a: list,
           met: np.ndarray, values: pd.DataFrame) -> pd.DataFrame:
    clock = scenario.clock
    targets = interval_targets(scenario)
    indexed = values.set_index(["of_day", "metric", "scope"])["mean"]
    rows = []
    opening = clock.open_at or 0.0
    for t in range(clock.intervals_per_day):   # the time of day: every day shares the curve
        start = format_clock(opening + t * clock.interval)
        end = format_clock(opening + min((t + 1) * clock.interval, clock.day_length))
        row: dict[str, Any] = {"interval": t, "start": start, "end": end, "offered_erlangs": round(float(loads[t]), 2),
                               "required": curve[t], "erlang_c": erlang_c[t], "erlang_a": erlang_a[t]}
        for target in targets:
            column = target.kpi if target.scope == "all" else f"{target.kpi}@{target.scope}"
            row[column] = indexed.get((t, target.kpi, target.scope), np.nan)
        row["meets_targets"] = bool(met[t])
        rows.append(row)
    return pd.DataFrame(rows)
