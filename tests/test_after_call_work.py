"""After-call work (wrap-up): the agent stays busy after the customer has moved on."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.capacity import offered_load
from simulator.errors import ScenarioError
from simulator.experiment import run_scenario
from simulator.model.customers import Customers
from simulator.model.roster import build_roster
from simulator.model.system import ServiceSystem
from simulator.queueing import mg1_mean_wait
from simulator.randomness import Streams
from tests.conftest import assert_in_ci, build, single_queue


def one_agent(wrap_up=2, talk=3) -> dict:
    mapping = single_queue(per_hour=6, duration=talk, headcount=1, horizon=60, warmup=0, replications=2)
    mapping["processes"]["serve"]["steps"][0]["after_call_work"] = wrap_up
    return mapping


def test_the_customer_leaves_after_the_talk_and_the_next_waits_for_the_wrap_up_by_hand():
    """Talk 3, wrap-up 2: #0 talks 0-3 and leaves at 3; the agent wraps up 3-5; #1 (at 1) is served at 5."""
    scenario = build(one_agent())
    people = Customers([0.0, 1.0], np.zeros(2, dtype=np.int64), np.zeros(2, dtype=np.int64), [math.inf] * 2,
                       [[(0, 3.0, 1.0, 1.0)], [(0, 3.0, 1.0, 1.0)]])
    recorder = ServiceSystem(scenario, people, build_roster(scenario, Streams(0)), Streams(0)).run()
    assert [(row[0], row[4], row[5]) for row in recorder.rows("services")] == [(0, 0.0, 3.0), (1, 5.0, 8.0)]
    assert [row[5] for row in recorder.rows("departures")] == [3.0, 8.0]
    assert recorder.rows("wrap_up") == [(0, 3.0, 5.0, 0), (0, 8.0, 10.0, 0)]


def test_handling_time_counts_the_wrap_up_and_time_in_system_does_not():
    result = run_scenario(build(one_agent()), replications=3)
    assert math.isclose(result.value("handle_time_mean", "step:serve.talk"), 5.0)
    assert math.isclose(result.value("after_call_work_mean", "step:serve.talk"), 2.0)
    assert result.value("time_served_mean") == pytest.approx(3.0)
    assert offered_load(build(one_agent()))["s"][0] == pytest.approx(6 / 60 * 5)


@pytest.mark.slow   # a statistical check against the exact value: pytest -m slow (.ci/run runs it)
def test_an_mg1_whose_service_is_talk_plus_wrap_up_gives_pollaczek_khinchine():
    """Exponential talk (mean 0.7) and a fixed 0.3-minute wrap-up at 0.7 calls a minute: the agent's
    service has mean 1 and second moment 0.7^2 + 1^2; the caller waits for the whole of it."""
    mapping = single_queue(per_hour=42, duration={"exponential": {"mean": 0.7}}, headcount=1, horizon=6000,
                           warmup=600, replications=30, seed=51)
    mapping["processes"]["serve"]["steps"][0]["after_call_work"] = 0.3
    result = run_scenario(build(mapping))
    assert_in_ci(result.kpi("wait_mean"), mg1_mean_wait(0.7, 1.0, 0.7 ** 2 + 1.0))
    assert_in_ci(result.kpi("utilisation"), 0.7)


def test_after_call_work_is_for_people():
    mapping = one_agent()
    mapping["processes"]["serve"]["steps"][0] = {"name": "bot", "automation": "ivr", "duration": 1,
                                                 "after_call_work": 1}
    mapping["automation"] = {"ivr": {"capacity": 2}}
    with pytest.raises(ScenarioError, match="after_call_work: applies to steps done by people"):
        build(mapping)
