"""A contact: one customer's request as it travels through its process."""

from __future__ import annotations

COMPLETED = 0   # outcome: every step the contact needed was done
ABANDONED = 1   # outcome: the customer gave up while on hold
# (2: still in the system when the run ended)
BLOCKED = 3     # outcome: every line was busy (a busy signal): turned away on arrival
BALKED = 4      # outcome: saw the line waiting and left at once


class Contact:
    """The state of one contact while it is in the system.

    Only what the journey needs lives here; what happened to it (its services, its
    errors, whether a bot resolved it) is written to the recorder as it happens.
    """

    __slots__ = ("id", "demand", "segment", "priority", "group", "patience", "route", "stage", "queue", "queued_at",
                 "ticket", "patience_timer", "answered_at", "wait", "queue_time", "recontact_after", "regrades", "defect", "failed")

    def __init__(self, contact_id: int, demand: int, segment: int, priority: int, patience: float,
                 route: list[tuple[int, float, float, float]], group: int = 0):
        self.id = contact_id
        self.demand = demand
        self.segment = segment
        self.priority = priority          # rank of the segment's priority: 0 is served first
        self.group = group                # queue group: 0, or the concurrent channel (chat) it belongs to
        self.patience = patience          # minutes the customer waits on hold before giving up
        self.route = route                # (step number, work, error draw, containment draw) per step needed
        self.stage = 0                    # position in route of the current step
        self.queue = None                 # the queue the contact is waiting in; None when not waiting
        self.queued_at = 0.0              # when the current step was requested
        self.ticket = 0                   # order of joining queues: first come, first served
        self.patience_timer = None
        self.answered_at = -1.0           # start of the first service by a person; -1 until then (on hold)
        self.wait = -1.0                  # time queued before that service (speed of answer)
        self.queue_time = 0.0             # total waiting over all steps so far
        self.recontact_after = -1.0       # opening-time delay before the customer comes back; -1: no
        self.regrades = None              # triage ahead: [(steps, segment), ...], the segment from those steps on
        self.defect = -1                  # the step that left a defect no inspection has found yet; -1: none
        self.failed = False               # an error (or defect) reached the customer
