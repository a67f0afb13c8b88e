"""Fitting duration distributions to logged times: handling times (complete observations) and patience
(censored: an answered caller's patience is only known to exceed the wait).

Maximum likelihood with SciPy (``scipy.stats.<family>.fit``, which takes ``CensoredData``), families
compared by AIC; Wald confidence intervals for a fit's mean from the log-likelihood's numerical Hessian
(``scipy.differentiate.hessian``) and the delta method; Kaplan-Meier for patience with ``scipy.stats.ecdf``.
Times are in minutes.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

from simulator.distributions import Distribution, Exponential, Gamma, LogNormal, Weibull

FIT_SAMPLE = 200_000        # at most this many values enter a fit (a random subsample beyond it)
BOOTSTRAP_SAMPLE = 20_000   # and this many a bootstrap, or the Hessian of a fit's likelihood (its standard
                            # errors then scaled by sqrt(subsample / sample): information grows with n)


@dataclass(frozen=True)
class Fit:
    """One family fitted by maximum likelihood: SciPy's parameters, log-likelihood and AIC, and the
    distribution in the scenario's terms (by mean)."""

    family: str
    params: tuple[float, ...]      # SciPy's (shape..., loc=0, scale)
    loglik: float
    aic: float
    distribution: Distribution
    mean_ci: tuple[float, float] = (math.nan, math.nan)

    @property
    def mean(self) -> float:
        return self.distribution.mean

    @property
    def cv(self) -> float:
        return self.distribution.cv

    def describe(self) -> dict:
        return {"family": self.family, "spec": self.distribution.spec(), "mean_min": round(self.mean, 4),
                "mean_ci_min": [round(v, 4) for v in self.mean_ci], "cv": round(self.cv, 4),
                "aic": round(self.aic, 2)}


# scipy family, number of free parameters, and the scenario distribution from SciPy's parameters
FAMILIES = {
    "exponential": (stats.expon, 1, lambda p: Exponential(p[-1])),
    "lognormal": (stats.lognorm, 2, lambda p: _lognormal(p[0], p[-1])),
    "gamma": (stats.gamma, 2, lambda p: Gamma(p[0] * p[-1], 1 / math.sqrt(p[0]))),
    "weibull": (stats.weibull_min, 2, lambda p: Weibull(p[-1] * math.gamma(1 + 1 / p[0]), p[0])),
}
HANDLE_FAMILIES = ("lognormal", "gamma", "exponential", "weibull")
PATIENCE_FAMILIES = ("exponential", "weibull", "lognormal")


def _lognormal(sigma: float, scale: float) -> LogNormal:
    mean = scale * math.exp(sigma ** 2 / 2)
    return LogNormal(mean, mean * math.sqrt(math.expm1(sigma ** 2)))


def _sample(values: np.ndarray, limit: int, rng: np.random.Generator) -> np.ndarray:
    return values if len(values) <= limit else rng.choice(values, limit, replace=False)


def fit_family(family: str, data, count: int) -> Fit:
    """``data`` is an array of positive times or a ``CensoredData``; ``count`` the observations in it."""
    dist, free, convert = FAMILIES[family]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        params = tuple(float(p) for p in dist.fit(data, floc=0))
    loglik = _loglik(dist, data, params)
    fit = Fit(family, params, loglik, 2 * free - 2 * loglik, convert(params))
    return Fit(fit.family, fit.params, fit.loglik, fit.aic, fit.distribution,
               _mean_ci(family, _subsample(data, count), params, count))


def _subsample(data, count: int):
    """At most BOOTSTRAP_SAMPLE observations of ``data`` (censored or not), for the Hessian."""
    if count <= BOOTSTRAP_SAMPLE:
        return data
    rng = np.random.default_rng(count)
    if isinstance(data, stats.CensoredData):
        keep = BOOTSTRAP_SAMPLE / count
        events, right = data._uncensored, data._right
        return stats.CensoredData(uncensored=rng.choice(events, max(int(len(events) * keep), 1), replace=False),
                                  right=rng.choice(right, int(len(right) * keep), replace=False))
    return rng.choice(data, BOOTSTRAP_SAMPLE, replace=False)


def _loglik(dist, data, params: tuple[float, ...]) -> float:
    if isinstance(data, stats.CensoredData):
        return float(np.sum(dist.logpdf(data._uncensored, *params)) + np.sum(dist.logsf(data._right, *params)))
    return float(np.sum(dist.logpdf(data, *params)))


def _mean_ci(family: str, data, params: tuple[float, ...], count: int) -> tuple[float, float]:
    """A 95% Wald interval for the mean: the observed information (Hessian of the log-likelihood in log
    parameters, on ``data``, which may be a subsample of the ``count`` observations fitted) and the
    delta method."""
    from scipy.differentiate import hessian

    dist, _, convert = FAMILIES[family]
    free = [i for i in range(len(params)) if i != len(params) - 2]   # every parameter but loc (fixed at 0)
    theta = np.log(np.array([params[i] for i in free]))

    def with_theta(t: np.ndarray) -> tuple[float, ...]:
        values = list(params)
        for index, value in zip(free, np.exp(t)):
            values[index] = float(value)
        return tuple(values)

    def loglik(t: np.ndarray) -> np.ndarray:   # scipy.differentiate evaluates many points at once
        t = np.asarray(t, dtype=float)
        flat = t.reshape(len(free), -1)
        out = np.array([_loglik(dist, data, with_theta(flat[:, k])) for k in range(flat.shape[1])])
        return out.reshape(t.shape[1:])

    def mean(t: np.ndarray) -> float:
        return convert(with_theta(t)).mean

    try:
        info = -hessian(loglik, theta, initial_step=0.05).ddf
        covariance = np.linalg.inv(info)
        step = 1e-5
        gradient = np.array([(mean(theta + step * e) - mean(theta - step * e)) / (2 * step) for e in np.eye(len(free))])
        used = len(data._uncensored) + len(data._right) if isinstance(data, stats.CensoredData) else len(data)
        se = float(np.sqrt(max(gradient @ covariance @ gradient, 0.0) * used / count))
    except (np.linalg.LinAlgError, ValueError, FloatingPointError):
        return (math.nan, math.nan)
    centre = mean(theta)
    return (centre - 1.96 * se, centre + 1.96 * se)


@dataclass(frozen=True)
class DurationFits:
    """Handling times: each family's fit (best AIC first) and the sample's own mean and cv with
    bootstrap CIs."""

    fits: tuple[Fit, ...]
    count: int
    mean: float
    mean_ci: tuple[float, float]
    cv: float
    cv_ci: tuple[float, float]
    sample: np.ndarray        # the values fitted (for QQ charts)

    @property
    def best(self) -> Fit:
        return self.fits[0]


def fit_durations(minutes: np.ndarray, seed: int = 0) -> DurationFits:
    """Fit every handle-time family to positive times (zeros and blanks left out) and bootstrap the
    sample mean and cv (percentile, 999 resamples)."""
    rng = np.random.default_rng(seed)
    values = np.asarray(minutes, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    if len(values) < 10:
        raise ValueError(f"needs at least 10 positive times, got {len(values)}")
    sample = _sample(values, FIT_SAMPLE, rng)
    fits = sorted((fit_family(f, sample, len(sample)) for f in HANDLE_FAMILIES), key=lambda f: f.aic)
    if len(sample) < len(values):   # the family chosen on the subsample, its parameters from every value
        fits[0] = fit_family(fits[0].family, values, len(values))
    boot = _sample(values, BOOTSTRAP_SAMPLE, rng)
    cv = lambda x, axis=-1: np.std(x, axis=axis, ddof=1) / np.mean(x, axis=axis)   # noqa: E731
    result = stats.bootstrap((boot,), lambda x, axis=-1: np.stack([np.mean(x, axis=axis), cv(x, axis)]),
                             n_resamples=999, method="percentile", random_state=rng, batch=50)
    low, high = result.confidence_interval
    # on a subsample, the interval's spread around the subsample's estimate, scaled to the whole sample
    shrink = np.sqrt(len(boot) / len(values))
    mean, spread = float(values.mean()), float(cv(values))
    centre = (float(boot.mean()), float(cv(boot)))
    return DurationFits(tuple(fits), len(values), mean,
                        (mean + (float(low[0]) - centre[0]) * shrink, mean + (float(high[0]) - centre[0]) * shrink),
                        spread, (spread + (float(low[1]) - centre[1]) * shrink,
                                 spread + (float(high[1]) - centre[1]) * shrink), sample)


@dataclass(frozen=True)
class PatienceFits:
    """Patience from waits: abandoners' waits are observed patience; answered callers' waits are
    right-censored patience. Kaplan-Meier, each parametric family (best AIC first), the naive mean
    of the abandoners' waits, and the Brown et al. check (for exponential patience, abandonment divided by
    the mean wait equals 1 / mean patience)."""

    fits: tuple[Fit, ...]
    abandoned: int
    answered: int
    naive_mean: float
    brown_mean: float          # mean wait / P(abandon): total waiting time per abandonment
    km_times: np.ndarray
    km_survival: np.ndarray
    km_median: float

    @property
    def best(self) -> Fit:
        return self.fits[0]

    @property
    def abandon_share(self) -> float:
        return self.abandoned / max(self.abandoned + self.answered, 1)


def fit_patience(abandoned_waits: np.ndarray, answered_waits: np.ndarray, seed: int = 0) -> PatienceFits:
    rng = np.random.default_rng(seed)
    events = np.asarray(abandoned_waits, dtype=float)
    censored = np.asarray(answered_waits, dtype=float)
    events, censored = events[np.isfinite(events)], censored[np.isfinite(censored)]
    if len(events) < 5:
        raise ValueError(f"needs at least 5 abandoned contacts, got {len(events)}")
    tiny = 1e-4   # a patience of zero is not a time: waits of 0 s become a fraction of a second
    total = len(events) + len(censored)
    keep = min(1.0, FIT_SAMPLE / total)
    sample_events = _sample(events, int(len(events) * keep) or len(events), rng)
    sample_censored = _sample(censored, int(len(censored) * keep), rng)
    data = stats.CensoredData(uncensored=np.maximum(sample_events, tiny), right=np.maximum(sample_censored, tiny))
    fits = sorted((fit_family(f, data, len(sample_events) + len(sample_censored)) for f in PATIENCE_FAMILIES),
                  key=lambda f: f.aic)
    if keep < 1:   # the family chosen on the subsample, its parameters from every wait
        fits[0] = fit_family(fits[0].family, stats.CensoredData(uncensored=np.maximum(events, tiny),
                                                                right=np.maximum(censored, tiny)), total)
    km = stats.ecdf(stats.CensoredData(uncensored=events, right=censored))
    times, survival = km.sf.quantiles, km.sf.probabilities
    below = np.flatnonzero(survival <= 0.5)
    waits = np.concatenate([events, censored])
    return PatienceFits(tuple(fits), len(events), len(censored), float(events.mean()),
                        float(waits.sum() / len(events)), times, survival,
                        float(times[below[0]]) if below.size else math.inf)
