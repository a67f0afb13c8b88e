"""The customer-outcome proxy: churn = base + per_point x (5 - satisfaction) + after_failure (an error
reached them or they gave up, unless a complaint won them back), capped to [0, 1], with a value per
customer kept by segment. Checked as an identity on a replication's records."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.errors import ScenarioError
from simulator.experiment import run_scenario
from simulator.metrics.compute import satisfaction_scores
from tests.conftest import build
from tests.test_complaints import desk

RETENTION = {"base": 0.02, "per_point": 0.04, "after_failure": 0.1, "value": 100,
             "by_segment": {"premium": {"base": 0.01, "value": 500}}}


def test_churn_and_value_lost_are_the_formula_over_the_customers():
    mapping = desk({"after_error": 0.5, "recovery": {"within": 600, "satisfaction": 4}}, retention=RETENTION)
    result = run_scenario(build(mapping), replications=1, keep_tables=True)
    tables = result.outputs[0].tables
    scenario = result.scenario
    score = satisfaction_scores(tables, scenario)
    counted = tables.arrived_at >= scenario.clock.warmup
    left = np.isin(tables.outcome, (0, 1))
    customers = counted & left & (tables.repeat_of < 0)
    won_back = np.zeros(len(score), dtype=bool)
    recovered = tables.complaint & (tables.outcome == 0) & (tables.departed_at - tables.arrived_at <= 600)
    won_back[tables.repeat_of[recovered]] = True
    failed = ((tables.errors > 0) | (tables.outcome == 1)) & ~won_back
    base = np.where(tables.segment == 0, 0.01, 0.02)
    value = np.where(tables.segment == 0, 500.0, 100.0)
    churn = np.clip(base + 0.04 * (5 - score) + 0.1 * failed, 0, 1)
    assert won_back.any() and failed.any()
    assert result.value("churn_proxy") == pytest.approx(churn[customers].mean())
    assert result.value("value_lost") == pytest.approx(((churn - base) * value)[customers].sum())
    assert result.value("value_lost", "segment:premium") == pytest.approx(
        ((churn - base) * value)[customers & (tables.segment == 0)].sum())


def test_fewer_errors_keep_more_value():
    worse = run_scenario(build(desk(error_rate=0.2, retention=RETENTION)), replications=4)
    better = run_scenario(build(desk(error_rate=0.05, retention=RETENTION)), replications=4)
    assert better.value("value_lost") < worse.value("value_lost")
    assert better.value("churn_proxy") < worse.value("churn_proxy")


def test_without_retention_there_is_no_proxy():
    assert "churn_proxy" not in set(run_scenario(build(desk()), replications=2).summary.metric)


@pytest.mark.parametrize("retention, message", [
    ({"base": 1.5}, "base: must be a number"),
    ({"by_segment": {"gold": {"value": 3}}}, "by_segment.gold: names no segment"),
    ({"value": -1}, "value: must be a number"),
])
def test_bad_retention_settings_are_refused(retention, message):
    with pytest.raises(ScenarioError, match=message):
        build(desk(retention=retention))
