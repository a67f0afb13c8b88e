"""A replication's records as numpy columns (and pandas DataFrames), built once at the end.

Every column is documented in docs/outputs.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulator.model.records import COMING_BACK, COMPLAINT, RETRIAL, REWORKED, Recorder
from simulator.model.roster import Roster

if TYPE_CHECKING:
    import pandas as pd

# code 2: still in the system when the run ended; 3 and 4: turned away (all lines busy, too long a line)
OUTCOMES = ("completed", "abandoned", "in_system", "blocked", "balked")


def build_tables(records: Recorder, arrived_at: list[float], demand: np.ndarray, segment: np.ndarray,
                 channel_of_demand: np.ndarray, agent_pool: np.ndarray, agent_levels: np.ndarray,
                 step_resource: np.ndarray, staff_pools: int, roster: Roster,
                 training_cost: float = 0.0, channel_slots: np.ndarray | None = None) -> ReplicationTables:
    """Columns for every contact (first contacts in arrival order, then repeats), every service and
    every duty period. ``agent_levels[agent, resource]`` is an agent's level (0: cannot)."""
    repeats = records.table("repeats", 6)
    arrived = np.concatenate((np.asarray(arrived_at, dtype=float), repeats[:, 1]))
    demand = np.concatenate((demand, repeats[:, 2].astype(np.int64)))
    segment = np.concatenate((segment, repeats[:, 3].astype(np.int64)))
    regraded = records.table("regraded", 2).astype(np.int64)
    segment[regraded[:, 0]] = regraded[:, 1]   # triage: a contact is reported in the segment it ended in
    repeat_of = np.concatenate((np.full(len(arrived_at), -1, dtype=np.int64), repeats[:, 4].astype(np.int64)))
    retrial = np.concatenate((np.zeros(len(arrived_at), dtype=bool), repeats[:, 5] == RETRIAL))
    complaint = np.concatenate((np.zeros(len(arrived_at), dtype=bool), repeats[:, 5] == COMPLAINT))
    count = len(arrived)
    outcome = np.full(count, 2, dtype=np.int8)
    answered_at, wait, queue_time, departed_at = (np.full(count, np.nan) for _ in range(4))
    rows = records.table("departures", 6)
    if len(rows):
        ids = rows[:, 0].astype(np.int64)
        outcome[ids] = rows[:, 1]
        answered_at[ids] = np.where(rows[:, 2] >= 0, rows[:, 2], np.nan)
        wait[ids] = np.where(rows[:, 3] >= 0, rows[:, 3], np.nan)
        queue_time[ids] = rows[:, 4]
        departed_at[ids] = rows[:, 5]
    left = records.table("left_waiting", 5)
    left_contact = left[:, 0].astype(np.int64)   # still in the system: perhaps answered, waiting for a later step
    answered_at[left_contact] = np.where(left[:, 3] >= 0, left[:, 3], np.nan)
    wait[left_contact] = np.where(left[:, 4] >= 0, left[:, 4], np.nan)
    errors = records.table("errors", 3).astype(np.int64)
    reached = errors[:, 2] != REWORKED
    services = records.table("services", 6)
    contacts, steps, agents = (services[:, k].astype(np.int64) for k in range(3))
    pools = agent_pool[agents] if len(agents) else agents
    by_person = pools < staff_pools
    levels = agent_levels[agents, step_resource[steps]] if len(agents) else np.zeros(0)
    for agent, resource, when, before, _ in records.rows("retrained"):   # services before a course ended
        earlier = (agents == agent) & (step_resource[steps] == resource) & (services[:, 4] < when)
        levels = np.where(earlier, before, levels)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_level = np.bincount(contacts[by_person], weights=levels[by_person], minlength=count) \
            / np.bincount(contacts[by_person], minlength=count)
    slots = (channel_slots if channel_slots is not None else np.ones(len(channel_of_demand), dtype=np.int64))
    channel = channel_of_demand[demand] if count else demand
    service_slots = slots[channel[contacts]] if len(contacts) else np.ones(0, dtype=np.int64)
    busy = records.table("busy", 3)
    handed = records.table("handed_back", 3)
    gave_up = records.table("gave_up", 3)
    wrap = records.table("wrap_up", 4)
    duty = [(agent, on, off) for agent, periods in enumerate(roster.duty) for on, off in periods]
    spans = [(agent, on, off) for agent, periods in enumerate(roster.at_work) for on, off in periods]
    return ReplicationTables(
        arrived_at=arrived, demand=demand, channel=channel,
        segment=segment, repeat_of=repeat_of, retrial=retrial, complaint=complaint,
        callback=np.isin(np.arange(count), np.asarray(records.callbacks, dtype=np.int64)), outcome=outcome,
        answered_at=answered_at, wait=wait, queue_time=queue_time, departed_at=departed_at,
        errors=np.bincount(errors[reached, 0], minlength=count),
        reworks=np.bincount(errors[~reached, 0], minlength=count),
        error_contact=errors[:, 0], error_step=errors[:, 1], error_kind=errors[:, 2],
        contained=np.isin(np.arange(count), np.asarray(records.contained, dtype=np.int64)),
        recontacted=np.isin(np.arange(count), errors[errors[:, 2] == COMING_BACK, 0]) & (outcome == 0),
        mean_level=mean_level, bot_served=np.bincount(contacts[~by_person], minlength=count),
        left_waiting=np.isin(np.arange(count), left_contact),
        service_contact=contacts, service_step=steps, service_agent=agents, service_pool=pools,
        service_queued_at=services[:, 3], service_start=services[:, 4], service_end=services[:, 5],
        service_slots=service_slots,
        gave_up_contact=gave_up[:, 0].astype(np.int64), gave_up_step=gave_up[:, 1].astype(np.int64),
        gave_up_queued_at=gave_up[:, 2],
        left_contact=left_contact, left_step=left[:, 1].astype(np.int64), left_queued_at=left[:, 2],
        held_agent=busy[:, 0].astype(np.int64), held_start=busy[:, 1], held_end=busy[:, 2],
        handed_agent=handed[:, 0].astype(np.int64), handed_start=handed[:, 1], handed_end=handed[:, 2],
        wrap_agent=wrap[:, 0].astype(np.int64), wrap_start=wrap[:, 1], wrap_end=wrap[:, 2],
        wrap_step=wrap[:, 3].astype(np.int64),
        duty_agent=np.array([d[0] for d in duty], dtype=np.int64),
        duty_start=np.array([d[1] for d in duty], dtype=float), duty_end=np.array([d[2] for d in duty], dtype=float),
        span_agent=np.array([d[0] for d in spans], dtype=np.int64),
        span_start=np.array([d[1] for d in spans], dtype=float), span_end=np.array([d[2] for d in spans], dtype=float),
        paid_pool=roster.paid_pool, paid_start=roster.paid_start, paid_end=roster.paid_end,
        break_agent=np.array([agent for agent, _, _ in roster.breaks], dtype=np.int64),
        break_start=np.array([start for _, start, _ in roster.breaks], dtype=float),
        break_end=np.array([end for _, _, end in roster.breaks], dtype=float),
        leave_agent=np.array([seat for seat, _ in roster.leavers], dtype=np.int64),
        leave_day=np.array([day for _, day in roster.leavers], dtype=np.int64),
        hire_agent=np.array([seat for seat, _ in roster.hires], dtype=np.int64),
        hire_day=np.array([day for _, day in roster.hires], dtype=np.int64),
        agent_pool=agent_pool, staff_pools=staff_pools, training_cost=training_cost,
    )


@dataclass
class ReplicationTables:
    """What happened in one replication, as numpy columns."""

    # one entry per contact (index = contact id): first contacts in arrival order, then repeats
    arrived_at: np.ndarray
    demand: np.ndarray
    channel: np.ndarray
    segment: np.ndarray
    repeat_of: np.ndarray      # the contact this one repeats; -1 for a first contact
    retrial: np.ndarray        # a repeat attempt after abandoning (other repeats follow an error)
    complaint: np.ndarray      # a complaint about the contact it repeats (repeat_of), not a repeat contact
    callback: np.ndarray       # took a call back instead of waiting on the line
    outcome: np.ndarray        # 0 completed, 1 abandoned, 2 still in the system at the end
    answered_at: np.ndarray    # start of the first service by a person; NaN if none
    wait: np.ndarray           # time queued before that service (speed of answer); NaN if never answered
    queue_time: np.ndarray     # all waiting over every step; NaN if still in the system
    departed_at: np.ndarray    # NaN if still in the system
    errors: np.ndarray         # errors that reached the customer
    reworks: np.ndarray        # steps redone after a caught error
    # one entry per error or defect that ended: caught (reworked), reached the customer, or brings them back
    error_contact: np.ndarray
    error_step: np.ndarray     # the step that made it
    error_kind: np.ndarray     # REWORKED, REACHED_CUSTOMER or COMING_BACK
    contained: np.ndarray      # resolved by an automation step
    recontacted: np.ndarray    # an error will bring the customer back (a repeat contact)
    mean_level: np.ndarray     # mean proficiency level of the people who served it (NaN: nobody)
    bot_served: np.ndarray     # automation steps it went through
    left_waiting: np.ndarray   # still waiting in a queue when the run ended
    # one entry per service (a step done by an agent or a bot)
    service_contact: np.ndarray
    service_step: np.ndarray
    service_agent: np.ndarray
    service_pool: np.ndarray
    service_queued_at: np.ndarray
    service_start: np.ndarray
    service_end: np.ndarray
    service_slots: np.ndarray    # contacts of its channel an agent can hold at once (1, or k for chat)
    # one entry per abandonment: the contact, the step it waited for, and when that wait began
    gave_up_contact: np.ndarray
    gave_up_step: np.ndarray
    gave_up_queued_at: np.ndarray
    # one entry per contact left waiting at the end: the step it waited for, and since when
    left_contact: np.ndarray
    left_step: np.ndarray
    left_queued_at: np.ndarray
    # one entry per period an agent held at least one chat (concurrent services overlap within it)
    held_agent: np.ndarray
    held_start: np.ndarray
    held_end: np.ndarray
    # one entry per service cut short by an agent leaving (after_close: leave): busy time only
    handed_agent: np.ndarray
    handed_start: np.ndarray
    handed_end: np.ndarray
    # one entry per period an agent is on duty (available for work); the last may end at infinity
    duty_agent: np.ndarray
    duty_start: np.ndarray
    duty_end: np.ndarray
    # one entry per shift an agent works (breaks included, absences left out): what overtime is beyond
    span_agent: np.ndarray
    span_start: np.ndarray
    span_end: np.ndarray
    # one entry per paid shift (breaks and absences included): for cost
    paid_pool: np.ndarray
    paid_start: np.ndarray
    paid_end: np.ndarray
    # after-call work: who, when, after which step (the customer had gone)
    wrap_agent: np.ndarray
    wrap_start: np.ndarray
    wrap_end: np.ndarray
    wrap_step: np.ndarray
    # breaks as scheduled: (agent, start, end); an agent busy at the start takes it late
    break_agent: np.ndarray
    break_start: np.ndarray
    break_end: np.ndarray
    # attrition: each seat left empty (its first empty day) and each new hire (their first day)
    leave_agent: np.ndarray
    leave_day: np.ndarray
    hire_agent: np.ndarray
    hire_day: np.ndarray
    agent_pool: np.ndarray       # per agent (staff, then bots): its pool (automations numbered after staff pools)
    staff_pools: int = 0
    training_cost: float = 0.0     # the replication's training courses
    attrition_rates: tuple[float, ...] = ()   # per pool: the monthly attrition the run used, where it follows
    #                                           wellbeing (NaN: the scenario's own rate, or no attrition)

    @property
    def repeat_contact(self) -> np.ndarray:
        """Contacts that are customers coming back about the same matter after an error (not retrials after
        giving up, not complaints)."""
        return (self.repeat_of >= 0) & ~self.retrial & ~self.complaint

    def contacts_frame(self, demand_names: list[str], channel_names: list[str],
                       segment_names: list[str]) -> pd.DataFrame:
        """One row per contact (documented in docs/outputs.md)."""
        import pandas as pd

        return pd.DataFrame({
            "contact": np.arange(len(self.arrived_at)),
            "demand": pd.Categorical.from_codes(self.demand, demand_names),
            "channel": pd.Categorical.from_codes(self.channel, channel_names),
            "segment": pd.Categorical.from_codes(self.segment, segment_names),
            "arrived_at": self.arrived_at,
            "outcome": pd.Categorical.from_codes(self.outcome, OUTCOMES),
            "answered_at": self.answered_at,
            "wait": self.wait,
            "queue_time": self.queue_time,
            "departed_at": self.departed_at,
            "time_in_system": self.departed_at - self.arrived_at,
            "repeat_of": self.repeat_of,
            "retrial": self.retrial,
            "complaint": self.complaint,
            "callback": self.callback,
            "errors": self.errors,
            "reworks": self.reworks,
            "contained": self.contained,
            "recontacted": self.recontacted,
            "mean_level": self.mean_level,
        })

    def services_frame(self, step_names: list[str], pool_names: list[str],
                       agent_names: list[str]) -> pd.DataFrame:
        """One row per service: which step of which contact, by whom, and when."""
        import pandas as pd

        return pd.DataFrame({
            "contact": self.service_contact,
            "step": pd.Categorical.from_codes(self.service_step, step_names),
            "agent": pd.Categorical.from_codes(self.service_agent, agent_names),
            "pool": pd.Categorical.from_codes(self.service_pool, pool_names),
            "queued_at": self.service_queued_at,
            "start": self.service_start,
            "end": self.service_end,
        })
