"""From past volumes to a dated forecast file: open days learnt, a method chosen by backtest, today's
forecast updated with this morning's contacts, prediction intervals and the day-to-day uncertainty.

The forecast is per interval of each future open day, for every interval of the history's opening hours
(so a scenario with those hours reads it as it is: ``arrivals: {csv: forecast.csv}``). How each number is
made is in docs/forecasting.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from simulator.data.history import Volumes
from simulator.errors import InputError
from simulator.planning.forecast_methods import BENCHMARK, METHODS

AUTO_BACKTEST_DAYS = 20
MIN_FIT_DAYS = 10


@dataclass
class DailyHistory:
    """One series as a matrix: a row per open day with data (oldest first), a column per interval of the
    opening hours. A last day that ended inside its opening hours is kept apart as ``today``."""

    channel: str
    dates: list[dt.date]
    slots: np.ndarray            # minutes after midnight of each interval's start
    grain: float
    counts: np.ndarray           # days x intervals
    open_weekdays: list[int]
    holidays: list[dt.date]
    today: dt.date | None = None
    today_counts: np.ndarray | None = None   # the intervals seen so far today (a prefix of the day)

    @property
    def weekdays(self) -> np.ndarray:
        return np.array([d.weekday() for d in self.dates])

    def next_open_days(self, count: int, after: dt.date) -> list[dt.date]:
        days, day = [], after
        while len(days) < count:
            day += dt.timedelta(days=1)
            if day.weekday() in self.open_weekdays:
                days.append(day)
        return days


def daily_history(volumes: Volumes, channel: str) -> DailyHistory:
    """The matrix of one channel's history: opening hours are the span of intervals ever seen; a weekday
    never seen is closed; an open weekday missing (or with no contacts) inside the history is a holiday."""
    frame = volumes.frame[volumes.frame["channel"] == channel]
    minutes = (frame["start"].dt.hour * 60 + frame["start"].dt.minute).to_numpy()
    grain = volumes.grain
    slots = np.arange(minutes.min(), minutes.max() + grain / 2, grain)
    dates = frame["start"].dt.date.to_numpy()
    days = sorted(set(dates))
    matrix = np.zeros((len(days), len(slots)))
    row = {d: i for i, d in enumerate(days)}
    np.add.at(matrix, (np.array([row[d] for d in dates]), np.rint((minutes - slots[0]) / grain).astype(int)),
              frame["volume"].to_numpy(dtype=float))
    totals = matrix.sum(axis=1)
    open_days = [d for d, total in zip(days, totals) if total > 0]
    open_weekdays = sorted({d.weekday() for d in open_days})
    keep = totals > 0
    matrix, days = matrix[keep], [d for d, k in zip(days, keep) if k]
    if not days:
        raise InputError(f"channel {channel}: the history has no contacts")
    holidays = [d for d in pd.date_range(days[0], days[-1]).date if d.weekday() in open_weekdays and d not in set(days)]
    history = DailyHistory(channel, days, slots, grain, matrix, open_weekdays, holidays)
    seen = _seen_today(history, frame)
    if seen is not None:
        history.today, history.today_counts = days[-1], matrix[-1, :seen]
        history.dates, history.counts = days[:-1], matrix[:-1]
    return history


def _seen_today(history: DailyHistory, frame: pd.DataFrame) -> int | None:
    """How many intervals of the last day were seen, when it ended inside its opening hours: its last
    row is before the last interval that usually has contacts on that weekday."""
    if len(history.dates) < 2:
        return None
    last_row = frame["start"].max()
    seen = int(round((last_row.hour * 60 + last_row.minute - history.slots[0]) / history.grain)) + 1
    weekdays = history.weekdays
    same = history.counts[:-1][weekdays[:-1] == weekdays[-1]]
    if not len(same):
        same = history.counts[:-1]
    usual_end = int(np.median([np.flatnonzero(day > 0).max() + 1 for day in same]))
    return seen if seen < usual_end else None


@dataclass
class Backtest:
    """One-day-ahead errors of each method over the last days of the history."""

    days: list[dt.date]
    errors: pd.DataFrame           # method, rmse, mape, daily_total_mape, daily_total_rmse, vs_benchmark
    predictions: dict[str, np.ndarray]   # method -> days x intervals
    actual: np.ndarray

    def best(self) -> str:
        return str(self.errors.sort_values("rmse").iloc[0]["method"])


def backtest(history: DailyHistory, days: int, methods: list[str] | None = None) -> Backtest:
    """Rolling origin: for each of the last ``days`` days, each method fitted on the days before it
    forecasts it (one open day ahead); errors per interval and of the daily total."""
    methods = methods or list(METHODS)
    days = min(days, len(history.dates) - MIN_FIT_DAYS)
    if days < 1:
        raise InputError(f"channel {history.channel}: a backtest needs more than {MIN_FIT_DAYS} days of history, "
                         f"got {len(history.dates)}")
    counts, weekdays = history.counts, history.weekdays
    origins = range(len(counts) - days, len(counts))
    predictions = {m: np.vstack([METHODS[m](counts[:o], weekdays[:o], weekdays[o:o + 1]) for o in origins])
                   for m in methods}
    actual = counts[len(counts) - days:]
    rows = []
    for method, predicted in predictions.items():
        rows.append({"method": method, **forecast_errors(actual, predicted)})
    errors = pd.DataFrame(rows)
    if BENCHMARK in predictions:
        benchmark = errors.set_index("method").loc[BENCHMARK, "rmse"]
        errors["vs_benchmark"] = errors["rmse"] / benchmark - 1 if benchmark > 0 else np.nan
    return Backtest(history.dates[-days:], errors, predictions, actual)


def forecast_errors(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """RMSE and MAPE per interval (MAPE over intervals with contacts) and the daily totals' errors."""
    error = predicted - actual
    positive = actual > 0
    totals, predicted_totals = actual.sum(axis=1), predicted.sum(axis=1)
    return {"rmse": float(np.sqrt(np.mean(error ** 2))),
            "mape": float(np.mean(np.abs(error[positive]) / actual[positive])) if positive.any() else np.nan,
            "daily_total_mape": float(np.mean(np.abs(predicted_totals - totals) / np.where(totals > 0, totals, np.nan))),
            "daily_total_rmse": float(np.sqrt(np.mean((predicted_totals - totals) ** 2)))}


@dataclass
class Spread:
    """How far volumes stray from forecasts: interval over-dispersion ``phi`` (variance = mean + phi *
    mean^2, negative binomial) and the day-to-day ``uncertainty`` (cv of the daily factor beyond Poisson)."""

    phi: float
    uncertainty: float

    @classmethod
    def of(cls, actual: np.ndarray, predicted: np.ndarray) -> Spread:
        mean = np.clip(predicted, 1e-9, None)
        phi = max(0.0, float(np.sum((actual - mean) ** 2 - mean) / np.sum(mean ** 2)))
        totals, expected = actual.sum(axis=1), np.clip(predicted.sum(axis=1), 1e-9, None)
        factor = totals / expected
        beyond_poisson = float(np.var(factor, ddof=1) - np.mean(1 / expected)) if len(factor) > 1 else 0.0
        return cls(phi, float(np.sqrt(max(beyond_poisson, 0.0))))

    def bounds(self, mean: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
        """The central ``level`` prediction interval of each interval's count."""
        tail = (1 - level) / 2
        mean = np.clip(mean, 0, None)
        if self.phi <= 1e-9:
            return stats.poisson.ppf(tail, mean), stats.poisson.ppf(1 - tail, mean)
        size = 1 / self.phi
        p = size / (size + np.clip(mean, 1e-12, None))
        low, high = stats.nbinom.ppf(tail, size, p), stats.nbinom.ppf(1 - tail, size, p)
        return np.where(mean > 0, low, 0), np.where(mean > 0, high, 0)


INTRADAY_LEARNING_DAYS = 40


@dataclass(frozen=True)
class IntradayUpdate:
    """Today's rest-of-day forecast from this morning: the morning's surprise (seen / expected) carries into
    the rest of the day with weight ``carry``, the least-squares slope of the rest of the day's ratio on
    the morning's over the history's own backtested days (clipped to 0..1). A morning 8% busier than
    forecast with carry 0.55 raises the rest of the day by 4.4%."""

    expected: float
    seen: float
    carry: float

    @property
    def factor(self) -> float:
        return 1 + self.carry * (self.seen / self.expected - 1) if self.expected > 0 else 1.0


def intraday_carry(history: DailyHistory, method: str, seen: int) -> float:
    """How much of a morning's surprise carried into the rest of the day in the history: the regression
    slope of (rest seen / rest forecast) on (first ``seen`` intervals seen / forecast), one-day-ahead."""
    tested = backtest(history, INTRADAY_LEARNING_DAYS, [method])
    actual, predicted = tested.actual, tested.predictions[method]
    morning = actual[:, :seen].sum(axis=1) / np.clip(predicted[:, :seen].sum(axis=1), 1e-9, None)
    rest = actual[:, seen:].sum(axis=1) / np.clip(predicted[:, seen:].sum(axis=1), 1e-9, None)
    if len(morning) < 5 or np.var(morning) <= 0:
        return 0.0
    slope = np.cov(morning, rest)[0, 1] / np.var(morning, ddof=1)
    return float(np.clip(slope, 0.0, 1.0))


@dataclass
class Forecast:
    """A forecast of one channel, with how it was made."""

    channel: str
    method: str
    table: pd.DataFrame            # start, volume, low, high, channel (every interval of every day)
    spread: Spread
    backtest: Backtest | None
    history: DailyHistory
    notes: list[str] = field(default_factory=list)


def forecast(history: DailyHistory, days: int, method: str = "auto", level: float = 0.8,
             backtest_days: int = AUTO_BACKTEST_DAYS) -> Forecast:
    """Forecast the next ``days`` open days (and the rest of today when the history ends inside it)."""
    if method != "auto" and method not in METHODS:
        raise InputError(f"--method must be auto or one of {', '.join(METHODS)}, got {method!r}")
    notes: list[str] = []
    tested = backtest(history, backtest_days) if len(history.dates) > MIN_FIT_DAYS else None
    if method == "auto":
        method = tested.best() if tested is not None else BENCHMARK
        notes.append(f"method {method}: chosen by a one-day-ahead backtest over the last {len(tested.days)} days"
                     if tested is not None else
                     f"method {method}: too little history for a backtest ({len(history.dates)} days)")
    spread = (Spread.of(tested.actual, tested.predictions[method]) if tested is not None
              else Spread(0.0, 0.0))
    counts, weekdays = history.counts, history.weekdays
    start = history.today or history.dates[-1]
    future = ([history.today] if history.today else []) + history.next_open_days(days, start)
    expected = METHODS[method](counts, weekdays, np.array([d.weekday() for d in future]))
    low, high = spread.bounds(expected, level)
    if history.today is not None:
        seen = history.today_counts
        carry = intraday_carry(history, method, len(seen)) if tested is not None else 0.0
        update = IntradayUpdate(float(expected[0, :len(seen)].sum()), float(seen.sum()), carry)
        expected[0, len(seen):] *= update.factor
        low[0], high[0] = spread.bounds(expected[0], level)
        expected[0, :len(seen)] = low[0, :len(seen)] = high[0, :len(seen)] = seen
        at = _clock(history.slots[len(seen)]) if len(seen) < len(history.slots) else "closing"
        notes.append(f"intraday update: {history.today} ends at {at} in the history: {update.seen:.0f} contacts seen "
                     f"against {update.expected:.0f} expected, {update.carry:.0%} of that surprise carries on (learnt "
                     f"from the history), so the rest of the day is forecast x{update.factor:.3f}; the intervals "
                     f"already seen are their counts")
    table = _table(history, future, expected, low, high)
    return Forecast(history.channel, method, table, spread, tested, history, notes)


def _clock(minutes: float) -> str:
    return f"{int(minutes // 60):02d}:{int(minutes % 60):02d}"


def _table(history: DailyHistory, future: list[dt.date], expected: np.ndarray, low: np.ndarray,
           high: np.ndarray) -> pd.DataFrame:
    starts = [pd.Timestamp(day) + pd.Timedelta(minutes=float(m)) for day in future for m in history.slots]
    return pd.DataFrame({"start": pd.DatetimeIndex(starts).strftime("%Y-%m-%d %H:%M"),
                         "volume": np.round(expected.ravel(), 3), "low": low.ravel(), "high": high.ravel(),
                         "channel": history.channel})
