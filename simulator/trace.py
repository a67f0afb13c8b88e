"""A narrated trace: the journey of contacts in plain language, for live demonstrations.

``TracingSystem`` is the ordinary service system with each step of the journey written down as it
happens (a subclass, so ordinary runs pay nothing for tracing). Agents get stable first names (the
same for the same scenario), bots keep their names. Each event is also a row of an event log
(docs/trainer.md lists its columns).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from simulator.metrics.compute import satisfaction_scores
from simulator.model.contact import ABANDONED, BALKED, BLOCKED, COMPLETED, Contact
from simulator.model.customers import Customers
from simulator.model.roster import Roster
from simulator.model.staff import Agent
from simulator.model.system import ServiceSystem
from simulator.randomness import Streams, replication_seed
from simulator.replication import run_model
from simulator.scenario.model import Scenario
from simulator.units import format_duration

NAMES = ("Ana", "Ben", "Chloe", "Dev", "Elif", "Femi", "Grace", "Hugo", "Ines", "Jon", "Kai", "Lena", "Mo", "Nia",
         "Omar", "Pia", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Vic", "Wen", "Xavi", "Yara", "Zed")
LOG_COLUMNS = ["time", "clock", "contact", "event", "demand", "channel", "segment", "step", "agent", "pool",
               "level", "waiting", "text"]


def agent_label(number: int) -> str:
    """Ana, Ben, ... Zed, then Ana 2, Ben 2, ...: stable for a given agent number."""
    name = NAMES[number % len(NAMES)]
    return name if number < len(NAMES) else f"{name} {number // len(NAMES) + 1}"


class TracingSystem(ServiceSystem):
    """The service system, writing down the journey of ``limit`` contacts from number ``first`` on."""

    def __init__(self, scenario: Scenario, customers: Customers, roster: Roster, streams: Streams,
                 trained=None, limit: int | None = None, start: float | None = None):
        super().__init__(scenario, customers, roster, streams, trained)
        self.limit = limit
        # the first contact followed: the first to arrive from ``start`` on (contacts are numbered in arrival order)
        self.first = int(np.searchsorted(np.asarray(customers.arrived_at), start)) if start is not None else 0
        self.events: list[dict] = []
        self.step_names = [step.name for process in scenario.processes for step in process.steps]
        self.step_process = [process.name for process in scenario.processes for _ in process.steps]
        self.step_branches = [step.branch for process in scenario.processes for step in process.steps]
        self.resources = list(scenario.skills) + [f"automation:{tool.name}" for tool in scenario.automation]
        self.pools = [pool.name for pool in scenario.staff] + [tool.name for tool in scenario.automation]
        self.demand_names = [d.name for d in scenario.demand]
        self.channel_of = [d.channel for d in scenario.demand]
        self.segment_names = [s.name for s in scenario.segments] or [""]
        self.who: dict[int, tuple[int, int]] = {}   # contact -> (demand, segment), repeats included
        self.traced_repeats: set[int] = set()       # repeats of traced contacts are traced too

    def traced(self, contact: int) -> bool:
        if self.limit is None:
            return True
        if contact < len(self.customers):
            return self.first <= contact < self.first + self.limit
        return contact in self.traced_repeats

    def note(self, contact: int, event: str, text: str, **fields) -> None:
        if not self.traced(contact):
            return
        demand, segment = self.who.get(contact, (0, 0))
        self.events.append({"time": self.env.now, "contact": contact, "event": event,
                            "demand": self.demand_names[demand], "channel": self.channel_of[demand],
                            "segment": self.segment_names[segment], "text": text, **fields})

    def arrive(self, event) -> None:
        number = event.value
        demand, segment = self.demand_of[number], self.segment_of[number]
        self.who[number] = (demand, segment)
        kind = f"{self.segment_names[segment]} {self.channel_of[demand]}".strip()
        self.note(number, "arrives", f"#{number} {kind} contact arrives ({self.demand_names[demand]})")
        super().arrive(event)

    def arrive_again(self, event) -> None:
        first, kind = event.value
        number = self.next_id
        self.who[number] = (first.demand, first.segment)
        if self.traced(first.id):
            self.traced_repeats.add(number)
        why = "tries again after giving up" if kind else "comes back about an error"
        self.note(number, "arrives", f"#{number} {self.channel_of[first.demand]} contact: the customer of "
                                     f"#{first.id} {why}")
        super().arrive_again(event)

    def complain(self, event) -> None:
        first = event.value
        number = self.next_id
        demand = self.complaint_demand
        segment = self.complaint_segment if self.complaint_segment >= 0 else first.segment
        self.who[number] = (demand, segment)
        if self.traced(first.id):
            self.traced_repeats.add(number)
        self.note(number, "arrives", f"#{number} {self.channel_of[demand]} complaint: the customer of #{first.id} "
                                     f"complains ({self.demand_names[demand]})")
        super().complain(event)

    def finish_course(self, event) -> None:
        agent, skill, level = event.value
        before = agent.levels[self.resources.index(skill)]
        super().finish_course(event)
        if level > before:   # the agent's course is over: every service from now on is at the new level
            person = agent_label(agent.id)
            self.events.append({"time": self.env.now, "contact": -1, "event": "trained", "demand": "",
                                "channel": "", "segment": "", "agent": person, "pool": self.pools[agent.pool],
                                "level": level, "text": f"{person} ({self.pools[agent.pool]}) finishes training: "
                                                        f"{skill} level {before} -> {level} from now on"})

    def wait(self, contact: Contact, queue) -> None:
        super().wait(contact, queue)
        what = self.resources[queue.skill].replace("automation:", "")
        self.note(contact.id, "waits", f"#{contact.id} waits for {what}; {queue.waiting} waiting",
                  waiting=queue.waiting)

    def start_service(self, contact: Contact, agent) -> None:
        step = contact.route[contact.stage][0]
        resource = self.step_resource[step]
        if agent.person:
            person = agent_label(agent.id)
            level = agent.levels[resource]
            text = f"#{contact.id} served by {person} ({self.pools[agent.pool]}, level {level}): " \
                   f"{self.step_names[step]}"
            self.note(contact.id, "served", text, step=self.step_names[step], agent=person,
                      pool=self.pools[agent.pool], level=level)
        else:
            self.note(contact.id, "served", f"#{contact.id} handled by {agent.name}: {self.step_names[step]}",
                      step=self.step_names[step], agent=agent.name, pool=self.pools[agent.pool])
        super().start_service(contact, agent)

    def complete_step(self, contact: Contact, agent, started: float) -> None:
        step, _, _, containment_draw = contact.route[contact.stage]
        if self.step_branches[step] and not containment_draw < self.step_containment[step]:
            # a menu or triage (that did not resolve the contact itself): say where the contact goes on
            later = [self.step_process[entry[0]] for entry in contact.route[contact.stage + 1:]]
            targets = {way.process for way in self.step_branches[step]}
            taken = next((name for name in later if name in targets), None)
            ahead = contact.regrades
            as_segment = (f" as {self.segment_names[ahead[0][1]]}"
                          if taken and ahead and contact.route[contact.stage + 1][0] in ahead[0][0] else "")
            text = (f"#{contact.id} {self.step_names[step]}: goes on to {taken}{as_segment}" if taken else
                    f"#{contact.id} {self.step_names[step]}: its branch needs no further step")
            self.note(contact.id, "branches", text, step=self.step_names[step])
        super().complete_step(contact, agent, started)

    def regrade(self, contact: Contact, step: int) -> None:
        super().regrade(contact, step)
        self.who[contact.id] = (contact.demand, contact.segment)

    def handle_error(self, contact: Contact, step: int) -> None:
        reworks_before = self.reworks.get(contact.id, 0)
        super().handle_error(contact, step)
        name = self.step_names[step]
        if self.reworks.get(contact.id, 0) > reworks_before:
            text = f"#{contact.id} error in {name} -> caught, redone from {self.scenario_step(step)}"
        elif self.step_recontact[step] >= 0:
            text = f"#{contact.id} error in {name} -> the customer will come back in " \
                   f"{format_duration(self.step_recontact[step])} of opening time"
        else:
            text = f"#{contact.id} error in {name} reaches the customer"
        self.note(contact.id, "error", text, step=name)

    def inspect_and_make_defects(self, contact: Contact, step: int, agent: Agent, error_draw: float,
                                 inspection_draw: float) -> None:
        pending, redone = contact.defect, self.reworks.get(contact.id, 0)
        super().inspect_and_make_defects(contact, step, agent, error_draw, inspection_draw)
        name = self.step_names[step]
        if pending >= 0 and self.step_detection[step]:
            maker = self.step_names[pending]
            text = (f"#{contact.id} {name} finds the defect left by {maker} -> redone from {maker}"
                    if self.reworks.get(contact.id, 0) > redone else f"#{contact.id} {name} misses the defect "
                                                                      f"left by {maker}")
            self.note(contact.id, "inspection", text, step=name)
        if contact.defect == step and pending != step:
            self.note(contact.id, "defect", f"#{contact.id} {name} leaves a defect (nobody has seen it yet)", step=name)

    def scenario_step(self, step: int) -> str:
        return self.step_names[self.step_redo[step][0]] if self.step_redo[step] else self.step_names[step]

    def depart(self, contact: Contact, outcome: int) -> None:
        if outcome == COMPLETED and contact.defect >= 0:
            self.note(contact.id, "error", f"#{contact.id} leaves with the defect {self.step_names[contact.defect]} "
                                           "left: no inspection found it", step=self.step_names[contact.defect])
        if outcome == BLOCKED:
            self.note(contact.id, "blocked", f"#{contact.id} gets a busy signal: all "
                                             f"{self.lines_of[contact.demand]} lines are busy")
        elif outcome == BALKED:
            queue = self.queues[self.step_resource[contact.route[contact.stage][0]]][contact.group]
            self.note(contact.id, "balks", f"#{contact.id} sees {queue.waiting} waiting and leaves",
                      waiting=queue.waiting)
        elif outcome == ABANDONED:
            self.note(contact.id, "gives up", f"#{contact.id} gives up after {format_duration(contact.queue_time)} "
                                              "waiting")
        elif self.recorder.contained and self.recorder.contained[-1] == contact.id:   # resolved just now
            self.note(contact.id, "leaves", f"#{contact.id} resolved by self-service; leaves")
        else:
            self.note(contact.id, "leaves", f"#{contact.id} leaves")
        super().depart(contact, outcome)


@dataclass
class Trace:
    scenario: Scenario
    log: pd.DataFrame           # LOG_COLUMNS

    def lines(self) -> list[str]:
        return [f"{row.clock}  {row.text}" for row in self.log.itertuples()]


def trace_scenario(scenario: Scenario, contacts: int | None = None, start: float | None = None,
                   end: float | None = None, customers: Customers | None = None) -> Trace:
    """Replication 0 of ``scenario``, narrated: ``contacts`` contacts arriving from ``start`` on (and
    their repeats), events between ``start`` and ``end`` (minutes of simulated time)."""
    make_system = partial(TracingSystem, limit=contacts, start=start)
    system, tables = run_model(scenario, replication_seed(scenario.seed, 0), make_system, customers)
    scores = satisfaction_scores(tables, scenario)
    log = pd.DataFrame(system.events).reindex(columns=LOG_COLUMNS)
    leaving = log["event"] == "leaves"
    log.loc[leaving, "text"] = [f"{text}, satisfaction {scores[c]:.1f}" if c < len(scores) else text
                                for text, c in zip(log.loc[leaving, "text"], log.loc[leaving, "contact"])]
    log["clock"] = [scenario.clock.label(t, seconds=True) for t in log["time"]]
    if start is not None:
        log = log[log["time"] >= start]
    if end is not None:
        log = log[log["time"] <= end]
    return Trace(scenario, log.reset_index(drop=True))

