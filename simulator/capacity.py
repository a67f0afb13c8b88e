"""Is there enough staff for the work offered? A check before the run, shown with its results.

For each skill, the offered load (Erlangs: agents' worth of work at standard
proficiency) is compared with the capacity of the staff who have that skill
(agents expected on duty in each interval x speed of their level). Over the whole horizon, load above capacity
means queues grow without limit: the system is unstable, and is flagged. Within
single intervals it is reported as a peak overload, which queues can absorb.
Agents with several skills count in each skill's own check, so a second check looks at the skills
that share pools together: a linear programme (HiGHS, through SciPy) finds the largest share of the
offered load the pools could carry if each agent's time were split between their skills as well as
possible. Below 100%, no routing can keep up: unstable, even when every skill passes alone (two skills at
80% of one shared pool's capacity each).
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
    skill: str     # the resource, or skills that share pools joined by " + "
    message: str

    @property
    def skills(self) -> set[str]:
        """The skills (or resources) the flag is about."""
        return set(self.skill.split(" + "))


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
        slots = scenario.channel(demand.channel).concurrency   # an agent holds this many chats at once

        def add(process_name: str, flow: float) -> None:
            """The load of a process's steps for ``flow``, the share of contacts still in it; then of
            where it branches (containment before a branch thins what goes on)."""
            process = scenario.process(process_name)
            for step in process.steps:
                repeats = 1 / (1 - step.error_rate) if step.rework == step.name and step.error_rate < 1 else 1.0
                factor = step.mean_factor((bounds[:-1] + bounds[1:]) / 2, clock.day_length)
                load[step.resource] += (arrivals_per_minute * flow * step.probability * step.agent_minutes * factor
                                        * repeats / (slots if step.skill is not None else 1))
                flow *= 1 - step.probability * step.containment
            for target in process.steps[-1].branch:
                add(target.process, flow * target.share)

        add(demand.process, 1.0)
    return load


def expected_staffed(pool: Pool, clock: Clock) -> np.ndarray:
    """Agents the pool is expected to have on duty in each reporting interval (breaks and activities cut
    out, absences by shrinkage and time out of adherence taken off)."""
    bounds = clock.interval_bounds()
    periods = [period for day in range(clock.days)
               for agent in scheduled_duty(pool, clock, day) for period in agent]
    if not periods:
        return np.zeros(len(bounds) - 1)
    starts, ends = np.array(periods, dtype=float).T
    return np.diff(busy_time_before(starts, ends, bounds)) / np.diff(bounds) * (1 - pool.shrinkage) \
        * pool.adherence.share


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
    load_by_skill = offered_load(scenario)
    bounded = _bounded_resources(scenario)
    for skill, load in load_by_skill.items():
        if not load.any():
            continue
        lengths = np.diff(clock.interval_bounds())
        average, staff = float(np.average(load, weights=lengths)), available[skill]
        capable = float(np.average(staff, weights=lengths))
        if average > capable and skill in bounded:
            flags.append(CapacityFlag("peak", skill, (
                f"{_name(skill)}: offered load {average:.1f} Erlangs over the day exceeds the capacity of "
                f"{capable:.1f} agents at standard speed; the channels' lines or balking turn the excess away "
                f"(block_rate and balk_rate say how much)")))
            continue
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
    unstable = {flag.skill for flag in flags if flag.kind == "unstable"} | bounded
    return flags + shared_pool_flags(scenario, load_by_skill, unstable)


def _bounded_resources(scenario: Scenario) -> set[str]:
    """Resources whose every contact comes by a channel with lines, or whose customers balk at a length:
    their queues cannot grow without limit, however heavy the load."""
    feeding: dict[str, list[bool]] = {}
    for demand in scenario.demand:
        channel = scenario.channel(demand.channel)
        bounded = channel.lines is not None or channel.balk_at is not None
        for step, _ in scenario.steps_of(demand.process):
            feeding.setdefault(step.resource, []).append(bounded)
    return {resource for resource, flags in feeding.items() if all(flags)}


def shared_pool_flags(scenario: Scenario, load: dict[str, np.ndarray], unstable: set[str]) -> list[CapacityFlag]:
    """For each group of skills that share pools (a connected part of the pool-skill graph, with two
    skills or more and none already flagged on its own): unstable when the pools' agents, their time
    split between skills in the best possible way, cannot carry the group's load over the horizon."""
    clock = scenario.clock
    lengths = np.diff(clock.interval_bounds())
    speeds = {level.level: level.speed for level in scenario.skill_levels}
    average = {skill: float(np.average(values, weights=lengths)) for skill, values in load.items()
               if not skill.startswith("automation:") and values.any()}
    staffed = [float(np.average(expected_staffed(pool, clock), weights=lengths)) for pool in scenario.staff]
    links = [(p, skill, speeds[level]) for p, pool in enumerate(scenario.staff) for skill, level in pool.skills
             if skill in average]
    flags = []
    for skills, pools in _groups(links):
        if len(skills) < 2 or skills & unstable:
            continue
        from scipy.optimize import linprog   # half a second to import: only where skills share pools

        mine = [(p, skill, speed) for p, skill, speed in links if skill in skills]
        names, members = sorted(skills), sorted(pools)
        # variables: agents of pool p on skill s (one per link), then theta, the share of the load carried
        count = len(mine) + 1
        rows, bounds_ = [], []
        for p in members:
            rows.append([1.0 if link[0] == p else 0.0 for link in mine] + [0.0])
            bounds_.append(staffed[p])
        for skill in names:
            rows.append([-link[2] if link[1] == skill else 0.0 for link in mine] + [average[skill]])
            bounds_.append(0.0)
        objective = np.zeros(count)
        objective[-1] = -1.0
        answer = linprog(objective, A_ub=np.array(rows), b_ub=np.array(bounds_), bounds=[(0, None)] * count,
                         method="highs")
        carried = float(answer.x[-1]) if answer.success else 0.0
        if carried < 1 - 1e-6:
            total = sum(average[skill] for skill in names)
            agents = sum(staffed[p] for p in members)
            flags.append(CapacityFlag("unstable", " + ".join(names), (
                f"skills {', '.join(repr(n) for n in names)} share the pools "
                f"{', '.join(repr(scenario.staff[p].name) for p in members)}: their offered load of {total:.1f} "
                f"Erlangs over the day needs more than those pools' {agents:.1f} agents can give, however their "
                f"time is split (at most {carried:.0%} of it can be served); queues grow without limit (unstable)")))
    return flags


def _groups(links: list[tuple[int, str, float]]) -> list[tuple[set[str], set[int]]]:
    """Connected parts of the graph of pools and the skills they have: (skills, pools) each."""
    parent: dict[object, object] = {}

    def find(node):
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for pool, skill, _ in links:
        parent[find(("pool", pool))] = find(("skill", skill))
    parts: dict[object, tuple[set[str], set[int]]] = {}
    for pool, skill, _ in links:
        part = parts.setdefault(find(("skill", skill)), (set(), set()))
        part[0].add(skill)
        part[1].add(pool)
    return list(parts.values())


def _name(resource: str) -> str:
    return f"automation '{resource.split(':', 1)[1]}'" if resource.startswith("automation:") else f"skill '{resource}'"
