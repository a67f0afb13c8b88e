"""``fitted.yaml``: the base scenario with what the log says put in place of demand, durations and
patience (and, with surveys, the satisfaction proxy); staff and everything else kept as written."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import yaml

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


def fitted_document(base_file: Path, scenario: Scenario, calibration: Calibration, out_file: Path) -> dict:
    """The base scenario's YAML with the fitted sections replaced."""
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
    if calibration.satisfaction is not None:
        section = document.setdefault("satisfaction", {}) or {}
        section.update(calibration.satisfaction["settings"])
        document["satisfaction"] = section
    return document


def fitted_yaml(base_file: Path, scenario: Scenario, calibration: Calibration, log_file: Path,
                out_file: Path) -> str:
    document = fitted_document(base_file, scenario, calibration, out_file)
    header = (f"# Fitted by servicesim calibrate on {dt.date.today().isoformat()} from {log_file}\n"
              f"# (base scenario {base_file}): demand, handling times and patience come from the log;\n"
              f"# staff and everything else are the base scenario's. Fit report: beside this file.\n")
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)
