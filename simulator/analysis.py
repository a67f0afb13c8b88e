"""Summaries across replications: mean and 95% confidence interval (Student t).

Replications are independent and identically distributed, so the mean of a KPI
over R replications has a t distribution with R - 1 degrees of freedom around
the true value. A replication where a KPI is undefined (no answered contact in
a segment, say) is left out of that KPI's summary, and ``replications`` says how
many counted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.scenario.model import Target

CONFIDENCE = 0.95


def t_quantile(degrees_of_freedom: np.ndarray | float, confidence: float = CONFIDENCE) -> np.ndarray:
    """Two-sided Student t quantile (e.g. 2.09 for 19 degrees of freedom at 95%)."""
    from scipy.special import stdtrit  # scipy.stats costs a second to import; special does not

    return stdtrit(degrees_of_freedom, 0.5 + confidence / 2)


def summarise(values: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Mean, ci_low, ci_high and replications of ``value`` for each group of ``keys``."""
    grouped = values.dropna(subset=["value"]).groupby(keys, sort=False)["value"]
    stats = grouped.agg(["mean", "std", "count"])
    count = stats["count"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        half = np.where(count > 1, t_quantile(np.maximum(count - 1, 1)) * stats["std"].to_numpy()
                        / np.sqrt(count), np.nan)
    half = np.where(stats["std"].to_numpy() == 0, 0.0, half)
    summary = pd.DataFrame({
        "mean": stats["mean"].to_numpy(),
        "ci_low": stats["mean"].to_numpy() - half,
        "ci_high": stats["mean"].to_numpy() + half,
        "replications": count.astype(int),
    }, index=stats.index).reset_index()
    # keep every group, also those undefined in every replication
    everything = values[keys].drop_duplicates()
    return everything.merge(summary, on=keys, how="left").fillna({"replications": 0}).astype(
        {"replications": int})


def clip_to_range(summary: pd.DataFrame) -> pd.DataFrame:
    """Intersect each confidence interval with its KPI's possible values (every KPI is >= 0; shares
    are <= 1, except utilisation, which overtime after a shift can push above 1): a t interval around
    a small count can otherwise reach below zero."""
    from simulator.kpis import KPI_BY_NAME

    summary = summary.copy()
    summary["ci_low"] = summary["ci_low"].clip(lower=0.0)
    shares = summary["metric"].map(lambda m: KPI_BY_NAME[m].kind == "share" and "utilisation" not in m
                                   if m in KPI_BY_NAME else False)
    summary.loc[shares, "ci_high"] = summary.loc[shares, "ci_high"].clip(upper=1.0)
    return summary


def evaluate_targets(summary: pd.DataFrame, targets: tuple[Target, ...]) -> pd.DataFrame:
    """Each target with the KPI's mean and CI, ``met`` by the mean, and whether the CI is clear of it."""
    rows = []
    indexed = summary.set_index(["metric", "scope"])
    for target in targets:
        key = (target.kpi, target.scope)
        if key in indexed.index:
            mean, low, high = (float(indexed.at[key, c]) for c in ("mean", "ci_low", "ci_high"))
        else:
            mean = low = high = float("nan")
        met = bool(mean == mean and target.is_met(mean))
        clear = bool(low == low and target.is_met(low) == target.is_met(high))
        rows.append({"metric": target.kpi, "scope": target.scope, "target": target.describe(),
                     "bound": target.bound, "direction": target.direction, "mean": mean, "ci_low": low,
                     "ci_high": high, "status": "met" if met else "missed", "ci_clear_of_target": clear})
    return pd.DataFrame(rows, columns=["metric", "scope", "target", "bound", "direction", "mean", "ci_low",
                                       "ci_high", "status", "ci_clear_of_target"])


def paired_differences(baseline: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    """Per metric and scope, the mean difference other - baseline over replications paired by number,
    with its 95% CI; ``significant`` when the CI excludes zero.

    Both runs used the same seeds per replication (common random numbers), so the pairs share their
    customers and the differences are far less noisy than the two runs' own intervals suggest.
    """
    keys = ["replication", "metric", "scope"]
    paired = other[keys + ["value"]].merge(baseline[keys + ["value"]], on=keys, suffixes=("", "_baseline"))
    paired["value"] = paired["value"] - paired["value_baseline"]
    diff = summarise(paired[["metric", "scope", "value"]], ["metric", "scope"])
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
