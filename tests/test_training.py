"""Training: the share of agents asked, the same agents for a seed, time off the floor, cost and effect."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.errors import ScenarioError
from simulator.experiment import run_replication, run_scenario
from simulator.model.roster import build_roster
from simulator.model.training import plan_training
from simulator.model.customers import draw_customers
from simulator.randomness import Streams, replication_seed
from simulator.trace import trace_scenario
from tests.conftest import build, values


def trained(share: float = 0.5, off_floor: dict | None = None, replications: int = 30, seed: int = 21) -> dict:
    course = {"pool": "agents", "skill": "billing", "to_level": 5, "share": share, "cost_per_person": 400}
    if off_floor:
        course["off_floor"] = off_floor
    return {
        "name": "training", "clock": {"open": "08:00", "close": "18:00", "interval": "1h"},
        "replications": replications, "seed": seed,
        "channels": {"phone": {}},
        "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": 60}, "process": "billing"}},
        "processes": {"billing": {"steps": [{"name": "resolve", "skill": "billing", "error_rate": 0.1,
                                             "duration": {"exponential": {"mean": 5}}}]}},
        "staff": {"agents": {"headcount": 10, "skills": {"billing": 1}, "cost_per_hour": 20},
                  "back": {"headcount": 2, "skills": {"filing": 3}}},
        "training": {"billing_course": course},
    }


@pytest.mark.parametrize("share, expected", [(0.0, 0), (0.25, 3), (0.5, 5), (1.0, 10)])
def test_training_moves_the_share_of_agents_asked(share, expected):
    plan = plan_training(build(trained(share)), Streams(1))
    assert len(plan.levels) == expected
    assert all(levels == {"billing": 5} for levels in plan.levels.values())
    assert plan.cost == 400 * expected


def test_the_same_agents_are_trained_for_a_seed_and_others_for_another():
    scenario = build(trained())
    assert plan_training(scenario, Streams(1)).levels == plan_training(scenario, Streams(1)).levels
    picks = {tuple(sorted(plan_training(scenario, Streams(seed)).levels)) for seed in range(10)}
    assert len(picks) > 1
    assert all(agent < 10 for pick in picks for agent in pick)     # only the pool's agents


def test_trainees_spend_their_time_off_the_floor_on_the_first_day():
    scenario = build(trained(off_floor={"start": "13:00", "length": "2h"}))
    plan = plan_training(scenario, Streams(1))
    roster = build_roster(scenario, Streams(1), plan.off_floor)
    for agent, periods in enumerate(roster.duty[:10]):
        if agent in plan.levels:
            assert periods[0] == (0.0, 300.0) and periods[1][0] == 420.0
        else:
            assert periods == [(0.0, float("inf"))]


def test_trained_agents_make_errors_at_their_new_levels_rate():
    """Exact, contact by contact: an error happens iff its draw is below 0.1 x the error factor of the
    level of the agent who served it (trainees at level 5: 0.5; the others at level 1: 2.0)."""
    scenario = build(trained(share=0.5, replications=1))
    seed = replication_seed(scenario.seed, 0)
    draws = np.array([route[0][2] for route in draw_customers(scenario, Streams(seed)).routes])
    trainees = set(plan_training(scenario, Streams(seed)).levels)
    tables = run_replication(scenario, 0, keep_tables=True).tables
    served_by = np.empty(len(draws), dtype=np.int64)
    served_by[tables.service_contact] = tables.service_agent
    factor = np.where(np.isin(served_by, list(trainees)), 0.5, 2.0)
    np.testing.assert_array_equal(tables.errors, (draws < 0.1 * factor).astype(int))


def test_training_cuts_errors_and_waits_and_is_paid_for():
    untrained = run_scenario(build(trained(share=0.0)))
    everyone = run_scenario(build(trained(share=1.0)))
    assert everyone.kpi("error_rate")["ci_high"] < untrained.kpi("error_rate")["ci_low"]
    assert everyone.kpi("wait_mean")["ci_high"] < untrained.kpi("wait_mean")["ci_low"]
    assert everyone.kpi("cost_training")["mean"] == 4000
    costs = values(run_replication(build(trained(share=1.0)), 0).kpis)
    assert costs[("cost_total", "all")] == pytest.approx(
        costs[("cost_staff", "all")] + costs[("cost_training", "all")])


def test_training_can_add_a_skill_the_pool_did_not_have():
    mapping = trained(share=1.0, replications=2)
    mapping["training"]["billing_course"]["pool"] = "back"
    tables = run_replication(build(mapping), 0, keep_tables=True).tables
    assert (tables.service_pool == 1).any()          # the back office now takes billing calls


# -- training over time: a course takes effect when it ends ---------------------------------------------

def test_a_course_at_13_00_changes_nothing_before_it_ends_and_the_trace_shows_it():
    """Half the agents are at a course from 13:00 to 15:00 (420 minutes after opening). Until 13:00 every
    interval reads exactly as without the course (the same customers, the same agents at the same
    levels); the trainees' services before 15:00 are at level 1, after it at level 5, and the trace says
    when each trainee's new level begins."""
    course = trained(share=0.5, off_floor={"start": "13:00", "length": "2h"}, replications=2)
    untrained = trained(share=0.0, replications=2)
    with_course, without = run_scenario(build(course)), run_scenario(build(untrained))
    before = with_course.intervals[with_course.intervals.interval < 5].drop(columns=["seed"])
    reference = without.intervals[without.intervals.interval < 5].drop(columns=["seed"])
    shared = ["wait_mean", "error_rate", "service_level", "offered"]
    left = before[before.metric.isin(shared)].sort_values(["replication", "interval", "metric", "scope"])
    right = reference[reference.metric.isin(shared)].sort_values(["replication", "interval", "metric", "scope"])
    np.testing.assert_allclose(left["value"].to_numpy(), right["value"].to_numpy(), equal_nan=True)
    log = trace_scenario(build(course)).log
    trainees = set(log.loc[log.event == "trained", "agent"])
    assert len(trainees) == 5 and set(log.loc[log.event == "trained", "time"]) == {420.0}
    served = log[(log.event == "served") & log.agent.isin(trainees)]
    assert set(served.loc[served.time < 420, "level"]) == {1}
    assert set(served.loc[served.time >= 420, "level"]) == {5}


def test_a_course_held_on_several_days_shares_its_trainees_out_between_the_sessions():
    mapping = trained(share=1.0, off_floor={"start": "09:00", "length": "1h"})
    mapping["clock"]["days"] = 3
    mapping["training"]["billing_course"]["days"] = [1, 3]
    plan = plan_training(build(mapping), Streams(4))
    ends = sorted(plan.effective_at.values())
    assert ends == [120.0] * 5 + [2 * 600 + 120.0] * 5       # two sessions of five, each ending at 10:00
    assert sorted(start for periods in plan.off_floor.values() for start, _ in periods) == [60.0] * 5 + [1260.0] * 5
    assert plan.before_the_run() == {} and len(plan.during_the_run()) == 10


def test_a_course_without_a_time_was_taken_before_the_run():
    plan = plan_training(build(trained(share=0.5)), Streams(1))
    assert plan.before_the_run() == plan.levels and plan.during_the_run() == []


def test_a_skill_learnt_at_a_course_is_served_from_its_end_on():
    mapping = trained(share=1.0, off_floor={"start": "12:00", "length": "1h"}, replications=1)
    mapping["training"]["billing_course"]["pool"] = "back"
    tables = run_replication(build(mapping), 0, keep_tables=True).tables
    by_back = tables.service_pool == 1
    assert by_back.any() and tables.service_start[by_back].min() >= 300.0   # 13:00, 300 minutes after opening


@pytest.mark.parametrize("days, message", [([0], "from 1 to 1"), ([1, 1], "names a day twice"), ("mon", "from 1")])
def test_bad_course_days_are_refused(days, message):
    mapping = trained()
    mapping["training"]["billing_course"]["days"] = days
    with pytest.raises(ScenarioError, match=message):
        build(mapping)


def test_services_before_a_course_ends_count_at_the_old_level_in_the_satisfaction_proxy():
    mapping = trained(share=1.0, off_floor={"start": "13:00", "length": "2h"}, replications=1)
    tables = run_replication(build(mapping), 0, keep_tables=True).tables
    early = tables.service_start < 300
    late = tables.service_start >= 420
    assert set(tables.mean_level[tables.service_contact[early]]) == {1.0}
    assert set(tables.mean_level[tables.service_contact[late & (tables.service_pool == 0)]]) == {5.0}
