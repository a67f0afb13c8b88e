"""Seeds and random streams: no global state, one stream per source of randomness.

A replication's seed is derived from the scenario's seed and the replication's
number only, so replication 7 is the same whether 10 or 100 are run, and whatever
process runs it. Inside a replication each source of randomness (a demand
stream's arrivals, a step's durations, patience, ...) has its own generator,
keyed by a stable name rather than by position: adding a demand stream or a pool
to a scenario does not shift the numbers any other stream sees (common random
numbers between scenarios).
"""

from __future__ import annotations

import zlib

import numpy as np


def replication_seed(scenario_seed: int, replication: int) -> int:
    """The 63-bit seed of one replication; running with it alone reproduces that replication."""
    sequence = np.random.SeedSequence(scenario_seed, spawn_key=(replication,))
    return int(sequence.generate_state(1, np.uint64)[0] >> np.uint64(1))


class Streams:
    """Named, independent generators for one replication."""

    def __init__(self, seed: int):
        self.seed = seed

    def generator(self, name: str) -> np.random.Generator:
        """The generator for the source of randomness called ``name`` (e.g. ``demand/calls/arrivals``)."""
        key = zlib.crc32(name.encode("utf-8"))
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=(key,))))
