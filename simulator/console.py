"""The KPI table a planner reads in the terminal: values in their units, 95% CIs, targets met or missed."""

from __future__ import annotations

import math

import pandas as pd

from simulator.experiment import Comparison, RunResult
from simulator.sweep import Sweep
from simulator.kpis import KPI_BY_NAME, KPIS
from simulator.units import format_clock, format_duration


def format_value(metric: str, value: float) -> str:
    """A KPI value in the unit a planner expects: counts, percentages or durations."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    kind = KPI_BY_NAME[metric].kind if metric in KPI_BY_NAME else "count"
    if kind == "share":
        return f"{value * 100:.1f}%"
    if kind == "duration":
        return format_duration(value)
    if kind == "score":
        return f"{value:.2f}"
    if kind == "money":
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def format_interval(metric: str, low: float, high: float) -> str:
    if low != low or high != high:
        return "-"
    return f"[{format_value(metric, low)}, {format_value(metric, high)}]"


def _table(headers: list[str], rows: list[list[str]], align_left: int = 1) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i < align_left else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return [line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows]


def render_run(result: RunResult) -> str:
    """The whole console report of a run."""
    scenario, clock = result.scenario, result.scenario.clock
    hours = (f"{format_clock(clock.open_at)}-{format_clock(clock.open_at + clock.day_length)}"
             if clock.open_at is not None else f"of {format_duration(clock.day_length)}")
    days = f"{clock.days} day{'s' if clock.days > 1 else ''}"
    lines = [f"{scenario.name}",
             f"{scenario.replications} replications, seed {scenario.seed}, {days} {hours}"
             f"{f', warm-up {format_duration(clock.warmup)}' if clock.warmup else ''}; "
             f"service level = answered within {format_duration(scenario.service_level_threshold)}; "
             f"{result.seconds:.1f} s", ""]
    summary = result.summary.set_index(["metric", "scope"])
    targets = {(t.metric, t.scope): t for t in result.targets.itertuples()}
    rows = []
    for kpi in KPIS:
        if (kpi.name, "all") not in summary.index:
            continue
        row = summary.loc[(kpi.name, "all")]
        target = targets.get((kpi.name, "all"))
        status = ""
        if target is not None:
            status = f"{_bound(target)}: {target.status.upper()}"
            if not target.ci_clear_of_target:
                status += " (CI spans target)"
        rows.append([kpi.name, format_value(kpi.name, row["mean"]),
                     format_interval(kpi.name, row["ci_low"], row["ci_high"]), status])
    lines += _table(["KPI (all contacts)", "mean", "95% CI", "target"], rows)
    lines += _breakdowns(result.summary)
    other_targets = [t for key, t in targets.items() if key[1] != "all"]
    if other_targets:
        lines += ["", "Targets in other scopes:"]
        lines += [f"  {t.metric} {t.scope} {_bound(t)}: {format_value(t.metric, t.mean)} "
                  f"{format_interval(t.metric, t.ci_low, t.ci_high)} {t.status.upper()}" for t in other_targets]
    if result.flags:
        lines += ["", "Capacity:"] + [f"  {'UNSTABLE' if f.kind == 'unstable' else 'peak'}: {f.message}"
                                      for f in result.flags]
    unfinished = _in_system_at_end(result)
    if unfinished:
        lines += ["", f"Note: on average {unfinished:,.1f} contacts were still waiting when the simulation ended "
                      "(nobody on duty could serve them): see the KPI unfinished."]
    return "\n".join(lines)


def _bound(target) -> str:
    word = ">=" if target.direction == "at_least" else "<="
    return f"{word} {format_value(target.metric, target.bound)}"


def _breakdowns(summary: pd.DataFrame) -> list[str]:
    lines = []
    columns = ["offered", "service_level", "wait_mean", "abandon_rate", "time_in_system_mean"]
    pool_columns = [m for m in ("utilisation", "slot_utilisation", "cost_staff") if m in set(summary.metric)]
    for prefix, title, metrics in (("channel", "By channel", columns), ("segment", "By segment", columns),
                                   ("demand", "By demand stream", columns), ("pool", "By pool", pool_columns)):
        scopes = [s for s in summary.scope.unique() if s.startswith(prefix + ":")]
        if scopes:
            lines += ["", *_scope_table(summary, title, scopes, metrics)]
    return lines


def _scope_table(summary: pd.DataFrame, title: str, scopes: list[str], metrics: list[str]) -> list[str]:
    """A row per scope, a column per metric, each cell ``mean ±half-width``."""
    rows = []
    for scope in scopes:
        cells = [scope.split(":", 1)[1]]
        for metric in metrics:
            match = summary[(summary.metric == metric) & (summary.scope == scope)]
            row = match.iloc[0] if not match.empty else None
            cells.append("-" if row is None else _mean_pm(metric, row["mean"], row["ci_low"], row["ci_high"]))
        rows.append(cells)
    return _table([title, *metrics], rows)


def _mean_pm(metric: str, mean: float, low: float, high: float) -> str:
    """``mean ±half-width`` in the KPI's unit (just the mean when there is no CI)."""
    if mean != mean:
        return "-"
    if low != low:
        return format_value(metric, mean)
    return f"{format_value(metric, mean)} ±{format_value(metric, (high - low) / 2)}"


def _in_system_at_end(result: RunResult) -> float:
    rows = result.summary[(result.summary.scope == "all") & (result.summary.metric == "unfinished")]
    return float(rows["mean"].iloc[0]) if not rows.empty else 0.0


COMPARED_KPIS = ("service_level", "wait_mean", "abandon_rate", "utilisation", "error_rate", "fcr",
                 "satisfaction_mean", "cost_total", "cost_per_contact")


def render_comparison(comparison: Comparison) -> str:
    """Per KPI, each scenario's mean and CI, and its paired difference from the baseline with its CI."""
    table = comparison.table
    first = comparison.runs[comparison.baseline]
    scenario = first.scenario
    lines = [f"{scenario.name}: {len(comparison.runs) - 1} variant(s) against the baseline",
             f"{scenario.replications} replications each, seed {scenario.seed}, the same customers in every "
             f"scenario (common random numbers); * marks a difference whose 95% CI excludes zero"]
    wanted = [(k, "all") for k in COMPARED_KPIS] + [(t.kpi, t.scope) for t in scenario.targets]
    seen = set()
    for metric, scope in wanted:
        if (metric, scope) in seen:
            continue
        seen.add((metric, scope))
        rows = table[(table.metric == metric) & (table.scope == scope)]
        if rows.empty or rows["mean"].isna().all():
            continue
        body = []
        for row in rows.itertuples():
            diff = "" if row.scenario == comparison.baseline else (
                f"{_signed(metric, row.diff_mean)} {format_interval(metric, row.diff_ci_low, row.diff_ci_high)}"
                f"{' *' if row.significant else ''}")
            body.append([row.scenario, format_value(metric, row.mean), format_interval(metric, row.ci_low,
                                                                                       row.ci_high), diff])
        title = metric if scope == "all" else f"{metric} ({scope})"
        lines += ["", *_table([title, "mean", "95% CI", "difference from baseline [95% CI]"], body)]
    return "\n".join(lines)


def _signed(metric: str, value: float) -> str:
    text = format_value(metric, abs(value))
    return f"-{text}" if value < 0 else f"+{text}"


SWEPT_KPIS = ("service_level", "wait_mean", "abandon_rate", "utilisation", "satisfaction_mean", "cost_total")


def render_sweep(sweep: Sweep) -> str:
    """A row per point: the parameters' values, then the main KPIs as ``mean ±half-width``."""
    table = sweep.table()
    scenario = sweep.comparison.runs[sweep.comparison.baseline].scenario
    metrics = [k for k in SWEPT_KPIS if k in table.columns]
    rows = [[_plain(point[p]) for p in sweep.parameters] + [_mean_pm(k, row[k], row[f"{k}_ci_low"], row[f"{k}_ci_high"])
                                                       for k in metrics] for point, (_, row) in zip(sweep.points, table.iterrows())]
    lines = [f"{scenario.name}: {len(table)} point(s), {scenario.replications} replications each, seed "
             f"{scenario.seed}, the same customers at every point", ""]
    return "\n".join(lines + _table([*sweep.parameters, *metrics], rows, align_left=len(sweep.parameters)))


def _plain(value) -> str:
    """A parameter's value as it was given (16, not 16.0)."""
    return f"{value:g}" if isinstance(value, float) else str(value)
