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
from typing import Callable

import numpy as np
import pandas as pd

from simulator.errors import InputError
from simulator.experiment import RunResult
from simulator.planning.requirement import Requirement, intervals_meeting
from simulator.scenario.model import Break, Pool, Scenario, Shift, ShiftRules
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


def solve(required: np.ndarray, shifts: list[Candidate], matrix: np.ndarray, rules: ShiftRules,
          cost_per_hour: float, shrinkage: float) -> tuple[np.ndarray, dict]:
    """The counts per candidate shift at least cost that cover ``required`` (HiGHS through SciPy)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    cost = np.array([s.length / 60 * max(cost_per_hour, 1e-6) for s in shifts])   # no cost: fewest hours
    need = np.asarray(required, dtype=float) / max(1 - shrinkage, 1e-9)
    constraints = [LinearConstraint(matrix, need, np.inf)]
    count = len(shifts)
    if rules.part_time_below is not None and rules.part_time_share < 1:
        part = np.array([1.0 if s.length < rules.part_time_below - 1e-9 else 0.0 for s in shifts])
        # part-time agents <= share x all agents
        constraints.append(LinearConstraint(part - rules.part_time_share, -np.inf, 0.0))
    integrality = np.ones(count)
    bounds = Bounds(np.zeros(count), np.full(count, float(rules.max_count)))
    if rules.min_count > 0:   # a shift is either unused or has at least min_count agents: a binary switch each
        cost = np.concatenate((cost, np.zeros(count)))
        matrix_used = np.hstack((matrix, np.zeros_like(matrix)))
        constraints = [LinearConstraint(matrix_used, need, np.inf)] + [
            LinearConstraint(np.hstack((c.A, np.zeros((c.A.shape[0], count)))), c.lb, c.ub) for c in constraints[1:]]
        link = np.hstack((np.eye(count), -rules.max_count * np.eye(count)))
        floor = np.hstack((np.eye(count), -rules.min_count * np.eye(count)))
        constraints += [LinearConstraint(link, -np.inf, 0.0), LinearConstraint(floor, 0.0, np.inf)]
        integrality = np.ones(2 * count)
        bounds = Bounds(np.zeros(2 * count), np.concatenate((np.full(count, float(rules.max_count)), np.ones(count))))
    result = milp(cost, integrality=integrality, bounds=bounds, constraints=constraints,
                  options={"time_limit": 60.0, "mip_rel_gap": 1e-4})
    info = {"status": int(result.status), "message": str(result.message),
            "mip_gap": float(getattr(result, "mip_gap", float("nan")) or 0.0),
            "objective": float(result.fun) if result.x is not None else float("nan")}
    if result.x is None:
        raise InputError(f"the shift rules cannot cover the requirement: {result.message}")
    return np.round(result.x[:count]).astype(int), info


def shifts_of(chosen: np.ndarray, options: list[Candidate], opening: float) -> tuple[Shift, ...]:
    """The candidates with agents, as the pool's shifts (named by their hours)."""
    return tuple(Shift(c.start, c.end, int(n), f"{format_clock(opening + c.start)}-{format_clock(opening + c.end)}",
                       c.breaks) for c, n in zip(options, chosen) if n > 0)


def build_roster(scenario: Scenario, pool: Pool, requirement: Requirement,
                 run: Callable[[tuple[Shift, ...]], RunResult]) -> Roster:
    """Shifts for ``pool`` covering ``requirement`` at least cost, simulated and mended until every
    interval meets its targets (``run(shifts)`` runs the scenario with the pool on those shifts)."""
    clock = scenario.clock
    rules = pool.shift_rules or ShiftRules()
    options = candidates(rules, clock.day_length, clock.interval)
    bounds = clock.interval_bounds()[:clock.intervals_per_day + 1]
    matrix = coverage_matrix(options, bounds)
    required = np.array(requirement.curve, dtype=float)
    rounds, note = 0, ""
    while True:
        chosen, info = solve(required, options, matrix, rules, pool.cost_per_hour, pool.shrinkage)
        shifts = shifts_of(chosen, options, clock.open_at or 0.0)
        answer = run(shifts)
        rounds += 1
        met, _ = intervals_meeting(answer, scenario)
        if met.all():
            break
        if rounds >= MAX_ROUNDS:
            missing = ", ".join(clock.interval_labels(int(t))[0] for t in np.flatnonzero(~met))
            note = (f"after {rounds} rounds these intervals still miss their targets: {missing}; the shift rules "
                    f"may not reach them (a start time, a length), or more replications may settle them")
            break
        required = required + (~met)   # one agent more where an interval misses, and solve again
    scheduled = matrix @ chosen * (1 - pool.shrinkage)
    opening = clock.open_at or 0.0
    coverage = pd.DataFrame({
        "interval": np.arange(clock.intervals_per_day),
        "start": [format_clock(opening + b) for b in bounds[:-1]],
        "end": [format_clock(opening + b) for b in bounds[1:]],
        "required": requirement.curve, "covered_for": required.astype(int),
        "scheduled": np.round(scheduled, 2), "surplus": np.round(scheduled - np.array(requirement.curve), 2),
        "meets_targets": met})
    return Roster(shifts, coverage, answer, info, rounds, bool(met.all()), note)


def roster_cost(shifts: tuple[Shift, ...], cost_per_hour: float) -> float:
    """Paid cost of a day of the roster (breaks are paid)."""
    return sum(s.count * (s.end - s.start) / 60 * cost_per_hour for s in shifts)


def agent_hours(shifts: tuple[Shift, ...]) -> float:
    return sum(s.count * (s.end - s.start) / 60 for s in shifts)


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
    from simulator.scenario.resolve import shift_document

    overrides = dict(overrides or {})
    base = load_scenario(path, overrides)
    names = [p.name for p in base.staff]
    chosen = pool or names[0]
    if chosen not in names:
        raise InputError(f"--pool {chosen}: expected one of {', '.join(names)}")
    the_pool = next(p for p in base.staff if p.name == chosen)
    run = Runs(path, overrides, replications, seed, jobs, progress)
    net = pool_without_staffing(path, overrides, chosen, ("breaks", "shrinkage"))
    requirement = per_interval_requirement(
        base, chosen, lambda curve: run({f"staff.{chosen}": {**net, "staffed": [int(c) for c in curve]}}))
    kept = pool_without_staffing(path, overrides, chosen, ("breaks",))
    opening = base.clock.open_at or 0.0

    def rostered(shifts: tuple[Shift, ...]) -> RunResult:
        return run({f"staff.{chosen}": {**kept, "shifts": {s.name: shift_document(s, opening) for s in shifts}}})

    roster = build_roster(base, the_pool, requirement, rostered)
    return RosterPlan(requirement, roster, roster.answer.scenario)
