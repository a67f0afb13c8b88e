"""The service system of one replication: a contact's journey, step by step, on SimPy.

The journey reads like the process it models::

    arrive -> next_step -> (a free agent? start_service : wait in the skill's queue)
    start_service -> finish_service -> next_step ... -> depart
    wait -> (patience runs out before the contact is first answered) -> give_up -> depart

A free agent takes the most urgent contact waiting in any of its skills
(priority, then first come, first served), or becomes idle. Agents come on and
go off duty as the roster says (shifts, breaks, absences); an agent whose shift
or break starts finishes the contact in hand first.

Speed matters here: this is the per-event path. Each service is one SimPy
timeout with a callback (no process per contact, no Resource request per step),
each arrival one timeout, and a patience timer is set only for contacts who must
wait. Recording appends one tuple per service and one per departure.
"""

from __future__ import annotations

import math

import simpy
from simpy.events import Timeout

from simulator.model.records import Recorder
from simulator.model.contact import ABANDONED, COMPLETED, Contact
from simulator.model.customers import Customers, step_index
from simulator.model.roster import Roster
from simulator.model.staff import Agent, SkillQueue, build_staff
from simulator.scenario.model import Scenario


class ServiceSystem:
    """Staff, queues and the journey of every contact of one replication."""

    def __init__(self, scenario: Scenario, customers: Customers, roster: Roster):
        self.env = simpy.Environment()
        self.customers = customers
        self.roster = roster
        self.recorder = Recorder()
        skills = list(scenario.skills)
        self.skills = skills
        numbers = step_index(scenario)
        self.step_skill = [0] * len(numbers)
        for process in scenario.processes:
            for step in process.steps:
                self.step_skill[numbers[(process.name, step.name)]] = skills.index(step.skill)
        priorities = sorted({s.priority for s in scenario.segments} or {0})
        self.segment_priority = [priorities.index(s.priority) for s in scenario.segments] or [0]
        self.queues = [SkillQueue(number, len(priorities)) for number in range(len(skills))]
        self.agents, self.idle = build_staff(scenario, skills)
        for agent in self.agents:
            agent.queues = [self.queues[s] for s, level in enumerate(agent.levels) if level]
        self.tickets = 0

    def run(self) -> Recorder:
        """Simulate until nothing more can happen (arrivals stop at closing time)."""
        for agent, periods in zip(self.agents, self.roster.duty):
            for on, off in periods:
                if on <= 0:
                    agent.on_duty = True
                    self.become_idle(agent)
                else:
                    self.after(on, self.start_duty, agent)
                if off < math.inf:
                    self.after(off, self.end_duty, agent)
        self.schedule_arrival(0)
        self.env.run()
        return self.recorder

    # -- the journey ----------------------------------------------------------------------------
    def schedule_arrival(self, number: int) -> None:
        if number < len(self.customers.arrived_at):
            self.after(self.customers.arrived_at[number] - self.env.now, self.arrive, number)

    def arrive(self, event: Timeout) -> None:
        """A customer makes contact; the next one is due at their own arrival time."""
        number = event.value
        self.schedule_arrival(number + 1)
        customers = self.customers
        contact = Contact(number, self.segment_priority[customers.segment[number]],
                          customers.patience[number], customers.routes[number])
        self.next_step(contact)

    def next_step(self, contact: Contact) -> None:
        """Ask for the next step the contact needs, or leave when every step is done."""
        if contact.stage == len(contact.route):
            self.depart(contact, COMPLETED)
            return
        contact.queued_at = self.env.now
        skill = self.step_skill[contact.route[contact.stage][0]]
        agent = self.idle[skill].take()
        if agent is None:
            self.wait(contact, self.queues[skill])
        else:
            self.start_service(contact, agent)

    def wait(self, contact: Contact, queue: SkillQueue) -> None:
        """Join the skill's queue; a customer not yet answered may run out of patience and give up.

        Once answered, the customer is no longer on hold: later waits (a back-office
        follow-up, say) count as queue time but nobody abandons them.
        """
        contact.waiting = True
        contact.queue = queue
        contact.ticket = self.tickets
        self.tickets += 1
        queue.join(contact)
        if contact.answered_at < 0 and contact.patience < math.inf:
            contact.patience_timer = self.after(contact.patience, self.give_up, contact)

    def give_up(self, event: Timeout) -> None:
        """Patience ran out: if still waiting, the customer abandons."""
        contact = event.value
        if not contact.waiting or contact.patience_timer is not event:
            return  # answered before patience ran out
        contact.waiting = False
        contact.queue.waiting -= 1
        contact.queue_time += self.env.now - contact.queued_at
        self.depart(contact, ABANDONED)

    def start_service(self, contact: Contact, agent: Agent) -> None:
        """The agent starts the step; its length is the work divided by the agent's speed."""
        now = self.env.now
        if contact.answered_at < 0:
            contact.answered_at = now
        step, work = contact.route[contact.stage]
        agent.contact = contact
        agent.started_at = now
        self.after(work / agent.speed[self.step_skill[step]], self.finish_service, agent)

    def finish_service(self, event: Timeout) -> None:
        """The step is done: the contact moves on, the agent takes the next contact or goes idle."""
        agent = event.value
        contact = agent.contact
        self.recorder.services.append(
            (contact.id, contact.route[contact.stage][0], agent.id, contact.queued_at, agent.started_at,
             self.env.now))
        agent.contact = None
        contact.stage += 1
        self.next_step(contact)
        self.take_next_contact(agent)

    def take_next_contact(self, agent: Agent) -> None:
        """Serve the most urgent contact waiting in any of the agent's skills, or become idle."""
        if not agent.on_duty:
            return  # the shift or a break started while the agent finished the last contact
        chosen = None
        for queue in agent.queues:
            head = queue.head()
            if head is not None and (chosen is None or (head.priority, head.ticket) <
                                     (chosen.priority, chosen.ticket)):
                chosen = head
        if chosen is None:
            self.become_idle(agent)
            return
        chosen.queue.remove_head(chosen)
        chosen.waiting = False
        chosen.patience_timer = None
        chosen.queue_time += self.env.now - chosen.queued_at
        self.start_service(chosen, agent)

    def become_idle(self, agent: Agent) -> None:
        """The agent waits for work in every skill it has (longest idle is offered work first)."""
        agent.idle = True
        agent.idle_token += 1
        entry = (agent, agent.idle_token)
        for idle_list in agent.idle_lists:
            idle_list.append(entry)

    # -- the roster --------------------------------------------------------------------------------
    def start_duty(self, event: Timeout) -> None:
        """A shift starts or a break ends: the agent looks for work (unless still busy)."""
        agent = event.value
        agent.on_duty = True
        if agent.contact is None:
            self.take_next_contact(agent)

    def end_duty(self, event: Timeout) -> None:
        """A shift ends or a break starts: no new work; a contact in hand is finished first."""
        agent = event.value
        agent.on_duty = False
        agent.idle = False   # its entries in the idle lists are now stale and will be skipped

    def depart(self, contact: Contact, outcome: int) -> None:
        self.recorder.departures.append(
            (contact.id, outcome, contact.answered_at, contact.queue_time, self.env.now))

    # -- scheduling -------------------------------------------------------------------------------
    def after(self, delay: float, callback, value) -> Timeout:
        """Call ``callback(event)`` after ``delay`` minutes; ``event.value`` is ``value``."""
        timeout = Timeout(self.env, delay, value)
        timeout.callbacks.append(callback)
        return timeout
