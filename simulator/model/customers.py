"""Who comes, when, and what each customer needs: drawn for a whole replication at once.

Drawing every customer's needs up front, each from its own named stream, is what
makes comparisons sharp: two scenarios that differ only in staffing or routing
meet exactly the same customers (common random numbers). It also keeps random
number generation, which numpy does fastest in bulk, off the per-event path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.arrivals import arrival_times
from simulator.randomness import Streams
from simulator.scenario.model import Scenario


@dataclass
class Customers:
    """Every contact of one replication, in arrival order (a contact's id is its position)."""

    arrived_at: list[float]
    demand: np.ndarray            # index into scenario.demand
    segment: np.ndarray           # index into scenario.segments (0 when there are none)
    patience: list[float]         # minutes; inf for customers who never abandon
    routes: list[list[tuple[int, float]]]  # per contact: (step number, work at standard speed) needed

    def __len__(self) -> int:
        return len(self.arrived_at)


def draw_customers(scenario: Scenario, streams: Streams) -> Customers:
    """Draw arrivals, segments, patience and per-step needs for every demand stream, then merge."""
    times, demand_ids, segment_ids, patience, routes = [], [], [], [], []
    shares = np.array([s.share for s in scenario.segments]) if scenario.segments else None
    patience_factor = np.array([s.patience_factor for s in scenario.segments] or [1.0])
    step_numbers = step_index(scenario)
    for number, demand in enumerate(scenario.demand):
        prefix = f"demand/{demand.name}"
        arrivals = arrival_times(demand.arrivals, scenario.clock, streams.generator(f"{prefix}/arrivals"))
        count = len(arrivals)
        if shares is not None:
            segments = streams.generator(f"{prefix}/segment").choice(len(shares), size=count, p=shares)
        else:
            segments = np.zeros(count, dtype=np.int64)
        channel = scenario.channel(demand.channel)
        if channel.patience is None:
            tolerance = np.full(count, np.inf)
        else:
            tolerance = channel.patience.sample(streams.generator(f"{prefix}/patience"), count)
            tolerance = tolerance * patience_factor[segments]
        process = scenario.process(demand.process)
        work_columns, needed_columns = [], []
        for step in process.steps:
            work_columns.append(step.duration.sample(streams.generator(f"{prefix}/step/{step.name}/work"), count))
            needed = streams.generator(f"{prefix}/step/{step.name}/needed").random(count) < step.probability
            needed_columns.append(needed)
        numbers = [step_numbers[(process.name, step.name)] for step in process.steps]
        routes.extend(_routes(numbers, work_columns, needed_columns, count))
        times.append(arrivals)
        demand_ids.append(np.full(count, number, dtype=np.int64))
        segment_ids.append(segments)
        patience.append(tolerance)

    all_times = np.concatenate(times) if times else np.empty(0)
    order = np.argsort(all_times, kind="stable")
    return Customers(
        arrived_at=all_times[order].tolist(),
        demand=np.concatenate(demand_ids)[order] if times else np.empty(0, dtype=np.int64),
        segment=np.concatenate(segment_ids)[order] if times else np.empty(0, dtype=np.int64),
        patience=np.concatenate(patience)[order].tolist() if times else [],
        routes=[routes[i] for i in order.tolist()],
    )


def step_index(scenario: Scenario) -> dict[tuple[str, str], int]:
    """A number for every (process, step), used in records instead of names."""
    numbers: dict[tuple[str, str], int] = {}
    for process in scenario.processes:
        for step in process.steps:
            numbers[(process.name, step.name)] = len(numbers)
    return numbers


def _routes(numbers: list[int], work: list[np.ndarray], needed: list[np.ndarray],
            count: int) -> list[list[tuple[int, float]]]:
    """Per contact, the steps it needs in order, each with its work at standard proficiency."""
    if all(bool(column.all()) for column in needed) and len(numbers) == 1:
        step = numbers[0]
        return [[(step, w)] for w in work[0].tolist()]
    work_rows = np.column_stack(work).tolist()
    needed_rows = np.column_stack(needed).tolist()
    return [[(numbers[k], w) for k, (w, n) in enumerate(zip(works, needs)) if n]
            for works, needs in zip(work_rows, needed_rows)]
