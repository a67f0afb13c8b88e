"""Staffing search: the fewest agents that meet every target, beside Erlang C's answer.

Whole day: for each pool with a ``headcount`` (one after another, the others as in the file), the
smallest headcount whose run meets every target by its mean and leaves no work undone (at most 1% of
contacts unfinished). The search brackets from the file's
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

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from simulator.capacity import offered_load
from simulator.errors import InputError
from simulator.experiment import RunResult, run_scenario
from simulator.queueing import erlang_c_agents
from simulator.scenario import Scenario, load_scenario


@dataclass
class Staffing:
    pools: pd.DataFrame                  # pool, in_file, required, erlang_c, evaluations
    per_interval: pd.DataFrame | None    # interval, start, end, required, erlang_c, offered_erlangs


def meets_targets(result: RunResult) -> bool:
    """Every target met by its mean, and the work done: no skill offered more work over the day than its
    staff can do, and no more than 1% of contacts left unfinished (without these, a pool that no target
    mentions would be cut to nobody, or to one person clearing the day's work overnight)."""
    if not len(result.targets) or not (result.targets["status"] == "met").all():
        return False
    if any(flag.kind == "unstable" for flag in result.flags):
        return False
    offered, unfinished = result.kpi("offered")["mean"], result.kpi("unfinished")["mean"]
    return bool(unfinished <= 0.01 * offered)


def erlang_c_for_pool(scenario: Scenario, pool_name: str, erlangs: float) -> int | None:
    """Erlang C's agents for ``erlangs`` of offered load on the pool's skills, against the scenario's
    service-level target (None without one)."""
    target = next((t for t in scenario.targets if t.kpi == "service_level" and t.direction == "at_least"), None)
    pool = next(p for p in scenario.staff if p.name == pool_name)
    if target is None or erlangs <= 0:
        return None
    skills = {skill for skill, _ in pool.skills}
    steps = [(d, step) for d in scenario.demand for step in scenario.process(d.process).steps if step.skill in skills]
    work = np.average([step.duration.mean for _, step in steps]) if steps else 1.0
    speed = {level.level: level.speed for level in scenario.skill_levels}[max(level for _, level in pool.skills)]
    handle = work / speed                                   # minutes per contact for this pool
    return erlang_c_agents(erlangs / work, 1 / handle, scenario.service_level_threshold, target.bound)


def find_staffing(path: Path, overrides: dict[str, Any] | None = None, replications: int | None = None,
                  seed: int | None = None, jobs: "int | Engine" = 1, per_interval: bool = False, pool: str | None = None,
                  progress: Callable[[int], None] | None = None) -> Staffing:
    overrides = dict(overrides or {})
    base = load_scenario(path, overrides)
    if not base.targets:
        raise InputError(f"{path}: the scenario has no targets to meet; add targets: (e.g. service_level)")
    searchable = [p.name for p in base.staff if not p.shifts]
    if not searchable:
        raise InputError(f"{path}: every pool works in shifts; the search varies pools with a headcount")
    cache: dict[tuple, RunResult] = {}

    def run(changes: dict[str, Any]) -> RunResult:
        key = tuple(sorted(changes.items()))
        if key not in cache:
            scenario = load_scenario(path, {**overrides, **changes})
            cache[key] = run_scenario(scenario, replications=replications, seed=seed, jobs=jobs)
            if progress is not None:
                progress(1)
        return cache[key]

    if per_interval:
        return Staffing(pd.DataFrame(), _per_interval(base, pool or searchable[0], run, searchable))
    rows, settled = [], {}
    load = {name: float(np.mean(sum(offered_load(base).get(skill, 0) for skill, _ in p.skills)))
            for name, p in ((p.name, p) for p in base.staff)}
    for name in searchable:
        key = f"staff.{name}.headcount"
        in_file = next(p.headcount for p in base.staff if p.name == name)
        before = len(cache)
        required = _smallest(lambda h: meets_targets(run({**settled, key: h})), in_file)
        if required is not None:
            settled[key] = required
        rows.append({"pool": name, "in_file": in_file, "required": required,
                     "erlang_c": erlang_c_for_pool(base, name, load[name]), "evaluations": len(cache) - before})
    return Staffing(pd.DataFrame(rows), None)


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


def _per_interval(base: Scenario, pool: str, run: Callable[[dict], RunResult], searchable: list[str]) -> pd.DataFrame:
    if pool not in searchable:
        raise InputError(f"--pool {pool}: expected a pool with a headcount: {', '.join(searchable)}")
    key = f"staff.{pool}.headcount"
    chosen = next(p for p in base.staff if p.name == pool)
    loads = sum(offered_load(base).get(skill, 0) for skill, _ in chosen.skills)
    erlang = [erlang_c_for_pool(base, pool, float(a)) for a in loads]
    speed = {level.level: level.speed for level in base.skill_levels}[max(level for _, level in chosen.skills)]
    low = max(1, math.floor(float(np.min(loads)) / speed))
    high = max([e for e in erlang if e is not None] + [math.ceil(float(np.max(loads)) / speed) + 2,
                                                       chosen.headcount]) + 2
    targets = [t for t in base.targets if t.kpi in ("service_level", "abandon_rate")]
    if not targets:
        raise InputError("--per-interval needs a service_level or abandonment target")
    met_from: dict[int, int] = {}
    for headcount in range(low, high + 1):
        intervals = run({key: headcount}).interval_summary
        for k, rows in intervals.groupby("interval"):
            if k in met_from:
                continue
            ok = True
            for target in targets:
                scope = target.scope if target.scope.startswith(("all", "channel:")) else "all"
                match = rows[(rows.metric == target.kpi) & (rows.scope == scope)]
                value = match["mean"].iloc[0] if not match.empty else float("nan")
                ok = ok and (value != value or target.is_met(value))
            if ok:
                met_from[int(k)] = headcount
    clock = base.clock
    first = int(math.ceil(clock.warmup / clock.interval - 1e-9))
    rows = []
    for k in range(first, clock.intervals_per_day * clock.days):
        start, end = clock.interval_labels(k)
        rows.append({"interval": k, "start": start, "end": end, "offered_erlangs": round(float(loads[k]), 2),
                     "required": met_from.get(k), "erlang_c": erlang[k]})
    return pd.DataFrame(rows)
