"""Staff and the two structures a dispatcher needs: who is free, and who is waiting.

* :class:`IdleAgents` keeps, for one skill, the free agents in the order the
  routing policy prefers them: groups by rank (most skilled first, say), and inside
  a group the agent idle the longest first.
* :class:`SkillQueue` keeps, for one skill, the waiting contacts: highest priority
  (lowest value) first, then first come, first served.

Both use lazy deletion: an agent taken through one skill, or a contact that
abandoned, is left in the other structures and skipped when reached. That keeps
every operation O(1) amortised, which matters because these run per event.
"""

from __future__ import annotations

from collections import deque

from simulator.scenario.model import Scenario


class Agent:
    """One member of staff."""

    __slots__ = ("id", "name", "pool", "person", "speed", "levels", "error_factor", "queues", "group_queues",
                 "idle_lists", "slot_lists", "idle", "idle_token", "on_duty", "contact", "started_at", "service",
                 "held", "held_group", "slot_token", "busy_since", "delays", "secondary_queues", "wrapping", "segment_lanes")

    def __init__(self, agent_id: int, name: str, pool: int, speed: list[float], levels: list[int],
                 error_factor: list[float], person: bool = True):
        self.id = agent_id
        self.name = name
        self.pool = pool          # staff pools first, then one pool per automation
        self.person = person      # False for a bot
        self.speed = speed        # per resource number: work per minute relative to level 3 (0: cannot)
        self.levels = levels      # per resource number: proficiency level (0: cannot)
        self.error_factor = error_factor  # per resource number: multiplies a step's error rate
        self.queues: list[SkillQueue] = []        # the queues this agent serves
        self.group_queues: list[list[SkillQueue]] = []   # the same, per queue group (concurrent channels)
        self.idle_lists: list[deque] = []         # where this agent waits when free
        self.slot_lists: list[list[deque]] = []   # per queue group: where it offers a free slot
        self.idle = False
        self.idle_token = 0
        self.on_duty = False
        self.held = 0             # contacts of a concurrent channel in hand (chats)
        self.held_group = 0       # the queue group of those contacts
        self.slot_token = 0
        self.busy_since = 0.0     # when the agent took its first chat of the current run of chats
        self.contact = None       # the contact in hand
        self.started_at = 0.0     # when the current service started
        self.service = None       # the timeout that ends it (a service cut short leaves a stale one)
        self.wrapping = False     # doing after-call work: busy, though no contact is in hand
        self.delays: list[float | None] = [None] * len(levels)   # per resource: None primary, else the
        #                                                          secondary skill's delay
        self.secondary_queues: list[tuple[SkillQueue, float]] = []   # (queue, delay) of its secondary skills
        self.segment_lanes: list[int] = [0]   # the segment lanes it serves (pools dedicated to segments)


class IdleAgents:
    """Free agents with one skill, in the routing policy's order of preference."""

    __slots__ = ("groups",)

    def __init__(self, ranks: int):
        self.groups = [deque() for _ in range(ranks)]

    def take(self) -> Agent | None:
        """The preferred free agent, now no longer free; None if nobody with the skill is free."""
        for group in self.groups:
            while group:
                agent, token = group.popleft()
                if agent.idle and agent.idle_token == token:
                    agent.idle = False
                    return agent
        return None


class PartlyBusyAgents:
    """Agents holding some, but fewer than the maximum, contacts of one concurrent channel (chats)."""

    __slots__ = ("agents",)

    def __init__(self):
        self.agents = deque()

    def take(self, limit: int) -> Agent | None:
        """The agent that offered a free slot first and still has one; None if nobody has."""
        agents = self.agents
        while agents:
            agent, token = agents.popleft()
            if agent.on_duty and agent.slot_token == token and 0 < agent.held < limit:
                return agent
        return None


class SkillQueue:
    """Contacts waiting for one skill: by priority, then first come, first served.

    ``lanes`` are the lanes agents take work from; after the last closing the deferrable lanes are
    parked (the backlog waits for the next opening), while contacts still join every lane.
    """

    __slots__ = ("skill", "all_lanes", "lanes", "waiting")

    def __init__(self, skill: int, priorities: int):
        self.skill = skill
        self.all_lanes = [deque() for _ in range(priorities)]
        self.lanes = self.all_lanes
        self.waiting = 0   # contacts really waiting (abandoned ones are not counted)

    def join(self, contact) -> None:
        self.all_lanes[contact.priority].append(contact)
        self.waiting += 1

    def join_front(self, contact) -> None:
        """Back at the head of its lane: a contact whose service was cut short."""
        self.all_lanes[contact.priority].appendleft(contact)
        self.waiting += 1

    def head(self):
        """The next contact to serve, or None; contacts that abandoned are dropped from the front."""
        for lane in self.lanes:
            while lane:
                contact = lane[0]
                if contact.queue is self:
                    return contact
                lane.popleft()
        return None

    def remove_head(self, contact) -> None:
        self.all_lanes[contact.priority].popleft()
        self.waiting -= 1

    def park(self, lanes: int) -> None:
        """Agents take work only from the first ``lanes`` lanes from now on."""
        self.lanes = self.all_lanes[:lanes]

    def still_waiting(self):
        """Every contact still waiting, lane by lane."""
        return [contact for lane in self.all_lanes for contact in lane if contact.queue is self]


def routing_rank(policy: str, level: int, cost_rank: int) -> int:
    """Preference group of an agent for a skill under a routing policy (0 is tried first)."""
    if policy == "most_skilled":
        return 5 - level
    if policy == "least_skilled":
        return level - 1
    if policy == "cheapest":
        return cost_rank
    return 0  # longest_idle: one group, ordered by idle time


def agent_names(scenario) -> list[tuple[str, str, bool]]:
    """(name, pool, is a person) of every agent, in the numbering the model and its records use: each
    pool's members (``<pool>-<n>``), then each automation's sessions (``<automation>-<n>``)."""
    names = [(f"{pool.name}-{member + 1}", pool.name, True) for pool in scenario.staff
             for member in range(pool.headcount)]
    return names + [(f"{tool.name}-{unit + 1}", tool.name, False) for tool in scenario.automation
                    for unit in range(tool.capacity)]


def _ranks(scenario: Scenario) -> int:
    """How many preference groups the routing policy sorts free agents into."""
    costs = {pool.cost_per_hour for pool in scenario.staff}
    return 5 if scenario.routing in ("most_skilled", "least_skilled") else max(len(costs), 1)


def place_agent(agent: Agent, pool, scenario: Scenario, resources: list[str], idle: list[list[IdleAgents]],
                overflow: list[list[dict[float, IdleAgents]]]) -> None:
    """Where the agent waits when free, by its levels: in each skill's (and segment lane's) free agents,
    in its routing policy's preference group; a secondary skill after the primary ones (delay 0) or
    among those waiting for its overflow (a delay). Called again when a course changes its levels."""
    costs = sorted({other.cost_per_hour for other in scenario.staff})
    ranks = _ranks(scenario)
    agent.idle_lists = []
    for number, level in enumerate(agent.levels):
        if level:
            rank = routing_rank(scenario.routing, level, costs.index(pool.cost_per_hour))
            delay = pool.delay(resources[number])
            agent.delays[number] = delay
            for lane in agent.segment_lanes:
                if delay is None:
                    agent.idle_lists.append(idle[number][lane].groups[rank])
                elif delay == 0:
                    agent.idle_lists.append(idle[number][lane].groups[ranks + rank])
                else:
                    waiting_for = overflow[number][lane].setdefault(delay, IdleAgents(ranks))
                    agent.idle_lists.append(waiting_for.groups[rank])


def build_staff(scenario: Scenario, resources: list[str], trained: dict[int, dict[str, int]] | None = None,
                segment_lanes: int = 1
                ) -> tuple[list[Agent], list[list[IdleAgents]], list[list[dict[float, IdleAgents]]]]:
    """Every agent of every pool (with the levels training gave them), then every automation's bots
    (one per unit of capacity); per resource (skill or ``automation:<name>``) and segment lane, one
    IdleAgents ordered by the routing policy, agents with the skill as a secondary one (delay 0) after
    those with it as primary; and per resource and lane, for each delay of a secondary skill, the agents
    who take its contacts once they have waited that long (``overflow``). With pools dedicated to
    segments there is a lane per segment (``segment_lanes``), and an agent waits only in its pool's;
    otherwise one lane serves everyone."""
    trained = trained or {}
    segment_names = [segment.name for segment in scenario.segments]
    speeds = {level.level: level.speed for level in scenario.skill_levels}
    factors = {level.level: level.error_factor for level in scenario.skill_levels}
    ranks = _ranks(scenario)
    secondary = any(pool.secondary for pool in scenario.staff)
    idle = [[IdleAgents(2 * ranks if secondary else ranks) for _ in range(segment_lanes)] for _ in resources]
    overflow: list[list[dict[float, IdleAgents]]] = [[{} for _ in range(segment_lanes)] for _ in resources]
    agents: list[Agent] = []
    names = [name for name, _, _ in agent_names(scenario)]
    for pool_number, pool in enumerate(scenario.staff):
        served = (list(range(segment_lanes)) if segment_lanes == 1 or pool.segments is None
                  else [segment_names.index(name) for name in pool.segments])
        pool_levels = [0] * len(resources)
        for skill, level in pool.skills:
            pool_levels[resources.index(skill)] = level
        for member in range(pool.headcount):
            levels = list(pool_levels)
            for skill, level in trained.get(len(agents), {}).items():
                levels[resources.index(skill)] = level
            speed = [speeds[level] if level else 0.0 for level in levels]
            error_factor = [factors[level] if level else 0.0 for level in levels]
            agent = Agent(len(agents), names[len(agents)], pool_number, speed, levels, error_factor)
            agent.segment_lanes = served
            place_agent(agent, pool, scenario, resources, idle, overflow)
            agents.append(agent)
    for tool_number, tool in enumerate(scenario.automation):
        number = resources.index(f"automation:{tool.name}")
        levels = [3 if n == number else 0 for n in range(len(resources))]
        speed = [1.0 if n == number else 0.0 for n in range(len(resources))]
        for unit in range(tool.capacity):
            bot = Agent(len(agents), names[len(agents)], len(scenario.staff) + tool_number, speed, levels,
                        list(speed), person=False)
            bot.segment_lanes = list(range(segment_lanes))
            bot.idle_lists.extend(idle[number][lane].groups[0] for lane in range(segment_lanes))
            agents.append(bot)
    return agents, idle, overflow
