"""What ``servicesim calibrate`` shows: a console summary and a self-contained fit report (HTML with
embedded charts): arrival profiles with bands, handling-time fits with a QQ plot, patience survival."""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path

from simulator.planning.calibrate import Calibration
from simulator.report import STYLE
from simulator.scenario.model import Scenario


def summary_lines(calibration: Calibration) -> list[str]:
    lines = list(calibration.notes)
    for fit in calibration.streams:
        per_day = fit.contacts / max(fit.arrivals.days, 1)
        lines.append(f"\n{fit.demand} ({fit.channel}): {fit.contacts} contacts, {per_day:.0f} a day; day-to-day "
                     f"uncertainty {fit.arrivals.uncertainty:.3f} (dispersion index {fit.arrivals.dispersion_index:.2f})")
        if fit.handle is not None:
            best = fit.handle.best
            lines.append(f"  handling: {best.family} mean {best.mean:.2f} min (95% CI {best.mean_ci[0]:.2f}-"
                         f"{best.mean_ci[1]:.2f}), cv {best.cv:.2f}; logged mean {fit.handle.mean:.2f} "
                         f"({fit.handle.mean_ci[0]:.2f}-{fit.handle.mean_ci[1]:.2f}), cv {fit.handle.cv:.2f} "
                         f"({fit.handle.cv_ci[0]:.2f}-{fit.handle.cv_ci[1]:.2f})")
        lines.extend(f"  {note}" for note in fit.notes)
    for channel, fit in calibration.patience.items():
        best = fit.best
        lines.append(f"\npatience, {channel}: {best.family} mean {best.mean:.2f} min (95% CI {best.mean_ci[0]:.2f}-"
                     f"{best.mean_ci[1]:.2f}) from {fit.abandoned} abandoned and {fit.answered} answered "
                     f"({fit.abandon_share:.1%} abandoned)")
        lines.append(f"  naive abandoners' mean wait {fit.naive_mean:.2f} min (biased low: the patient were "
                     f"answered first); Brown et al. check, mean wait / abandonment: {fit.brown_mean:.2f} min")
    if calibration.satisfaction is not None:
        fit = calibration.satisfaction
        lines.append(f"\nsatisfaction from {fit['surveys']} surveys: weights {fit['settings']['weights']}, "
                     f"abandoned {fit['settings']['abandoned']}, R^2 {fit['r_squared']:.2f}")
    return lines


def _image(png: bytes, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (f"<figure><img alt=\"{html.escape(caption)}\" src=\"data:image/png;base64,{data}\">"
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<div class=\"scroll\"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def _number(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}f}" if isinstance(value, float) and math.isfinite(value) else "-"


def write_fit_report(calibration: Calibration, scenario: Scenario, path: Path) -> None:
    from simulator.history_charts import arrival_profile_chart, handle_fit_chart, patience_chart

    parts = [f"<h1>Fit report: {html.escape(scenario.name)}</h1>",
             f"<p class=\"lead\">{html.escape('; '.join(calibration.notes))}</p>"]
    for fit in calibration.streams:
        parts.append(f"<h2>{html.escape(fit.demand)} ({html.escape(fit.channel)})</h2>")
        parts.append(_image(arrival_profile_chart(fit, scenario.clock),
                            "Contacts per hour per interval: the fitted profile, its 95% band, and each weekday's."))
        if fit.handle is not None:
            parts.append(_image(handle_fit_chart(fit), "Handling time: histogram and fitted densities; QQ plot of "
                                "the chosen family (points on the line: a good fit)."))
            parts.append(_table(["family", "mean (min)", "95% CI", "cv", "AIC"],
                                [[f.family, _number(f.mean), f"{_number(f.mean_ci[0])}-{_number(f.mean_ci[1])}",
                                  _number(f.cv), f"{f.aic:.1f}"] for f in fit.handle.fits]))
        if fit.notes:
            parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in fit.notes) + "</ul>")
    for channel, fit in calibration.patience.items():
        parts.append(f"<h2>Patience: {html.escape(channel)}</h2>")
        parts.append(_image(patience_chart(channel, fit), "Survival of patience: Kaplan-Meier with the answered "
                            "callers' waits as censored observations, the parametric fits, and the naive estimate."))
        parts.append(_table(["estimate", "mean patience (min)", "95% CI", "AIC"],
                            [[f.family, _number(f.mean), f"{_number(f.mean_ci[0])}-{_number(f.mean_ci[1])}",
                              f"{f.aic:.1f}"] for f in fit.fits]
                            + [["naive: abandoners' mean wait (biased)", _number(fit.naive_mean), "", ""],
                               ["Brown et al.: mean wait / abandonment", _number(fit.brown_mean), "", ""]]))
    if calibration.satisfaction is not None:
        fit = calibration.satisfaction
        parts.append("<h2>Satisfaction from surveys</h2>")
        parts.append(_table(["setting", "value"], [[k, v] for k, v in fit["settings"].items()]
                            + [["surveys joined", fit["surveys"]], ["R^2", _number(fit["r_squared"])]]))
    page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>Fit report: {html.escape(scenario.name)}</title><style>{STYLE}</style></head><body>\n"
            + "\n".join(parts) + "\n</body></html>\n")
    Path(path).write_text(page, encoding="utf-8")
