"""Deferrable work (email, back office): a backlog behind real-time contacts, carried over the night."""

from __future__ import annotations

import math

import numpy as np

from simulator.experiment import run_replication, run_scenario
from simulator.model.customers import Customers
from simulator.model.roster import build_roster
from simulator.model.system import ServiceSystem
from simulator.randomness import Streams
from tests.conftest import build, values


def mixed(pool: dict, days: int = 1, email_per_hour: float = 10, call_per_hour: float = 20) -> dict:
    return {
        "name": "deferrable", "clock": {"open": "08:00", "close": "18:00", "days": days, "interval": "1h"},
        "replications": 3, "seed": 4,
        "channels": {"phone": {"patience": {"exponential": {"mean": 3}}},
                     "email": {"deferrable": True, "response_target": "24h"}},
        "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": call_per_hour}, "process": "serve"},
                   "emails": {"channel": "email", "arrivals": {"per_hour": email_per_hour}, "process": "serve"}},
        "processes": {"serve": {"steps": [{"name": "work", "skill": "s", "duration": {"exponential": {"mean": 4}}}]}},
        "staff": {"agents": pool},
    }


def test_a_backlog_is_worked_only_when_no_real_time_contact_waits():
    """One agent busy 0-2. An email arrives at 0.5, a call at 1.0: at 2.0 the call goes first."""
    scenario = build(mixed({"headcount": 1, "skills": {"s": 3}}))
    entry = (0, 2.0, 1.0, 1.0)
    people = Customers([0.0, 0.5, 1.0], np.array([0, 1, 0]), np.zeros(3, dtype=np.int64), [math.inf] * 3,
                       [[entry], [entry], [entry]])
    services = ServiceSystem(scenario, people, build_roster(scenario, Streams(0)), Streams(0)).run().services
    assert [(contact, start) for contact, _, _, _, start, _ in services] == [(0, 0.0), (2, 2.0), (1, 4.0)]


def test_the_backlog_is_carried_over_the_night_and_counted_at_the_last_closing():
    pool = {"shifts": [{"start": "08:00", "end": "10:00", "count": 1}], "skills": {"s": 3}}
    scenario = build(mixed(pool, days=2, email_per_hour=12, call_per_hour=0.0001))
    tables = run_replication(scenario, 0, keep_tables=True).tables
    emails = tables.demand == 1
    day_one = emails & (tables.arrived_at < 600)
    # one agent, 08:00-10:00 each day: an email is only ever answered while the shift is on, and what
    # day one leaves is answered on the next morning
    starts = tables.answered_at[emails & ~np.isnan(tables.answered_at)]
    assert np.all((starts < 120) | ((starts >= 600) & (starts < 720)))
    carried = day_one & (tables.answered_at >= 600)
    assert carried.any()
    assert (tables.outcome[emails] != 1).all()                           # nobody abandons an email
    kpis = values(run_replication(scenario, 0).kpis)
    open_at_close = emails & ~(tables.departed_at <= 1200)
    assert kpis[("backlog_end", "channel:email")] == open_at_close.sum() > 0
    # 24h is one opening day: only emails due by the last closing can be judged
    due = emails & (tables.arrived_at + 600 <= 1200)
    within = due & ((tables.answered_at - tables.arrived_at) <= 600)
    assert math.isclose(kpis[("response_within_target", "channel:email")], within.sum() / due.sum())


def test_backlog_kpis_appear_only_for_deferrable_work():
    result = run_scenario(build(mixed({"headcount": 4, "skills": {"s": 3}})))
    scopes = set(result.summary[result.summary.metric == "backlog_end"].scope)
    assert scopes == {"all", "channel:email", "demand:emails"}


def test_backlog_age_and_response_time_by_interval_on_a_known_day():
    """One agent, three emails at 0, 1 and 2 minutes, ten minutes each, reported every 5 minutes: at 5
    min all three are open (ages 5, 4, 3); at 10 the first is done (open: 9 and 8 min old); at 25 only
    the last (23 min old); at 30 none. Response: answered at 0, 10 and 20, so 0, 9 and 18 minutes."""
    from simulator.metrics.compute import interval_kpis
    from simulator.replication import run_model

    scenario = build({"name": "emails", "clock": {"horizon": "30min", "interval": "5min"},
                      "channels": {"email": {"deferrable": True}},
                      "demand": {"emails": {"channel": "email", "arrivals": {"per_hour": 1}, "process": "serve"}},
                      "processes": {"serve": {"steps": [{"name": "work", "skill": "s", "duration": 10}]}},
                      "staff": {"agents": {"headcount": 1, "skills": {"s": 3}}}})
    entry = (0, 10.0, 1.0, 1.0)
    people = Customers([0.0, 1.0, 2.0], np.zeros(3, dtype=np.int64), np.zeros(3, dtype=np.int64), [math.inf] * 3,
                       [[entry]] * 3)
    _, tables = run_model(scenario, 1, ServiceSystem, people)
    rows = {(metric, k): value for k, metric, scope, value, *_ in interval_kpis(tables, scenario)
            if scope == "channel:email"}
    assert [rows[("backlog", k)] for k in range(6)] == [3, 2, 2, 1, 1, 0]
    assert [rows[("backlog_age_mean", k)] for k in range(5)] == [4.0, 8.5, 13.5, 18.0, 23.0]
    assert math.isnan(rows[("backlog_age_mean", 5)])                # nothing open: no age
    assert [rows[("backlog_age_max", k)] for k in range(6)] == [5.0, 9.0, 14.0, 18.0, 23.0, 0.0]
    assert rows[("response_time_mean", 0)] == 9.0                   # all three arrived in the first interval
    assert math.isnan(rows[("response_time_mean", 1)])
