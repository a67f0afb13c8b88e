"""Snapshots of a service system at evenly spaced moments: the frames of an animation.

``SnapshotSystem`` is the ordinary service system with one more timer that looks at it every
``every`` minutes and writes down what it sees: contacts waiting per skill (and per bot), what each
member of staff is doing, how many bots are busy. Looking changes nothing: the sampler draws no random
numbers and serves nobody, so the film shows exactly the run ``servicesim run`` would simulate
(replication 1). Running KPIs (service level so far, abandonment, satisfaction) are worked out after
the run from the replication's tables, with the same definitions as the KPIs themselves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import numpy as np

from simulator.metrics.compute import ContactFacts, contact_scopes, scope_threshold
from simulator.metrics.tables import ReplicationTables
from simulator.model.customers import Customers
from simulator.model.roster import Roster
from simulator.model.system import ServiceSystem
from simulator.randomness import Streams, replication_seed
from simulator.replication import run_model
from simulator.scenario.model import Scenario

# what a member of staff is doing; codes from BUSY on are "busy with channel (code - BUSY)"
OFF, BREAK, TRAINING, IDLE, BUSY = 0, 1, 2, 3, 4
STATE_NAMES = {OFF: "not at work", BREAK: "on a break", TRAINING: "off the floor (training, a meeting)", IDLE: "idle"}


class SnapshotSystem(ServiceSystem):
    """The service system, photographed at ``times`` (minutes, increasing)."""

    def __init__(self, scenario: Scenario, customers: Customers, roster: Roster, streams: Streams,
                 trained=None, times: np.ndarray | None = None, stop_at_last: bool = False):
        super().__init__(scenario, customers, roster, streams, trained)
        self.times = np.asarray(times if times is not None else [], dtype=float)
        self.stop_at_last = stop_at_last   # the run ends at the last photograph (nothing after it is needed)
        people = self.bots_from
        resources = len(self.queues)
        self.waiting = np.zeros((len(self.times), resources), dtype=np.int32)
        self.states = np.zeros((len(self.times), people), dtype=np.int16)
        self.chats = np.zeros((len(self.times), people), dtype=np.int16)     # chats in hand
        self.bots_busy = np.zeros((len(self.times), len(scenario.automation)), dtype=np.int32)
        channels = [c.name for c in scenario.channels]
        self.channel_of_demand = [channels.index(d.channel) for d in scenario.demand]
        concurrent = [number for number, c in enumerate(scenario.channels) if c.concurrency > 1]
        # queue group -> channel (the ordinary groups, one per segment lane, are never "held")
        self.channel_of_group = [channel for channel in [0] + concurrent for _ in range(self.segment_lanes)]
        self.away = roster.off_floor or [[] for _ in range(people)]   # training, activities, adherence
        self.at_work = roster.at_work

    def run(self):
        if len(self.times):
            self.after(self.times[0], self.photograph, 0)
        return super().run()

    def photograph(self, event) -> None:
        frame = event.value
        if frame + 1 < len(self.times):
            self.after(self.times[frame + 1] - self.times[frame], self.photograph, frame + 1)
        now = self.env.now
        for resource, groups in enumerate(self.queues):
            self.waiting[frame, resource] = sum(queue.waiting for queue in groups)
        for agent in self.agents[:self.bots_from]:
            if agent.contact is not None:
                state = BUSY + self.channel_of_demand[agent.contact.demand]
            elif agent.held:
                state = BUSY + self.channel_of_group[agent.held_group]
            elif agent.on_duty:
                state = IDLE
            elif _within(self.away[agent.id], now):
                state = TRAINING
            elif _within(self.at_work[agent.id], now):
                state = BREAK
            else:
                state = OFF
            self.states[frame, agent.id] = state
            self.chats[frame, agent.id] = agent.held
        first_bot = self.bots_from
        for bot in self.agents[first_bot:]:
            if bot.contact is not None or bot.held:
                self.bots_busy[frame, bot.pool - len(self.scenario.staff)] += 1
        if self.stop_at_last and frame + 1 == len(self.times):
            self._queue.clear()   # nothing more happens: the film of a year's first day runs one day


def _within(periods, now: float) -> bool:
    return any(start <= now < end for start, end in periods)


@dataclass
class Film:
    """What an animation shows, frame by frame (``times`` in minutes of simulated time)."""

    scenario: Scenario
    times: np.ndarray
    waiting: np.ndarray          # (frames, queues): contacts waiting per queue, then per automation
    resources: list[str]         # queue names (skills served by the same pools are one queue), then automations
    states: np.ndarray           # (frames, staff): OFF, BREAK, TRAINING, IDLE or BUSY + channel number
    chats: np.ndarray            # (frames, staff): chats in hand
    agent_pool: np.ndarray       # (staff,): pool number of each member of staff
    bots_busy: np.ndarray        # (frames, automations)
    service_level: np.ndarray    # (frames,): answered within the threshold / (answered + abandoned) so far
    wait_mean: np.ndarray        # (frames,): mean speed of answer of the real-time contacts answered so far
    abandonment: np.ndarray      # (frames,): abandoned so far / (answered + abandoned) so far
    #                              (these three in the scope of the service-level target, ``scope``)
    satisfaction: np.ndarray     # (frames,): mean satisfaction proxy of the contacts that have left so far
    completed: np.ndarray        # (frames,): contacts completed so far
    contained: np.ndarray        # (frames,): contacts an automation resolved so far
    repeats: np.ndarray          # (frames,): repeat contacts (brought back by an error) arrived so far
    scope: str = "all"           # the scope of the running service level, wait and abandonment
    served_by: tuple = ()        # per queue (not automations): the pool numbers that can take its contacts

    def __len__(self) -> int:
        return len(self.times)


def frame_times(scenario: Scenario, every: float, start: float | None = None, end: float | None = None
                ) -> np.ndarray:
    """Moments to photograph: every ``every`` minutes from ``start`` (the opening) to ``end`` (the
    last closing), both included when they fall on the grid."""
    start = 0.0 if start is None else start
    end = scenario.clock.horizon if end is None else end
    count = int(math.floor((end - start) / every + 1e-9)) + 1
    return start + every * np.arange(max(count, 0))


def film_scenario(scenario: Scenario, times: np.ndarray, stop_at_last: bool = False) -> Film:
    """Replication 1 of ``scenario``, photographed at ``times``. With ``stop_at_last`` the run stops at the
    last photograph: the frames are the same, and the running KPIs count only what had happened by then
    (what an agent timeline needs, at a fraction of a long run's cost)."""
    system, tables = run_model(scenario, replication_seed(scenario.seed, 0),
                               partial(SnapshotSystem, times=times, stop_at_last=stop_at_last))
    running = running_kpis(tables, scenario, times)
    names, members = shared_queues(scenario)
    skills = len(scenario.skills)
    waiting = np.column_stack([system.waiting[:, group].sum(axis=1) for group in members]
                              + [system.waiting[:, skills:]])
    target = running_target(scenario)
    return Film(scenario, times, waiting.astype(np.int32), names + [tool.name for tool in scenario.automation],
                system.states, system.chats, np.array([agent.pool for agent in system.agents[:system.bots_from]]),
                system.bots_busy, **running, scope=target.scope if target is not None else "all",
                served_by=tuple(_pools_serving(scenario, group) for group in members))


def _pools_serving(scenario: Scenario, skills: list[int]) -> frozenset[int]:
    names = {list(scenario.skills)[n] for n in skills}
    return frozenset(n for n, pool in enumerate(scenario.staff) if any(name in names for name, _ in pool.skills))


def idle_elsewhere(film: Film, frame: int) -> list[tuple[str, int, str, int]]:
    """The moments pooling is about: (queue, contacts waiting, pool, its idle agents) for each queue with
    customers waiting while a pool that cannot take them has agents idle."""
    idle = np.bincount(film.agent_pool[film.states[frame] == IDLE], minlength=len(film.scenario.staff))
    found = []
    for number, pools in enumerate(film.served_by):
        waiting = int(film.waiting[frame, number])
        if waiting:
            found += [(film.resources[number], waiting, film.scenario.staff[pool].name, int(idle[pool]))
                      for pool in range(len(idle)) if pool not in pools and idle[pool]]
    return found


def shared_queues(scenario: Scenario) -> tuple[list[str], list[list[int]]]:
    """The queues as the customers see them: skills that exactly the same pools serve are one queue
    (an agent always takes the longest-waiting contact among its skills, priority first), so a pooled
    team shows one queue, "billing + tech", rather than two. A backlog of deferrable work stays apart
    from live queues (it waits behind them); a skill no step needs has none. Returns names and the skill numbers of each."""
    skills = list(scenario.skills)
    deferrable = {c.name for c in scenario.channels if c.deferrable}
    live = {step.skill for d in scenario.demand if d.channel not in deferrable for step, _ in scenario.steps_of(d.process)}
    used = {step.skill for d in scenario.demand for step, _ in scenario.steps_of(d.process)}
    groups: dict[tuple, list[int]] = {}
    for number, skill in enumerate(skills):
        if skill not in used:      # a skill no contact needs has no queue (a redesign removed its step)
            continue
        pools = frozenset(n for n, pool in enumerate(scenario.staff) if any(name == skill for name, _ in pool.skills))
        groups.setdefault((pools or number, skill in live), []).append(number)
    members = list(groups.values())
    return [" + ".join(skills[n] for n in group) for group in members], members


def running_target(scenario: Scenario):
    """The service-level target the film follows (its scope), or None."""
    return next((t for t in scenario.targets if t.kpi == "service_level"
                 and t.scope.split(":", 1)[0] in ("all", "channel", "segment", "demand")), None)


def running_kpis(tables: ReplicationTables, scenario: Scenario, times: np.ndarray) -> dict[str, np.ndarray]:
    """Service level, mean wait, abandonment, satisfaction, completed and contained contacts as they
    stood at each of ``times``: the KPI definitions applied to what had happened by then (after the
    warm-up). Waits, service level and abandonment are of real-time contacts in the scope of the
    scenario's service-level target (callers' waits are not mixed with chats' when the target is the
    phone's)."""
    facts = ContactFacts(tables, scenario)
    counted = facts.counted
    real_time = counted & ~facts.deferrable
    target = running_target(scenario)
    scope = target.scope if target is not None else "all"
    in_scope = contact_scopes(tables, scenario).get(scope, np.ones(len(tables.arrived_at), dtype=bool))
    threshold = scope_threshold(facts, scenario, scope)
    threshold = np.full(len(tables.arrived_at), np.nan) if threshold is None else threshold
    judged = real_time & in_scope & ~np.isnan(threshold)
    answered = real_time & in_scope & facts.answered
    within = judged & facts.answered & (np.nan_to_num(tables.wait, nan=np.inf) <= threshold + 1e-12)
    abandoned = real_time & in_scope & facts.abandoned
    left = counted & facts.done
    scores = facts.scores

    def by(moments: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """How many of ``moments`` (or the sum of their weights) fall at or before each frame time."""
        order = np.argsort(moments)
        cumulative = np.concatenate(([0.0], np.cumsum(weights[order] if weights is not None
                                                      else np.ones(len(moments)))))
        return cumulative[np.searchsorted(moments[order], times, side="right")]

    n_within = by(tables.answered_at[within])
    n_judged = by(tables.answered_at[judged & facts.answered]) + by(tables.departed_at[judged & facts.abandoned
                                                                                        & ~facts.short])
    n_answered = by(tables.answered_at[answered])
    n_abandoned = by(tables.departed_at[abandoned])
    n_left = by(tables.departed_at[left])
    score_sum = by(tables.departed_at[left], scores[left])
    with np.errstate(invalid="ignore", divide="ignore"):
        return {"service_level": n_within / n_judged,
                "wait_mean": by(tables.answered_at[answered], tables.wait[answered]) / n_answered,
                "abandonment": n_abandoned / (n_answered + n_abandoned),
                "satisfaction": score_sum / n_left,
                "completed": by(tables.departed_at[counted & (tables.outcome == 0)]),
                "contained": by(tables.departed_at[counted & tables.contained]),
                "repeats": by(tables.arrived_at[counted & tables.repeat_contact])}
