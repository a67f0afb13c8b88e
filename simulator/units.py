"""Times as planners write them: ``20s``, ``1.5min``, ``2h``, ``1d`` and clock times ``08:30``.

All times inside the simulator are minutes (floats). A bare number is minutes.
"""

from __future__ import annotations

import math
import re

MINUTES_PER_UNIT = {
    "s": 1 / 60, "sec": 1 / 60, "secs": 1 / 60, "second": 1 / 60, "seconds": 1 / 60,
    "m": 1.0, "min": 1.0, "mins": 1.0, "minute": 1.0, "minutes": 1.0,
    "h": 60.0, "hr": 60.0, "hrs": 60.0, "hour": 60.0, "hours": 60.0,
    "d": 1440.0, "day": 1440.0, "days": 1440.0,
}

_DURATION = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([a-zA-Z]*)\s*$")
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-zA-Z]+)")
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


class UnitError(ValueError):
    """A value that is not a duration or clock time; the message says what was expected."""


def parse_duration(value: object) -> float:
    """Minutes from a number (minutes) or a string with a unit (``"20s"``, ``"2h"``)."""
    if isinstance(value, bool):
        raise UnitError(f"must be a duration such as 5, \"20s\", \"1.5min\" or \"2h\", got {value!r}")
    if isinstance(value, (int, float)):
        minutes = float(value)
    elif isinstance(value, str):
        minutes = _parse_duration_text(value)
    else:
        raise UnitError(f"must be a duration such as 5, \"20s\", \"1.5min\" or \"2h\", got {value!r}")
    if not math.isfinite(minutes):
        raise UnitError(f"must be a finite duration, got {value!r}")
    return minutes


def _parse_duration_text(text: str) -> float:
    """``"20s"``, ``"1.5min"``, ``"2h"``, or parts added up: ``"1h30min"``, ``"1h 30m"``."""
    match = _DURATION.match(text)
    if match and (not match.group(2) or match.group(2).lower() in MINUTES_PER_UNIT):
        return float(match.group(1)) * MINUTES_PER_UNIT.get(match.group(2).lower() or "min")
    parts = _PART.findall(text)
    if parts and _PART.sub("", text).strip() == "" and all(unit.lower() in MINUTES_PER_UNIT for _, unit in parts):
        return sum(float(number) * MINUTES_PER_UNIT[unit.lower()] for number, unit in parts)
    raise UnitError(f"must be a duration such as 5, \"20s\", \"1.5min\", \"2h\" or \"1h30min\", got {text!r}")


def parse_clock(value: object) -> float:
    """Minutes after midnight from ``"HH:MM"`` (``"24:00"`` allowed as the end of a day).

    YAML 1.1 reads an unquoted ``08:30`` as the sexagesimal integer 510; that is
    accepted too, since it is the same number of minutes.
    """
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 1440:
        return float(value)
    if isinstance(value, str):
        match = _CLOCK.match(value)
        if match:
            hours, minutes, seconds = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
            total = hours * 60 + minutes + seconds / 60
            if minutes < 60 and seconds < 60 and total <= 1440:
                return float(total)
    raise UnitError(f"must be a clock time \"HH:MM\" between \"00:00\" and \"24:00\", got {value!r}")


def format_clock(minutes: float, seconds: bool = False) -> str:
    """``"HH:MM"`` (or ``"HH:MM:SS"`` when seconds matter, or always with ``seconds``) for minutes after
    midnight."""
    total_seconds = int(round(minutes * 60))
    hours, rest = divmod(total_seconds, 3600)
    mins, secs = divmod(rest, 60)
    return f"{hours:02d}:{mins:02d}:{secs:02d}" if secs or seconds else f"{hours:02d}:{mins:02d}"


def format_duration(minutes: float) -> str:
    """A duration the way a planner says it: ``42s``, ``3.2 min``, ``1.5 h``, ``2.0 d``."""
    if minutes != minutes:  # NaN
        return "-"
    if abs(minutes) < 1:
        return f"{minutes * 60:.0f}s"
    if abs(minutes) < 120:
        return f"{minutes:.1f} min"
    if abs(minutes) < 2880:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} d"
