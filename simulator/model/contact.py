"""A contact: one customer's request as it travels through its process."""

from __future__ import annotations

COMPLETED = 0   # outcome: every step the contact needed was done
ABANDONED = 1   # outcome: the customer gave up while waiting


class Contact:
    """The state of one contact while it is in the system (records are written when it leaves)."""

    __slots__ = ("id", "priority", "patience", "route", "stage", "queue", "queued_at", "ticket",
                 "waiting", "patience_timer", "answered_at", "queue_time")

    def __init__(self, contact_id: int, priority: int, patience: float, route: list[tuple[int, float]]):
        self.id = contact_id
        self.priority = priority          # rank of the segment's priority: 0 is served first
        self.patience = patience          # minutes the customer waits to be answered before giving up
        self.route = route                # (step number, work at standard speed) for each step needed
        self.stage = 0                    # position in route of the current step
        self.queue = None                 # the skill queue the contact waits in, if any
        self.queued_at = 0.0              # when the current step was requested
        self.ticket = 0                   # order of joining queues: first come, first served
        self.waiting = False
        self.patience_timer = None
        self.answered_at = -1.0           # start of the first service; -1 until answered
        self.queue_time = 0.0             # total waiting over all steps so far
