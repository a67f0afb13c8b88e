"""Chat concurrency: an agent holds up to k chats of a channel at once."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.experiment import run_scenario
from simulator.model.customers import Customers
from simulator.model.roster import build_roster
from simulator.model.system import ServiceSystem
from simulator.queueing import mmc_mean_wait, mmc_service_level
from simulator.randomness import Streams
from tests.conftest import assert_in_ci, build, values


def chat_centre(concurrency: int, slowdown: float = 0.0, headcount: int = 4, per_hour: float = 576,
                replications: int = 30, horizon: float = 1500, warmup: float = 150) -> dict:
    return {
        "name": "chat", "clock": {"horizon": horizon, "warmup": warmup, "interval": horizon},
        "replications": replications, "seed": 41,
        "channels": {"chat": {"concurrency": concurrency, "concurrency_slowdown": slowdown},
                     "phone": {}},
        "demand": {"chats": {"channel": "chat", "arrivals": {"per_hour": per_hour}, "process": "chat"},
                   "calls": {"channel": "phone", "arrivals": {"per_hour": 0.0001}, "process": "call"}},
        "processes": {"chat": {"steps": [{"name": "chat", "skill": "chat", "duration": {"exponential": {"mean": 1}}}]},
                      "call": {"steps": [{"name": "call", "skill": "general", "duration": 3}]}},
        "staff": {"agents": {"headcount": headcount, "skills": {"chat": 3, "general": 3}}},
        "service_level": {"within": "20s"},
    }


@pytest.mark.slow   # a long statistical or end-to-end check: pytest -m slow (.ci/run runs it)
def test_concurrency_k_without_slowdown_is_mmc_with_c_times_k_servers():
    # 4 agents x 3 chats = 12 slots; 9.6 chats a minute of 1 minute each: load 9.6 on 12 (80%)
    result = run_scenario(build(chat_centre(3)))
    row = result.summary[(result.summary.metric == "wait_mean") & (result.summary.scope == "channel:chat")].iloc[0]
    assert_in_ci(row, mmc_mean_wait(9.6, 1.0, 12))
    level = result.summary[(result.summary.metric == "service_level") & (result.summary.scope == "channel:chat")]
    assert_in_ci(level.iloc[0], mmc_service_level(9.6, 1.0, 12, 20 / 60))
    slots = result.summary[(result.summary.metric == "slot_utilisation") & (result.summary.scope == "pool:agents")]
    assert_in_ci(slots.iloc[0], 0.8)


def system(mapping: dict, arrivals, demands, works) -> ServiceSystem:
    scenario = build(mapping)
    count = len(arrivals)
    people = Customers(list(arrivals), np.array(demands), np.zeros(count, dtype=np.int64), [math.inf] * count,
                       [[(step, work, 1.0, 1.0)] for step, work in works])
    return ServiceSystem(scenario, people, build_roster(scenario, Streams(0)), Streams(0))


def test_each_chat_already_held_slows_a_new_one_down():
    """k=2, slowdown 0.5: chat 0 at 0 (4 min alone: ends 4); chat 1 at 1 joins (4 x 1.5 = 6: ends 7);
    chat 2 at 2 waits for a slot (the agent holds 2) until 4, when it joins chat 1 (4 x 1.5: ends 10)."""
    model = system(chat_centre(2, slowdown=0.5, headcount=1), [0.0, 1.0, 2.0], [0, 0, 0], [(0, 4.0)] * 3)
    services = [(contact, start, end) for contact, _, _, _, start, end in model.run().services]
    assert services == [(0, 0.0, 4.0), (1, 1.0, 7.0), (2, 4.0, 10.0)]


def test_an_agent_holding_chats_takes_no_other_work_until_it_holds_none():
    """Chat 0 from 0 to 5; a call arrives at 1 and waits, though the agent has a free chat slot."""
    model = system(chat_centre(3, headcount=1), [0.0, 1.0], [0, 1], [(0, 5.0), (1, 2.0)])
    services = [(contact, start, end) for contact, _, _, _, start, end in model.run().services]
    assert services == [(0, 0.0, 5.0), (1, 5.0, 7.0)]


def test_utilisation_counts_an_agent_busy_while_it_holds_any_chat():
    """One agent, chats 0-4 and 1-3 (k=3): busy 4 of the 10 minutes staffed; slot time (4 + 2)/3 = 2."""
    mapping = chat_centre(3, headcount=1, horizon=10, warmup=0)
    mapping["replications"] = 1
    model = system(mapping, [0.0, 1.0], [0, 0], [(0, 4.0), (0, 2.0)])
    recorder = model.run()
    assert recorder.busy == [(0, 0.0, 4.0)]
    from simulator.metrics.compute import replication_kpis
    from simulator.metrics.tables import build_tables
    scenario = build(mapping)
    tables = build_tables(recorder, [0.0, 1.0], np.array([0, 0]), np.zeros(2, dtype=np.int64), np.array([0, 1]),
                          np.array([0]), np.array([a.levels for a in model.agents]), np.array(model.step_resource),
                          1, build_roster(scenario, Streams(0)), 0.0, np.array([3, 1]))
    kpis = values(replication_kpis(tables, scenario))
    assert kpis[("utilisation", "pool:agents")] == pytest.approx(0.4)
    assert kpis[("slot_utilisation", "pool:agents")] == pytest.approx(0.2)
