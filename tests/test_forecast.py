"""Forecasts from interval volumes: open days learnt, holidays kept out, the file a scenario reads as it
is, the intraday update, prediction intervals and the methods' backtest."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from simulator.cli import main
from simulator.data.history import read_volumes
from simulator.planning.forecast import daily_history, forecast
from simulator.scenario import load_scenario

PROFILE = np.array([40, 60, 90, 110, 100, 80, 90, 100, 70, 40], dtype=float)   # per half hour, 08:00-13:00
WEEKDAY_FACTOR = {0: 1.3, 1: 1.1, 2: 1.0, 3: 1.0, 4: 0.9}


def history(days: int = 70, seed: int = 3, holiday: dt.date | None = dt.date(2026, 10, 5),
            last_day_until: int | None = None, morning_boost: float = 1.0) -> pd.DataFrame:
    """Poisson volumes, weekdays only, 08:00-13:00 in half hours, with a gamma day factor (cv 0.08)."""
    rng = np.random.default_rng(seed)
    rows, day = [], dt.date(2026, 8, 3)
    open_days = 0
    while open_days < days:
        if day.weekday() < 5:
            open_days += 1
            if day != holiday:
                factor = rng.gamma(1 / 0.08 ** 2, 0.08 ** 2) * WEEKDAY_FACTOR[day.weekday()]
                last = open_days == days
                for k, mean in enumerate(PROFILE):
                    if last and last_day_until is not None and k >= last_day_until:
                        break
                    boost = morning_boost if last else 1.0
                    start = dt.datetime.combine(day, dt.time(8)) + dt.timedelta(minutes=30 * k)
                    rows.append((start.strftime("%Y-%m-%d %H:%M"), rng.poisson(mean * factor * boost)))
        day += dt.timedelta(days=1)
    return pd.DataFrame(rows, columns=["start", "volume"])


@pytest.fixture
def written(tmp_path):
    path = tmp_path / "history.csv"
    history().to_csv(path, index=False)
    return path


def test_open_days_and_holidays_learnt(written):
    past = daily_history(read_volumes(written), "all")
    assert past.open_weekdays == [0, 1, 2, 3, 4]
    assert past.holidays == [dt.date(2026, 10, 5)]
    assert past.grain == 30 and past.slots[0] == 8 * 60 and past.slots[-1] == 12 * 60 + 30
    assert past.today is None
    ahead = forecast(past, 5)
    dates = sorted(set(pd.to_datetime(ahead.table["start"]).dt.date))
    assert all(d.weekday() < 5 for d in dates) and len(dates) == 5
    assert len(ahead.table) == 5 * len(PROFILE)
    assert (ahead.table["low"] <= ahead.table["volume"]).all() and (ahead.table["volume"] <= ahead.table["high"]).all()


def test_the_forecast_runs_in_a_scenario_as_it_is(written, tmp_path):
    out = tmp_path / "forecast.csv"
    result = CliRunner().invoke(main, ["forecast", str(written), "-o", str(out), "--backtest", "10"])
    assert result.exit_code == 0, result.output
    summary = yaml.safe_load(out.with_suffix(".yaml").read_text())
    clock = summary["clock"]
    assert clock["open"] == "08:00" and clock["close"] == "13:00" and clock["closed"] == ["sat", "sun"]
    scenario = tmp_path / "next_week.yaml"
    scenario.write_text(yaml.safe_dump({
        "name": "next week", "clock": {k: clock[k] for k in ("start_date", "days", "open", "close", "interval", "closed")},
        "channels": {"phone": {}}, "service_level": {"within": "20s"},
        "demand": {"calls": {"channel": "phone", "arrivals": summary["channels"]["all"]["arrivals"],
                             "process": "p"}},
        "processes": {"p": {"steps": [{"name": "talk", "skill": "s", "duration": {"exponential": {"mean": 3}}}]}},
        "staff": {"agents": {"headcount": 12, "skills": {"s": 3}}}}))
    loaded = load_scenario(scenario)
    arrivals = loaded.demand[0].arrivals
    assert len(arrivals.by_date) == 5
    assert 0 < arrivals.uncertainty < 0.3
    table = pd.read_csv(tmp_path / "forecast_backtest.csv")
    assert set(table["method"]) == {"weekday_average", "smoothing", "svd"} and table["chosen"].sum() == 1
    assert (tmp_path / "forecast_backtest.png").stat().st_size > 10_000


def test_prediction_intervals_cover_about_their_level(tmp_path):
    full = history(days=90, seed=11)
    cut = full["start"] < "2026-11-23"
    path = tmp_path / "history.csv"
    full[cut].to_csv(path, index=False)
    ahead = forecast(daily_history(read_volumes(path), "all"), 5, level=0.8)
    table = ahead.table.set_index("start")
    actual = full[~cut].set_index("start")["volume"].loc[table.index]
    inside = ((table["low"] <= actual) & (actual <= table["high"])).mean()
    assert 0.6 <= inside <= 0.97


def test_the_intraday_update_follows_a_busy_morning(tmp_path):
    path = tmp_path / "today.csv"
    history(last_day_until=4, morning_boost=1.4).to_csv(path, index=False)
    past = daily_history(read_volumes(path), "all")
    assert past.today is not None and len(past.today_counts) == 4
    updated = forecast(past, 1, method="weekday_average")
    assert any("intraday update" in note for note in updated.notes)
    today = updated.table[pd.to_datetime(updated.table["start"]).dt.date == past.today]
    assert today["volume"].iloc[:4].tolist() == past.today_counts.tolist()     # seen: the counts
    weekday = past.weekdays == past.today.weekday()
    average = past.counts[weekday][-4:].mean(axis=0)
    assert today["volume"].iloc[4:].sum() > average[4:].sum()          # a busy morning raises the afternoon


def test_unknown_method_is_a_clear_error(written):
    result = CliRunner().invoke(main, ["forecast", str(written), "--method", "magic"])
    assert result.exit_code == 2 and "--method must be auto or one of" in result.output
