"""Errors, rework, repeat contacts, automation and cost, checked against exact values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.experiment import run_replication, run_scenario
from simulator.model.customers import Customers, draw_customers
from simulator.model.records import REACHED_CUSTOMER, REWORKED
from simulator.model.roster import build_roster
from simulator.model.system import MAX_REWORKS, ServiceSystem
from simulator.randomness import Streams, replication_seed
from tests.conftest import assert_in_ci, build, values


def scenario(steps: list[dict], *, level: int = 3, headcount: int = 12, per_hour: float = 120,
             automation: dict | None = None, replications: int = 40, horizon: float = 600,
             cost: float = 30, seed: int = 8) -> dict:
    """One stream, one pool. Statistical tests pass their own seed, so no two share random numbers."""
    mapping = {
        "name": "quality", "clock": {"horizon": horizon, "interval": 60}, "replications": replications, "seed": seed,
        "channels": {"phone": {}},
        "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": per_hour}, "process": "serve"}},
        "processes": {"serve": {"steps": steps}},
        "staff": {"agents": {"headcount": headcount, "skills": {"s": level}, "cost_per_hour": cost}},
    }
    if automation:
        mapping["automation"] = automation
    return mapping


TALK = {"name": "talk", "skill": "s", "duration": {"exponential": {"mean": 3}}}


@pytest.mark.parametrize("level, factor", [(1, 2.0), (3, 1.0), (5, 0.5)])
def test_each_error_happens_exactly_when_its_draw_is_below_rate_times_factor(level, factor):
    mapping = scenario([{**TALK, "error_rate": 0.05}], level=level, replications=1)
    seed = replication_seed(mapping["seed"], 0)
    draws = np.array([route[0][2] for route in draw_customers(build(mapping), Streams(seed)).routes])
    tables = run_replication(build(mapping), 0, keep_tables=True).tables
    np.testing.assert_array_equal(tables.errors, (draws < 0.05 * factor).astype(int))


@pytest.mark.parametrize("level, factor, seed", [(1, 2.0, 101), (3, 1.0, 102), (5, 0.5, 103)])
def test_observed_error_rate_is_rate_times_the_levels_error_factor(level, factor, seed):
    result = run_scenario(build(scenario([{**TALK, "error_rate": 0.05}], level=level, seed=seed)))
    assert_in_ci(result.kpi("error_rate"), 0.05 * factor, slack=0.0)
    assert_in_ci(result.kpi("fcr"), 1 - 0.05 * factor, slack=0.0)


def test_rework_is_caught_and_each_service_can_fail_again():
    """Rework of the same step: P(at least one rework) = p; services per contact are geometric, 1/(1-p)."""
    result = run_scenario(build(scenario([{**TALK, "error_rate": 0.2, "on_error": {"rework": "talk"}}], seed=104)))
    assert_in_ci(result.kpi("rework_rate"), 0.2, slack=0.0)
    assert result.kpi("error_rate")["mean"] == 0.0            # caught errors never reach the customer
    services_per_contact = []
    for output in result.outputs:
        tables = run_replication(result.scenario, output.replication, keep_tables=True).tables
        services_per_contact.append(len(tables.service_contact) / (tables.outcome == 0).sum())
    mean, half = np.mean(services_per_contact), 2.023 * np.std(services_per_contact, ddof=1) / math.sqrt(40)
    assert mean - half <= 1 / (1 - 0.2) <= mean + half


def test_an_error_with_recontact_brings_the_customer_back_as_a_repeat():
    steps = [{**TALK, "error_rate": 0.1, "on_error": {"recontact_after": "1h"}}]
    result = run_scenario(build(scenario(steps, seed=105)))
    assert_in_ci(result.kpi("recontact_rate"), 0.1, slack=0.0)
    tables = run_replication(result.scenario, 0, keep_tables=True).tables
    repeats = np.flatnonzero(tables.repeat_of >= 0)
    assert len(repeats) > 0
    originals = tables.repeat_of[repeats]
    assert tables.recontacted[originals].all()
    np.testing.assert_allclose(tables.arrived_at[repeats], tables.departed_at[originals] + 60)
    # every recontact that falls before closing time comes back; the rest are lost with the day
    due = tables.recontacted & (tables.departed_at + 60 < 600)
    assert due.sum() == len(repeats)
    assert result.kpi("repeat_contacts")["mean"] > 0


def test_repeat_contacts_never_count_as_first_contact_resolution():
    steps = [{**TALK, "error_rate": 0.3, "on_error": {"recontact_after": "30min"}}]
    tables = run_replication(build(scenario(steps)), 0, keep_tables=True).tables
    first = (tables.outcome == 0) & (tables.repeat_of < 0)
    resolved = first & (tables.errors == 0) & ~tables.recontacted
    kpis = values(run_replication(build(scenario(steps)), 0).kpis)
    assert kpis[("fcr", "all")] == pytest.approx(resolved.sum() / first.sum())


def test_automation_contains_its_share_and_the_rest_go_on():
    steps = [{"name": "bot", "automation": "voicebot", "duration": {"exponential": {"mean": 1}}, "containment": 0.3},
             TALK]
    result = run_scenario(build(scenario(steps, automation={"voicebot": {"capacity": 50, "cost_per_contact": 0.35}},
                                         seed=106)))
    assert_in_ci(result.kpi("containment_rate"), 0.3, slack=0.0)
    tables = run_replication(result.scenario, 0, keep_tables=True).tables
    contained = tables.contained
    assert (tables.bot_served[contained] == 1).all()
    people = np.isin(np.arange(len(contained)), tables.service_contact[tables.service_pool == 0])
    assert not (people & contained).any()                      # contained contacts never reach an agent
    assert ((tables.outcome == 0) & ~contained <= people).all()


def test_a_bot_answers_the_contact_and_has_limited_capacity():
    steps = [{"name": "bot", "automation": "ivr", "duration": 2, "containment": 0.0}]
    mapping = scenario(steps, automation={"ivr": {"capacity": 1}}, headcount=0)
    model = ServiceSystem(build(mapping), Customers([0.0, 1.0], np.zeros(2, dtype=np.int64),
                                                    np.zeros(2, dtype=np.int64), [math.inf] * 2,
                                                    [[(0, 2.0, 1.0, 1.0)], [(0, 2.0, 1.0, 1.0)]]),
                          build_roster(build(mapping), Streams(0)), Streams(0))
    services = model.run().rows("services")
    assert [(c, start, end) for c, _, _, _, start, end in services] == [(0, 0.0, 2.0), (1, 2.0, 4.0)]


def test_costs_add_up_exactly():
    steps = [{"name": "bot", "automation": "chatbot", "duration": 1, "containment": 0.5}, TALK]
    mapping = scenario(steps, automation={"chatbot": {"capacity": 20, "cost_per_contact": 0.4}}, replications=3,
                       cost=25)
    mapping["staff"]["night"] = {"shifts": [{"start": "02:00", "end": "06:00", "count": 3}], "skills": {"s": 2},
                                 "cost_per_hour": 20, "breaks": [{"after": "1h", "length": "15min"}],
                                 "shrinkage": 0.5, "overtime_rate": 30}
    result = run_scenario(build(mapping))
    for output in result.outputs:
        kpis = values(output.kpis)
        # 12 agents x 10 h x 25, plus 3 agents x 4 paid hours x 20 (breaks and absences are paid), plus
        # overtime: the agents' 25 an hour serving the queue after closing, the night shift's 30
        overtime = kpis[("overtime", "pool:agents")], kpis[("overtime", "pool:night")]
        assert overtime[0] > 0 and kpis[("overtime", "all")] == pytest.approx(sum(overtime))
        assert kpis[("cost_staff", "all")] == pytest.approx(12 * 10 * 25 + 3 * 4 * 20 + overtime[0] / 60 * 25
                                                            + overtime[1] / 60 * 30)
        tables = run_replication(result.scenario, output.replication, keep_tables=True).tables
        handled = int((tables.service_pool == 2).sum())
        assert kpis[("cost_automation", "all")] == pytest.approx(0.4 * handled)
        assert kpis[("cost_total", "all")] == pytest.approx(kpis[("cost_staff", "all")] + 0.4 * handled)
        assert kpis[("cost_per_contact", "all")] == pytest.approx(
            kpis[("cost_total", "all")] / (tables.outcome == 0).sum())


def test_endless_rework_stops_and_the_error_reaches_the_customer():
    mapping = scenario([{**TALK, "error_rate": 1.0, "on_error": {"rework": "talk"}}], headcount=1)
    model = ServiceSystem(build(mapping), Customers([0.0], np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64),
                                                    [math.inf], [[(0, 1.0, 0.0, 1.0)]]),
                          build_roster(build(mapping), Streams(0)), Streams(0))
    recorder = model.run()
    assert len(recorder.rows("services")) == MAX_REWORKS + 1
    outcomes = [what for _, _, what in recorder.rows("errors")]
    assert outcomes == [REWORKED] * MAX_REWORKS + [REACHED_CUSTOMER]   # then the error reached the customer


def test_calendar_delays_become_opening_time():
    clock = build(scenario([TALK])).clock                # 600 minutes open a day
    assert clock.opening_time(2 * 1440) == 2 * 600      # two days later, at the same time of day
    assert clock.opening_time(90) == 90
    assert clock.opening_time(1440 + 30) == 600 + 30
    assert clock.opening_time(20 * 60) == 600           # the rest of a day counts at most one opening


def test_an_operation_open_round_the_clock_has_calendar_time_as_its_opening_time():
    """A horizon of 2400 minutes without opening hours never closes: a day's response target is 1440
    minutes, not the whole horizon."""
    from simulator.scenario.model import Clock

    assert Clock(day_length=2400).opening_time(1440) == 1440
    assert Clock(day_length=2400).opening_time(2 * 1440 + 30) == 2 * 1440 + 30
    assert Clock(day_length=1440, days=3).opening_time(1440 + 30) == 1440 + 30
