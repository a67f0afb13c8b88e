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

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 1100px;
       padding: 1.5rem; color: #1d2733; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; } h2 { margin-top: 2rem; border-bottom: 2px solid #1f5f8b; }
.lead { color: #4a5663; } .met { color: #1e7a32; font-weight: 600; } .missed { color: #b3261e; font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; margin: 0.6rem 0 1rem; }
th, td { padding: 0.3rem 0.55rem; border-bottom: 1px solid #d8dee6; text-align: right; }
th:first-child, td:first-child { text-align: left; } th { background: #eef2f6; }
.scroll { overflow-x: auto; } figure { margin: 1rem 0; } img { width: 100%; height: auto; border: 1px solid #e3e8ee; }
figcaption { color: #4a5663; font-size: 0.9rem; } dl { display: grid; grid-template-columns: max-content 1fr;
gap: 0.2rem 1rem; } dt { font-weight: 600; }
@media (max-width: 640px) { body { padding: 0.7rem; } table { font-size: 0.8rem; } }
@media print { body { max-width: none; } h2 { break-after: avoid; } figure, table { break-inside: avoid; } }
"""

CHART_CAPTIONS = {
    "service_level_by_interval": "Service level by interval, with its 95% confidence band, against the target; "
                                 "offered and abandoned contacts as bars.",
    "wait_distribution": "How long customers wait before an answer, by channel.",
    "staffing_by_interval": "Staffed and busy agents per pool over the day.",
    "queue_by_interval": "Contacts waiting, on average, in each interval.",
    "quality": "Abandonment, errors, rework, recontacts, first-contact resolution and containment.",
    "satisfaction": "Distribution of the satisfaction proxy (docs/satisfaction.md).",
    "sweep": "KPIs against the varied parameter, with 95% confidence bands.",
    "staffing_requirement": "Agents required: simulation beside Erlang C.",
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
    page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
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
    items = [("seed", info.get("seed")), ("replications", info.get("replications")),
             ("run time", f"{info.get('run_seconds')} s"), ("finished", info.get("finished_at")),
             ("source", info.get("source")), ("versions", versions)]
    parts = ["<h2>Provenance</h2><dl>"] + [f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>"
                                          for k, v in items if v is not None]
    parts.append("</dl>")
    flags = info.get("capacity_flags") or []
    if flags:
        parts.append("<h2>Capacity</h2><ul>" + "".join(f"<li>{html.escape(f['message'])}</li>" for f in flags)
                     + "</ul>")
    return parts


def _charts(folder: Path, prefix: str = "") -> list[str]:
    parts = []
    for png in sorted(folder.glob(f"{prefix}*.png")):
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        caption = CHART_CAPTIONS.get(png.stem, png.stem.replace("_", " "))
        parts.append(f"<figure><img alt=\"{html.escape(caption)}\" src=\"data:image/png;base64,{data}\">"
                     f"<figcaption>{html.escape(caption)}</figcaption></figure>")
    return parts


def _animation(folder: Path) -> list[str]:
    """The folder's animation.gif, embedded (it plays in any browser, offline)."""
    gif = folder / "animation.gif"
    if not gif.exists():
        return []
    data = base64.b64encode(gif.read_bytes()).decode("ascii")
    caption = "The day, animated: the baseline beside the variant, on the same customers (replication 1)."
    return [f"<h2>Watch it</h2><figure><img alt=\"{caption}\" src=\"data:image/gif;base64,{data}\">"
            f"<figcaption>{caption}</figcaption></figure>"]


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
                                             f"{verdict.status}</span>")
        rows.append(f"<tr><td>{html.escape(row.metric)}</td><td>{format_value(row.metric, row.mean)}</td>"
                    f"<td>{format_interval(row.metric, row.ci_low, row.ci_high)}</td><td>{status}</td></tr>")
    return ("<div class=\"scroll\"><table><thead><tr><th>KPI</th><th>mean</th><th>95% CI</th><th>target</th>"
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>")


def _run_sections(folder: Path) -> tuple[str, list[str]]:
    scenario = _scenario(folder)
    summary = pd.read_csv(folder / "summary.csv")
    targets = pd.read_csv(folder / "targets.csv") if (folder / "targets.csv").exists() else pd.DataFrame()
    name = scenario.get("name", folder.name)
    parts = [f"<h1>{html.escape(name)}</h1>", f"<p class=\"lead\">{html.escape(scenario.get('description') or '')}</p>"]
    if len(targets):
        met = int((targets.status == "met").sum())
        parts.append(f"<p><strong>{met} of {len(targets)} targets met.</strong></p>")
        parts.append("<h2>Targets</h2><div class=\"scroll\"><table><thead><tr><th>KPI</th><th>scope</th>"
                     "<th>target</th><th>mean</th><th>95% CI</th><th>status</th></tr></thead><tbody>" + "".join(
                         f"<tr><td>{html.escape(t.metric)}</td><td>{html.escape(t.scope)}</td><td>{html.escape(_target_text(t))}"
                         f"</td><td>{format_value(t.metric, t.mean)}</td><td>{format_interval(t.metric, t.ci_low, t.ci_high)}"
                         f"</td><td><span class=\"{t.status}\">{t.status}</span></td></tr>" for t in targets.itertuples())
                     + "</tbody></table></div>")
    parts += ["<h2>KPIs, all contacts</h2>", _kpi_table(summary, targets)]
    parts += ["<h2>Charts</h2>"] + _charts(folder)
    for prefix, title in (("channel:", "By channel"), ("pool:", "By pool")):
        scopes = [s for s in summary.scope.unique() if s.startswith(prefix)]
        for scope in scopes:
            parts += [f"<h2>{title}: {html.escape(scope.split(':', 1)[1])}</h2>", _kpi_table(summary, targets, scope)]
    return name, parts + _provenance(folder)


def _comparison_table(table: pd.DataFrame, metrics: list[str]) -> list[str]:
    parts = []
    for metric in metrics:
        rows = table[(table.metric == metric) & (table.scope == "all")]
        if rows.empty or rows["mean"].isna().all():
            continue
        body = "".join(
            f"<tr><td>{html.escape(str(r.scenario))}</td><td>{format_value(metric, r.mean)}</td>"
            f"<td>{format_interval(metric, r.ci_low, r.ci_high)}</td><td>{format_value(metric, r.diff_mean)}</td>"
            f"<td>{format_interval(metric, r.diff_ci_low, r.diff_ci_high)}</td>"
            f"<td>{'yes' if r.significant is True or r.significant == 'True' else ''}</td></tr>" for r in rows.itertuples())
        parts.append(f"<h3>{html.escape(metric)}</h3><div class=\"scroll\"><table><thead><tr><th>scenario</th>"
                     "<th>mean</th><th>95% CI</th><th>difference</th><th>difference 95% CI</th><th>significant</th>"
                     f"</tr></thead><tbody>{body}</tbody></table></div>")
    return parts


COMPARED = ["service_level", "wait_mean", "abandon_rate", "utilisation", "error_rate", "fcr", "satisfaction_mean",
            "cost_total", "cost_per_contact"]


def _comparison_sections(folder: Path) -> tuple[str, list[str]]:
    table = pd.read_csv(folder / "comparison.csv")
    baseline = table.scenario.iloc[0]
    scenario = _scenario(folder / "scenarios" / baseline)
    name = f"{scenario.get('name', folder.name)}: comparison"
    parts = [f"<h1>{html.escape(name)}</h1>"]
    if (folder / "lesson.md").exists():   # a lesson: its sheet (with the numbers filled in) tells the story
        import markdown

        name = scenario.get("name", folder.name)
        parts = [markdown.markdown((folder / "lesson.md").read_text(encoding="utf-8"), extensions=["tables"])]
        parts += _animation(folder)
        parts.append("<h2>The comparison in detail</h2>")
    parts += [f"<p class=\"lead\">{html.escape(scenario.get('description') or '')}</p>",
              f"<p>Each scenario against <strong>{html.escape(baseline)}</strong>, on the same customers (common "
              "random numbers). A difference is significant when its 95% CI excludes zero.</p>",
              "<h2>Charts</h2>"] + _charts(folder, "compare_")
    parts += ["<h2>Comparison</h2>"] + _comparison_table(table, COMPARED)
    return name, parts + _provenance(folder / "scenarios" / baseline)


def _sweep_sections(folder: Path) -> tuple[str, list[str]]:
    table = pd.read_csv(folder / "sweep.csv")
    first = folder / "points" / "000"
    scenario = _scenario(first)
    name = f"{scenario.get('name', folder.name)}: sweep"
    parameters = [c for c in table.columns if "." in c or c in ("routing", "seed", "replications")]
    shown = [c for c in parameters + ["service_level", "wait_mean", "abandon_rate", "utilisation", "cost_total"]
             if c in table.columns]
    rows = "".join("<tr>" + "".join(
        f"<td>{html.escape(str(r[c])) if c in parameters else format_value(c, r[c])}</td>" for c in shown) + "</tr>"
        for _, r in table.iterrows())
    parts = [f"<h1>{html.escape(name)}</h1>", f"<p class=\"lead\">{html.escape(scenario.get('description') or '')}</p>",
             "<h2>Charts</h2>"] + _charts(folder)
    parts += ["<h2>Points</h2><div class=\"scroll\"><table><thead><tr>"
              + "".join(f"<th>{html.escape(c)}</th>" for c in shown) + f"</tr></thead><tbody>{rows}</tbody></table></div>"]
    return name, parts + _provenance(first)


def _staffing_sections(folder: Path) -> tuple[str, list[str]]:
    table = pd.read_csv(folder / "staffing.csv")
    name = f"Staffing: {folder.parent.name}"
    parts = [f"<h1>{html.escape(name)}</h1>",
             "<p class=\"lead\">The fewest agents meeting every target, beside Erlang C's answer.</p>",
             "<div class=\"scroll\">" + table.to_html(index=False, na_rep="-", border=0) + "</div>"]
    return name, parts + _charts(folder)
