"""Who is on duty when: each agent's duty periods, and the time each pool is paid for.

A pool with a ``headcount`` is on duty all the time. A pool with ``shifts`` has,
every day, each shift's agents on duty from its start to its end, minus their
breaks (staggered across the shift's agents) and minus the days they are absent
(``shrinkage``: each agent misses a day's shift with that probability, drawn from
the pool's own random stream, so changing another pool's roster changes nothing
here). With ``after_close: serve_queue`` an agent whose shift ends at the last
closing stays on duty until no customer waits (the model stops giving it deferrable
work then); with ``leave``, the ends of its shifts are marked so the model can send
it home at once.

Agents are numbered pool by pool, shift by shift, in the order of the scenario:
:func:`simulator.model.staff.build_staff` numbers them the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulator.randomness import Streams
from simulator.scenario.model import Break, Clock, Pool, Scenario, Shift


@dataclass
class Roster:
    duty: list[list[tuple[float, float]]]   # per agent: sorted, non-overlapping (on, off) periods
    paid_pool: np.ndarray                    # per paid period: its pool
    paid_start: np.ndarray                   # paid periods: shifts, breaks included, absences included
    paid_end: np.ndarray
    at_work: list[list[tuple[float, float]]]   # per agent: its shifts, breaks included, absences cut out
    leaves_at: list[set[float]]               # per agent: shift ends where it leaves at once (after_close: leave)


def pool_shifts(pool: Pool, day_length: float) -> tuple[Shift, ...]:
    """The pool's shifts; a headcount pool is one shift covering the whole day."""
    return pool.shifts or (Shift(0.0, day_length, pool.headcount),)


def works(shift: Shift, clock: Clock, day: int) -> bool:
    """Whether the shift is worked on simulated day ``day`` (a shift with ``days`` only on those weekdays)."""
    return shift.days is None or clock.weekday(day) in shift.days


def shift_spans(pool: Pool, clock: Clock, day: int) -> list[tuple[float, float] | None]:
    """Per agent of the pool, the span of its shift on ``day`` (None: not its day)."""
    length = clock.day_length
    return [(day * length + shift.start, day * length + shift.end) if works(shift, clock, day) else None
            for shift in pool_shifts(pool, length) for _ in range(shift.count)]


def scheduled_duty(pool: Pool, clock: Clock, day: int) -> list[list[tuple[float, float]]]:
    """Per agent of the pool, the duty periods its shift and breaks give on ``day`` (nobody absent)."""
    periods = []
    length = clock.day_length
    for shift in pool_shifts(pool, length):
        start, end = day * length + shift.start, day * length + shift.end
        on = works(shift, clock, day)
        for position in range(shift.count):
            periods.append(_minus_breaks(pool.breaks if shift.breaks is None else shift.breaks, start, end,
                                         position, shift.count) if on else [])
    return periods


def build_roster(scenario: Scenario, streams: Streams,
                 away: dict[int, list[tuple[float, float]]] | None = None) -> Roster:
    """Duty periods of every agent; ``away`` holds periods agents spend off the floor (training)."""
    clock = scenario.clock
    away = away or {}
    duty: list[list[tuple[float, float]]] = []
    at_work: list[list[tuple[float, float]]] = []
    leaves_at: list[set[float]] = []
    paid_pool, paid_start, paid_end = [], [], []
    for pool_number, pool in enumerate(scenario.staff):
        absent = streams.generator(f"staff/{pool.name}/absence").random((clock.days, pool.headcount)) \
            < pool.shrinkage
        agents: list[list[tuple[float, float]]] = [[] for _ in range(pool.headcount)]
        spans: list[list[tuple[float, float]]] = [[] for _ in range(pool.headcount)]
        for day in range(clock.days):
            for member, (periods, span) in enumerate(zip(scheduled_duty(pool, clock, day),
                                                         shift_spans(pool, clock, day))):
                if span is not None and not absent[day, member]:
                    agents[member].extend(periods)
                    spans[member].append(span)
        at_work.extend(_merged(member_spans) for member_spans in spans)
        for shift in pool_shifts(pool, clock.day_length):
            for day in (d for d in range(clock.days) if works(shift, clock, d)):
                paid_pool.extend([pool_number] * shift.count)
                paid_start.extend([day * clock.day_length + shift.start] * shift.count)
                paid_end.extend([day * clock.day_length + shift.end] * shift.count)
        for member, periods in enumerate(agents):
            periods = _minus(_merged(periods), away.get(len(duty), []))
            if pool.after_close == "serve_queue" and periods and periods[-1][1] == clock.horizon:
                periods[-1] = (periods[-1][0], math.inf)   # stays until no customer waits
            leaves_at.append({end for _, end in spans[member]} if pool.after_close == "leave" else set())
            duty.append(periods)
    return Roster(duty, np.array(paid_pool, dtype=np.int64), np.array(paid_start, dtype=float),
                  np.array(paid_end, dtype=float), at_work, leaves_at)


def _minus_breaks(breaks: tuple[Break, ...], start: float, end: float, position: int,
                  count: int) -> list[tuple[float, float]]:
    """The shift [start, end) of the agent at ``position`` among ``count``, with its breaks cut out."""
    holes = []
    for pause in breaks:
        offset = pause.stagger * position / count if count > 1 else 0.0
        begin = start + pause.after + offset
        if begin < end:
            holes.append((begin, min(begin + pause.length, end)))
    periods, cursor = [], start
    for begin, finish in sorted(holes):
        if begin > cursor:
            periods.append((cursor, begin))
        cursor = max(cursor, finish)
    if cursor < end:
        periods.append((cursor, end))
    return periods


def _minus(periods: list[tuple[float, float]], holes: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The periods with the holes cut out."""
    for begin, finish in holes:
        cut = []
        for start, end in periods:
            if finish <= start or begin >= end:
                cut.append((start, end))
                continue
            if start < begin:
                cut.append((start, begin))
            if finish < end:
                cut.append((finish, end))
        periods = cut
    return periods


def _merged(periods: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Adjacent periods joined (a headcount pool's days follow each other without a gap)."""
    merged: list[tuple[float, float]] = []
    for start, end in periods:
        if merged and merged[-1][1] >= start:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
