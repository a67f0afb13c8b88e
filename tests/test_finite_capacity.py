"""Finite capacity: lines per channel (a busy signal when all are taken) and balking by the length of
the line, against exact birth-death chains solved here (an independent model), and by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.errors import ScenarioError
from simulator.experiment import run_scenario
from simulator.model.contact import BALKED, BLOCKED, COMPLETED
from simulator.model.customers import Customers
from simulator.model.roster import build_roster
from simulator.model.system import ServiceSystem
from simulator.queueing import erlang_b
from simulator.randomness import Streams
from tests.conftest import assert_in_ci, build, single_queue


def birth_death(arrival: float, service: float, servers: int, capacity: int, joins=lambda waiting: 1.0):
    """Stationary distribution of an M/M/c queue holding at most ``capacity`` customers, where an arrival
    who must wait behind ``waiting`` others joins with chance ``joins(waiting)``."""
    rates = [arrival * (1.0 if n < servers else joins(n - servers)) for n in range(capacity)]
    weights = [1.0]
    for n in range(1, capacity + 1):
        weights.append(weights[-1] * rates[n - 1] / (min(n, servers) * service))
    pi = np.array(weights) / sum(weights)
    queue = sum(pi[n] * (n - servers) for n in range(servers, capacity + 1))
    return pi, queue


def lines_scenario(lines: int, **extra) -> dict:
    mapping = single_queue(per_hour=360, duration={"exponential": {"mean": 1}}, headcount=5, horizon=1500,
                           warmup=100, replications=20, seed=31)
    mapping["channels"]["phone"]["lines"] = lines
    mapping["channels"]["phone"].update(extra)
    return mapping


@pytest.mark.slow   # a statistical check against the exact chain: pytest -m slow (.ci/run runs it)
def test_lines_give_the_mmck_blocking_and_wait():
    """M/M/5/8 at 6 calls a minute: blocking and the mean wait of those who got a line."""
    pi, queue = birth_death(6.0, 1.0, 5, 8)
    blocking = pi[-1]
    result = run_scenario(build(lines_scenario(8)))
    assert_in_ci(result.kpi("block_rate"), blocking)
    assert_in_ci(result.kpi("wait_mean"), queue / (6.0 * (1 - blocking)))
    assert result.kpi("abandon_rate")["mean"] == 0


@pytest.mark.slow   # a statistical check against the exact chain: pytest -m slow (.ci/run runs it)
def test_as_many_lines_as_agents_is_erlang_b_and_nobody_waits():
    result = run_scenario(build(lines_scenario(5)))
    assert_in_ci(result.kpi("block_rate"), erlang_b(5, 6.0))
    assert result.kpi("wait_mean")["mean"] == 0
    # nobody waits, yet a third of the callers got a busy signal: the service level says so
    assert_in_ci(result.kpi("service_level"), 1 - erlang_b(5, 6.0))


@pytest.mark.slow   # a statistical check against the exact chain: pytest -m slow (.ci/run runs it)
def test_balking_by_the_length_of_the_line_gives_the_birth_death_chain():
    """An M/M/3 at 3.5 a minute whose customers leave at once with chance 0.1, 0.3, 0.6 and 1 when 0, 1, 2
    and 3 or more are waiting."""
    shares = [0.1, 0.3, 0.6, 1.0]
    mapping = single_queue(per_hour=210, duration={"exponential": {"mean": 1}}, headcount=3, horizon=1500,
                           warmup=100, replications=20, seed=32)
    mapping["channels"]["phone"]["balking"] = {"shares": shares}
    pi, queue = birth_death(3.5, 1.0, 3, 6, joins=lambda waiting: 1 - shares[min(waiting, 3)])
    balking = sum(pi[n] * shares[min(n - 3, 3)] for n in range(3, 7))
    result = run_scenario(build(mapping))
    assert_in_ci(result.kpi("balk_rate"), balking)
    assert_in_ci(result.kpi("wait_mean"), queue / (3.5 * (1 - balking)))


def system(mapping: dict, arrivals: list[float], work: float = 2.0) -> ServiceSystem:
    scenario = build(mapping)
    count = len(arrivals)
    people = Customers(list(arrivals), np.zeros(count, dtype=np.int64), np.zeros(count, dtype=np.int64),
                       [math.inf] * count, [[(0, work, 1.0, 1.0)] for _ in arrivals])
    return ServiceSystem(scenario, people, build_roster(scenario, Streams(0)), Streams(0))


def small(**channel) -> dict:
    return {"name": "small", "clock": {"horizon": 30}, "channels": {"phone": channel},
            "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": 1}, "process": "serve"}},
            "processes": {"serve": {"steps": [{"name": "talk", "skill": "s", "duration": 2}]}},
            "staff": {"agents": {"headcount": 1, "skills": {"s": 3}}}}


def test_a_busy_signal_and_a_freed_line_by_hand():
    """One agent, two lines, 2-minute calls. #0 served 0-2, #1 waits on the second line, #2 (at 1.0)
    finds both lines taken: busy signal. #3 at 2.5 finds a line again (#0 has left): served after #1."""
    recorder = system(small(lines=2), [0.0, 0.5, 1.0, 2.5]).run()
    outcomes = {row[0]: row[1] for row in recorder.rows("departures")}
    assert outcomes == {0: COMPLETED, 1: COMPLETED, 2: BLOCKED, 3: COMPLETED}
    assert [(row[0], row[4]) for row in recorder.rows("services")] == [(0, 0.0), (1, 2.0), (3, 4.0)]


def test_a_customer_who_sees_the_line_at_its_limit_balks_by_hand():
    """One agent, balking at 1 waiting: #0 served, #1 waits (nobody ahead), #2 sees one waiting and
    leaves at once; #3 comes when #1 is being served and nobody waits: it waits."""
    recorder = system(small(balking={"at": 1}), [0.0, 0.5, 1.0, 2.5]).run()
    outcomes = {row[0]: row[1] for row in recorder.rows("departures")}
    assert outcomes == {0: COMPLETED, 1: COMPLETED, 2: BALKED, 3: COMPLETED}
    departed = {row[0]: row[5] for row in recorder.rows("departures")}
    assert departed[2] == 1.0


def test_blocked_callers_redial_with_the_channels_retrial():
    recorder = system(small(lines=1, retrial={"share": 1.0, "after": 5}), [0.0, 1.0]).run()
    # #1 is blocked at 1.0 and redials at 6.0 as contact #2, when the line is free again
    assert recorder.rows("repeats")[0][:2] == (2, 6.0)
    assert {row[0]: row[1] for row in recorder.rows("departures")} == {0: COMPLETED, 1: BLOCKED, 2: COMPLETED}


@pytest.mark.parametrize("channel, message", [
    ({"lines": 0}, "lines: must be a whole number"),
    ({"balking": {"at": 2, "shares": [0.5]}}, "needs exactly one of at or shares"),
    ({"balking": {"shares": [0.5, 1.5]}}, r"shares.1: must be"),
    ({"balking": {"shares": []}}, "must be a non-empty list"),
    ({"deferrable": True, "lines": 3}, "lines and balking apply to real-time channels only"),
    ({"retrial": {"share": 0.5, "after": 5}}, "retrial needs patience, lines or balking"),
])
def test_bad_capacity_settings_are_refused(channel, message):
    with pytest.raises(ScenarioError, match=message):
        build(small(**channel))


def test_kpis_of_turning_away_are_shown_only_where_a_channel_can_turn_away():
    plain = run_scenario(build(small()), replications=2).summary
    assert not plain.metric.isin(["blocked", "block_rate", "balked", "balk_rate"]).any()
    with_lines = run_scenario(build(small(lines=3)), replications=2).summary
    assert with_lines.metric.isin(["blocked", "block_rate"]).any()
    assert not with_lines.metric.isin(["balked", "balk_rate"]).any()


def test_lines_and_balking_read_back_from_the_resolved_scenario():
    from simulator.scenario import build_scenario
    from simulator.scenario.resolve import resolved_yaml
    from simulator.scenario.yaml_source import parse_yaml_text

    for channel in ({"lines": 4, "retrial": {"share": 0.5, "after": 5}}, {"balking": {"at": 3}},
                    {"balking": {"shares": [0, 0.5, 1]}}):
        scenario = build(small(**channel))
        again = build_scenario(parse_yaml_text(resolved_yaml(scenario), "r.yaml"), "r.yaml", base_dir=None)
        assert again == scenario
