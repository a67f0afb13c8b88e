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
from simulator.metrics.staff_time import busy_time_before
from simulator.model.roster import scheduled_duty
from simulator.scenario.model import Clock, Pool, Scenario


@dataclass(frozen=True)
class CapacityFlag:
    kind: str      # "unstable" (over the horizon) or "peak" (some intervals)
    skill: str
    message: str


def offered_load(scenario: Scenario) -> dict[str, np.ndarray]:
    """Per resource (skill or ``automation:<name>``), the offered load in Erlangs (standard proficiency)
    for each reporting interval.

    Contacts an automation step contains do not go on to later steps; a step that reworks itself on
    error is done 1 / (1 - error rate) times on average (rework to an earlier step is counted once: a
    slight underestimate the simulation does not share).
    """
    clock = scenario.clock
    bounds = clock.interval_bounds()
    resources = list(scenario.skills) + [f"automation:{tool.name}" for tool in scenario.automation]
    load = {resource: np.zeros(len(bounds) - 1) for resource in resources}
    for demand in scenario.demand:
        times, cumulative = rate_boundaries(demand.arrivals, clock)
        arrivals_per_minute = np.diff(np.interp(bounds, times, cumulative)) / np.diff(bounds)
        flow = 1.0   # share of contacts still in the process at this step
        slots = scenario.channel(demand.channel).concurrency   # an agent holds this many chats at once
        for step in scenario.process(demand.process).steps:
            repeats = 1 / (1 - step.error_rate) if step.rework == step.name and step.error_rate < 1 else 1.0
            factor = step.mean_factor((bounds[:-1] + bounds[1:]) / 2, clock.day_length)
            load[step.resource] += (arrivals_per_minute * flow * step.probability * step.duration.mean * factor
                                    * repeats / (slots if step.skill is not None else 1))
            flow *= 1 - step.probability * step.containment
    return load


def expected_staffed(pool: Pool, clock: Clock) -> np.ndarray:
    """Agents the pool is expected to have on duty in each reporting interval (shrinkage taken off)."""
    bounds = clock.interval_bounds()
    periods = [period for day in range(clock.days)
               for agent in scheduled_duty(pool, clock, day) for period in agent]
    if not periods:
        return np.zeros(len(bounds) - 1)
    starts, ends = np.array(periods, dtype=float).T
    return np.diff(busy_time_before(starts, ends, bounds)) / np.diff(bounds) * (1 - pool.shrinkage)


def capacity(scenario: Scenario) -> dict[str, np.ndarray]:
    """Per resource and reporting interval, agents' (or bots') worth of work at standard proficiency."""
    speeds = {level.level: level.speed for level in scenario.skill_levels}
    clock = scenario.clock
    result = {skill: np.zeros(clock.intervals) for skill in scenario.skills}
    for pool in scenario.staff:
        staffed = expected_staffed(pool, clock)
        for skill, level in pool.skills:
            result[skill] = result[skill] + staffed * speeds[level]
    pools = {pool.name: pool for pool in scenario.staff}
    for course in scenario.training:   # trainees work at their new level's speed
        pool = pools[course.pool]
        before = speeds.get(pool.level(course.skill) or 0, 0.0)
        gain = max(speeds[course.to_level] - before, 0.0)
        result[course.skill] = result[course.skill] + expected_staffed(pool, clock) * course.share * gain
    for tool in scenario.automation:
        result[f"automation:{tool.name}"] = np.full(clock.intervals, float(tool.capacity))
    return result


def capacity_flags(scenario: Scenario) -> list[CapacityFlag]:
    """Skills whose offered load exceeds capacity over the horizon (unstable) or in some intervals."""
    flags = []
    clock = scenario.clock
    available = capacity(scenario)
    for skill, load in offered_load(scenario).items():
        if not load.any():
            continue
        lengths = np.diff(clock.interval_bounds())
        average, staff = float(np.average(load, weights=lengths)), available[skill]
        capable = float(np.average(staff, weights=lengths))
        if average > capable:
            flags.append(CapacityFlag("unstable", skill, (
                f"{_name(skill)}: offered load {average:.1f} Erlangs over the day exceeds the capacity of "
                f"{capable:.1f} agents at standard speed; queues grow without limit (unstable)")))
            continue
        over = np.flatnonzero(load > staff + 1e-9)
        if len(over):
            first, last = int(over[0]), int(over[-1])
            worst = int(np.argmax(load - staff))
            flags.append(CapacityFlag("peak", skill, (
                f"{_name(skill)}: offered load exceeds capacity in {len(over)} interval(s) between "
                f"{clock.interval_labels(first)[0]} and {clock.interval_labels(last)[1]}"
                f"; worst at {clock.interval_labels(worst)[0]}: {load[worst]:.1f} Erlangs for "
                f"{staff[worst]:.1f} agents")))
    return flags


def _name(resource: str) -> str:
    return f"automation '{resource.split(':', 1)[1]}'" if resource.startswith("automation:") else f"skill '{resource}'"
