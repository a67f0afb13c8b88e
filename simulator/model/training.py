"""Who is trained, and when: each course picks its trainees from its own random stream.

A course raises a share of a pool (rounded to the nearest person) to a level in a
skill, or gives them the skill at that level. The trainees are the same for a given
seed, whatever else the scenario changes (the course's stream is its own), so a
trained and an untrained scenario are compared on the same agents. A course with a
time (``off_floor``) takes effect for each trainee when their session ends; one held
on several ``days`` splits its trainees between the sessions; a course without a
time was taken before the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulator.randomness import Streams
from simulator.scenario.model import Scenario


@dataclass
class TrainingPlan:
    levels: dict[int, dict[str, int]] = field(default_factory=dict)   # agent -> skill -> new level
    off_floor: dict[int, list[tuple[float, float]]] = field(default_factory=dict)  # agent -> periods away
    trainees: int = 0
    cost: float = 0.0
    effective_at: dict[tuple[int, str], float] = field(default_factory=dict)   # (agent, skill) -> minute

    def before_the_run(self) -> dict[int, dict[str, int]]:
        """The levels agents have from the start (courses without a time, or over by then)."""
        levels: dict[int, dict[str, int]] = {}
        for agent, skills in self.levels.items():
            for skill, level in skills.items():
                if self.effective_at.get((agent, skill), 0.0) <= 0:
                    levels.setdefault(agent, {})[skill] = level
        return levels

    def during_the_run(self) -> list[tuple[float, int, str, int]]:
        """(minute, agent, skill, level) of every course that ends during the run, in time order."""
        return sorted((when, agent, skill, self.levels[agent][skill])
                      for (agent, skill), when in self.effective_at.items() if when > 0)


def first_agent(scenario: Scenario, pool_name: str) -> int:
    """Number of the pool's first agent (agents are numbered pool by pool)."""
    offset = 0
    for pool in scenario.staff:
        if pool.name == pool_name:
            return offset
        offset += pool.headcount
    raise KeyError(pool_name)


def plan_training(scenario: Scenario, streams: Streams) -> TrainingPlan:
    """Each course's trainees, the levels they reach, their time off the floor and when it takes effect."""
    plan = TrainingPlan()
    pools = {pool.name: pool for pool in scenario.staff}
    day_length = scenario.clock.day_length
    for course in scenario.training:
        pool = pools[course.pool]
        count = int(np.floor(course.share * pool.headcount + 0.5))
        order = streams.generator(f"training/{course.name}").permutation(pool.headcount)
        offset = first_agent(scenario, pool.name)
        chosen = order[:count].tolist()
        sessions = course.days or (1,)
        for position, member in enumerate(chosen):
            agent = offset + member
            current = plan.levels.get(agent, {}).get(course.skill, pool.level(course.skill) or 0)
            plan.levels.setdefault(agent, {})[course.skill] = max(current, course.to_level)
            # the trainees, in the stream's order, share the sessions out evenly
            day_start = (sessions[position * len(sessions) // max(count, 1)] - 1) * day_length
            if course.off_floor_start is not None and course.off_floor_length > 0:
                start = day_start + course.off_floor_start
                plan.off_floor.setdefault(agent, []).append((start, start + course.off_floor_length))
                ends = start + course.off_floor_length
            else:
                ends = day_start
            known = plan.effective_at.get((agent, course.skill))
            plan.effective_at[(agent, course.skill)] = ends if known is None else min(known, ends)
        for agent in plan.off_floor:
            plan.off_floor[agent].sort()
        plan.trainees += count
        plan.cost += count * course.cost_per_person
    return plan
