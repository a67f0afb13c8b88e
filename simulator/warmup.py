"""``warmup: auto``: the truncation point chosen from the run itself, by MSER-5.

A replication starts empty and idle. For a steady-state study (comparing with Erlang C, say) the
first part of every replication is biased low and must be left out. MSER-5 (White, 1997; the best of
the automatic rules compared by Hoad, Robinson and Davies, 2010) picks the truncation point that
minimises the standard error of the mean of what is left: the series is cut into batches of five
observations, and for each candidate point ``d`` (in the first half of the run)

    MSER(d) = sum_{j >= d} (Y_j - mean_{j >= d} Y)^2 / (m - d)^2

is computed over the batch means ``Y_j`` that remain (``m`` batches); the smallest wins. Leaving
out too little keeps the biased start in the mean; leaving out too much leaves too few observations,
and both raise MSER.

Here the observations are the queue times of real-time contacts by time of arrival, pooled over all
replications in equal time bins (MSER on the mean of replications, as Hoad et al. recommend): the
pilot runs every replication once to choose the point, then the replications run again with it, so
every replication is truncated at the same time and the result is the same on any number of
processes.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from simulator.metrics.tables import ReplicationTables
from simulator.scenario.model import Scenario

BINS = 500      # time bins over the horizon; five make a batch
BATCH = 5


def warmup_series(tables: ReplicationTables, scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Queue time summed, and contacts counted, by time bin of arrival (real-time contacts that left,
    or every contact when all the work is deferrable)."""
    clock = scenario.clock
    deferrable = np.array([c.deferrable for c in scenario.channels], dtype=bool)[tables.channel] \
        if len(tables.channel) else np.zeros(0, dtype=bool)
    chosen = (tables.outcome == 0) | (tables.outcome == 1)   # served or gave up (not turned away, not still there)
    if (chosen & ~deferrable).any():
        chosen &= ~deferrable
    bins = np.minimum((tables.arrived_at[chosen] / clock.horizon * BINS).astype(np.int64), BINS - 1)
    return (np.bincount(bins, weights=tables.queue_time[chosen], minlength=BINS),
            np.bincount(bins, minlength=BINS).astype(float))


def mser5(sums: np.ndarray, counts: np.ndarray) -> int:
    """The number of leading bins MSER-5 leaves out (a multiple of five)."""
    batches = len(sums) // BATCH
    batch_sums = sums[:batches * BATCH].reshape(batches, BATCH).sum(axis=1)
    batch_counts = counts[:batches * BATCH].reshape(batches, BATCH).sum(axis=1)
    observed = batch_counts > 0
    means = np.where(observed, batch_sums / np.where(observed, batch_counts, 1), np.nan)
    best, best_value = 0, np.inf
    for start in range(batches // 2 + 1):
        rest = means[start:][observed[start:]]
        if len(rest) < 2:
            break
        value = float(np.sum((rest - rest.mean()) ** 2)) / len(rest) ** 2
        if value < best_value - 1e-15:
            best, best_value = start, value
    return best * BATCH


def with_warmup(scenario: Scenario, minutes: float) -> Scenario:
    """The scenario with its warm-up set to ``minutes`` (still marked as chosen automatically)."""
    return dataclasses.replace(scenario, clock=dataclasses.replace(scenario.clock, warmup=minutes))


def choose_warmup(scenarios: list[Scenario], jobs=1, progress: Callable[[int], None] | None = None) -> float:
    """Run every replication of ``scenarios`` once as a pilot and return the MSER-5 truncation point,
    minutes: the largest over the scenarios, so that compared scenarios leave out the same start."""
    from simulator.executors import run_tasks

    tasks = [(scenario, r, False, True) for scenario in scenarios for r in range(scenario.replications)]
    outputs = run_tasks(tasks, jobs, progress)
    chosen = 0.0
    start = 0
    for scenario in scenarios:
        mine = outputs[start:start + scenario.replications]
        start += scenario.replications
        sums = np.sum([output.series[0] for output in mine], axis=0)
        counts = np.sum([output.series[1] for output in mine], axis=0)
        chosen = max(chosen, mser5(sums, counts) * scenario.clock.horizon / BINS)
    return chosen
