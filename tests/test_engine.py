"""The engine on small cases checked by hand, routing policies, common random numbers, reproducibility."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.experiment import run_replication, run_scenario
from simulator.model.customers import Customers
from simulator.model.roster import build_roster
from simulator.model.system import ServiceSystem
from simulator.randomness import Streams
from tests.conftest import build, single_queue


def two_segment_scenario(headcount: int = 1, routing: str = "longest_idle", pools: dict | None = None) -> dict:
    return {
        "name": "timeline",
        "clock": {"horizon": 60},
        "channels": {"phone": {}},
        "segments": {"premium": {"share": 0.5, "priority": 0}, "standard": {"share": 0.5, "priority": 1}},
        "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": 1}, "process": "serve"}},
        "processes": {"serve": {"steps": [{"name": "talk", "skill": "s", "duration": 2}]}},
        "staff": pools or {"agents": {"headcount": headcount, "skills": {"s": 3}}},
        "routing": routing,
    }


def system(scenario, people: Customers) -> ServiceSystem:
    return ServiceSystem(scenario, people, build_roster(scenario, Streams(0)), Streams(0))


def customers(arrivals, segments, patience, work) -> Customers:
    return Customers(arrived_at=list(arrivals), demand=np.zeros(len(arrivals), dtype=np.int64),
                     segment=np.array(segments, dtype=np.int64), patience=list(patience),
                     routes=[[(0, w, 1.0, 1.0)] for w in work])


def test_exact_timeline_with_priority_and_abandonment():
    """One agent, 2-minute calls. Hand-checked:

    t=0.0 #0 standard arrives, served 0-2.     t=0.5 #1 standard waits.
    t=1.0 #2 premium waits (ahead of #1).      t=1.2 #3 standard waits, patience 0.5: abandons at 1.7.
    t=2.0 #0 leaves; #2 (premium) is served 2-4 before #1, who waited longer.
    t=4.0 #2 leaves; #1 is served 4-6.         t=6.0 #1 leaves.
    """
    scenario = build(two_segment_scenario())
    model = system(scenario, customers([0.0, 0.5, 1.0, 1.2], [1, 1, 0, 1],
                                               [math.inf, math.inf, math.inf, 0.5], [2.0] * 4))
    recorder = model.run()
    assert recorder.services == [(0, 0, 0, 0.0, 0.0, 2.0), (2, 0, 0, 1.0, 2.0, 4.0), (1, 0, 0, 0.5, 4.0, 6.0)]
    # (contact, outcome 0 completed / 1 abandoned, answered_at, wait for a person, queue_time, departed_at)
    assert [(c, o, a, round(w, 9), round(q, 9), round(d, 9)) for c, o, a, w, q, d in recorder.departures] == [
        (3, 1, -1.0, -1.0, 0.5, 1.7), (0, 0, 0.0, 0.0, 0.0, 2.0), (2, 0, 2.0, 1.0, 1.0, 4.0),
        (1, 0, 4.0, 3.5, 3.5, 6.0)]
    assert recorder.gave_up == [(3, 0, 1.2)]   # contact 3 gave up waiting for step 0, which it joined at 1.2


def test_multi_step_contact_keeps_its_place_and_skips_unneeded_steps():
    mapping = two_segment_scenario(pools={"front": {"headcount": 1, "skills": {"s": 3}},
                                          "back": {"headcount": 1, "skills": {"b": 3}}})
    mapping["processes"]["serve"]["steps"].append({"name": "check", "skill": "b", "duration": 3})
    scenario = build(mapping)
    routes = [[(0, 2.0, 1.0, 1.0), (1, 3.0, 1.0, 1.0)], [(0, 2.0, 1.0, 1.0)]]   # contact 1 does not need the check
    model = system(scenario, Customers([0.0, 0.5], np.zeros(2, dtype=np.int64), np.array([1, 1]),
                                               [math.inf] * 2, routes))
    services = model.run().services
    assert services == [(0, 0, 0, 0.0, 0.0, 2.0), (1, 0, 0, 0.5, 2.0, 4.0), (0, 1, 1, 2.0, 2.0, 5.0)]


def first_server(routing: str) -> str:
    pools = {"junior": {"headcount": 1, "skills": {"s": 2}, "cost_per_hour": 20},
             "senior": {"headcount": 1, "skills": {"s": 5}, "cost_per_hour": 50},
             "expert": {"headcount": 1, "skills": {"s": 4}, "cost_per_hour": 10}}
    scenario = build(two_segment_scenario(routing=routing, pools=pools))
    model = system(scenario, customers([1.0], [0], [math.inf], [2.0]))
    agent = model.run().services[0][2]
    return model.agents[agent].name


def test_routing_policies_choose_the_agent_they_promise():
    assert first_server("longest_idle") == "junior-1"   # all idle since 0; the first became idle first
    assert first_server("most_skilled") == "senior-1"
    assert first_server("least_skilled") == "junior-1"
    assert first_server("cheapest") == "expert-1"


def test_longest_idle_agent_gets_the_next_contact():
    scenario = build(two_segment_scenario(headcount=2))
    # #0 goes to agent 0 (0-2), #1 to agent 1 (0.5-2.5); at 3.0 agent 0 has been idle longest
    model = system(scenario, customers([0.0, 0.5, 3.0], [1, 1, 1], [math.inf] * 3, [2.0] * 3))
    assert [s[2] for s in model.run().services] == [0, 1, 0]


def mmc(headcount: int, seed: int = 5, replications: int = 3) -> dict:
    return single_queue(per_hour=300, duration={"exponential": {"mean": 1}}, headcount=headcount, horizon=600,
                        warmup=0, replications=replications, seed=seed)


def test_same_seed_gives_identical_results_and_different_seed_does_not():
    first = run_scenario(build(mmc(6)))
    second = run_scenario(build(mmc(6)))
    pd.testing.assert_frame_equal(first.summary, second.summary)
    pd.testing.assert_frame_equal(first.replications, second.replications)
    other = run_scenario(build(mmc(6, seed=6)))
    assert not first.summary["mean"].equals(other.summary["mean"])


def test_a_replication_does_not_depend_on_how_many_are_run():
    few = run_scenario(build(mmc(6, replications=2)))
    many = run_scenario(build(mmc(6, replications=5)))
    head = many.replications[many.replications.replication < 2].reset_index(drop=True)
    pd.testing.assert_frame_equal(few.replications, head)


def test_common_random_numbers_same_customers_whatever_the_staffing():
    low = run_replication(build(mmc(5)), 0, keep_tables=True).tables
    high = run_replication(build(mmc(9)), 0, keep_tables=True).tables
    np.testing.assert_array_equal(low.arrived_at, high.arrived_at)
    np.testing.assert_array_equal(low.segment, high.segment)
    # with more staff, the work each contact brings is the same, and so is its service time (level 3)
    low_durations = dict(zip(low.service_contact, low.service_end - low.service_start))
    high_durations = dict(zip(high.service_contact, high.service_end - high.service_start))
    assert all(math.isclose(low_durations[c], high_durations[c]) for c in list(low_durations)[:500])


@settings(max_examples=15, deadline=None)
@given(headcount=st.integers(min_value=1, max_value=8), extra=st.integers(min_value=1, max_value=3),
       seed=st.integers(min_value=0, max_value=10_000))
def test_more_staff_never_lengthens_any_wait(headcount, extra, seed):
    """FCFS with identical agents and the same customers: adding agents cannot delay anyone."""
    mapping = single_queue(per_hour=240, duration={"exponential": {"mean": 1.5}}, headcount=headcount,
                           horizon=240, warmup=0, replications=1, seed=seed)
    fewer = run_replication(build(mapping), 0, keep_tables=True).tables
    mapping["staff"]["agents"]["headcount"] = headcount + extra
    more = run_replication(build(mapping), 0, keep_tables=True).tables
    wait_fewer = fewer.answered_at - fewer.arrived_at
    wait_more = more.answered_at - more.arrived_at
    assert np.all(wait_more <= wait_fewer + 1e-9)


def test_nobody_waits_when_there_are_more_agents_than_contacts():
    result = run_scenario(build(single_queue(per_hour=60, duration={"exponential": {"mean": 3}}, headcount=200,
                                             horizon=300, warmup=0, replications=2)))
    assert result.kpi("wait_mean")["mean"] == 0.0
    assert result.kpi("service_level")["mean"] == 1.0


def test_contacts_nobody_can_serve_stay_in_the_system_and_are_counted():
    result = run_scenario(build(single_queue(per_hour=60, duration=2, headcount=0, horizon=60, warmup=0,
                                             replications=2)))
    assert result.kpi("offered")["mean"] > 0
    assert result.kpi("answered")["mean"] == 0
    assert any(flag.kind == "unstable" for flag in result.flags)


def test_interval_table_adds_up_to_the_totals_and_staffing_matches_headcount():
    scenario = build(single_queue(per_hour=300, duration={"exponential": {"mean": 1}}, headcount=6,
                                  horizon=600, warmup=0, replications=2, interval=30))
    result = run_scenario(scenario)
    intervals = result.intervals
    offered = intervals[(intervals.metric == "offered") & (intervals.scope == "all")]
    totals = offered.groupby("replication")["value"].sum()
    kpis = result.replications[(result.replications.metric == "offered") & (result.replications.scope == "all")]
    assert totals.tolist() == kpis["value"].tolist()
    staffed = intervals[(intervals.metric == "staffed") & (intervals.scope == "pool:agents")]["value"]
    assert set(staffed) == {6.0}
    busy = intervals[(intervals.metric == "busy") & (intervals.scope == "all")]
    mean_busy = busy.groupby("replication")["value"].mean().to_numpy()
    rows = result.replications[result.replications.scope == "all"].set_index(["replication", "metric"])["value"]
    overtime = rows.xs("overtime", level="metric").to_numpy()   # serving the queue after closing
    utilisation = rows.xs("utilisation", level="metric").to_numpy()
    # busy in the opening hours (the intervals) and after closing, over paid time (opening hours + overtime)
    assert (overtime > 0).all()
    assert np.allclose((mean_busy * 600 + overtime) / (6 * 600 + overtime), utilisation)


def test_confidence_intervals_stay_within_what_a_kpi_can_be():
    from simulator.analysis import clip_to_range, summarise
    values = pd.DataFrame({"metric": ["backlog_end"] * 3 + ["service_level"] * 3, "scope": "all",
                           "value": [0.0, 0.0, 3.0, 1.0, 1.0, 0.9]})
    summary = clip_to_range(summarise(values, ["metric", "scope"])).set_index("metric")
    assert summary.loc["backlog_end", "ci_low"] == 0.0 and summary.loc["backlog_end", "ci_high"] > 3.0
    assert summary.loc["service_level", "ci_high"] == 1.0 and summary.loc["service_level", "ci_low"] < 0.9
    # a share at 100% in every replication, a hair above it by rounding: its interval is [1, 1], not [1 + e, 1]
    full = pd.DataFrame({"metric": "occupancy_peak", "scope": "all", "value": [1.0 + 3e-13] * 3})
    low, high = clip_to_range(summarise(full, ["metric", "scope"]))[["ci_low", "ci_high"]].iloc[0]
    assert low == high == 1.0


def test_records_compacted_every_few_customers_are_the_records_kept_as_tuples(monkeypatch):
    """The event engine turns its services and departures into float blocks every batch of customers
    (memory: a tuple of six numbers is four times their size); the tables are the same, row for row."""
    import simulator.model.system as model
    from simulator.replication import tables_of

    mapping = two_segment_scenario(headcount=3)
    mapping["clock"] = {"horizon": 200}
    scenario = build(mapping)

    def tables():
        people = customers(list(np.cumsum(np.full(200, 0.7))), [k % 2 for k in range(200)], [4.0] * 200,
                           [1.5 + (k % 5) for k in range(200)])
        run = system(scenario, people)
        run.run()
        return tables_of(run)

    kept = tables()
    monkeypatch.setattr(model, "COMPACT_EVERY", 8)
    compacted = tables()
    assert len(kept.service_start) > 100 and (kept.outcome == 1).any()   # served and abandoned alike
    for name in ("service_contact", "service_agent", "service_start", "service_end", "departed_at", "outcome",
                 "answered_at", "queue_time"):
        np.testing.assert_array_equal(getattr(compacted, name), getattr(kept, name), err_msg=name)
