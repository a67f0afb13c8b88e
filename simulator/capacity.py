"""Is there enough staff for the work offered? A check before the run, shown with its results.

For each skill, the offered load (Erlangs: agents' worth of work at standard
proficiency) is compared with the capacity of the staff who have that skill
(agents expected on duty in each interval x speed of their level). Over the whole horizon, load above capacity
means queues grow without limit: the system is unstable, and is flagged. Within
single intervals it is reported as a peak overload, which queues can absorb.
Agents with several skills are counted in each, so the check cannot see every
shortage of a multi-skill system; the simulation can.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.arrivals import rate_boundaries
from simulator.metrics.compute import busy_time_before
from simulator.model.roster import scheduled_duty
from simulator.scenario.model import Clock, Pool, Scenario


@dataclass(frozen=True)
class CapacityFlag:
    kind: str      # "unstable" (over the horizon) or "peak" (some intervals)
    skill: str
    message: str


def offered_load(scenario: Scenario) -> dict[str, np.ndarray]:
    """Per skill, the offered load in Erlangs (standard proficiency) for each reporting interval."""
    clock = scenario.clock
    bounds = np.arange(clock.intervals_per_day * clock.days + 1) * clock.interval
    load = {skill: np.zeros(len(bounds) - 1) for skill in scenario.skills}
    for demand in scenario.demand:
        times, cumulative = rate_boundaries(demand.arrivals, clock)
        arrivals_per_minute = np.diff(np.interp(bounds, times, cumulative)) / clock.interval
        for step in scenario.process(demand.process).steps:
            load[step.skill] += arrivals_per_minute * step.probability * step.duration.mean
    return load


def expected_staffed(pool: Pool, clock: Clock) -> np.ndarray:
    """Agents the pool is expected to have on duty in each reporting interval (shrinkage taken off)."""
    bounds = np.arange(clock.intervals_per_day * clock.days + 1) * clock.interval
    periods = [period for day in range(clock.days)
               for agent in scheduled_duty(pool, clock.day_length, day) for period in agent]
    if not periods:
        return np.zeros(len(bounds) - 1)
    starts, ends = np.array(periods, dtype=float).T
    return np.diff(busy_time_before(starts, ends, bounds)) / clock.interval * (1 - pool.shrinkage)


def capacity(scenario: Scenario) -> dict[str, np.ndarray]:
    """Per skill and reporting interval, agents' worth of work the staff can do at standard proficiency."""
    speeds = {level.level: level.speed for level in scenario.skill_levels}
    clock = scenario.clock
    result = {skill: np.zeros(clock.intervals_per_day * clock.days) for skill in scenario.skills}
    for pool in scenario.staff:
        staffed = expected_staffed(pool, clock)
        for skill, level in pool.skills:
            result[skill] = result[skill] + staffed * speeds[level]
    return result


def capacity_flags(scenario: Scenario) -> list[CapacityFlag]:
    """Skills whose offered load exceeds capacity over the horizon (unstable) or in some intervals."""
    flags = []
    clock = scenario.clock
    available = capacity(scenario)
    for skill, load in offered_load(scenario).items():
        if not load.any():
            continue
        average, staff = float(load.mean()), available[skill]
        if average > float(staff.mean()):
            flags.append(CapacityFlag("unstable", skill, (
                f"skill '{skill}': offered load {average:.1f} Erlangs over the day exceeds the capacity of "
                f"{staff.mean():.1f} agents at standard speed; queues grow without limit (unstable)")))
            continue
        over = np.flatnonzero(load > staff + 1e-9)
        if len(over):
            first, last = int(over[0]), int(over[-1])
            worst = int(np.argmax(load - staff))
            flags.append(CapacityFlag("peak", skill, (
                f"skill '{skill}': offered load exceeds capacity in {len(over)} interval(s) between "
                f"{clock.label(first * clock.interval)} and {clock.label((last + 1) * clock.interval, closing=True)}"
                f"; worst at {clock.label(worst * clock.interval)}: {load[worst]:.1f} Erlangs for "
                f"{staff[worst]:.1f} agents")))
    return flags
