"""The explorer: one self-contained HTML page over a sweep, with a slider per varied parameter.

Every point of the grid has been run on the same customers (common random numbers); the page holds all of
their KPIs (mean and 95% CI, per scope), the verdict of every target, and the service level and queue per
interval, as JSON. Moving a slider picks the point and redraws the table and the charts: no server and no
network (the page opens from an e-mail), and the numbers are the ones ``servicesim run --set PATH=VALUE``
gives with the same seed and replications. The page's own JavaScript is small and hand-written (two SVG
charts and a table), lighter than embedding a plotting library.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

from simulator.kpis import KPI_BY_NAME, headline_pairs, kpi_label
from simulator.report import STYLE
from simulator.sweep import Sweep

TABLE_KPIS = ("offered", "service_level", "wait_mean", "wait_p90", "abandon_rate", "utilisation", "occupancy",
              "satisfaction_mean", "cost_total", "cost_per_contact")


def _number(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and not math.isfinite(value)) else float(value)


def explorer_data(sweep: Sweep) -> dict:
    """What the page needs, as plain JSON."""
    runs = sweep.comparison.runs
    first = next(iter(runs.values())).scenario
    pairs = headline_pairs(first, TABLE_KPIS)
    points = []
    for result, point in zip(runs.values(), sweep.points):
        summary = result.summary.set_index(["metric", "scope"])
        kpis = {f"{metric}@{scope}": [_number(summary.at[(metric, scope), c]) for c in ("mean", "ci_low", "ci_high")]
                for metric, scope in pairs if (metric, scope) in summary.index}
        targets = [{"kpi": t.kpi, "scope": t.scope, "status": str(s)} for t, s in
                   zip(first.targets, result.targets["status"])] if len(result.targets) else []
        table = result.interval_summary
        level_scope = next((t.scope for t in first.targets if t.kpi == "service_level"), "all")
        intervals = {}
        for metric, scope in (("service_level", level_scope), ("waiting", "all")):
            rows = table[(table.metric == metric) & (table.scope == scope)].sort_values("interval")
            intervals[metric] = {"scope": scope, "start": rows["start"].tolist(),
                                 "mean": [_number(v) for v in rows["mean"]],
                                 "low": [_number(v) for v in rows["ci_low"]],
                                 "high": [_number(v) for v in rows["ci_high"]]}
        points.append({"values": [point[name] for name in sweep.parameters], "kpis": kpis, "targets": targets,
                       "intervals": intervals})
    values = [sorted(set(p["values"][i] for p in points), key=lambda v: (str(type(v)), v))
              for i in range(len(sweep.parameters))]
    return {
        "name": first.name, "seed": first.seed, "replications": first.replications,
        "parameters": [{"name": name, "values": vals} for name, vals in zip(sweep.parameters, values)],
        "kpis": [{"key": f"{metric}@{scope}", "metric": metric, "scope": scope, "label": kpi_label(metric),
                  "kind": KPI_BY_NAME[metric].kind, "definition": KPI_BY_NAME[metric].definition}
                 for metric, scope in pairs if metric in KPI_BY_NAME],
        "targets": [{"kpi": t.kpi, "scope": t.scope, "bound": t.bound, "direction": t.direction}
                    for t in first.targets],
        "points": points,
    }


SCRIPT = r"""
const data = JSON.parse(document.getElementById('explorer-data').textContent);
const chosen = data.parameters.map(() => 0);
const labels = Object.fromEntries(data.kpis.map(k => [k.metric, k.label]));
function esc(text) {   // names come from the scenario: shown as text, never as markup
  return String(text).replace(/[&<>"']/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
}
function fmt(kind, v) {
  if (v === null || v === undefined) return '-';
  if (kind === 'share') return (100 * v).toFixed(1) + '%';
  if (kind === 'duration') return v < 1 ? (60 * v).toFixed(0) + ' s' : v.toFixed(2) + ' min';
  if (kind === 'money') return v.toLocaleString('en', {maximumFractionDigits: 2});
  if (kind === 'count') return v.toLocaleString('en', {maximumFractionDigits: 1});
  return v.toFixed(2);
}
function point() {
  return data.points.find(p => p.values.every((v, i) => v === data.parameters[i].values[chosen[i]]));
}
function svgLine(svg, series, scale, target, label) {
  const w = 640, h = 220, pad = 40, n = series.mean.length;
  const x = i => pad + (w - 2 * pad) * (n > 1 ? i / (n - 1) : 0.5);
  const top = Math.max(1e-9, ...series.high.filter(v => v !== null), ...(target === null ? [] : [target]));
  const y = v => h - pad - (h - 2 * pad) * (v / (scale || top));
  const pts = (arr) => arr.map((v, i) => v === null ? null : x(i) + ',' + y(v)).filter(Boolean);
  const band = pts(series.high).concat(pts(series.low).reverse()).join(' ');
  let out = `<polygon points="${band}" fill="#0072B2" opacity="0.18"/>`;
  out += `<polyline points="${pts(series.mean).join(' ')}" fill="none" stroke="#0072B2" stroke-width="2"/>`;
  if (target !== null) out += `<line x1="${pad}" x2="${w - pad}" y1="${y(target)}" y2="${y(target)}" stroke="#555" stroke-dasharray="6 4"/>` +
    `<text x="${w - pad}" y="${y(target) - 4}" text-anchor="end" font-size="11" fill="#555">target</text>`;
  const step = Math.max(1, Math.ceil(n / 8));
  series.start.forEach((s, i) => { if (i % step === 0) out += `<text x="${x(i)}" y="${h - pad + 16}" font-size="10" text-anchor="middle">${esc(s)}</text>`; });
  out += `<text x="${pad}" y="14" font-size="12">${esc(label)}</text>`;
  out += `<line x1="${pad}" x2="${pad}" y1="${pad}" y2="${h - pad}" stroke="#999"/><line x1="${pad}" x2="${w - pad}" y1="${h - pad}" y2="${h - pad}" stroke="#999"/>`;
  svg.innerHTML = out;
}
function render() {
  data.parameters.forEach((p, i) => {
    document.getElementById('value-' + i).textContent = p.values[chosen[i]];   // textContent: never markup
  });
  const here = point();
  const rows = data.kpis.map(k => {
    const v = here.kpis[k.key] || [null, null, null];
    return `<tr><td title="${esc(k.definition)}">${esc(k.label)}</td><td>${esc(k.scope)}</td>` +
      `<td class="value" id="kpi-${esc(k.key)}" data-value="${v[0] === null ? '' : v[0]}">${fmt(k.kind, v[0])}</td>` +
      `<td>${fmt(k.kind, v[1])} to ${fmt(k.kind, v[2])}</td></tr>`;
  }).join('');
  document.getElementById('kpi-rows').innerHTML = rows;
  document.getElementById('verdicts').innerHTML = here.targets.map(t =>
    `<li class="${esc(t.status)}">${esc(t.status.replace(/_/g, ' ').toUpperCase())}: ${esc(labels[t.kpi] || t.kpi)} ` +
    `(${esc(t.scope)})</li>`).join('');
  const sl = here.intervals.service_level, target = data.targets.find(t => t.kpi === 'service_level');
  if (sl.mean.length) svgLine(document.getElementById('chart-sl'), sl, 1, target ? target.bound : null,
                              'service level per interval (' + sl.scope + '), 95% CI band');
  const q = here.intervals.waiting;
  if (q.mean.length) svgLine(document.getElementById('chart-queue'), q, null, null, 'customers waiting per interval');
}
data.parameters.forEach((p, i) => {
  const slider = document.getElementById('slider-' + i);
  slider.addEventListener('input', () => { chosen[i] = Number(slider.value); render(); });
});
function fromHash() {   // #staff.agents.headcount=22 opens the page at that point
  decodeURIComponent(location.hash.slice(1)).split('&').filter(Boolean).forEach(part => {
    const [name, value] = part.split('=');
    const i = data.parameters.findIndex(p => p.name === name);
    if (i < 0) return;
    const j = data.parameters[i].values.findIndex(v => String(v) === value);
    if (j >= 0) { const s = document.getElementById('slider-' + i); s.value = j; chosen[i] = j; }
  });
}
fromHash();
render();
"""


def explorer_html(sweep: Sweep) -> str:
    data = explorer_data(sweep)
    sliders = "".join(
        f"<div class=\"slider\"><label for=\"slider-{i}\">{html.escape(p['name'])}: <strong id=\"value-{i}\"></strong>"
        f"</label><input type=\"range\" id=\"slider-{i}\" min=\"0\" max=\"{len(p['values']) - 1}\" step=\"1\" value=\"0\" "
        f"aria-label=\"{html.escape(p['name'])}\"><span class=\"ends\">{html.escape(str(p['values'][0]))} to "
        f"{html.escape(str(p['values'][-1]))}</span></div>" for i, p in enumerate(data["parameters"]))
    payload = json.dumps(data).replace("</", "<\\/")
    extra = """
.slider { margin: 0.6rem 0; } .slider input { width: 100%; max-width: 520px; display: block; }
.ends { color: #4a5663; font-size: 0.85rem; } svg { width: 100%; max-width: 680px; height: auto; display: block; }
#verdicts { list-style: none; padding: 0; } .value { font-weight: 600; }"""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>Explorer: {html.escape(data['name'])}</title><style>{STYLE}{extra}</style></head><body>\n"
            f"<h1>Explorer: {html.escape(data['name'])}</h1>"
            f"<p class=\"lead\">Every setting below was simulated on the same customers ({data['replications']} "
            f"replications, seed {data['seed']}); move a slider to see its results.</p>"
            f"{sliders}<h2>Targets</h2><ul id=\"verdicts\"></ul>"
            "<h2>KPIs</h2><div class=\"scroll\"><table><thead><tr><th>KPI</th><th>scope</th><th>estimate</th>"
            "<th>95% CI</th></tr></thead><tbody id=\"kpi-rows\"></tbody></table></div>"
            "<h2>Over the day</h2><svg id=\"chart-sl\" viewBox=\"0 0 640 220\" role=\"img\"></svg>"
            "<svg id=\"chart-queue\" viewBox=\"0 0 640 220\" role=\"img\"></svg>"
            f"<script type=\"application/json\" id=\"explorer-data\">{payload}</script>"
            f"<script>{SCRIPT}</script>\n</body></html>\n")


def write_explorer(sweep: Sweep, folder: Path) -> Path:
    path = Path(folder) / "explorer.html"
    path.write_text(explorer_html(sweep), encoding="utf-8")
    return path
