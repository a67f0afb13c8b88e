"""``fitted.yaml``: the base scenario with what the log says put in place of demand, durations and
patience (and, with surveys, the satisfaction proxy); staff and everything else kept as written."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import yaml

from simulator.errors import InputError
from simulator.planning.calibrate import Calibration, person_steps
from simulator.scenario.model import Scenario


def _rounded(value, digits: int = 4):
    if isinstance(value, dict):
        return {k: _rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v, digits) for v in value]
    if isinstance(value, float):
        return float(f"{value:.{digits}g}")
    return value


def _rebase_files(node, base_dir: Path, out_dir: Path):
    """Relative ``csv:`` paths of the base scenario, made relative to where fitted.yaml is written."""
    if isinstance(node, dict):
        return {k: (os.path.relpath(base_dir / v, out_dir) if k == "csv" and isinstance(v, str)
                    and not Path(v).is_absolute() else _rebase_files(v, base_dir, out_dir)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rebase_files(v, base_dir, out_dir) for v in node]
    return node


def _forecast_arrivals(forecast_file: Path, scenario: Scenario, out_file: Path) -> tuple[dict, dict]:
    """Each stream's arrivals from a forecast file (and the clock its summary gives): ``{demand: entry}``."""
    summary_file = Path(forecast_file).with_suffix(".yaml")
    if not summary_file.is_file():
        raise InputError(f"{summary_file}: the forecast's summary (written beside it by servicesim forecast) is missing")
    summary = yaml.safe_load(summary_file.read_text(encoding="utf-8"))
    channels = summary.get("channels", {})
    path = os.path.relpath(Path(forecast_file).resolve(), Path(out_file).resolve().parent)
    streams = {}
    for demand in scenario.demand:
        if scenario.channel(demand.channel).deferrable:
            continue
        entry = channels.get(demand.channel) or (channels.get("all") if len(channels) == 1 else None)
        if entry is None:
            raise InputError(f"{forecast_file}: no forecast for channel {demand.channel} (it has "
                             f"{', '.join(channels)}); forecast a history with a channel column")
        sharing = [d.name for d in scenario.demand if d.channel == demand.channel]
        if len(sharing) > 1 or ("all" in channels and len(scenario.demand) > 1):
            raise InputError(f"{forecast_file}: one forecast per channel, but demand streams {', '.join(sharing)} "
                             f"share channel {demand.channel}: give each stream its own forecast by hand")
        streams[demand.name] = {"csv": path, "uncertainty": entry["arrivals"]["uncertainty"]}
    clock = {k: summary["clock"][k] for k in ("start_date", "days", "open", "close", "closed")}
    return streams, clock


def fitted_document(base_file: Path, scenario: Scenario, calibration: Calibration, out_file: Path,
                    forecast_file: Path | None = None) -> dict:
    """The base scenario's YAML with the fitted sections replaced; with ``forecast_file``, the arrivals
    (and the clock's days and hours) are the forecast's instead of the log's."""
    document = yaml.safe_load(Path(base_file).read_text(encoding="utf-8"))
    document = _rebase_files(document, Path(base_file).resolve().parent, Path(out_file).resolve().parent)
    dated = bool(scenario.clock.start_date)
    for fit in calibration.streams:
        entry = document["demand"][fit.demand]
        arrivals = {"per_hour": _rounded(list(fit.arrivals.per_hour))}
        if dated and len(fit.arrivals.by_weekday) > 1:
            arrivals["weekdays"] = {day: _rounded(list(rates)) for day, rates in fit.arrivals.by_weekday.items()}
        arrivals["uncertainty"] = round(fit.arrivals.uncertainty, 4)
        entry["arrivals"] = arrivals
        if fit.handle is None:
            continue
        steps = person_steps(scenario, fit.process)
        written = document["processes"][fit.process]["steps"]
        by_name = {step.get("name"): step for step in written}
        if len(steps) == 1:
            by_name[steps[0].name]["duration"] = _rounded(fit.handle.best.distribution.spec())
            if fit.duration_factors:
                by_name[steps[0].name]["duration_factors"] = list(fit.duration_factors)
            else:
                by_name[steps[0].name].pop("duration_factors", None)
        else:   # one logged handling time for several steps: scale each step's duration to the fitted mean
            modelled = sum(s.duration.mean * s.probability for s in steps)
            factor = fit.handle.best.mean / modelled if modelled > 0 else 1.0
            for step in steps:
                by_name[step.name]["duration"] = _rounded(step.duration.scaled(factor).spec())
    for channel, patience in calibration.patience.items():
        document.setdefault("channels", {}).setdefault(channel, {})
        if not isinstance(document["channels"][channel], dict):
            document["channels"][channel] = {}
        document["channels"][channel]["patience"] = _rounded(patience.best.distribution.spec())
    if forecast_file is not None:
        streams, clock = _forecast_arrivals(forecast_file, scenario, out_file)
        for name, arrivals in streams.items():
            document["demand"][name]["arrivals"] = arrivals
        document.setdefault("clock", {}).update(clock)
        document["clock"].pop("horizon", None)
    if calibration.satisfaction is not None:
        section = document.setdefault("satisfaction", {}) or {}
        section.update(calibration.satisfaction["settings"])
        document["satisfaction"] = section
    return document


def fitted_yaml(base_file: Path, scenario: Scenario, calibration: Calibration, log_file: Path,
                out_file: Path, forecast_file: Path | None = None) -> str:
    document = fitted_document(base_file, scenario, calibration, out_file, forecast_file)
    arrivals = f"the forecast {forecast_file}" if forecast_file else "the log"
    header = (f"# Fitted by servicesim calibrate on {dt.date.today().isoformat()} from {log_file}\n"
              f"# (base scenario {base_file}): arrivals from {arrivals}; handling times and patience from the log;\n"
              f"# staff and everything else are the base scenario's. Fit report: beside this file.\n")
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)
