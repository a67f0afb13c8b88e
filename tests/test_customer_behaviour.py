"""Customer behaviour beyond patience: retrials, callbacks, an initial backlog, forecast uncertainty."""

from __future__ import annotations

import pytest

import math

import numpy as np

from simulator.arrivals import forecast_factors
from simulator.experiment import run_replication, run_scenario
from simulator.model.customers import Customers, draw_customers
from simulator.model.roster import build_roster
from simulator.model.system import ServiceSystem
from simulator.randomness import Streams
from simulator.scenario.model import ArrivalProfile
from tests.conftest import build, values


def phone(channel: dict, per_hour: float = 60, headcount: int = 4, replications: int = 5,
          arrivals: dict | None = None, backlog: int = 0, seed: int = 31) -> dict:
    demand = {"channel": "phone", "arrivals": arrivals or {"per_hour": per_hour}, "process": "serve"}
    if backlog:
        demand["backlog"] = backlog
    return {
        "name": "behaviour", "clock": {"horizon": 600, "interval": 60}, "replications": replications,
        "seed": seed, "channels": {"phone": channel},
        "demand": {"calls": demand},
        "processes": {"serve": {"steps": [{"name": "talk", "skill": "s", "duration": {"exponential": {"mean": 4}}}]}},
        "staff": {"agents": {"headcount": headcount, "skills": {"s": 3}}},
    }


PATIENT = {"patience": {"exponential": {"mean": 2}}}


def test_forecast_uncertainty_multiplies_each_day_by_a_factor_with_mean_one_and_the_cv_given():
    factors = forecast_factors(ArrivalProfile((100.0,), uncertainty=0.2), 200_000, np.random.default_rng(2))
    assert math.isclose(factors.mean(), 1.0, abs_tol=0.002)
    assert math.isclose(factors.std() / factors.mean(), 0.2, rel_tol=0.01)


@pytest.mark.slow   # a long end-to-end or statistical check: pytest -m slow (.ci/run runs it)
def test_forecast_uncertainty_widens_the_spread_of_offered_volume_as_derived():
    """Offered per day: Poisson given the factor, so variance = m + (cv m)^2 (about 31 and 300 here)."""
    exact = run_scenario(build(phone({}, per_hour=100, headcount=20, replications=60)))
    risky = run_scenario(build(phone({}, per_hour=100, headcount=20, replications=60,
                                     arrivals={"per_hour": 100, "uncertainty": 0.3})))
    def spread(result):
        rows = result.replications
        return rows[(rows.metric == "offered") & (rows.scope == "all")]["value"].std()
    assert spread(exact) < 50
    assert 200 < spread(risky) < 420       # sqrt(1000 + 300^2) = 301.7


def test_an_initial_backlog_is_first_in_line_and_changes_nobody_elses_needs():
    with_backlog = build(phone(PATIENT, backlog=25))
    without = build(phone(PATIENT))
    a, b = draw_customers(with_backlog, Streams(5)), draw_customers(without, Streams(5))
    assert a.arrived_at[:25].tolist() == [0.0] * 25
    assert a.arrived_at[25:].tolist() == b.arrived_at.tolist() and a.routes[25:] == b.routes[:]
    assert a.patience[25:].tolist() == b.patience.tolist()
    tables = run_replication(with_backlog, 0, keep_tables=True).tables
    assert (tables.arrived_at == 0).sum() >= 25


def test_a_customer_who_takes_a_call_back_keeps_their_place_and_does_not_abandon():
    """One agent on a 4-minute call from 0. #1 arrives at 1 with patience 0.5: the expected wait (one in
    the queue x 4 min / 1 agent) is above 1 minute, so a call back is offered and taken (accept 1):
    #1 is called back at 4 instead of abandoning at 1.5."""
    scenario = build(phone({**PATIENT, "callback": {"offer_above": "1min", "accept": 1.0}}, headcount=1))
    entry = (0, 4.0, 1.0, 1.0)
    people = Customers([0.0, 1.0], np.zeros(2, dtype=np.int64), np.zeros(2, dtype=np.int64), [math.inf, 0.5],
                       [[entry], [entry]])
    model = ServiceSystem(scenario, people, build_roster(scenario, Streams(0)), Streams(0))
    recorder = model.run()
    assert recorder.callbacks == [1]
    assert [(c, start) for c, _, _, _, start, _ in recorder.rows("services")] == [(0, 0.0), (1, 4.0)]
    assert all(outcome == 0 for _, outcome, *_ in recorder.rows("departures"))


def test_callbacks_cut_abandonment_under_pressure():
    plain = run_scenario(build(phone(PATIENT, per_hour=70)))
    offered = run_scenario(build(phone({**PATIENT, "callback": {"offer_above": "1min", "accept": 0.7}}, per_hour=70)))
    assert offered.kpi("callback_rate")["mean"] > 0.05
    assert offered.kpi("abandon_rate")["ci_high"] < plain.kpi("abandon_rate")["ci_low"]


def test_abandoners_who_try_again_come_back_after_the_delay_as_retrials():
    scenario = build(phone({**PATIENT, "retrial": {"share": 1.0, "after": 5}}, per_hour=70))
    tables = run_replication(scenario, 0, keep_tables=True).tables
    retrials = np.flatnonzero(tables.retrial)
    assert len(retrials) > 0
    originals = tables.repeat_of[retrials]
    assert (tables.outcome[originals] == 1).all()
    np.testing.assert_allclose(tables.arrived_at[retrials], tables.departed_at[originals] + 5)
    due = (tables.outcome == 1) & (tables.departed_at + 5 < 600)
    assert due.sum() == len(retrials)            # every abandoner tried again, unless after closing
    kpis = values(run_replication(scenario, 0).kpis)
    assert kpis[("retrial_contacts", "all")] == len(retrials)


def test_a_call_back_is_offered_when_people_ahead_plus_one_times_the_mean_duration_per_agent_is_long():
    """One agent, 4-minute calls (mean at standard proficiency), offer above 6 minutes, everyone accepts.
    #0 is served at once. #1 joins an empty queue: expected wait (0 + 1) x 4 / 1 = 4, not offered. #2 has
    one ahead: (1 + 1) x 4 = 8 > 6, offered and taken. The docs state the same rule."""
    mapping = phone({"patience": {"exponential": {"mean": 10}}, "callback": {"offer_above": 6, "accept": 1.0}},
                    headcount=1)
    scenario = build(mapping)
    people = Customers([0.0, 1.0, 2.0], np.zeros(3, dtype=np.int64), np.zeros(3, dtype=np.int64), [10.0] * 3,
                       [[(0, 4.0, 1.0, 1.0)] for _ in range(3)])
    recorder = ServiceSystem(scenario, people, build_roster(scenario, Streams(0)), Streams(0)).run()
    assert recorder.callbacks == [2]
    from tests.conftest import ROOT
    assert "(people ahead + 1) x mean duration of the step / agents on duty with the skill" in \
        (ROOT / "docs" / "scenario-format.md").read_text()
