"""Branches: a step (a menu, triage) sends each contact on to one of several processes by shares."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.experiment import run_scenario
from simulator.capacity import offered_load
from simulator.errors import ScenarioError
from simulator.model.customers import Customers, draw_customers, step_index
from simulator.model.roster import build_roster
from simulator.model.system import ServiceSystem
from simulator.queueing import mmc_mean_wait, mmc_priority_waits, mmc_service_level
from simulator.randomness import Streams
from simulator.replication import tables_of
from simulator.scenario import load_scenario
from simulator.scenario.resolve import resolved_document
from simulator.trace import trace_scenario
from tests.conftest import SCENARIOS, assert_in_ci, build

VALIDATION = SCENARIOS / "validation"


def menu(shares: dict | None = None, **choose) -> dict:
    return {
        "name": "menu", "clock": {"horizon": 600}, "seed": 4, "channels": {"phone": {}},
        "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": 300}, "process": "menu"}},
        "processes": {
            "menu": {"steps": [{"name": "choose", "automation": "ivr", "duration": 0.5,
                                "branch": shares or {"billing": 0.6, "cards": 0.4}, **choose}]},
            "billing": {"steps": [{"name": "talk", "skill": "billing", "duration": {"exponential": {"mean": 4}}},
                                  {"name": "note", "skill": "billing", "duration": 1, "probability": 0.5}]},
            "cards": {"steps": [{"name": "talk", "skill": "cards", "duration": {"exponential": {"mean": 3}}}]},
        },
        "automation": {"ivr": {"capacity": 100}},
        "staff": {"billing_team": {"headcount": 14, "skills": {"billing": 3}},
                  "cards_team": {"headcount": 8, "skills": {"cards": 3}}},
    }


def test_every_contact_goes_through_the_menu_then_exactly_one_branch_in_its_share():
    scenario = build(menu())
    numbers = step_index(scenario)
    choose, billing, note, cards = (numbers[k] for k in (("menu", "choose"), ("billing", "talk"),
                                                        ("billing", "note"), ("cards", "talk")))
    routes = draw_customers(scenario, Streams(5)).routes[:]
    steps = [[entry[0] for entry in route] for route in routes]
    assert all(route[0] == choose for route in steps)
    assert all(route[1:] in ([billing], [billing, note], [cards]) for route in steps)
    to_billing = sum(route[1] == billing for route in steps)
    count = len(steps)
    assert abs(to_billing / count - 0.6) <= 4 * math.sqrt(0.6 * 0.4 / count)
    # the note is done by about half of billing's contacts, nobody else's
    notes = sum(note in route for route in steps)
    assert abs(notes / to_billing - 0.5) <= 4 * math.sqrt(0.25 / to_billing)


def test_other_shares_meet_the_same_customers():
    """Common random numbers: the menu's work and each branch's draws do not depend on the shares."""
    a = draw_customers(build(menu({"billing": 0.6, "cards": 0.4})), Streams(5))
    b = draw_customers(build(menu({"billing": 0.3, "cards": 0.7})), Streams(5))
    assert np.array_equal(a.arrived_at, b.arrived_at)
    assert [route[0] for route in a.routes[:]] == [route[0] for route in b.routes[:]]
    work_a = [column.work for column in a.routes.blocks[0]]
    work_b = [column.work for column in b.routes.blocks[0]]
    assert all(np.array_equal(x, y) for x, y in zip(work_a, work_b))


def test_offered_load_follows_the_branches():
    load = offered_load(build(menu()))
    per_minute = 5.0
    assert math.isclose(load["billing"][0], per_minute * 0.6 * (4 + 0.5 * 1))
    assert math.isclose(load["cards"][0], per_minute * 0.4 * 3)
    assert math.isclose(load["automation:ivr"][0], per_minute * 0.5)


def test_a_menu_that_resolves_some_calls_sends_on_only_the_rest():
    mapping = menu(containment=0.2)
    load = offered_load(build(mapping))
    assert math.isclose(load["cards"][0], 5.0 * 0.8 * 0.4 * 3)


def test_the_trace_says_where_each_contact_goes_on():
    lines = trace_scenario(build(menu()), contacts=6).lines()
    branched = [line for line in lines if "choose: goes on to" in line]
    assert len(branched) == 6
    assert {line.rsplit(" ", 1)[1] for line in branched} <= {"billing", "cards"}


@pytest.mark.parametrize("change, message", [
    ({"branch": {"billing": 0.6, "cards": 0.3}}, "the shares must add up to 1"),
    ({"branch": {"billing": 0.6, "loans": 0.4}}, "loans: names no process"),
    ({"branch": {"billing": 1.2, "cards": -0.2}}, "cards: must be a number > 0"),
    ({"branch": "billing"}, "must be a mapping of process names to shares"),
])
def test_bad_branches_are_refused_with_their_place(change, message):
    mapping = menu()
    mapping["processes"]["menu"]["steps"][0].update(change)
    with pytest.raises(ScenarioError, match=message):
        build(mapping)


def test_only_the_last_step_branches_and_branches_never_go_round_in_a_circle():
    mapping = menu()
    mapping["processes"]["menu"]["steps"].append({"name": "bye", "automation": "ivr", "duration": 0.1})
    with pytest.raises(ScenarioError, match="only the last step of a process can branch"):
        build(mapping)
    mapping = menu()
    mapping["processes"]["cards"]["steps"][0]["branch"] = {"menu": 1.0}
    with pytest.raises(ScenarioError, match=r"circle \(menu -> cards -> menu\)|circle \(cards -> menu -> cards\)"):
        build(mapping)


@pytest.mark.slow   # a long statistical check: pytest -m slow (.ci/run runs it)
def test_a_menu_branching_to_two_mmc_queues_gives_each_its_erlang_c():
    result = run_scenario(load_scenario(VALIDATION / "menu_branches.yaml"))
    assert_in_ci(result.kpi("queue_time_mean", "step:billing.talk"), mmc_mean_wait(3.0, 0.25, 14))
    assert_in_ci(result.kpi("queue_time_mean", "step:cards.talk"), mmc_mean_wait(2.0, 1 / 3, 8))
    assert_in_ci(result.kpi("service_level", "step:billing.talk"), mmc_service_level(3.0, 0.25, 14, 20 / 60))
    assert_in_ci(result.kpi("service_level", "step:cards.talk"), mmc_service_level(2.0, 1 / 3, 8, 20 / 60))
    assert_in_ci(result.kpi("utilisation", "pool:billing_team"), 12 / 14)


# -- triage: a branch that moves contacts to another segment -----------------------------------------

def triage(**change) -> dict:
    """A fast menu grades 30% of calls urgent on their way to one care team (M/M/5, 80% busy)."""
    mapping = load_scenario(VALIDATION / "triage_priority.yaml")
    return {**resolved_document(mapping), **change}


def test_triage_grades_its_share_urgent_and_only_from_the_branch_on():
    scenario = build(triage())
    customers = draw_customers(scenario, Streams(3))
    numbers = step_index(scenario)
    care = numbers[("care", "talk")]
    count = len(customers)
    urgent = len(customers.regrades)
    assert abs(urgent / count - 0.3) <= 4 * math.sqrt(0.3 * 0.7 / count)
    assert all(changes == [(frozenset({care}), 0)] for changes in customers.regrades.values())
    assert set(customers.segment.tolist()) == {1}   # everyone arrives routine


def test_an_urgent_contact_is_served_before_routine_ones_who_came_earlier_and_reported_urgent():
    """One care agent, 10-minute calls: #0 (routine) is served at once; #1 (routine, at 1) and #2 (graded
    urgent on its way, at 2) wait; at 10 the agent takes #2 first, then #1 at 20."""
    mapping = triage(staff={"care_team": {"headcount": 1, "skills": {"care": 3}}})
    scenario = build(mapping)
    numbers = step_index(scenario)
    menu_step, care = numbers[("menu", "triage")], numbers[("care", "talk")]
    people = Customers([0.0, 1.0, 2.0], np.zeros(3, dtype=np.int64), np.ones(3, dtype=np.int64), [math.inf] * 3,
                       [[(menu_step, 0.0, 1.0, 1.0), (care, 10.0, 1.0, 1.0)] for _ in range(3)],
                       regrades={2: [(frozenset({care}), 0)]})
    system = ServiceSystem(scenario, people, build_roster(scenario, Streams(0)), Streams(0))
    records = system.run()
    care_starts = [(int(row[0]), row[4]) for row in records.rows("services") if int(row[1]) == care]
    assert care_starts == [(0, 0.0), (2, 10.0), (1, 20.0)]
    assert tables_of(system).segment.tolist() == [1, 1, 0]


def test_the_trace_says_who_triage_graded_urgent():
    lines = trace_scenario(build(triage()), contacts=40).lines()
    graded = [line for line in lines if "triage: goes on to care" in line]
    assert len(graded) == 40
    assert 3 <= sum(line.endswith("care as urgent") for line in graded) <= 25


def test_a_resolved_triage_scenario_reads_back_the_same():
    scenario = build(triage())
    assert build(resolved_document(scenario)).processes == scenario.processes


@pytest.mark.parametrize("branch, message", [
    ([{"to": "care", "share": 0.3, "segment": "vip"}, {"to": "care", "share": 0.7}], "0.segment: names no segment"),
    ([{"share": 0.3, "segment": "urgent"}, {"to": "care", "share": 0.7}], "0.to: is required"),
    ([{"to": "cure", "share": 1.0}], "0.to: names no process"),
    ([{"to": "care", "share": 0.5}, {"to": "care", "share": 0.5}], "lists the same process"),
    ({"care": {"share": 1.0, "segment": "urgent", "grade": 1}}, "care.grade: unknown key"),
    ([], "needs at least one way on"),
])
def test_bad_triage_branches_are_refused_with_their_place(branch, message):
    mapping = triage()
    mapping["processes"]["menu"]["steps"][0]["branch"] = branch
    with pytest.raises(ScenarioError, match=message):
        build(mapping)


@pytest.mark.slow   # a long statistical check: pytest -m slow (.ci/run runs it)
def test_triage_into_one_mmc_queue_gives_each_grade_cobhams_priority_wait():
    result = run_scenario(load_scenario(VALIDATION / "triage_priority.yaml"))
    urgent, routine = mmc_priority_waits([0.3, 0.7], 0.25, 5)
    assert_in_ci(result.kpi("wait_mean", "segment:urgent"), urgent)
    assert_in_ci(result.kpi("wait_mean", "segment:routine"), routine)
    assert_in_ci(result.kpi("wait_mean", "all"), mmc_mean_wait(1.0, 0.25, 5))
    assert urgent < 0.25 * routine   # the priority matters: a test that can fail
