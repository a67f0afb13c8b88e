"""Charts of the history commands: forecast backtests, calibration fits, and a scenario's backtest
against a log. Headless (Agg on the figure's canvas), each written to the path it is given."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from simulator.charts import COLOURS, legend_below   # one colour-blind-safe palette (Okabe-Ito)


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
    legend_below(figure, *axes[::2])
    figure.savefig(path, format="png")


def _png(figure: Figure) -> bytes:
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def arrival_profile_chart(fit, clock) -> bytes:
    """Fitted contacts per hour per interval with the 95% band, and each weekday's own profile."""
    figure, (axis,) = _figure(1, 1, (10, 4.2))
    width = clock.day_length / clock.intervals_per_day
    starts = (clock.open_at or 0.0) + np.arange(clock.intervals_per_day) * width
    hours = starts / 60
    axis.fill_between(hours, fit.arrivals.low, fit.arrivals.high, step="post", color=COLOURS[0], alpha=0.25,
                      label="95% CI (all days)")
    axis.step(hours, fit.arrivals.per_hour, where="post", color=COLOURS[0], lw=2, label="all days")
    for colour, (day, rates) in zip(COLOURS[1:], fit.arrivals.by_weekday.items()):
        if len(fit.arrivals.by_weekday) > 1:
            axis.step(hours, rates, where="post", color=colour, lw=1, label=day)
    axis.set_title(f"{fit.demand}: arrivals over {fit.arrivals.days} days (uncertainty {fit.arrivals.uncertainty:.3f})")
    axis.set_xlabel("hour of day")
    axis.set_ylabel("contacts per hour")
    legend_below(figure, axis)
    return _png(figure)


def handle_fit_chart(fit) -> bytes:
    """The handling times' histogram with each family's fitted density, and a QQ plot of the chosen one."""
    from simulator.planning.fitting import FAMILIES

    figure, (density, qq) = _figure(1, 2, (11, 4.2))
    sample = fit.handle.sample
    top = np.quantile(sample, 0.995)
    density.hist(sample[sample <= top], bins=60, density=True, color="#c9d6e3", label="logged (work at level 3)")
    grid = np.linspace(top / 400, top, 300)
    for colour, item in zip(COLOURS, fit.handle.fits):
        dist = FAMILIES[item.family][0]
        density.plot(grid, dist.pdf(grid, *item.params), color=colour, lw=1.6,
                     label=f"{item.family} (AIC {item.aic:.0f})" + (" chosen" if item is fit.handle.best else ""))
    density.set_title(f"{fit.demand}: handling time, {fit.handle.count} answered")
    density.set_xlabel("minutes")
    legend_below(figure, density)
    best = fit.handle.best
    probabilities = (np.arange(1, 201) - 0.5) / 200
    qq.plot(FAMILIES[best.family][0].ppf(probabilities, *best.params), np.quantile(sample, probabilities), "o",
            ms=3, color=COLOURS[0])
    limit = float(np.quantile(sample, 0.995))
    qq.plot([0, limit], [0, limit], color="black", lw=1)
    qq.set_title(f"QQ plot: logged against fitted {best.family}")
    qq.set_xlabel("fitted quantile, minutes")
    qq.set_ylabel("logged quantile, minutes")
    return _png(figure)


def patience_chart(channel: str, fit) -> bytes:
    """Kaplan-Meier survival of patience with the parametric fits, and the naive estimate's curve."""
    from simulator.planning.fitting import FAMILIES

    figure, (axis,) = _figure(1, 1, (10, 4.4))
    times = fit.km_times
    axis.step(np.concatenate([[0], times]), np.concatenate([[1], fit.km_survival]), where="post", color="black",
              lw=2, label="Kaplan-Meier (answered waits censored)")
    grid = np.linspace(0, float(np.quantile(times, 0.99)) if len(times) else 1.0, 300)
    for colour, item in zip(COLOURS, fit.fits):
        axis.plot(grid, FAMILIES[item.family][0].sf(grid, *item.params), color=colour, lw=1.5,
                  label=f"{item.family}, mean {item.mean:.2f} min" + (" (chosen)" if item is fit.best else ""))
    axis.plot(grid, np.exp(-grid / fit.naive_mean), color="#999999", lw=1.5, ls="--",
              label=f"naive: abandoners' mean wait {fit.naive_mean:.2f} min (biased)")
    axis.set_title(f"{channel}: patience, {fit.abandoned} abandoned of {fit.abandoned + fit.answered} queued")
    axis.set_xlabel("minutes waited")
    axis.set_ylabel("share still willing to wait")
    axis.set_ylim(0, 1.02)
    legend_below(figure, axis)
    return _png(figure)


BACKTEST_TITLES = {"service_level": "service level", "wait_mean": "speed of answer (mean wait, min)",
                   "abandon_rate": "abandonment", "occupancy": "occupancy"}


def backtest_chart(result, path: Path, scope: str = "all") -> None:
    """Observed against simulated per interval, over the log's days: the simulation's mean and the 95%
    range one replication falls in; observed points outside it in red."""
    figure, axes = _figure(2, 2, (12, 7.5))
    table = result.intervals[result.intervals["scope"] == scope]
    for axis, metric in zip(axes, ("service_level", "wait_mean", "abandon_rate", "occupancy")):
        rows = table[table["metric"] == metric].sort_values("interval")
        axis.set_title(BACKTEST_TITLES[metric])
        if rows.empty:
            axis.text(0.5, 0.5, "not measured", ha="center", transform=axis.transAxes)
            continue
        x = rows["interval"].to_numpy()
        scale = 100 if metric != "wait_mean" else 1
        axis.fill_between(x, rows["pi_low"] * scale, rows["pi_high"] * scale, color=COLOURS[0], alpha=0.2,
                          step="mid", label="simulation: 95% range of one day")
        axis.plot(x, rows["sim_mean"] * scale, color=COLOURS[0], lw=1.2, label="simulation: mean")
        inside = ~rows["outside"].to_numpy()
        axis.plot(x[inside], rows["observed"].to_numpy()[inside] * scale, "o", ms=2.5, color="black", label="observed")
        axis.plot(x[~inside], rows["observed"].to_numpy()[~inside] * scale, "o", ms=3.5, color=COLOURS[1],
                  label="observed, outside the range")
        periods = result.scenario.clock.intervals_per_day
        for boundary in range(periods, int(x.max()) + 1, periods):
            axis.axvline(boundary - 0.5, color="#cccccc", lw=0.6)
        axis.set_xlabel(f"interval ({len(result.scenario.clock.dates)} days, a line between days)")
        axis.set_ylabel("%" if scale == 100 else "minutes")
    legend_below(figure, axes[0])
    figure.suptitle(f"Backtest: {result.scenario.name}, {scope}")
    figure.savefig(path, format="png")
