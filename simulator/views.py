"""The analyst's and trainer's views beside the KPI charts: where a contact's time goes, what each agent
did through the day, how much one replication differs from the next, and a map of the process.

Each reads a run's (or comparison's) tables, or the scenario itself, and writes a PNG and an SVG into
the results folder, like :mod:`simulator.charts`, in the same palette and target style.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

from simulator.charts import COLOURS, TARGET, _figure, _save, _scale, _unit, legend_below
from simulator.columns import Table
from simulator.console import format_value
from simulator.experiment import Comparison, RunResult
from simulator.i18n import tr
from simulator.kpis import kpi_label
from simulator.scenario import Scenario
from simulator.units import format_duration

if TYPE_CHECKING:
    import pandas as pd   # a comparison's table is a DataFrame; pandas is imported by whoever built it


def _known(value) -> bool:
    """An estimate that exists (not missing, not NaN)."""
    return value is not None and not math.isnan(float(value))


TIME_PARTS = {"queue_time_mean": ("waiting in queues", COLOURS[5]),
              "time_with_automation_mean": ("with automation", COLOURS[2]),
              "time_served_mean": ("served by people", COLOURS[0]),
              "time_rework_mean": ("redoing work (rework)", COLOURS[1])}


def time_breakdown(result: RunResult, folder: Path) -> list[Path]:
    """Where a contact's time goes, per channel: queue, automation, service, rework (mean minutes per
    contact that left, stacked; they add up to the time in the system, whose 95% CI is the whisker)."""
    summary = result.tables.summary
    scopes = [s for s in summary.unique("scope") if s.startswith("channel:")]
    scopes = (["all"] if len(scopes) > 1 else []) + scopes or ["all"]
    labels = [tr("all contacts") if s == "all" else s.split(":", 1)[1] for s in scopes]
    return _time_bars(lambda metric, scope: _row(summary, metric, scope), scopes, labels, folder,
                      tr("{name}: where a contact's time goes, by channel", name=result.scenario.name), "time_breakdown")


def comparison_time_breakdown(comparison: Comparison, folder: Path) -> list[Path]:
    """Where a contact's time goes in each scenario (all contacts): what a redesign changes."""
    table = Table.from_frame(comparison.table)
    names = list(comparison.runs)

    def row(metric: str, scenario: str) -> dict | None:
        return table.first(metric=metric, scope="all", scenario=scenario)

    return _time_bars(row, names, names, folder, "Where a contact's time goes, scenario by scenario (all contacts)",
                      "compare_time_breakdown")


def _row(table: Table, metric: str, scope: str) -> dict | None:
    return table.first(metric=metric, scope=scope)


def _time_bars(row, keys: list[str], labels: list[str], folder: Path, title: str, name: str) -> list[Path]:
    totals = [row("time_in_system_mean", key) for key in keys]
    if not keys or any(total is None for total in totals):
        return []
    parts = {metric: np.array([np.nan_to_num(float(r["mean"])) if (r := row(metric, key)) is not None else 0.0
                               for key in keys]) for metric in TIME_PARTS}
    total = np.array([float(t["mean"]) for t in totals])
    hours = np.nanmax(total) > 180
    scale, unit = (1 / 60, "hours") if hours else (1.0, "minutes")
    figure = _figure()
    axis = figure.add_subplot()
    y = np.arange(len(keys))[::-1]
    left = np.zeros(len(keys))
    for metric, (label, colour) in TIME_PARTS.items():
        if not parts[metric].any():
            continue
        width = parts[metric] * scale
        axis.barh(y, width, left=left, color=colour, label=tr(label), height=0.6)
        for yy, start, part in zip(y, left, width):
            if part > 0.06 * np.nanmax(total * scale):   # the number inside its segment, where it fits
                axis.text(start + part / 2, yy, f"{part:.1f}", ha="center", va="center", color="white",
                          fontsize="small", fontweight="bold")
        left += width
    low = np.array([float(t["ci_low"]) if _known(t["ci_low"]) else float(t["mean"]) for t in totals]) * scale
    high = np.array([float(t["ci_high"]) if _known(t["ci_high"]) else float(t["mean"]) for t in totals]) * scale
    axis.errorbar(total * scale, y, xerr=[total * scale - low, high - total * scale], fmt="none", color="black",
                  capsize=4, label=tr("time in the system: 95% CI"))
    for yy, value, end in zip(y, total * scale, high):
        axis.text(end, yy + 0.38, f"{value:.1f} {unit}", ha="right", va="bottom", fontsize="small")
    axis.set_yticks(y, labels)
    axis.set_xlabel(f"mean {unit} per contact, arrival to departure (opening time)")
    axis.set_xlim(0, np.nanmax(high) * 1.08 if np.nanmax(high) > 0 else 1)
    legend_below(figure, axis)
    figure.suptitle(title)
    return _save(figure, folder, name)


# -- spread over replications ---------------------------------------------------------------------------

def replication_spread(result: RunResult, folder: Path, most: int = 4) -> list[Path]:
    """Each target's KPI (or the headline KPIs): every replication's own value as a dot, beside the
    estimate and its 95% CI. The CI says how well the mean is known; the dots say how much one day can
    differ from another, which is what a day on the floor feels like."""
    scenario = result.scenario
    pairs = [(t.kpi, t.scope) for t in scenario.targets] or [("service_level", "all"), ("wait_mean", "all")]

    def own_values(metric: str, scope: str) -> np.ndarray:
        value = result.tables.replications.where(metric=metric, scope=scope)["value"].astype(float)
        return value[~np.isnan(value)]

    pairs = [p for p in dict.fromkeys(pairs) if len(own_values(*p))][:most]
    if not pairs or scenario.replications < 2:
        return []
    figure = _figure()
    axes = np.atleast_1d(figure.subplots(1, len(pairs)))
    rng = np.random.default_rng(0)       # the jitter only spreads the dots sideways; it is not data
    for axis, (metric, scope) in zip(axes, pairs):
        own = _scale(metric, own_values(metric, scope))
        estimate = _row(result.tables.summary, metric, scope)
        axis.scatter(rng.uniform(-0.18, 0.18, len(own)), own, s=14, color=COLOURS[4], alpha=0.8,
                     label="one replication (a day like it)")
        if estimate is not None and _known(estimate["mean"]):
            mean = _scale(metric, [estimate["mean"]])[0]
            low, high = _scale(metric, [estimate["ci_low"], estimate["ci_high"]])
            axis.errorbar([0.55], [mean], yerr=[[mean - low], [high - mean]] if _known(low) else None, fmt="o",
                          color=COLOURS[0], capsize=5, label="estimate with its 95% CI")
        target = next((t for t in scenario.targets if t.kpi == metric and t.scope == scope), None)
        if target is not None:
            axis.axhline(_scale(metric, [target.bound])[0], **TARGET, label="target")
        axis.set_xlim(-0.5, 0.9)
        axis.set_xticks([])
        where = "" if scope == "all" else f" ({scope.split(':', 1)[1]})"
        axis.set_title(textwrap.fill(f"{kpi_label(metric)}{where}", 24), fontsize="medium")
        axis.set_ylabel(_unit(metric))
    legend_below(figure, *axes)
    figure.suptitle(tr("{name}: {count} replications, each a day, beside the estimate", name=scenario.name,
                       count=scenario.replications))
    return _save(figure, folder, "replication_spread")


# -- what each agent did ----------------------------------------------------------------------------------

TIMELINE_HOURS = 24   # a scenario without days (one long opening) shows its first 24 hours


def agent_timeline(result: RunResult, folder: Path, most: int = 60) -> list[Path]:
    """What every member of staff did through the first day of the run's replication 1: see
    :func:`day_of_agents` (the chart reads nothing but the run's scenario)."""
    return day_of_agents(result.scenario, folder, most)


def day_of_agents(scenario: Scenario, folder: Path, most: int = 60) -> list[Path]:
    """What every member of staff did through the first day of replication 1 (rows: agents, pool by
    pool; colour: busy with a channel, idle, on a break, in training, not at work), sampled every
    minute (every 600th of the day when it is longer than ten hours) from the run itself
    (:mod:`simulator.snapshots`), which is simulated only as far as the chart shows."""
    from simulator.snapshots import BUSY, STATE_NAMES, film_scenario, frame_times
    from simulator.animate import STATE_COLOURS, CHANNEL_COLOURS

    day = min(scenario.clock.day_length, TIMELINE_HOURS * 60.0)
    times = frame_times(scenario, max(1.0, day / 600), 0, day)
    film = film_scenario(scenario, times, stop_at_last=True)
    states = film.states[:, :most].T                     # (agents, moments)
    if not states.size:
        return []
    channels = [c.name for c in scenario.channels]
    codes = sorted(set(np.unique(states).tolist()))
    colours = [STATE_COLOURS[c] if c < BUSY else CHANNEL_COLOURS[(c - BUSY) % len(CHANNEL_COLOURS)] for c in codes]
    names = [tr(STATE_NAMES[c]) if c < BUSY else tr("busy: {channel}", channel=channels[c - BUSY]) for c in codes]
    index = np.searchsorted(codes, states)
    figure = _figure()
    axis = figure.add_subplot()
    axis.imshow(index, aspect="auto", interpolation="nearest", cmap=ListedColormap(colours),
                vmin=-0.5, vmax=len(codes) - 0.5, extent=(times[0], times[-1], len(states) - 0.5, -0.5))
    pools = film.agent_pool[:most]
    starts = np.flatnonzero(np.r_[True, pools[1:] != pools[:-1]])
    for start in starts:
        if start:
            axis.axhline(start - 0.5, color="black", linewidth=0.8)
    axis.set_yticks(starts, [scenario.staff[pools[s]].name for s in starts], va="top")
    ticks = np.linspace(times[0], times[-1], 9)
    axis.set_xticks(ticks, [scenario.clock.label(t, closing=True) for t in ticks])
    axis.set_xlabel("time of day (replication 1, day 1)")
    axis.set_ylabel("agents, pool by pool")
    shown = f"the first {most} of {film.states.shape[1]} agents" if film.states.shape[1] > most else "every agent"
    handles = [Patch(facecolor=colour, edgecolor="#777777", label=name) for colour, name in zip(colours, names)]
    figure.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 5), frameon=False,
                  fontsize="small")
    figure.suptitle(tr("{name}: what each agent did, minute by minute", name=scenario.name) + f" ({shown})")
    return _save(figure, folder, "agent_timeline")


# -- the process map -------------------------------------------------------------------------------------

def process_map(result: RunResult, folder: Path) -> list[Path]:
    """The scenario drawn as a map (:func:`process_map_figure`), written as process_map.png and .svg."""
    return _save(process_map_figure(result.scenario, result.tables.summary), folder, "process_map")


def process_map_figure(scenario, summary: "Table | pd.DataFrame"):
    """The scenario drawn as a map: a row per demand stream, from its channel through each step (who
    does it: a skill and the pools that have it, or an automation) to done, with errors' rework and
    repeat contacts as arrows back, and each step's measured wait and handling time under it (from
    ``summary``: a run's summary table, or its DataFrame)."""
    if not isinstance(summary, Table):
        summary = Table.from_frame(summary)
    # a row per demand stream and process of its journey (a menu's branches each get a row)
    rows = [(d, process, share) for d in scenario.demand for process, share in scenario.journey(d.process)]
    width = max(len(process.steps) for _, process, _ in rows) + 2
    figure = _figure()
    figure.set_size_inches(max(10, 2.3 * width), max(3.0, 1.5 * len(rows) + 0.8))
    axis = figure.add_subplot()
    axis.set_xlim(-1.0, width * 2.2 - 1.2)
    axis.set_ylim(len(rows) * 2.0 - 0.6, -0.9)
    axis.set_axis_off()
    channel_colour = {c.name: COLOURS[n % len(COLOURS)] for n, c in enumerate(scenario.channels)}
    for number, (demand, process, share) in enumerate(rows):
        y = number * 2.0
        start = (f"{demand.name}\n({demand.channel})" if process.name == demand.process else
                 f"{demand.name}: {share:.0%}\ngo on to {process.name}")
        _box(axis, 0, y, start, channel_colour[demand.channel], "white")
        for position, step in enumerate(process.steps, start=1):
            x = position * 2.2
            doer = (f"bot: {step.automation}" if step.automation else
                    f"{step.skill}: " + ", ".join(p.name for p in scenario.staff
                                                  if any(s == step.skill for s, _ in p.skills)))
            share = f"\n{step.probability:.0%} of contacts" if step.probability < 1 else ""
            _box(axis, x, y, f"{step.name}\n{doer}{share}", "#eef2f6", "#1d2733")
            _arrow(axis, x - 2.2 + 0.9, y, x - 0.9, y)
            measured = _step_figures(summary, f"step:{process.name}.{step.name}")
            if measured:
                axis.text(x, y + 0.55, measured, ha="center", va="top", fontsize=7.5, color="#52606d")
            if step.error_rate and step.rework:
                back = next((n for n, s in enumerate(process.steps, start=1) if s.name == step.rework), position)
                _arrow(axis, x, y - 0.42, back * 2.2, y - 0.42, bend=0.5 if back != position else 1.5,
                       colour=COLOURS[1], label=f"error {step.error_rate:.0%}: rework")
            if step.error_rate and step.recontact_after:
                axis.annotate(f"error {step.error_rate:.0%}: customer comes back after "
                              f"{format_duration(step.recontact_after)}", (x, y - 0.45), ha="center", va="bottom",
                              fontsize=7.5, color=COLOURS[5])
            if step.containment:
                axis.text(x, y - 0.45, f"resolves {step.containment:.0%} alone", ha="center", va="bottom",
                          fontsize=7.5, color=COLOURS[2])
        end = (len(process.steps) + 1) * 2.2
        branch = process.steps[-1].branch
        ways = [f"{target.process} {target.share:.0%}" + (f" as {target.segment}" if target.segment else "")
                for target in branch]
        _box(axis, end, y, "branches to\n" + ", ".join(ways) if branch else "done", "#ffffff", "#1d2733")
        _arrow(axis, end - 2.2 + 0.9, y, end - 0.9, y)
    figure.suptitle(tr("{name}: the process, with each step's measured wait and handling time", name=scenario.name))
    return figure


def _box(axis, x: float, y: float, text: str, face: str, ink: str) -> None:
    axis.add_patch(FancyBboxPatch((x - 0.85, y - 0.38), 1.7, 0.76, boxstyle="round,pad=0.02,rounding_size=0.12",
                                  facecolor=face, edgecolor="#52606d", linewidth=1))
    axis.text(x, y, text, ha="center", va="center", fontsize=8, color=ink, wrap=True)


def _arrow(axis, x0: float, y0: float, x1: float, y1: float, bend: float = 0.0, colour: str = "#52606d",
           label: str | None = None) -> None:
    axis.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=12, color=colour,
                                   connectionstyle=f"arc3,rad={bend}", linewidth=1.1))
    if label:
        axis.text((x0 + x1) / 2, min(y0, y1) - 0.35 - 0.3 * abs(bend), label, ha="center", va="bottom",
                  fontsize=7.5, color=colour)


def _step_figures(summary: Table, scope: str) -> str:
    """A step's measured figures for the map: wait, handling time, and offered requests."""
    parts = []
    for metric, name in (("queue_time_mean", "wait"), ("handle_time_mean", "handling")):
        row = _row(summary, metric, scope)
        if row is not None and _known(row["mean"]):
            parts.append(f"{name} {format_value(metric, row['mean'])}")
    offered = _row(summary, "offered", scope)
    if offered is not None and _known(offered["mean"]):
        parts.append(f"{offered['mean']:.0f} requests")
    return " · ".join(parts)
