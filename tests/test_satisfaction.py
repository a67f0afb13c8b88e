"""The satisfaction proxy: hand-computed scores for known contacts, and its settings."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.experiment import run_scenario
from simulator.metrics.compute import satisfaction_scores
from simulator.metrics.tables import build_tables
from simulator.model.customers import Customers
from simulator.model.roster import build_roster
from simulator.model.system import ServiceSystem
from simulator.randomness import Streams
from tests.conftest import build


def one_agent(level: int, satisfaction: dict | None = None) -> dict:
    mapping = {
        "name": "feel", "clock": {"horizon": 60},
        "channels": {"phone": {"patience": {"exponential": {"mean": 3}}}},
        "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": 1}, "process": "serve"}},
        "processes": {"serve": {"steps": [{"name": "talk", "skill": "s", "duration": 2}]}},
        "staff": {"agents": {"headcount": 1, "skills": {"s": level}}},
        "satisfaction": satisfaction or {"tolerance": {"phone": "1min"}},
    }
    return mapping


def scores(mapping: dict, arrivals, patience, errors=None) -> np.ndarray:
    scenario = build(mapping)
    count = len(arrivals)
    error_draws = errors or [1.0] * count
    people = Customers(list(arrivals), np.zeros(count, dtype=np.int64), np.zeros(count, dtype=np.int64),
                       list(patience), [[(0, 2.0, e, 1.0)] for e in error_draws])
    roster = build_roster(scenario, Streams(0))
    model = ServiceSystem(scenario, people, roster, Streams(0))
    recorder = model.run()
    agents = model.agents
    tables = build_tables(recorder, people.arrived_at, people.demand, people.segment, np.array([0]),
                          np.array([a.pool for a in agents]), np.array([a.levels for a in agents]),
                          np.array(model.step_resource), 1, roster)
    return satisfaction_scores(tables, scenario)


def test_scores_by_hand():
    """Level 5 agent (speed 1.3: a 2-minute call takes 2/1.3 min). Contact 0 waits 0: R=1, L=1, A=1 -> 5.
    Contact 1 arrives at 0 too and waits 2/1.3 = 1.538 min with tolerance 1: R = 1 - 0.538/2 = 0.731,
    score = 1 + 4 (0.4 x 0.731 + 0.4 + 0.2) = 4.569. Contact 2 gives up after 0.5 min: 1.0."""
    result = scores(one_agent(5), [0.0, 0.0, 0.1], [math.inf, math.inf, 0.5])
    wait = 2 / 1.3
    assert result[0] == pytest.approx(5.0)
    assert result[1] == pytest.approx(1 + 4 * (0.4 * (1 - (wait - 1) / 2) + 0.4 + 0.2))
    assert result[2] == pytest.approx(1.0)


def test_an_error_that_reaches_the_customer_costs_reliability_and_level_sets_assurance():
    mapping = one_agent(1)
    mapping["processes"]["serve"]["steps"][0]["error_rate"] = 0.2   # level 1: x2 = 0.4
    result = scores(mapping, [0.0, 30.0], [math.inf, math.inf], errors=[0.1, 0.9])
    assert result[0] == pytest.approx(1 + 4 * (0.4 * 1 + 0.4 * 0 + 0.2 * 0))   # error, level 1
    assert result[1] == pytest.approx(1 + 4 * (0.4 * 1 + 0.4 * 1 + 0.2 * 0))


def test_weights_and_abandoned_score_are_settings():
    feel = {"tolerance": {"phone": "1min"}, "weights": {"responsiveness": 1, "reliability": 0, "assurance": 0},
            "abandoned": 2}
    result = scores(one_agent(3, feel), [0.0, 0.0, 0.1], [math.inf, math.inf, 0.5])
    assert result[0] == pytest.approx(5.0)
    assert result[1] == pytest.approx(1 + 4 * (1 - (2 - 1) / 2))
    assert result[2] == pytest.approx(2.0)


def test_satisfaction_kpis_are_reported_with_confidence_intervals():
    result = run_scenario(build({**one_agent(3), "clock": {"horizon": 600}, "replications": 5}))
    mean = result.kpi("satisfaction_mean")
    assert 1 <= mean["ci_low"] <= mean["mean"] <= mean["ci_high"] <= 5
    assert 0 <= result.kpi("satisfied_share")["mean"] <= 1
