"""The chance of meeting each target: the share of simulated days (replication x day) on which it is
met, with a Wilson interval, in the console, --json, summary.csv, targets.csv and the report."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from simulator.analysis import wilson
from simulator.cli import main
from simulator.experiment import run_scenario
from simulator.scenario import load_scenario
from tests.conftest import SCENARIOS, build, single_queue


def test_a_one_day_runs_chance_is_the_share_of_replications_that_meet_it_in_replications_csv(tmp_path):
    shown = CliRunner().invoke(main, ["run", str(SCENARIOS / "mmc_textbook.yaml"), "-r", "20", "--no-charts",
                                      "--set", "staff.agents.headcount=21", "--out", str(tmp_path)])
    assert shown.exit_code == 0, shown.output
    folder = next(tmp_path.glob("*/*"))
    replications = pd.read_csv(folder / "replications.csv")
    values = replications.query("metric == 'service_level' and scope == 'all'")["value"]
    met = int((values >= 0.8).sum())
    assert 0 < met < 20   # some days met, some not: the test can tell
    targets = pd.read_csv(folder / "targets.csv")
    assert (targets.loc[0, "days"], targets.loc[0, "days_met"]) == (20, met)
    assert targets.loc[0, "chance_met"] == pytest.approx(met / 20)
    low, high = wilson(np.array([met], dtype=float), np.array([20.0]))
    assert (targets.loc[0, "chance_low"], targets.loc[0, "chance_high"]) == pytest.approx((low[0], high[0]))
    assert f"met on {met} of 20 days" in shown.output
    summary = pd.read_csv(folder / "summary.csv")
    row = summary[(summary.metric == "chance_met") & (summary.scope == "target:service_level@all")].iloc[0]
    assert row["mean"] == pytest.approx(met / 20) and row["replications"] == 20


def test_several_days_count_replication_days_pooling_each_days_intervals():
    """Three days of an M/M/5: each replication-day's service level sums its intervals' counts."""
    mapping = single_queue(per_hour=240, duration={"exponential": {"mean": 1}}, headcount=5, horizon=3 * 480,
                           warmup=0, replications=6, interval=60)
    mapping["clock"] = {"open": "09:00", "close": "17:00", "days": 3, "interval": "1h"}
    mapping["targets"] = {"service_level": {"at_least": 0.6}}
    result = run_scenario(build(mapping))
    rows = result.intervals.query("metric == 'service_level' and scope == 'all'").assign(
        day=lambda t: t.interval // 8)
    sums = rows.groupby(["replication", "day"])[["numerator", "denominator"]].sum()
    days = sums["numerator"] / sums["denominator"]
    target = result.targets.iloc[0]
    assert target["days"] == 18 and target["days_met"] == int((days >= 0.6).sum())
    hours = rows["value"].dropna()
    assert target["intervals_met_share"] == pytest.approx((hours >= 0.6).mean())


def test_json_and_the_report_carry_the_chance(tmp_path):
    runner = CliRunner()
    data = json.loads(runner.invoke(main, ["run", str(SCENARIOS / "mmc_textbook.yaml"), "-r", "3", "--json",
                                           "--no-charts", "--report", "--out", str(tmp_path)]).output)
    verdict = data["verdicts"][0]
    assert {"days", "days_met", "chance_met", "chance_low", "chance_high", "intervals_met_share"} <= set(verdict)
    report = (next(tmp_path.glob("*/*")) / "report.html").read_text()
    assert "days met" in report and f"met on {verdict['days_met']} of 3 days" in report


def test_forecast_uncertainty_lowers_the_chance_of_a_target_the_mean_still_meets():
    """With the forecast's error, some days are busier than planned: the estimate over all days barely
    moves, but the share of days that meet the target falls."""
    scenario = load_scenario(SCENARIOS / "mmc_textbook.yaml", {"staff.agents.headcount": 22})
    certain = run_scenario(scenario, replications=40)
    unsure = run_scenario(load_scenario(SCENARIOS / "mmc_textbook.yaml",
                                        {"staff.agents.headcount": 22,
                                         "demand.calls.arrivals.uncertainty": 0.1}), replications=40)
    assert unsure.targets.loc[0, "chance_met"] < certain.targets.loc[0, "chance_met"]
