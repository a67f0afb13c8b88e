"""The KPI table a planner reads in the terminal: values in their units, 95% CIs, targets met or missed."""

from __future__ import annotations

import math
import unicodedata
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np

from simulator.analysis import estimates
from simulator.columns import Table, as_table
from simulator.experiment import Comparison, RunResult
from simulator.scenario.model import Scenario, weekdays_in
from simulator.i18n import language, tr
from simulator.kpis import KPI_BY_NAME, KPIS, headline_pairs, kpi_label
from simulator.risk import chance_text
from simulator.units import format_clock, format_duration

if TYPE_CHECKING:   # a run's console report needs no pandas (simulator/columns.py)
    import pandas as pd

    from simulator.sweep import Sweep


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


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _table(headers: list[str], rows: list[list[str]], align_left: int = 1) -> list[str]:
    widths = [max(display_width(h), *(display_width(r[i]) for r in rows)) if rows else display_width(h)
              for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        pads = [" " * (w - display_width(c)) for c, w in zip(cells, widths)]
        return "  ".join(c + pad if i < align_left else pad + c
                         for i, (c, pad) in enumerate(zip(cells, pads))).rstrip()

    return [line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows]


def describe_service_level(scenario: Scenario) -> str:
    """Which thresholds apply, in a sentence: the run header says it so a reader knows what SL means."""
    parts = []
    for channel in scenario.channels:
        if not any(d.channel == channel.name for d in scenario.demand):
            continue
        if channel.deferrable:
            target = f" within {format_duration(channel.response_target)}" if channel.response_target else ""
            parts.append(f"{channel.name}: deferrable, judged by response{target} and backlog")
            continue
        threshold = scenario.threshold(channel.name)
        parts.append(f"{channel.name}: answered by a person within {format_duration(threshold)}" if threshold
                     is not None else f"{channel.name}: no threshold, no service level")
    for scope, threshold in scenario.service_level.scopes:
        parts.append(f"{scope.replace(':', ' ')}: within {format_duration(threshold)}")
    if scenario.service_level.short_abandon:
        parts.append(f"abandons within {format_duration(scenario.service_level.short_abandon)} left out")
    return "Service level: " + "; ".join(parts) if parts else "Service level: nothing to measure"


STATUS = {"met": "MET", "missed": "MISSED", "ci_spans_target": "CI SPANS TARGET"}


def scope_label(scope: str) -> str:
    """``all``, or the name after the scope's kind: ``phone`` for ``channel:phone``."""
    return "all" if scope == "all" else scope.split(":", 1)[1]


def _kpi_name(metric: str) -> str:
    """The code name in English (what scripts and targets use); in another language its label, with the
    code name after it."""
    return metric if language() == "en" else f"{kpi_label(metric)} ({metric})"


def _row_objects(table: Table) -> list[SimpleNamespace]:
    """Every row of a table as an object with an attribute per column (as ``itertuples`` gives)."""
    return [SimpleNamespace(**row) for row in table.row_dicts(nan_as_none=False)]


def verdict_lines(targets: "pd.DataFrame | Table") -> list[str]:
    """Each target's verdict, its KPI and scope, the estimate and its CI: what the run is for."""
    targets = as_table(targets)
    if not len(targets):
        return []
    statuses = targets["status"].tolist()
    lines = [tr("Targets: {met} met, {missed} missed, {spans} with a CI that spans the target",
                met=statuses.count("met"), missed=statuses.count("missed"), spans=statuses.count("ci_spans_target"))]
    rows = []
    for target in _row_objects(targets):
        where = "" if target.scope == "all" else f" ({target.scope})"
        within = tr(" within {duration}", duration=format_duration(target.within)) if target.within == target.within else ""
        chance = chance_text(int(target.days), int(target.days_met), target.chance_low, target.chance_high) \
            if "days" in targets and target.days == target.days else ""
        rows.append([tr(STATUS[target.status]), f"{_kpi_name(target.metric)}{within}{where} {_bound(target)}",
                     format_value(target.metric, target.mean), format_interval(target.metric, target.ci_low,
                                                                               target.ci_high), chance])
    width = [max(display_width(r[k]) for r in rows) for k in range(5)]

    def pad(text: str, k: int) -> str:
        return " " * (width[k] - display_width(text))

    lines += [f"  {r[0]}{pad(r[0], 0)}  {r[1]}{pad(r[1], 1)}  {pad(r[2], 2)}{r[2]}  {r[3]}{pad(r[3], 3)}  {r[4]}"
              .rstrip() for r in rows]
    return lines


def flag_lines(flags) -> list[str]:
    """Capacity and work flags, strongest first."""
    if not flags:
        return []
    order = {"unstable": 0, "unserved": 1, "backlog": 2, "response": 3, "overtime": 4, "occupancy": 5, "peak": 6}
    names = {"unstable": "UNSTABLE", "unserved": "UNSERVED", "backlog": "BACKLOG", "response": "RESPONSE",
             "occupancy": "OCCUPANCY",
             "overtime": "OVERTIME", "peak": "peak"}
    return [tr("Flags") + ":"] + [f"  {names.get(f.kind, f.kind)}: {f.message}"
                         for f in sorted(flags, key=lambda f: order.get(f.kind, 9))]


def render_run(result: RunResult) -> str:
    """The whole console report of a run: verdicts and flags first, then the tables."""
    scenario, tables = result.scenario, result.tables
    lines = [f"{scenario.name}", run_header(scenario, result.seconds), describe_service_level(scenario), ""]
    lines += verdict_lines(tables.targets)
    lines += flag_lines(result.flags)
    if len(tables.targets) or result.flags:
        lines.append("")
    summary = estimates(tables.summary)
    targets = {(t.metric, t.scope): t for t in _row_objects(tables.targets)}
    rows = []
    for kpi in KPIS:
        if (kpi.name, "all") not in summary:
            continue
        mean, low, high = summary[(kpi.name, "all")]
        target = targets.get((kpi.name, "all"))
        status = "" if target is None else f"{_bound(target)}: {tr(STATUS[target.status])}"
        rows.append([_kpi_name(kpi.name), format_value(kpi.name, mean), format_interval(kpi.name, low, high), status])
    kinds = {scenario.channel(d.channel).deferrable for d in scenario.demand}
    title = tr("KPI (all contacts; waits of real-time ones)" if kinds == {True, False} else "KPI (all contacts)")
    lines += _table([title, tr("estimate"), tr("95% CI"), tr("target")], rows)
    lines += _beside_formulas(result)
    lines += _breakdowns(tables.summary)
    lines += _by_day(result)
    unfinished = _in_system_at_end(result)
    if unfinished and any(not scenario.channel(d.channel).deferrable for d in scenario.demand):
        lines += ["", f"Note: on average {unfinished:,.1f} real-time contacts were still waiting when the simulation "
                      "ended (nobody stayed to serve them); they count as not answered in service level."]
    return "\n".join(lines)


def _beside_formulas(result: RunResult) -> list[str]:
    """Erlang B, C, A or X beside the simulated estimate, for each channel where the formula applies."""
    from simulator.formulas import beside_the_run

    lines = []
    for check, rows in beside_the_run(result.scenario, result.tables.summary):
        lines += ["", f"{check.formula} beside the simulation, channel {check.channel} ({check.inputs}; "
                      "the formula's steady state):"]
        lines += _table([tr("KPI"), check.formula, tr("simulated"), tr("95% CI")],
                        [[_kpi_name(metric), format_value(metric, value), format_value(metric, mean),
                          format_interval(metric, low, high)] for metric, (value, mean, low, high) in rows.items()])
    return lines


DAILY_KPIS = ("offered", "service_level", "wait_mean", "abandon_rate", "utilisation")


def _by_day(result: RunResult) -> list[str]:
    """With several days, a row per day (its weekday and date when the clock has them): a week is read
    by its days, and a Monday missed is hidden in the week's average."""
    from simulator.metrics.calendar import by_day

    if result.scenario.clock.days < 2:
        return []
    days = by_day(result.scenario, result.tables.intervals).where(scope="all")
    dated = all(days["date"].tolist())
    labels = [f"day:{weekday.capitalize()} {date}" if dated else f"day:day {day}"
              for weekday, date, day in zip(days["weekday"].tolist(), days["date"].tolist(), days["day"].tolist())]
    table = days.with_columns(scope=np.array(labels, dtype=object))
    shown = [m for m in DAILY_KPIS if (~np.isnan(table.where(metric=m)["mean"].astype(float))).any()]
    return ["", *_scope_table(table, "By day", list(dict.fromkeys(labels)), shown)]


def run_header(scenario: Scenario, seconds: float | None = None) -> str:
    """Replications, seed, days, opening hours, warm-up (and how it was chosen), run time."""
    clock = scenario.clock
    hours = (f"{format_clock(clock.open_at)}-{format_clock(clock.open_at + clock.day_length)}"
             if clock.open_at is not None else f"of {format_duration(clock.day_length)}")
    days = f"{clock.days} day{'s' if clock.days > 1 else ''}"
    warmup = ""
    if clock.warmup_auto:
        warmup = f", warm-up {format_duration(clock.warmup)} (chosen by MSER-5)"
    elif clock.warmup:
        warmup = f", warm-up {format_duration(clock.warmup)}"
    took = f"; {seconds:.1f} s" if seconds is not None else ""
    return f"{scenario.replications} replications, seed {scenario.seed}, {days} {hours}{warmup}{took}"


def _bound(target) -> str:
    word = ">=" if target.direction == "at_least" else "<="
    return f"{word} {format_value(target.metric, target.bound)}"


BREAKDOWNS = (
    ("channel", "By channel", ("offered", "service_level", "wait_mean", "abandon_rate", "time_in_system_mean"),
     "real-time"),
    ("channel", "Deferrable work", ("offered", "response_time_mean", "response_within_target", "backlog_end",
                                    "time_in_system_mean"), "deferrable"),
    ("segment", "By segment", ("offered", "service_level", "wait_mean", "abandon_rate", "time_in_system_mean"), ""),
    ("demand", "By demand stream", ("offered", "service_level", "wait_mean", "abandon_rate", "time_in_system_mean"),
     ""),
    ("step", "By step", ("offered", "queue_time_mean", "queue_time_p90", "service_level", "abandon_rate",
                         "utilisation"), ""),
    ("pool", "By pool", ("utilisation", "occupancy", "slot_utilisation", "overtime", "cost_staff"), ""),
    ("pool", "Staff wellbeing (a proxy: docs/kpis.md)", ("occupancy_peak", "longest_work_run", "workload_spread",
                                                         "overtime_share", "breaks_late", "wellbeing_index"), ""),
    ("automation", "By automation", ("utilisation", "cost_automation"), ""),
)


def _breakdowns(summary: Table) -> list[str]:
    lines = []
    present = {key for key, (mean, _, _) in estimates(summary).items() if mean == mean}
    all_scopes = list(dict.fromkeys(summary["scope"].tolist()))
    for prefix, title, metrics, kind in BREAKDOWNS:
        scopes = [s for s in all_scopes if s.startswith(prefix + ":")]
        if kind:   # a channel is real-time when it has waits, deferrable when it has a response time
            scopes = [s for s in scopes if (("response_time_mean", s) in present) == (kind == "deferrable")]
        if prefix == "step" and len(scopes) < 2:
            continue
        shown = [m for m in metrics if any((m, s) in present for s in scopes)]
        if scopes and shown:
            lines += ["", *_scope_table(summary, title, scopes, shown)]
    return lines


def _scope_table(summary: "Table | pd.DataFrame", title: str, scopes: list[str], metrics: list[str]) -> list[str]:
    """A row per scope, a column per metric, each cell ``mean ±half-width``."""
    indexed = estimates(summary)
    rows = []
    for scope in scopes:
        cells = [scope.split(":", 1)[1]]
        for metric in metrics:
            if (metric, scope) not in indexed:
                cells.append("-")
                continue
            cells.append(_mean_pm(metric, *indexed[(metric, scope)]))
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
    rows = result.tables.summary.where(scope="all", metric="unfinished")
    return float(rows["mean"][0]) if len(rows) else 0.0


COMPARED_KPIS = ("service_level", "wait_mean", "abandon_rate", "utilisation", "error_rate", "fcr",
                 "satisfaction_mean", "cost_total", "cost_per_contact", "cost_of_quality", "value_lost")
COQ_PARTS = ("coq_prevention", "coq_appraisal", "coq_internal_failure", "coq_external_failure", "cost_of_quality",
             "cost_per_contact")


def comparison_verdicts(comparison: Comparison) -> list[str]:
    """Per scenario, its targets' verdicts in a line, and its flags."""
    lines = []
    for name, run in comparison.runs.items():
        if len(run.targets):
            verdicts = ", ".join(f"{t.metric}{'' if t.scope == 'all' else ' ' + t.scope} "
                                 f"{format_value(t.metric, t.mean)} {STATUS[t.status]}" for t in run.targets.itertuples())
            lines.append(f"  {name}: {verdicts}")
        for flag in run.flags:
            if flag.kind != "peak":
                lines.append(f"  {name}: {flag.kind.upper()}: {flag.message}")
    return (["Targets and flags:"] + lines) if lines else []


def render_comparison(comparison: Comparison) -> str:
    """Verdicts and flags per scenario, then per KPI (the targets' own first) each scenario's estimate
    and CI, and its paired difference from the baseline with its CI."""
    table = comparison.table
    first = comparison.runs[comparison.baseline]
    scenario = first.scenario
    lines = [f"{scenario.name}: {len(comparison.runs) - 1} variant(s) against the baseline",
             f"{scenario.replications} replications each, seed {scenario.seed}, the same customers in every "
             f"scenario (common random numbers); * marks a difference whose 95% CI excludes zero",
             describe_service_level(scenario), ""]
    lines += comparison_verdicts(comparison)
    for metric, scope in headline_pairs(scenario, COMPARED_KPIS):
        rows = table[(table.metric == metric) & (table.scope == scope)]
        if rows.empty or rows["mean"].isna().all():
            continue
        body = []
        for row in rows.itertuples():
            diff = "" if row.scenario == comparison.baseline else (
                f"{_signed(metric, row.diff_mean)} {_difference_interval(metric, row.diff_ci_low, row.diff_ci_high)}"
                f"{' *' if row.significant else ''}")
            body.append([row.scenario, format_value(metric, row.mean), format_interval(metric, row.ci_low,
                                                                                       row.ci_high), diff])
        title = metric if scope == "all" else f"{metric} ({scope})"
        lines += ["", *_table([title, "estimate", "95% CI", "difference from baseline [95% CI]"], body)]
    return "\n".join(lines + _cost_of_quality(table))


def _cost_of_quality(table: pd.DataFrame) -> list[str]:
    """Each scenario's cost of quality in its four parts, beside its cost per contact (where measured)."""
    parts = table[(table.scope == "all") & table.metric.isin(COQ_PARTS)]
    if "cost_of_quality" not in set(parts.metric):
        return []
    means = parts.pivot_table(index="scenario", columns="metric", values="mean", sort=False)
    rows = [[name, *(format_value(metric, means.loc[name, metric]) if metric in means else "" for metric in COQ_PARTS)]
            for name in means.index]
    headers = ["cost of quality", "prevention", "appraisal", "internal failure", "external failure", "total",
               "cost_per_contact"]
    return ["", *_table(headers, rows)]


def render_staffing(staffing, scenario: Scenario, replications: int) -> str:
    """The requirement table, then the answer run's verdicts and flags (the proof that it holds)."""
    targets = ", ".join(f"{t.kpi}{'' if t.scope == 'all' else ' ' + t.scope} {t.describe()}" for t in scenario.targets)
    if staffing.per_interval is not None:
        pool = next(iter(staffing.changes or {"staff.?.staffed": 0})).split(".")[1]
        heading = (f"{scenario.name}: the fewest agents of '{pool}' per interval of the day such that, with the whole "
                   f"day staffed so, each interval meets its targets ({targets}) with its one-sided 90% bound; "
                   f"{replications} replications a run, every day pooled, on the same customers")
    else:
        heading = (f"{scenario.name}: the fewest agents meeting every target ({targets}) with no capacity or work "
                   f"flag, {replications} replications a candidate, on the same customers")
    lines = [heading, describe_service_level(scenario), ""]
    if staffing.around is not None:   # the +-N table first: what a manager argues over
        lines += render_risk_table(staffing.around)
    table = staffing.per_interval if staffing.per_interval is not None else staffing.pools
    lines.append(table.astype(object).where(table.notna(), "-").to_string(index=False))
    if staffing.per_interval is not None:
        met = int(table["meets_targets"].sum())
        # agent-hours of a day, or of a week when the curve is by weekdays (a day type counts once per weekday)
        weeks = table["days"].map(lambda days: 1 if days == "every day" else len(weekdays_in(days)))
        per = "day" if (table["days"] == "every day").all() else "week"
        hours = (table["required"] * weeks * scenario.clock.interval).sum() / 60
        import pandas as pd

        erlang = pd.to_numeric(table["erlang_c"], errors="coerce")
        versus = (f"; Erlang C's curve: {(erlang * weeks * scenario.clock.interval).sum() / 60:,.1f}"
                  if erlang.notna().all() else "")
        lines += ["", f"{met} of {len(table)} intervals meet their targets with the whole day staffed so; "
                      f"{hours:,.1f} agent-hours a {per} on duty{versus}. plan.yaml is the scenario staffed "
                      f"with it."]
    if staffing.answer is not None:
        changes = ", ".join(f"{path}={value}" for path, value in (staffing.changes or {}).items())
        lines += ["", f"The answer, run ({changes or 'as in the file'}):"]
        lines += verdict_lines(staffing.answer.targets) + flag_lines(
            [f for f in staffing.answer.flags if f.kind != "peak"])
    elif staffing.per_interval is None:
        lines += ["", "No answer: some pool could not meet every target (see required '-')."]
    lines.append("\nErlang C assumes one skill, no abandonment, no errors and a steady state; docs/experiments.md "
                 "explains where the simulation and the formula differ.")
    return "\n".join(lines)


def render_roster(plan, replications: int) -> str:
    """The roster's shifts, its cost and the solver's word on it, then its run's verdicts and coverage."""
    from simulator.output import shifts_table

    roster, scenario = plan.roster, plan.scenario
    lines = [f"{scenario.name}: a roster at least cost covering the requirement, checked by simulation "
             f"({replications} replications a run, {plan.requirement.runs + roster.rounds} runs in all)",
             describe_service_level(scenario), ""]
    table = shifts_table(roster)
    lines.append(table.to_string(index=False))
    solver = roster.solver
    per = roster.solver.get("per", "day")
    agents = int(table["agents"].sum())
    lines += ["", f"{agents} agents{' (on tours: each works its days)' if per == 'week' else ''}, "
                  f"{table['paid_hours'].sum():,.1f} paid hours a {per}; solver "
                  f"(HiGHS): {solver['message']}, MIP gap {solver['mip_gap']:.2%}; {roster.rounds} round(s) of "
                  "simulation and mending"]
    met = int(roster.coverage["meets_targets"].sum())
    lines += [f"{met} of {len(roster.coverage)} intervals meet their targets with the roster"
              + ("" if roster.holds else f": {roster.note}"), ""]
    lines += verdict_lines(roster.answer.targets) + flag_lines([f for f in roster.answer.flags if f.kind != "peak"])
    return "\n".join(lines)


def _signed(metric: str, value: float) -> str:
    """A difference with its sign; a difference of two shares is in percentage points."""
    if KPI_BY_NAME.get(metric) is not None and KPI_BY_NAME[metric].kind == "share":
        return f"{value * 100:+.1f} pts"
    text = format_value(metric, abs(value))
    return f"-{text}" if value < 0 else f"+{text}"


def _difference_interval(metric: str, low: float, high: float) -> str:
    if KPI_BY_NAME.get(metric) is not None and KPI_BY_NAME[metric].kind == "share" and low == low:
        return f"[{low * 100:+.1f}, {high * 100:+.1f}]"
    return format_interval(metric, low, high)


SWEPT_KPIS = ("service_level", "wait_mean", "abandon_rate", "utilisation", "satisfaction_mean", "cost_total")


def render_risk_table(sweep: Sweep) -> list[str]:
    """Per point: each target's chance of being met ("7/10 days 70%") and its estimate, the total cost,
    and the cost of each extra service-level point: the table a manager argues over."""
    from simulator.sweep import risk_table

    table = risk_table(sweep)
    scenario = sweep.comparison.runs[sweep.comparison.baseline].scenario
    if not scenario.targets:
        return []
    labels = [t.kpi if t.scope == "all" else f"{t.kpi}@{t.scope}" for t in scenario.targets]
    labels = list(dict.fromkeys(labels))
    rows = []
    for _, row in table.iterrows():
        cells = [_plain(row[p]) for p in sweep.parameters]
        for label in labels:
            days = row.get(f"{label} days")
            chance = (f"{int(row[f'{label} days_met'])}/{int(days)} days" if days == days and days else "-")
            metric = label.partition("@")[0]
            cells += [chance, f"{format_value(metric, row[label])} "
                              f"{format_interval(metric, row[f'{label}_ci_low'], row[f'{label}_ci_high'])}"]
        cells += [format_value("cost_total", row["cost_total"]), format_value("wellbeing_index", row["wellbeing_index"])]
        if "cost_per_point" in table:
            cost = row["cost_per_point"]
            cells.append(format_value("cost_total", cost) if cost == cost else "")
        rows.append(cells)
    headers = [*sweep.parameters]
    for label in labels:
        headers += [f"{label} met", "estimate [95% CI]"]
    headers += ["cost_total", "staff wellbeing"]
    if "cost_per_point" in table:
        headers.append("cost per extra SL point")
    return [tr("The chance of meeting each target (days met of those simulated), and what it costs:"),
            *_table(headers, rows, align_left=len(sweep.parameters)), ""]


def render_sweep(sweep: Sweep) -> str:
    """The chance-and-cost table first, then a row per point: the parameters, the targets' KPIs in their
    own scopes and their verdicts, then the main KPIs, as ``estimate ±half-width``."""
    table = sweep.table()
    scenario = sweep.comparison.runs[sweep.comparison.baseline].scenario
    columns = [t.kpi if t.scope == "all" else f"{t.kpi}@{t.scope}" for t in scenario.targets]
    columns = list(dict.fromkeys(columns + [k for k in SWEPT_KPIS if k in table.columns]))
    columns = [c for c in columns if c in table.columns]
    runs = list(sweep.comparison.runs.values())
    rows = []
    for point, (_, row), run in zip(sweep.points, table.iterrows(), runs):
        cells = [_plain(point[p]) for p in sweep.parameters]
        cells += [_mean_pm(c.partition("@")[0], row[c], row[f"{c}_ci_low"], row[f"{c}_ci_high"]) for c in columns]
        met = int((run.targets["status"] == "met").sum()) if len(run.targets) else 0
        flags = ", ".join(sorted({f.kind for f in run.flags if f.kind != "peak"}))
        cells.append(f"{met}/{len(run.targets)}" + (f" {flags}" if flags else ""))
        rows.append(cells)
    lines = [f"{scenario.name}: {len(table)} point(s), {scenario.replications} replications each, seed "
             f"{scenario.seed}, the same customers at every point", describe_service_level(scenario), ""]
    lines += render_risk_table(sweep)
    headers = [*sweep.parameters, *columns, "targets met, flags"]
    return "\n".join(lines + _table(headers, rows, align_left=len(sweep.parameters)))


def _plain(value) -> str:
    """A parameter's value as it was given (16, not 16.0)."""
    return f"{value:g}" if isinstance(value, float) else str(value)
