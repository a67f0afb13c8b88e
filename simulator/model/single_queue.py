"""One line, first come, first served: the simplest systems, run exactly without an event list.

When every contact needs at most one step, all of the same skill (or automation),
and waits in one line (one priority, no branches, no chats, no call backs, no
retrials, no rework or repeat contacts, nobody sent home mid-contact), the whole run follows
from a classic recursion for a multi-server first-come-first-served queue (Kiefer
and Wolfowitz; Lindley's for one server): each customer, in order of arrival, is
served by the agent who can start first (among free agents, the one free the
longest, as the event engine's dispatcher does), or gives up when that start is
later than their patience allows. Agents come and go with the roster exactly as in
the event engine: one who is still busy when a break starts finishes first, and
is back when the break ends.

This is the same model, not an approximation: for the same customers and roster it
writes the same records as :class:`~simulator.model.system.ServiceSystem`'s event
loop, row for row (tests/test_single_queue.py checks it on random systems). Ties
between events at the same moment follow SimPy's order (time, then the order the
events were scheduled) wherever the event engine's results depend on it: agents
starting a shift together, or finishing services of the same fixed length.

It runs about ten times faster than the event loop (no event objects, no queue of
contacts: one heap of agents). ``SERVICESIM_ENGINE=events`` turns it off, to
compare or to time the event engine.
"""

from __future__ import annotations

import math
import os
from array import array
from heapq import heappop, heappush, heapreplace
from typing import TYPE_CHECKING, Sequence

import numpy as np

from simulator.model.customers import Route, Routes
from simulator.model.records import REACHED_CUSTOMER, Recorder

if TYPE_CHECKING:
    from simulator.model.system import ServiceSystem

NO_STEP, GAVE_UP, LEFT = -1, -2, -3   # what became of a customer nobody served


def single_resource(system: "ServiceSystem") -> int | None:
    """The resource every contact's step uses, when the system is one first-come-first-served line;
    None when it is not (then only the event engine can run it)."""
    if os.environ.get("SERVICESIM_ENGINE") == "events":
        return None
    scenario = system.scenario
    resources = set()
    for demand in scenario.demand:
        channel = scenario.channel(demand.channel)
        if (channel.deferrable or channel.concurrency > 1 or channel.callback_above is not None or channel.turns_away
                or (channel.retrial_share > 0 and channel.patience is not None)):
            return None
        steps = scenario.process(demand.process).steps
        if len(steps) != 1:
            return None
        step = steps[0]
        if step.branch or step.after_call_work is not None or step.defect_rate:
            return None
        if step.error_rate > 0 and (step.rework is not None or step.recontact_after is not None):
            return None
        resources.add(step.resource)
    if len(resources) != 1 or len({rank for ranks in system.priority_of for rank in ranks}) != 1:
        return None
    if any(leaves for leaves in system.roster.leaves_at) or any(pool.secondary or pool.segments
                                                                for pool in scenario.staff):
        return None
    resource = [*scenario.skills, *(f"automation:{tool.name}" for tool in scenario.automation)].index(
        resources.pop())
    preference = {id(group): rank for rank, group in enumerate(system.idle[resource][0].groups)}
    ranks = {preference[id(waits_in)] for agent in system.agents for waits_in in agent.idle_lists
             if id(waits_in) in preference}
    if len(ranks) > 1:
        return None   # the routing policy prefers some agents to others: the event engine's dispatcher decides
    return resource


def first_steps(routes: Sequence[Route]) -> tuple[Sequence, ...]:
    """Per contact: step number, work, error draw, containment draw, and whether it needs the step."""
    if isinstance(routes, Routes):
        columns = routes.single_steps()
        if columns is not None:
            return columns
    firsts = [route[0] if route else (0, 0.0, 1.0, 1.0) for route in routes]
    return ([entry[0] for entry in firsts], [entry[1] for entry in firsts], [entry[2] for entry in firsts],
            [entry[3] for entry in firsts], [bool(route) for route in routes])


def run_single_queue(system: "ServiceSystem", resource: int) -> Recorder:
    """Serve every customer of ``system`` in order of arrival; write what happened to its recorder in
    the order the event engine would (services as they end, departures as they happen)."""
    agents = system.agents
    staff = len(system.roster.duty)
    able = [number for number, agent in enumerate(agents) if agent.levels[resource]]
    # when each agent can start work: its duty periods, and SimPy's sequence number of the event that
    # starts each (an agent on duty from the start is free at once, before any event, in agent order)
    periods: list[list[tuple[float, float]]] = []
    starts: list[list[tuple[float, int]]] = []
    sequence, first = 0, 0
    heap: list[tuple[float, int, int]] = []
    pointer = [0] * len(agents)
    for number, agent in enumerate(agents):
        duty = system.roster.duty[number] if number < staff else [(-math.inf, math.inf)]
        keys = []
        for on, off in duty:
            if on <= 0 or number >= staff:
                keys.append((-math.inf, first))
                first += 1
            else:
                keys.append((on, sequence))
                sequence += 1
            if off < math.inf and number < staff:
                sequence += 1
        periods.append(duty)
        starts.append(keys)
    for number in able:
        if periods[number]:
            heappush(heap, (*starts[number][0], number))
    speed = [agent.speed[resource] for agent in agents]
    arrivals, patience_of = system.arrival_times, system.patience_of
    step_of, work_of, error_of, containment_of, needed_of = first_steps(system.route_of)
    count = len(arrivals)
    # per customer: who served them (an agent's number) or NO_STEP, GAVE_UP, LEFT; when the service began, ended
    fate = array("q", [NO_STEP]) * count   # typed arrays: 8 bytes a value, not a list of float objects
    began = array("d", [0.0]) * count
    ended = array("d", [0.0]) * count
    for number in range(count):
        if not needed_of[number]:   # needs no step: done at once
            continue
        arrived = arrivals[number]
        while heap:   # the agent who can start first, once duty periods that ended are skipped
            free_at, order, agent = heap[0]
            start = arrived if arrived > free_at else free_at
            duty = periods[agent]
            period = pointer[agent]
            if duty[period][1] > start:
                break
            heappop(heap)
            while period < len(duty) and duty[period][1] <= start:
                period += 1
            pointer[agent] = period
            if period < len(duty):
                heappush(heap, max((free_at, order), starts[agent][period]) + (agent,))
        else:   # nobody will ever be on duty with the skill again
            fate[number] = GAVE_UP if patience_of[number] < math.inf else LEFT
            continue
        if start > arrived and start > arrived + patience_of[number]:
            fate[number] = GAVE_UP
            continue
        ends = start + work_of[number] / speed[agent]
        sequence += 1
        heapreplace(heap, (ends, sequence, agent))
        fate[number], began[number], ended[number] = agent, start, ends
    write_records(system, resource, np.frombuffer(fate, dtype=np.int64), np.frombuffer(began), np.frombuffer(ended),
                  (np.asarray(step_of), np.asarray(error_of), np.asarray(containment_of)))
    return system.recorder


def write_records(system: "ServiceSystem", resource: int, fate: np.ndarray, began: np.ndarray, ended: np.ndarray,
                  needs: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    """The event engine's records, from each customer's fate, in the order it writes them: services (and
    their errors and containments) as they end, departures and abandonments as they happen; rows at the
    same moment in the order of the customers, which is the order the events were scheduled in. Each
    record is filled column by column into its block (a 200,000-customer day's temporaries stay small)."""
    recorder, agents = system.recorder, system.agents
    step, error_draw, containment_draw = needs
    arrived = np.asarray(system.arrival_times, dtype=float)
    patience = np.asarray(system.patience_of, dtype=float)
    served = np.flatnonzero(fate >= 0)
    served = served[np.argsort(ended[served], kind="stable")]
    who = fate[served]
    ids = np.array([agent.id for agent in agents], dtype=np.int64)
    person = np.array([agent.person for agent in agents], dtype=bool)[who]
    recorder.add_block("services", _block(len(served), lambda: served, lambda: step[served], lambda: ids[who],
                                          lambda: arrived[served], lambda: began[served], lambda: ended[served]))
    rate = np.asarray(system.step_error_rate, dtype=float)[step[served]]
    factor = np.array([agent.error_factor[resource] for agent in agents], dtype=float)[who]
    wrong = served[(rate > 0) & (error_draw[served] < rate * factor)]
    del rate, factor
    recorder.add_block("errors", [wrong, step[wrong], np.full(len(wrong), REACHED_CUSTOMER)])
    resolved = served[containment_draw[served] < np.asarray(system.step_containment, dtype=float)[step[served]]]
    recorder.contained.extend(resolved.tolist())
    gave_up = np.flatnonzero(fate == GAVE_UP)
    gives_up_at = arrived[gave_up] + patience[gave_up]
    as_they_give_up = gave_up[np.argsort(gives_up_at, kind="stable")]
    recorder.add_block("gave_up", [as_they_give_up, step[as_they_give_up], arrived[as_they_give_up]])
    no_step = np.flatnonzero(fate == NO_STEP)
    # departures by time, then customer: the served as they finish, the rest as they give up or arrive
    departed_at = np.concatenate((ended[served], gives_up_at, arrived[no_step]))
    order = np.lexsort((np.concatenate((served, gave_up, no_step)), departed_at))
    sizes = (len(served), len(gave_up), len(no_step))

    def column(*parts):
        """A departures column from its part for the served, for those who gave up and for those who
        needed no step (each a function giving an array, or one number for all), in departure order."""
        return lambda: np.concatenate([part() if callable(part) else np.full(size, float(part))
                                       for part, size in zip(parts, sizes)])[order]

    def waited() -> np.ndarray:
        start, queued = began[served], arrived[served]
        return np.where(start > queued, start - queued, 0.0)

    recorder.add_block("departures", _block(
        len(order), column(lambda: served, lambda: gave_up, lambda: no_step), column(0, 1, 0),
        column(lambda: np.where(person, began[served], -1.0), -1, -1),
        column(lambda: np.where(person, waited(), -1.0), -1, -1),
        column(waited, lambda: gives_up_at - arrived[gave_up], 0), lambda: departed_at[order]))
    left = np.flatnonzero(fate == LEFT)
    recorder.add_block("left_waiting", [left, step[left], arrived[left], -np.ones(len(left)), -np.ones(len(left))])


def _block(rows: int, *columns) -> np.ndarray:
    """A (rows, columns) float block filled one column at a time from the functions given, so only one
    column's temporaries exist at once."""
    block = np.empty((rows, len(columns)))
    for k, make in enumerate(columns):
        block[:, k] = make()
    return block
