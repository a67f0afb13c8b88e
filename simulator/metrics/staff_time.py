"""Where the staff's time went: busy, at work, paid and overtime, per pool, between any bounds.

Agents' time is measured from the record, after the run, never per event:

* **busy**: serving a contact (or holding at least one chat; a service cut short counts until it
  was cut);
* **overtime**: after a shift has ended, until the agent finished its last piece of work: the
  contact in hand when the shift ended, or the customers it stayed to serve after the last closing
  (``after_close: serve_queue``). An agent that stays but has nothing to do has gone home, as far as
  the record can tell: removing it then would have changed nothing;
* **at work** (the occupancy denominator): on duty, or busy off duty (finishing a contact into a
  break or after a shift), or in overtime;
* **paid**: the scheduled shifts (breaks and absences included, as they are paid) plus overtime.

So busy time never exceeds time at work, nor (without concurrency) paid time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:   # type hints only: capacity checks (validate) import this module without pandas
    from simulator.metrics.tables import ReplicationTables


@dataclass
class PoolTime:
    """Agent-minutes of one pool between consecutive bounds (arrays of len(bounds) - 1)."""

    busy: np.ndarray
    at_work: np.ndarray
    scheduled: np.ndarray     # paid shifts as scheduled
    overtime: np.ndarray
    slot_busy: np.ndarray     # busy slot-time: a contact of a channel with concurrency k counts 1/k

    @property
    def paid(self) -> np.ndarray:
        return self.scheduled + self.overtime


def busy_time_before(starts: np.ndarray, ends: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Total length of the periods [start, end) before each of ``times`` (vectorised).

    The length before t is the sum over periods of ``max(0, min(t, end) - start)``, which equals
    ``sum_{start<t} (t - start) - sum_{end<t} (t - end)``: two sorted prefix sums and a binary
    search, whatever the number of periods.
    """
    starts, ends = np.sort(starts), np.sort(ends)
    start_sums = np.concatenate(([0.0], np.cumsum(starts)))
    end_sums = np.concatenate(([0.0], np.cumsum(ends)))
    n_started = np.searchsorted(starts, times, side="left")
    n_ended = np.searchsorted(ends, times, side="left")
    return (times * n_started - start_sums[n_started]) - (times * n_ended - end_sums[n_ended])


def time_between(starts: np.ndarray, ends: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Length of the periods between consecutive ``bounds`` (periods may run on to infinity)."""
    if not len(starts):
        return np.zeros(len(bounds) - 1)
    last = bounds[-1] if np.isfinite(bounds[-1]) else max(float(np.max(np.where(np.isfinite(ends), ends, starts))),
                                                           float(np.max(starts)), float(bounds[0])) + 1.0
    clipped = np.array(bounds, dtype=float)
    clipped[-1] = last
    return np.diff(busy_time_before(np.minimum(starts, last), np.minimum(ends, last), clipped))


def union(agent: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each agent's periods merged where they overlap or touch: (agent, start, end), finite ends."""
    keep = end > start
    agent, start, end = agent[keep], start[keep], end[keep]
    if not len(agent):
        return agent, start, end
    offset = float(max(np.max(end), np.max(start))) + 1.0   # agents' periods never meet once shifted apart
    order = np.lexsort((start, agent))
    agent, start, end = agent[order], start[order] + agent[order] * offset, end[order] + agent[order] * offset
    reach = np.maximum.accumulate(end)
    first = np.ones(len(agent), dtype=bool)
    first[1:] = start[1:] > reach[:-1]
    at = np.flatnonzero(first)
    merged_agent = agent[at]
    return (merged_agent, start[at] - merged_agent * offset,
            np.maximum.reduceat(end, at) - merged_agent * offset)


def person_busy(tables: ReplicationTables) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every piece of work people did, as (agent, start, end): services (a run of chats as one), services
    cut short at a shift's end, and after-call work."""
    pools = tables.agent_pool
    single = tables.service_slots == 1
    busy_agent = np.concatenate((tables.service_agent[single], tables.held_agent, tables.handed_agent,
                                 tables.wrap_agent))
    busy_start = np.concatenate((tables.service_start[single], tables.held_start, tables.handed_start,
                                 tables.wrap_start))
    busy_end = np.concatenate((tables.service_end[single], tables.held_end, tables.handed_end, tables.wrap_end))
    person = pools[busy_agent] < tables.staff_pools if len(busy_agent) else np.zeros(0, dtype=bool)
    return busy_agent[person], busy_start[person], busy_end[person]


def staff_time(tables: ReplicationTables, horizon: float, bounds: np.ndarray) -> list[PoolTime]:
    """Per staff pool, its busy, at-work, scheduled and overtime agent-minutes between ``bounds``."""
    pools = tables.agent_pool
    busy_agent, busy_start, busy_end = person_busy(tables)
    # overtime: from the end of the shift a piece of work belongs to, to the end of that work
    window_agent, window_start, window_end = _overtime_windows(tables, busy_agent, busy_start, busy_end)
    over = union(window_agent, window_start, window_end)
    duty_end = np.minimum(tables.duty_end, horizon)   # staying after the last closing is overtime
    at_work = union(np.concatenate((tables.duty_agent, busy_agent, over[0])),
                    np.concatenate((tables.duty_start, busy_start, over[1])),
                    np.concatenate((duty_end, busy_end, over[2])))
    slots = tables.service_slots
    result = []
    for pool in range(tables.staff_pools):
        mine = pools[busy_agent] == pool
        served = pools[tables.service_agent] == pool if len(tables.service_agent) else np.zeros(0, dtype=bool)
        slot_busy = np.zeros(len(bounds) - 1)
        for k in np.unique(slots[served]):
            chosen = served & (slots == k)
            slot_busy += time_between(tables.service_start[chosen], tables.service_end[chosen], bounds) / k
        result.append(PoolTime(
            busy=time_between(busy_start[mine], busy_end[mine], bounds),
            at_work=time_between(at_work[1][pools[at_work[0]] == pool], at_work[2][pools[at_work[0]] == pool], bounds),
            scheduled=time_between(tables.paid_start[tables.paid_pool == pool], tables.paid_end[tables.paid_pool == pool],
                                   bounds),
            overtime=time_between(over[1][pools[over[0]] == pool], over[2][pools[over[0]] == pool], bounds),
            slot_busy=slot_busy))
    return result


def _overtime_windows(tables: ReplicationTables, agent: np.ndarray, start: np.ndarray,
                      end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each busy period that ends after the shift it started in (or after the agent's last shift):
    the window from that shift's end to the period's end."""
    if not len(agent) or not len(tables.span_agent):
        return agent[:0], start[:0], end[:0]
    offset = float(max(np.max(end), np.max(tables.span_end))) + 1.0
    order = np.lexsort((tables.span_start, tables.span_agent))
    span_agent, span_key = tables.span_agent[order], tables.span_start[order] + tables.span_agent[order] * offset
    span_end = tables.span_end[order]
    at = np.searchsorted(span_key, start + agent * offset, side="right") - 1
    valid = (at >= 0) & (span_agent[np.maximum(at, 0)] == agent)
    shift_end = np.where(valid, span_end[np.maximum(at, 0)], start)
    late = end > shift_end
    return agent[late], shift_end[late], end[late]


def bot_busy(tables: ReplicationTables, automation: int, bounds: np.ndarray) -> np.ndarray:
    """Bot-minutes of one automation busy between ``bounds``."""
    mine = tables.service_pool == tables.staff_pools + automation
    return time_between(tables.service_start[mine], tables.service_end[mine], bounds)
