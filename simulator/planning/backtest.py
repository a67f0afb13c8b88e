"""Does the model reproduce the history? Simulate a scenario over a contact log's dates with the log's
realised volumes per interval, and compare what was observed with what the simulation says could happen.

For each real-time channel, per interval, per day and over the whole log: service level, speed of
answer (mean wait of answered contacts), abandonment and occupancy, observed (from the log, with the
scenario's KPI definitions) beside the simulation's mean, its 95% CI, and the 95% prediction interval
of one replication (mean +- t x sd x sqrt(1 + 1/R)): the range a single day like the log's should fall in
if the model is right. An observed value outside it is flagged.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from simulator.data.history import ContactLog, day_numbers
from simulator.errors import InputError
from simulator.planning.calibrate import match_streams
from simulator.scenario.model import WEEKDAYS, Scenario

METRICS = ("service_level", "wait_mean", "abandon_rate", "occupancy")


def _slots(arrival: pd.Series, clock) -> np.ndarray:
    minute = (arrival.dt.hour * 60 + arrival.dt.minute + arrival.dt.second / 60).to_numpy()
    width = clock.day_length / clock.intervals_per_day
    return np.floor((minute - (clock.open_at or 0.0)) / width).astype(int)


def log_scenario(scenario_file: Path, scenario: Scenario, log: ContactLog,
                 replications: int | None = None, seed: int | None = None) -> Scenario:
    """The scenario over the log's dates (days without contacts closed), each stream arriving with
    exactly the log's realised volume per interval (``exact`` dated rates), with no forecast error: the
    log's volumes already hold their chance variation, and drawing Poisson counts around them again would
    double it (and, queues being convex in load, overstate waits and abandonment)."""
    from simulator.scenario import load_scenario

    frame = log.frame
    dates = sorted(set(frame["arrival"].dt.date))
    document = yaml.safe_load(Path(scenario_file).read_text(encoding="utf-8"))
    all_days = pd.date_range(dates[0], dates[-1]).date
    open_weekdays = {d.weekday() for d in dates}
    closed = [WEEKDAYS[w] for w in range(7) if w not in open_weekdays]
    closed += [d.isoformat() for d in all_days if d.weekday() in open_weekdays and d not in set(dates)]
    clock = document.setdefault("clock", {})
    clock.update({"start_date": dates[0].isoformat(), "days": len(dates), "closed": closed})
    clock.pop("warmup", None)
    matched = match_streams(scenario, frame)
    periods = scenario.clock.intervals_per_day
    hours = scenario.clock.day_length / periods / 60
    slots = _slots(frame["arrival"], scenario.clock)
    day = day_numbers(frame["arrival"], dates)
    inside = (slots >= 0) & (slots < periods)
    for demand in scenario.demand:
        rows = matched[demand.name] & inside
        counts = np.zeros((len(dates), periods))
        np.add.at(counts, (day[rows], slots[rows]), 1)
        rates = counts / hours
        entry = document["demand"][demand.name]
        entry["arrivals"] = {"per_hour": [float(r) for r in rates.mean(axis=0)], "exact": True,
                             "dated": {d.isoformat(): [float(r) for r in rates[i]] for i, d in enumerate(dates)}}
        entry.pop("backlog", None)
    if replications is not None:
        document["replications"] = replications
    if seed is not None:
        document["seed"] = seed
    document.pop("variants", None)
    handle, name = tempfile.mkstemp(prefix=".backtest-", suffix=".yaml", dir=Path(scenario_file).resolve().parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            yaml.safe_dump(document, out, sort_keys=False)
        return load_scenario(Path(name))
    finally:
        os.unlink(name)


def _busy_time(starts: np.ndarray, ends: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Busy agent-minutes in each [bounds[k], bounds[k+1]) from service spans: B(t) = sum clip(t - s, 0, e - s)."""
    s, e = np.sort(starts), np.sort(ends)
    cs, ce = np.concatenate([[0], np.cumsum(s)]), np.concatenate([[0], np.cumsum(e)])

    def cumulative(t: np.ndarray) -> np.ndarray:
        i, j = np.searchsorted(s, t), np.searchsorted(e, t)
        return (t * i - cs[i]) - (t * j - ce[j])
    return np.diff(cumulative(bounds))


def observed(scenario: Scenario, log: ContactLog, dates: list) -> pd.DataFrame:
    """Per interval of the simulated horizon, per channel (and ``all``): numerator and denominator of each
    metric from the log, with the scenario's definitions (service level: answered within the channel's
    threshold / answered + abandoned, short abandons left out)."""
    clock = scenario.clock
    frame = log.frame
    periods = clock.intervals_per_day
    day = day_numbers(frame["arrival"], dates)
    slot = _slots(frame["arrival"], clock)
    inside = (day >= 0) & (slot >= 0) & (slot < periods)
    interval = np.where(inside, day * periods + slot, 0)
    count = clock.intervals
    wait = frame["wait_s"].to_numpy(dtype=float) / 60
    answered = frame["outcome"].eq("answered").to_numpy()
    abandoned = frame["outcome"].eq("abandoned").to_numpy()
    short = scenario.service_level.short_abandon or 0.0
    channel = frame["channel"].astype(str).to_numpy() if "channel" in frame else \
        np.full(len(frame), scenario.demand[0].channel)
    rows = []

    def by(mask, weights=None):
        return np.bincount(interval[mask & inside], weights=None if weights is None else weights[mask & inside],
                           minlength=count)

    real_time = [c.name for c in scenario.channels if not c.deferrable]
    for scope, mask in [("all", np.isin(channel, real_time))] + [(f"channel:{c}", channel == c) for c in real_time]:
        queued = by(mask & (answered | abandoned))
        add = lambda metric, num, den: rows.extend(   # noqa: E731
            (k, metric, scope, num[k], den[k]) for k in range(count))
        add("abandon_rate", by(mask & abandoned), queued)
        add("wait_mean", by(mask & answered, wait), by(mask & answered))
        threshold = scenario.threshold(scope.split(":", 1)[1]) if scope != "all" else None
        if scope == "all":
            of_channel = {c: scenario.threshold(c) if scenario.threshold(c) is not None else np.nan for c in real_time}
            thresholds = pd.Series(channel).map(of_channel).to_numpy(dtype=float)
        else:
            thresholds = np.full(len(frame), threshold if threshold is not None else np.nan)
        if thresholds is not None and np.isfinite(thresholds[mask]).any():
            judged = mask & np.isfinite(thresholds)
            within = by(judged & answered & (wait <= np.nan_to_num(thresholds, nan=-1) + 1e-9))
            add("service_level", within, by(judged & answered) + by(judged & abandoned & (wait > short + 1e-12)))
    if "handle_s" in frame:   # busy agent time from each answered contact's answer to the end of handling
        start = (day * clock.day_length + (frame["arrival"].dt.hour * 60 + frame["arrival"].dt.minute
                 + frame["arrival"].dt.second / 60).to_numpy() - (clock.open_at or 0.0) + wait)
        handle = np.nan_to_num(frame["handle_s"].to_numpy(dtype=float)) / 60
        if "wrap_s" in frame:
            handle = handle + np.nan_to_num(frame["wrap_s"].to_numpy(dtype=float)) / 60
        use = answered & inside
        busy = _busy_time(start[use], start[use] + handle[use], clock.interval_bounds())
        rows.extend((k, "busy_time", "all", busy[k], np.nan) for k in range(count))
    return pd.DataFrame(rows, columns=["interval", "metric", "scope", "numerator", "denominator"])


@dataclass
class BacktestResult:
    scenario: Scenario
    intervals: pd.DataFrame    # interval, date, start, metric, scope, observed, sim_mean, ci_low, ci_high,
    #                            pi_low, pi_high (one replication's 95% range), outside
    days: pd.DataFrame         # the same per date
    overall: pd.DataFrame      # the same over the whole log, per scope
    summary: pd.DataFrame      # per metric and scope: observed mean, simulated mean, bias, MAE, share outside


def _simulated(result) -> pd.DataFrame:
    """Per replication and interval, numerator and denominator of each metric as simulated; occupancy as
    busy / staffed over every pool (``all``), like the observed busy time over the scenario's staffing."""
    table = result.intervals
    wanted = table[table["metric"].isin(["abandon_rate", "wait_mean", "service_level"])][
        ["replication", "interval", "metric", "scope", "numerator", "denominator"]]
    lengths = np.diff(result.scenario.clock.interval_bounds())
    staffed = table[(table["metric"] == "staffed") & (table["scope"] == "all")].copy()
    busy = table[(table["metric"] == "busy") & (table["scope"] == "all")].copy()
    staffed["at_work"] = staffed["value"] * lengths[staffed["interval"].to_numpy()]
    busy["busy"] = busy["value"] * lengths[busy["interval"].to_numpy()]
    occupancy = busy[["replication", "interval", "busy"]].merge(staffed[["replication", "interval", "at_work"]])
    occupancy = occupancy.rename(columns={"busy": "numerator", "at_work": "denominator"}).assign(
        metric="occupancy", scope="all")
    return pd.concat([wanted, occupancy[wanted.columns]], ignore_index=True)


def _compare(simulated: pd.DataFrame, seen: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Observed ratio beside the simulation's mean, 95% CI and one replication's 95% prediction interval."""
    per_rep = simulated.groupby(keys + ["replication"], observed=True)[["numerator", "denominator"]].sum()
    per_rep = per_rep[per_rep["denominator"] > 0]
    per_rep["value"] = per_rep["numerator"] / per_rep["denominator"]
    grouped = per_rep.groupby(keys, observed=True)["value"]
    out = grouped.agg(sim_mean="mean", sd="std", replications="count").reset_index()
    t = stats.t.ppf(0.975, np.maximum(out["replications"] - 1, 1))
    half = t * out["sd"].fillna(0) / np.sqrt(out["replications"])
    out["ci_low"], out["ci_high"] = out["sim_mean"] - half, out["sim_mean"] + half
    spread = t * out["sd"].fillna(0) * np.sqrt(1 + 1 / out["replications"])
    out["pi_low"], out["pi_high"] = out["sim_mean"] - spread, out["sim_mean"] + spread
    totals = seen.groupby(keys, observed=True)[["numerator", "denominator"]].sum().reset_index()
    totals = totals[totals["denominator"] > 0]
    totals["observed"] = totals["numerator"] / totals["denominator"]
    out = out.merge(totals[keys + ["observed", "denominator"]].rename(columns={"denominator": "observed_base"}),
                    on=keys, how="inner")
    share = out["metric"] != "wait_mean"
    out.loc[share, "pi_low"] = out.loc[share, "pi_low"].clip(lower=0)
    out.loc[share, "pi_high"] = out.loc[share, "pi_high"].clip(upper=1)
    out.loc[~share, "pi_low"] = out.loc[~share, "pi_low"].clip(lower=0)
    out["outside"] = (out["observed"] < out["pi_low"] - 1e-9) | (out["observed"] > out["pi_high"] + 1e-9)
    return out.drop(columns="sd")


def backtest(scenario: Scenario, log: ContactLog, jobs=1, progress=None) -> BacktestResult:
    """Run ``scenario`` (already set on the log's dates by :func:`log_scenario`) and compare."""
    from simulator.experiment import run_scenario

    if scenario.replications < 2:
        raise InputError("a backtest needs at least 2 replications (to know the simulation's spread): use -r")
    clock = scenario.clock
    dates = list(clock.dates)
    result = run_scenario(scenario, jobs=jobs, progress=progress)
    seen = observed(scenario, log, dates)
    busy = seen[seen["metric"] == "busy_time"]
    seen = seen[seen["metric"] != "busy_time"]
    simulated = _simulated(result)
    if not busy.empty:   # observed occupancy: the log's busy time over the scenario's (simulated) staffed time
        at_work = simulated[simulated["metric"] == "occupancy"].groupby("interval")["denominator"].mean()
        occupancy = busy.assign(metric="occupancy", denominator=busy["interval"].map(at_work).to_numpy())
        seen = pd.concat([seen, occupancy], ignore_index=True)
    periods = clock.intervals_per_day
    for frame in (simulated, seen):
        frame["date"] = [dates[min(int(k) // periods, len(dates) - 1)].isoformat() for k in frame["interval"]]
        frame["whole_log"] = "all days"
    intervals = _compare(simulated, seen, ["interval", "date", "metric", "scope"])
    labels = {k: clock.interval_labels(int(k))[0] for k in intervals["interval"].unique()}
    intervals.insert(2, "start", intervals["interval"].map(labels))
    days = _compare(simulated, seen, ["date", "metric", "scope"])
    overall = _compare(simulated, seen, ["whole_log", "metric", "scope"]).drop(columns="whole_log")
    summary = _summary(intervals, days)
    return BacktestResult(scenario, intervals, days, overall, summary)


def _summary(intervals: pd.DataFrame, days: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (metric, scope), group in intervals.groupby(["metric", "scope"], observed=True):
        daily = days[(days["metric"] == metric) & (days["scope"] == scope)]
        error = group["sim_mean"] - group["observed"]
        rows.append({"metric": metric, "scope": scope, "intervals": len(group),
                     "interval_bias": error.mean(), "interval_mae": error.abs().mean(),
                     "intervals_outside": group["outside"].mean(),
                     "daily_mae": (daily["sim_mean"] - daily["observed"]).abs().mean(),
                     "days_outside": daily["outside"].mean()})
    return pd.DataFrame(rows)
