"""Arrival epochs of a non-homogeneous Poisson process with piecewise-constant rates.

Within each period of the profile arrivals are Poisson at that period's rate; a profile marked
``exact`` (a realised history, as ``backtest`` replays) gives each period exactly its volume, placed
uniformly at random within it (a Poisson process given its count).
The whole horizon is drawn at once, exactly: the number of arrivals is Poisson
with mean equal to the integrated rate, and their epochs are that many uniform
points of the integrated-rate scale mapped back to time (the inverse of the
cumulative rate function, which is piecewise linear).
"""

from __future__ import annotations

import numpy as np

from simulator.scenario.model import ArrivalProfile, Clock


def rate_boundaries(profile: ArrivalProfile, clock: Clock,
                    day_factors: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Period boundaries over the whole horizon (minutes) and the cumulative expected arrivals there.
    Each day has its own rates (its date's or weekday's, or every day's); ``day_factors`` multiply each
    day's rates (forecast error); without them the forecast holds."""
    times, per_period = [np.zeros(1)], []
    for day in range(clock.days):
        rates = np.asarray(profile.rates_on(clock, day), dtype=float) / 60.0
        if day_factors is not None:
            rates = rates * day_factors[day]
        period = clock.day_length / len(rates)
        times.append(day * clock.day_length + period * np.arange(1, len(rates) + 1))
        per_period.append(rates * period)
    return np.concatenate(times), np.concatenate(([0.0], np.cumsum(np.concatenate(per_period))))


def forecast_factors(profile: ArrivalProfile, days: int, rng: np.random.Generator) -> np.ndarray | None:
    """Each day's forecast-error multiplier: gamma with mean 1 and cv ``profile.uncertainty``."""
    if not profile.uncertainty:
        return None
    shape = 1 / profile.uncertainty ** 2
    return rng.gamma(shape, 1 / shape, days)


def appointment_times(profile: ArrivalProfile, clock: Clock, rng: np.random.Generator) -> np.ndarray:
    """Sorted arrival times of booked customers who come (each slot's bookings, every day, minus the
    no-shows), each at its slot time plus its early or late offset, within the opening hours."""
    booked = profile.appointments
    slots = np.array([at for at, count in booked.slots for _ in range(count)], dtype=float)
    days = np.repeat(np.arange(clock.days), len(slots))
    slot_times = np.tile(slots, clock.days)
    comes = rng.random(len(slot_times)) >= booked.no_show
    offsets = rng.normal(booked.early_late_mean, booked.early_late_sd, len(slot_times)) \
        if booked.early_late_sd > 0 else np.full(len(slot_times), booked.early_late_mean)
    within_day = np.clip(slot_times + offsets, 0.0, np.nextafter(clock.day_length, 0))
    return np.sort((days * clock.day_length + within_day)[comes])


def arrival_times(profile: ArrivalProfile, clock: Clock, rng: np.random.Generator,
                  day_factors: np.ndarray | None = None) -> np.ndarray:
    """Sorted arrival times in minutes within ``[0, clock.horizon)``."""
    if profile.appointments is not None:
        return appointment_times(profile, clock, rng)
    times, cumulative = rate_boundaries(profile, clock, day_factors)
    expected = cumulative[-1]
    if expected <= 0:
        return np.empty(0)
    if profile.exact:   # a realised history: each period's own count, placed at random within it
        counts = np.rint(np.diff(cumulative)).astype(np.int64)
        period = np.repeat(np.arange(len(counts)), counts)
        arrivals = times[period] + rng.uniform(0.0, 1.0, len(period)) * (times[period + 1] - times[period])
        return np.minimum(np.sort(arrivals), np.nextafter(clock.horizon, 0))
    count = rng.poisson(expected)
    scaled = np.sort(rng.uniform(0.0, expected, count))
    # Period of each point: the last boundary whose cumulative value does not exceed it. A
    # period with rate 0 is a flat stretch of the cumulative rate and so receives no points.
    period = np.clip(np.searchsorted(cumulative, scaled, side="right") - 1, 0, len(times) - 2)
    rise = cumulative[period + 1] - cumulative[period]
    fraction = np.divide(scaled - cumulative[period], rise, out=np.zeros_like(scaled), where=rise > 0)
    arrivals = times[period] + fraction * (times[period + 1] - times[period])
    return np.minimum(arrivals, np.nextafter(clock.horizon, 0))
