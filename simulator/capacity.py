"""Is there enough staff for the work offered? A check before the run, shown with its results.

For each skill, the offered load (Erlangs: agents' worth of work at standard
proficiency) is compared with the capacity of the staff who have that skill
(headcount x speed of their level). Over the whole horizon, load above capacity
means queues grow without limit: the system is unstable, and is flagged. Within
single intervals it is reported as a peak overload, which queues can absorb.
Agents with several skills are counted in each, so the check cannot see every
shortage of a multi-skill system; the simulation can.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.arrivals import rate_boundaries
from simulator.scenario.model import Scenario


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


def capacity(scenario: Scenario) -> dict[str, float]:
    """Per skill, agents' worth of work the staff can do at standard proficiency."""
    speeds = {level.level: level.speed for level in scenario.skill_levels}
    result = {skill: 0.0 for skill in scenario.skills}
    for pool in scenario.staff:
        for skill, level in pool.skills:
            result[skill] += pool.headcount * speeds[level]
    return result


def capacity_flags(scenario: Scenario) -> list[CapacityFlag]:
    """Skills whose offered load exceeds capacity over the horizon (unstable) or in some intervals."""
    flags = []
    clock = scenario.clock
    available = capacity(scenario)
    for skill, load in offered_load(scenario).items():
        if not load.any():
            continue
        average = float(load.mean())
        staff = available[skill]
        if average > staff:
            flags.append(CapacityFlag("unstable", skill, (
                f"skill '{skill}': offered load {average:.1f} Erlangs over the day exceeds the capacity of "
                f"{staff:.1f} agents at standard speed; queues grow without limit (unstable)")))
            continue
        over = np.flatnonzero(load > staff)
        if len(over):
            first, last = int(over[0]), int(over[-1])
            flags.append(CapacityFlag("peak", skill, (
                f"skill '{skill}': offered load exceeds capacity ({staff:.1f}) in {len(over)} interval(s) "
                f"between {clock.label(first * clock.interval)} and {clock.label((last + 1) * clock.interval)}, "
                f"peaking at {load.max():.1f} Erlangs")))
    return flags
