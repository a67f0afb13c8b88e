"""The history files of DESIGN.md: interval volumes, contact logs and surveys, read and checked.

- interval volumes: ``start`` (date-time), ``volume`` (contacts offered), optional ``channel``;
- contact log: one row per contact: ``arrival``, ``channel``, ``wait_s`` (to answer or to abandon),
  ``outcome`` (answered, abandoned, contained), ``handle_s`` (answered only); optional ``queue``,
  ``process``, ``wrap_s``, ``agent``, ``contact_id``, ``repeat`` (1: the customer is coming back);
- surveys: ``contact_id``, ``score``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.data.tables import Column, ReadOptions, ReadReport, header_of, read_table
from simulator.errors import InputError

OUTCOMES = ("answered", "abandoned", "contained")

VOLUME_COLUMNS = [
    Column("start", "datetime", meaning="the interval's start, a date and time"),
    Column("volume", "number", meaning="contacts offered in the interval"),
    Column("channel", "text", required=False, meaning="which series, where there are several"),
]

LOG_COLUMNS = [
    Column("arrival", "datetime", meaning="when the contact arrived, a date and time"),
    Column("channel", "text", required=False, meaning="phone, chat, ..."),
    Column("wait_s", "number", meaning="seconds waited, to answer or to abandon"),
    Column("outcome", "text", meaning="answered, abandoned or contained"),
    Column("handle_s", "number", required=False, meaning="seconds of handling, for answered contacts"),
    Column("queue", "text", required=False),
    Column("process", "text", required=False),
    Column("wrap_s", "number", required=False),
    Column("agent", "text", required=False),
    Column("repeat", "number", required=False, meaning="1 if the customer is coming back about the same matter"),
    Column("contact_id", "text", required=False),
]

SURVEY_COLUMNS = [
    Column("contact_id", "text", meaning="the contact the answer is about (as in the log)"),
    Column("score", "number", meaning="the customer's answer"),
]


@dataclass
class Volumes:
    """Contacts offered per interval: ``frame`` has columns start, volume, channel (``grain`` minutes)."""

    frame: pd.DataFrame
    grain: float
    source: str            # "volumes" or "contact log"
    report: ReadReport

    @property
    def channels(self) -> list[str]:
        return sorted(self.frame["channel"].unique())


def is_contact_log(path: Path, options: ReadOptions = ReadOptions()) -> bool:
    """Whether the file is a contact log (an ``arrival`` column) rather than interval volumes."""
    names = {c.lower() for c in header_of(path)}
    mapped = dict(options.columns)
    has = lambda name: name in mapped or name in names   # noqa: E731
    if has("volume") and has("start"):
        return False
    if has("arrival"):
        return True
    raise InputError(f"{path}: neither interval volumes (columns start and volume) nor a contact log (a column "
                     f"arrival); it has: {', '.join(sorted(names)[:12])}. Map names with --column")


def read_volumes(path: Path, options: ReadOptions = ReadOptions(), interval: float | None = None) -> Volumes:
    """Interval volumes from either kind of history file, at ``interval`` minutes (default: the file's own
    grain for volumes, 30 minutes for a contact log)."""
    if is_contact_log(path, options):   # every contact is offered: only its arrival and channel are read
        wanted = [c for c in LOG_COLUMNS if c.name in ("arrival", "channel")]
        mapped = dict(options.columns)
        frame, report = read_table(path, wanted, dataclasses.replace(
            options, columns=tuple((k, v) for k, v in mapped.items() if k in ("arrival", "channel"))), "contact log")
        minutes = interval or 30.0
        frame = frame.assign(start=frame["arrival"].dt.floor(f"{int(minutes * 60)}s"), volume=1.0)
        if "channel" not in frame:
            frame["channel"] = "all"
        return Volumes(_summed(frame), minutes, "contact log", report)
    frame, report = read_table(path, VOLUME_COLUMNS, options, "interval volumes file")
    if "channel" not in frame:
        frame["channel"] = "all"
    frame["channel"] = frame["channel"].astype(str)
    grain = _grain(path, frame["start"])
    if interval is None or abs(interval - grain) < 1e-9:
        return Volumes(_summed(frame), grain, "volumes", report)
    if interval < grain or abs(interval / grain - round(interval / grain)) > 1e-9:
        raise InputError(f"--interval {interval:g}min: the history is in {grain:g}-minute intervals; "
                         f"choose a multiple of {grain:g} minutes")
    frame = frame.assign(start=frame["start"].dt.floor(f"{int(interval * 60)}s"))
    return Volumes(_summed(frame), interval, "volumes", report)


def _summed(frame: pd.DataFrame) -> pd.DataFrame:
    summed = (frame.groupby(["channel", "start"], observed=True)["volume"].sum().reset_index()
              .sort_values(["channel", "start"], ignore_index=True))
    summed["channel"] = summed["channel"].astype(str)
    return summed[["start", "volume", "channel"]]


def _grain(path: Path, starts: pd.Series) -> float:
    """The file's interval in minutes: the commonest gap between consecutive starts within a day."""
    ordered = pd.Series(np.sort(starts.unique()))
    gaps = ordered.diff().dt.total_seconds().div(60)
    same_day = ordered.dt.date.eq(ordered.dt.date.shift())
    gaps = gaps[same_day & gaps.gt(0)]
    if gaps.empty:
        raise InputError(f"{path}: cannot tell the interval length: need at least two intervals on one day")
    grain = float(gaps.round(6).mode().iloc[0])
    if not 1 <= grain <= 60:
        raise InputError(f"{path}: intervals of {grain:g} minutes; interval volumes must be 1 to 60 minutes apart")
    minutes = ordered.dt.hour * 60 + ordered.dt.minute + ordered.dt.second / 60
    off_grid = np.abs(minutes / grain - np.round(minutes / grain)) > 1e-6
    if off_grid.any():
        raise InputError(f"{path}: start {ordered[off_grid].iloc[0]} is not on the {grain:g}-minute grid "
                         f"of the other intervals")
    return grain


def day_numbers(arrivals: pd.Series, dates: list) -> np.ndarray:
    """Each arrival's position in ``dates`` (sorted dates), or -1 where its date is not among them."""
    days = np.array(dates, dtype="datetime64[D]")
    when = arrivals.to_numpy().astype("datetime64[D]")
    position = np.searchsorted(days, when)
    found = (position < len(days)) & (days[np.minimum(position, len(days) - 1)] == when)
    return np.where(found, position, -1)


@dataclass
class ContactLog:
    """One row per contact; waits, handle and wrap times in seconds as logged."""

    frame: pd.DataFrame
    report: ReadReport

    @property
    def has(self) -> set[str]:
        return set(self.frame.columns)


def read_contact_log(path: Path, options: ReadOptions = ReadOptions(), skip: tuple[str, ...] = ()) -> ContactLog:
    """A contact log, with outcomes checked and answered contacts' handling times required; optional
    columns in ``skip`` are not read (a contact_id per row is costly when nothing joins on it)."""
    wanted = [c for c in LOG_COLUMNS if c.required or c.name not in skip]
    frame, report = read_table(path, wanted, dataclasses.replace(
        options, columns=tuple((k, v) for k, v in options.columns if k not in skip)), "contact log")
    outcome = frame["outcome"].astype(str).str.strip().str.lower()
    bad = ~outcome.isin(OUTCOMES)
    if "handle_s" in frame:
        bad_handle = outcome.eq("answered") & frame["handle_s"].isna()
    else:
        bad_handle = pd.Series(False, index=frame.index)
        if outcome.eq("answered").any():
            raise InputError(f"{path}: the contact log needs a column 'handle_s' (seconds of handling of answered "
                             f"contacts); map another name with --column handle_s=NAME")
    for mask, column, expected in ((bad, "outcome", "answered, abandoned or contained"),
                                   (bad_handle, "handle_s", "seconds of handling (answered contacts)")):
        if mask.any():
            if not options.skip_bad_rows:
                row = int(np.flatnonzero(mask.to_numpy())[0])
                value = frame[column].iloc[row]
                raise InputError(f"{path}, row {frame['_line'].iloc[row]}, column {column!r}: expected "
                                 f"{expected}, got {value!r} (or use --skip-bad-rows)")
            report.skipped[column] = report.skipped.get(column, 0) + int(mask.sum())
    keep = ~(bad | bad_handle)
    frame = frame.loc[keep].reset_index(drop=True)
    frame["outcome"] = pd.Categorical(outcome[keep].to_numpy(), categories=OUTCOMES)
    report.rows = len(frame)
    if frame.empty:
        raise InputError(f"{path}: the contact log has no usable rows")
    return ContactLog(frame.sort_values("arrival", ignore_index=True, kind="stable"), report)


def read_surveys(path: Path, options: ReadOptions = ReadOptions(), scale: str | None = None) -> pd.DataFrame:
    """Survey answers (contact_id, score) with the score rescaled to 1-5; ``scale`` "1-5" or "0-10"
    (default: 0-10 if any score is above 5 or is 0)."""
    frame, _ = read_table(path, SURVEY_COLUMNS, options, "survey file")
    scores = frame["score"].astype(float)
    if scale is None:
        scale = "0-10" if (scores.max() > 5 or scores.min() < 1) else "1-5"
    low, high = {"1-5": (1.0, 5.0), "0-10": (0.0, 10.0)}.get(scale, (None, None))
    if low is None:
        raise InputError(f"--scale must be 1-5 or 0-10, got {scale!r}")
    if scores.min() < low or scores.max() > high:
        raise InputError(f"{path}: scores must be within {scale}, got {scores.min():g} to {scores.max():g}")
    frame["score"] = 1 + 4 * (scores - low) / (high - low)
    frame["contact_id"] = frame["contact_id"].astype(str)
    return frame
