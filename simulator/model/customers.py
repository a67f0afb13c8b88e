"""Who comes, when, and what each customer needs: drawn for a whole replication at once.

Drawing every customer's needs up front, each from its own named stream, is what
makes comparisons sharp: two scenarios that differ only in staffing or routing
meet exactly the same customers (common random numbers). It also keeps random
number generation, which numpy does fastest in bulk, off the per-event path.

A contact's needs are its patience and its route: for each step it needs, in
order, ``(step number, work at standard proficiency, error draw, containment
draw)``. The two draws are uniform on [0, 1): the step goes wrong (or leaves a
defect) when the error draw is below the step's error rate (defect rate) times the
agent's error factor, an automation step resolves the contact when the containment
draw is below its containment share, and an inspection misses a defect when that
draw is below its miss rate. Repeat contacts and reworked steps draw from streams of
their own (``.../repeat``, ``.../rework``), one contact at a time, as they happen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from simulator.arrivals import arrival_times, forecast_factors
from simulator.randomness import Streams
from simulator.scenario.model import Scenario

Route = list[tuple[int, float, float, float]]   # (step number, work, error draw, containment draw)
# triage: from the first of these steps it starts on, the contact belongs to this segment (in journey order)
Regrades = list[tuple[frozenset[int], int]]


@dataclass
class StepColumns:
    """One step's needs for a block of contacts: work, the two draws, and who needs the step (None: all)."""

    number: int
    work: np.ndarray
    error: np.ndarray
    containment: np.ndarray
    needed: np.ndarray | None


class Routes(Sequence):
    """Every contact's route, kept as columns (a few numbers per contact and step) and built as a list
    when the contact arrives: holding 200,000 routes as lists of tuples took 90 MB and a tenth of the run.

    ``blocks`` are the columns of each drawn block (a demand stream's arrivals or its initial backlog);
    contact ``i`` is row ``row_of[i]`` of block ``block_of[i]``."""

    def __init__(self, blocks: list[list[StepColumns]], block_of: np.ndarray, row_of: np.ndarray):
        self.blocks = blocks
        self.block_of = block_of
        self.row_of = row_of
        # memoryviews: indexing one gives a plain Python number (a numpy array gives a slower numpy scalar)
        self._views = [[(step.number, memoryview(step.work), memoryview(step.error), memoryview(step.containment),
                         None if step.needed is None else memoryview(step.needed)) for step in block]
                       for block in blocks]
        self._block_of = memoryview(block_of)
        self._row_of = memoryview(row_of)

    def __len__(self) -> int:
        return len(self.row_of)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        row = self._row_of[i]
        return [(number, work[row], error[row], containment[row])
                for number, work, error, containment, needed in self._views[self._block_of[i]]
                if needed is None or needed[row]]

    def single_steps(self) -> tuple[memoryview, ...] | None:
        """Per contact, when every block's process has one step: its step number, work, error draw,
        containment draw and whether it needs the step, as memoryviews of columns in contact order
        (None when some process has more steps)."""
        if any(len(block) != 1 for block in self.blocks):
            return None
        if not self.blocks:
            return tuple(memoryview(np.empty(0, dtype=kind)) for kind in (np.int64, float, float, float, bool))
        sizes = [len(block[0].work) for block in self.blocks]
        place = np.concatenate(([0], np.cumsum(sizes)[:-1]))[self.block_of] + self.row_of

        def merged(column) -> memoryview:
            return memoryview(np.ascontiguousarray(np.concatenate([column(block[0], size) for block, size
                                                                   in zip(self.blocks, sizes)])[place]))

        return (merged(lambda step, size: np.full(size, step.number, dtype=np.int64)),
                merged(lambda step, size: step.work), merged(lambda step, size: step.error),
                merged(lambda step, size: step.containment),
                merged(lambda step, size: np.ones(size, dtype=bool) if step.needed is None else step.needed))

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and len(self) == len(other) and all(
            mine == theirs for mine, theirs in zip(self, other))


@dataclass
class Customers:
    """Every contact of one replication, in arrival order (a contact's id is its position)."""

    arrived_at: Sequence[float]   # minutes since the start (a numpy array when drawn)
    demand: np.ndarray            # index into scenario.demand
    segment: np.ndarray           # index into scenario.segments (0 when there are none)
    patience: Sequence[float]     # minutes; inf for customers who never abandon
    routes: Sequence[Route]       # :class:`Routes` when drawn; tests may give lists
    # the contacts a branch moves to another segment (triage), by contact id: a few, so a dict
    regrades: dict[int, Regrades] = field(default_factory=dict)

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
        self.day_length = scenario.clock.day_length
        # the processes a contact can go through (its own, then where branches lead), each with the
        # branch that leads there: (parent's position in this list, the target's position in its branch)
        self.journey: list[tuple[str, int, int]] = []
        self.steps = []   # per step of every process of the journey: (journey position, number, step, generators)
        self.branches = []   # per process of the journey: (its shares, their generator) or None
        segment_names = [segment.name for segment in scenario.segments]
        moved_to: list[int | None] = []   # per process of the journey: the segment the way there sets, if any

        def visit(process_name: str, path: str, parent: int, choice: int, segment: str | None) -> None:
            here = len(self.journey)
            self.journey.append((process_name, parent, choice))
            moved_to.append(None if segment is None else segment_names.index(segment))
            process = scenario.process(process_name)
            # the own process's streams keep their names; later processes' are named by the way there
            where = f"{prefix}/step" if not path else f"{prefix}/via/{path}/step"
            for step in process.steps:
                self.steps.append((here, numbers[(process.name, step.name)], step,
                                   *(streams.generator(f"{where}/{step.name}/{use}")
                                     for use in ("work", "needed", "error", "containment"))))
            branch = process.steps[-1].branch
            self.branches.append((np.array([way.share for way in branch]),
                                  streams.generator(f"{where}/{process.steps[-1].name}/branch")) if branch else None)
            for position, way in enumerate(branch):
                name = way.process if way.segment is None else f"{way.process}@{way.segment}"
                visit(way.process, f"{path}>{name}" if path else f"{process_name}>{name}", here, position, way.segment)

        visit(demand.process, "", -1, 0, None)
        # the processes where a contact changes segment, each with the steps from there on (its own and
        # those of every process its branches lead to): the contact changes when it starts the first one
        self.regrade_at = []
        for here, segment in enumerate(moved_to):
            if segment is not None:
                inside = {here}
                for later, (_, parent, _) in enumerate(self.journey):
                    if parent in inside:
                        inside.add(later)
                self.regrade_at.append((here, frozenset(number for at, number, *_ in self.steps if at in inside),
                                        segment))

    def draw_columns(self, segments: np.ndarray, every_step: bool = False, times: np.ndarray | float | None = None
                     ) -> tuple[np.ndarray, list[StepColumns], dict[int, Regrades]]:
        """Patience, step columns and segment changes (by row; none with ``every_step``) of
        ``len(segments)`` contacts (``every_step``: ignore step probabilities, and take every branch)
        arriving at ``times`` (minutes since the start; they scale steps with ``duration_factors``). A
        contact needs a step when its journey reaches the step's process (each branch chosen by its
        shares) and the step's probability says so; a branch that names a segment moves those who take it
        into that segment from there on."""
        count = len(segments)
        if self.patience is None:
            patience = np.full(count, np.inf)
        else:
            patience = self.patience.sample(self.patience_rng, count) * self.patience_factor[segments]
        chosen = [None if branch is None or every_step else branch[1].choice(len(branch[0]), size=count, p=branch[0])
                  for branch in self.branches]   # per process that branches: where each contact goes on
        reached: list[np.ndarray | None] = []   # per process of the journey: who gets there (None: everyone)
        for _, parent, choice in self.journey:
            if parent < 0 or every_step:
                reached.append(None)
                continue
            there = chosen[parent] == choice
            reached.append(there if reached[parent] is None else reached[parent] & there)
        columns = []
        never = np.ones(count)   # a draw of 1 is never below a rate: no error, not contained
        for here, number, step, work_rng, needed_rng, error_rng, containment_rng in self.steps:
            # a step that cannot go wrong or contain draws nothing: its streams are its own, so
            # this shifts no other stream's numbers
            work = step.duration.sample(work_rng, count)
            if step.duration_factors and times is not None:
                work = work * step.mean_factor(np.broadcast_to(times, (count,)), self.day_length)
            needed = None if every_step or step.probability >= 1 else needed_rng.random(count) < step.probability
            if reached[here] is not None:
                needed = reached[here] if needed is None else needed & reached[here]
            columns.append(StepColumns(number, np.ascontiguousarray(work, dtype=float),
                                       error_rng.random(count) if step.error_rate or step.defect_rate else never,
                                       containment_rng.random(count) if step.containment or step.detection
                                       else never, needed))
        regrades: dict[int, Regrades] = {}
        for here, steps, segment in [] if every_step else self.regrade_at:   # in journey order: triage first
            for row in np.flatnonzero(reached[here]).tolist():
                regrades.setdefault(row, []).append((steps, segment))
        return np.ascontiguousarray(patience, dtype=float), columns, regrades

    def draw(self, segments: np.ndarray, every_step: bool = False, times: np.ndarray | float | None = None
             ) -> tuple[list[float], list[Route], list[Regrades | None]]:
        """Patience, route and segment changes of ``len(segments)`` contacts, as lists (repeat contacts and
        rework, drawn one contact at a time as they happen); see :meth:`draw_columns`."""
        patience, columns, regrades = self.draw_columns(segments, every_step, times)
        count = len(segments)
        routes = Routes([columns], np.zeros(count, dtype=np.int64), np.arange(count, dtype=np.int64))
        return patience.tolist(), [routes[i] for i in range(count)], [regrades.get(i) for i in range(count)]


def _segment_shares(scenario: Scenario, demand, shares: np.ndarray | None) -> np.ndarray | None:
    """The segment shares of a demand stream: its own mix (``segment``, ``segments``) or the scenario's."""
    if not demand.segment_mix:
        return shares
    names = [segment.name for segment in scenario.segments]
    mine = np.zeros(len(names))
    for name, part in demand.segment_mix:
        mine[names.index(name)] = part
    return mine


def draw_customers(scenario: Scenario, streams: Streams) -> Customers:
    """Draw arrivals, segments, patience and needs for every demand stream, then merge by arrival time."""
    times, demand_ids, segment_ids, patience, blocks, moves = [], [], [], [], [], []
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
            mine = _segment_shares(scenario, demand, shares)
            if mine is not None and np.count_nonzero(mine) == 1:   # a stream of one segment (booked patients)
                segments = np.full(count, int(np.flatnonzero(mine)[0]), dtype=np.int64)
            elif mine is not None:
                segments = streams.generator(f"{prefix}{family}/segment").choice(len(mine), size=count, p=mine)
            else:
                segments = np.zeros(count, dtype=np.int64)
            tolerance, needs, regrades = NeedsDrawer(scenario, number, streams, family).draw_columns(segments,
                                                                                                    times=when)
            moves.append(regrades)
            times.append(when)
            demand_ids.append(np.full(count, number, dtype=np.int64))
            segment_ids.append(segments)
            patience.append(tolerance)
            blocks.append(needs)
    if not times:
        empty = np.empty(0, dtype=np.int64)
        return Customers(np.empty(0), empty, empty, np.empty(0), Routes([], empty, empty))
    all_times = np.concatenate(times)
    order = np.argsort(all_times, kind="stable")
    block_of = np.concatenate([np.full(len(when), k, dtype=np.int64) for k, when in enumerate(times)])
    row_of = np.concatenate([np.arange(len(when), dtype=np.int64) for when in times])
    contact_of = np.empty(len(order), dtype=np.int64)   # block by block, row by row: the contact's id
    contact_of[order] = np.arange(len(order))
    starts = np.concatenate(([0], np.cumsum([len(when) for when in times])[:-1]))
    regrades = {int(contact_of[start + row]): changes for start, block in zip(starts, moves)
                for row, changes in block.items()}
    return Customers(
        arrived_at=np.ascontiguousarray(all_times[order], dtype=float),
        demand=np.concatenate(demand_ids)[order],
        segment=np.concatenate(segment_ids)[order],
        patience=np.ascontiguousarray(np.concatenate(patience)[order]),
        routes=Routes(blocks, np.ascontiguousarray(block_of[order]), np.ascontiguousarray(row_of[order])),
        regrades=regrades,
    )
