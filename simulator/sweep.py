"""Sweeps: a scenario run over a grid of values of one or more parameters.

``staff.agents.headcount=10:20`` is 10, 11, ... 20; ``10:20:2`` steps by 2;
``0.2,0.3,0.5`` is a list (values read as YAML). Several parameters make a grid.
Every point runs on the same customers (common random numbers), so neighbouring
points differ by the change, not by chance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.executors import Engine

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import yaml

from simulator.errors import InputError
from simulator.experiment import Comparison, compare_scenarios
from simulator.kpis import KPIS
from simulator.scenario import load_baseline


@dataclass(frozen=True)
class Relative:
    """A value given relative to the scenario's own (``-2:+2``): resolved by :func:`resolve_relative`."""

    offset: float

    def __str__(self) -> str:
        return f"{self.offset:+g}"


def parse_vary(text: str) -> tuple[str, list[Any]]:
    """``PATH=start:stop[:step]`` (inclusive), ``PATH=a,b,c``, or a range relative to the scenario's
    value, its ends signed: ``PATH=-2:+2`` (the file's value, two below to two above)."""
    path, sep, spec = text.partition("=")
    if not sep or not path.strip() or not spec.strip():
        raise InputError(f"--vary {text!r}: expected PATH=START:STOP[:STEP] or PATH=A,B,C")
    parts = spec.strip().split(":")
    if len(parts) in (2, 3) and all(part.strip()[:1] in "+-" for part in parts[:2]):
        _, offsets = parse_vary(f"{path}={':'.join(part.strip().lstrip('+') for part in parts)}")
        return path.strip(), [Relative(offset) for offset in offsets]
    if ":" in spec and "," not in spec and not spec.strip().startswith(("{", "[")):
        parts = spec.split(":")
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            raise InputError(f"--vary {text!r}: a range needs numbers, e.g. 10:20 or 0.1:0.5:0.1") from None
        if len(numbers) not in (2, 3) or (len(numbers) == 3 and numbers[2] <= 0) or numbers[1] < numbers[0]:
            raise InputError(f"--vary {text!r}: expected START:STOP[:STEP] with START <= STOP and STEP > 0")
        start, stop, step = numbers[0], numbers[1], numbers[2] if len(numbers) == 3 else 1.0
        values = np.arange(start, stop + step / 2, step)
        whole = all(float(p).is_integer() for p in numbers)
        return path.strip(), [int(round(v)) if whole else round(float(v), 10) for v in values]
    try:
        return path.strip(), [yaml.safe_load(item) for item in spec.split(",")]
    except yaml.YAMLError as exc:
        raise InputError(f"--vary {text!r}: a value is not valid YAML ({exc})") from None


@dataclass
class Sweep:
    parameters: list[str]
    points: list[dict[str, Any]]   # the values of the parameters at each point, in order
    comparison: Comparison         # every point, compared with the first

    def table(self, scope: str = "all") -> pd.DataFrame:
        """A row per point: the parameters, then each KPI's estimate, ci_low and ci_high in ``scope``, and
        each target's KPI in the target's own scope as ``kpi@scope`` (first, when not in ``scope``)."""
        scenario = self.comparison.runs[self.comparison.baseline].scenario
        extra = [(t.kpi, t.scope) for t in scenario.targets if t.scope != scope]
        rows = []
        for name, point in zip(self.comparison.runs, self.points):
            summary = self.comparison.runs[name].summary.set_index(["metric", "scope"])
            row: dict[str, Any] = dict(point)
            wanted = [(f"{kpi}@{where}", kpi, where) for kpi, where in dict.fromkeys(extra)]
            wanted += [(kpi.name, kpi.name, scope) for kpi in KPIS]
            for column, kpi, where in wanted:
                if (kpi, where) in summary.index:
                    found = summary.loc[(kpi, where)]
                    row[column] = found["mean"]
                    row[f"{column}_ci_low"] = found["ci_low"]
                    row[f"{column}_ci_high"] = found["ci_high"]
            rows.append(row)
        return pd.DataFrame(rows)


def risk_table(sweep: "Sweep") -> pd.DataFrame:
    """The table a manager reads first: per point, the parameters, each target's chance of being met
    (share of replication-days, with days met and judged) and its KPI's estimate and CI, the total cost,
    the staff wellbeing index, and the cost of each extra point of the first service-level target over
    the point before."""
    scenario = sweep.comparison.runs[sweep.comparison.baseline].scenario
    rows = []
    service = next((t for t in scenario.targets if t.kpi == "service_level"), None)
    for point, run in zip(sweep.points, sweep.comparison.runs.values()):
        row: dict[str, Any] = dict(point)
        for target in run.targets.itertuples():
            label = target.metric if target.scope == "all" else f"{target.metric}@{target.scope}"
            row[f"{label} chance"] = target.chance_met
            row[f"{label} days_met"] = target.days_met
            row[f"{label} days"] = target.days
            row[label], row[f"{label}_ci_low"], row[f"{label}_ci_high"] = target.mean, target.ci_low, target.ci_high
        cost = run.summary.set_index(["metric", "scope"])["mean"]
        row["cost_total"] = float(cost.get(("cost_total", "all"), np.nan))
        row["wellbeing_index"] = float(cost.get(("wellbeing_index", "all"), np.nan))   # how the work feels
        rows.append(row)
    table = pd.DataFrame(rows)
    if service is not None and len(table) > 1:
        label = "service_level" if service.scope == "all" else f"service_level@{service.scope}"
        gained = table[label].diff() * 100
        table["cost_per_point"] = (table["cost_total"].diff() / gained).where(gained > 0)
    return table


def resolve_relative(path: Path, varies: list[tuple[str, list[Any]]], overrides: dict[str, Any] | None = None
                     ) -> list[tuple[str, list[Any]]]:
    """``varies`` with every :class:`Relative` value made absolute from the scenario file's own value at its
    path (after ``overrides``): ``staff.agents.headcount=-2:+2`` on a file with 24 agents is 22 ... 26."""
    from simulator.scenario.overrides import apply_overrides, value_at
    from simulator.scenario.yaml_source import read_yaml_file

    data = None
    resolved = []
    for name, values in varies:
        if any(isinstance(value, Relative) for value in values):
            if data is None:
                data = apply_overrides(read_yaml_file(Path(path)), overrides or {})
            base = value_at(data, name, "--vary")
            if isinstance(base, bool) or not isinstance(base, (int, float)):
                raise InputError(f"--vary {name}: a relative range (-2:+2) needs a number there, got {base!r}")
            values = [base + value.offset if isinstance(value, Relative) else value for value in values]
            values = [int(v) if isinstance(base, int) and float(v).is_integer() else v for v in values]
            if any(v < 0 for v in values):
                raise InputError(f"--vary {name}: {base} {min(values) - base:+g} is below zero")
        resolved.append((name, values))
    return resolved


def run_sweep(path: Path, varies: list[tuple[str, list[Any]]], overrides: dict[str, Any] | None = None,
              replications: int | None = None, seed: int | None = None, jobs: "int | Engine" = 1,
              progress: Callable[[int], None] | None = None) -> Sweep:
    """Every point of the grid of ``varies`` (on top of ``overrides``), on the same customers; a relative
    range is taken from the file's own value."""
    varies = resolve_relative(path, varies, overrides)
    parameters = [name for name, _ in varies]
    points = [dict(zip(parameters, values)) for values in itertools.product(*(v for _, v in varies))]
    scenarios = {}
    for point in points:
        label = ", ".join(f"{name}={value}" for name, value in point.items())
        scenarios[label] = load_baseline(path, {**(overrides or {}), **point})
    comparison = compare_scenarios(scenarios, replications=replications, seed=seed, jobs=jobs, progress=progress)
    return Sweep(parameters, points, comparison)
