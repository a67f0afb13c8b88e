"""Who is on duty when: each agent's duty periods, and the time each pool is paid for.

A pool with a ``headcount`` is on duty all the time. A pool with ``shifts`` has,
every day, each shift's agents on duty from its start to its end, minus their
breaks (staggered across the shift's agents), minus scheduled activities (meetings,
coaching: :class:`simulator.scenario.model.Activity`), minus episodes out of
adherence (drawn from the pool's ``staff/{pool}/adherence`` stream), and minus the days they are absent
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
from dataclasses import dataclass, field

import numpy as np

from simulator.randomness import Streams
from simulator.scenario.model import Activity, Break, Clock, Pool, Scenario, Shift


@dataclass
class Roster:
    duty: list[list[tuple[float, float]]]   # per agent: sorted, non-overlapping (on, off) periods
    paid_pool: np.ndarray                    # per paid period: its pool
    paid_start: np.ndarray                   # paid periods: shifts, breaks included, absences included
    paid_end: np.ndarray
    at_work: list[list[tuple[float, float]]]   # per agent: its shifts, breaks included, absences cut out
    leaves_at: list[set[float]]               # per agent: shift ends where it leaves at once (after_close: leave)
    off_floor: list[list[tuple[float, float]]] | None = None   # per agent: training, activities, out of adherence
    leavers: list[tuple[int, int]] = field(default_factory=list)   # (agent seat, the first day it is empty)
    hires: list[tuple[int, int]] = field(default_factory=list)     # (agent seat, a new hire's first day)
    breaks: list[tuple[int, float, float]] = field(default_factory=list)   # (agent, start, end) as scheduled


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
    """Per agent of the pool, the duty periods its shift, breaks and scheduled activities give on ``day``
    (nobody absent)."""
    return _scheduled(pool, clock, day)[0]


def _scheduled(pool: Pool, clock: Clock, day: int) -> tuple[list[list[tuple[float, float]]],
                                                            list[list[tuple[float, float]]],
                                                            list[list[tuple[float, float]]]]:
    """Per agent of the pool on ``day``: its duty periods, the periods its activities take, and its
    breaks."""
    periods, breaks = [], []
    length = clock.day_length
    for shift in pool_shifts(pool, length):
        start, end = day * length + shift.start, day * length + shift.end
        on = works(shift, clock, day)
        for position in range(shift.count):
            worked = _minus_breaks(pool.breaks if shift.breaks is None else shift.breaks, start, end,
                                   position, shift.count) if on else []
            periods.append(worked)
            edges = [start] + [t for period in worked for t in period] + [end]
            breaks.append([(a, b) for a, b in zip(edges[0::2], edges[1::2]) if b > a] if worked else [])
    taken: list[list[tuple[float, float]]] = [[] for _ in periods]
    for activity in pool.activities:
        for member, hole in activity_periods(activity, periods, clock, day).items():
            periods[member] = _minus(periods[member], [hole])
            taken[member].append(hole)
    return periods, taken, breaks


def activity_periods(activity: Activity, duty: list[list[tuple[float, float]]], clock: Clock,
                     day: int) -> dict[int, tuple[float, float]]:
    """Which of the pool's agents (by position) leave the floor for ``activity`` on ``day``, and when.

    The agents on duty at its start take part, ``share`` of them rounded to the nearest person (at
    least one for a share above 0); who goes turns over from day to day; they go one after another
    over the stagger, as at a break."""
    if activity.days is not None and clock.weekday(day) not in activity.days:
        return {}
    start = day * clock.day_length + activity.start
    present = [member for member, periods in enumerate(duty) if any(a <= start < b for a, b in periods)]
    if not present or activity.share <= 0:
        return {}
    count = min(len(present), max(1, int(math.floor(activity.share * len(present) + 0.5))))
    first = (day * count) % len(present)
    chosen = [present[(first + k) % len(present)] for k in range(count)]
    return {member: (start + activity.stagger * k / count, start + activity.stagger * k / count + activity.length)
            for k, member in enumerate(chosen)}


def out_of_adherence(periods: list[tuple[float, float]], share: float, episode: float,
                     generator: np.random.Generator) -> list[tuple[float, float]]:
    """Episodes out of adherence within the duty ``periods``: an alternating renewal process, episodes of
    mean ``episode`` and gaps of mean ``episode * share / (1 - share)`` (both exponential), begun in its
    stationary state, so the agent is away ``1 - share`` of its duty time on average."""
    if share >= 1.0 or not periods:
        return []
    gap = episode * share / (1.0 - share)
    begin, finish = periods[0][0], periods[-1][1]
    span = finish - begin
    holes: list[tuple[float, float]] = []
    now = begin
    away = generator.random() < 1.0 - share
    expected = int(span / (gap + episode) * 1.3) + 8
    while now < finish:
        gaps, episodes = generator.exponential(gap, expected), generator.exponential(episode, expected)
        if away:        # stationary start inside an episode: its residual is exponential too (memoryless)
            ends = now + np.cumsum(np.column_stack((episodes, gaps)).ravel())
            starts = np.concatenate(([now], ends[:-1]))[0::2]
            stops = ends[0::2]
        else:
            ends = now + np.cumsum(np.column_stack((gaps, episodes)).ravel())
            starts, stops = ends[0::2], ends[1::2]
        holes.extend(zip(starts.tolist(), stops.tolist()))
        now = float(ends[-1])
    return _within_periods(holes, periods)


def _within_periods(holes: list[tuple[float, float]], periods: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The parts of the sorted ``holes`` that fall inside the sorted ``periods`` (one pass over both)."""
    inside, i = [], 0
    for start, end in periods:
        while i < len(holes) and holes[i][1] <= start:
            i += 1
        j = i
        while j < len(holes) and holes[j][0] < end:
            inside.append((max(holes[j][0], start), min(holes[j][1], end)))
            j += 1
    return inside


def _minus_sorted(periods: list[tuple[float, float]], holes: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The sorted periods with the sorted, disjoint holes (each inside one period) cut out (one pass)."""
    cut, i = [], 0
    for start, end in periods:
        cursor = start
        while i < len(holes) and holes[i][1] <= end:
            if holes[i][0] > cursor:
                cut.append((cursor, holes[i][0]))
            cursor = max(cursor, holes[i][1])
            i += 1
        if cursor < end:
            cut.append((cursor, end))
    return cut


def build_roster(scenario: Scenario, streams: Streams,
                 away: dict[int, list[tuple[float, float]]] | None = None) -> Roster:
    """Duty periods of every agent; ``away`` holds periods agents spend off the floor (training)."""
    clock = scenario.clock
    away = away or {}
    duty: list[list[tuple[float, float]]] = []
    at_work: list[list[tuple[float, float]]] = []
    leaves_at: list[set[float]] = []
    paid_pool, paid_start, paid_end = [], [], []
    off_floor: list[list[tuple[float, float]]] = []
    leavers: list[tuple[int, int]] = []
    hires: list[tuple[int, int]] = []
    breaks: list[tuple[int, float, float]] = []
    for pool_number, pool in enumerate(scenario.staff):
        adherence = streams.generator(f"staff/{pool.name}/adherence") if pool.adherence.share < 1 else None
        absent = streams.generator(f"staff/{pool.name}/absence").random((clock.days, pool.headcount)) \
            < pool.shrinkage
        vacant, left, hired = seat_vacancies(pool, clock, streams.generator(f"staff/{pool.name}/attrition")) \
            if pool.attrition is not None else (np.zeros((clock.days, pool.headcount), dtype=bool), [], [])
        first = len(duty)
        leavers.extend((first + member, day) for member, day in left)
        hires.extend((first + member, day) for member, day in hired)
        agents: list[list[tuple[float, float]]] = [[] for _ in range(pool.headcount)]
        spans: list[list[tuple[float, float]]] = [[] for _ in range(pool.headcount)]
        meetings: list[list[tuple[float, float]]] = [[] for _ in range(pool.headcount)]
        for day in range(clock.days):
            duty_of_day, taken, pauses = _scheduled(pool, clock, day)
            for member, (periods, span) in enumerate(zip(duty_of_day, shift_spans(pool, clock, day))):
                if span is not None and not vacant[day, member]:   # an empty seat is not paid; absence is
                    paid_pool.append(pool_number)
                    paid_start.append(span[0])
                    paid_end.append(span[1])
                if span is not None and not absent[day, member] and not vacant[day, member]:
                    agents[member].extend(periods)
                    spans[member].append(span)
                    meetings[member].extend(taken[member])
                    breaks.extend((first + member, a, b) for a, b in pauses[member])
        at_work.extend(_merged(member_spans) for member_spans in spans)
        for member, periods in enumerate(agents):
            trained = away.get(len(duty), [])
            periods = _minus(_merged(periods), trained)
            stays = pool.after_close == "serve_queue" and bool(periods) and periods[-1][1] == clock.horizon
            lapses = out_of_adherence(periods, pool.adherence.share, pool.adherence.episode, adherence) \
                if adherence is not None else []
            periods = _minus_sorted(periods, lapses)
            off_floor.append(sorted(trained + meetings[member] + lapses))
            if stays:   # stays until no customer waits (back at closing if out of adherence then)
                if periods and periods[-1][1] == clock.horizon:
                    periods[-1] = (periods[-1][0], math.inf)
                else:
                    periods.append((clock.horizon, math.inf))
            leaves_at.append({end for _, end in spans[member]} if pool.after_close == "leave" else set())
            duty.append(periods)
    return Roster(duty, np.array(paid_pool, dtype=np.int64), np.array(paid_start, dtype=float),
                  np.array(paid_end, dtype=float), at_work, leaves_at, off_floor, leavers, hires, breaks)


def seat_vacancies(pool: Pool, clock: Clock, rng: np.random.Generator
                   ) -> tuple[np.ndarray, list[tuple[int, int]], list[tuple[int, int]]]:
    """Which of the pool's seats are empty on which simulated days (days x members), with each leaving
    (member, first empty day) and each new hire (member, first day). Each holder of a seat leaves after an
    exponential time (the pool's monthly attrition, in calendar days); the seat is filled again
    ``replaced_after`` later, at the first simulated day on or after that date, and so on."""
    rule = pool.attrition
    dates = clock.dates
    calendar = np.array([(d - dates[0]).days for d in dates], dtype=float) if dates else \
        np.arange(clock.days, dtype=float)
    last = calendar[-1] + 1
    vacant = np.zeros((clock.days, pool.headcount), dtype=bool)
    left, hired = [], []
    rate = rule.daily_rate
    for member in range(pool.headcount):
        start = 0.0
        while rate > 0:
            leaves = start + rng.exponential(1 / rate)
            if leaves >= last:
                break
            empty_from = int(np.searchsorted(calendar, leaves, side="right"))   # they leave during the day
            if empty_from >= clock.days:
                break
            back = math.inf if rule.replaced_after is None else leaves + rule.replaced_after / 1440
            back_day = int(np.searchsorted(calendar, back, side="left")) if back < last else clock.days
            vacant[empty_from:back_day, member] = True
            left.append((member, empty_from))
            if back_day >= clock.days:
                break
            hired.append((member, back_day))
            start = calendar[back_day]
    return vacant, left, hired


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
