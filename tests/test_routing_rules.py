"""Primary and secondary skills: a pool works a secondary skill only when nothing of its primary skills
waits, and (with a delay) only contacts that have waited that long: overflow. Checked against a CTMC of
the same rules solved here, and by hand."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import sparse
from scipy.sparse.linalg import spsolve

from simulator.errors import ScenarioError
from simulator.experiment import run_scenario
from simulator.model.customers import Customers
from simulator.model.roster import build_roster
from simulator.model.system import ServiceSystem
from simulator.randomness import Streams
from tests.conftest import assert_in_ci, build


def two_skills(secondary: dict | None, headcount_x: int = 1, horizon: float = 20000, **extra) -> dict:
    warmup = min(500, horizon / 10)
    engineers = {"headcount": 1, "skills": {"b": 3, "a": 3}}
    if secondary is not None:
        engineers["secondary"] = secondary
    return {
        "name": "two skills", "clock": {"horizon": horizon, "warmup": warmup, "interval": horizon}, "seed": 41,
        "replications": 20, "channels": {"phone": {}},
        "demand": {"calls_a": {"channel": "phone", "arrivals": {"per_hour": 48}, "process": "pa"},
                   "calls_b": {"channel": "phone", "arrivals": {"per_hour": 30}, "process": "pb"}},
        "processes": {"pa": {"steps": [{"name": "serve", "skill": "a", "duration": {"exponential": {"mean": 1}}}]},
                      "pb": {"steps": [{"name": "serve", "skill": "b", "duration": {"exponential": {"mean": 1}}}]}},
        "staff": {"desk": {"headcount": headcount_x, "skills": {"a": 3}}, "engineers": engineers},
        **extra,
    }


def ctmc_queue_lengths(arrival_a: float, arrival_b: float, service: float, cap: int = 60) -> tuple[float, float]:
    """Mean queue lengths of A and B for one desk agent (A only) and one engineer (B primary, A secondary
    at once): state (desk busy, engineer idle/on A/on B, A waiting, B waiting), solved exactly."""
    states = [(x, y, qa, qb) for x, y, qa, qb in itertools.product((0, 1), (0, 1, 2), range(cap + 1), range(cap + 1))
              if (qa == 0 or (x == 1 and y != 0)) and (qb == 0 or y != 0)]
    index = {state: k for k, state in enumerate(states)}
    rows, columns, values = [], [], []

    def move(source, target, rate):
        if target in index:
            rows.append(index[source])
            columns.append(index[target])
            values.append(rate)

    for state in states:
        x, y, qa, qb = state
        # an A call: the desk if free, else the engineer if free, else the A queue
        move(state, (1, y, qa, qb) if x == 0 else (x, 1, qa, qb) if y == 0 else (x, y, qa + 1, qb), arrival_a)
        move(state, (x, 2, qa, qb) if y == 0 else (x, y, qa, qb + 1), arrival_b)
        if x == 1:
            move(state, (1, y, qa - 1, qb) if qa else (0, y, qa, qb), service)
        if y != 0:   # the engineer: B first, then A, else idle
            move(state, (x, 2, qa, qb - 1) if qb else (x, 1, qa - 1, qb) if qa else (x, 0, qa, qb), service)
    rates = sparse.csr_matrix((values, (rows, columns)), shape=(len(states), len(states)))
    generator = (rates - sparse.diags(np.asarray(rates.sum(axis=1)).ravel())).T.tolil()
    generator[0, :] = np.ones(len(states))   # one balance equation replaced by: probabilities add up to 1
    right = np.zeros(len(states))
    right[0] = 1.0
    pi = spsolve(generator.tocsc(), right)
    return (sum(p * s[2] for p, s in zip(pi, states)), sum(p * s[3] for p, s in zip(pi, states)))


@pytest.mark.slow   # a statistical check against the exact chain: pytest -m slow (.ci/run runs it)
def test_a_secondary_skill_at_once_gives_the_ctmcs_queue_times():
    queue_a, queue_b = ctmc_queue_lengths(0.8, 0.5, 1.0)
    result = run_scenario(build(two_skills({"a": 0})))
    assert_in_ci(result.kpi("queue_time_mean", "step:pa.serve"), queue_a / 0.8)
    assert_in_ci(result.kpi("queue_time_mean", "step:pb.serve"), queue_b / 0.5)


def test_without_the_rule_the_engineer_takes_whichever_waited_longest():
    """The same system without `secondary`: B calls wait longer than with B first (the rule matters)."""
    first = run_scenario(build(two_skills({"a": 0}, horizon=4000)), replications=6)
    longest = run_scenario(build(two_skills(None, horizon=4000)), replications=6)
    assert first.value("queue_time_mean", "step:pb.serve") < longest.value("queue_time_mean", "step:pb.serve")
    assert first.value("queue_time_mean", "step:pa.serve") > longest.value("queue_time_mean", "step:pa.serve")


def timeline(secondary: dict, arrivals: list[tuple[float, int]], work: float = 10.0) -> list[tuple]:
    """Hand-made contacts (arrival, demand 0 = a, 1 = b) for one desk agent and one engineer."""
    scenario = build(two_skills(secondary, horizon=100))
    count = len(arrivals)
    steps = [0, 1]   # pa.serve, pb.serve
    people = Customers([t for t, _ in arrivals], np.array([d for _, d in arrivals], dtype=np.int64),
                       np.zeros(count, dtype=np.int64), [math.inf] * count,
                       [[(steps[d], work, 1.0, 1.0)] for _, d in arrivals])
    system = ServiceSystem(scenario, people, build_roster(scenario, Streams(0)), Streams(0))
    return [(int(row[0]), int(row[2]), row[4]) for row in system.run().rows("services")]


def test_an_a_call_overflows_to_the_engineer_once_it_has_waited_the_delay():
    """#0 (A) at 0 takes the desk; #1 (A) at 1 waits; the idle engineer takes it at 3, when it has
    waited 2 minutes; #2 (A) at 4 waits for the desk (free at 10), as the engineer is busy."""
    served = timeline({"a": 2}, [(0.0, 0), (1.0, 0), (4.0, 0)])
    assert served == [(0, 0, 0.0), (1, 1, 3.0), (2, 0, 10.0)]


def test_primary_work_first_even_when_the_secondary_call_waited_longer():
    """The engineer is busy with B #0 until 10; A #2 (at 2) waits past its delay; B #3 arrives at 5. At
    10 the engineer takes B #3: primary work first, although A #2 has waited longer."""
    served = timeline({"a": 1}, [(0.0, 1), (1.0, 0), (2.0, 0), (5.0, 1)])
    assert (3, 1, 10.0) in served and (2, 0, 11.0) in served


@pytest.mark.parametrize("secondary, message", [
    ({"c": 0}, "secondary.c: is not a skill of the pool"),
    ({"a": 0, "b": 0}, "leaves the pool no primary skill"),
    ({"a": "soon"}, "secondary.a: must be a duration"),
])
def test_bad_secondary_skills_are_refused(secondary, message):
    with pytest.raises(ScenarioError, match=message):
        build(two_skills(secondary))
