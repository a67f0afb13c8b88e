"""The simulator against queueing theory: exact values inside simulated 95% confidence intervals.

Each case is a textbook queue with a known exact answer (simulator.queueing). A
finite horizon started empty is slightly biased, so each replication discards a
warm-up and the CI is widened by a stated slack of 1% of the exact value.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.experiment import run_replication, run_scenario
from simulator.metrics.compute import busy_time_before
from simulator.queueing import (erlang_a, erlang_a_service_level, erlang_c, mg1_mean_wait, mm1_mean_wait, mmc_mean_wait,
                                mmc_service_level)
from simulator.scenario import load_scenario
from tests.conftest import ROOT, SLACK, assert_in_ci, build, single_queue


def test_mm1_mean_wait():
    # lambda 0.7/min, mu 1/min: Wq = rho / (mu - lambda) = 2.333 min
    scenario = build(single_queue(per_hour=42, duration={"exponential": {"mean": 1}}, headcount=1,
                                  horizon=3000, warmup=300, replications=30, seed=11))
    result = run_scenario(scenario)
    assert_in_ci(result.kpi("wait_mean"), mm1_mean_wait(0.7, 1.0))
    assert_in_ci(result.kpi("utilisation"), 0.7)


def test_mmc_matches_erlang_c_wait_and_service_level():
    # 5 agents, 4 calls/min, 1 min each: load 4 Erlangs, 80% occupancy
    scenario = build(single_queue(per_hour=240, duration={"exponential": {"mean": 1}}, headcount=5,
                                  horizon=1500, warmup=150, replications=30, seed=12))
    result = run_scenario(scenario)
    assert_in_ci(result.kpi("wait_mean"), mmc_mean_wait(4.0, 1.0, 5))
    assert_in_ci(result.kpi("service_level"), mmc_service_level(4.0, 1.0, 5, 20 / 60))
    assert_in_ci(result.kpi("answered"), 4.0 * (1500 - 150), slack=0.0)


@pytest.mark.slow   # a long statistical or end-to-end check: pytest -m slow (.ci/run runs it)
def test_mmc_with_abandonment_matches_erlang_a():
    # 5 agents, 5.5 calls/min (overloaded without abandonment), patience exponential mean 2 min
    scenario = build(single_queue(per_hour=330, duration={"exponential": {"mean": 1}}, headcount=5,
                                  horizon=1500, warmup=150, replications=30, seed=13,
                                  patience={"exponential": {"mean": 2}}))
    result = run_scenario(scenario)
    exact = erlang_a(5.5, 1.0, 5, 0.5)
    assert_in_ci(result.kpi("abandon_rate"), exact["abandon_probability"])
    assert_in_ci(result.kpi("queue_time_mean"), exact["mean_wait"])
    assert_in_ci(result.kpi("service_level"), erlang_a_service_level(5.5, 1.0, 5, 0.5, 20 / 60))


@pytest.mark.slow   # a long statistical or end-to-end check: pytest -m slow (.ci/run runs it)
def test_mg1_matches_pollaczek_khinchine_for_low_and_high_variability():
    for cv, seed, horizon, replications in ((0.5, 14, 3000, 20), (2.0, 15, 6000, 40)):
        scenario = build(single_queue(per_hour=42, duration={"gamma": {"mean": 1, "cv": cv}}, headcount=1,
                                      horizon=horizon, warmup=horizon / 10, replications=replications,
                                      seed=seed))
        result = run_scenario(scenario)
        exact = mg1_mean_wait(0.7, 1.0, 1.0 + cv ** 2)
        assert_in_ci(result.kpi("wait_mean"), exact)


@pytest.mark.slow   # a long statistical or end-to-end check: pytest -m slow (.ci/run runs it)
def test_mg1_with_hyperexponential_service_matches_pollaczek_khinchine():
    """Most calls quick, a few long: H2 service by phases (mean 1, cv 1.6) at load 0.6."""
    duration = {"hyperexponential": {"phases": [{"share": 0.9, "mean": 0.5}, {"share": 0.1, "mean": 5.5}]}}
    scenario = build(single_queue(per_hour=36, duration=duration, headcount=1, horizon=6000, warmup=600,
                                  replications=40, seed=16))
    second_moment = 2 * (0.9 * 0.5 ** 2 + 0.1 * 5.5 ** 2)
    assert_in_ci(run_scenario(scenario).kpi("wait_mean"), mg1_mean_wait(0.6, 1.0, second_moment))


@pytest.mark.slow   # a long statistical or end-to-end check: pytest -m slow (.ci/run runs it)
def test_proficiency_level_5_is_mmc_with_the_faster_rate():
    # level 5 works at speed 1.3: 1.3 min of standard work takes 1 minute
    scenario = build(single_queue(per_hour=240, duration={"exponential": {"mean": 1.3}}, headcount=5, level=5,
                                  horizon=1500, warmup=150, replications=30, seed=16))
    result = run_scenario(scenario)
    assert_in_ci(result.kpi("wait_mean"), mmc_mean_wait(4.0, 1.0, 5))
    assert_in_ci(result.kpi("utilisation"), 0.8)


def tandem(replications: int, seed: int) -> dict:
    """Two steps by two different pools: a tandem of M/M/1 queues (a Jackson network)."""
    return {
        "name": "tandem",
        "clock": {"horizon": 3000, "warmup": 300, "interval": 3000},
        "replications": replications, "seed": seed,
        "channels": {"phone": {}},
        "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": 30}, "process": "two_steps"}},
        "processes": {"two_steps": {"steps": [
            {"name": "first", "skill": "a", "duration": {"exponential": {"mean": 1.25}}},
            {"name": "second", "skill": "b", "duration": {"exponential": {"mean": 1.6}}}]}},
        "staff": {"front": {"headcount": 1, "skills": {"a": 3}}, "back": {"headcount": 1, "skills": {"b": 3}}},
    }


def test_tandem_time_in_system_matches_jackson_network():
    # lambda 0.5/min through mu1 = 0.8 and mu2 = 0.625: W = 1/(mu1 - lambda) + 1/(mu2 - lambda)
    result = run_scenario(build(tandem(30, 17)))
    assert_in_ci(result.kpi("time_in_system_mean"), 1 / (0.8 - 0.5) + 1 / (0.625 - 0.5))


def test_littles_law_on_a_multi_step_process():
    """Time-average number in system L equals arrival rate x mean time in system, per replication."""
    scenario = build(tandem(1, 18))
    ratios = []
    for replication in range(20):
        tables = run_replication(scenario, replication, keep_tables=True).tables
        start, end = 300.0, 3000.0
        # number in system integrated over [start, end], from each contact's [arrival, departure)
        inside = busy_time_before(tables.arrived_at, tables.departed_at, np.array([start, end]))
        area = float(np.diff(inside)[0])
        arrived = (tables.arrived_at >= start) & (tables.arrived_at < end)
        sojourn = (tables.departed_at - tables.arrived_at)[arrived]
        ratios.append((area / (end - start)) / (arrived.sum() / (end - start) * sojourn.mean()))
    mean = np.mean(ratios)
    half = 2.093 * np.std(ratios, ddof=1) / math.sqrt(len(ratios))  # t quantile, 19 degrees of freedom
    assert abs(mean - 1) <= half + 0.01, f"L / (lambda W) = {mean:.4f} +- {half:.4f}"


def test_reference_formulas_against_published_values():
    # Erlang C textbook value: 10 agents, 8 Erlangs -> P(wait) = 0.4092
    assert math.isclose(erlang_c(10, 8.0), 0.40918, rel_tol=1e-4)
    # M/M/1 at rho 0.5: Wq = 1/(mu - lambda) * rho = 1
    assert math.isclose(mm1_mean_wait(0.5, 1.0), 1.0)
    # Pollaczek-Khinchine with exponential service equals M/M/1
    assert math.isclose(mg1_mean_wait(0.7, 1.0, 2.0), mm1_mean_wait(0.7, 1.0))
    # Erlang A tends to Erlang C as patience grows
    assert math.isclose(erlang_a(4.0, 1.0, 5, 1e-6)["mean_wait"], mmc_mean_wait(4.0, 1.0, 5), rel_tol=1e-3)


# -- measured to a person, per step, per interval (issue 10) -------------------------------------------------
# The scenarios are shipped in scenarios/validation/ and shown in docs/validation.md.

VALIDATION = ROOT / "scenarios" / "validation"


@pytest.mark.slow   # a long statistical or end-to-end check: pytest -m slow (.ci/run runs it)
def test_a_menu_in_front_of_an_mmc_queue_gives_that_queues_erlang_c_wait_and_service_level():
    """A menu with ample capacity resolves 30% of calls: the agents see an M/M/5 at 4 calls a minute."""
    result = run_scenario(load_scenario(VALIDATION / "menu_then_agents.yaml"))
    assert_in_ci(result.kpi("wait_mean"), mmc_mean_wait(4.0, 1.0, 5))
    assert_in_ci(result.kpi("service_level"), mmc_service_level(4.0, 1.0, 5, 20 / 60))
    assert_in_ci(result.kpi("queue_time_mean", "step:call.talk"), mmc_mean_wait(4.0, 1.0, 5))
    assert_in_ci(result.kpi("containment_rate"), 0.3)
    # the menu is not waiting: with ample capacity nobody queues for it, and its answer is not an answer
    assert result.kpi("queue_time_mean", "step:call.menu")["mean"] == 0
    assert_in_ci(result.kpi("answered"), 4.0 * (1500 - 150), slack=0.0)


def test_each_desk_of_a_tandem_gives_its_own_erlang_c_queue_time_at_its_step_scope():
    result = run_scenario(load_scenario(VALIDATION / "triage_then_registration.yaml"))
    triage, registration = mmc_mean_wait(1.0, 1 / 1.5, 2), mmc_mean_wait(1.0, 1 / 3.2, 4)
    assert_in_ci(result.kpi("queue_time_mean", "step:visit.triage"), triage)
    assert_in_ci(result.kpi("queue_time_mean", "step:visit.registration"), registration)
    assert_in_ci(result.kpi("service_level", "step:visit.registration"), mmc_service_level(1.0, 1 / 3.2, 4, 5))
    assert_in_ci(result.kpi("utilisation", "step:visit.registration"), 0.8)
    # speed of answer stops at triage; all the waiting across steps does not
    assert_in_ci(result.kpi("wait_mean"), triage)
    assert_in_ci(result.kpi("queue_time_mean"), triage + registration)


@pytest.mark.slow   # a long statistical or end-to-end check: pytest -m slow (.ci/run runs it)
def test_an_mmc_over_three_days_gives_erlang_c_in_every_steady_state_hour():
    """Per-interval estimates are per contact (ratio of sums over replications): each hour's wait and
    service level contain Erlang C's, with a family-wise 95% (Bonferroni) over the 29 hours."""
    from simulator.analysis import t_quantile

    result = run_scenario(load_scenario(VALIDATION / "mmc_three_days.yaml"))
    table = result.interval_summary[result.interval_summary.scope == "all"]
    exact = {"wait_mean": mmc_mean_wait(4.0, 1.0, 5), "service_level": mmc_service_level(4.0, 1.0, 5, 20 / 60)}
    for metric, value in exact.items():
        rows = table[table.metric == metric]
        assert len(rows) == 29
        widen = float(t_quantile(39, 1 - 0.05 / len(rows)) / t_quantile(39))
        half = (rows["ci_high"] - rows["ci_low"]) / 2 * widen
        middle = (rows["ci_high"] + rows["ci_low"]) / 2
        outside = rows[(value < middle - half - SLACK * value) | (value > middle + half + SLACK * value)]
        assert outside.empty, f"{metric}: Erlang C {value:.4g} outside in hours {outside['interval'].tolist()}"


@pytest.mark.slow
def test_warmup_auto_removes_the_bias_of_an_empty_start_at_90_percent():
    """An M/M/5 at 90% (4.5 calls a minute, 1 minute each) over 4 hours started empty: with no warm-up the
    mean wait is biased low, its CI wholly below Erlang C's; MSER-5 chooses a warm-up (about 100 minutes
    here, far more than the old rule of thumb's tenth of the horizon) that removes the bias. The same
    holds for seeds 24-26 (docs/validation.md)."""
    exact = mmc_mean_wait(4.5, 1.0, 5)
    cold = run_scenario(load_scenario(VALIDATION / "mmc_warmup_auto.yaml", {"clock.warmup": 0}), jobs=2)
    assert cold.kpi("wait_mean")["ci_high"] < exact
    warm = run_scenario(load_scenario(VALIDATION / "mmc_warmup_auto.yaml"), jobs=2)
    chosen = warm.scenario.clock.warmup
    assert warm.scenario.clock.warmup_auto and 30 <= chosen <= 120
    assert_in_ci(warm.kpi("wait_mean"), exact)
