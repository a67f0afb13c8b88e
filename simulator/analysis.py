"""Summaries across replications: estimates with 95% confidence intervals, and paired differences.

Replications are independent and identically distributed. Two kinds of KPI:

* **Ratios** (a mean wait, a service level, an abandonment or utilisation rate): each replication
  gives a numerator and a denominator (waits summed and contacts answered, say). The estimate is the
  ratio of the sums over replications, which estimates the per-contact value (every contact counts
  the same, whatever the volume of its day), and its CI comes from the delta method: the standard
  error of the classical ratio estimator, ``sd(y_i - R x_i) / (sqrt(n) mean(x))``, with Student t on
  n - 1 degrees of freedom, the interval formed on the logit scale for a share (log for a time or an
  amount) and transformed back. Averaging each replication's own ratio instead would weight a quiet
  day like a busy one and is biased wherever volume and the KPI move together; a symmetric interval
  covers less than 95% when ten replications of a skewed quantity (an hour's waits) are all there is.
* **Plain values** (counts per run, costs, percentiles): the mean over replications with a Student t
  interval. A replication where a plain KPI is undefined is left out of its summary.

``replications`` says how many replications counted; ``estimator`` says which estimate it is.
Coverage of these intervals is measured in benchmarks/ci_coverage.py (docs/validation.md).
"""

from __future__ import annotations

import math

from statistics import NormalDist

from typing import TYPE_CHECKING

import numpy as np

from simulator.columns import Table, accepts_frames, as_table, groups
from simulator.scenario.model import Target

if TYPE_CHECKING:
    import pandas as pd

CONFIDENCE = 0.95


def t_quantile(degrees_of_freedom: np.ndarray | float, confidence: float = CONFIDENCE) -> np.ndarray:
    """Two-sided Student t quantile (e.g. 2.09 for 19 degrees of freedom at 95%); NaN below one degree of
    freedom. One and two degrees of freedom have closed forms (the Cauchy's tan(pi (p - 1/2)), and
    (2p - 1) sqrt(2 / (4p (1 - p)))), so a run of one or two replications never loads SciPy (0.15 s);
    beyond, SciPy's special functions (not scipy.stats, which costs a second to import)."""
    degrees = np.asarray(degrees_of_freedom, dtype=float)
    p = 0.5 + confidence / 2
    closed = {1.0: math.tan(math.pi * (p - 0.5)), 2.0: (2 * p - 1) * math.sqrt(2 / (4 * p * (1 - p)))}
    if np.all(np.isin(degrees, list(closed)) | ~(degrees >= 1)):
        return np.where(degrees == 1, closed[1.0], np.where(degrees == 2, closed[2.0], np.nan))
    from scipy.special import stdtrit

    return stdtrit(degrees, p)


def _is_ratio(values: Table) -> np.ndarray:
    if "denominator" not in values:
        return np.zeros(len(values), dtype=bool)
    return ~np.isnan(values["denominator"].astype(float))


def _ratio_parts(values: Table, keys: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of ratio KPIs: the group's estimate R, the row's linearised value R + (y - R x) / mean(x),
    and the group's count."""
    grouped = groups(values, keys)
    numerator, denominator = values["numerator"].astype(float), values["denominator"].astype(float)
    count = grouped.size()[grouped.code]
    with np.errstate(invalid="ignore", divide="ignore"):
        sums = grouped.sum(denominator)
        estimate = np.where(sums > 0, grouped.sum(numerator) / sums, np.nan)[grouped.code]
        linear = estimate + (numerator - estimate * denominator) / (sums[grouped.code] / count)
    return estimate, linear, count


@accepts_frames
def linearise(values: Table, keys: list[str]) -> np.ndarray:
    """Each replication's contribution to its KPI's estimate: the value itself for a plain KPI; for a
    ratio, the linearised value whose mean is the ratio of sums and whose spread gives the delta-method
    standard error. Paired differences and relative changes of ratios are taken on these."""
    result = values["value"].astype(float).copy()
    ratio = _is_ratio(values)
    if ratio.any():
        _, linear, _ = _ratio_parts(values[ratio], keys)
        result[ratio] = linear
    return result


def _t_summary(table: Table, keys: list[str], column: str, confidence: float = CONFIDENCE) -> Table:
    rows = table[~np.isnan(table[column].astype(float))]
    grouped = groups(rows, keys)
    values = rows[column].astype(float)
    mean, std, count = grouped.mean(values), grouped.std(values), grouped.size()
    with np.errstate(invalid="ignore", divide="ignore"):
        half = np.where(count > 1, t_quantile(np.maximum(count - 1, 1), confidence) * std / np.sqrt(count), np.nan)
    half = np.where(std == 0, 0.0, half)
    return grouped.keys_of(rows, keys).with_columns(mean=mean, ci_low=mean - half, ci_high=mean + half,
                                                    replications=count)


def value_range(metric: str) -> tuple[float, float]:
    """The values a KPI (or a distribution's share) can take: shares 0 to 1, scores 1 to 5, the rest >= 0."""
    from simulator.kpis import KPI_BY_NAME

    kpi = KPI_BY_NAME.get(metric)
    if kpi is None:   # wait_cdf, satisfaction: shares of contacts
        return 0.0, 1.0
    if kpi.kind == "share" and metric != "overtime_share":
        return 0.0, 1.0
    if kpi.kind == "score":
        return 1.0, 5.0
    return 0.0, math.inf


def _counted(metric: str) -> bool:
    from simulator.kpis import KPI_BY_NAME

    kpi = KPI_BY_NAME.get(metric)
    return kpi.counted if kpi is not None else True   # distributions: shares of contacts


def wilson(successes: np.ndarray, trials: np.ndarray, confidence: float = CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of a proportion: what the counts alone allow (no events out of n gives
    0 to about 3.8 / n, where a spread over replications would say 0 to 0)."""
    z = NormalDist().inv_cdf(0.5 + confidence / 2)   # the standard library's: no SciPy on this path
    with np.errstate(invalid="ignore", divide="ignore"):
        p = successes / trials
        centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
        half = z * np.sqrt(np.clip(p * (1 - p), 0, None) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return centre - half, centre + half


def _design_effect(index: Table, keys: list[str], effect: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Per group, the median design effect of its KPI and scope over the intervals where it is well
    measured (1 for a whole run, or where none is). ``index`` holds the groups' keys."""
    if "interval" not in keys or not usable.any():
        return np.ones(len(effect))
    others = groups(index, [k for k in keys if k != "interval"])
    median = others.median(np.where(usable, effect, np.nan))[others.code]
    return np.maximum(np.where(np.isnan(median), 1.0, median), 1.0)


def _mean_floor(index: Table, keys: list[str], estimate: np.ndarray, error: np.ndarray, squares: np.ndarray,
                count: np.ndarray) -> np.ndarray:
    """The least standard error a mean over contacts (a mean wait) can have: the contacts' own spread
    over their number, times the design effect (below). In a quiet interval most replications may show
    no wait at all, and the spread over ten of them is then far smaller than the truth's."""
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = np.sqrt(np.clip(squares / count - estimate ** 2, 0, None) / count)
        effect = (error / spread) ** 2
    usable = np.isfinite(effect) & (spread > 0) & (count >= 30)
    return np.nan_to_num(spread * np.sqrt(_design_effect(index, keys, effect, usable)), nan=0.0)


def _counted_floor(index: Table, keys: list[str], estimate: np.ndarray, error: np.ndarray,
                   trials: np.ndarray, confidence: float = CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """The least a share of counted contacts can be uncertain: the Wilson interval of its counts, the
    count deflated by the design effect that contacts' clustering in replications gives.

    With few events (a quiet half hour's abandons, a service level near 100%) the spread over ten
    replications is often nil or tiny by chance, and an interval built on it misses the truth far more
    than 5% of the time. Contacts of one replication are not independent (a burst of calls delays them
    all), so the design effect (the spread over replications against the binomial's) is estimated per
    KPI and scope as the median over its intervals with a share between 5% and 95%, where the spread is
    well measured, and the counts are divided by it. For a whole run it is taken as 1 (plain Wilson).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        binomial = np.sqrt(estimate * (1 - estimate) / trials)
        effect = (error / binomial) ** 2
    usable = (estimate > 0.05) & (estimate < 0.95) & np.isfinite(effect)
    effective = trials / _design_effect(index, keys, effect, usable)
    return wilson(estimate * effective, effective, confidence)


def _transformed_interval(estimate: np.ndarray, error: np.ndarray, quantile: np.ndarray,
                          low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Delta-method interval on the scale where the estimate is unbounded: logit for a KPI between two
    bounds, log for one bounded below only; back-transformed, it stays within the KPI's range and follows
    the skew of small samples (a mean wait's interval reaches further up than down)."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        bounded = np.isfinite(high)
        width = np.where(bounded, high - low, 1.0)
        u = (estimate - low) / width
        logit_half = quantile * error / width / (u * (1 - u))
        centre = np.log(u / (1 - u))
        logit_low = low + width / (1 + np.exp(-(centre - logit_half)))
        logit_high = low + width / (1 + np.exp(-(centre + logit_half)))
        log_half = quantile * error / (estimate - low)
        log_low = low + (estimate - low) * np.exp(-log_half)
        log_high = low + (estimate - low) * np.exp(log_half)
        ci_low = np.where(bounded, logit_low, log_low)
        ci_high = np.where(bounded, logit_high, log_high)
        # at a bound (every replication at 0%, say) the spread is nil: the interval is the point
        inside = np.where(bounded, (u > 0) & (u < 1), u > 0)
        ci_low = np.where(inside, ci_low, estimate - quantile * error)
        ci_high = np.where(inside, ci_high, estimate + quantile * error)
    none = error == 0
    return np.where(none, estimate, ci_low), np.where(none, estimate, ci_high)


def _ratio_summary(rows: Table, keys: list[str], confidence: float = CONFIDENCE) -> Table:
    """Per group: the ratio of sums, and its 95% CI from the delta-method standard error (Student t on
    n - 1 degrees of freedom), formed on the logit or log scale (see _transformed_interval)."""
    _, linear, _ = _ratio_parts(rows, keys)
    grouped = groups(rows, keys)
    index = grouped.keys_of(rows, keys)
    std, count = grouped.std(linear), grouped.size(~np.isnan(linear))
    numerator = grouped.sum(rows["numerator"], min_count=1)
    denominator = grouped.sum(rows["denominator"], min_count=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = np.where(denominator > 0, numerator / denominator, np.nan)
        error = np.where(count > 1, std / np.sqrt(count), np.nan)
        quantile = t_quantile(np.maximum(count - 1, 1), confidence)
    if "squares" in rows:
        error = np.fmax(error, _mean_floor(index, keys, estimate, error, grouped.sum(rows["squares"], min_count=1),
                                           denominator))
    metrics = index["metric"].tolist() if "metric" in keys else ["wait_mean"] * len(index)
    ranges = np.array([value_range(m) for m in metrics]).reshape(-1, 2)
    ci_low, ci_high = _transformed_interval(estimate, error, quantile, ranges[:, 0], ranges[:, 1])
    counted = np.array([_counted(m) for m in metrics], dtype=bool)
    if counted.any():
        floor_low, floor_high = _counted_floor(index, keys, estimate, error, denominator, confidence)
        ci_low = np.where(counted, np.fmin(ci_low, floor_low), ci_low)
        ci_high = np.where(counted, np.fmax(ci_high, floor_high), ci_high)
    defined = ~np.isnan(estimate)
    return index.with_columns(mean=estimate, ci_low=ci_low, ci_high=ci_high,
                              replications=np.where(defined, count, 0).astype(np.int64))


@accepts_frames
def summarise(values: Table, keys: list[str], confidence: float = CONFIDENCE) -> Table:
    """Estimate (column ``mean``), ci_low, ci_high, replications and estimator of ``value`` for each
    group of ``keys`` (in order of first appearance): ratio of sums for rows with a numerator and
    denominator, mean otherwise; the interval at ``confidence`` (two-sided). Every group is kept, also
    those undefined in every replication."""
    ratio = _is_ratio(values)
    found: dict[tuple, tuple] = {}
    for part in ([_t_summary(values[~ratio], keys, "value", confidence)] if (~ratio).any() else []) + (
            [_ratio_summary(values[ratio], keys, confidence)] if ratio.any() else []):
        found.update(zip(zip(*(part[k].tolist() for k in keys)),
                         zip(*(part[c].tolist() for c in ("mean", "ci_low", "ci_high", "replications")))))
    grouped = groups(values, keys)
    kinds = grouped.keys_of(values, keys)
    missing = (math.nan, math.nan, math.nan, 0)
    estimates = [found.get(key, missing) for key in zip(*(kinds[k].tolist() for k in keys))]
    mean, low, high, count = (np.array(column, dtype=float) for column in zip(*estimates)) if estimates else (
        np.zeros(0),) * 4
    return kinds.with_columns(mean=mean, ci_low=low, ci_high=high, replications=count.astype(np.int64),
                              estimator=np.where(grouped.any(ratio), "ratio", "mean").astype(object))


@accepts_frames
def clip_to_range(summary: Table) -> Table:
    """Intersect each confidence interval with its KPI's possible values (every KPI is >= 0; shares
    are <= 1, except overtime as a share of scheduled hours): a t interval around a small count can
    otherwise reach below zero."""
    from simulator.kpis import KPI_BY_NAME

    shares = np.array([m in KPI_BY_NAME and KPI_BY_NAME[m].kind == "share" and m != "overtime_share"
                       for m in summary["metric"].tolist()], dtype=bool)
    low, high = np.maximum(summary["ci_low"].astype(float), 0.0), summary["ci_high"].astype(float)
    # both ends: a share that is 100% in every replication can sum to 1 + 1e-13, and its interval must
    # not end below where it starts
    return summary.with_columns(ci_low=np.where(shares, np.minimum(low, 1.0), low),
                                ci_high=np.where(shares, np.minimum(high, 1.0), high))


VERDICTS = ("met", "missed", "ci_spans_target")


def estimates(summary: "Table | pd.DataFrame") -> dict[tuple[str, str], tuple[float, float, float]]:
    """``{(metric, scope): (mean, ci_low, ci_high)}`` of a summary, as floats (the last row wins)."""
    summary = as_table(summary)
    return dict(zip(zip(summary["metric"].tolist(), summary["scope"].tolist()),
                    zip(*(summary[c].astype(float).tolist() for c in ("mean", "ci_low", "ci_high")))))


TARGET_COLUMNS = ["metric", "scope", "target", "bound", "direction", "within", "mean", "ci_low", "ci_high", "status",
                  "mean_meets", "ci_clear_of_target"]


@accepts_frames
def evaluate_targets(summary: Table, targets: tuple[Target, ...]) -> Table:
    """Each target with its KPI's estimate and CI. ``status`` is ``met`` when the whole CI meets the
    target, ``missed`` when none of it does, and ``ci_spans_target`` when the CI straddles the bound
    (the run cannot say; more replications can); ``mean_meets`` says which side the estimate is on."""
    rows = []
    found = estimates(summary)
    for target in targets:
        mean, low, high = found.get((target.kpi, target.scope), (math.nan,) * 3)
        mean_meets = bool(mean == mean and target.is_met(mean))
        if low != low or high != high:
            status = "met" if mean_meets else "missed"
        elif target.is_met(low) and target.is_met(high):
            status = "met"
        elif not target.is_met(low) and not target.is_met(high):
            status = "missed"
        else:
            status = "ci_spans_target"
        rows.append((target.kpi, target.scope, target.describe(), target.bound, target.direction,
                     target.within if target.within is not None else math.nan, mean, low, high, status,
                     mean_meets, status != "ci_spans_target"))
    table = Table.from_rows(rows, TARGET_COLUMNS)
    if not rows:   # the empty table keeps its text columns text
        table = table.with_columns(**{c: np.zeros(0, dtype=object) for c in ("metric", "scope", "target",
                                                                             "direction", "status")})
    return table


def paired_differences(baseline: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    """Per metric and scope, the difference other - baseline of the two estimates over replications paired
    by number, with its 95% CI; ``significant`` when the CI excludes zero.

    Both runs used the same seeds per replication (common random numbers), so the pairs share their
    customers and the differences are far less noisy than the two runs' own intervals suggest. Ratios
    are differenced through their linearised values, so the difference is that of the ratio estimates.
    """
    keys = ["replication", "metric", "scope"]
    base = baseline[keys].assign(value=linearise(baseline, ["metric", "scope"]))
    mine = other[keys].assign(value=linearise(other, ["metric", "scope"]))
    paired = mine.merge(base, on=keys, suffixes=("", "_baseline"))
    paired["value"] = paired["value"] - paired["value_baseline"]
    diff = summarise(paired[["metric", "scope", "value"]], ["metric", "scope"]).drop(columns="estimator")
    diff = diff.rename(columns={"mean": "diff_mean", "ci_low": "diff_ci_low", "ci_high": "diff_ci_high",
                                "replications": "pairs"})
    diff["significant"] = (diff["diff_ci_low"] > 0) | (diff["diff_ci_high"] < 0)
    return diff


def relative_change(baseline: np.ndarray, other: np.ndarray, confidence: float = CONFIDENCE
                    ) -> tuple[float, float, float]:
    """mean(other) / mean(baseline) - 1 over paired replications, with its confidence interval.

    The ratio of two means, estimated from the same replications (common random numbers), has the
    delta-method standard error sd(other - R baseline) / (sqrt(n) mean(baseline)), R the ratio: the
    classical ratio estimator. Pairs where either value is undefined are left out.
    """
    baseline, other = np.asarray(baseline, dtype=float), np.asarray(other, dtype=float)
    defined = ~(np.isnan(baseline) | np.isnan(other))
    baseline, other = baseline[defined], other[defined]
    count = len(baseline)
    if count < 2 or baseline.mean() == 0:
        return float("nan"), float("nan"), float("nan")
    ratio = other.mean() / baseline.mean()
    error = np.std(other - ratio * baseline, ddof=1) / (np.sqrt(count) * abs(baseline.mean()))
    half = float(t_quantile(count - 1, confidence)) * error
    return ratio - 1, ratio - 1 - half, ratio - 1 + half
