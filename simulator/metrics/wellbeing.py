"""How the work felt to the staff, per pool and over all staff: a proxy, said plainly.

Four things wear staff down that a planner's averages hide: the busiest interval's occupancy (a pool
at 80% over the day can run at 97% for an hour), overtime, long runs of back-to-back work with no pause,
and work falling unevenly on some agents. Each is measured per replication after the warm-up, and the
wellbeing index (0 to 100) takes points off for each by the scenario's ``wellbeing`` weights
(:class:`simulator.scenario.model.Wellbeing`; docs/kpis.md, "Staff wellbeing").
"""

from __future__ import annotations

import numpy as np

from simulator.metrics.staff_time import person_busy, union
from simulator.metrics.tables import ReplicationTables
from simulator.scenario.model import Clock, Scenario

PAUSE = 1.0   # minutes: work resumed within this is the same run of back-to-back work


def wellbeing_rows(tables: ReplicationTables, scenario: Scenario, kpis: list, intervals: list) -> list:
    """occupancy_peak, longest_work_run, workload_spread and wellbeing_index, per pool and in all."""
    clock = scenario.clock
    first = clock.first_interval
    overtime = {row[1]: row[2] for row in kpis if row[0] == "overtime_share"}
    agent, start, end = person_busy(tables)
    counted = start >= clock.warmup
    agent, start, end = agent[counted], start[counted], end[counted]
    # runs of work, day by day (closed hours are not simulated: the next morning follows the evening);
    # pauses under a minute do not break a run
    day = np.minimum(start // clock.day_length, clock.days - 1).astype(np.int64)
    runs = union(agent * clock.days + day, start, np.minimum(end, (day + 1) * clock.day_length) + PAUSE)
    run_length = runs[2] - PAUSE - runs[1]
    longest = {}
    for who, length in zip((runs[0] // clock.days).tolist(), run_length.tolist()):
        longest[who] = max(longest.get(who, 0.0), length)
    busy = np.bincount(agent, weights=end - start, minlength=len(tables.agent_pool))
    at_work_minutes = _at_work(tables, agent, start, end, clock)
    late, lost = (_late_breaks(tables, union(agent, start, end), scenario.wellbeing.break_grace)
                  if len(tables.break_agent)
                  else (np.zeros(0, dtype=bool), np.zeros(0)))
    at_work = {a for a in tables.duty_agent[tables.duty_end > clock.warmup].tolist()}
    rows = []
    pools = [(f"pool:{pool.name}", [k]) for k, pool in enumerate(scenario.staff)]
    for scope, numbers in pools + [("all", list(range(len(scenario.staff))))]:
        members = [a for a in range(len(tables.agent_pool)) if tables.agent_pool[a] in numbers and a in at_work]
        peak = _peak_occupancy(intervals, scope, first)
        run = float(np.mean([longest.get(a, 0.0) for a in members])) if members else float("nan")
        # each agent's occupancy, not its busy minutes: a part-timer at the same pace as a full-timer is even
        worked = [a for a in members if at_work_minutes[a] > 0]
        loads = busy[worked] / at_work_minutes[worked] if worked else np.zeros(0)
        spread = float(loads.std() / loads.mean()) if len(loads) and loads.mean() > 0 else float("nan")
        share = overtime.get(scope, 0.0)
        mine = np.isin(tables.break_agent, members) & (tables.break_start >= clock.warmup)
        late_share = float(late[mine].mean()) if mine.any() else float("nan")
        index = scenario.wellbeing.index(0.0 if peak != peak else peak, 0.0 if share != share else share,
                                         0.0 if run != run else run, 0.0 if spread != spread else spread,
                                         0.0 if late_share != late_share else late_share)
        rows += [(metric, scope, value, float("nan"), float("nan"), float("nan")) for metric, value in (
            ("occupancy_peak", peak), ("longest_work_run", run), ("workload_spread", spread),
            ("wellbeing_index", index if members else float("nan")))]
        if mine.any():
            rows += [("breaks_late", scope, late_share, float(late[mine].sum()), float(mine.sum()), float("nan")),
                     ("break_lost_mean", scope, float(lost[mine].mean()), float(lost[mine].sum()), float(mine.sum()),
                      float(np.square(lost[mine]).sum()))]
    return rows


def _at_work(tables: ReplicationTables, agent: np.ndarray, start: np.ndarray, end: np.ndarray,
             clock: Clock) -> np.ndarray:
    """Per agent: minutes at work after the warm-up, as occupancy counts them (on duty until the last
    closing, or busy: ``agent``, ``start``, ``end`` are the work after the warm-up)."""
    periods = union(np.concatenate((tables.duty_agent, agent)),
                    np.maximum(np.concatenate((tables.duty_start, start)), clock.warmup),
                    np.concatenate((np.minimum(tables.duty_end, clock.horizon), end)))
    return np.bincount(periods[0], weights=periods[2] - periods[1], minlength=len(tables.agent_pool))


def _late_breaks(tables: ReplicationTables, work: tuple, grace: float) -> tuple[np.ndarray, np.ndarray]:
    """Per scheduled break: whether it started late, the agent still at work more than ``grace`` minutes
    after it was due (it finishes the contact in hand first, so the break starts late and is shorter), and
    the minutes of break lost (any, within the grace too). ``work``: each agent's merged busy periods
    (agent, start, end), sorted by agent and start (:func:`union`)."""
    agents, starts, ends = work
    if not len(agents):
        return np.zeros(len(tables.break_agent), dtype=bool), np.zeros(len(tables.break_agent))
    span = float(max(ends.max(), tables.break_start.max())) + 1.0   # agents' periods apart on one axis
    keys = agents * span + starts
    due = tables.break_start
    at = np.searchsorted(keys, tables.break_agent * span + due, side="right") - 1   # last period begun by then
    found = at >= 0
    at = np.maximum(at, 0)
    held = found & (agents[at] == tables.break_agent) & (ends[at] > due)
    lost = np.where(held, np.minimum(ends[at], tables.break_end) - due, 0.0)
    return held & (ends[at] - due > grace), lost


def _peak_occupancy(intervals: list, scope: str, first: int) -> float:
    """The highest occupancy of any reporting interval after the warm-up (busy / at work; in all, busy
    agents over staffed agents)."""
    if scope == "all":
        busy = {row[0]: row[3] for row in intervals if row[1] == "busy" and row[2] == "all" and row[0] >= first}
        staffed = {row[0]: row[3] for row in intervals if row[1] == "staffed" and row[2] == "all" and row[0] >= first}
        values = [busy[k] / staffed[k] for k in busy if staffed.get(k, 0) > 0]
    else:
        values = [row[4] / row[5] for row in intervals
                  if row[1] == "occupancy" and row[2] == scope and row[0] >= first and row[5] == row[5] and row[5] > 0]
    return float(max(values)) if values else float("nan")
