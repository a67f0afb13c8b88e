"""What the model writes down as it runs: append-only buffers, cheap on the per-event path.

One tuple per service and one per departure, appended to plain lists: no pandas,
no dictionaries, no logging per event. :func:`simulator.metrics.tables.build_tables`
turns them into columns once, at the end of the replication.
"""

from __future__ import annotations

REACHED_CUSTOMER, REWORKED, COMING_BACK = 0, 1, 2   # what followed an error
RECONTACT, RETRIAL = 0, 1                            # why a customer contacts again


class Recorder:
    """Append-only buffers: ``services`` and ``departures`` (tuples described below)."""

    __slots__ = ("services", "departures", "repeats", "errors", "contained", "callbacks", "busy", "gave_up",
                 "left_waiting", "handed_back")

    def __init__(self):
        # (contact, step, agent, queued_at, start, end)
        self.services: list[tuple[int, int, int, float, float, float]] = []
        # (contact, outcome, answered_at by a person or -1, wait before it or -1, queue_time, departed_at)
        self.departures: list[tuple[int, int, float, float, float, float]] = []
        # rare events, written only when they happen:
        # errors as (contact, step, what followed: REACHED_CUSTOMER, REWORKED or COMING_BACK)
        self.errors: list[tuple[int, int, int]] = []
        # contacts an automation step resolved
        self.contained: list[int] = []
        # contacts that took a call back
        self.callbacks: list[int] = []
        # periods an agent held at least one contact of a concurrent channel: (agent, start, end)
        self.busy: list[tuple[int, float, float]] = []
        # abandonments: (contact, step waited for, when that wait began)
        self.gave_up: list[tuple[int, int, float]] = []
        # contacts still waiting when the run ended: (contact, step waited for, when that wait began,
        # answered_at by a person or -1, wait before it or -1)
        self.left_waiting: list[tuple[int, int, float, float, float]] = []
        # services cut short when an agent left at the end of its shift (after_close: leave):
        # (agent, start, end); the contact went back to its queue with the work left
        self.handed_back: list[tuple[int, float, float]] = []
        # repeat contacts, as they arrive: (contact, arrived_at, demand, segment, repeat_of, RECONTACT/RETRIAL)
        self.repeats: list[tuple[int, float, int, int, int, int]] = []
