"""What ``servicesim forecast`` writes: the dated forecast file, its summary beside it (method,
uncertainty, a clock for scenarios, notes), and the backtest table and chart when asked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import yaml

from simulator.output import write_files
from simulator.planning.forecast import Forecast
from simulator.planning.forecast_methods import BENCHMARK
from simulator.units import format_clock

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def summary(forecasts: list[Forecast], history_file: Path, forecast_file: Path, level: float) -> dict:
    """The forecast's provenance and what a scenario needs beside the file: a clock and, per channel,
    the arrivals entry with its uncertainty."""
    first = forecasts[0].history
    dates = sorted({d for f in forecasts for d in pd.to_datetime(f.table["start"]).dt.date})
    open_weekdays = sorted({w for f in forecasts for w in f.history.open_weekdays})
    slots = [f.history.slots for f in forecasts]
    opens, closes = min(s[0] for s in slots), max(s[-1] for s in slots) + first.grain
    channels = {}
    for item in forecasts:
        entry = {"method": item.method,
                 "arrivals": {"csv": forecast_file.name, "uncertainty": round(item.spread.uncertainty, 4)},
                 "interval_dispersion": round(item.spread.phi, 5),
                 "history": {"first": item.history.dates[0].isoformat(), "last": item.history.dates[-1].isoformat(),
                             "days": len(item.history.dates),
                             "holidays": [d.isoformat() for d in item.history.holidays]},
                 "notes": item.notes}
        if item.backtest is not None:
            errors = item.backtest.errors.set_index("method")
            entry["backtest"] = {"days": len(item.backtest.days),
                                 "rmse": round(float(errors.loc[item.method, "rmse"]), 3),
                                 f"{BENCHMARK}_rmse": round(float(errors.loc[BENCHMARK, "rmse"]), 3)}
        channels[item.channel] = entry
    return {
        "forecast": str(forecast_file.name), "from": str(history_file), "made": dt.date.today().isoformat(),
        "prediction_interval": level,
        "clock": {"start_date": dates[0].isoformat(), "days": len(dates), "open": format_clock(opens),
                  "close": format_clock(closes), "interval": f"{first.grain:g}min",
                  "closed": [WEEKDAY_NAMES[d] for d in range(7) if d not in open_weekdays]},
        "channels": channels,
    }


def backtest_table(forecasts: list[Forecast]) -> pd.DataFrame:
    """Each channel's methods' one-day-ahead errors, benchmark first."""
    frames = [f.backtest.errors.assign(channel=f.channel, days=len(f.backtest.days),
                                       chosen=lambda e, m=f.method: e["method"].eq(m))
              for f in forecasts if f.backtest is not None]
    table = pd.concat(frames, ignore_index=True)
    return table[["channel", "method", "days", "rmse", "mape", "daily_total_mape", "daily_total_rmse",
                  "vs_benchmark", "chosen"]]


def write_forecast(forecasts: list[Forecast], history_file: Path, out_file: Path, level: float,
                   with_backtest: bool) -> list[Path]:
    """The forecast CSV, its summary YAML (same name, ``.yaml``) and, with a backtest, ``*_backtest.csv``
    and ``*_backtest.png``: all written, or none."""
    table = pd.concat([f.table for f in forecasts], ignore_index=True)
    if len(forecasts) == 1 and forecasts[0].channel == "all":
        table = table.drop(columns="channel")
    info = summary(forecasts, history_file, out_file, level)
    files = {out_file: lambda p: table.to_csv(p, index=False),
             out_file.with_suffix(".yaml"): lambda p: p.write_text(
                 "# Written by servicesim forecast: a scenario reads the forecast with arrivals: {csv: ...}\n"
                 + yaml.safe_dump(info, sort_keys=False, allow_unicode=True))}
    if with_backtest:
        stem = out_file.with_name(out_file.stem + "_backtest")
        files[stem.with_suffix(".csv")] = lambda p: backtest_table(forecasts).round(4).to_csv(p, index=False)

        def chart(path: Path) -> None:
            from simulator.history_charts import forecast_backtest_chart
            forecast_backtest_chart(forecasts, path)
        files[stem.with_suffix(".png")] = chart
    return write_files(files)
