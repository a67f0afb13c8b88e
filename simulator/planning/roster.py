"""From a requirement to shifts: the cheapest set of shifts that covers it, checked by simulation.

1. The requirement per interval of the day (simulator.planning.requirement: the fewest agents on duty
   such that, with the whole day staffed so, every interval meets its targets).
2. Candidate shifts from the pool's ``shift_rules``: every length starting every ``step`` between the
   earliest and latest start, with the breaks their length calls for.
3. An integer program (SciPy's ``milp``, i.e. HiGHS) chooses how many agents work each candidate at least
   cost, such that in every interval the agents expected on duty (a shift's breaks spread over their
   stagger, absences by the pool's shrinkage taken off) are at least the requirement, within the
   rules' least and most agents per shift and share of part-time agents.
4. The roster is simulated. Where an interval misses its targets, its requirement goes up by one and the
   program is solved again, until every interval meets its targets or a bound is reached; the output
   says which.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Callable

import numpy as np
import pandas as pd

from simulator.errors import InputError
from simulator.experiment import RunResult
from simulator.planning.requirement import DayType, Requirement, intervals_meeting
from simulator.scenario.model import WEEKDAYS, Break, Pool, Scenario, Shift, ShiftRules, weekday_label
from simulator.units import format_clock

MAX_ROUNDS = 8


@dataclass(frozen=True)
class Candidate:
    start: float      # minutes after opening
    length: float
    breaks: tuple[Break, ...]

    @property
    def end(self) -> float:
        return self.start + self.length


@dataclass
class Roster:
    shifts: tuple[Shift, ...]       # the chosen shifts, with their counts
    coverage: pd.DataFrame          # interval, start, end, required, scheduled, surplus, meets_targets
    answer: RunResult               # the run of the scenario with the roster
    solver: dict                    # status, message, mip_gap, objective (cost a day)
    rounds: int
    holds: bool                     # every interval meets its targets
    note: str                       # why not, when it does not


def candidates(rules: ShiftRules, day_length: float, interval: float) -> list[Candidate]:
    """Every shift the rules allow within the opening hours."""
    step = rules.step or interval
    found = []
    for length in rules.lengths:
        latest = min(rules.latest if rules.latest is not None else day_length, day_length - length)
        start = rules.earliest
        while start <= latest + 1e-9:
            breaks = tuple(Break(rule.after, rule.length, rule.stagger) for rule in rules.break_rules
                           if length >= rule.min_length - 1e-9 and rule.after < length)
            found.append(Candidate(start, length, breaks))
            start += step
    if not found:
        raise InputError(f"shift_rules: no shift of lengths {', '.join(f'{l:g}' for l in rules.lengths)} min fits "
                         f"between the earliest and latest start within a {day_length:g}-minute day")
    return found


def coverage_matrix(shifts: list[Candidate], bounds: np.ndarray) -> np.ndarray:
    """Agents expected on duty in each interval per agent on each shift: the time on shift within the
    interval, less its breaks spread evenly over their stagger window, over the interval's length."""
    lengths = np.diff(bounds)
    matrix = np.zeros((len(lengths), len(shifts)))
    for j, shift in enumerate(shifts):
        on = np.clip(np.minimum(bounds[1:], shift.end) - np.maximum(bounds[:-1], shift.start), 0, None)
        for pause in shift.breaks:
            window = (shift.start + pause.after, min(shift.start + pause.after + pause.stagger + pause.length, shift.end))
            span = window[1] - window[0]
            if span <= 0:
                continue
            inside = np.clip(np.minimum(bounds[1:], window[1]) - np.maximum(bounds[:-1], window[0]), 0, None)
            on = on - inside * min(pause.length, span) / span
        matrix[:, j] = on / lengths
    return matrix


@dataclass(frozen=True)
class Option:
    """One column of the integer program: a candidate shift worked on ``days`` (weekdays; None: every
    day), and the coverage rows (weekday or day type, interval) it counts in."""

    shift: Candidate
    days: tuple[int, ...] | None
    rows: tuple[int, ...]        # the row blocks (one per day worked) it covers


@dataclass(frozen=True)
class Layout:
    """The coverage rows of the program: one block of intervals per day kind it distinguishes (a day
    type, or each open weekday for weekly tours), the requirement slot each block reads, and the
    columns (shifts on days) it chooses from."""

    blocks: tuple[tuple[str, tuple[int, ...] | None, int], ...]   # (label, weekdays, day type index)
    options: tuple[Option, ...]
    per_week: bool                  # costs and hours are a week's (else a day's)


def tours(rules: ShiftRules, open_days: tuple[int, ...]) -> list[tuple[int, ...]]:
    """The weekday patterns of a weekly tour: ``days_per_week`` open weekdays (each of the numbers given;
    all open weekdays when there are fewer), the days off together round the week when
    ``consecutive_days_off``."""
    found = []
    for count in sorted({min(count, len(open_days)) for count in rules.days_per_week or (7,)}):
        for pattern in combinations(open_days, count):
            off = sorted(set(range(7)) - set(pattern))
            if rules.consecutive_days_off and off and not _round_the_week(off):
                continue
            found.append(tuple(pattern))
    return found


def _round_the_week(days: list[int]) -> bool:
    """Whether weekdays form one run, taking the week round (sat, sun, mon is a run)."""
    gaps = sum(1 for d in days if (d + 1) % 7 not in days)
    return gaps <= 1


def layout(scenario: Scenario, rules: ShiftRules, types: tuple[DayType, ...], shifts: list[Candidate]) -> Layout:
    """Daily shifts per day type, or, with ``days_per_week``, weekly tours over the open weekdays."""
    clock = scenario.clock
    if rules.days_per_week is None:
        blocks = tuple((kind.label, kind.weekdays, g) for g, kind in enumerate(types))
        options = tuple(Option(shift, kind.weekdays, (g,)) for g, kind in enumerate(types) for shift in shifts)
        return Layout(blocks, options, per_week=types[0].weekdays is not None)
    open_days = tuple(sorted({clock.weekday(day) for day in range(clock.days)}))
    kind_of = {w: g for g, kind in enumerate(types) for w in (kind.weekdays or open_days)}
    blocks = tuple((WEEKDAYS[w], (w,), kind_of[w]) for w in open_days)
    row_of = {w: k for k, w in enumerate(open_days)}
    low, high = rules.weekly_hours
    options = tuple(Option(shift, pattern, tuple(row_of[w] for w in pattern)) for pattern in tours(rules, open_days)
                    for shift in shifts if low - 1e-9 <= shift.length / 60 * len(pattern) <= high + 1e-9)
    if not options:
        raise InputError(f"shift_rules: no tour of {' or '.join(map(str, rules.days_per_week))} days of lengths "
                         f"{', '.join(f'{l / 60:g} h' for l in rules.lengths)} has weekly hours within "
                         f"{low:g}-{high:g}")
    return Layout(blocks, options, per_week=True)


def program_matrix(plan: Layout, shifts: list[Candidate], matrix: np.ndarray) -> np.ndarray:
    """Expected agents on duty per coverage row (block, interval) per agent on each option, from the
    ``matrix`` of each of ``shifts`` over a day's intervals."""
    n = matrix.shape[0]
    column_of = {shift: k for k, shift in enumerate(shifts)}
    columns = np.zeros((n * len(plan.blocks), len(plan.options)))
    for j, option in enumerate(plan.options):
        k = column_of[option.shift]
        for block in option.rows:
            columns[block * n:(block + 1) * n, j] = matrix[:, k]
    return columns


def solve(need: np.ndarray, plan: Layout, matrix: np.ndarray, rules: ShiftRules,
          cost_per_hour: float, shrinkage: float, adherence: float = 1.0) -> tuple[np.ndarray, dict]:
    """The agents on each option at least cost such that every coverage row has at least ``need``
    agents expected on duty (absences by ``shrinkage`` and time out of ``adherence`` taken off), within
    the rules (HiGHS via SciPy)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    count = len(plan.options)
    days = np.array([1 if o.days is None or not plan.per_week else len(o.days) for o in plan.options])
    cost = np.array([o.shift.length / 60 * max(cost_per_hour, 1e-6) for o in plan.options]) * days
    need = np.asarray(need, dtype=float) / max(1 - shrinkage, 1e-9) / adherence
    extra = count if rules.min_count > 0 else 0     # a binary switch per option: unused, or min_count or more
    width = count + extra

    def padded(rows: np.ndarray) -> np.ndarray:
        return np.hstack((rows, np.zeros((rows.shape[0], extra))))

    constraints = [LinearConstraint(padded(matrix), need, np.inf)]
    if rules.part_time_below is not None and rules.part_time_share < 1:
        part = np.array([1.0 if o.shift.length < rules.part_time_below - 1e-9 else 0.0 for o in plan.options])
        # part-time agents <= share x all agents
        constraints.append(LinearConstraint(padded((part - rules.part_time_share)[None, :]), -np.inf, 0.0))
    upper = np.full(count, float(rules.max_count))
    if extra:
        constraints += [LinearConstraint(np.hstack((np.eye(count), -rules.max_count * np.eye(count))), -np.inf, 0.0),
                        LinearConstraint(np.hstack((np.eye(count), -rules.min_count * np.eye(count))), 0.0, np.inf)]
        cost, upper = np.concatenate((cost, np.zeros(count))), np.concatenate((upper, np.ones(count)))
    result = milp(cost, integrality=np.ones(width), bounds=Bounds(np.zeros(width), upper), constraints=constraints,
                  options={"time_limit": 60.0, "mip_rel_gap": 1e-4})
    info = {"status": int(result.status), "message": str(result.message),
            "mip_gap": float(getattr(result, "mip_gap", float("nan")) or 0.0),
            "objective": float(result.fun) if result.x is not None else float("nan"),
            "per": "week" if plan.per_week else "day"}
    if result.x is None:
        raise InputError(f"the shift rules cannot cover the requirement: {result.message}")
    return np.round(result.x[:count]).astype(int), info


def shifts_of(chosen: np.ndarray, plan: Layout, opening: float) -> tuple[Shift, ...]:
    """The options with agents, as the pool's shifts (named by their hours, and days when they have them)."""
    found = []
    for option, n in zip(plan.options, chosen):
        if n <= 0:
            continue
        c = option.shift
        name = f"{format_clock(opening + c.start)}-{format_clock(opening + c.end)}"
        if option.days is not None:
            name += f" {weekday_label(option.days)}"
        found.append(Shift(c.start, c.end, int(n), name, c.breaks, option.days))
    return tuple(found)


def build_roster(scenario: Scenario, pool: Pool, requirement: Requirement,
                 run: Callable[[tuple[Shift, ...]], RunResult]) -> Roster:
    """Shifts for ``pool`` covering ``requirement`` at least cost, simulated and mended until every
    interval meets its targets (``run(shifts)`` runs the scenario with the pool on those shifts)."""
    clock = scenario.clock
    rules = pool.shift_rules or ShiftRules()
    types = requirement.day_types or (DayType(None, tuple(range(clock.days))),)
    options = candidates(rules, clock.day_length, clock.interval)
    bounds = clock.interval_bounds()[:clock.intervals_per_day + 1]
    plan = layout(scenario, rules, types, options)
    matrix = program_matrix(plan, options, coverage_matrix(options, bounds))
    n = clock.intervals_per_day
    # each coverage row reads the requirement of its day type's slot
    slot = np.concatenate([kind * n + np.arange(n) for _, _, kind in plan.blocks])
    required = np.array(requirement.curve, dtype=float)
    away = activity_need(pool, types, clock, bounds)
    rounds, note = 0, ""
    while True:
        chosen, info = solve(required[slot] / (1 - away[slot]), plan, matrix, rules, pool.cost_per_hour, pool.shrinkage,
                             pool.adherence.share)
        shifts = shifts_of(chosen, plan, clock.open_at or 0.0)
        answer = run(shifts)
        rounds += 1
        met, _ = intervals_meeting(answer, scenario, types, pool.name)
        if met.all():
            break
        if rounds >= MAX_ROUNDS:
            missing = ", ".join(f"{types[s // n].label if len(types) > 1 else ''} "
                                f"{clock.interval_labels(int(s % n))[0][-5:]}".strip() for s in np.flatnonzero(~met))
            note = (f"after {rounds} rounds these intervals still miss their targets: {missing}; the shift rules "
                    f"may not reach them (a start time, a length), or more replications may settle them")
            break
        required = required + (~met)   # one agent more where an interval misses, and solve again
    scheduled = matrix @ chosen * (1 - pool.shrinkage) * pool.adherence.share * (1 - away[slot])
    opening = clock.open_at or 0.0
    curve = np.array(requirement.curve)
    coverage = pd.DataFrame({
        "days": np.repeat([label for label, _, _ in plan.blocks], n),
        "interval": np.tile(np.arange(n), len(plan.blocks)),
        "start": np.tile([format_clock(opening + b) for b in bounds[:-1]], len(plan.blocks)),
        "end": np.tile([format_clock(opening + b) for b in bounds[1:]], len(plan.blocks)),
        "required": curve[slot], "covered_for": required[slot].astype(int),
        "scheduled": np.round(scheduled, 2), "surplus": np.round(scheduled - curve[slot], 2),
        "meets_targets": met[slot]})
    return Roster(shifts, coverage, answer, info, rounds, bool(met.all()), note)


def activity_need(pool: Pool, types, clock, bounds: np.ndarray) -> np.ndarray:
    """Per slot of the requirement (day type x interval), the share of the agents on duty that the pool's
    scheduled activities take off the floor: the roster covers ``required / (1 - share)`` there (the
    roster's simulation then mends what this first estimate misses)."""
    n = len(bounds) - 1
    extra = np.zeros(len(types) * n)
    for kind, day_type in enumerate(types):
        day = day_type.days[0] if day_type.days else 0
        for activity in pool.activities:
            if activity.days is not None and clock.weekday(day) not in activity.days:
                continue
            start, end = activity.start, activity.start + activity.stagger + activity.length
            overlap = np.clip(np.minimum(bounds[1:], end) - np.maximum(bounds[:-1], start), 0, None)
            if activity.stagger + activity.length > 0:
                # agents away at once: share x (length / (stagger + length)) of those on duty, spread evenly
                extra[kind * n:(kind + 1) * n] += overlap / np.diff(bounds) * activity.share \
                    * activity.length / (activity.stagger + activity.length)
    return np.minimum(extra, 0.95)


def roster_cost(shifts: tuple[Shift, ...], cost_per_hour: float) -> float:
    """Paid cost of the roster: a day's, or with weekdays a week's (breaks are paid)."""
    return agent_hours(shifts) * cost_per_hour


def agent_hours(shifts: tuple[Shift, ...]) -> float:
    """Paid agent-hours: a day's, or a week's when shifts have weekdays."""
    return sum(s.count * (s.end - s.start) / 60 * (len(s.days) if s.days is not None else 1) for s in shifts)


@dataclass
class RosterPlan:
    requirement: Requirement
    roster: Roster
    scenario: Scenario           # the scenario with the roster: roster.yaml


def plan_roster(path, overrides: dict | None = None, replications: int | None = None, seed: int | None = None,
                jobs=1, pool: str | None = None, progress: Callable[[int], None] | None = None) -> RosterPlan:
    """The requirement of ``pool`` per interval, then the cheapest roster of its shift rules that covers it
    and meets every interval's targets when simulated."""
    from simulator.planning.requirement import per_interval_requirement
    from simulator.planning.staffing import Runs, pool_without_staffing
    from simulator.scenario import load_scenario
    from simulator.scenario.resolve import shift_document, staffed_document

    overrides = dict(overrides or {})
    base = load_scenario(path, overrides)
    names = [p.name for p in base.staff]
    chosen = pool or names[0]
    if chosen not in names:
        raise InputError(f"--pool {chosen}: expected one of {', '.join(names)}")
    the_pool = next(p for p in base.staff if p.name == chosen)
    run = Runs(path, overrides, replications, seed, jobs, progress)
    net = pool_without_staffing(path, overrides, chosen, ("breaks", "shrinkage", "activities", "adherence"))
    requirement = per_interval_requirement(
        base, chosen, lambda curves: run({f"staff.{chosen}": {**net, "staffed": staffed_document(curves)}}))
    kept = pool_without_staffing(path, overrides, chosen, ("breaks",))
    opening = base.clock.open_at or 0.0

    def rostered(shifts: tuple[Shift, ...]) -> RunResult:
        return run({f"staff.{chosen}": {**kept, "shifts": {s.name: shift_document(s, opening) for s in shifts}}})

    roster = build_roster(base, the_pool, requirement, rostered)
    return RosterPlan(requirement, roster, roster.answer.scenario)
