"""One self-contained report.html for a results folder: no network, images embedded, prints well.

It is built from the folder's files only (so it works for any results folder, old or new): the run's
summary, targets, provenance and resolved scenario, or a comparison's, sweep's or staffing search's
tables, and every chart PNG, embedded as a data URI.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import pandas as pd
import yaml

from simulator.console import format_interval, format_value
from simulator.errors import InputError
from simulator.i18n import language, tr
from simulator.kpis import kpi_label
from simulator.player import SCRIPT as PLAYER_SCRIPT, STYLE as PLAYER_STYLE, gif_fps, player_html
from simulator.risk import chance_text

VERDICT_COLOURS = {"met": "#1f5f8b", "missed": "#b3261e", "ci_spans_target": "#555555"}

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 1100px;
       padding: 1.5rem; color: #1d2733; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; } h2 { margin-top: 2rem; border-bottom: 2px solid #1f5f8b; }
.lead { color: #4a5663; }
/* verdicts: three styles a reader tells apart without colour too (a mark, weight, italics), in colours that
   stay apart under deuteranopia (tests/test_colour_blind.py): met blue, missed red on a tint, unsure grey */
.met { color: """ + VERDICT_COLOURS["met"] + """; font-weight: 600; } .met::before { content: "\\2713\\00a0"; }
.missed { color: """ + VERDICT_COLOURS["missed"] + """; font-weight: 700; background: #fbe9e7; padding: 0 0.2em; }
.missed::before { content: "\\2717\\00a0"; }
.ci_spans_target { color: """ + VERDICT_COLOURS["ci_spans_target"] + """; font-weight: 600; font-style: italic; }
.ci_spans_target::before { content: "?\\00a0"; }
.flags li { margin: 0.2rem 0; } .flag-kind { font-weight: 700; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; margin: 0.6rem 0 1rem; }
th, td { padding: 0.3rem 0.55rem; border-bottom: 1px solid #d8dee6; text-align: right; }
th:first-child, td:first-child { text-align: left; } th { background: #eef2f6; }
.scroll { overflow-x: auto; } figure { margin: 1rem 0; } img { width: 100%; height: auto; border: 1px solid #e3e8ee; }
figcaption { color: #4a5663; font-size: 0.9rem; } dl { display: grid; grid-template-columns: max-content 1fr;
gap: 0.2rem 1rem; } dt { font-weight: 600; }
@media (max-width: 640px) { body { padding: 0.7rem; } table { font-size: 0.8rem; } }
@media print { body { max-width: none; } h2 { break-after: avoid; } figure, table { break-inside: avoid; } }
"""

CHART_CAPTIONS = {  # in reading order: the answer first, then why, then the rest
    "service_level_by_interval": "Service level by interval, with its 95% confidence band, against the target; "
                                 "offered and abandoned contacts as bars.",
    "targets_by_interval": "Each target's KPI interval by interval, in the target's scope, with its 95% CI band.",
    "service_level_heatmap": "Service level by interval of the day and day: where and when the target is missed.",
    "staffing_requirement": "Agents required: simulation beside Erlang C.",
    "wait_distribution": "Of everyone who queued for a person, the share answered within each wait, by channel: "
                         "it crosses the threshold at the service level.",
    "queue_by_interval": "Customers waiting, on average, in each interval: a live queue per real-time channel.",
    "backlog_by_interval": "Deferrable work (email, cases) still open at the end of each interval.",
    "backlog_age_by_interval": "How old the open deferrable work is at the end of each interval (mean and oldest), "
                               "against the response target.",
    "response_time_by_interval": "Mean response time of deferrable work by interval of arrival, against the "
                                 "response target.",
    "staffing_by_interval": "Staffed and busy agents per pool over the day.",
    "time_breakdown": "Where a contact's time goes, by channel: queues, automation, service and rework add up to "
                      "the time in the system (whisker: its 95% CI).",
    "replication_spread": "Every replication's own value beside the estimate and its 95% CI: the CI says how "
                          "well the mean is known, the dots how much one day differs from another.",
    "agent_timeline": "What each agent did through the first day (replication 1): busy, idle, on a break, in "
                      "training, not at work.",
    "process_map": "The process as the scenario describes it: channels, steps, who does them, rework and "
                   "repeat contacts, with each step's measured wait and handling time.",
    "quality": "Abandonment, errors, rework, recontacts, first-contact resolution and containment.",
    "satisfaction": "Distribution of the satisfaction proxy (docs/satisfaction.md).",
    "sweep": "KPIs against the varied parameter, with 95% confidence bands.",
    "cost_and_service": "Cost against the target's KPI for each scenario or point, with the efficient frontier: "
                        "the settings no other beats on both.",
    "sweep_heatmap": "The target's KPI over a two-parameter grid; outlined cells meet the target.",
}


def write_report(folder: Path) -> Path:
    """Write ``folder/report.html`` and return its path."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: not a results folder")
    if (folder / "summary.csv").exists():
        body = _run_sections(folder)
    elif (folder / "sweep.csv").exists():
        body = _sweep_sections(folder)
    elif (folder / "comparison.csv").exists():
        body = _comparison_sections(folder)
    elif (folder / "staffing.csv").exists():
        body = _staffing_sections(folder)
    else:
        raise InputError(f"{folder}: no summary.csv, comparison.csv, sweep.csv or staffing.csv: not a results folder")
    page = (f"<!DOCTYPE html>\n<html lang=\"{language()}\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(body[0])}</title><style>{STYLE}</style></head><body>\n"
            + "\n".join(body[1]) + "\n</body></html>\n")
    path = folder / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def _scenario(folder: Path) -> dict:
    text = (folder / "scenario.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text) or {}


def _provenance(folder: Path) -> list[str]:
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    versions = ", ".join(f"{k} {v}" for k, v in info.get("versions", {}).items())
    warmup = info.get("warmup_minutes")
    items = [("seed", info.get("seed")), ("replications", info.get("replications")),
             ("warm-up", None if warmup is None else f"{warmup:g} min ({info.get('warmup_rule')})"),
             ("run time", f"{info.get('run_seconds')} s"), ("finished", info.get("finished_at")),
             ("source", info.get("source")), ("versions", versions)]
    parts = [f"<h2>{tr('Provenance')}</h2><dl>"] + [f"<dt>{html.escape(tr(k))}</dt><dd>{html.escape(str(v))}</dd>"
                                          for k, v in items if v is not None]
    parts.append("</dl>")
    return parts


FLAG_NAMES = {"unstable": "Unstable", "unserved": "Customers left unserved", "backlog": "Growing backlog",
              "response": "Late deferrable work", "overtime": "Overtime", "peak": "Peak overload"}
STATUS_TEXT = {"met": "met", "missed": "missed", "ci_spans_target": "CI spans target"}


def _flags(folder: Path) -> list[str]:
    """The run's capacity and work flags, as a list at the top of the page."""
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    flags = info.get("capacity_flags") or []
    if not flags:
        return []
    order = list(FLAG_NAMES)
    flags = sorted(flags, key=lambda f: order.index(f["kind"]) if f["kind"] in order else len(order))
    return [f"<h2>{tr('Flags')}</h2><ul class=\"flags\">" + "".join(
        f"<li><span class=\"flag-kind\">{html.escape(tr(FLAG_NAMES.get(f['kind'], f['kind'])))}:</span> "
        f"{html.escape(f['message'])}</li>" for f in flags) + "</ul>"]


def _verdicts(targets: pd.DataFrame) -> list[str]:
    """The targets' verdicts, in three styles: met, missed, and CI spans target (the run cannot say)."""
    if not len(targets):
        return []
    counts = targets["status"].value_counts()
    summary = tr("{met} of {count} targets met, {missed} missed, {spans} with a CI that spans the target.",
                 met=counts.get('met', 0), count=len(targets), missed=counts.get('missed', 0),
                 spans=counts.get('ci_spans_target', 0))
    rows = "".join(
        f"<tr><td><span class=\"{t.status}\">{tr(STATUS_TEXT.get(t.status, t.status))}</span></td>"
        f"<td title=\"{html.escape(t.metric)}\">{html.escape(kpi_label(t.metric))}</td><td>{html.escape(t.scope)}</td><td>{html.escape(_target_text(t))}</td>"
        f"<td>{format_value(t.metric, t.mean)}</td><td>{format_interval(t.metric, t.ci_low, t.ci_high)}</td>"
        f"<td>{html.escape(_chance(t))}</td></tr>"
        for t in targets.itertuples())
    return [f"<p><strong>{summary}</strong></p>",
            f"<h2>{tr('Targets')}</h2><div class=\"scroll\"><table><thead><tr><th>{tr('verdict')}</th><th>KPI</th><th>{tr('scope')}</th>"
            f"<th>{tr('target')}</th><th>{tr('estimate')}</th><th>{tr('95% CI')}</th><th>{tr('days met')}</th>"
            "</tr></thead><tbody>" + rows + "</tbody></table></div>"]


def _chance(target) -> str:
    """``met on 7 of 10 days [40%, 89%]`` (nothing for a targets file written before it was measured)."""
    days = getattr(target, "days", float("nan"))
    if days != days:
        return ""
    return chance_text(int(days), int(target.days_met), target.chance_low, target.chance_high)


def _reading_order(png: Path) -> tuple[int, str]:
    """Charts as a planner reads them: the answer (service level, staffing against need), then why
    (waits and queues), then the rest; the order of CHART_CAPTIONS, unknown charts last by name."""
    order = list(CHART_CAPTIONS)
    stem = png.stem.removeprefix("compare_")
    return (order.index(stem) if stem in order else len(order), png.stem)


def _charts(folder: Path, prefix: str = "") -> list[str]:
    parts = []
    for png in sorted(folder.glob(f"{prefix}*.png"), key=_reading_order):
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        caption = tr(CHART_CAPTIONS.get(png.stem, png.stem.replace("_", " ")))
        parts.append(f"<figure><img alt=\"{html.escape(caption)}\" src=\"data:image/png;base64,{data}\">"
                     f"<figcaption>{html.escape(caption)}</figcaption></figure>")
    return parts


def _animation(folder: Path) -> list[str]:
    """The folder's animation.gif, embedded in a player (it plays in any browser, offline; pause, step and
    scrub where the browser can decode GIF frames)."""
    gif = folder / "animation.gif"
    if not gif.exists():
        return []
    caption = ("The day, animated: the baseline beside the variant, on the same customers (replication 1). "
               "Pause, step (arrow keys) or drag the slider to talk a moment through.")
    return [f"<h2>{tr('Watch it')}</h2>", player_html(gif.read_bytes(), caption, gif_fps(gif)),
            f"<style>{PLAYER_STYLE}</style><script>{PLAYER_SCRIPT}</script>"]


def _target_text(verdict) -> str:
    """``>= 80.0%``: the target in its KPI's unit."""
    word = ">=" if verdict.direction == "at_least" else "<="
    return f"{word} {format_value(verdict.metric, verdict.bound)}"


def _kpi_table(summary: pd.DataFrame, targets: pd.DataFrame, scope: str = "all") -> str:
    verdicts = {(t.metric, t.scope): t for t in targets.itertuples()} if len(targets) else {}
    rows = []
    for row in summary[summary.scope == scope].itertuples():
        verdict = verdicts.get((row.metric, row.scope))
        status = "" if verdict is None else (f"<span class=\"{verdict.status}\">{html.escape(_target_text(verdict))}: "
                                             f"{tr(STATUS_TEXT.get(verdict.status, verdict.status))}</span>")
        rows.append(f"<tr><td title=\"{html.escape(row.metric)}\">{html.escape(kpi_label(row.metric))}</td>"
                    f"<td>{format_value(row.metric, row.mean)}</td>"
                    f"<td>{format_interval(row.metric, row.ci_low, row.ci_high)}</td><td>{status}</td></tr>")
    return (f"<div class=\"scroll\"><table><thead><tr><th>KPI</th><th>{tr('estimate')}</th><th>{tr('95% CI')}</th>"
            f"<th>{tr('target')}</th>"
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>")


def _run_sections(folder: Path) -> tuple[str, list[str]]:
    scenario = _scenario(folder)
    summary = pd.read_csv(folder / "summary.csv")
    targets = pd.read_csv(folder / "targets.csv") if (folder / "targets.csv").exists() else pd.DataFrame()
    name = scenario.get("name", folder.name)
    parts = [f"<h1>{html.escape(name)}</h1>", f"<p class=\"lead\">{html.escape(scenario.get('description') or '')}</p>"]
    parts += _verdicts(targets) + _flags(folder)
    parts += _wellbeing_section(summary)
    parts += [f"<h2>{tr('KPIs, all contacts (waits: real-time contacts)')}</h2>", _kpi_table(summary, targets)]
    parts += [f"<h2>{tr('Charts')}</h2>"] + _charts(folder)
    for prefix, title in (("channel:", "By channel"), ("step:", "By step"), ("pool:", "By pool")):
        scopes = [s for s in summary.scope.unique() if s.startswith(prefix)]
        for scope in scopes:
            heading = tr(f"{title}: {{name}}", name=html.escape(scope.split(':', 1)[1]))
            parts += [f"<h2>{heading}</h2>", _kpi_table(summary, targets, scope)]
    return name, parts + _provenance(folder)


def _comparison_table(table: pd.DataFrame, pairs: list[tuple[str, str]]) -> list[str]:
    parts = []
    for metric, scope in pairs:
        rows = table[(table.metric == metric) & (table.scope == scope)]
        if rows.empty or rows["mean"].isna().all():
            continue
        body = "".join(
            f"<tr><td>{html.escape(str(r.scenario))}</td><td>{format_value(metric, r.mean)}</td>"
            f"<td>{format_interval(metric, r.ci_low, r.ci_high)}</td><td>{format_value(metric, r.diff_mean)}</td>"
            f"<td>{format_interval(metric, r.diff_ci_low, r.diff_ci_high)}</td>"
            f"<td>{'yes' if r.significant is True or r.significant == 'True' else ''}</td></tr>" for r in rows.itertuples())
        title = metric if scope == "all" else f"{metric} ({scope})"
        parts.append(f"<h3>{html.escape(title)}</h3><div class=\"scroll\"><table><thead><tr><th>scenario</th>"
                     "<th>estimate</th><th>95% CI</th><th>difference</th><th>difference 95% CI</th><th>significant</th>"
                     f"</tr></thead><tbody>{body}</tbody></table></div>")
    return parts


COMPARED = ["service_level", "wait_mean", "abandon_rate", "utilisation", "error_rate", "fcr", "satisfaction_mean",
            "cost_total", "cost_per_contact", "cost_of_quality", "value_lost"]


def _comparison_sections(folder: Path) -> tuple[str, list[str]]:
    table = pd.read_csv(folder / "comparison.csv")
    baseline = table.scenario.iloc[0]
    scenario = _scenario(folder / "scenarios" / baseline)
    name = f"{scenario.get('name', folder.name)}: comparison"
    parts = [f"<h1>{html.escape(name)}</h1>"]
    if (folder / "lesson.md").exists():   # a lesson: its sheet (with the numbers filled in) tells the story
        name = scenario.get("name", folder.name)
        parts = [lesson_html((folder / "lesson.md").read_text(encoding="utf-8"))]
        parts += _animation(folder)
        parts.append(f"<h2>{tr('The comparison in detail')}</h2>")
    names = list(dict.fromkeys(table.scenario))
    parts += [f"<p class=\"lead\">{html.escape(scenario.get('description') or '')}</p>",
              f"<p>Each scenario against <strong>{html.escape(str(baseline))}</strong>, on the same customers (common "
              "random numbers). A difference is significant when its 95% CI excludes zero.</p>"]
    parts += _scenario_verdicts(folder, names)
    targets = _targets(folder / "scenarios" / str(baseline))
    pairs = list(dict.fromkeys([(t.metric, t.scope) for t in targets.itertuples()] + [(m, "all") for m in COMPARED]))
    parts += [f"<h2>{tr('Comparison')}</h2>"] + _comparison_table(table, pairs)
    parts += [f"<h2>{tr('Charts')}</h2>"] + _charts(folder, "compare_")
    return name, parts + _provenance(folder / "scenarios" / baseline)


def lesson_html(sheet: str) -> str:
    """A lesson sheet's Markdown as HTML, safely: CommonMark with tables (markdown-it-py), raw HTML
    shown as text rather than obeyed, and links only to http(s), mailto and page anchors, so a sheet
    (or a claim in it) cannot run a script in the reader's browser."""
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark", {"html": False}).enable("table")
    renderer.validateLink = lambda url: url.strip().lower().startswith(("http://", "https://", "mailto:", "#"))
    return renderer.render(sheet)


def _targets(folder: Path) -> pd.DataFrame:
    path = folder / "targets.csv"
    return pd.read_csv(path) if path.exists() and path.stat().st_size > 1 else pd.DataFrame(
        columns=["metric", "scope", "status"])


def _scenario_verdicts(folder: Path, names: list[str], under: str = "scenarios") -> list[str]:
    """A row per scenario (or sweep point): each target's verdict, and the scenario's work flags."""
    rows = []
    for number, name in enumerate(names):
        where = folder / under / (str(name) if under == "scenarios" else f"{number:03d}")
        targets = _targets(where)
        info = json.loads((where / "run.json").read_text(encoding="utf-8")) if (where / "run.json").exists() else {}
        verdicts = " ".join(f"<span class=\"{t.status}\">{html.escape(t.metric)}"
                            f"{'' if t.scope == 'all' else ' ' + html.escape(t.scope)}: "
                            f"{format_value(t.metric, t.mean)} {tr(STATUS_TEXT.get(t.status, t.status))}</span>"
                            for t in targets.itertuples())
        flags = ", ".join(html.escape(tr(FLAG_NAMES.get(f["kind"], f["kind"]))) for f in info.get("capacity_flags", [])
                          if f["kind"] != "peak")
        rows.append(f"<tr><td>{html.escape(str(name))}</td><td>{verdicts or '-'}</td><td>{flags or '-'}</td></tr>")
    return ["<h2>Targets and flags</h2><div class=\"scroll\"><table><thead><tr><th>scenario</th><th>targets</th>"
            "<th>flags</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>"]


def _sweep_sections(folder: Path) -> tuple[str, list[str]]:
    table = pd.read_csv(folder / "sweep.csv")
    first = folder / "points" / "000"
    scenario = _scenario(first)
    name = f"{scenario.get('name', folder.name)}: sweep"
    parameters = [c for c in table.columns if ("." in c and "@" not in c and not c.endswith(("_ci_low", "_ci_high")))
                  or c in ("routing", "seed", "replications")]
    targets = _targets(first)
    headline = [t.metric if t.scope == "all" else f"{t.metric}@{t.scope}" for t in targets.itertuples()]
    shown = [c for c in dict.fromkeys(parameters + headline + ["service_level", "wait_mean", "abandon_rate",
                                                              "utilisation", "cost_total"]) if c in table.columns]
    rows = "".join("<tr>" + "".join(
        f"<td>{html.escape(str(r[c])) if c in parameters else format_value(c.partition('@')[0], r[c])}</td>"
        for c in shown) + "</tr>" for _, r in table.iterrows())
    labels = [", ".join(f"{p}={r[p]}" for p in parameters) for _, r in table.iterrows()]
    parts = [f"<h1>{html.escape(name)}</h1>", f"<p class=\"lead\">{html.escape(scenario.get('description') or '')}</p>"]
    parts += _risk_section(folder, parameters)
    parts += _scenario_verdicts(folder, labels, under="points")
    parts += ["<h2>Points</h2><div class=\"scroll\"><table><thead><tr>"
              + "".join(f"<th>{html.escape(c)}</th>" for c in shown) + f"</tr></thead><tbody>{rows}</tbody></table></div>"]
    parts += [f"<h2>{tr('Charts')}</h2>"] + _charts(folder)
    return name, parts + _provenance(first)


WELLBEING = ("occupancy", "occupancy_peak", "longest_work_run", "workload_spread", "overtime_share",
             "breaks_late", "wellbeing_index")


def _wellbeing_section(summary: pd.DataFrame) -> list[str]:
    """Per pool: how the work felt to the staff (a proxy: docs/kpis.md, "Staff wellbeing")."""
    pools = [s for s in summary.scope.unique() if str(s).startswith("pool:")]
    indexed = summary.set_index(["metric", "scope"])
    if not pools or ("wellbeing_index", pools[0]) not in indexed.index:
        return []
    head = "".join(f"<th title=\"{m}\">{html.escape(kpi_label(m))}</th>" for m in WELLBEING)
    rows = []
    for pool in pools:
        cells = "".join(f"<td>{format_value(m, indexed.at[(m, pool), 'mean'])}</td>" if (m, pool) in indexed.index
                        else "<td>-</td>" for m in WELLBEING)
        rows.append(f"<tr><td>{html.escape(pool.split(':', 1)[1])}</td>{cells}</tr>")
    return [f"<h2>{tr('Staff wellbeing (a proxy)')}</h2>",
            f"<div class=\"scroll\"><table><thead><tr><th>{tr('pool')}</th>{head}</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></div>"]


def _risk_section(folder: Path, parameters: list[str]) -> list[str]:
    """The sweep's first table: at each level, each target's chance of being met (days met of those
    simulated), its estimate, the total cost and the cost of each extra service-level point."""
    path = folder / "risk.csv"
    if not path.exists():
        return []
    table = pd.read_csv(path)
    labels = [c.removesuffix(" chance") for c in table.columns if c.endswith(" chance")]
    if not labels:
        return []
    head = "".join(f"<th>{html.escape(p)}</th>" for p in parameters)
    head += "".join(f"<th>{html.escape(label)} {tr('days met')}</th><th>{tr('estimate')} ({tr('95% CI')})</th>"
                    for label in labels)
    head += "<th>cost_total</th><th>staff wellbeing</th>" + (
        "<th>cost per extra SL point</th>" if "cost_per_point" in table else "")
    rows = []
    for _, row in table.iterrows():
        cells = "".join(f"<td>{html.escape(str(row[p]))}</td>" for p in parameters)
        for label in labels:
            days = row[f"{label} days"]
            met = f"{int(row[f'{label} days_met'])} / {int(days)}" if days == days and days else "-"
            metric = label.partition("@")[0]
            cells += (f"<td>{met}</td><td>{format_value(metric, row[label])} "
                      f"{format_interval(metric, row[f'{label}_ci_low'], row[f'{label}_ci_high'])}</td>")
        cells += (f"<td>{format_value('cost_total', row['cost_total'])}</td>"
                  f"<td>{format_value('wellbeing_index', row.get('wellbeing_index', float('nan')))}</td>")
        if "cost_per_point" in table:
            cost = row["cost_per_point"]
            cells += f"<td>{format_value('cost_total', cost) if cost == cost else ''}</td>"
        rows.append(f"<tr>{cells}</tr>")
    return [f"<h2>{tr('The chance of meeting each target, and what it costs')}</h2>",
            f"<div class=\"scroll\"><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"]


def _staffing_sections(folder: Path) -> tuple[str, list[str]]:
    table = pd.read_csv(folder / "staffing.csv")
    name = f"Staffing: {folder.parent.name}"
    parts = [f"<h1>{html.escape(name)}</h1>",
             "<p class=\"lead\">The fewest agents meeting every target with no capacity or work flag, beside "
             "Erlang C's answer.</p>"]
    risk = folder / "risk.csv"
    if risk.exists():   # staff --around: the +-N table first (its first column is the pool's level)
        parts += _risk_section(folder, list(pd.read_csv(risk).columns[:1]))
    answer = folder / "answer"
    if answer.is_dir():
        parts += ["<h2>The answer, run</h2>"] + _verdicts(_targets(answer)) + _flags(answer)
    parts += ["<h2>Requirement</h2><div class=\"scroll\">" + table.to_html(index=False, na_rep="-", border=0) + "</div>"]
    return name, parts + _charts(folder)
