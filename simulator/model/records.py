"""What the model writes down as it runs: append-only buffers, cheap on the per-event path.

The event engine appends one tuple per service and one per departure to plain lists:
no pandas, no dictionaries, no logging per event. A tuple of six numbers takes about
190 bytes, four times its numbers, so every :data:`COMPACT_EVERY` customers the engine
has the lists turned into float blocks (:meth:`Recorder.compact`): the conversion is the
one that would be done at the end anyway, and memory holds one batch of tuples, not a
day's. The one-line recursion (:mod:`simulator.model.single_queue`) writes whole columns
at the end instead, as blocks. :meth:`Recorder.table` gives blocks and tuples as one
array, once, at the end of the replication (:func:`simulator.metrics.tables.build_tables`).
"""

from __future__ import annotations

from itertools import chain

import numpy as np

REACHED_CUSTOMER, REWORKED, COMING_BACK = 0, 1, 2   # what followed an error
RECONTACT, RETRIAL, COMPLAINT = 0, 1, 2             # why a customer contacts again
COMPACT_EVERY = 1 << 14                             # customers between compactions (a power of two)


class Recorder:
    """Append-only buffers: ``services`` and ``departures`` (tuples described below)."""

    __slots__ = ("services", "departures", "repeats", "errors", "contained", "callbacks", "busy", "gave_up",
                 "left_waiting", "handed_back", "wrap_up", "regraded", "retrained", "blocks")

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
        # after-call work: (agent, start, end, step); the customer has gone, the agent is still busy
        self.wrap_up: list[tuple[int, float, float, int]] = []
        # courses that ended during the run: (agent, resource, when, level before, level after)
        self.retrained: list[tuple[int, int, float, int, int]] = []
        # contacts a branch moved to another segment (triage), as it happens: (contact, segment)
        self.regraded: list[tuple[int, int]] = []
        # repeat contacts, as they arrive: (contact, arrived_at, demand, segment, repeat_of,
        # RECONTACT, RETRIAL or COMPLAINT)
        self.repeats: list[tuple[int, float, int, int, int, int]] = []
        # records written in bulk, as (rows, width) float arrays, by name (the one-line recursion)
        self.blocks: dict[str, list[np.ndarray]] = {}

    def add_block(self, name: str, columns: "list | np.ndarray") -> None:
        """Append rows to the record ``name``: given as columns (equal-length arrays), or as a
        (rows, width) float array already."""
        if isinstance(columns, np.ndarray) and columns.ndim == 2:
            if len(columns):
                self.blocks.setdefault(name, []).append(columns)
        elif len(columns[0]):
            self.blocks.setdefault(name, []).append(np.column_stack([np.asarray(c, dtype=float) for c in columns]))

    def compact(self) -> None:
        """Turn the services and departures written so far into float blocks, in order (the rows are
        the same; :meth:`table` gives blocks first, then the tuples written since)."""
        for name, width in (("services", 6), ("departures", 6)):
            rows = getattr(self, name)
            if rows:
                self.add_block(name, _flat(rows, width))
                rows.clear()

    def table(self, name: str, width: int) -> np.ndarray:
        """Every row of the record ``name`` as a (rows, width) float array: blocks, then tuples.
        Booleans become 0/1 and -1 marks 'none'; callers turn them back into types."""
        rows = getattr(self, name)
        blocks = self.blocks.get(name, [])
        if len(blocks) == 1 and not rows:   # the one-line recursion's: the block itself, not a copy of it
            return blocks[0]
        flat = _flat(rows, width)
        return np.concatenate(blocks + [flat]) if blocks else flat

    def rows(self, name: str) -> list[tuple]:
        """Every row of the record ``name`` as tuples (blocks give floats): for tests and narration."""
        return [tuple(row) for block in self.blocks.get(name, []) for row in block.tolist()] + list(getattr(self, name))


def _flat(rows: list[tuple], width: int) -> np.ndarray:
    """Tuples of ``width`` numbers as a (rows, width) float array."""
    return np.fromiter(chain.from_iterable(rows), dtype=float, count=len(rows) * width).reshape(-1, width)
