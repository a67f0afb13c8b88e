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
