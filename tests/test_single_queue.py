"""The one-line recursion (simulator.model.single_queue) against the event engine: the same records,
row for row, on random systems of every kind the recursion takes; and only on those."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.model.customers import draw_customers
from simulator.model.roster import build_roster
from simulator.model.single_queue import single_resource
from simulator.model.system import ServiceSystem
from simulator.model.training import plan_training
from simulator.randomness import Streams
from tests.conftest import build

RECORDS = ("services", "departures", "errors", "contained", "gave_up", "left_waiting", "repeats", "busy",
           "handed_back", "callbacks")


def both_engines(scenario, seed: int, monkeypatch) -> tuple[ServiceSystem, ServiceSystem]:
    """The same replication run by the recursion and by the event loop (SERVICESIM_ENGINE=events)."""
    systems = []
    for engine in ("", "events"):
        monkeypatch.setenv("SERVICESIM_ENGINE", engine)
        streams = Streams(seed)
        customers = draw_customers(scenario, streams)
        training = plan_training(scenario, streams)
        system = ServiceSystem(scenario, customers, build_roster(scenario, streams, training.off_floor), streams,
                               training.levels)
        system.run()
        systems.append(system)
    return systems[0], systems[1]


def assert_same_records(fast: ServiceSystem, events: ServiceSystem) -> None:
    for name in RECORDS:
        assert fast.recorder.rows(name) == events.recorder.rows(name), name


@st.composite
def one_line(draw) -> dict:
    """A random system the recursion takes: shifts, breaks, absences, patience, fixed or random
    durations, skipped steps, errors that reach the customer, pools at different speeds, bots,
    an initial backlog, two streams and segments of one priority."""
    bots = draw(st.booleans())
    duration = draw(st.sampled_from([{"exponential": {"mean": 4}}, 3, {"lognormal": {"mean": 4, "sd": 6}}]))
    step = {"name": "serve", "duration": duration, "probability": draw(st.sampled_from([1.0, 0.8])),
            "error_rate": draw(st.sampled_from([0.0, 0.1]))}
    step.update({"automation": "bot"} if bots else {"skill": "s"})
    if bots:
        step.pop("error_rate")
    shifts = draw(st.booleans())
    pools = {}
    for number in range(draw(st.integers(1, 2))):
        pool = {"skills": {"s": draw(st.integers(1, 5))}}
        if shifts:
            start = draw(st.integers(0, 3)) * 30
            pool["shifts"] = [{"start": start, "end": min(start + draw(st.integers(2, 6)) * 30, 240),
                               "count": draw(st.integers(1, 3))}]
            pool["breaks"] = [{"after": 60, "length": draw(st.sampled_from([10, 15])), "stagger": 5}]
            pool["shrinkage"] = draw(st.sampled_from([0.0, 0.3]))
        else:
            pool["headcount"] = draw(st.integers(1, 4))
        pools[f"pool{number}"] = pool
    channel = {"patience": {"exponential": {"mean": draw(st.sampled_from([2, 10]))}}} if draw(st.booleans()) else {}
    demand = {"calls": {"channel": "phone", "arrivals": {"per_hour": draw(st.sampled_from([20, 60]))},
                        "process": "work", "backlog": draw(st.sampled_from([0, 5]))}}
    if draw(st.booleans()):
        demand["web"] = {"channel": "phone", "arrivals": {"per_hour": 15}, "process": "work"}
    mapping = {
        "name": "one line", "clock": {"horizon": 240, "interval": 60}, "seed": 3,
        "channels": {"phone": channel}, "demand": demand,
        "processes": {"work": {"steps": [step]}}, "staff": pools,
        "segments": {"a": {"share": 0.5, "priority": 1}, "b": {"share": 0.5, "priority": 1}},
    }
    if bots:
        mapping["automation"] = {"bot": {"capacity": draw(st.integers(1, 3))}}
    return mapping


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mapping=one_line(), seed=st.integers(0, 2**16))
def test_the_recursion_writes_the_event_engines_records(mapping, seed, monkeypatch):
    scenario = build(mapping)
    fast, events = both_engines(scenario, seed, monkeypatch)
    monkeypatch.setenv("SERVICESIM_ENGINE", "")
    assert single_resource(fast) is not None
    assert_same_records(fast, events)


def test_ties_follow_simpys_order(monkeypatch):
    """Three agents start together at 30 and serve fixed 5-minute calls to a queue that built up before:
    they finish together again and again; who takes which call is SimPy's order (time, then scheduling)."""
    scenario = build({
        "name": "ties", "clock": {"horizon": 120}, "seed": 1, "channels": {"phone": {}},
        "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": 40}, "process": "work", "backlog": 6}},
        "processes": {"work": {"steps": [{"name": "talk", "skill": "s", "duration": 5}]}},
        "staff": {"late": {"shifts": [{"start": 30, "end": 120, "count": 3}], "skills": {"s": 3}}},
    })
    fast, events = both_engines(scenario, 4, monkeypatch)
    starts = [service[4] for service in fast.recorder.rows("services")]
    assert starts[:3] == [30.0, 30.0, 30.0] and starts[3:6] == [35.0, 35.0, 35.0]
    assert_same_records(fast, events)


def test_agents_free_at_the_same_moment_take_work_in_the_order_their_services_were_scheduled(monkeypatch):
    """A fast agent (speed 2) and a slow one, 4-minute jobs, a queue from the start. The fast one serves
    #0 (0-2) and #2 (2-4); the slow one #1 (0-4). At 4 both are free: the slow one's service was scheduled
    first (at 0, the fast one's at 2), so SimPy ends it first and the slow agent takes #3, the fast one #4."""
    scenario = build({
        "name": "same moment", "clock": {"horizon": 30}, "channels": {"phone": {}},
        "skill_levels": {5: {"speed": 2.0}},
        "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": 1}, "process": "work", "backlog": 8}},
        "processes": {"work": {"steps": [{"name": "talk", "skill": "s", "duration": 4}]}},
        "staff": {"fast": {"headcount": 1, "skills": {"s": 5}}, "slow": {"headcount": 1, "skills": {"s": 3}}},
    })
    fast, events = both_engines(scenario, 2, monkeypatch)
    by_contact = {int(row[0]): int(row[2]) for row in fast.recorder.rows("services")}
    assert [by_contact[c] for c in range(5)] == [0, 1, 0, 1, 0]
    assert_same_records(fast, events)


@pytest.mark.parametrize("change", [
    {"segments": {"vip": {"share": 0.2, "priority": 0}, "rest": {"share": 0.8, "priority": 1}}},
    {"processes": {"serve": {"steps": [{"name": "talk", "skill": "s", "duration": 2},
                                       {"name": "note", "skill": "s", "duration": 1}]}}},
    {"processes": {"serve": {"steps": [{"name": "talk", "skill": "s", "duration": 2, "error_rate": 0.1,
                                        "on_error": {"recontact_after": 60}}]}}},
    {"channels": {"phone": {"patience": {"exponential": {"mean": 2}}, "retrial": {
        "share": 0.5, "after": {"exponential": {"mean": 5}}}}}},
    {"channels": {"phone": {"concurrency": 2}}},
    {"routing": "most_skilled", "staff": {"a": {"headcount": 1, "skills": {"s": 2}},
                                          "b": {"headcount": 1, "skills": {"s": 4}}}},
])
def test_systems_that_are_not_one_line_run_on_events(change):
    mapping = {
        "name": "not one line", "clock": {"horizon": 60}, "channels": {"phone": {}},
        "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": 10}, "process": "serve"}},
        "processes": {"serve": {"steps": [{"name": "talk", "skill": "s", "duration": 2}]}},
        "staff": {"agents": {"headcount": 2, "skills": {"s": 3}}},
    }
    mapping.update(change)
    scenario = build(mapping)
    streams = Streams(0)
    system = ServiceSystem(scenario, draw_customers(scenario, streams), build_roster(scenario, streams), streams)
    assert single_resource(system) is None


def test_a_long_erlang_a_run_is_the_same_on_both_engines(monkeypatch):
    """15,000 calls of an M/M/5+M queue (test_theory checks its KPIs against Erlang A, through the
    recursion): every record the same on both engines."""
    scenario = build({
        "name": "erlang a", "clock": {"horizon": 3000}, "seed": 8,
        "channels": {"phone": {"patience": {"exponential": {"mean": 3}}}},
        "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": 300}, "process": "serve"}},
        "processes": {"serve": {"steps": [{"name": "talk", "skill": "s", "duration": {"exponential": {"mean": 1}}}]}},
        "staff": {"agents": {"headcount": 5, "skills": {"s": 3}}},
    })
    fast, events = both_engines(scenario, 11, monkeypatch)
    assert len(fast.recorder.rows("gave_up")) > 100
    assert_same_records(fast, events)
