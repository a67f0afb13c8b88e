"""Read a distribution from its one-key YAML mapping, reporting problems by path and line."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable

from simulator.distributions import (Constant, Distribution, Empirical, Erlang, Exponential, Gamma,
                                     Hyperexponential, LogNormal, TruncatedNormal, Triangular, Uniform, Weibull)
from simulator.scenario.reader import MISSING, Invalid, Node, duration, positive_duration, read_csv_table
from simulator.units import UnitError


# -- reading ------------------------------------------------------------------------------


def _cv(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    raise Invalid(f"must be a number >= 0, got {value!r}")


def _shape(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0.05 <= value <= 50:
        return float(value)
    raise Invalid(f"must be a number from 0.05 to 50, got {value!r}")


def _phases(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise Invalid(f"must be a whole number >= 1, got {value!r}")


# family -> (parameters in order with their parsers, builder)
_FAMILIES: dict[str, tuple[dict[str, Callable[[Any], Any]], Callable[..., Distribution]]] = {
    "exponential": ({"mean": positive_duration}, Exponential),
    "constant": ({"value": duration}, Constant),
    "uniform": ({"low": duration, "high": duration}, Uniform),
    "triangular": ({"low": duration, "mode": duration, "high": duration}, Triangular),
    "normal": ({"mean": duration, "sd": duration}, TruncatedNormal),
    "lognormal": ({"mean": positive_duration, "sd": duration}, LogNormal),
    "gamma": ({"mean": positive_duration, "cv": _cv}, Gamma),
    "erlang": ({"mean": positive_duration, "k": _phases}, Erlang),
    "weibull": ({"mean": positive_duration, "shape": _shape}, Weibull),
}
FAMILIES = tuple(_FAMILIES) + ("hyperexponential", "empirical")


def _weibull_by_cv(mean: float, cv: float) -> Distribution:
    """The Weibull of this mean whose shape gives this coefficient of variation."""
    from scipy.optimize import brentq

    def spread(log_shape: float) -> float:
        k = math.exp(log_shape)
        return math.sqrt(math.gamma(1 + 2 / k) / math.gamma(1 + 1 / k) ** 2 - 1) - cv

    if not spread(math.log(50)) < 0 < spread(math.log(0.05)):
        raise Invalid(f"a Weibull's cv must lie between {spread(math.log(50)) + cv:.3f} and "
                      f"{spread(math.log(0.05)) + cv:.3g} (shape 50 to 0.05), got {cv:g}")
    return Weibull(mean, round(math.exp(brentq(spread, math.log(0.05), math.log(50), xtol=1e-12)), 9))


def _uniform_by_cv(mean: float, cv: float) -> Distribution:
    """The uniform of this mean and coefficient of variation: mean x (1 -+ sqrt(3) cv)."""
    if cv > 1 / math.sqrt(3):
        raise Invalid(f"a uniform above 0 has a cv of at most {1 / math.sqrt(3):.3f}, got {cv:g}")
    half = math.sqrt(3) * cv * mean
    return Uniform(mean - half, mean + half)


# other ways of writing a family: by mean and cv (or sd), so that a variant can change the spread alone
_ALTERNATIVES: dict[str, tuple[tuple[dict[str, Callable[[Any], Any]], Callable[..., Distribution]], ...]] = {
    "normal": (({"mean": duration, "cv": _cv}, lambda mean, cv: TruncatedNormal(mean, mean * cv)),),
    "lognormal": (({"mean": positive_duration, "cv": _cv}, lambda mean, cv: LogNormal(mean, mean * cv)),),
    "gamma": (({"mean": positive_duration, "sd": duration}, lambda mean, sd: Gamma(mean, sd / mean)),),
    "weibull": (({"mean": positive_duration, "cv": _cv}, _weibull_by_cv),),
    "uniform": (({"mean": positive_duration, "cv": _cv}, _uniform_by_cv),),
}


def read_distribution(node: Node, base_dir: Path) -> Distribution | None:
    """A distribution from its one-key mapping (or a bare duration, meaning constant)."""
    value = node.value
    if not isinstance(value, dict):
        try:
            return Constant(duration(value))
        except (UnitError, Invalid):
            node.problem(f"must be a duration or a one-key mapping naming a distribution "
                         f"({', '.join(FAMILIES)}), got {value!r}")
            return None
    if len(value) != 1:
        node.problem(f"must name exactly one distribution family ({', '.join(FAMILIES)}), "
                     f"got {', '.join(map(str, value)) or 'nothing'}")
        return None
    family = next(iter(value))
    params = node.child(family)
    if family == "empirical":
        return _read_empirical(params, base_dir)
    if family == "hyperexponential":
        return _read_hyperexponential(params)
    if family not in _FAMILIES:
        params.problem(f"unknown distribution; expected one of {', '.join(FAMILIES)}")
        return None
    forms = (_FAMILIES[family],) + _ALTERNATIVES.get(family, ())
    ways = " or ".join(" and ".join(parsers) for parsers, _ in forms)
    if not params.expect_map(f"a mapping with {ways}"):
        return None
    given = set(map(str, params.value))
    # the form these keys are (or, with some missing, could become: what is missing is then reported)
    chosen = next(((p, b) for p, b in forms if set(p) == given), None) or next(
        ((p, b) for p, b in forms if given <= set(p)), None)
    if chosen is None and len(forms) > 1:
        params.problem(f"must give {ways}, got {', '.join(sorted(given)) or 'nothing'}")
        return None
    parsers, build = chosen or forms[0]
    params.check_keys({name: "" for name in parsers})
    args = [params.read(name, parse) for name, parse in parsers.items()]
    if any(arg is None for arg in args):
        return None
    try:
        return _checked(params, build(*args))
    except Invalid as problem:
        params.problem(str(problem))
        return None


def _checked(node: Node, dist: Distribution) -> Distribution | None:
    if isinstance(dist, Uniform) and dist.low > dist.high:
        node.problem(f"low must not exceed high, got low {dist.low:g} and high {dist.high:g}")
        return None
    if isinstance(dist, Triangular) and not dist.low <= dist.mode <= dist.high:
        node.problem("must have low <= mode <= high, got "
                     f"low {dist.low:g}, mode {dist.mode:g}, high {dist.high:g}")
        return None
    if isinstance(dist, TruncatedNormal) and dist.mean_ == 0 and dist.sd == 0:
        return Constant(0.0)
    return dist


def _read_hyperexponential(params: Node) -> Distribution | None:
    """``{mean, cv}`` (cv >= 1) or ``{phases: [{share, mean}, ...]}`` with shares adding up to 1."""
    if not params.expect_map("a mapping with mean and cv, or with phases: [{share, mean}, ...]"):
        return None
    if "phases" not in params.value:
        params.check_keys({"mean": "", "cv": ""})
        mean, cv = params.read("mean", positive_duration), params.read("cv", _cv)
        if mean is None or cv is None:
            return None
        if cv < 1:
            params.child("cv").problem(f"a hyperexponential's cv is at least 1 (1 is the exponential), got {cv:g}; "
                                       "for less spread use gamma {mean, cv} or erlang {mean, k}")
            return None
        return Hyperexponential.by_mean_and_cv(mean, cv)
    params.check_keys({"phases": "a list of {share, mean}"})
    phases = params.child("phases")
    if not isinstance(phases.value, list) or not phases.value:
        phases.problem("must be a non-empty list of {share, mean}")
        return None
    shares, means = [], []
    for phase in phases.elements():
        if not phase.expect_map("a mapping with share and mean"):
            return None
        phase.check_keys({"share": "", "mean": ""})
        share = phase.read("share", _share)
        mean = phase.read("mean", positive_duration)
        if share is None or mean is None:
            return None
        shares.append(share)
        means.append(mean)
    if abs(sum(shares) - 1) > 1e-9:
        phases.problem(f"the phases' shares must add up to 1, got {sum(shares):g}")
        return None
    return Hyperexponential(tuple(shares), tuple(means))


def _share(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 1:
        return float(value)
    raise Invalid(f"must be a share above 0 and at most 1, got {value!r}")


def _read_empirical(params: Node, base_dir: Path) -> Distribution | None:
    if not params.expect_map("a mapping with values: [...] or csv: file and column: name"):
        return None
    params.check_keys({"values": "", "csv": "", "column": ""})
    if "values" in params.value:
        values_node = params.child("values")
        if not isinstance(values_node.value, list) or not values_node.value:
            values_node.problem("must be a non-empty list of durations")
            return None
        values = [values_node.parse(duration) for values_node in values_node.elements()]
        return None if any(v is None for v in values) else Empirical(tuple(values))
    csv_node = params.child("csv")
    if csv_node.value is MISSING:
        params.problem("needs values: [...] or csv: file with column: name")
        return None
    column = params.read("column", lambda v: v if isinstance(v, str) and v else _raise_column(v))
    if column is None:
        return None
    return _empirical_from_csv(csv_node, base_dir, column)


def _raise_column(value: Any) -> str:
    raise Invalid(f"must name a column of the CSV file, got {value!r}")


def _empirical_from_csv(node: Node, base_dir: Path, column: str) -> Distribution | None:
    from simulator.data.tables import separator_hint

    table = read_csv_table(node, base_dir, "sample file")
    if table is None:
        return None
    if column not in table.columns:
        node.problem(f"the CSV file {table.path} has no column '{column}' (found: {', '.join(table.columns)})")
        return None
    if not table.rows:
        node.problem(f"the CSV file {table.path} has no rows")
        return None
    values = []
    for index, row in enumerate(table.rows):
        try:
            values.append(duration(row[column].replace(",", ".") if table.decimal == "," else row[column]))
        except (UnitError, Invalid):
            node.problem(f"{table.where(index, column)}: expected a duration (4.5, or 4.5min, 30s), "
                         f"got {row[column]!r}{separator_hint(row[column], table.decimal)}")
            return None
    return Empirical(tuple(values))


