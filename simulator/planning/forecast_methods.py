"""Day-ahead forecasting methods for interval volumes, each a function of the same shape.

Every method takes the history as a matrix ``counts`` (one row per past open day, oldest first; one
column per interval of the day), the weekday of each row (Monday 0) and the weekdays of the days to
forecast (the next open days, in order), and returns the expected volume per future day and interval.

- ``weekday_average``: the practitioners' benchmark: each interval's mean over the last four days of
  the same weekday.
- ``smoothing``: exponential smoothing (Holt-Winters, statsmodels) of the daily totals with a weekly
  season, times each weekday's intraday profile (its share of the day per interval, pooled over the last
  eight days of that weekday).
- ``svd``: the dimension-reduction model of Shen and Huang (2008, Annals of Applied Statistics 2(2)):
  the root-unroot transform sqrt(count + 1/4) stabilises Poisson variance; a singular value
  decomposition of the days x intervals matrix keeps three intraday shapes; each day's score on a shape
  follows a weekday mean plus an AR(1) deviation, forecast ahead and mapped back. It learns from the
  last eight weeks.
"""

from __future__ import annotations

import warnings
from typing import Callable

import numpy as np

Method = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
SAME_WEEKDAY_DAYS = 4       # the benchmark: the last four same weekdays
PROFILE_DAYS = 8            # days of a weekday pooled into its intraday profile
SVD_SHAPES = 3              # intraday shapes kept by the svd method
SVD_WEEKS = 8               # weeks of history the svd method learns from (the recent level and shapes)


def weekday_average(counts: np.ndarray, weekdays: np.ndarray, future: np.ndarray) -> np.ndarray:
    """Each interval's mean over the last four days of the same weekday (all days if there are none)."""
    return np.vstack([_same_weekday(counts, weekdays, day, SAME_WEEKDAY_DAYS).mean(axis=0) for day in future])


def _same_weekday(counts: np.ndarray, weekdays: np.ndarray, day: int, last: int) -> np.ndarray:
    rows = np.flatnonzero(weekdays == day)
    return counts[rows[-last:]] if rows.size else counts[-last:]


def intraday_profiles(counts: np.ndarray, weekdays: np.ndarray, future: np.ndarray) -> np.ndarray:
    """Each future day's share of its volume per interval: its weekday's last eight days pooled."""
    profiles = []
    for day in future:
        pooled = _same_weekday(counts, weekdays, day, PROFILE_DAYS).sum(axis=0)
        total = pooled.sum()
        profiles.append(pooled / total if total > 0 else np.full(counts.shape[1], 1 / counts.shape[1]))
    return np.vstack(profiles)


def smoothing(counts: np.ndarray, weekdays: np.ndarray, future: np.ndarray) -> np.ndarray:
    """Holt-Winters on daily totals (additive weekly season over the open weekdays) times the profiles."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    totals = counts.sum(axis=1)
    season = len(np.unique(weekdays))
    seasonal = "add" if season > 1 and len(totals) >= 2 * season + 2 else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # convergence chatter on short or flat series
        fit = ExponentialSmoothing(totals, trend=None, seasonal=seasonal,
                                   seasonal_periods=season if seasonal else None,
                                   initialization_method="estimated").fit()
        # the fitted season follows the history's weekday cycle: step through it to the days asked for
        steps = _cycle_position(weekdays, future) if seasonal else np.arange(len(future))
        ahead = np.asarray(fit.forecast(int(steps.max()) + 1), dtype=float)[steps]
    return np.clip(ahead, 0, None)[:, None] * intraday_profiles(counts, weekdays, future)


def _cycle_position(weekdays: np.ndarray, future: np.ndarray) -> np.ndarray:
    """For each future day, how many open days ahead it is, counting through the weekly cycle."""
    order = sorted(np.unique(weekdays))
    last = order.index(int(weekdays[-1]))
    steps, position = [], last
    ahead = 0
    for day in future:
        target = order.index(int(day)) if int(day) in order else (position + 1) % len(order)
        while True:
            position = (position + 1) % len(order)
            ahead += 1
            if position == target:
                break
        steps.append(ahead - 1)
    return np.asarray(steps)


def svd(counts: np.ndarray, weekdays: np.ndarray, future: np.ndarray) -> np.ndarray:
    """Shen & Huang's root-unroot SVD forecast with weekday means and AR(1) scores, over the last eight
    weeks (older days describe an operation that has since changed)."""
    recent = SVD_WEEKS * len(np.unique(weekdays))
    counts, weekdays = counts[-recent:], weekdays[-recent:]
    roots = np.sqrt(counts + 0.25)
    shapes = min(SVD_SHAPES, *roots.shape)
    u, s, vt = np.linalg.svd(roots, full_matrices=False)
    scores = u[:, :shapes] * s[:shapes]
    ahead = np.empty((len(future), shapes))
    for k in range(shapes):
        ahead[:, k] = _weekday_ar1(scores[:, k], weekdays, future)
    fitted = ahead @ vt[:shapes]
    return np.clip(np.clip(fitted, 0, None) ** 2 - 0.25, 0, None) + _unroot_bias(roots, scores, vt[:shapes])


def _unroot_bias(roots: np.ndarray, scores: np.ndarray, shapes: np.ndarray) -> np.ndarray:
    """E[count] = E[root]^2 + Var(root) - 1/4: the in-sample residual variance of the roots per interval."""
    residual = roots - scores @ shapes
    return np.clip(residual.var(axis=0), 0, None)


def _weekday_ar1(series: np.ndarray, weekdays: np.ndarray, future: np.ndarray) -> np.ndarray:
    """A weekday mean plus an AR(1) deviation (least squares), iterated over the days ahead."""
    means = {day: series[weekdays == day].mean() for day in np.unique(weekdays)}
    overall = series.mean()
    deviation = series - np.array([means[d] for d in weekdays])
    phi = 0.0
    if len(deviation) > 3:
        (phi,), *_ = np.linalg.lstsq(deviation[:-1, None], deviation[1:], rcond=None)
        phi = float(np.clip(phi, -0.99, 0.99))
    out, last = [], deviation[-1]
    for day in future:
        last = phi * last
        out.append(means.get(int(day), overall) + last)
    return np.asarray(out)


METHODS: dict[str, Method] = {"weekday_average": weekday_average, "smoothing": smoothing, "svd": svd}
BENCHMARK = "weekday_average"
