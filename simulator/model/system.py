"""The service system of one replication: a contact's journey, step by step, on SimPy.

The journey reads like the process it models::

    arrive -> next_step -> (someone free? start_service : wait in the queue for that skill or bot)
    start_service -> finish_service -> (went wrong? handle_error) -> next_step ...
    finish_service -> (after-call work: the agent wraps up, the customer gone) -> end_wrap_up -> next contact
    wait -> (patience runs out before a person has answered) -> give_up -> depart
    depart -> (an error sends the customer back, or an abandoner tries again?) ... later: arrive_again
    wait -> (a long expected wait: takes_callback) -> keeps its place without abandoning
    arrive -> (every line of the channel busy: takes_a_line fails) -> a busy signal -> depart (blocked)
    next_step -> (must wait, sees a long line: balks) -> depart (balked)
    last closing -> close_doors: the backlog of deferrable work waits for the next opening
    a shift ends (after_close: leave) -> leave: the contact in hand goes back to the front of its queue

A free agent takes the most urgent contact waiting in any of its skills
(priority, then first come, first served), or becomes idle. Agents come on and
go off duty as the roster says (shifts, breaks, absences); an agent whose break
starts finishes the contact in hand first, and so does one whose shift ends
unless its pool leaves at once. An automation is a set of bots, one per unit of
capacity, that never go off duty. A contact is answered when a person starts
serving it: its wait (speed of answer) is the time it queued until then.

Speed matters here: this is the per-event path. Each service is one SimPy
timeout with a callback (no process per contact, no Resource request per step),
each arrival one timeout, and a patience timer is set only for contacts who must
wait. Recording appends one tuple per service and one per departure.
"""

from __future__ import annotations

import math
from heapq import heappop, heappush

import numpy as np
import simpy
from simpy.events import NORMAL

from simulator.model.contact import ABANDONED, BALKED, BLOCKED, COMPLETED, Contact
from simulator.model.customers import Customers, NeedsDrawer, step_index
from simulator.model.records import (COMING_BACK, COMPACT_EVERY, COMPLAINT, REACHED_CUSTOMER, RECONTACT, RETRIAL,
                                     REWORKED, Recorder)
from simulator.model.roster import Roster
from simulator.model.single_queue import run_single_queue, single_resource
from simulator.model.staff import Agent, PartlyBusyAgents, SkillQueue, build_staff, place_agent
from simulator.randomness import Streams
from simulator.scenario.model import Scenario

MAX_REWORKS = 20   # after this many redone steps an error reaches the customer instead (no endless loops)


class WrapUps:
    """After-call work durations of one step, drawn in blocks from the step's own stream and handed out
    one at a time (a draw per event would cost a numpy call each)."""

    __slots__ = ("distribution", "rng", "ready")

    def __init__(self, distribution, rng):
        self.distribution, self.rng, self.ready = distribution, rng, []

    def next(self) -> float:
        if not self.ready:
            self.ready = self.distribution.sample(self.rng, 1024).tolist()[::-1]
        return self.ready.pop()


def _plain(numbers) -> memoryview | list[float]:
    """Numbers that give plain Python floats when indexed (per event, a numpy scalar is slower)."""
    return memoryview(np.ascontiguousarray(numbers, dtype=float)) if isinstance(numbers, np.ndarray) else numbers


class Call:
    """The lightest event SimPy's queue can hold: one callback and a value (what ``after`` schedules).
    ``run_events`` calls the callback itself; the rest is what SimPy's own loop would look at."""

    __slots__ = ("callback", "value", "callbacks", "_ok")

    def __init__(self, callback, value):
        self.callback = callback
        self.value = value
        self.callbacks = (callback,)
        self._ok = True


class ServiceSystem:
    """Staff, bots, queues and the journey of every contact of one replication."""

    def __init__(self, scenario: Scenario, customers: Customers, roster: Roster, streams: Streams,
                 trained: dict[int, dict[str, int]] | None = None):
        self.env = simpy.Environment()
        self.streams = streams
        self._queue, self._eid = self.env._queue, self.env._eid   # SimPy's event queue, used directly
        self.scenario = scenario
        self.customers = customers
        self.roster = roster
        self.recorder = Recorder()
        resources = list(scenario.skills) + [f"automation:{tool.name}" for tool in scenario.automation]
        self.index_steps(resources)
        # pools dedicated to segments: a lane per segment in every queue group, each with its own free agents
        lanes = len(scenario.segments) if any(pool.segments for pool in scenario.staff) else 1
        self.segment_lanes = lanes
        self.lay_out_queues(len(resources))
        self.resources = resources
        self.agents, idle, overflow = build_staff(scenario, resources, trained, lanes)
        self.idle_by_lane, self.overflow_by_lane = idle, overflow
        groups = len(self.concurrency)
        # per resource and queue group: where its free agents wait, and those waiting for overflow by delay
        self.idle = [[by_lane[group % lanes] for group in range(groups)] for by_lane in idle]
        self.overflow = [[by_lane[group % lanes] for group in range(groups)] for by_lane in overflow]
        self.bots_from = sum(pool.headcount for pool in scenario.staff)
        for agent in self.agents:
            self.wire_queues(agent)
        # per resource: the delays after which its waiting contacts overflow to agents with it as secondary
        self.overflow_delays = [sorted({delay for by_lane in delays for delay in by_lane}) for delays in overflow]
        self.later_training: list[tuple[float, int, str, int]] = []   # courses that end during the run
        self.on_duty = [0] * len(resources)   # agents on duty per resource, for expected waits
        self.prepare_customer_behaviour(streams)
        self.horizon = scenario.clock.horizon
        self.parked_from = math.inf   # after the last closing: the first lane of deferrable work
        self.next_id = len(customers)
        self.tickets = 0
        self.reworks: dict[int, int] = {}   # contact -> steps redone so far (rare: a dict is fine)
        self.demand_of = customers.demand.tolist()     # lists: cheaper per event than numpy scalars
        self.segment_of = customers.segment.tolist()
        self.patience_of = _plain(customers.patience)
        self.route_of = customers.routes
        self.regrades_of = customers.regrades   # the few contacts triage moves to another segment
        self.arrival_times = _plain(customers.arrived_at)

    def wire_queues(self, agent: Agent) -> None:
        """The queues the agent serves, by its levels: per queue group, those of the same channel (chats
        of any segment it serves), where it offers a free chat slot, and its secondary skills' queues."""
        groups, lanes = len(self.concurrency), self.segment_lanes
        mine = [r for r, level in enumerate(agent.levels) if level and agent.delays[r] is None]
        served = [group for group in range(groups) if group % lanes in agent.segment_lanes]
        agent.queues = [self.queues[r][g] for g in served for r in mine]
        agent.group_queues = [[self.queues[r][h] for h in served if h // lanes == g // lanes for r in mine]
                              for g in range(groups)]
        agent.slot_lists = [[self.partly_busy[r][h].agents for h in served if h // lanes == g // lanes
                             for r in mine] for g in range(groups)]
        agent.secondary_queues = [(self.queues[r][g], agent.delays[r]) for r, level in enumerate(agent.levels)
                                  if level and agent.delays[r] is not None for g in served]

    def schedule_training(self, courses: list[tuple[float, int, str, int]]) -> None:
        """Courses that end during the run: (minute, agent, skill, level), each taking effect then."""
        self.later_training = list(courses)

    def finish_course(self, event: Call) -> None:
        """A trainee's session is over: from now on the agent works at the new level (its speed and error
        factor), serves the skill if it is new, and waits for work in its new preference group."""
        agent, skill, level = event.value
        resource = self.resources.index(skill)
        before = agent.levels[resource]
        if level <= before:
            return
        known = {entry.level: entry for entry in self.scenario.skill_levels}
        self.recorder.retrained.append((agent.id, resource, self.env._now, before, level))
        agent.levels[resource] = level
        agent.speed[resource] = known[level].speed
        agent.error_factor[resource] = known[level].error_factor
        if before == 0 and agent.on_duty:
            self.on_duty[resource] += 1
        place_agent(agent, self.scenario.staff[agent.pool], self.scenario, self.resources, self.idle_by_lane,
                    self.overflow_by_lane)
        self.wire_queues(agent)
        if agent.idle:   # re-registered where it now belongs; a new skill's waiting work is taken at once
            agent.idle = False
            agent.idle_token += 1
            self.take_next_contact(agent)

    def prepare_learning(self) -> None:
        """New hires: their speed and error factor for today, now and at the start of every later day."""
        clock = self.scenario.clock
        hires: dict[int, list[int]] = {}
        for seat, day in self.roster.hires:
            hires.setdefault(seat, []).append(day)
        self.learners = []   # (agent, its pool's learning, its new hires' learning, the days it works, hires)
        for agent in self.agents[:self.bots_from]:
            pool = self.scenario.staff[agent.pool]
            new_hire = pool.attrition.new_hire if pool.attrition is not None else None
            if pool.learning is not None or new_hire is not None:
                length = clock.day_length
                days = [day for day in range(clock.days) if any(
                    on < (day + 1) * length and off > day * length for on, off in self.roster.duty[agent.id])]
                self.learners.append((agent, pool.learning, new_hire, days, sorted(hires.get(agent.id, []))))
        self.learn_on(0)
        for day in range(1, clock.days):
            self.after(day * clock.day_length, self.start_learning_day, day)

    def start_learning_day(self, event: Call) -> None:
        self.learn_on(event.value)

    def learn_on(self, day: int) -> None:
        """Each new hire's speed and error factor on ``day``, by the days it worked before it (since it took
        its seat: the first holder from the start, a replacement from its first day); an experienced holder
        (or a replacement hired at the pool's level) works at its level's."""
        known = {entry.level: entry for entry in self.scenario.skill_levels}
        for agent, learning, new_hire, days, hires in self.learners:
            since = max((hired for hired in hires if hired <= day), default=None)
            if since is not None:
                learning = new_hire
            worked = sum(1 for worked_day in days if (since or 0) <= worked_day < day)
            open_gap = learning.progress(worked) if learning is not None else 0.0
            for resource, level in enumerate(agent.levels):
                if level:
                    target = known[level]
                    start = known[learning.from_level] if learning is not None else target
                    agent.speed[resource] = target.speed + (start.speed - target.speed) * open_gap
                    agent.error_factor[resource] = target.error_factor + (
                        start.error_factor - target.error_factor) * open_gap

    def index_steps(self, resources: list[str]) -> None:
        """Per step number: who does it, how it can go wrong, what rework goes back over."""
        scenario = self.scenario
        numbers = step_index(scenario)
        steps = [step for process in scenario.processes for step in process.steps]
        self.step_resource = [resources.index(step.resource) for step in steps]
        self.step_error_rate = [step.error_rate for step in steps]
        self.step_containment = [step.containment for step in steps]
        self.step_mean_work = [step.agent_minutes for step in steps]
        names = [f"{process.name}.{step.name}" for process in scenario.processes for step in process.steps]
        self.step_wrap_up = [WrapUps(step.after_call_work, self.streams.generator(f"step/{name}/after_call_work"))
                             if step.after_call_work is not None else None for name, step in zip(names, steps)]
        self.step_recontact = [scenario.clock.opening_time(step.recontact_after) if step.recontact_after else -1.0
                               for step in steps]
        self.step_redo: list[list[int]] = [[] for _ in steps]   # from the rework target to the step itself
        self.step_defect_rate = [step.defect_rate for step in steps]
        self.step_detection = [step.detection for step in steps]
        self.inspects = any(self.step_defect_rate)
        # (step that made a defect, step that found it): the steps done again, from the one to the other
        self.defect_redo: dict[tuple[int, int], list[int]] = {}
        for process in scenario.processes:
            names = [step.name for step in process.steps]
            for position, step in enumerate(process.steps):
                if step.rework is not None:
                    self.step_redo[numbers[(process.name, step.name)]] = [
                        numbers[(process.name, name)] for name in names[names.index(step.rework):position + 1]]
                for made, maker in enumerate(process.steps[:position] if step.detection else ()):
                    if maker.defect_rate:
                        self.defect_redo[(numbers[(process.name, maker.name)], numbers[(process.name, step.name)])] = [
                            numbers[(process.name, name)] for name in names[made:position + 1]]

    def lay_out_queues(self, resources: int) -> None:
        """Queues per resource. Lanes: real-time contacts by segment priority, then deferrable ones (a
        backlog worked only when no real-time contact waits). Groups: 0 for ordinary contacts, then one
        per concurrent channel (chat): an agent holding chats takes more of that channel, nothing else."""
        scenario = self.scenario
        priorities = sorted({s.priority for s in scenario.segments} or {0})
        segment_rank = [priorities.index(s.priority) for s in scenario.segments] or [0]
        deferrable = {c.name for c in scenario.channels if c.deferrable}
        self.priority_of = [[rank + (len(priorities) if d.channel in deferrable else 0) for rank in segment_rank]
                            for d in scenario.demand]   # per demand stream and segment
        self.real_time_lanes = len(priorities)
        self.has_backlog = bool(deferrable & {d.channel for d in scenario.demand})
        concurrent = [c.name for c in scenario.channels if c.concurrency > 1]
        lanes = self.segment_lanes
        # per demand stream and segment: the contact's queue group (its channel's group, then segment lane)
        self.group_of = [[(1 + concurrent.index(d.channel) if d.channel in concurrent else 0) * lanes
                          + (segment if lanes > 1 else 0) for segment in range(max(len(scenario.segments), 1))]
                         for d in scenario.demand]
        self.first_chat_group = lanes   # groups below it are ordinary contacts, one per segment lane
        self.concurrency = [limits for limits in [(1, 0.0)] + [(scenario.channel(name).concurrency,
                                                                scenario.channel(name).concurrency_slowdown)
                                                               for name in concurrent] for _ in range(lanes)]
        groups = len(self.concurrency)
        self.queues = [[SkillQueue(number, 2 * len(priorities)) for _ in range(groups)] for number in range(resources)]
        self.partly_busy = [[PartlyBusyAgents() for _ in range(groups)] for _ in range(resources)]

    def prepare_customer_behaviour(self, streams: Streams) -> None:
        """Per demand stream: retrials, call backs, and where repeat contacts and rework draw their needs."""
        scenario = self.scenario
        demands = range(len(scenario.demand))
        channels = [scenario.channel(d.channel) for d in scenario.demand]
        self.retrial = [(c.retrial_share, c.retrial_after, streams.generator(f"demand/{d.name}/retrial"))
                        for c, d in zip(channels, scenario.demand)]
        self.callback = [(c.callback_above, c.callback_accept, streams.generator(f"demand/{d.name}/callback"))
                         for c, d in zip(channels, scenario.demand)]
        self.offers_callbacks = any(threshold is not None for threshold, _, _ in self.callback)
        channel_names = [c.name for c in scenario.channels]
        self.channel_number_of = [channel_names.index(d.channel) for d in scenario.demand]
        self.lines_of = [c.lines for c in channels]            # per demand stream: its channel's lines
        self.in_lines = [0] * len(scenario.channels)           # per channel: its contacts in the system
        self.balking = [(c, streams.generator(f"demand/{d.name}/balking")) if c.balk_at is not None or c.balk_shares
                        else None for c, d in zip(channels, scenario.demand)]
        self.balks_anywhere = any(self.balking)
        self.repeat_needs = [NeedsDrawer(scenario, d, streams, "/repeat") for d in demands]
        # complaints: customers who met a failure may complain, as contacts of the complaint stream
        complaint_streams = [k for k, d in enumerate(scenario.demand) if d.complaints is not None]
        self.complaint_demand = complaint_streams[0] if complaint_streams else -1
        if complaint_streams:
            stream = scenario.demand[self.complaint_demand]
            self.complaint_rule = stream.complaints
            self.complaint_rng = streams.generator(f"demand/{stream.name}/complaints")
            factors = dict(stream.complaints.by_segment)
            self.complaint_factor = [factors.get(s.name, 1.0) for s in scenario.segments] or [1.0]
            names = [s.name for s in scenario.segments]
            self.complaint_segment = names.index(stream.segment_mix[0][0]) if len(stream.segment_mix) == 1 else -1
        self.rework_needs = [NeedsDrawer(scenario, d, streams, "/rework") for d in demands]

    def run(self) -> Recorder:
        """Simulate until nothing more can happen (arrivals stop at closing time). A system that is one
        first-come-first-served line runs by its exact recursion instead of the event loop (the same
        records, faster: :mod:`simulator.model.single_queue`); systems that watch the run need the events."""
        learning = any(pool.learning is not None or (pool.attrition is not None and pool.attrition.new_hire)
                       for pool in self.scenario.staff)
        resource = (single_resource(self) if type(self) is ServiceSystem and not self.later_training
                    and not learning else None)
        if resource is not None:
            return run_single_queue(self, resource)
        if learning:
            self.prepare_learning()
        for when, agent, skill, level in self.later_training:
            self.after(when, self.finish_course, (self.agents[agent], skill, level))
        for agent, periods, leaves in zip(self.agents, self.roster.duty, self.roster.leaves_at):
            for on, off in periods:
                if on <= 0:
                    agent.on_duty = True
                    self.count_on_duty(agent, 1)
                    self.become_idle(agent)
                else:
                    self.after(on, self.start_duty, agent)
                if off < math.inf:
                    self.after(off, self.leave if off in leaves else self.end_duty, agent)
        for bot in self.agents[self.bots_from:]:
            bot.on_duty = True
            self.count_on_duty(bot, 1)
            self.become_idle(bot)
        if self.has_backlog:
            self.after(self.horizon, self.close_doors, None)
        self.schedule_arrival(0)
        self.run_events()
        self.note_left_waiting()
        return self.recorder

    def note_left_waiting(self) -> None:
        """Record the contacts still waiting when nothing more can happen (nobody stayed to serve them)."""
        for groups in self.queues:
            for queue in groups:
                for contact in queue.still_waiting():
                    self.recorder.left_waiting.append((contact.id, contact.route[contact.stage][0], contact.queued_at,
                                                       contact.answered_at, contact.wait))

    # -- the journey ----------------------------------------------------------------------------
    def schedule_arrival(self, number: int) -> None:
        if number < len(self.arrival_times):   # what ``after`` does, inlined: once per customer
            heappush(self._queue, (self.arrival_times[number], NORMAL, next(self._eid), Call(self.arrive, number)))

    def arrive(self, event: Call) -> None:
        """A customer makes contact; the next one is due at their own arrival time."""
        number = event.value
        self.schedule_arrival(number + 1)
        if not number & (COMPACT_EVERY - 1):   # a batch of customers: their records into compact blocks
            self.recorder.compact()
        demand, segment = self.demand_of[number], self.segment_of[number]
        contact = Contact(number, demand, segment, self.priority_of[demand][segment], self.patience_of[number],
                          self.route_of[number], self.group_of[demand][segment])
        if self.regrades_of:
            contact.regrades = self.regrades_of.get(number)
        if self.lines_of[demand] is None or self.takes_a_line(contact):
            self.next_step(contact)

    def takes_a_line(self, contact: Contact) -> bool:
        """A line of the contact's channel, if one is free; with every line busy, a busy signal."""
        channel = self.channel_number_of[contact.demand]
        if self.in_lines[channel] >= self.lines_of[contact.demand]:
            self.depart(contact, BLOCKED)
            return False
        self.in_lines[channel] += 1
        return True

    def next_step(self, contact: Contact) -> None:
        """Ask for the next step the contact needs, or leave when every step is done."""
        if contact.stage == len(contact.route):
            self.depart(contact, COMPLETED)
            return
        contact.queued_at = self.env._now
        step = contact.route[contact.stage][0]
        if contact.regrades is not None and step in contact.regrades[0][0]:
            self.regrade(contact, step)
        resource = self.step_resource[step]
        if contact.priority >= self.parked_from:   # after the last closing the backlog waits
            self.wait(contact, self.queues[resource][contact.group])
            return
        agent = self.idle[resource][contact.group].take()
        if agent is None and contact.group >= self.first_chat_group:   # a chat: an agent with a free slot will do
            agent = self.partly_busy[resource][contact.group].take(self.concurrency[contact.group][0])
        if agent is None:
            queue = self.queues[resource][contact.group]
            if self.balks_anywhere and self.balks(contact, queue):
                return
            self.wait(contact, queue)
        else:
            self.start_service(contact, agent)

    def regrade(self, contact: Contact, step: int) -> None:
        """Triage moved the contact to another segment: from this step on it waits with that segment's
        priority and is reported in it."""
        ahead = contact.regrades   # shared with the drawn customers: read, never changed
        while ahead and step in ahead[0][0]:
            contact.segment = ahead[0][1]
            ahead = ahead[1:]
        contact.regrades = ahead or None
        contact.priority = self.priority_of[contact.demand][contact.segment]
        contact.group = self.group_of[contact.demand][contact.segment]
        self.recorder.regraded.append((contact.id, contact.segment))

    def balks(self, contact: Contact, queue: SkillQueue) -> bool:
        """A customer on hold who must wait sees how many wait already, and may leave at once."""
        balking = self.balking[contact.demand]
        if balking is None or contact.answered_at >= 0:
            return False
        channel, rng = balking
        chance = channel.balk_chance(queue.waiting)
        if chance <= 0 or (chance < 1 and rng.random() >= chance):
            return False
        self.depart(contact, BALKED)
        return True

    def wait(self, contact: Contact, queue: SkillQueue) -> None:
        """Join the queue; a customer on hold may run out of patience and give up.

        A customer is on hold until a person answers: waiting for a bot, or for an agent
        after a bot handed over, can end in abandonment. After a person has answered,
        later waits (a back-office follow-up, say) count as queue time but nobody
        abandons them.
        """
        contact.queue = queue
        contact.ticket = self.tickets
        self.tickets += 1
        queue.join(contact)
        for delay in self.overflow_delays[queue.skill]:   # agents with the skill as a secondary one, later
            self.after(delay, self.overflow_to, (contact, delay))
        if contact.answered_at < 0 and contact.patience < math.inf and not (self.offers_callbacks and
                                                                            self.takes_callback(contact, queue)):
            contact.patience_timer = self.after(contact.patience, self.give_up, contact)

    def takes_callback(self, contact: Contact, queue: SkillQueue) -> bool:
        """Offered a call back when the expected wait is long, the customer may take it: they keep
        their place in the queue but are no longer on the line, so they do not abandon."""
        threshold, accept, rng = self.callback[contact.demand]
        if threshold is None or contact.answered_at >= 0:
            return False
        step = contact.route[contact.stage][0]
        expected = queue.waiting * self.step_mean_work[step] / max(self.on_duty[queue.skill], 1)
        if expected <= threshold or rng.random() >= accept:
            return False
        self.recorder.callbacks.append(contact.id)
        return True

    def give_up(self, event: Call) -> None:
        """Patience ran out: if still waiting, the customer abandons."""
        contact = event.value
        if contact.queue is None or contact.patience_timer is not event:
            return  # served before patience ran out
        contact.queue.waiting -= 1
        contact.queue = None
        contact.queue_time += self.env._now - contact.queued_at
        self.recorder.gave_up.append((contact.id, contact.route[contact.stage][0], contact.queued_at))
        self.depart(contact, ABANDONED)

    def start_service(self, contact: Contact, agent: Agent) -> None:
        """The agent starts the step; its length is the work divided by the agent's speed. A person's
        first service answers the contact."""
        now = self.env._now
        if contact.answered_at < 0 and agent.person:
            contact.answered_at = now
            contact.wait = contact.queue_time
        step = contact.route[contact.stage][0]
        duration = contact.route[contact.stage][1] / agent.speed[self.step_resource[step]]
        if contact.group >= self.first_chat_group:
            self.start_concurrent(contact, agent, duration, now)
            return
        agent.contact = contact
        agent.started_at = now
        agent.service = self.after(duration, self.finish_service, agent)

    def start_concurrent(self, contact: Contact, agent: Agent, duration: float, now: float) -> None:
        """One more chat in the agent's hands; each one already held makes this one slower."""
        limit, slowdown = self.concurrency[contact.group]
        if agent.held == 0:
            agent.busy_since = now
            agent.held_group = contact.group
        agent.held += 1
        self.after(duration * (1 + slowdown * (agent.held - 1)), self.finish_concurrent, (agent, contact, now))
        if agent.held < limit:
            self.offer_slot(agent)

    def finish_service(self, event: Call) -> None:
        """The step is done (perhaps wrongly); the contact moves on, the agent takes the next contact."""
        agent = event.value
        if event is not agent.service:
            return   # a service cut short when the agent left (after_close: leave)
        contact = agent.contact
        agent.contact = None
        step = contact.route[contact.stage][0]
        self.complete_step(contact, agent, agent.started_at)
        wrap_up = self.step_wrap_up[step]
        if wrap_up is None:
            self.take_next_contact(agent)
            return
        now = self.env._now   # after-call work: the customer has moved on, the agent is not free yet
        ends = now + wrap_up.next() / agent.speed[self.step_resource[step]]
        agent.wrapping = True
        self.recorder.wrap_up.append((agent.id, now, ends, step))
        self.after(ends - now, self.end_wrap_up, agent)

    def end_wrap_up(self, event: Call) -> None:
        """The after-call work is done: the agent takes the next contact (if still on duty)."""
        agent = event.value
        agent.wrapping = False
        self.take_next_contact(agent)

    def finish_concurrent(self, event: Call) -> None:
        """A chat is done; the agent takes another chat, or, with none left in hand, any work."""
        agent, contact, started = event.value
        agent.held -= 1
        self.complete_step(contact, agent, started)
        if agent.held == 0:
            self.recorder.busy.append((agent.id, agent.busy_since, self.env._now))
            self.take_next_contact(agent)
        elif agent.on_duty:
            self.take_next_chat(agent)

    def complete_step(self, contact: Contact, agent: Agent, started: float) -> None:
        """Record the service, see whether it went wrong or resolved the contact, and move the contact on."""
        step, _, error_draw, containment_draw = contact.route[contact.stage]
        self.recorder.services.append((contact.id, step, agent.id, contact.queued_at, started, self.env._now))
        error_rate = self.step_error_rate[step]
        if error_rate and error_draw < error_rate * agent.error_factor[self.step_resource[step]]:
            self.handle_error(contact, step)
        if self.inspects:
            self.inspect_and_make_defects(contact, step, agent, error_draw, containment_draw)
        if containment_draw < self.step_containment[step]:
            self.recorder.contained.append(contact.id)   # the automation resolved it: nothing more to do
            contact.stage = len(contact.route)
        else:
            contact.stage += 1
        self.next_step(contact)

    def handle_error(self, contact: Contact, step: int) -> None:
        """Rework the steps back to the named one, or let the error reach the customer (who may come back)."""
        if not self.redo(contact, step, self.step_redo[step]):
            self.reaches_customer(contact, step)

    def reaches_customer(self, contact: Contact, step: int) -> None:
        """The error (or defect) made at ``step`` reaches the customer, who may come back about it."""
        contact.failed = True
        if self.step_recontact[step] >= 0:
            contact.recontact_after = max(contact.recontact_after, self.step_recontact[step])
            self.recorder.errors.append((contact.id, step, COMING_BACK))
        else:
            self.recorder.errors.append((contact.id, step, REACHED_CUSTOMER))

    def redo(self, contact: Contact, made_at: int, steps: list[int]) -> bool:
        """The error made at ``made_at`` is caught: ``steps`` are done again next (queueing again, with fresh
        work). False, with nothing done, when there is nothing to redo or the contact was redone too often."""
        if not steps or self.reworks.get(contact.id, 0) >= MAX_REWORKS:
            return False
        self.reworks[contact.id] = self.reworks.get(contact.id, 0) + 1
        self.recorder.errors.append((contact.id, made_at, REWORKED))
        needed = {entry[0] for entry in contact.route}
        _, fresh, _ = self.rework_needs[contact.demand].draw(np.array([contact.segment]), every_step=True,
                                                             times=self.env._now)
        again, seen = [], set()   # a process reached by two branches lists its steps twice: once each
        for entry in fresh[0]:
            if entry[0] in steps and entry[0] in needed and entry[0] not in seen:
                seen.add(entry[0])
                again.append(entry)
        position = contact.stage + 1
        contact.route = contact.route[:position] + again + contact.route[position:]
        return True

    def inspect_and_make_defects(self, contact: Contact, step: int, agent: Agent, error_draw: float,
                                 inspection_draw: float) -> None:
        """An inspection finds the contact's pending defect unless its draw falls below the miss rate
        (1 - detection, times the inspector's error factor); the defect's maker and the steps after it are
        then done again. A step that makes defects leaves one when its draw falls below its defect rate
        times the agent's error factor (a contact carries one pending defect: the earliest)."""
        resource = self.step_resource[step]
        detection = self.step_detection[step]
        if detection and contact.defect >= 0:
            steps = self.defect_redo.get((contact.defect, step))
            if steps is not None and inspection_draw >= (1 - detection) * agent.error_factor[resource] \
                    and self.redo(contact, contact.defect, steps):
                contact.defect = -1
        defect_rate = self.step_defect_rate[step]
        if defect_rate and contact.defect < 0 and error_draw < defect_rate * agent.error_factor[resource]:
            contact.defect = step

    def take_next_contact(self, agent: Agent) -> None:
        """Serve the most urgent contact waiting in any of the agent's primary skills; with none, the most
        urgent of its secondary skills' contacts that have waited their delay; or become idle."""
        if not agent.on_duty:
            return  # the shift or a break started while the agent finished the last contact
        chosen = self.most_urgent(agent.queues)
        if chosen is None and agent.secondary_queues:
            chosen = self.most_urgent_overflow(agent.secondary_queues)
        if chosen is None:
            self.become_idle(agent)
        else:
            self.serve_from_queue(chosen, agent)

    def most_urgent_overflow(self, queues: list[tuple[SkillQueue, float]]) -> Contact | None:
        """The most urgent head of the secondary skills' queues among those that have waited the delay
        (the head has waited longest in its lane: if it has not, nobody behind it has)."""
        now, chosen = self.env._now, None
        for queue, delay in queues:
            head = queue.head()
            if head is not None and now - head.queued_at >= delay - 1e-9 and (
                    chosen is None or (head.priority, head.ticket) < (chosen.priority, chosen.ticket)):
                chosen = head
        return chosen

    def overflow_to(self, event: Call) -> None:
        """A contact has waited a secondary skill's delay: an agent waiting for such work takes it (or
        whatever is more urgent among its skills)."""
        contact, delay = event.value
        if contact.queue is None:
            return   # served or gone meanwhile
        waiting_for = self.overflow[self.step_resource[contact.route[contact.stage][0]]][contact.group].get(delay)
        agent = waiting_for.take() if waiting_for is not None else None   # none for this segment: stays queued
        if agent is not None:
            self.take_next_contact(agent)

    def take_next_chat(self, agent: Agent) -> None:
        """An agent with chats in hand and a free slot takes the most urgent waiting chat of that channel."""
        chosen = self.most_urgent(agent.group_queues[agent.held_group])
        if chosen is None:
            self.offer_slot(agent)
        else:
            self.serve_from_queue(chosen, agent)

    @staticmethod
    def most_urgent(queues: list[SkillQueue]) -> Contact | None:
        """The waiting contact to serve first: highest priority, then the one that joined a queue first."""
        chosen = None
        for queue in queues:
            head = queue.head()
            if head is not None and (chosen is None or (head.priority, head.ticket) <
                                     (chosen.priority, chosen.ticket)):
                chosen = head
        return chosen

    def serve_from_queue(self, contact: Contact, agent: Agent) -> None:
        """Take the contact out of its queue (its patience no longer counts) and start serving it."""
        contact.queue.remove_head(contact)
        contact.queue = None
        contact.patience_timer = None
        contact.queue_time += self.env._now - contact.queued_at
        self.start_service(contact, agent)

    def offer_slot(self, agent: Agent) -> None:
        """The agent can take one more chat of the channel it holds."""
        agent.slot_token += 1
        entry = (agent, agent.slot_token)
        for slot_list in agent.slot_lists[agent.held_group]:
            slot_list.append(entry)

    def become_idle(self, agent: Agent) -> None:
        """The agent waits for work in every skill it has (longest idle is offered work first)."""
        agent.idle = True
        agent.idle_token += 1
        entry = (agent, agent.idle_token)
        for idle_list in agent.idle_lists:
            idle_list.append(entry)

    def depart(self, contact: Contact, outcome: int) -> None:
        """The contact leaves; an error that sends the customer back brings a new contact later."""
        self.recorder.departures.append((contact.id, outcome, contact.answered_at, contact.wait, contact.queue_time,
                                         self.env._now))
        horizon = self.horizon
        if contact.defect >= 0 and outcome == COMPLETED:   # no inspection found it: the customer gets it
            self.reaches_customer(contact, contact.defect)
        if self.complaint_demand >= 0 and contact.demand != self.complaint_demand:
            self.may_complain(contact, outcome)
        if self.lines_of[contact.demand] is not None and outcome != BLOCKED:
            self.in_lines[self.channel_number_of[contact.demand]] -= 1
        if outcome == COMPLETED and 0 <= contact.recontact_after and self.env._now + contact.recontact_after < horizon:
            self.after(contact.recontact_after, self.arrive_again, (contact, RECONTACT))
        elif outcome != COMPLETED:   # gave up, got a busy signal or saw too long a line: may try again
            share, after, rng = self.retrial[contact.demand]
            if share and rng.random() < share:
                delay = float(after.sample(rng, 1)[0])
                if self.env._now + delay < horizon:
                    self.after(delay, self.arrive_again, (contact, RETRIAL))

    def may_complain(self, contact: Contact, outcome: int) -> None:
        """A customer who met a failure (an error reached them, they gave up, or waited long to be
        answered) complains with the chance its causes give, some time after leaving."""
        rule = self.complaint_rule
        causes = []
        if outcome == COMPLETED and contact.failed:
            causes.append(rule.after_error)
        if outcome == ABANDONED:
            causes.append(rule.after_abandon)
        if rule.long_wait is not None and contact.wait > rule.long_wait:
            causes.append(rule.after_long_wait)
        if not causes or self.complaint_rng.random() >= rule.share_for(tuple(causes),
                                                                       self.complaint_factor[contact.segment]):
            return
        delay = float(rule.delay.sample(self.complaint_rng, 1)[0]) if rule.delay is not None else 0.0
        if self.env._now + delay < self.horizon:
            self.after(delay, self.complain, contact)

    def complain(self, event: Call) -> None:
        """The complaint arrives: a contact of the complaint stream, for its process (recovery)."""
        first = event.value
        number, self.next_id = self.next_id, self.next_id + 1
        demand = self.complaint_demand
        segment = self.complaint_segment if self.complaint_segment >= 0 else first.segment
        patience, routes, regrades = self.repeat_needs[demand].draw(np.array([segment]), times=self.env._now)
        self.recorder.repeats.append((number, self.env._now, demand, segment, first.id, COMPLAINT))
        contact = Contact(number, demand, segment, self.priority_of[demand][segment], patience[0], routes[0],
                          self.group_of[demand][segment])
        contact.regrades = regrades[0]
        if self.lines_of[demand] is None or self.takes_a_line(contact):
            self.next_step(contact)

    def arrive_again(self, event: Call) -> None:
        """The customer of an earlier contact tries again (after abandoning) or comes back about the
        same matter (after an error): a repeat contact of the same demand stream and segment."""
        first, kind = event.value
        number, self.next_id = self.next_id, self.next_id + 1
        patience, routes, regrades = self.repeat_needs[first.demand].draw(np.array([first.segment]),
                                                                          times=self.env._now)
        self.recorder.repeats.append((number, self.env._now, first.demand, first.segment, first.id, kind))
        contact = Contact(number, first.demand, first.segment, first.priority, patience[0], routes[0], first.group)
        contact.regrades = regrades[0]
        if self.lines_of[first.demand] is None or self.takes_a_line(contact):
            self.next_step(contact)

    # -- the roster --------------------------------------------------------------------------------
    def start_duty(self, event: Call) -> None:
        """A shift starts or a break ends: the agent looks for work (unless still busy)."""
        agent = event.value
        self.count_on_duty(agent, 1)
        agent.on_duty = True
        if agent.contact is None and agent.held == 0 and not agent.wrapping:
            self.take_next_contact(agent)

    def end_duty(self, event: Call) -> None:
        """A shift ends or a break starts: no new work; a contact in hand is finished first."""
        agent = event.value
        self.count_on_duty(agent, -1)
        agent.on_duty = False
        agent.idle = False   # its entries in the idle lists are now stale and will be skipped

    def leave(self, event: Call) -> None:
        """A shift ends and the pool leaves at once (after_close: leave): the contact in hand goes back to
        the front of its queue with the work left, for the next agent with the skill (chats in hand are
        finished)."""
        agent = event.value
        self.end_duty(event)
        contact = agent.contact
        if contact is None:
            return
        now = self.env._now
        agent.contact = agent.service = None
        step, work, error_draw, containment_draw = contact.route[contact.stage]
        resource = self.step_resource[step]
        contact.route[contact.stage] = (step, max(work - (now - agent.started_at) * agent.speed[resource], 0.0),
                                        error_draw, containment_draw)
        self.recorder.handed_back.append((agent.id, agent.started_at, now))
        contact.queued_at = now
        other = self.idle[resource][contact.group].take() if contact.priority < self.parked_from else None
        if other is not None:
            self.start_service(contact, other)
            return
        queue = self.queues[resource][contact.group]
        contact.queue = queue
        queue.join_front(contact)

    def close_doors(self, event: Call) -> None:
        """The last closing: agents who stay serve the customers still waiting; the backlog of deferrable
        work waits for the next opening (it is left, and counted, at the end of the run)."""
        self.parked_from = self.real_time_lanes
        for groups in self.queues:
            for queue in groups:
                queue.park(self.real_time_lanes)

    def count_on_duty(self, agent: Agent, change: int) -> None:
        for resource, level in enumerate(agent.levels):
            if level:
                self.on_duty[resource] += change

    # -- scheduling ----------------------------------------------------------------------------------
    def after(self, delay: float, callback, value) -> "Call":
        """Call ``callback(event)`` after ``delay`` minutes; ``event.value`` is ``value``. The event goes
        on SimPy's queue as SimPy's own timeouts do (same time, priority and sequence number, so the
        order of events, and every result, is SimPy's), without a Timeout's checks and properties."""
        call = Call(callback, value)
        heappush(self._queue, (self.env._now + delay, NORMAL, next(self._eid), call))
        return call

    def run_events(self) -> None:
        """SimPy's ``Environment.run()`` until nothing is scheduled, without its per-event method calls."""
        env, queue = self.env, self._queue
        while queue:
            env._now, _, _, event = heappop(queue)
            if type(event) is Call:       # ours: one callback, never failed
                event.callback(event)
                continue
            callbacks, event.callbacks = event.callbacks, None     # any other SimPy event, as SimPy does
            for callback in callbacks:
                callback(event)
            if not event._ok and not hasattr(event, "_defused"):
                raise event._value
