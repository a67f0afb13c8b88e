"""The round trip: a log the simulator writes from known parameters is calibrated back to them, the
fitted scenario reproduces the log, and the backtest says so (and flags a scenario that is wrong)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from simulator.cli import main
from simulator.data.history import read_contact_log
from simulator.experiment import run_scenario
from simulator.output import contact_log
from simulator.planning.backtest import backtest, log_scenario
from simulator.scenario import load_scenario


RATES = [80, 120, 140, 130, 110, 100, 110, 120, 100, 70]   # calls per hour, hourly
TRUE = {"handle_mean": 4.0, "handle_cv": 0.75, "patience_mean": 2.0}
BASE = {
    "name": "round trip",
    "clock": {"open": "08:00", "close": "18:00", "days": 10, "interval": "30min", "start_date": "2026-11-02",
              "closed": ["sat", "sun"]},
    "replications": 1, "seed": 7,
    "channels": {"phone": {"patience": {"exponential": {"mean": TRUE["patience_mean"]}}}},
    "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": RATES}, "process": "answer"}},
    "processes": {"answer": {"steps": [{"name": "talk", "skill": "phone",
                                        "duration": {"lognormal": {"mean": TRUE["handle_mean"],
                                                                   "sd": TRUE["handle_mean"] * TRUE["handle_cv"]}}}]}},
    "staff": {"agents": {"headcount": 7, "skills": {"phone": 3}}},
    "service_level": {"within": "20s"},
}


@pytest.fixture(scope="module")
def trip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trip")
    base = folder / "base.yaml"
    base.write_text(yaml.safe_dump(BASE))
    truth = run_scenario(load_scenario(base), keep_tables=True)
    log_file = folder / "log.csv.gz"
    contact_log(truth).to_csv(log_file, index=False, compression="gzip")
    log = read_contact_log(log_file)
    scenario = load_scenario(base)
    fitted = folder / "fitted.yaml"
    result = CliRunner().invoke(main, ["calibrate", str(log_file), "--scenario", str(base), "-o", str(fitted), "--json"])
    assert result.exit_code == 0, result.output
    return {"folder": folder, "base": base, "log_file": log_file, "log": log, "scenario": scenario,
            "json": json.loads(result.output), "fitted": fitted}


def test_the_log_is_in_the_abandonment_range_the_check_needs(trip):
    outcome = trip["log"].frame["outcome"]
    share = (outcome == "abandoned").sum() / outcome.isin(["answered", "abandoned"]).sum()
    assert 0.10 <= share <= 0.30


def test_fitted_arrival_rates_cover_the_true_rates(trip):
    fit = trip["json"]["streams"]["calls"]
    arrivals = fit["arrivals"]
    true = np.repeat(RATES, 2)                      # hourly rates over half-hour intervals
    low, high = np.array(arrivals["per_hour_ci_low"]), np.array(arrivals["per_hour_ci_high"])
    covered = (low <= true) & (true <= high)
    assert covered.mean() >= 0.85                   # 95% CIs: about one interval in twenty may miss
    # the day's total: within 3 Poisson sd
    assert abs(np.mean(arrivals["per_hour"]) / true.mean() - 1) < 3 / np.sqrt(fit["contacts"])
    assert arrivals["days"] == 10


def within(interval: list[float], value: float) -> bool:
    return interval[0] <= value <= interval[1]


def test_handling_time_mean_and_cv_within_their_cis(trip):
    handle = trip["json"]["streams"]["calls"]["handling"]
    assert handle["chosen"]["family"] == "lognormal"
    assert within(handle["mean_ci_min"], TRUE["handle_mean"])
    assert within(handle["cv_ci"], TRUE["handle_cv"])
    assert within(handle["chosen"]["mean_ci_min"], TRUE["handle_mean"])


def test_patience_from_censored_waits_and_the_naive_estimate_biased(trip):
    patience = trip["json"]["patience"]["phone"]
    best = patience["chosen"]
    assert within(best["mean_ci_min"], TRUE["patience_mean"])
    assert abs(best["mean_min"] / TRUE["patience_mean"] - 1) < 0.10
    # the abandoners' mean wait: far too low
    assert patience["naive_abandoners_mean_min"] < 0.5 * TRUE["patience_mean"]
    assert abs(patience["brown_check_mean_min"] / TRUE["patience_mean"] - 1) < 0.10


def test_fitted_yaml_runs_and_keeps_staff(trip):
    fitted = load_scenario(trip["fitted"])
    assert fitted.staff == trip["scenario"].staff
    step = fitted.process("answer").steps[0]
    assert step.duration.family == "lognormal"
    assert abs(fitted.channel("phone").patience.mean - TRUE["patience_mean"]) < 0.2
    assert fitted.demand[0].arrivals.by_weekday    # per weekday, because the base clock has dates


def test_fitted_scenario_reproduces_the_log_and_backtest_says_so(trip):
    fitted = load_scenario(trip["fitted"])
    on_log = log_scenario(trip["fitted"], fitted, trip["log"], replications=10, seed=99)
    result = backtest(on_log, trip["log"])
    overall = result.overall.set_index(["metric", "scope"])
    for metric in ("abandon_rate", "wait_mean", "service_level"):
        assert not overall.loc[(metric, "channel:phone"), "outside"], overall.loc[(metric, "channel:phone")]
    assert (result.summary["intervals_outside"] < 0.10).all()


def test_backtest_flags_a_scenario_whose_patience_is_wrong(trip):
    wrong = dict(BASE, channels={"phone": {"patience": {"exponential": {"mean": 6.0}}}})
    path = trip["folder"] / "wrong.yaml"
    path.write_text(yaml.safe_dump(wrong))
    on_log = log_scenario(path, load_scenario(path), trip["log"], replications=5, seed=3)
    overall = backtest(on_log, trip["log"]).overall.set_index(["metric", "scope"])
    assert overall.loc[("abandon_rate", "channel:phone"), "outside"]
    assert overall.loc[("abandon_rate", "channel:phone"), "sim_mean"] < overall.loc[("abandon_rate", "channel:phone"),
                                                                                    "observed"]


def test_backtest_command_writes_its_folder(trip):
    result = CliRunner().invoke(main, ["backtest", str(trip["fitted"]), str(trip["log_file"]), "-r", "3", "--out",
                                       str(trip["folder"] / "results"), "--json"])
    assert result.exit_code == 0, result.output
    folder = json.loads(result.output)["results"]
    names = {p.name for p in (trip["folder"] / "results").glob("*/*/*")}
    assert {"backtest_intervals.csv", "backtest_days.csv", "backtest_summary.csv", "backtest.png"} <= names, folder


def test_fit_report_has_the_charts(trip):
    report = trip["fitted"].with_name("fitted_report.html").read_text()
    assert report.count("data:image/png;base64") == 3     # arrivals, handling, patience
    assert "Kaplan-Meier" in report


def test_a_backtest_replays_exactly_the_logged_volume_of_every_interval(trip):
    on_log = log_scenario(trip["base"], trip["scenario"], trip["log"], replications=2, seed=5)
    assert on_log.demand[0].arrivals.exact
    result = run_scenario(on_log)
    offered = result.intervals[(result.intervals.metric == "offered") & (result.intervals.scope == "all")]
    frame = trip["log"].frame
    minutes = frame["arrival"].dt.hour * 60 + frame["arrival"].dt.minute - 8 * 60
    day = frame["arrival"].dt.date.map({d: i for i, d in enumerate(on_log.clock.dates)})
    logged = np.bincount(day * 20 + minutes // 30, minlength=on_log.clock.intervals)
    for _, rows in offered.groupby("replication"):
        assert np.array_equal(rows.sort_values("interval")["value"].to_numpy(), logged)


@pytest.mark.slow
def test_handling_that_varies_over_the_day_is_found_and_written(tmp_path):
    factors = [1.3, 1.3, 1.3, 1.3, 1.0, 1.0, 1.0, 1.0, 0.8, 0.8, 0.8, 0.8]   # per half hour, 08:00-14:00
    varying = {"name": "varying", "clock": {"open": "08:00", "close": "14:00", "days": 3, "interval": "30min"},
               "replications": 1, "seed": 3, "channels": {"phone": {}},
               "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": 90}, "process": "answer"}},
               "processes": {"answer": {"steps": [{"name": "talk", "skill": "phone", "duration_factors": factors,
                                                   "duration": {"gamma": {"mean": 4, "cv": 0.6}}}]}},
               "staff": {"agents": {"headcount": 10, "skills": {"phone": 3}}}}
    base = tmp_path / "varying.yaml"
    base.write_text(yaml.safe_dump(varying))
    truth = run_scenario(load_scenario(base), keep_tables=True)
    log_file = tmp_path / "log.csv.gz"
    contact_log(truth).to_csv(log_file, index=False, compression="gzip")
    fitted = tmp_path / "fitted.yaml"
    result = CliRunner().invoke(main, ["calibrate", str(log_file), "--scenario", str(base), "-o", str(fitted), "--json"])
    assert result.exit_code == 0, result.output
    handling = json.loads(result.output)["streams"]["calls"]["handling"]
    assert handling["varies_by_interval"]
    found = np.array(handling["duration_factors"])
    assert np.allclose(found / found.mean(), np.array(factors) / np.mean(factors), rtol=0.12)
    step = load_scenario(fitted).process("answer").steps[0]
    assert step.duration_factors and abs(step.duration.cv - 0.6) < 0.05   # the shape, the level removed
