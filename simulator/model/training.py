"""Who is trained: each course picks its trainees from its own random stream.

A course raises a share of a pool (rounded to the nearest person) to a level in a
skill, or gives them the skill at that level. The trainees are the same for a given
seed, whatever else the scenario changes (the course's stream is its own), so a
trained and an untrained scenario are compared on the same agents.
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


def first_agent(scenario: Scenario, pool_name: str) -> int:
    """Number of the pool's first agent (agents are numbered pool by pool)."""
    offset = 0
    for pool in scenario.staff:
        if pool.name == pool_name:
            return offset
        offset += pool.headcount
    raise KeyError(pool_name)


def plan_training(scenario: Scenario, streams: Streams) -> TrainingPlan:
    plan = TrainingPlan()
    pools = {pool.name: pool for pool in scenario.staff}
    for course in scenario.training:
        pool = pools[course.pool]
        count = int(np.floor(course.share * pool.headcount + 0.5))
        order = streams.generator(f"training/{course.name}").permutation(pool.headcount)
        offset = first_agent(scenario, pool.name)
        for member in sorted(order[:count].tolist()):
            agent = offset + member
            current = plan.levels.get(agent, {}).get(course.skill, pool.level(course.skill) or 0)
            plan.levels.setdefault(agent, {})[course.skill] = max(current, course.to_level)
            if course.off_floor_start is not None and course.off_floor_length > 0:
                plan.off_floor.setdefault(agent, []).append(
                    (course.off_floor_start, course.off_floor_start + course.off_floor_length))
        plan.trainees += count
        plan.cost += count * course.cost_per_person
    return plan
