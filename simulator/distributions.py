"""Probability distributions of durations, parameterised the way planners think: by mean.

Each family is a small immutable object that can draw many values at once from a
numpy Generator (draws happen in bulk, never per event), knows its exact mean and
second moment (for load checks and queueing formulas), and can write itself back
as the one-key mapping it was read from.

Families (DESIGN.md): ``exponential {mean}``, ``constant {value}`` or a bare number,
``uniform {low, high}``, ``triangular {low, mode, high}``, ``normal {mean, sd}``
(truncated at 0), ``lognormal {mean, sd}``, ``gamma {mean, cv}``, ``erlang {mean, k}``,
``weibull {mean, shape}`` (shape 1 is exponential; below 1, many short times and a long tail, as fitted
patience often is), ``hyperexponential {mean, cv}`` (cv >= 1: a mix of two exponentials with balanced
means) or ``{phases: [{share, mean}, ...]}`` (a mix of kinds of work: many quick calls, a few long ones),
``empirical {values: [...]}`` or ``{csv: file, column: name}``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np



class Distribution:
    """A non-negative random duration in minutes."""

    family: str = ""

    @property
    def mean(self) -> float:
        raise NotImplementedError

    @property
    def second_moment(self) -> float:
        """E[X^2], used by Pollaczek-Khinchine and the load checks."""
        raise NotImplementedError

    @property
    def cv(self) -> float:
        """Coefficient of variation: standard deviation over mean."""
        variance = max(self.second_moment - self.mean ** 2, 0.0)
        return math.sqrt(variance) / self.mean if self.mean > 0 else 0.0

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        raise NotImplementedError

    def spec(self) -> dict[str, Any]:
        """The one-key mapping that reads back as this distribution."""
        raise NotImplementedError

    def scaled(self, factor: float) -> Distribution:
        """The same shape with every value multiplied by ``factor`` (> 0)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Exponential(Distribution):
    mean_: float
    family = "exponential"

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def second_moment(self) -> float:
        return 2 * self.mean_ ** 2

    def sample(self, rng, size):
        return rng.exponential(self.mean_, size)

    def spec(self):
        return {"exponential": {"mean": self.mean_}}

    def scaled(self, factor):
        return Exponential(self.mean_ * factor)


@dataclass(frozen=True)
class Constant(Distribution):
    value: float
    family = "constant"

    @property
    def mean(self) -> float:
        return self.value

    @property
    def second_moment(self) -> float:
        return self.value ** 2

    def sample(self, rng, size):
        return np.full(size, self.value)

    def spec(self):
        return {"constant": {"value": self.value}}

    def scaled(self, factor):
        return Constant(self.value * factor)


@dataclass(frozen=True)
class Uniform(Distribution):
    low: float
    high: float
    family = "uniform"

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def second_moment(self) -> float:
        return (self.low ** 2 + self.low * self.high + self.high ** 2) / 3

    def sample(self, rng, size):
        return rng.uniform(self.low, self.high, size)

    def spec(self):
        return {"uniform": {"low": self.low, "high": self.high}}

    def scaled(self, factor):
        return Uniform(self.low * factor, self.high * factor)


@dataclass(frozen=True)
class Triangular(Distribution):
    low: float
    mode: float
    high: float
    family = "triangular"

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    @property
    def second_moment(self) -> float:
        a, c, b = self.low, self.mode, self.high
        variance = (a * a + b * b + c * c - a * b - a * c - b * c) / 18
        return variance + self.mean ** 2

    def sample(self, rng, size):
        if self.low == self.high:
            return np.full(size, self.low)
        return rng.triangular(self.low, self.mode, self.high, size)

    def spec(self):
        return {"triangular": {"low": self.low, "mode": self.mode, "high": self.high}}

    def scaled(self, factor):
        return Triangular(self.low * factor, self.mode * factor, self.high * factor)


@dataclass(frozen=True)
class TruncatedNormal(Distribution):
    """Normal(mean, sd) conditioned on being >= 0 (negative draws are redrawn).

    Its true mean is above ``mean_`` when sd is large relative to the mean; the
    properties give the truncated distribution's exact moments.
    """

    mean_: float
    sd: float
    family = "normal"

    def _alpha_terms(self) -> tuple[float, float]:
        if self.sd == 0:
            return 0.0, 0.0
        alpha = -self.mean_ / self.sd
        pdf = math.exp(-alpha * alpha / 2) / math.sqrt(2 * math.pi)
        survival = 0.5 * math.erfc(alpha / math.sqrt(2))
        return alpha, pdf / survival

    @property
    def mean(self) -> float:
        _, hazard = self._alpha_terms()
        return self.mean_ + self.sd * hazard

    @property
    def second_moment(self) -> float:
        if self.sd == 0:
            return self.mean_ ** 2
        alpha, hazard = self._alpha_terms()
        variance = self.sd ** 2 * (1 + alpha * hazard - hazard ** 2)
        return variance + self.mean ** 2

    def sample(self, rng, size):
        values = rng.normal(self.mean_, self.sd, size)
        negative = values < 0
        while negative.any():
            values[negative] = rng.normal(self.mean_, self.sd, int(negative.sum()))
            negative = values < 0
        return values

    def spec(self):
        return {"normal": {"mean": self.mean_, "sd": self.sd}}

    def scaled(self, factor):
        return TruncatedNormal(self.mean_ * factor, self.sd * factor)


@dataclass(frozen=True)
class LogNormal(Distribution):
    mean_: float
    sd: float
    family = "lognormal"

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def second_moment(self) -> float:
        return self.sd ** 2 + self.mean_ ** 2

    def sample(self, rng, size):
        sigma2 = math.log(1 + (self.sd / self.mean_) ** 2)
        mu = math.log(self.mean_) - sigma2 / 2
        return rng.lognormal(mu, math.sqrt(sigma2), size)

    def spec(self):
        return {"lognormal": {"mean": self.mean_, "sd": self.sd}}

    def scaled(self, factor):
        return LogNormal(self.mean_ * factor, self.sd * factor)


@dataclass(frozen=True)
class Gamma(Distribution):
    """Gamma by mean and coefficient of variation (shape = 1/cv^2); cv 0 is constant."""

    mean_: float
    cv_: float
    family = "gamma"

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def second_moment(self) -> float:
        return self.mean_ ** 2 * (1 + self.cv_ ** 2)

    def sample(self, rng, size):
        if self.cv_ == 0:
            return np.full(size, self.mean_)
        shape = 1 / self.cv_ ** 2
        return rng.gamma(shape, self.mean_ / shape, size)

    def spec(self):
        return {"gamma": {"mean": self.mean_, "cv": self.cv_}}

    def scaled(self, factor):
        return Gamma(self.mean_ * factor, self.cv_)


@dataclass(frozen=True)
class Erlang(Distribution):
    """Sum of k exponential phases with total mean ``mean_``."""

    mean_: float
    k: int
    family = "erlang"

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def second_moment(self) -> float:
        return self.mean_ ** 2 * (1 + 1 / self.k)

    def sample(self, rng, size):
        return rng.gamma(self.k, self.mean_ / self.k, size)

    def spec(self):
        return {"erlang": {"mean": self.mean_, "k": self.k}}

    def scaled(self, factor):
        return Erlang(self.mean_ * factor, self.k)


@dataclass(frozen=True)
class Weibull(Distribution):
    """Weibull by mean and shape k: scale = mean / Gamma(1 + 1/k)."""

    mean_: float
    shape: float
    family = "weibull"

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def scale(self) -> float:
        return self.mean_ / math.gamma(1 + 1 / self.shape)

    @property
    def second_moment(self) -> float:
        return self.scale ** 2 * math.gamma(1 + 2 / self.shape)

    def sample(self, rng, size):
        return self.scale * rng.weibull(self.shape, size)

    def spec(self):
        return {"weibull": {"mean": self.mean_, "shape": self.shape}}

    def scaled(self, factor):
        return Weibull(self.mean_ * factor, self.shape)


@dataclass(frozen=True)
class Hyperexponential(Distribution):
    """A mix of exponential phases: a share of the work is of one kind (mean), the rest of others.

    Written by phases (``shares`` and ``means``), or by mean and cv (>= 1) as the two-phase mix with
    balanced means (each phase carries half the mean: p1 = (1 + sqrt((cv^2 - 1) / (cv^2 + 1))) / 2,
    phase means mean / (2 p_i)), the standard way to give a duration more spread than an exponential
    (Whitt, "Approximating a point process by a renewal process", 1982). ``cv_`` remembers that form."""

    shares: tuple[float, ...]
    means: tuple[float, ...]
    cv_: float | None = None
    family = "hyperexponential"

    @classmethod
    def by_mean_and_cv(cls, mean: float, cv: float) -> "Hyperexponential":
        if cv < 1:
            raise ValueError(f"a hyperexponential's cv is at least 1, got {cv}")
        first = (1 + math.sqrt((cv ** 2 - 1) / (cv ** 2 + 1))) / 2
        shares = (first, 1 - first)
        return cls(shares, tuple(mean / (2 * share) if share > 0 else mean for share in shares), cv)

    @property
    def mean(self) -> float:
        return sum(share * mean for share, mean in zip(self.shares, self.means))

    @property
    def second_moment(self) -> float:
        return sum(2 * share * mean ** 2 for share, mean in zip(self.shares, self.means))

    def sample(self, rng, size):
        phase = rng.choice(len(self.shares), size=size, p=np.asarray(self.shares) / sum(self.shares))
        return rng.exponential(1.0, size) * np.asarray(self.means)[phase]

    def spec(self):
        if self.cv_ is not None:
            return {"hyperexponential": {"mean": self.mean, "cv": self.cv_}}
        return {"hyperexponential": {"phases": [{"share": share, "mean": mean}
                                                for share, mean in zip(self.shares, self.means)]}}

    def scaled(self, factor):
        return Hyperexponential(self.shares, tuple(mean * factor for mean in self.means), self.cv_)


@dataclass(frozen=True)
class Empirical(Distribution):
    """Resamples observed values with equal probability (a bootstrap of a sample)."""

    values: tuple[float, ...]
    family = "empirical"

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def second_moment(self) -> float:
        return float(np.mean(np.square(self.values)))

    def sample(self, rng, size):
        return rng.choice(np.asarray(self.values, dtype=float), size)

    def spec(self):
        return {"empirical": {"values": list(self.values)}}

    def scaled(self, factor):
        return Empirical(tuple(v * factor for v in self.values))
