"""From a contact log to a fitted scenario: arrival rates per weekday and interval, handling times,
patience from censored waits, and (with surveys) the satisfaction proxy.

Each demand stream of the base scenario is matched to the log's rows by ``queue`` (the stream's name),
else ``process``, else ``channel``. What is fitted, and how, is in docs/forecasting.md ("Calibrating").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from simulator.data.history import ContactLog, day_numbers
from simulator.errors import InputError
from simulator.planning.fitting import DurationFits, PatienceFits, fit_durations, fit_patience
from simulator.scenario.model import WEEKDAYS, Scenario


@dataclass
class ArrivalFit:
    """Contacts per hour per interval of the day: overall and per weekday, with 95% Poisson CIs; the
    over-dispersion of daily counts against Poisson as the day-to-day ``uncertainty``."""

    per_hour: np.ndarray
    low: np.ndarray
    high: np.ndarray
    by_weekday: dict[str, np.ndarray]
    days: int
    dispersion_index: float        # variance / mean of daily counts (after the weekday effect); 1 = Poisson
    uncertainty: float
    outside_hours: int             # contacts logged outside the scenario's opening hours (left out)


@dataclass
class StreamFit:
    """What the log says about one demand stream."""

    demand: str
    channel: str
    process: str
    contacts: int
    arrivals: ArrivalFit
    handle: DurationFits | None = None
    speed: float = 1.0             # the answering agents' mean speed: handle x speed = work at level 3
    handle_by_interval: pd.DataFrame | None = None
    handle_varies: bool = False
    duration_factors: tuple[float, ...] = ()   # where handling varies: each interval's mean / the day's
    wrap_mean: float | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Calibration:
    streams: list[StreamFit]
    patience: dict[str, PatienceFits]
    dates: list
    notes: list[str] = field(default_factory=list)
    satisfaction: dict | None = None     # the fitted proxy settings and the fit's statistics


def match_streams(scenario: Scenario, log: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each demand stream's rows of the log (a complaint stream's contacts come from failures, not the log)."""
    streams = [d for d in scenario.demand if d.complaints is None]
    for column, key in (("queue", lambda d: d.name), ("process", lambda d: d.process)):
        if column in log and set(log[column].dropna().unique().astype(str)) & {key(d) for d in streams}:
            return {d.name: log[column].eq(key(d)).fillna(False).to_numpy(dtype=bool) for d in streams}
    channels = [d.channel for d in streams]
    shared = sorted({c for c in channels if channels.count(c) > 1})
    if shared:
        raise InputError(f"several demand streams of the scenario share channel {shared[0]}: the log needs a queue "
                         f"column (the stream's name) or a process column to tell them apart")
    if "channel" not in log:
        if len(streams) != 1:
            raise InputError("the log has no channel column and the scenario has several demand streams: add a "
                             "channel or queue column (or map one with --column)")
        return {streams[0].name: np.ones(len(log), dtype=bool)}
    return {d.name: log["channel"].eq(d.channel).fillna(False).to_numpy(dtype=bool) for d in streams}


MIN_PER_INTERVAL = 20   # answered contacts an interval needs for its own handling level


def calibrate(scenario: Scenario, log: ContactLog, seed: int = 0) -> Calibration:
    """Fit arrivals, handling and patience per stream and channel of ``scenario`` from ``log``."""
    frame = log.frame
    clock = scenario.clock
    dates = sorted(set(frame["arrival"].dt.date))
    notes = [f"{log.report.describe()}; {len(dates)} days, {dates[0]} to {dates[-1]}"]
    matched = match_streams(scenario, frame)
    unmatched = ~np.any(np.vstack(list(matched.values())), axis=0)
    if unmatched.any():
        notes.append(f"{int(unmatched.sum())} contacts match no demand stream of the scenario: left out")
    streams, patience = [], {}
    for demand in scenario.demand:
        rows = frame.loc[matched[demand.name]]
        if rows.empty:
            notes.append(f"demand {demand.name}: no contacts in the log; kept as in the scenario")
            continue
        fit = StreamFit(demand.name, demand.channel, demand.process, len(rows), _arrivals(rows, clock, dates))
        _fit_handling(fit, rows, scenario, seed)
        streams.append(fit)
    for channel in scenario.channels:
        if channel.deferrable:
            continue
        rows = frame.loc[np.any(np.vstack([matched[d.name] for d in scenario.demand if d.channel == channel.name]
                                          or [np.zeros(len(frame), dtype=bool)]), axis=0)]
        queued = rows[rows["outcome"].isin(["answered", "abandoned"])]
        abandoned = queued["outcome"].eq("abandoned").to_numpy()
        waits = queued["wait_s"].to_numpy(dtype=float) / 60
        if abandoned.sum() >= 5:
            patience[channel.name] = fit_patience(waits[abandoned], waits[~abandoned], seed)
        elif len(queued):
            notes.append(f"channel {channel.name}: {int(abandoned.sum())} abandoned contacts, too few to fit "
                         f"patience; kept as in the scenario")
    return Calibration(streams, patience, dates, notes)


def _arrivals(rows: pd.DataFrame, clock, dates: list) -> ArrivalFit:
    periods = clock.intervals_per_day
    width = clock.day_length / periods
    minute = (rows["arrival"].dt.hour * 60 + rows["arrival"].dt.minute + rows["arrival"].dt.second / 60).to_numpy()
    slot = np.floor((minute - (clock.open_at or 0.0)) / width).astype(int)
    inside = (slot >= 0) & (slot < periods)
    day = day_numbers(rows["arrival"], dates)
    counts = np.zeros((len(dates), periods))
    np.add.at(counts, (day[inside], slot[inside]), 1)
    hours = width / 60
    total = counts.sum(axis=0)
    n = len(dates)
    low = stats.gamma.ppf(0.025, np.maximum(total, 1e-12)) * (total > 0) / (n * hours)
    high = stats.gamma.ppf(0.975, total + 1) / (n * hours)
    weekdays = np.array([d.weekday() for d in dates])
    by_weekday = {WEEKDAYS[w]: counts[weekdays == w].mean(axis=0) / hours for w in sorted(set(weekdays))}
    daily = counts.sum(axis=1)
    expected = np.array([daily[weekdays == w].mean() for w in weekdays])
    ratio = daily / np.where(expected > 0, expected, np.nan)
    dispersion = float(np.nanvar(daily - expected, ddof=1) / np.nanmean(expected)) if n > 1 else 1.0
    beyond = float(np.nanvar(ratio, ddof=1) - np.nanmean(1 / expected)) if n > 2 else 0.0
    return ArrivalFit(total / (n * hours), low, high, by_weekday, n, dispersion, math.sqrt(max(beyond, 0.0)),
                      int((~inside).sum()))


def _agent_speed(scenario: Scenario, agents: pd.Series, skill: str | None) -> np.ndarray:
    """Each answering agent's speed for ``skill`` (1.0 where the agent's pool is not known): agents named
    ``<pool>-<n>`` (as the simulator's logs name them) are placed in their pool."""
    speeds = {level.level: level.speed for level in scenario.skill_levels}
    pools = {p.name: speeds.get(p.level(skill) or 3, 1.0) for p in scenario.staff if skill and p.level(skill)}
    fallback = _mean_pool_speed(scenario, skill, speeds)
    names = pd.Categorical(agents)    # one lookup per distinct agent, not per contact
    of_name = np.array([pools.get(str(name).rsplit("-", 1)[0], fallback) for name in names.categories] + [fallback])
    return of_name[np.where(names.codes >= 0, names.codes, len(names.categories))]


def _mean_pool_speed(scenario: Scenario, skill: str | None, speeds: dict[int, float]) -> float:
    pools = [(p.headcount, speeds.get(p.level(skill), 1.0)) for p in scenario.staff if skill and p.level(skill)]
    heads = sum(h for h, _ in pools)
    return sum(h * s for h, s in pools) / heads if heads else 1.0


def person_steps(scenario: Scenario, process: str) -> list:
    return [s for s in scenario.process(process).steps if s.skill is not None]


def _fit_handling(fit: StreamFit, rows: pd.DataFrame, scenario: Scenario, seed: int) -> None:
    answered = rows[rows["outcome"].eq("answered")]
    if len(answered) < 10:
        fit.notes.append(f"{len(answered)} answered contacts: too few to fit handling times; kept as in the scenario")
        return
    minutes = answered["handle_s"].to_numpy(dtype=float) / 60
    if "wrap_s" in answered:
        wrap = np.nan_to_num(answered["wrap_s"].to_numpy(dtype=float)) / 60
        fit.wrap_mean = float(wrap.mean())
        minutes = minutes + wrap
        fit.notes.append(f"wrap-up (mean {fit.wrap_mean:.2f} min) is added to handling: the model has no separate "
                         f"after-call work yet")
    steps = person_steps(scenario, fit.process)
    skill = steps[0].skill if steps else None
    speed = _agent_speed(scenario, answered["agent"], skill) if "agent" in answered else \
        np.full(len(answered), _mean_pool_speed(scenario, skill, {lv.level: lv.speed for lv in scenario.skill_levels}))
    work = minutes * speed
    fit.speed = float(np.mean(speed))
    clock = scenario.clock
    interval = np.floor(((answered["arrival"].dt.hour * 60 + answered["arrival"].dt.minute).to_numpy()
                         - (clock.open_at or 0.0)) / clock.interval).astype(int)
    table = pd.DataFrame({"interval": interval, "minutes": work}).groupby("interval")["minutes"].agg(["count", "mean"])
    fit.handle_by_interval = table.reset_index()
    enough = table[(table["count"] >= MIN_PER_INTERVAL) & (table.index >= 0) & (table.index < clock.intervals_per_day)]
    groups = [work[interval == k] for k in enough.index]
    if len(groups) > 1:
        p_value = stats.kruskal(*groups).pvalue
        spread = enough["mean"].max() / enough["mean"].min() - 1
        fit.handle_varies = bool(p_value < 0.001 and spread > 0.1)
    whole_intervals = abs(clock.day_length / clock.interval - clock.intervals_per_day) < 1e-9
    if fit.handle_varies and whole_intervals:
        # each interval's level (intervals with few contacts: the day's), the shape fitted to work / level
        factors = np.ones(clock.intervals_per_day)
        factors[enough.index.to_numpy()] = enough["mean"].to_numpy() / work.mean()
        fit.duration_factors = tuple(float(f"{f:.3g}") for f in factors)
        level = factors[np.clip(interval, 0, clock.intervals_per_day - 1)]
        fit.handle = fit_durations(work / level, seed)
        fit.notes.append(f"handling time varies over the day (interval means {spread:.0%} apart, Kruskal-Wallis "
                         f"p < 0.001): written as duration_factors per {clock.interval:g}-minute interval, the "
                         f"family fitted to each contact's time over its interval's level")
    else:
        fit.handle = fit_durations(work, seed)
        if fit.handle_varies:
            fit.notes.append("handling time varies over the day, but the day is not whole intervals: the day's "
                             "mix is used")
    if len(steps) > 1:
        fit.notes.append(f"the process has {len(steps)} steps done by people and the log one handling time: each "
                         f"step's duration is scaled to the fitted mean, its shape kept")


def _ci(values) -> list[float]:
    return [round(float(v), 4) for v in values]


def calibration_json(calibration: Calibration) -> dict:
    """The fitted parameters (minutes), with their 95% confidence intervals."""
    streams = {}
    for fit in calibration.streams:
        entry = {"channel": fit.channel, "process": fit.process, "contacts": fit.contacts,
                 "arrivals": {"per_hour": _ci(fit.arrivals.per_hour), "per_hour_ci_low": _ci(fit.arrivals.low),
                              "per_hour_ci_high": _ci(fit.arrivals.high), "days": fit.arrivals.days,
                              "by_weekday": {k: _ci(v) for k, v in fit.arrivals.by_weekday.items()},
                              "dispersion_index": round(fit.arrivals.dispersion_index, 4),
                              "uncertainty": round(fit.arrivals.uncertainty, 4)},
                 "notes": fit.notes}
        if fit.handle is not None:
            entry["handling"] = {"chosen": fit.handle.best.describe(), "families": [f.describe() for f in fit.handle.fits],
                                 "sample_mean_min": round(fit.handle.mean, 4), "mean_ci_min": _ci(fit.handle.mean_ci),
                                 "cv": round(fit.handle.cv, 4), "cv_ci": _ci(fit.handle.cv_ci),
                                 "answered": fit.handle.count, "agent_speed": round(fit.speed, 4),
                                 "varies_by_interval": fit.handle_varies,
                                 "duration_factors": list(fit.duration_factors)}
        streams[fit.demand] = entry
    patience = {}
    for channel, fit in calibration.patience.items():
        patience[channel] = {"chosen": fit.best.describe(), "families": [f.describe() for f in fit.fits],
                             "abandoned": fit.abandoned, "answered": fit.answered,
                             "abandon_share": round(fit.abandon_share, 4),
                             "naive_abandoners_mean_min": round(fit.naive_mean, 4),
                             "brown_check_mean_min": round(fit.brown_mean, 4),
                             "kaplan_meier_median_min": round(fit.km_median, 4) if math.isfinite(fit.km_median) else None}
    out = {"days": len(calibration.dates), "first": str(calibration.dates[0]), "last": str(calibration.dates[-1]),
           "streams": streams, "patience": patience, "notes": calibration.notes}
    if calibration.satisfaction is not None:
        out["satisfaction"] = calibration.satisfaction
    return out
