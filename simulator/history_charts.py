"""Charts of the history commands: forecast backtests, calibration fits, and a scenario's backtest
against a log. Headless (Agg on the figure's canvas), each written to the path it is given."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

COLOURS = ["#1f5f8b", "#d1495b", "#2e933c", "#edae49", "#6c4f9c", "#00798c"]


def _figure(rows: int = 1, columns: int = 2, size: tuple[float, float] = (11, 4.6)) -> tuple[Figure, np.ndarray]:
    figure = Figure(figsize=size, dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, np.atleast_1d(figure.subplots(rows, columns, squeeze=False).ravel())


def forecast_backtest_chart(forecasts, path: Path) -> None:
    """Per channel: each method's one-day-ahead daily totals against the actual ones, and their RMSE."""
    tested = [f for f in forecasts if f.backtest is not None]
    figure, axes = _figure(len(tested), 2, (11, 4.2 * len(tested)))
    for row, item in enumerate(tested):
        totals, errors = axes[2 * row], axes[2 * row + 1]
        days = pd.to_datetime(item.backtest.days)
        totals.plot(days, item.backtest.actual.sum(axis=1), color="black", lw=2, marker="o", ms=3, label="actual")
        for colour, (method, predicted) in zip(COLOURS, item.backtest.predictions.items()):
            totals.plot(days, predicted.sum(axis=1), color=colour, lw=1.2, label=method)
        totals.set_title(f"{item.channel}: daily totals, one day ahead")
        totals.set_ylabel("contacts per day")
        totals.legend(fontsize=8)
        totals.tick_params(axis="x", labelrotation=30, labelsize=8)
        table = item.backtest.errors
        bars = errors.bar(table["method"], table["rmse"],
                          color=[COLOURS[i % len(COLOURS)] for i in range(len(table))])
        for bar, method, change in zip(bars, table["method"], table.get("vs_benchmark", [np.nan] * len(table))):
            label = "benchmark" if method == "weekday_average" else f"{change:+.1%}" if np.isfinite(change) else ""
            errors.annotate(("chosen " if method == item.method else "") + label, (bar.get_x() + bar.get_width() / 2,
                            bar.get_height()), ha="center", va="bottom", fontsize=8)
        errors.set_title(f"RMSE per interval, {len(days)} days")
        errors.set_ylabel("contacts per interval")
    figure.savefig(path, format="png")
