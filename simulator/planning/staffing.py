"""Staffing search: the fewest agents that meet every target, beside Erlang C's answer.

Whole day: for each pool (one after another, the others as settled so far), the smallest headcount
(for a pool in shifts: its shifts' counts scaled together, or each shift's count with ``per_shift``) whose run meets every target (its whole 95% CI on the right side) and raises no
capacity or work flag: no unstable skill, no overtime above 5% of scheduled hours, no growing backlog,
deferrable work answered within its response target (90%), no customers left unserved
(simulator.workload). The search brackets from the file's
headcount (doubling steps down or up) and then bisects; every candidate runs on the same customers
(common random numbers), which keeps the answer from jumping with chance.

Per interval: one pool's staffed count is varied over a range, all day long, and each interval's
requirement is the smallest count whose service level (and abandonment) in that interval meets the
targets: a requirement curve to turn into shifts. Erlang C's answer for the same intervals is shown
beside it; the two differ where the formula's assumptions fail (abandonment, several skills, errors and
rework, queues carried over from the interval before).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.executors import Engine

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from simulator.capacity import offered_load
from simulator.errors import InputError
from simulator.experiment import RunResult, run_scenario
from simulator.queueing import erlang_c_agents
from simulator.scenario import Scenario, load_baseline, load_scenario
from simulator.scenario.model import StaffedCurves
from simulator.scenario.resolve import staffed_document
from simulator.workload import WORK_FLAGS


@dataclass
class Staffing:
    pools: pd.DataFrame                  # pool, varied, in_file, required, erlang_c, evaluations
    per_interval: pd.DataFrame | None    # interval, start, end, offered_erlangs, required, erlang_c, erlang_a, ...
    answer: RunResult | None = None      # the run of the answer (every pool at its requirement)
    changes: dict[str, Any] | None = None   # the answer as --set changes
    plan: Scenario | None = None         # per interval: the scenario staffed with the requirement curve
    around: Any = None                   # with --around N: a Sweep of the answer's pool from -N to +N


REJECTING_FLAGS = ("unstable",) + WORK_FLAGS


class Runs:
    """Runs of a scenario file with changes by dotted path, each on the same customers and run once
    (a search asks for the same candidate again and again)."""

    def __init__(self, path: Path, overrides: dict[str, Any], replications: int | None, seed: int | None,
                 jobs: "int | Engine", progress: Callable[[int], None] | None):
        self.path, self.overrides, self.replications, self.seed, self.jobs = path, overrides, replications, seed, jobs
        self.progress = progress
        self.cache: dict[str, RunResult] = {}

    def __call__(self, changes: dict[str, Any]) -> RunResult:
        key = json.dumps(changes, sort_keys=True)
        if key not in self.cache:
            scenario = load_baseline(self.path, {**self.overrides, **changes})
            self.cache[key] = run_scenario(scenario, replications=self.replications, seed=self.seed, jobs=self.jobs)
            if self.progress is not None:
                self.progress(1)
        return self.cache[key]


def meets_targets(result: RunResult) -> bool:
    """Every target met (its CI wholly on the right side), and the work done: no capacity or work flag
    (an unstable skill, overtime, a growing backlog, late deferrable work, customers left unserved).
    Without these, a pool that no target mentions would be cut to nobody, or to a few people clearing
    the day's work overnight."""
    if not len(result.targets) or not (result.targets["status"] == "met").all():
        return False
    return not any(flag.kind in REJECTING_FLAGS for flag in result.flags)


def meets_own_targets(result: RunResult, pool: str) -> bool:
    """The targets this pool alone can move met (on the channels it serves, or the pool itself) and no
    flag on its skills: the first pass of a search over several pools, so that one pool's search is not
    blocked by another's shortfall. Without such targets, every target."""
    from simulator.planning.requirement import pool_channels

    served = pool_channels(result.scenario, pool)
    targets = result.targets
    own = targets["scope"].map(lambda scope: scope == f"pool:{pool}" or
                               (scope.startswith("channel:") and scope.split(":", 1)[1] in served))
    if not own.any():
        return meets_targets(result)
    if not (targets.loc[own, "status"] == "met").all():
        return False
    skills = {skill for p in result.scenario.staff if p.name == pool for skill, _ in p.skills}
    return not any(flag.kind in REJECTING_FLAGS and flag.skills & skills
                   for flag in result.flags)


def erlang_c_for_pool(scenario: Scenario, pool_name: str, erlangs: float) -> int | None:
    """Erlang C's agents for ``erlangs`` of offered load on the pool's skills, against the scenario's
    service-level target (None without one)."""
    target = next((t for t in scenario.targets if t.kpi == "service_level" and t.direction == "at_least"), None)
    pool = next(p for p in scenario.staff if p.name == pool_name)
    if target is None or erlangs <= 0:
        return None
    skills = {skill for skill, _ in pool.skills}
    steps = [(d, step) for d in scenario.demand for step, _ in scenario.steps_of(d.process) if step.skill in skills]
    work = np.average([step.agent_minutes for _, step in steps]) if steps else 1.0
    speed = {level.level: level.speed for level in scenario.skill_levels}[max(level for _, level in pool.skills)]
    handle = work / speed                                   # minutes per contact for this pool
    threshold = target.within if target.within is not None else (scenario.service_level.default or 20 / 60)
    return erlang_c_agents(erlangs / work, 1 / handle, threshold, target.bound)


@dataclass(frozen=True)
class Lever:
    """One number the search varies: a pool's headcount, all its shifts' counts scaled together, or one
    shift's count. ``changes(h)`` is what it means as ``--set`` changes."""

    label: str          # pool, or pool.shift
    pool: str
    varied: str         # what is varied, in words
    in_file: int
    counts: tuple[tuple[str, int], ...] = ()   # (shift, count in the file) for scaled shifts; () otherwise
    path: str = ""      # the dotted path of a headcount or of one shift's count
    curves: StaffedCurves = ()   # a staffing curve's counts, by weekdays

    def changes(self, value: int) -> dict[str, Any]:
        if self.path.endswith(".staffed"):   # staffing curves: scaled so that their peak is ``value``
            return {self.path: staffed_document(scaled_curves(self.curves, value))}
        if not self.counts:
            return {self.path: value}
        return {f"staff.{self.pool}.shifts.{name}.count": count
                for name, count in zip((n for n, _ in self.counts), scaled([c for _, c in self.counts], value))}


def scaled(counts: list[int], total: int) -> list[int]:
    """Counts in the same proportions adding up to ``total`` (largest remainders; an even split when all
    are zero)."""
    weights = np.array(counts, dtype=float) if sum(counts) else np.ones(len(counts))
    exact = weights / weights.sum() * total
    result = np.floor(exact).astype(int)
    for index in np.argsort(-(exact - result), kind="stable")[:total - int(result.sum())]:
        result[index] += 1
    return result.tolist()


def peak(curves: StaffedCurves) -> int:
    return max(max(counts) for _, counts in curves)


def scaled_curves(curves: StaffedCurves, top: int) -> StaffedCurves:
    """Staffing curves scaled so that their peak is ``top`` (rounded to whole agents)."""
    highest = peak(curves)
    return tuple((days, tuple(int(round(c * top / highest)) for c in counts)) for days, counts in curves)


def levers(scenario: Scenario, per_shift: bool = False) -> list[Lever]:
    """What the search varies, pool by pool: a headcount, or the shifts' counts (scaled together, or
    each shift on its own with ``per_shift``)."""
    found = []
    for pool in scenario.staff:
        if pool.staffed:
            found.append(Lever(pool.name, pool.name, "staffing curve, scaled to its peak", peak(pool.staffed),
                               path=f"staff.{pool.name}.staffed", curves=pool.staffed))
        elif not pool.shifts:
            found.append(Lever(pool.name, pool.name, "headcount", pool.headcount, path=f"staff.{pool.name}.headcount"))
        elif per_shift:
            found += [Lever(f"{pool.name}.{shift.name}", pool.name, f"shift {shift.name}: count", shift.count,
                            path=f"staff.{pool.name}.shifts.{shift.name}.count") for shift in pool.shifts]
        else:
            found.append(Lever(pool.name, pool.name, "shift counts, scaled together", pool.headcount,
                               tuple((shift.name, shift.count) for shift in pool.shifts)))
    return found


def find_staffing(path: Path, overrides: dict[str, Any] | None = None, replications: int | None = None,
                  seed: int | None = None, jobs: "int | Engine" = 1, per_interval: bool = False, pool: str | None = None,
                  progress: Callable[[int], None] | None = None, per_shift: bool = False) -> Staffing:
    overrides = dict(overrides or {})
    base = load_scenario(path, overrides)
    if not base.targets:
        raise InputError(f"{path}: the scenario has no targets to meet; add targets: (e.g. service_level)")
    run = Runs(path, overrides, replications, seed, jobs, progress)
    cache = run.cache

    if per_interval:
        return _per_interval(path, overrides, base, pool, run)
    load = {p.name: float(np.mean(sum(offered_load(base).get(skill, 0) for skill, _ in p.skills))) for p in base.staff}
    search = levers(base, per_shift)
    erlang = {lever.label: erlang_c_for_pool(base, lever.pool, load[lever.pool]) if lever.label == lever.pool
              else None for lever in search}
    settled: dict[str, int] = {}     # lever label -> value
    required: dict[str, int | None] = {lever.label: None for lever in search}
    evaluations = {lever.label: 0 for lever in search}

    def changes_of(values: dict[str, int]) -> dict[str, int]:
        merged: dict[str, int] = {}
        for lever in search:
            if lever.label in values:
                merged.update(lever.changes(values[lever.label]))
        return merged

    # first each pool on the targets it alone can move (its channels), the others as in the file ...
    if len(base.staff) > 1:
        for lever in search:
            ceiling = max(4 * max(lever.in_file, erlang[lever.label] or 0), lever.in_file + 20)
            before = len(cache)
            found = _smallest(lambda h: meets_own_targets(run(changes_of({lever.label: h})), lever.pool),
                              lever.in_file, ceiling)
            evaluations[lever.label] += len(cache) - before
            if found is not None:
                settled[lever.label] = found
    # ... then one after another on every target, the others as settled so far; one that cannot meet the
    # targets while a later one is short is searched again once that one is settled
    for _ in range(len(search) + 1):
        changed = False
        for lever in search:
            others = {k: v for k, v in settled.items() if k != lever.label}
            before = len(cache)
            ceiling = max(4 * max(lever.in_file, erlang[lever.label] or 0), lever.in_file + 20)
            found = _smallest(lambda h: meets_targets(run(changes_of({**others, lever.label: h}))),
                              settled.get(lever.label, lever.in_file), ceiling)
            evaluations[lever.label] += len(cache) - before
            if found is not None and settled.get(lever.label) != found:
                settled[lever.label], changed = found, True
            required[lever.label] = found
        if not changed:
            break
    rows = [{"pool": lever.label, "varied": lever.varied, "in_file": lever.in_file, "required": required[lever.label],
             "erlang_c": erlang[lever.label], "evaluations": evaluations[lever.label]} for lever in search]
    done = all(value is not None for value in required.values())
    answer = changes_of(settled) if done else None
    return Staffing(pd.DataFrame(rows), None, run(answer) if done else None, answer)


def around_answer(path: Path, overrides: dict[str, Any] | None, staffing: Staffing, spread: int,
                  pool: str | None = None, replications: int | None = None, seed: int | None = None,
                  jobs: "int | Engine" = 1) -> Any:
    """The +-N table's runs: the answer's pool (``pool``, or the first) from ``spread`` below its
    requirement to ``spread`` above, the other pools at theirs, on the same customers (a Sweep)."""
    from simulator.experiment import compare_scenarios
    from simulator.sweep import Sweep

    base = load_scenario(path, overrides)
    search = {lever.label: lever for lever in levers(base)}
    rows = staffing.pools[staffing.pools["required"].notna()]
    label = pool if pool is not None else (rows["pool"].iloc[0] if len(rows) else None)
    if label not in search or label not in set(rows["pool"]):
        raise InputError(f"--around: no requirement found for pool {label!r} to look around")
    lever = search[label]
    required = int(rows.set_index("pool").at[label, "required"])
    levels = [level for level in range(required - spread, required + spread + 1) if level >= 0]
    scenarios = {f"{label}={level}": load_baseline(path, {**(overrides or {}), **(staffing.changes or {}),
                                                          **lever.changes(level)}) for level in levels}
    comparison = compare_scenarios(scenarios, replications=replications, seed=seed, jobs=jobs)
    return Sweep([label], [{label: level} for level in levels], comparison)


def _smallest(meets: Callable[[int], bool], start: int, ceiling: int = 2000) -> int | None:
    """The smallest whole number >= 0 for which ``meets`` holds, assuming more never hurts."""
    if meets(start):
        high, step = start, 1
        low = start - step
        while low > 0 and meets(low):
            high, step = low, step * 2
            low = high - step
        low = max(low, -1)               # -1: nothing below has been shown to fail yet
        if low >= 0 and meets(low):
            return low
    else:
        low, step = start, 1
        high = start + step
        while not meets(high):
            low, step = high, step * 2
            high = low + step
            if high > ceiling:
                return None
    while high - low > 1:                # low fails (or is -1), high meets
        middle = (low + high) // 2
        if middle >= 0 and meets(middle):
            high = middle
        else:
            low = middle
    return high


def _per_interval(path: Path, overrides: dict[str, Any], base: Scenario, pool: str | None,
                  run: Callable[[dict], RunResult]) -> Staffing:
    """The requirement curve of one pool (``pool``, default the first that serves a channel a target
    names), found with the whole day staffed by it (simulator.planning.requirement)."""
    from simulator.planning.requirement import per_interval_requirement

    names = [p.name for p in base.staff]
    chosen = pool or names[0]
    if chosen not in names:
        raise InputError(f"--pool {chosen}: expected one of {', '.join(names)}")
    # the requirement is agents on duty: net of breaks, absences, activities and time out of adherence,
    # which the plan leaves to the roster
    kept = pool_without_staffing(path, overrides, chosen, ("breaks", "shrinkage", "activities", "adherence"))

    def staffed(curves: StaffedCurves) -> RunResult:
        return run({f"staff.{chosen}": {**kept, "staffed": staffed_document(curves)}})

    requirement = per_interval_requirement(base, chosen, staffed)
    requirement.table["on_duty_in_file"] = on_duty_per_slot(base, chosen, requirement.day_types)
    return Staffing(pd.DataFrame(), requirement.table, requirement.answer,
                    {f"staff.{chosen}.staffed": staffed_document(requirement.curves())}, requirement.answer.scenario)


def on_duty_per_slot(scenario: Scenario, pool_name: str, types) -> list[float]:
    """The pool's agents expected on duty (shrinkage off) in each slot of the requirement table, as the
    scenario staffs it today: the mean over each kind of day's dates, to set beside what is required."""
    from simulator.capacity import expected_staffed

    pool = next(p for p in scenario.staff if p.name == pool_name)
    clock = scenario.clock
    by_day = expected_staffed(pool, clock).reshape(clock.days, clock.intervals_per_day)
    return [round(float(v), 2) for kind in types for v in by_day[list(kind.days)].mean(axis=0)]


def pool_without_staffing(path: Path, overrides: dict[str, Any], pool: str, drop: tuple[str, ...] = ()) -> dict:
    """The pool's mapping as written (with ``overrides``), without what says who is on duty when
    (headcount, shifts or staffed) and the keys in ``drop``: to be given a new staffing."""
    from simulator.scenario.overrides import apply_overrides
    from simulator.scenario.yaml_source import read_yaml_file

    raw = apply_overrides(read_yaml_file(path), overrides)["staff"][pool]
    return {key: value for key, value in raw.items() if key not in ("headcount", "shifts", "staffed") + drop}
