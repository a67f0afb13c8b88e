"""Every duration family written by its mean and coefficient of variation, so that a variant can change
the spread alone (standard work: the same mean, less variability), and Pollaczek-Khinchine's factor for
what that does to an M/G/1 queue."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.analysis import relative_change
from simulator.errors import ScenarioError
from simulator.experiment import run_scenario
from simulator.queueing import mg1_mean_wait
from simulator.scenario.overrides import apply_overrides
from tests.conftest import build, single_queue


@pytest.mark.parametrize("family", ["lognormal", "gamma", "weibull", "normal", "uniform"])
def test_a_family_by_mean_and_cv_has_that_mean_and_cv(family):
    cv = 0.2 if family == "normal" else 0.4   # a normal is truncated at 0: at cv 0.2 that is 5 sd away
    mapping = single_queue(per_hour=30, duration={family: {"mean": 4, "cv": cv}}, headcount=3, horizon=60,
                           warmup=0, replications=1)
    step = build(mapping).processes[0].steps[0].duration
    assert step.mean == pytest.approx(4, rel=1e-6) and step.cv == pytest.approx(cv, rel=1e-3)
    draws = step.sample(np.random.default_rng(1), 200_000)
    assert draws.mean() == pytest.approx(4, rel=0.01) and draws.std() / draws.mean() == pytest.approx(cv, rel=0.02)


def test_set_cv_changes_the_spread_alone_whichever_way_the_file_gives_it():
    mapping = single_queue(per_hour=30, duration={"lognormal": {"mean": 4, "sd": 2}}, headcount=3, horizon=60,
                           warmup=0, replications=1)
    changed = build(apply_overrides(mapping, {"processes.serve.steps.talk.duration.cv": 0.25}))
    duration = changed.processes[0].steps[0].duration
    assert duration.mean == pytest.approx(4) and duration.cv == pytest.approx(0.25)
    weibull = single_queue(per_hour=30, duration={"weibull": {"mean": 4, "shape": 1.5}}, headcount=3, horizon=60,
                           warmup=0, replications=1)
    spread = build(apply_overrides(weibull, {"processes.serve.steps.talk.duration.cv": 0.3})).processes[0].steps[0]
    assert spread.duration.mean == pytest.approx(4) and spread.duration.cv == pytest.approx(0.3, rel=1e-6)


@pytest.mark.parametrize("duration, message", [
    ({"lognormal": {"mean": 4, "sd": 1, "cv": 0.2}}, "must give mean and sd or mean and cv"),
    ({"uniform": {"mean": 4, "cv": 0.9}}, "a uniform above 0 has a cv of at most 0.577"),
    ({"weibull": {"mean": 4, "cv": 0.001}}, "a Weibull's cv must lie between"),
])
def test_impossible_spreads_are_refused(duration, message):
    with pytest.raises(ScenarioError, match=message):
        build(single_queue(per_hour=30, duration=duration, headcount=3, horizon=60, warmup=0, replications=1))


@pytest.mark.slow   # a long statistical check: pytest -m slow (.ci/run runs it)
def test_halving_the_spread_of_an_mg1_cuts_its_wait_by_the_pollaczek_khinchine_factor():
    """At load 0.8, service cv 1 -> 0.5 at the same mean: W = lambda E[S^2] / (2 (1 - rho)) with E[S^2] =
    (1 + cv^2) mean^2, so the wait falls by (1 + 0.25) / 2 = 0.625, paired on the same customers."""
    def queue(cv: float) -> dict:
        return single_queue(per_hour=48, duration={"gamma": {"mean": 1, "cv": cv}}, headcount=1, horizon=20000,
                            warmup=2000, replications=30, seed=61)
    wide, narrow = run_scenario(build(queue(1.0))), run_scenario(build(queue(0.5)))
    assert math.isclose(mg1_mean_wait(0.8, 1.0, 1.25) / mg1_mean_wait(0.8, 1.0, 2.0), 0.625)
    change, low, high = relative_change(*(run.replications.query("metric == 'wait_mean' and scope == 'all'")
                                          ["value"].to_numpy() for run in (wide, narrow)))
    assert low <= 0.625 - 1 <= high and high < -0.25


def test_errors_tied_to_non_standard_work_fall_with_the_spread():
    """error_spread: 1.0 says the step's error_rate (0.08) holds at cv 1; at cv 0.5 it is half."""
    def step(cv: float) -> dict:
        mapping = single_queue(per_hour=30, duration={"gamma": {"mean": 4, "cv": cv}}, headcount=3, horizon=60,
                               warmup=0, replications=1)
        mapping["processes"]["serve"]["steps"][0].update(error_rate=0.08, error_spread=1.0)
        return mapping
    assert build(step(1.0)).processes[0].steps[0].error_rate == pytest.approx(0.08)
    assert build(step(0.5)).processes[0].steps[0].error_rate == pytest.approx(0.04)
    assert build(step(20.0)).processes[0].steps[0].error_rate == 1.0
    plain = step(0.5)
    del plain["processes"]["serve"]["steps"][0]["error_rate"]
    with pytest.raises(ScenarioError, match="the step has neither"):
        build(plain)
