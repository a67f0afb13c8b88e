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

import numpy as np
import pandas as pd

from simulator.scenario.model import Target

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


def _is_ratio(values: pd.DataFrame) -> pd.Series:
    if "denominator" not in values.columns:
        return pd.Series(False, index=values.index)
    return values["denominator"].notna()


def _ratio_parts(values: pd.DataFrame, keys: list[str]) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Per row of ratio KPIs: the group's estimate R, the row's linearised value R + (y - R x) / mean(x),
    and the group's count."""
    grouped = values.groupby(keys, sort=False)
    numerator = grouped["numerator"].transform("sum")
    denominator = grouped["denominator"].transform("sum")
    count = grouped["denominator"].transform("size")
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = (numerator / denominator).where(denominator > 0)
        linear = estimate + (values["numerator"] - estimate * values["denominator"]) / (denominator / count)
    return estimate, linear, count


def linearise(values: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Each replication's contribution to its KPI's estimate: the value itself for a plain KPI; for a
    ratio, the linearised value whose mean is the ratio of sums and whose spread gives the delta-method
    standard error. Paired differences and relative changes of ratios are taken on these."""
    result = values["value"].astype(float).copy()
    ratio = _is_ratio(values)
    if ratio.any():
        _, linear, _ = _ratio_parts(values[ratio], keys)
        result[ratio] = linear
    return result


def _t_summary(frame: pd.DataFrame, keys: list[str], column: str, confidence: float = CONFIDENCE) -> pd.DataFrame:
    grouped = frame.dropna(subset=[column]).groupby(keys, sort=False)[column]
    stats = grouped.agg(["mean", "std", "count"])
    count = stats["count"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        half = np.where(count > 1, t_quantile(np.maximum(count - 1, 1), confidence) * stats["std"].to_numpy()
                        / np.sqrt(count), np.nan)
    half = np.where(stats["std"].to_numpy() == 0, 0.0, half)
    return pd.DataFrame({"mean": stats["mean"].to_numpy(), "ci_low": stats["mean"].to_numpy() - half,
                         "ci_high": stats["mean"].to_numpy() + half, "replications": count.astype(int)},
                        index=stats.index).reset_index()


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


def _design_effect(index: pd.Index, keys: list[str], effect: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Per group, the median design effect of its KPI and scope over the intervals where it is well
    measured (1 for a whole run, or where none is)."""
    if "interval" not in keys or not usable.any():
        return np.ones(len(effect))
    others = [k for k in keys if k != "interval"]
    frame = index.to_frame(index=False)[others].assign(effect=np.where(usable, effect, np.nan))
    return np.maximum(frame.groupby(others, sort=False)["effect"].transform("median").fillna(1.0).to_numpy(), 1.0)


def _mean_floor(index: pd.Index, keys: list[str], estimate: np.ndarray, error: np.ndarray, squares: np.ndarray,
                count: np.ndarray) -> np.ndarray:
    """The least standard error a mean over contacts (a mean wait) can have: the contacts' own spread
    over their number, times the design effect (below). In a quiet interval most replications may show
    no wait at all, and the spread over ten of them is then far smaller than the truth's."""
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = np.sqrt(np.clip(squares / count - estimate ** 2, 0, None) / count)
        effect = (error / spread) ** 2
    usable = np.isfinite(effect) & (spread > 0) & (count >= 30)
    return np.nan_to_num(spread * np.sqrt(_design_effect(index, keys, effect, usable)), nan=0.0)


def _counted_floor(index: pd.Index, keys: list[str], estimate: np.ndarray, error: np.ndarray,
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


def _ratio_summary(rows: pd.DataFrame, keys: list[str], confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Per group: the ratio of sums, and its 95% CI from the delta-method standard error (Student t on
    n - 1 degrees of freedom), formed on the logit or log scale (see _transformed_interval)."""
    rows = rows.copy()
    _, rows["linear"], _ = _ratio_parts(rows, keys)
    grouped = rows.groupby(keys, sort=False)
    stats = grouped["linear"].agg(["mean", "std", "count"])
    has_squares = "squares" in rows.columns
    sums = grouped[["numerator", "denominator"] + (["squares"] if has_squares else [])].sum(min_count=1)
    estimate = (sums["numerator"] / sums["denominator"]).where(sums["denominator"] > 0).to_numpy()
    count = stats["count"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        error = np.where(count > 1, stats["std"].to_numpy() / np.sqrt(count), np.nan)
        quantile = t_quantile(np.maximum(count - 1, 1), confidence)
    if has_squares:
        error = np.fmax(error, _mean_floor(stats.index, keys, estimate, error, sums["squares"].to_numpy(),
                                           sums["denominator"].to_numpy()))
    metrics = stats.index.get_level_values("metric") if "metric" in keys else ["wait_mean"] * len(stats)
    ranges = np.array([value_range(m) for m in metrics]).reshape(-1, 2)
    ci_low, ci_high = _transformed_interval(estimate, error, quantile, ranges[:, 0], ranges[:, 1])
    counted = np.array([_counted(m) for m in metrics], dtype=bool)
    if counted.any():
        floor_low, floor_high = _counted_floor(stats.index, keys, estimate, error, sums["denominator"].to_numpy(),
                                               confidence)
        ci_low = np.where(counted, np.fmin(ci_low, floor_low), ci_low)
        ci_high = np.where(counted, np.fmax(ci_high, floor_high), ci_high)
    defined = ~np.isnan(estimate)
    return pd.DataFrame({"mean": estimate, "ci_low": ci_low, "ci_high": ci_high,
                         "replications": np.where(defined, count, 0).astype(int)}, index=stats.index).reset_index()


def summarise(values: pd.DataFrame, keys: list[str], confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Estimate (column ``mean``), ci_low, ci_high, replications and estimator of ``value`` for each
    group of ``keys``: ratio of sums for rows with a numerator and denominator, mean otherwise; the
    interval at ``confidence`` (two-sided)."""
    ratio = _is_ratio(values)
    parts = []
    if (~ratio).any():
        parts.append(_t_summary(values[~ratio], keys, "value", confidence))
    if ratio.any():
        parts.append(_ratio_summary(values[ratio], keys, confidence))
    summary = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=keys + ["mean", "ci_low", "ci_high", "replications"])
    # keep every group, also those undefined in every replication
    kinds = values[keys].assign(is_ratio=ratio.to_numpy()).groupby(keys, sort=False)["is_ratio"].any().reset_index()
    merged = kinds.merge(summary, on=keys, how="left")
    merged["replications"] = merged["replications"].fillna(0).astype(int)
    merged["estimator"] = np.where(merged.pop("is_ratio").to_numpy(dtype=bool), "ratio", "mean")
    return merged


def clip_to_range(summary: pd.DataFrame) -> pd.DataFrame:
    """Intersect each confidence interval with its KPI's possible values (every KPI is >= 0; shares
    are <= 1, except overtime as a share of scheduled hours): a t interval around a small count can
    otherwise reach below zero."""
    from simulator.kpis import KPI_BY_NAME

    summary = summary.copy()
    summary["ci_low"] = summary["ci_low"].clip(lower=0.0)
    shares = summary["metric"].map(lambda m: KPI_BY_NAME[m].kind == "share" and m != "overtime_share"
                                   if m in KPI_BY_NAME else False)
    summary.loc[shares, "ci_high"] = summary.loc[shares, "ci_high"].clip(upper=1.0)
    return summary


VERDICTS = ("met", "missed", "ci_spans_target")


def evaluate_targets(summary: pd.DataFrame, targets: tuple[Target, ...]) -> pd.DataFrame:
    """Each target with its KPI's estimate and CI. ``status`` is ``met`` when the whole CI meets the
    target, ``missed`` when none of it does, and ``ci_spans_target`` when the CI straddles the bound
    (the run cannot say; more replications can); ``mean_meets`` says which side the estimate is on."""
    rows = []
    indexed = summary.set_index(["metric", "scope"])
    for target in targets:
        key = (target.kpi, target.scope)
        if key in indexed.index:
            mean, low, high = (float(indexed.at[key, c]) for c in ("mean", "ci_low", "ci_high"))
        else:
            mean = low = high = float("nan")
        mean_meets = bool(mean == mean and target.is_met(mean))
        if low != low or high != high:
            status = "met" if mean_meets else "missed"
        elif target.is_met(low) and target.is_met(high):
            status = "met"
        elif not target.is_met(low) and not target.is_met(high):
            status = "missed"
        else:
            status = "ci_spans_target"
        rows.append({"metric": target.kpi, "scope": target.scope, "target": target.describe(),
                     "bound": target.bound, "direction": target.direction,
                     "within": target.within if target.within is not None else float("nan"), "mean": mean,
                     "ci_low": low, "ci_high": high, "status": status, "mean_meets": mean_meets,
                     "ci_clear_of_target": status != "ci_spans_target"})
    return pd.DataFrame(rows, columns=["metric", "scope", "target", "bound", "direction", "within", "mean", "ci_low",
                                       "ci_high", "status", "mean_meets", "ci_clear_of_target"])


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
