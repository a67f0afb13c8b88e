"""The shipped history (scenarios/history): the planning loop of docs/forecasting.md runs on it, and the
calibration finds the parameters it was generated with (truth.yaml)."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from simulator.cli import main
from simulator.data.history import read_contact_log, read_surveys
from simulator.planning.calibrate import calibrate
from simulator.planning.surveys import fit_satisfaction
from simulator.scenario import load_scenario
from tests.conftest import SCENARIOS


HISTORY = SCENARIOS / "history"


def invoke(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def calibration():
    return calibrate(load_scenario(HISTORY / "base.yaml"), read_contact_log(HISTORY / "contact_log.csv.gz"))


def test_calibration_finds_the_truth(calibration):
    truth = load_scenario(HISTORY / "truth.yaml")
    streams = {fit.demand: fit for fit in calibration.streams}
    for demand, step in (("calls", truth.process("call").steps[0]), ("chats", truth.process("chat").steps[0])):
        handle = streams[demand].handle
        assert handle.best.family == step.duration.family
        assert handle.mean_ci[0] <= step.duration.mean <= handle.mean_ci[1]
        assert handle.cv_ci[0] <= step.duration.cv <= handle.cv_ci[1]
    for channel in ("phone", "chat"):
        patience = calibration.patience[channel]
        true_mean = truth.channel(channel).patience.mean
        assert patience.best.mean_ci[0] <= true_mean <= patience.best.mean_ci[1]
        assert patience.naive_mean < 0.6 * true_mean


def test_surveys_fit_the_satisfaction_proxy(calibration):
    log = read_contact_log(HISTORY / "contact_log.csv.gz")
    fit = fit_satisfaction(load_scenario(HISTORY / "base.yaml"), log, read_surveys(HISTORY / "surveys.csv"))
    assert fit["surveys"] > 1000 and fit["merged_reliability_and_assurance"]
    assert 1.3 < fit["settings"]["abandoned"] < 1.7                      # generated at 1.5
    tolerance = float(fit["settings"]["tolerance"]["phone"].removesuffix("min"))
    assert 0.4 < tolerance < 1.1                                         # generated at 40 s
    assert 0.4 < fit["settings"]["weights"]["responsiveness"] < 0.75     # generated at 0.5 (scores rounded)
    assert fit["r_squared"] > 0.2


@pytest.mark.slow
def test_forecast_then_calibrate_gives_next_weeks_scenario(tmp_path):
    invoke("forecast", str(HISTORY / "volumes.csv"), "-o", str(tmp_path / "forecast.csv"))
    summary = yaml.safe_load((tmp_path / "forecast.yaml").read_text())
    assert set(summary["channels"]) == {"phone", "chat"}
    invoke("calibrate", str(HISTORY / "contact_log.csv.gz"), "--scenario", str(HISTORY / "base.yaml"),
           "--forecast", str(tmp_path / "forecast.csv"), "-o", str(tmp_path / "next_week.yaml"))
    plan = load_scenario(tmp_path / "next_week.yaml")
    assert plan.clock.start_date == summary["clock"]["start_date"] and plan.clock.days == 5
    phone, chat = (d.arrivals for d in plan.demand)
    assert len(phone.by_date) == 5 and phone.by_date != chat.by_date    # each stream its own channel's rows
    assert phone.uncertainty == summary["channels"]["phone"]["arrivals"]["uncertainty"]


@pytest.mark.slow
def test_the_whole_worked_example(tmp_path):
    """forecast -> calibrate -> staff --per-interval -> roster -> backtest, as docs/forecasting.md runs it."""
    invoke("forecast", str(HISTORY / "volumes.csv"), "-o", str(tmp_path / "forecast.csv"), "--backtest", "10")
    invoke("calibrate", str(HISTORY / "contact_log.csv.gz"), "--scenario", str(HISTORY / "base.yaml"),
           "--forecast", str(tmp_path / "forecast.csv"), "--surveys", str(HISTORY / "surveys.csv"),
           "-o", str(tmp_path / "next_week.yaml"))
    out = str(tmp_path / "results")
    staffed = json.loads(invoke("staff", str(tmp_path / "next_week.yaml"), "--out", out, "--json", "--no-charts"))
    assert {row["pool"]: row["required"] for row in staffed["staffing"]}["chat_team"] >= 5
    invoke("staff", str(tmp_path / "next_week.yaml"), "--per-interval", "--pool", "agents",
           "--set", "staff.chat_team.headcount=5", "--out", out, "--quiet", "--no-charts")
    rostered = invoke("roster", str(tmp_path / "next_week.yaml"), "--pool", "agents",
                      "--set", "staff.chat_team.headcount=5", "--out", out, "--no-charts")
    assert "100 of 100 intervals meet their targets with the roster" in rostered
    invoke("calibrate", str(HISTORY / "contact_log.csv.gz"), "--scenario", str(HISTORY / "base.yaml"),
           "-o", str(tmp_path / "fitted.yaml"))
    fitted = json.loads(invoke("backtest", str(tmp_path / "fitted.yaml"), str(HISTORY / "contact_log.csv.gz"),
                               "--out", out, "--json"))
    assert not any(row["outside"] for row in fitted["overall"] if row["metric"] != "occupancy"), fitted["overall"]
    guessed = json.loads(invoke("backtest", str(HISTORY / "base.yaml"), str(HISTORY / "contact_log.csv.gz"),
                                "--out", out, "--json"))
    assert any(row["outside"] for row in guessed["overall"] if row["metric"] == "wait_mean")
