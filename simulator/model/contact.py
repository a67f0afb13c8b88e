"""A contact: one customer's request as it travels through its process."""

from __future__ import annotations

COMPLETED = 0   # outcome: every step the contact needed was done
ABANDONED = 1   # outcome: the customer gave up while waiting to be answered


class Contact:
    """The state of one contact while it is in the system (records are written when it leaves)."""

    __slots__ = ("id", "demand", "segment", "priority", "patience", "route", "stage", "queue", "queued_at",
                 "ticket", "waiting", "patience_timer", "answered_at", "queue_time", "errors", "reworks",
                 "contained", "recontact_after", "level_sum", "people_served", "bot_served", "repeat_of")

    def __init__(self, contact_id: int, demand: int, segment: int, priority: int, patience: float,
                 route: list[tuple[int, float, float, float]], repeat_of: int = -1):
        self.id = contact_id
        self.demand = demand
        self.segment = segment
        self.priority = priority          # rank of the segment's priority: 0 is served first
        self.patience = patience          # minutes the customer waits to be answered before giving up
        self.route = route                # (step number, work, error draw, containment draw) per step needed
        self.stage = 0                    # position in route of the current step
        self.queue = None                 # the queue the contact waits in, if any
        self.queued_at = 0.0              # when the current step was requested
        self.ticket = 0                   # order of joining queues: first come, first served
        self.waiting = False
        self.patience_timer = None
        self.answered_at = -1.0           # start of the first service; -1 until answered
        self.queue_time = 0.0             # total waiting over all steps so far
        self.errors = 0                   # errors that reached the customer
        self.reworks = 0                  # steps redone after an error was caught
        self.contained = False            # resolved by an automation step
        self.recontact_after = -1.0       # opening-time delay before the customer comes back; -1: no
        self.level_sum = 0                # proficiency levels of the people who served (assurance)
        self.people_served = 0
        self.bot_served = 0
        self.repeat_of = repeat_of        # the contact this one repeats (-1: a first contact)
