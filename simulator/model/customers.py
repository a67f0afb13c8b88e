"""Who comes, when, and what each customer needs: drawn for a whole replication at once.

Drawing every customer's needs up front, each from its own named stream, is what
makes comparisons sharp: two scenarios that differ only in staffing or routing
meet exactly the same customers (common random numbers). It also keeps random
number generation, which numpy does fastest in bulk, off the per-event path.

A contact's needs are its patience and its route: for each step it needs, in
order, ``(step number, work at standard proficiency, error draw, containment
draw)``. The two draws are uniform on [0, 1): the step goes wrong when the error
draw is below the step's error rate times the agent's error factor, and an
automation step resolves the contact when the containment draw is below its
containment share. Repeat contacts and reworked steps draw from streams of
their own (``.../repeat``, ``.../rework``), one contact at a time, as they happen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.arrivals import arrival_times, forecast_factors
from simulator.randomness import Streams
from simulator.scenario.model import Scenario

Route = list[tuple[int, float, float, float]]   # (step number, work, error draw, containment draw)


@dataclass
class Customers:
    """Every contact of one replication, in arrival order (a contact's id is its position)."""

    arrived_at: list[float]
    demand: np.ndarray            # index into scenario.demand
    segment: np.ndarray           # index into scenario.segments (0 when there are none)
    patience: list[float]         # minutes; inf for customers who never abandon
    routes: list[Route]

    def __len__(self) -> int:
        return len(self.arrived_at)


def step_index(scenario: Scenario) -> dict[tuple[str, str], int]:
    """A number for every (process, step), used in records instead of names."""
    numbers: dict[tuple[str, str], int] = {}
    for process in scenario.processes:
        for step in process.steps:
            numbers[(process.name, step.name)] = len(numbers)
    return numbers


class NeedsDrawer:
    """Draws the needs of contacts of one demand stream from that stream's own generators."""

    def __init__(self, scenario: Scenario, demand_number: int, streams: Streams, family: str = ""):
        demand = scenario.demand[demand_number]
        prefix = f"demand/{demand.name}{family}"
        self.patience = scenario.channel(demand.channel).patience
        self.patience_rng = streams.generator(f"{prefix}/patience")
        self.patience_factor = np.array([s.patience_factor for s in scenario.segments] or [1.0])
        numbers = step_index(scenario)
        process = scenario.process(demand.process)
        self.day_length = scenario.clock.day_length
        self.steps = [(numbers[(process.name, step.name)], step,
                       streams.generator(f"{prefix}/step/{step.name}/work"),
                       streams.generator(f"{prefix}/step/{step.name}/needed"),
                       streams.generator(f"{prefix}/step/{step.name}/error"),
                       streams.generator(f"{prefix}/step/{step.name}/containment")) for step in process.steps]

    def draw(self, segments: np.ndarray, every_step: bool = False,
             times: np.ndarray | float | None = None) -> tuple[list[float], list[Route]]:
        """Patience and route of ``len(segments)`` contacts (``every_step``: ignore step probabilities)
        arriving at ``times`` (minutes since the start; they scale steps with ``duration_factors``)."""
        count = len(segments)
        if self.patience is None:
            patience = np.full(count, np.inf)
        else:
            patience = self.patience.sample(self.patience_rng, count) * self.patience_factor[segments]
        columns, needed = [], []
        never = np.ones(count)   # a draw of 1 is never below a rate: no error, not contained
        for number, step, work_rng, needed_rng, error_rng, containment_rng in self.steps:
            # a step that cannot go wrong or contain draws nothing: its streams are its own, so
            # this shifts no other stream's numbers
            work = step.duration.sample(work_rng, count)
            if step.duration_factors and times is not None:
                work = work * step.mean_factor(np.broadcast_to(times, (count,)), self.day_length)
            columns.append((np.full(count, number, dtype=float), work,
                            error_rng.random(count) if step.error_rate > 0 else never,
                            containment_rng.random(count) if step.containment > 0 else never))
            if every_step or step.probability >= 1:
                needed.append(np.ones(count, dtype=bool))
            else:
                needed.append(needed_rng.random(count) < step.probability)
        return patience.tolist(), _routes(columns, needed, count)


def _routes(columns: list[tuple[np.ndarray, ...]], needed: list[np.ndarray], count: int) -> list[Route]:
    """Per contact, the entries of the steps it needs, in process order."""
    if len(columns) == 1 and needed[0].all():   # the common one-step process: one pass
        number, work, error, contain = columns[0]
        step = int(number[0]) if count else 0
        return [[(step, w, e, c)] for w, e, c in zip(work.tolist(), error.tolist(), contain.tolist())]
    entries = [list(zip(number.astype(int).tolist(), work.tolist(), error.tolist(), contain.tolist()))
               for number, work, error, contain in columns]
    if all(bool(n.all()) for n in needed):
        return [list(row) for row in zip(*entries)]
    flags = np.column_stack(needed).tolist()
    return [[entry for entry, need in zip(row, flag) if need] for row, flag in zip(zip(*entries), flags)]


def draw_customers(scenario: Scenario, streams: Streams) -> Customers:
    """Draw arrivals, segments, patience and needs for every demand stream, then merge by arrival time."""
    times, demand_ids, segment_ids, patience, routes = [], [], [], [], []
    shares = np.array([s.share for s in scenario.segments]) if scenario.segments else None
    for number, demand in enumerate(scenario.demand):
        prefix = f"demand/{demand.name}"
        factors = forecast_factors(demand.arrivals, scenario.clock.days, streams.generator(f"{prefix}/forecast"))
        arrivals = arrival_times(demand.arrivals, scenario.clock, streams.generator(f"{prefix}/arrivals"), factors)
        # the initial backlog (contacts already waiting when the first day opens, first in line) draws
        # from streams of its own, so its size does not change what any other customer needs
        for family, when in (("/backlog", np.zeros(demand.backlog)), ("", arrivals)):
            count = len(when)
            if count == 0 and family:
                continue
            if shares is not None:
                segments = streams.generator(f"{prefix}{family}/segment").choice(len(shares), size=count, p=shares)
            else:
                segments = np.zeros(count, dtype=np.int64)
            tolerance, needs = NeedsDrawer(scenario, number, streams, family).draw(segments, times=when)
            times.append(when)
            demand_ids.append(np.full(count, number, dtype=np.int64))
            segment_ids.append(segments)
            patience.extend(tolerance)
            routes.extend(needs)
    all_times = np.concatenate(times) if times else np.empty(0)
    order = np.argsort(all_times, kind="stable")
    return Customers(
        arrived_at=all_times[order].tolist(),
        demand=np.concatenate(demand_ids)[order] if times else np.empty(0, dtype=np.int64),
        segment=np.concatenate(segment_ids)[order] if times else np.empty(0, dtype=np.int64),
        patience=[patience[i] for i in order.tolist()],
        routes=[routes[i] for i in order.tolist()],
    )
