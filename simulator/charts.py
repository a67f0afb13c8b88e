"""Charts an analyst can paste into a slide: titled, labelled with units, targets drawn, CIs shown.

matplotlib with the headless Agg backend (set on the figure's canvas, not process-wide); every chart
is written as PNG, and as SVG too when asked (:mod:`simulator.chart_formats`, ``--svg``). Each function
takes results already computed and returns the paths it wrote.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator, PercentFormatter
from PIL import Image

from simulator.chart_formats import chart_formats
from simulator.columns import Table
from simulator.console import format_value
from simulator.experiment import Comparison, RunResult
from simulator.fonts import use_fonts
from simulator.i18n import tr
from simulator.kpis import KPI_BY_NAME, headline_pairs, kpi_label
from simulator.scenario import Scenario
from simulator.units import format_duration

if TYPE_CHECKING:
    import pandas as pd   # imported where a chart needs it: a run's chart process starts without it

use_fonts()   # names in any script (Hangul ...) draw, not as empty boxes (animate and others draw through here)

SIZE = (10, 5.6)          # inches: 16:9-ish, readable at slide size
# Okabe-Ito: told apart under every common colour-vision deficiency (deuteranopia, protanopia, tritanopia)
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
TARGET = {"color": "#555555", "linestyle": "--", "linewidth": 1.4}   # targets and thresholds: one neutral style


def _figure() -> Figure:
    figure = Figure(figsize=SIZE, dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Figure, folder: Path, name: str) -> list[Path]:
    """Write the figure in each chart format (PNG first): see :func:`_write_png`; an SVG is written by
    savefig, which lays it out with its own renderer's text metrics."""
    paths = [folder / f"{name}.{extension}" for extension in chart_formats()]
    for path in paths:
        if path.suffix == ".png":
            _write_png(figure, path)
        else:
            figure.savefig(path)
    return paths


def _write_png(figure: Figure, path: Path) -> None:
    """The figure drawn once (with its constrained layout) and written by Pillow as RGB at zlib level 3.

    savefig would draw the whole figure twice (once without output, to lay it out) and write RGBA at
    level 6; a chart is opaque (its alpha channel was all 255), so these are the same pixels, in files of
    the same size, at two thirds of the cost (drawing twice and encoding were a third of a chart's time)."""
    figure.canvas.draw()
    pixels = np.asarray(figure.canvas.buffer_rgba())[..., :3]
    Image.fromarray(pixels).save(path, format="png", compress_level=3, dpi=(figure.dpi, figure.dpi))


def legend_below(figure: Figure, *axes) -> None:
    """One legend for the axes, below the plots, outside the data (constrained layout makes room for it);
    an entry that several panels share is listed once."""
    entries: dict[str, object] = {}
    for axis in axes:
        for handle, label in zip(*axis.get_legend_handles_labels()):
            entries.setdefault(label, handle)
    handles, labels = list(entries.values()), list(entries)
    if handles:
        # as many columns as the longest label lets fit across the figure (about 0.07 inch a character)
        entry = 0.55 + 0.07 * max(len(label) for label in labels)
        columns = max(1, min(4, len(handles), int(figure.get_figwidth() * 0.95 / entry)))
        figure.legend(handles, labels, loc="outside lower center", ncols=columns, frameon=False, fontsize="small")


def _unit(metric: str) -> str:
    kind = KPI_BY_NAME[metric].kind if metric in KPI_BY_NAME else "count"
    return {"share": "%", "duration": "minutes", "money": "currency units", "score": "score 1-5"}.get(kind, "count")


def _scale(metric: str, values):
    kind = KPI_BY_NAME[metric].kind if metric in KPI_BY_NAME else "count"
    return np.asarray(values, dtype=float) * (100 if kind == "share" else 1)


def service_level_by_interval(result: RunResult, folder: Path) -> list[Path]:
    """Service level per interval with its CI band and the target, over the offered volume."""
    table = result.tables.interval_summary
    clock = result.scenario.clock
    target = next((t for t in result.scenario.targets if t.kpi == "service_level"), None)
    scope = _service_level_scope(result)
    level = table.where(metric="service_level", scope=scope)
    if not len(level):
        return []
    offered = table.where(metric="offered", scope=scope)
    figure = _figure()
    volume = figure.add_subplot()
    axis = volume.twinx()
    x = level["interval"]
    abandoned = table.where(metric="abandoned", scope=scope)
    who = tr("all real-time contacts") if scope == "all" else scope.split(":", 1)[1]
    volume.bar(offered["interval"], offered["mean"], color="#d9e2ec", width=0.8, label=tr("offered contacts"))
    volume.bar(abandoned["interval"], abandoned["mean"], color="#f4a3a8", width=0.8, label=tr("of which abandoned"))
    volume.set_ylabel(tr("offered contacts per interval ({who})", who=who))
    axis.fill_between(x, _scale("service_level", level["ci_low"]), _scale("service_level", level["ci_high"]),
                      color=COLOURS[0], alpha=0.2, label=tr("95% confidence interval"))
    axis.plot(x, _scale("service_level", level["mean"]), color=COLOURS[0], marker="o",
              label=tr("service level ({who})", who=who))
    if target is not None:
        axis.axhline(target.bound * 100, **TARGET, label=tr("target {bound}", bound=f"{target.bound:.0%}"))
    axis.set_ylim(0, 105)
    axis.yaxis.set_major_formatter(PercentFormatter())
    within = target.within if target is not None and target.within is not None else None
    axis.set_ylabel(tr("answered by a person within {duration}", duration=format_duration(within)) if within is not None
                    else "answered by a person within each channel's threshold")
    volume.yaxis.tick_right(), volume.yaxis.set_label_position("right")
    axis.yaxis.tick_left(), axis.yaxis.set_label_position("left")
    _interval_ticks(volume, x, clock)
    volume.set_xlabel(tr("interval start"))
    legend_below(figure, axis, volume)   # never over the data
    figure.suptitle(tr("{name}: service level, volume and abandonment by interval ({count} replications)",
                       name=result.scenario.name, count=result.scenario.replications))
    return _save(figure, folder, "service_level_by_interval")


def _service_level_scope(result: RunResult) -> str:
    """The scope the service-level chart draws: the first service-level target's (all contacts or a
    channel: like with like), else all contacts."""
    target = next((t for t in result.scenario.targets if t.kpi == "service_level"), None)
    scopes = set(result.tables.interval_summary.unique("scope"))
    return target.scope if target is not None and target.scope in scopes else "all"


def staffing_by_interval(result: RunResult, folder: Path) -> list[Path]:
    """Staffed against busy agents per pool over the day: where the staff are, and how busy."""
    table = result.tables.interval_summary
    pools = [s for s in table.unique("scope") if s.startswith("pool:")]
    figure = _figure()
    axis = figure.add_subplot()
    for colour, scope in zip(COLOURS, pools):
        staffed = table.where(metric="staffed", scope=scope)
        busy = table.where(metric="busy", scope=scope)
        name = scope.split(":", 1)[1]
        axis.step(staffed["interval"], staffed["mean"], where="mid", color=colour, linestyle="--",
                  label=f"{name}: staffed")
        axis.plot(busy["interval"], busy["mean"], color=colour, marker="o", markersize=3, label=f"{name}: busy")
        axis.fill_between(busy["interval"], busy["ci_low"], busy["ci_high"], color=colour, alpha=0.15)
    axis.set_ylabel("agents (average over the interval)")
    axis.set_xlabel(tr("interval start"))
    axis.set_ylim(bottom=0)
    _interval_ticks(axis, np.unique(table["interval"]), result.scenario.clock)
    legend_below(figure, axis)
    figure.suptitle(tr("{name}: staffed and busy agents (busy with 95% CI)", name=result.scenario.name))
    return _save(figure, folder, "staffing_by_interval")


def targets_by_interval(result: RunResult, folder: Path) -> list[Path]:
    """Each target on a KPI measured per interval (other than service level, which has its own chart):
    its value per interval in the target's scope, with the CI band and the target, so that the bank
    branch's "mean wait at most 5 minutes" is charted as it is judged."""
    table = result.tables.interval_summary
    charted = _service_level_scope(result)      # the service-level chart has this one
    chosen = [t for t in result.scenario.targets if not (t.kpi == "service_level" and t.scope == charted)
              and len(table.where(metric=t.kpi, scope=t.scope))]
    if not chosen:
        return []
    figure = _figure()
    axes = np.atleast_1d(figure.subplots(1, len(chosen[:3])))
    for axis, target, colour in zip(axes, chosen[:3], COLOURS):
        rows = table.where(metric=target.kpi, scope=target.scope)
        axis.fill_between(rows["interval"], _scale(target.kpi, rows["ci_low"]), _scale(target.kpi, rows["ci_high"]),
                          color=colour, alpha=0.2, label="95% CI")
        axis.plot(rows["interval"], _scale(target.kpi, rows["mean"]), color=colour, marker="o", markersize=3,
                  label=kpi_label(target.kpi))
        axis.axhline(_scale(target.kpi, [target.bound])[0], **TARGET,
                     label=f"target: {target.direction.replace('_', ' ')} {format_value(target.kpi, target.bound)}")
        # the estimates and the target set the scale (a per-interval CI of few replications can be wide)
        top = float(np.nanmax(np.append(_scale(target.kpi, rows["mean"]), _scale(target.kpi, [target.bound]))))
        ceiling = 105 if KPI_BY_NAME[target.kpi].kind == "share" else np.inf    # a share tops out at 100%
        axis.set_ylim(0, min(top * 1.6, ceiling) if top > 0 else 1)
        axis.set_ylabel(f"{kpi_label(target.kpi)} ({_unit(target.kpi)})")
        axis.set_title(target.scope if target.scope != "all" else "all contacts", fontsize="medium")
        _interval_ticks(axis, np.unique(rows["interval"]), result.scenario.clock)
    legend_below(figure, *axes)
    figure.suptitle(tr("{name}: the targets, interval by interval", name=result.scenario.name))
    return _save(figure, folder, "targets_by_interval")


def wait_distribution(result: RunResult, folder: Path) -> list[Path]:
    """Share of the contacts who queued for a person answered within each wait, per real-time channel (a
    CDF with its CI band; abandoners are never answered, so the curve tops out below 100%), and each
    channel's service-level threshold: where the curve crosses it is the channel's service level."""
    table = result.tables.distributions.where(distribution="wait_cdf")
    scopes = [s for s in table.unique("scope") if s.startswith("channel:")] or table.unique("scope")
    if not scopes:
        return []
    figure = _figure()
    axis = figure.add_subplot()
    scenario = result.scenario
    for colour, scope in zip(COLOURS, scopes):
        rows = table.where(scope=scope)
        x = np.maximum(rows["point"], 1 / 12)          # 0 drawn at 5 s on the log axis
        axis.fill_between(x, rows["ci_low"] * 100, rows["ci_high"] * 100, color=colour, alpha=0.15)
        name = scope.split(":", 1)[-1]
        axis.plot(x, rows["mean"] * 100, color=colour, marker="o", markersize=3, label=name)
        threshold = scenario.threshold(name) if scope.startswith("channel:") else scenario.service_level.default
        if threshold is not None:
            axis.axvline(threshold, color=colour, linestyle=":",
                         label=f"{name}: service-level threshold ({format_duration(threshold)})")
            target = next((t for t in scenario.targets if t.kpi == "service_level" and t.scope in (scope, "all")
                           and (t.within is None or abs(t.within - threshold) < 1e-9)), None)
            if target is not None:   # the curve must pass above this point
                axis.plot([threshold], [target.bound * 100], marker="D", markersize=8, color=TARGET["color"],
                          linestyle="none",
                          label=f"{name}: target {target.bound:.0%} within {format_duration(threshold)}")
    axis.set_xscale("log")
    ticks = [1 / 12, 1 / 6, 1 / 3, 1, 2, 5, 10, 30, 60, 120, 480]
    axis.set_xticks(ticks, ["0 s", "10 s", "20 s", "1 min", "2 min", "5 min", "10 min", "30 min", "1 h", "2 h",
                            "8 h"])
    axis.set_xlabel("wait for a person (log scale; answered at once drawn at 0 s)")
    axis.set_ylabel("answered within that wait, of all who queued")
    axis.yaxis.set_major_formatter(PercentFormatter())
    axis.set_ylim(0, 101)
    legend_below(figure, axis)
    figure.suptitle(tr("{name}: how long customers wait for a person, by channel (95% CI bands)", name=result.scenario.name))
    return _save(figure, folder, "wait_distribution")


def queue_by_interval(result: RunResult, folder: Path) -> list[Path]:
    """Customers waiting (time-average) in each interval, one line per real-time channel with its CI band:
    a live queue per channel, so that one channel's peak is not hidden in a total (backlogs of deferrable
    work have their own chart)."""
    table = result.tables.interval_summary
    scenario = result.scenario
    live = [f"channel:{c.name}" for c in scenario.channels if not c.deferrable
            and any(d.channel == c.name for d in scenario.demand)]
    rows = table.where(metric="waiting").where_in("scope", live)
    if not len(rows):
        return []   # a backlog is not a queue of customers
    return _lines_by_scope(result, folder, rows, live, "customers waiting, average over the interval",
                           "live queues over the day, by channel", "queue_by_interval")


def backlog_by_interval(result: RunResult, folder: Path) -> list[Path]:
    """Deferrable work left open at the end of each interval, per deferrable channel, with its CI band."""
    rows = result.tables.interval_summary.where(metric="backlog")
    if not len(rows):
        return []
    limits = [t for t in result.scenario.targets if t.kpi == "backlog_end"]   # judged at the last closing
    return _lines_by_scope(result, folder, rows, sorted(rows.unique("scope")), "items open at the end of the interval",
                           "backlog of deferrable work over the day", "backlog_by_interval", limits)


def backlog_age_by_interval(result: RunResult, folder: Path) -> list[Path]:
    """How old the open deferrable work is at the end of each interval, per deferrable channel: the mean
    age with its CI band and the oldest item (replication mean), against the response target."""
    table = result.tables.interval_summary
    rows = table.where(metric="backlog_age_mean")
    if not len(rows):
        return []
    oldest = table.where(metric="backlog_age_max")
    return _deferrable_chart(result, folder, rows, oldest, "age of the open work at the end of the interval",
                             "how old the backlog is", "backlog_age_by_interval")


def response_time_by_interval(result: RunResult, folder: Path) -> list[Path]:
    """Mean response time of deferrable work by interval of arrival, per channel, with its CI band,
    against the response target: when an email sent at 16:00 is answered, not only on average."""
    rows = result.tables.interval_summary.where(metric="response_time_mean")
    if not len(rows):
        return []
    return _deferrable_chart(result, folder, rows, None, "mean response time, by interval of arrival",
                             "response time of deferrable work", "response_time_by_interval")


def _deferrable_chart(result: RunResult, folder: Path, rows: Table, oldest: Table | None,
                      ylabel: str, title: str, name: str) -> list[Path]:
    """Durations of deferrable work per interval, a line and CI band per channel, in minutes or hours
    (whichever reads better), with each channel's response target in the neutral target style."""
    scenario = result.scenario
    scopes = sorted(rows.unique("scope"))
    scopes = [scope for scope in scopes if scope.startswith("channel:")] or scopes   # not "all" beside them
    rows = rows.where_in("scope", scopes)
    targets = {scope: scenario.clock.opening_time(scenario.channel(scope.split(":", 1)[1]).response_target)
               for scope in scopes if scope.startswith("channel:")
               and scenario.channel(scope.split(":", 1)[1]).response_target is not None}
    top = np.nanmax(np.concatenate([rows["mean"].astype(float), list(targets.values()) or [0.0],
                                    [] if oldest is None else oldest.where_in("scope", scopes)["mean"].astype(float)]))
    hours = bool(np.isfinite(top) and top > 180)
    scale, unit = (1 / 60, "hours") if hours else (1.0, "minutes")
    figure = _figure()
    axis = figure.add_subplot()
    for colour, scope in zip(COLOURS, scopes):
        line = rows.where(scope=scope)
        label = scope.split(":", 1)[-1]
        axis.fill_between(line["interval"], line["ci_low"] * scale, line["ci_high"] * scale, color=colour, alpha=0.2)
        axis.plot(line["interval"], line["mean"] * scale, color=colour, marker="o", markersize=3,
                  label=f"{label}: mean (95% CI band)")
        if oldest is not None:
            worst = oldest.where(scope=scope)
            axis.plot(worst["interval"], worst["mean"] * scale, color=colour, linestyle=":", label=f"{label}: oldest item")
        if scope in targets:
            axis.axhline(targets[scope] * scale, **TARGET,
                         label=f"{label}: response target "
                               f"({format_duration(scenario.channel(label).response_target)})")
            axis.annotate(f"{label} target", (1.0, targets[scope] * scale), xycoords=("axes fraction", "data"),
                          xytext=(-4, 3), textcoords="offset points", ha="right", fontsize="small",
                          color=TARGET["color"])   # which neutral line is whose
    # the estimates and targets set the scale (an interval's CI from few replications can be very wide)
    axis.set_ylim(0, top * scale * 1.25 if np.isfinite(top) and top > 0 else 1)
    axis.set_ylabel(f"{ylabel} ({unit}, opening time)")
    axis.set_xlabel(tr("interval start"))
    _interval_ticks(axis, np.unique(rows["interval"]), scenario.clock)
    legend_below(figure, axis)
    figure.suptitle(f"{scenario.name}: {tr(title)}")
    return _save(figure, folder, name)


def _lines_by_scope(result: RunResult, folder: Path, rows: Table, scopes: list[str], ylabel: str,
                    title: str, name: str, limits: list = ()) -> list[Path]:
    """One line per scope (a channel) of an interval metric, each with its CI band, and ``limits``
    (targets on the same quantity) as neutral lines."""
    figure = _figure()
    axis = figure.add_subplot()
    for colour, scope in zip(COLOURS, scopes):
        line = rows.where(scope=scope)
        axis.fill_between(line["interval"], line["ci_low"], line["ci_high"], color=colour, alpha=0.2)
        axis.plot(line["interval"], line["mean"], color=colour, marker="o", markersize=3,
                  label=f"{scope.split(':', 1)[-1]} (95% CI band)")
    for limit in limits:
        where = "" if limit.scope == "all" else f" ({limit.scope.split(':', 1)[-1]})"
        axis.axhline(limit.bound, **TARGET, label=f"target{where}: {limit.direction.replace('_', ' ')} "
                                                  f"{format_value(limit.kpi, limit.bound)} at the last closing")
    axis.set_ylim(bottom=0)
    axis.set_ylabel(ylabel)
    axis.set_xlabel(tr("interval start"))
    _interval_ticks(axis, np.unique(rows["interval"]), result.scenario.clock)
    legend_below(figure, axis)
    figure.suptitle(f"{result.scenario.name}: {tr(title)}")
    return _save(figure, folder, name)


QUALITY = ("abandon_rate", "error_rate", "rework_rate", "recontact_rate", "fcr", "containment_rate")


def quality(result: RunResult, folder: Path) -> list[Path]:
    """Abandonment, errors, rework, recontacts, first-contact resolution and containment, with CIs."""
    summary = result.tables.summary.where(scope="all")
    row = {metric: number for number, metric in enumerate(summary["metric"].tolist())}
    shown = [k for k in QUALITY if k in row and not math.isnan(summary["mean"][row[k]])]
    figure = _figure()
    axis = figure.add_subplot()
    y = np.arange(len(shown))[::-1]
    rows = summary[np.array([row[k] for k in shown], dtype=np.int64)]
    mean = rows["mean"] * 100
    low, high = (np.where(np.isnan(rows[end]), rows["mean"], rows[end]) * 100 for end in ("ci_low", "ci_high"))
    axis.barh(y, mean, color=[COLOURS[2] if k in ("fcr", "containment_rate") else COLOURS[0] for k in shown])
    axis.errorbar(mean, y, xerr=[mean - low, high - mean], fmt="none", color="black", capsize=4, label="95% CI")
    for yy, value, end in zip(y, mean, high):
        axis.text(end + 1.5, yy, f"{value:.1f}%", va="center")    # beyond the whisker, never on it
    marked = False
    for target in result.scenario.targets:
        if target.kpi in shown and target.scope == "all":
            yy = y[shown.index(target.kpi)]
            axis.plot([target.bound * 100] * 2, [yy - 0.4, yy + 0.4], color=TARGET["color"], linewidth=3,
                      label=None if marked else "target")
            marked = True
    axis.set_yticks(y, [kpi_label(metric) for metric in shown])
    axis.set_xlim(0, 110)
    axis.xaxis.set_major_formatter(PercentFormatter())
    axis.set_xlabel("share of contacts (see docs/kpis.md for each definition)")
    legend_below(figure, axis)
    figure.suptitle(tr("{name}: quality (green: higher is better)", name=result.scenario.name))
    return _save(figure, folder, "quality")


def satisfaction_distribution(result: RunResult, folder: Path) -> list[Path]:
    """The satisfaction proxy's distribution over contacts that left, with CI whiskers."""
    rows = result.tables.distributions.where(distribution="satisfaction", scope="all")
    figure = _figure()
    axis = figure.add_subplot()
    labels = [f"{p:.1f}-{p + 0.5:.1f}" for p in rows["point"]]
    x = np.arange(len(rows))
    mean = rows["mean"] * 100
    axis.bar(x, mean, color=[COLOURS[2] if p >= 4 else COLOURS[0] for p in rows["point"]])
    axis.errorbar(x, mean, yerr=[mean - rows["ci_low"] * 100, rows["ci_high"] * 100 - mean],
                  fmt="none", color="black", capsize=4, label="95% CI")
    axis.set_xticks(x, labels)
    axis.set_xlabel("satisfaction proxy (1 to 5; green: satisfied, 4 or more)")
    axis.set_ylabel("share of contacts")
    axis.yaxis.set_major_formatter(PercentFormatter())
    legend_below(figure, axis)
    figure.suptitle(tr("{name}: satisfaction proxy, distribution (docs/satisfaction.md)", name=result.scenario.name))
    return _save(figure, folder, "satisfaction")


def run_charts(result: RunResult, folder: Path, jobs: int | None = None,
               ahead: "Callable[[], dict[str, list[Path]]] | None" = None) -> list[Path]:
    """The charts of a run, written into its results folder, drawn on up to ``jobs`` processes (default:
    every core; each chart is independent of the others, and the order of the paths is the same).

    ``ahead``: when the charts of :data:`FROM_THE_SCENARIO` are being drawn elsewhere (a chart process
    draws them while the replications run), a function that waits for them and returns their files by
    chart name; they are moved into ``folder``. One it does not return is drawn here after all."""
    from simulator.executors import map_locally

    charts = [chart for chart in RUN_CHARTS if ahead is None or chart[1] not in FROM_THE_SCENARIO]
    # the longest first (it re-simulates a day), so no worker is left drawing it alone at the end
    charts.sort(key=lambda chart: chart[1] not in DRAWN_FIRST)
    drawn = dict(zip((name for _, name in charts),
                     map_locally(_draw_run_chart, charts, (result, folder, chart_formats()), jobs)))
    if ahead is not None:
        for name, paths in ahead().items():
            drawn[name] = [Path(shutil.move(path, folder / path.name)) for path in paths]
        for chart in RUN_CHARTS:
            if chart[1] not in drawn:
                drawn[chart[1]] = _draw_run_chart((result, folder, chart_formats()), chart)
    return [path for _, name in RUN_CHARTS for path in drawn[name]]


def scenario_charts(scenario: Scenario, folder: Path) -> dict[str, list[Path]]:
    """The run's charts that read nothing but its scenario (:data:`FROM_THE_SCENARIO`), drawn into
    ``folder`` before the run has results: their files by chart name."""
    import importlib

    return {name: getattr(importlib.import_module(f"simulator.{module}"), function)(scenario, folder)
            for name, (module, function) in FROM_THE_SCENARIO.items()}


# the charts of a run in reading order (the report shows them so): (module, function) of each
RUN_CHARTS = (
    ("charts", "service_level_by_interval"), ("charts", "targets_by_interval"), ("charts", "service_level_heatmap"),
    ("charts", "wait_distribution"), ("charts", "staffing_by_interval"), ("charts", "queue_by_interval"),
    ("charts", "backlog_by_interval"), ("charts", "backlog_age_by_interval"), ("charts", "response_time_by_interval"),
    ("charts", "quality"), ("views", "time_breakdown"), ("views", "replication_spread"), ("views", "agent_timeline"),
    ("views", "process_map"), ("charts", "satisfaction_distribution"),
)

DRAWN_FIRST = ("agent_timeline",)

# charts of RUN_CHARTS that read only the run's scenario, not its results: (module, function of the
# scenario) drawing each, which the chart process runs while the replications run (chart_process.py)
FROM_THE_SCENARIO = {"agent_timeline": ("views", "day_of_agents")}


def _draw_run_chart(shared: tuple[RunResult, Path, tuple[str, ...]], chart: tuple[str, str]) -> list[Path]:
    """One chart of :data:`RUN_CHARTS` (in a worker of :func:`run_charts`, or here)."""
    import importlib

    from simulator.chart_formats import set_chart_formats

    result, folder, formats = shared
    set_chart_formats("svg" in formats)
    module, name = chart
    return getattr(importlib.import_module(f"simulator.{module}"), name)(result, folder)


def comparison_charts(comparison: Comparison, folder: Path,
                      metrics: tuple[str, ...] = ("service_level", "abandon_rate", "wait_mean", "cost_per_contact"),
                      jobs: int | None = None) -> list[Path]:
    """Each KPI per scenario with CI whiskers (left) and the paired difference from the baseline (right):
    the targets' KPIs in their own scopes first; then cost against service, and where the time goes.
    Drawn on up to ``jobs`` processes (default: every core), in that order."""
    from simulator.executors import map_locally

    scenario = comparison.runs[comparison.baseline].scenario
    charts = [("kpi_compared", metric, scope) for metric, scope in headline_pairs(scenario, metrics)]
    charts += [("cost_and_service",), ("comparison_time_breakdown",)]
    drawn = map_locally(_draw_comparison_chart, charts, (comparison, folder, chart_formats()), jobs)
    return [path for paths in drawn for path in paths]


def _draw_comparison_chart(shared: tuple[Comparison, Path, tuple[str, ...]], chart: tuple) -> list[Path]:
    """One chart of :func:`comparison_charts` (in a worker, or here)."""
    from simulator.chart_formats import set_chart_formats
    from simulator.views import comparison_time_breakdown

    comparison, folder, formats = shared
    set_chart_formats("svg" in formats)
    drawing = {"kpi_compared": kpi_compared, "cost_and_service": cost_and_service,
               "comparison_time_breakdown": comparison_time_breakdown}[chart[0]]
    return drawing(comparison, folder, *chart[1:])


def kpi_compared(comparison: Comparison, folder: Path, metric: str, scope: str) -> list[Path]:
    """One KPI in one scope, per scenario with CI whiskers, beside its paired difference from the
    baseline (green where the CI excludes zero)."""
    table = comparison.table
    scenario = comparison.runs[comparison.baseline].scenario
    rows = table[(table.metric == metric) & (table.scope == scope)]
    if rows.empty or rows["mean"].isna().all():
        return []
    figure = _figure()
    level, diff = figure.subplots(1, 2)
    names = rows["scenario"].tolist()
    y = np.arange(len(names))[::-1]
    mean, low, high = (_scale(metric, rows[c]) for c in ("mean", "ci_low", "ci_high"))
    level.errorbar(mean, y, xerr=[mean - low, high - mean], fmt="o", color=COLOURS[0], capsize=4)
    level.set_yticks(y, names)
    where = "" if scope == "all" else f", {scope}"
    level.set_xlabel(f"{kpi_label(metric)}{where} ({_unit(metric)})")
    level.set_title("each scenario, with 95% CI")
    target = next((t for t in scenario.targets if t.kpi == metric and t.scope == scope), None)
    if target is not None:
        level.axvline(_scale(metric, [target.bound])[0], **TARGET,
                      label=f"target: {target.direction.replace('_', ' ')} {format_value(metric, target.bound)}")
        legend_below(figure, level)
    others = rows[rows.scenario != comparison.baseline]
    d_mean, d_low, d_high = (_scale(metric, others[c]) for c in ("diff_mean", "diff_ci_low", "diff_ci_high"))
    yd = np.arange(len(others))[::-1]
    colours = [COLOURS[2] if s else "#999999" for s in others["significant"]]
    for k in range(len(others)):
        diff.errorbar(d_mean[k], yd[k], xerr=[[d_mean[k] - d_low[k]], [d_high[k] - d_mean[k]]], fmt="o",
                      color=colours[k], capsize=4)
    diff.axvline(0, color="black", linewidth=0.8)
    diff.set_yticks(yd, others["scenario"].tolist())
    diff.set_xlabel(f"difference from {comparison.baseline} ({_unit(metric)})")
    diff.set_title("paired difference, 95% CI\n(green: the CI excludes zero)")
    figure.suptitle(f"{kpi_label(metric)}{where}: scenarios compared on the same customers")
    name = metric if scope == "all" else f"{metric}_{scope.replace(':', '_').replace('.', '_')}"
    return _save(figure, folder, f"compare_{name}")


def efficient(cost: np.ndarray, service: np.ndarray) -> np.ndarray:
    """Which points no other beats on both: as cheap or cheaper and as good or better (one strictly)."""
    return np.array([not np.any((cost <= c) & (service >= v) & ((cost < c) | (service > v)))
                     for c, v in zip(cost, service)])


def cost_and_service(comparison: Comparison, folder: Path) -> list[Path]:
    """Cost against the target's KPI (service level where no target names one) for every scenario or sweep
    point, with CIs, the efficient frontier drawn and the target marked: what each level of service costs."""
    scenario = comparison.runs[comparison.baseline].scenario
    target = next((t for t in scenario.targets if t.kpi in KPI_BY_NAME and KPI_BY_NAME[t.kpi].kind == "share"), None)
    metric, scope = (target.kpi, target.scope) if target is not None else ("service_level", "all")
    table = comparison.table
    service = table[(table.metric == metric) & (table.scope == scope)].set_index("scenario")
    cost = table[(table.metric == "cost_total") & (table.scope == "all")].set_index("scenario")
    names = [n for n in comparison.runs if n in service.index and n in cost.index]
    if len(names) < 2 or cost.loc[names, "mean"].fillna(0).eq(0).all() or service.loc[names, "mean"].isna().all():
        return []
    x, y = cost.loc[names, "mean"].to_numpy(dtype=float), _scale(metric, service.loc[names, "mean"])
    figure = _figure()
    axis = figure.add_subplot()
    cost_low, cost_high = (cost.loc[names, c].to_numpy(float) for c in ("ci_low", "ci_high"))
    service_low, service_high = (_scale(metric, service.loc[names, c]) for c in ("ci_low", "ci_high"))
    axis.errorbar(x, y, xerr=[x - cost_low, cost_high - x], yerr=[y - service_low, service_high - y], fmt="o",
                  color=COLOURS[0], ecolor="#9aa5b1", capsize=3, label="scenario (95% CIs)")
    better = "higher" if KPI_BY_NAME[metric].better != "lower" else "lower"
    frontier = efficient(x, y if better == "higher" else -y)
    order = np.argsort(x[frontier])
    axis.plot(x[frontier][order], y[frontier][order], color=COLOURS[1], linewidth=2, label="efficient frontier")
    for name, xx, yy in zip(names, x, y):
        axis.annotate(name, (xx, yy), xytext=(4, 4), textcoords="offset points", fontsize="small")
    if target is not None:
        axis.axhline(_scale(metric, [target.bound])[0], **TARGET, label="target")
    axis.set_xlabel("total cost (currency)")
    axis.set_ylabel(f"{kpi_label(metric)}{'' if scope == 'all' else ', ' + scope} ({_unit(metric)})")
    legend_below(figure, axis)
    figure.suptitle(f"{scenario.name}: cost against {kpi_label(metric).lower()}, the efficient frontier drawn")
    return _save(figure, folder, "cost_and_service")


def sweep_charts(table: pd.DataFrame, parameter: str, folder: Path, targets: tuple = (),
                 metrics: tuple[str, ...] = ("service_level", "cost_total")) -> list[Path]:
    """Each KPI against the swept parameter, with its CI band and target (the staffing curve): the
    targets' KPIs in their own scopes (columns ``kpi@scope``) first."""
    columns = list(dict.fromkeys([t.kpi if t.scope == "all" else f"{t.kpi}@{t.scope}" for t in targets]
                                 + list(metrics)))
    columns = [c for c in columns if c in table and table[c].notna().any()][:3]
    if not columns:
        return []
    figure = _figure()
    axes = figure.subplots(1, len(columns))
    for axis, column, colour in zip(np.atleast_1d(axes), columns, COLOURS):
        metric, _, scope = column.partition("@")
        x = table[parameter].to_numpy(dtype=float)
        axis.fill_between(x, _scale(metric, table[f"{column}_ci_low"]), _scale(metric, table[f"{column}_ci_high"]),
                          color=colour, alpha=0.2, label="95% CI")
        axis.plot(x, _scale(metric, table[column]), color=colour, marker="o",
                  label=kpi_label(metric) + (f" ({scope})" if scope else ""))
        target = next((t for t in targets if t.kpi == metric and t.scope == (scope or "all")), None)
        if target is not None:
            axis.axhline(_scale(metric, [target.bound])[0], **TARGET, label="target")
        axis.set_xlabel(parameter)
        if all(float(v).is_integer() for v in x):   # headcounts are whole people: no 22.5 on the axis
            axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_ylabel(f"{kpi_label(metric)}{f' ({scope})' if scope else ''}, {_unit(metric)}")
    legend_below(figure, *np.atleast_1d(axes))
    figure.suptitle(f"KPIs against {parameter}")
    return _save(figure, folder, "sweep")


def sweep_heatmap(table: pd.DataFrame, parameters: list[str], folder: Path, targets: tuple = ()) -> list[Path]:
    """A two-parameter sweep: the first target's KPI (else service level) over the grid, each cell with its
    estimate, and the cells that meet the target outlined."""
    target = targets[0] if targets else None
    column = (target.kpi if target.scope == "all" else f"{target.kpi}@{target.scope}") if target else "service_level"
    if column not in table or table[column].isna().all():
        return []
    metric = column.partition("@")[0]
    rows, columns = (sorted(table[p].unique()) for p in parameters)
    grid = np.full((len(rows), len(columns)), np.nan)
    met = np.zeros_like(grid, dtype=bool)
    for _, point in table.iterrows():
        i, j = rows.index(point[parameters[0]]), columns.index(point[parameters[1]])
        grid[i, j] = _scale(metric, [point[column]])[0]
        if target is not None:
            low, high = point[f"{column}_ci_low"], point[f"{column}_ci_high"]
            met[i, j] = target.is_met(float(low if target.direction == "at_least" else high))
    figure = _figure()
    axis = figure.add_subplot()
    image = axis.imshow(grid, cmap="cividis", aspect="auto", origin="lower")
    for i in range(len(rows)):
        for j in range(len(columns)):
            if np.isfinite(grid[i, j]):
                axis.text(j, i, f"{grid[i, j]:.1f}", ha="center", va="center", fontsize=8,
                          color="white" if grid[i, j] < np.nanmean(grid) else "black")
            if met[i, j]:
                axis.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=2))
    axis.set_xticks(range(len(columns)), [str(c) for c in columns])
    axis.set_yticks(range(len(rows)), [str(r) for r in rows])
    axis.set_xlabel(parameters[1])
    axis.set_ylabel(parameters[0])
    figure.colorbar(image, ax=axis, label=f"{kpi_label(metric)} ({_unit(metric)})")
    met_text = f"; outlined: target {target.direction.replace('_', ' ')} {target.bound:g} met" if target else ""
    figure.suptitle(f"{kpi_label(metric)}{' (' + column.partition('@')[2] + ')' if '@' in column else ''} over the "
                    f"grid{met_text}")
    return _save(figure, folder, "sweep_heatmap")


def service_level_heatmap(result: RunResult, folder: Path) -> list[Path]:
    """Service level (the first service-level target's scope) by interval of the day and day: where and
    when the target is missed, over several days."""
    clock = result.scenario.clock
    if clock.days < 2:
        return []
    target = next((t for t in result.scenario.targets if t.kpi == "service_level"), None)
    table = result.tables.interval_summary
    scope = target.scope if target is not None and target.scope in table.unique("scope") else "all"
    rows = table.where(metric="service_level", scope=scope)
    if not len(rows):
        return []
    grid = np.full((clock.days, clock.intervals_per_day), np.nan)
    for interval, mean in zip(rows["interval"], rows["mean"]):
        day, slot = divmod(int(interval), clock.intervals_per_day)
        grid[day, slot] = mean * 100
    figure = _figure()
    axis = figure.add_subplot()
    image = axis.imshow(grid, cmap="cividis", aspect="auto", vmin=0, vmax=100)
    dates = clock.dates
    axis.set_yticks(range(clock.days), [f"{d:%a %d %b}" for d in dates] if dates else [f"day {d + 1}" for d in
                                                                                         range(clock.days)])
    step = max(1, clock.intervals_per_day // 10)
    axis.set_xticks(range(0, clock.intervals_per_day, step),
                    [clock.interval_labels(k)[0][-5:] for k in range(0, clock.intervals_per_day, step)])
    if target is not None:   # the intervals below the target, marked
        for day, slot in zip(*np.nonzero(grid < target.bound * 100)):
            axis.text(slot, day, "x", ha="center", va="center", color="white", fontsize=9)
    figure.colorbar(image, ax=axis, label="service level (%)")
    note = f" (x: below the {target.bound:.0%} target)" if target is not None else ""
    figure.suptitle(f"{result.scenario.name}: service level by interval and day, {scope}{note}")
    return _save(figure, folder, "service_level_heatmap")


def _day_axis(axis, table: pd.DataFrame) -> np.ndarray:
    """Positions for a table with a row per (days, interval): the day types side by side, each labelled
    at its start and parted from the next by a line; ticks at the interval starts."""
    x = np.arange(len(table))
    labels = table["start"].astype(str).tolist()
    if "days" in table and table["days"].nunique() > 1:
        firsts = np.flatnonzero(table["days"].ne(table["days"].shift()).to_numpy())
        for first in firsts:
            if first:
                axis.axvline(first - 0.5, color="#9aa5b1", linewidth=0.8)
            axis.annotate(str(table["days"].iloc[first]), (first, 1.0), xycoords=("data", "axes fraction"),
                          xytext=(2, -12), textcoords="offset points", fontsize="small", color="#52606d")
    step = max(1, len(x) // 16)
    axis.set_xticks(x[::step], labels[::step], rotation=45, ha="right")
    return x


def staffing_requirement_chart(table: pd.DataFrame, folder: Path, title: str) -> list[Path]:
    """The simulated requirement per interval beside Erlang C's (and Erlang A's), day type by day type."""
    import pandas as pd

    figure = _figure()
    axis = figure.add_subplot()
    x = _day_axis(axis, table)
    axis.step(x, table["required"], where="mid", color=COLOURS[0], label="simulation")
    axis.step(x, pd.to_numeric(table["erlang_c"], errors="coerce"), where="mid", color=COLOURS[1], linestyle="--",
              label="Erlang C")
    if "erlang_a" in table and pd.to_numeric(table["erlang_a"], errors="coerce").notna().any():
        axis.step(x, pd.to_numeric(table["erlang_a"], errors="coerce"), where="mid", color=COLOURS[2],
                  linestyle=":", label="Erlang A (with abandonment)")
    if "on_duty_in_file" in table:   # today's staffing beside the need: shortfall and surplus shaded
        required = table["required"].to_numpy(dtype=float)
        today = table["on_duty_in_file"].to_numpy(dtype=float)
        axis.step(x, today, where="mid", color="#555555", label="on duty in the scenario today")
        axis.fill_between(x, required, today, where=today >= required, step="mid", color=COLOURS[2], alpha=0.2,
                          label="surplus")
        axis.fill_between(x, required, today, where=today < required, step="mid", color=COLOURS[5], alpha=0.25,
                          label="shortfall")
    return _agents_by_interval(figure, axis, "agents", title, folder, "staffing_requirement")


def roster_chart(coverage: pd.DataFrame, folder: Path, title: str) -> list[Path]:
    """Agents scheduled (expected on duty) against required per interval, shortfall and surplus shaded,
    day type (or weekday) by day type."""
    figure = _figure()
    axis = figure.add_subplot()
    x = _day_axis(axis, coverage)
    required = coverage["required"].to_numpy(dtype=float)
    scheduled = coverage["scheduled"].to_numpy(dtype=float)
    axis.step(x, required, where="mid", color=COLOURS[1], linestyle="--", label="required")
    axis.step(x, scheduled, where="mid", color=COLOURS[0], label="scheduled (expected on duty)")
    axis.fill_between(x, required, scheduled, where=scheduled >= required, step="mid", color=COLOURS[2], alpha=0.25,
                      label="surplus")
    axis.fill_between(x, required, scheduled, where=scheduled < required, step="mid", color=COLOURS[1], alpha=0.25,
                      label="shortfall")
    return _agents_by_interval(figure, axis, "agents", title, folder, "roster")


def _agents_by_interval(figure, axis, label: str, title: str, folder: Path, name: str) -> list[Path]:
    """Labels, legend and title of a chart of agents per interval, then saved."""
    axis.set_xlabel(tr("interval start"))
    axis.set_ylabel(label)
    axis.set_ylim(bottom=0)
    legend_below(figure, axis)
    figure.suptitle(title)
    return _save(figure, folder, name)


def staffing_pools_chart(table: pd.DataFrame, folder: Path, title: str) -> list[Path]:
    """Per pool: the headcount in the file, the simulated requirement and Erlang C's answer."""
    import pandas as pd

    figure = _figure()
    axis = figure.add_subplot()
    x = np.arange(len(table))
    for offset, (column, label, colour) in zip((-0.27, 0, 0.27), (("in_file", "in the scenario", "#9aa5b1"),
                                                                 ("required", "simulation: required", COLOURS[0]),
                                                                 ("erlang_c", "Erlang C", COLOURS[1]))):
        values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
        axis.bar(x + offset, np.nan_to_num(values), width=0.27, color=colour, label=label)
        for xx, value in zip(x + offset, values):
            if value == value:
                axis.text(xx, value + 0.3, f"{value:.0f}", ha="center")
    axis.set_xticks(x, table["pool"])
    axis.set_ylabel("agents")
    axis.set_xlabel("pool")
    legend_below(figure, axis)
    figure.suptitle(title)
    return _save(figure, folder, "staffing_requirement")


def _interval_ticks(axis, intervals, clock) -> None:
    """Readable time along the x axis of interval numbers, at any horizon: on one day, clock times; over
    several, a tick and a faint line at each day's opening, named by weekday and date (or "day 3"), with
    clock times between them when there are at most three days."""
    intervals = np.asarray(intervals)
    if clock.days == 1 or not len(intervals):
        step = max(1, len(intervals) // 12)
        shown = intervals[::step]
        axis.set_xticks(shown, [clock.interval_labels(int(k))[0] for k in shown], rotation=45, ha="right")
        return
    per_day = clock.intervals_per_day
    days = np.unique(intervals // per_day)
    for day in days[1:]:
        axis.axvline(day * per_day - 0.5, color="#c8ced6", linewidth=0.7, zorder=0)
    every = max(1, int(math.ceil(len(days) / 10)))
    shown = days[::every]
    axis.set_xticks(shown * per_day - 0.5, [day_label(clock, int(day)) for day in shown], rotation=0, ha="left")
    wide = axis.get_position().width * axis.figure.get_figwidth() > 6    # a single panel, not one of several
    if len(days) <= 3 and per_day >= 4 and wide:
        within = np.arange(0, per_day, max(1, per_day // 4))[1:]
        minor = (days[:, None] * per_day + within[None, :]).ravel()
        axis.set_xticks(minor, [clock.interval_labels(int(k))[0].split()[-1] for k in minor], minor=True,
                        fontsize="x-small", color="#52606d")


def day_label(clock, day: int) -> str:
    """A simulated day as a planner names it: "Mon 07 Dec" with dates, else "day 3"."""
    dates = clock.dates
    return dates[day].strftime("%a %d %b") if dates else f"day {day + 1}"
