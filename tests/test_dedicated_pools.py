"""Pools dedicated to segments: a pool with ``segments: [...]`` serves those segments' contacts and no
other; the rest of the staff serves everyone. Checked by a hand-made timeline, by two dedicated pools
that make two independent M/M/c queues (each its Erlang C), and by refusals of what cannot work."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.errors import ScenarioError
from simulator.experiment import run_scenario
from simulator.model.customers import Customers
from simulator.model.roster import build_roster
from simulator.model.system import ServiceSystem
from simulator.queueing import mmc_mean_wait
from simulator.randomness import Streams
from simulator.scenario import load_variants
from simulator.scenario.resolve import resolved_document
from simulator.trace import trace_scenario
from tests.conftest import SCENARIOS, assert_in_ci, build


def desks(premium_desk: dict, general: dict | None = None, horizon: float = 3000, **extra) -> dict:
    """Premium (30%) and standard (70%) callers, 4-minute calls, 1.5 a minute; a premium desk and a
    general team."""
    return {
        "name": "dedicated", "clock": {"horizon": horizon, "warmup": horizon / 10, "interval": horizon},
        "seed": 8, "replications": 20, "channels": {"phone": {}},
        "segments": {"premium": {"share": 0.3}, "standard": {"share": 0.7}},
        "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": 90}, "process": "call"}},
        "processes": {"call": {"steps": [{"name": "talk", "skill": "phone",
                                          "duration": {"exponential": {"mean": 4}}}]}},
        "staff": {"premium_desk": premium_desk,
                  "general": general or {"headcount": 6, "skills": {"phone": 3}}},
        **extra,
    }


def timeline(arrivals: list[tuple[float, int]], work: float = 10.0) -> list[tuple[int, int, float]]:
    """(contact, agent, start) of hand-made calls (arrival, segment 0 = premium, 1 = standard) for a
    premium desk of one and a general team of one."""
    scenario = build(desks({"headcount": 1, "skills": {"phone": 3}, "segments": ["premium"]},
                           {"headcount": 1, "skills": {"phone": 3}}, horizon=100))
    count = len(arrivals)
    people = Customers([t for t, _ in arrivals], np.zeros(count, dtype=np.int64),
                       np.array([s for _, s in arrivals], dtype=np.int64), [math.inf] * count,
                       [[(0, work, 1.0, 1.0)] for _ in arrivals])
    system = ServiceSystem(scenario, people, build_roster(scenario, Streams(0)), Streams(0))
    return [(int(row[0]), int(row[2]), row[4]) for row in system.run().rows("services")]


def test_the_premium_desk_serves_only_premium_callers_and_the_general_team_serves_everyone():
    """#0 (standard) at 0 goes to the general agent (1), though the desk (agent 0) is idle; #1
    (standard) at 1 waits; #2 (premium) at 2 goes to the desk at once; #3 (premium) at 3 waits for the
    first free agent who may serve it. The general agent, free at 10, serves both segments at the same
    priority, so it takes #1, who came first; the desk, free at 12, takes #3."""
    served = timeline([(0.0, 1), (1.0, 1), (2.0, 0), (3.0, 0)])
    assert served == [(0, 1, 0.0), (2, 0, 2.0), (1, 1, 10.0), (3, 0, 12.0)]


def test_a_freed_dedicated_agent_leaves_other_segments_waiting():
    """The desk (agent 0, idle longest) takes #0 (premium) at 0; #1 (standard, at 1) goes to the general
    agent; #2 (standard, at 2) waits. At 10 the desk is free but may not take #2: it becomes idle, and #2
    waits for the general agent, free at 11."""
    assert timeline([(0.0, 0), (1.0, 1), (2.0, 1)]) == [(0, 0, 0.0), (1, 1, 1.0), (2, 1, 11.0)]


def test_two_dedicated_pools_are_two_independent_erlang_c_queues():
    """Premium: 0.45 calls a minute to a desk of 3 (60% busy); standard: 1.05 a minute to 6 (70%)."""
    mapping = desks({"headcount": 3, "skills": {"phone": 3}, "segments": ["premium"]},
                    {"headcount": 6, "skills": {"phone": 3}, "segments": "standard"}, horizon=6000, seed=1)
    result = run_scenario(build(mapping), replications=30)
    assert_in_ci(result.kpi("wait_mean", "segment:premium"), mmc_mean_wait(0.45, 0.25, 3))
    assert_in_ci(result.kpi("wait_mean", "segment:standard"), mmc_mean_wait(1.05, 0.25, 6))
    assert_in_ci(result.kpi("utilisation", "pool:premium_desk"), 0.45 * 4 / 3)
    # without the dedication, the nine agents pool their work: a far shorter wait for standard callers
    pooled = run_scenario(build(desks({"headcount": 3, "skills": {"phone": 3}},
                                      {"headcount": 6, "skills": {"phone": 3}}, horizon=6000, seed=1)),
                          replications=12)
    assert pooled.value("wait_mean", "segment:standard") < 0.5 * result.value("wait_mean", "segment:standard")


def test_a_dedicated_desk_shortens_premium_waits_at_the_cost_of_standard_ones():
    shared = run_scenario(build(desks({"headcount": 1, "skills": {"phone": 3}})), replications=10)
    desk = run_scenario(build(desks({"headcount": 1, "skills": {"phone": 3}, "segments": ["premium"]})),
                        replications=10)
    assert desk.value("wait_mean", "segment:premium") < shared.value("wait_mean", "segment:premium")
    assert desk.value("wait_mean", "segment:standard") > shared.value("wait_mean", "segment:standard")


def test_triage_can_send_a_contact_to_the_team_dedicated_to_its_new_segment():
    """Every call arrives standard; a menu grades 30% premium on the way, and only they reach the desk."""
    mapping = desks({"headcount": 2, "skills": {"phone": 3}, "segments": ["premium"]},
                    {"headcount": 5, "skills": {"phone": 3}, "segments": ["standard"]}, horizon=600)
    mapping["segments"] = {"premium": {"share": 0}, "standard": {"share": 1}}
    mapping["processes"] = {
        "menu": {"steps": [{"name": "choose", "automation": "ivr", "duration": 0.2,
                            "branch": [{"to": "call", "share": 0.3, "segment": "premium"},
                                       {"to": "call", "share": 0.7}]}]},
        **mapping["processes"]}
    mapping["demand"]["calls"]["process"] = "menu"
    mapping["automation"] = {"ivr": {"capacity": 50}}
    lines = trace_scenario(build(mapping), contacts=60).lines()
    graded = {line.split()[1] for line in lines if "as premium" in line}
    desk_served = {line.split()[1] for line in lines if "(premium_desk," in line and "served by" in line}
    assert graded and desk_served and desk_served <= graded


@pytest.mark.parametrize("segments, message", [
    (["gold"], "segments: names no segment"),
    ([], "must be a segment name or a non-empty list"),
    (["premium", "premium"], "names a segment twice"),
])
def test_bad_dedications_are_refused(segments, message):
    with pytest.raises(ScenarioError, match=message):
        build(desks({"headcount": 1, "skills": {"phone": 3}, "segments": segments}))


def test_a_segment_left_without_anyone_to_serve_it_is_refused():
    with pytest.raises(ScenarioError, match="contacts of standard needing it would never be served"):
        build(desks({"headcount": 1, "skills": {"phone": 3}, "segments": ["premium"]},
                    {"headcount": 3, "skills": {"phone": 3}, "segments": ["premium"]}))


def test_the_bank_branchs_business_desk_variant_serves_business_customers_sooner_and_others_later():
    scenarios = load_variants(SCENARIOS / "bank_branch.yaml")
    baseline, desk = (run_scenario(scenarios[name], replications=6) for name in ("baseline", "business_desk"))
    assert desk.value("wait_mean", "segment:business") < 0.75 * baseline.value("wait_mean", "segment:business")
    assert desk.value("wait_mean", "segment:personal") > baseline.value("wait_mean", "segment:personal")


def test_a_resolved_scenario_keeps_its_dedicated_pools():
    scenario = build(desks({"headcount": 1, "skills": {"phone": 3}, "segments": ["premium"]}))
    assert build(resolved_document(scenario)).staff == scenario.staff
