"""The validated scenario: immutable objects that the model reads and nothing writes.

Everything here is plain data (frozen dataclasses and tuples) so a scenario can be
shared between replications and sent to worker processes unchanged. Names refer to
each other (a demand stream names its channel and process); the loader has checked
that every name resolves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from simulator.distributions import Distribution
from simulator.units import format_clock


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def weekdays_in(value: Any) -> tuple[int, ...]:
    """Weekdays as written (mon, Tuesday, ...; a range such as mon-fri or sat-mon; lists, or names
    joined by commas), Monday 0; ValueError for anything else. The inverse of ``weekday_label``."""
    days: list[int] = []
    for item in value if isinstance(value, list) else [value]:
        for part in str(item).strip().lower().split(","):
            first, _, last = part.strip().partition("-")
            if first[:3] not in WEEKDAYS or (last and last[:3] not in WEEKDAYS):
                raise ValueError(f"not weekdays: {value!r}")
            a, b = WEEKDAYS.index(first[:3]), WEEKDAYS.index((last or first)[:3])
            days += [(a + k) % 7 for k in range((b - a) % 7 + 1)]
    return tuple(sorted(set(days)))


def weekday_label(days: tuple[int, ...] | None) -> str:
    """Weekdays in words, runs shortened: (0, 1, 2, 3, 4) -> ``mon-fri``; (0, 2) -> ``mon,wed``; None
    (no weekdays: every day alike) -> ``every day``."""
    if days is None:
        return "every day"
    runs: list[list[int]] = []
    for day in sorted(set(days)):
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(WEEKDAYS[r[0]] if len(r) == 1 else f"{WEEKDAYS[r[0]]}-{WEEKDAYS[r[-1]]}" for r in runs)


@lru_cache(maxsize=64)
def _open_dates(start: str, closed: tuple[str, ...], days: int) -> tuple[dt.date, ...]:
    """``days`` open dates from ``start`` on, skipping closed weekdays and dates."""
    shut_days = {WEEKDAYS.index(c) for c in closed if c in WEEKDAYS}
    shut_dates = {c for c in closed if c not in WEEKDAYS}
    found, date = [], dt.date.fromisoformat(start)
    while len(found) < days:
        if date.weekday() not in shut_days and date.isoformat() not in shut_dates:
            found.append(date)
        date += dt.timedelta(days=1)
    return tuple(found)


@dataclass(frozen=True)
class Clock:
    """Opening hours repeated over days; simulated time runs through opening hours only.

    A day is cut into reporting intervals of ``interval`` minutes from opening; when the opening is not
    a whole number of intervals, the last interval of each day is shorter (it ends at closing).
    """

    day_length: float           # minutes a day is open (close - open, or horizon)
    days: int = 1
    open_at: float | None = None  # minutes after midnight when the day opens; labels only
    interval: float = 30.0      # reporting and staffing interval, minutes
    warmup: float = 0.0         # minutes discarded at the start of each replication
    warmup_auto: bool = False   # the warm-up was (or is to be) chosen from the run itself (MSER-5)
    start_date: str | None = None   # ISO date of the first simulated day: days then have dates and weekdays
    closed: tuple[str, ...] = ()    # weekdays ("sat") and dates ("2026-12-25") the operation is shut: skipped

    @property
    def dates(self) -> tuple[dt.date, ...] | None:
        """The date of each simulated day (open days only, from ``start_date``), or None without dates."""
        return _open_dates(self.start_date, self.closed, self.days) if self.start_date else None

    def weekday(self, day: int) -> int | None:
        """Monday 0 to Sunday 6 for simulated day ``day``, or None without dates."""
        dates = self.dates
        return dates[day].weekday() if dates else None

    @property
    def horizon(self) -> float:
        """Total simulated opening time, minutes."""
        return self.day_length * self.days

    @property
    def intervals_per_day(self) -> int:
        return int(math.ceil(self.day_length / self.interval - 1e-9))

    @property
    def intervals(self) -> int:
        """Reporting intervals over the whole horizon."""
        return self.intervals_per_day * self.days

    def interval_bounds(self) -> np.ndarray:
        """Start of every reporting interval, then the last closing: ``intervals + 1`` times (a new array)."""
        day = np.minimum(np.arange(self.intervals_per_day) * self.interval, self.day_length)
        starts = (np.arange(self.days)[:, None] * self.day_length + day[None, :]).ravel()
        return np.append(starts, self.horizon)

    def interval_of(self, times: np.ndarray) -> np.ndarray:
        """The reporting interval each of ``times`` falls in (times at or after the last closing: the last)."""
        times = np.asarray(times, dtype=float)
        day = np.clip((times // self.day_length).astype(np.int64), 0, self.days - 1)
        within = np.minimum(((times - day * self.day_length) // self.interval).astype(np.int64),
                            self.intervals_per_day - 1)
        return np.clip(day * self.intervals_per_day + within, 0, self.intervals - 1)

    @property
    def first_interval(self) -> int:
        """The first reporting interval that starts at or after the warm-up (earlier ones are left out)."""
        return int(np.searchsorted(self.interval_bounds()[:-1], self.warmup - 1e-9, side="left"))

    def opening_time(self, minutes: float) -> float:
        """A calendar delay as simulated opening time: whole days become whole opening days (same time
        of day, that many days later); the rest counts in opening minutes, at most one day's opening. An
        operation open round the clock (a day of 24 hours or more: a ``horizon`` without opening hours)
        never closes, so its opening time is calendar time."""
        if self.day_length >= 1440.0:
            return minutes
        days, rest = divmod(minutes, 1440.0)
        return days * self.day_length + min(rest, self.day_length)

    def interval_labels(self, interval: int) -> tuple[str, str]:
        """Start and end labels of reporting interval number ``interval`` (the last of a day ends at closing)."""
        day, number = divmod(interval, self.intervals_per_day)
        start = day * self.day_length + number * self.interval
        end = min(start + self.interval, (day + 1) * self.day_length)
        return self.label(start), self.label(end, closing=True)

    def label(self, minutes: float, closing: bool = False, seconds: bool = False) -> str:
        """Clock label of a simulated time: ``09:30`` (or ``d2 09:30`` when there are several days;
        ``09:30:00`` with ``seconds``).

        A time at the boundary between two days is the next day's opening, or, with ``closing``,
        the previous day's closing time.
        """
        day = min(int(minutes // self.day_length), self.days - 1) if minutes > 0 else 0
        if closing and day > 0 and minutes == day * self.day_length:
            day -= 1
        offset = minutes - day * self.day_length
        base = self.open_at if self.open_at is not None else 0.0
        text = format_clock(base + offset, seconds)
        if self.start_date:
            date = self.dates[int(day)]
            return f"{WEEKDAYS[date.weekday()].capitalize()} {date.isoformat()} {text}"
        return f"d{int(day) + 1} {text}" if self.days > 1 else text


@dataclass(frozen=True)
class Channel:
    """How customers reach the organisation.

    A ``deferrable`` channel (email, back-office work) is worked from a backlog: its
    contacts never abandon and are served only when no real-time contact waits for the
    same agents; ``response_target`` is the time within which they should be answered.
    A share of customers who abandon may try again later (``retrial``); customers facing an
    expected wait above a threshold may be offered a call back (``callback``), keeping their
    place in the queue without waiting on the line. With ``lines``, a contact arriving when that
    many of the channel's contacts are in the system is blocked (a busy signal); with ``balking``,
    one who must wait and sees a long line may leave at once. Both may try again (``retrial``).
    """

    name: str
    patience: Distribution | None = None  # None: nobody abandons
    deferrable: bool = False
    response_target: float | None = None  # minutes (calendar); deferrable channels only
    retrial_share: float = 0.0            # share of abandoners who try again ...
    retrial_after: Distribution | None = None   # ... this long after giving up
    callback_above: float | None = None   # offer a call back when the expected wait exceeds this
    callback_accept: float = 0.0          # share of customers offered a call back who take it
    concurrency: int = 1                  # contacts of this channel an agent can hold at once (chat)
    concurrency_slowdown: float = 0.0     # each extra contact held makes a new one this much longer
    lines: int | None = None              # at most this many of its contacts in the system (trunks, places)
    balk_at: int | None = None            # a customer who finds this many waiting leaves at once ...
    balk_shares: tuple[float, ...] = ()   # ... or leaves with this chance by the number waiting (last: beyond)

    def balk_chance(self, waiting: int) -> float:
        """The chance that a customer who must wait, finding ``waiting`` others waiting, leaves at once."""
        if self.balk_at is not None:
            return 1.0 if waiting >= self.balk_at else 0.0
        if self.balk_shares:
            return self.balk_shares[min(waiting, len(self.balk_shares) - 1)]
        return 0.0

    @property
    def turns_away(self) -> bool:
        """Whether some of its customers can be turned away: all lines busy, or a line too long."""
        return self.lines is not None or self.balk_at is not None or bool(self.balk_shares)


@dataclass(frozen=True)
class Segment:
    name: str
    share: float
    priority: int = 0                 # lower value is served first
    patience_factor: float = 1.0      # multiplies the channel's patience


@dataclass(frozen=True)
class Appointments:
    """Booked arrivals: each opening day, ``slots`` of (minutes after opening, appointments booked); a
    share ``no_show`` never comes, the others arrive at their slot time plus a normal offset of mean
    ``early_late_mean`` (negative: early) and standard deviation ``early_late_sd`` minutes, within the
    opening hours (one who comes before opening waits for it)."""

    slots: tuple[tuple[float, int], ...]
    no_show: float = 0.0
    early_late_mean: float = 0.0
    early_late_sd: float = 0.0

    def expected_per_hour(self, day_length: float, periods: int) -> tuple[float, ...]:
        """Expected arrivals per hour over ``periods`` equal periods of the day, at the slots' times
        (what the capacity check and staffing estimates see; the simulation draws the offsets too)."""
        counts = [0.0] * periods
        length = day_length / periods
        for at, booked in self.slots:
            counts[min(int(at // length), periods - 1)] += booked * (1 - self.no_show)
        return tuple(count * 60 / length for count in counts)


@dataclass(frozen=True)
class ArrivalProfile:
    """Poisson arrival rates per hour over equal periods of a day, repeated every day.

    With ``uncertainty`` (a coefficient of variation) each day's rates are multiplied by a random
    factor with mean 1, drawn per replication and day (gamma): forecast error, so that confidence
    intervals carry forecast risk as well as chance.
    """

    per_hour: tuple[float, ...]
    source: str = field(default="per_hour", compare=False)  # how it was given: per_hour, or the CSV path
    uncertainty: float = 0.0
    by_weekday: tuple[tuple[float, ...], ...] = ()            # Monday to Sunday: each weekday's own rates
    by_date: tuple[tuple[str, tuple[float, ...]], ...] = ()   # (ISO date, rates): a dated forecast
    exact: bool = False   # rates are a realised history: each period gets exactly rate x length contacts
    appointments: Appointments | None = None   # booked arrivals instead of Poisson ones (per_hour: expected)

    def period_length(self, day_length: float) -> float:
        return day_length / len(self.per_hour)

    def rates_on(self, clock: "Clock", day: int) -> tuple[float, ...]:
        """The rates per hour over equal periods of simulated day ``day``: its date's forecast, else its
        weekday's profile, else the profile of every day."""
        if self.by_date:
            return dict(self.by_date)[clock.dates[day].isoformat()]
        if self.by_weekday and clock.start_date:
            return self.by_weekday[clock.weekday(day)]
        return self.per_hour


@dataclass(frozen=True)
class Complaints:
    """Where a complaint stream's contacts come from: customers who met a failure. After an error that
    reached them, giving up, or a wait longer than ``long_wait``, a customer complains with that cause's
    share (causes independent; ``by_segment`` multiplies the shares), ``delay`` after leaving. A
    complaint completed without error within ``recovery_within`` recovers the customer: the satisfaction
    proxy of the contact complained about is raised to ``recovered_satisfaction`` (if lower)."""

    after_error: float = 0.0
    after_abandon: float = 0.0
    after_long_wait: float = 0.0
    long_wait: float | None = None                 # minutes
    by_segment: tuple[tuple[str, float], ...] = ()
    delay: Distribution | None = None              # None: at once
    recovery_within: float | None = None           # minutes after the complaint; None: never recovers
    recovered_satisfaction: float = 4.0

    def share_for(self, cause_shares: tuple[float, ...], factor: float) -> float:
        """The chance of complaining for the causes met (their shares, each times ``factor``)."""
        stays_quiet = 1.0
        for part in cause_shares:
            stays_quiet *= 1 - min(part * factor, 1.0)
        return 1 - stays_quiet


@dataclass(frozen=True)
class Demand:
    """A stream of contacts of one kind: a channel, an arrival profile and a process to follow."""

    name: str
    channel: str
    arrivals: ArrivalProfile
    process: str
    backlog: int = 0      # contacts already waiting when the first day opens (e.g. overnight email)
    segment_mix: tuple[tuple[str, float], ...] = ()   # the stream's own segments and shares (default: the
                                                      # scenario's); one segment with share 1: a fixed one
    complaints: Complaints | None = None   # a complaint stream: its contacts come from failures, not arrivals


@dataclass(frozen=True)
class BranchTarget:
    """Where a share of the contacts leaving a branching step go on: a process, and (triage) the segment
    they belong to from there on, which sets the priority they wait with (None: they keep theirs)."""

    process: str
    share: float
    segment: str | None = None


@dataclass(frozen=True)
class Step:
    """One step of a process, done by a person with ``skill`` or by an ``automation``.

    A share ``1 - probability`` of contacts skip it. With ``error_rate`` (at standard
    proficiency; an agent's level scales it) the step goes wrong, and then, by
    ``on_error``: ``rework`` goes back to the named step (queueing again), ``recontact``
    sends the customer back as a new contact ``recontact_after`` later; with neither,
    the error simply reaches the customer. An automation step ends the contact for a
    share ``containment`` of those it handles.
    """

    name: str
    duration: Distribution        # at standard proficiency (level 3)
    skill: str | None = None
    automation: str | None = None
    probability: float = 1.0
    error_rate: float = 0.0
    rework: str | None = None             # step to go back to after an error
    recontact_after: float | None = None  # minutes until the customer contacts again after an error
    containment: float = 0.0
    duration_factors: tuple[float, ...] = ()   # the duration's multiplier per equal period of the day (by
                                               # the contact's arrival time): handling that varies over the day
    after_call_work: Distribution | None = None   # wrap-up after the step: the agent busy, the customer gone
    defect_rate: float = 0.0      # share of services that leave a defect a later step may find (at level 3)
    detection: float = 0.0        # share of the defects made by earlier steps of its process this step finds
    branch: tuple[BranchTarget, ...] = ()  # after this step (the last of its process), the contact goes on
                                          # with one of these processes, by its share (a menu, triage)

    def duration_factor(self, minutes_into_day: np.ndarray, day_length: float) -> np.ndarray | float:
        """Each contact's multiplier of its duration, from when in the opening day it arrived."""
        if not self.duration_factors:
            return 1.0
        count = len(self.duration_factors)
        period = np.clip((np.asarray(minutes_into_day) // (day_length / count)).astype(int), 0, count - 1)
        return np.asarray(self.duration_factors)[period]

    def mean_factor(self, starts: np.ndarray, day_length: float) -> np.ndarray | float:
        """The multiplier in force at each of ``starts`` (minutes since the start of the horizon)."""
        return self.duration_factor(np.asarray(starts) % day_length, day_length)

    @property
    def agent_minutes(self) -> float:
        """Mean agent time per service at standard proficiency: the work and its after-call work."""
        return self.duration.mean + (self.after_call_work.mean if self.after_call_work is not None else 0.0)

    @property
    def resource(self) -> str:
        """What does the step: a skill, or ``automation:<name>``."""
        return self.skill if self.skill is not None else f"automation:{self.automation}"


@dataclass(frozen=True)
class Process:
    name: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class SkillLevel:
    level: int
    speed: float          # work per minute relative to level 3: durations are divided by it
    error_factor: float   # multiplies a step's error rate (used from the service-operations release)


DEFAULT_SKILL_LEVELS: tuple[SkillLevel, ...] = (
    SkillLevel(1, 0.6, 2.0),
    SkillLevel(2, 0.8, 1.5),
    SkillLevel(3, 1.0, 1.0),
    SkillLevel(4, 1.15, 0.7),
    SkillLevel(5, 1.3, 0.5),
)


@dataclass(frozen=True)
class Break:
    """A break ``after`` minutes into every shift, ``length`` long; the shift's agents take it one
    after another, their start times spread evenly over ``stagger`` minutes."""

    after: float
    length: float
    stagger: float = 30.0


@dataclass(frozen=True)
class Shift:
    """``count`` agents on duty from ``start`` to ``end`` (minutes after opening), every day; ``breaks``
    of its own (None: the pool's). A shift has a name, so it can be changed by dotted path
    (``staff.chat_team.shifts.early.count``)."""

    start: float
    end: float
    count: int
    name: str = ""
    breaks: tuple[Break, ...] | None = None
    days: tuple[int, ...] | None = None    # weekdays worked (Monday 0); None: every day


AFTER_CLOSE = ("serve_queue", "finish_contact", "leave")


@dataclass(frozen=True)
class Activity:
    """Time off the phones the plan schedules: a team meeting, coaching, a huddle.

    On each day it runs (``days``: weekdays, None: every day), ``share`` of the pool's agents on duty at
    ``start`` (minutes after opening; rounded to the nearest person, at least one for a share above 0)
    leave the floor for ``length`` minutes, one after another over ``stagger`` minutes as breaks are.
    Who goes turns over from day to day, so coaching reaches everyone. An agent finishes the contact in
    hand first, as at a break. The time is paid and not available: the same work on fewer available
    hours raises occupancy (busy over available time) and waits; utilisation (busy over paid time)
    keeps the work's share of paid time, and its ceiling falls by the share the activity takes.
    """

    name: str
    start: float
    length: float
    share: float = 1.0
    stagger: float = 0.0
    days: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Adherence:
    """How closely agents keep to their schedule: on duty, an agent is out of adherence (unavailable:
    late back, an unplanned huddle, system trouble) ``1 - share`` of the time, in episodes of mean
    ``episode`` minutes with exponential lengths and gaps (an alternating renewal process begun in its
    stationary state, so the share holds from the first minute)."""

    share: float = 1.0
    episode: float = 5.0


@dataclass(frozen=True)
class BreakRule:
    """Shifts at least ``min_length`` long get a break ``after`` into them, ``length`` long, staggered
    over ``stagger`` (servicesim roster)."""

    min_length: float
    after: float
    length: float
    stagger: float = 30.0


@dataclass(frozen=True)
class ShiftRules:
    """What shifts ``servicesim roster`` may build for a pool: shift ``lengths`` starting between
    ``earliest`` and ``latest`` (minutes after opening) every ``step`` minutes, with breaks by
    ``break_rules``, between ``min_count`` and ``max_count`` agents on each, and at most a share
    ``part_time_share`` of agents on shifts shorter than ``part_time_below``. With ``days_per_week``
    the roster is of weekly tours: an agent works the same hours on that many open weekdays, the days
    off together unless ``consecutive_days_off`` is False, within ``weekly_hours``."""

    lengths: tuple[float, ...] = (240.0, 360.0, 480.0)
    earliest: float = 0.0
    latest: float | None = None          # None: as late as the longest... any length still fits
    step: float | None = None            # None: the reporting interval
    break_rules: tuple[BreakRule, ...] = ()
    min_count: int = 0
    max_count: int = 1000
    part_time_below: float | None = None
    part_time_share: float = 1.0
    days_per_week: tuple[int, ...] | None = None   # weekly tours: each agent works one of these numbers of
    #                                                days, the same hours each
    consecutive_days_off: bool = True    # a tour's days off run together (the week taken round)
    weekly_hours: tuple[float, float] = (0.0, float("inf"))   # paid hours a week of a tour, at least / at most


def staffed_shifts(counts: tuple[int, ...], day_length: float,
                   days: tuple[int, ...] | None = None) -> tuple[Shift, ...]:
    """The shifts a count of agents per period of the day gives: agent k is on duty through every run of
    periods with more than k agents, so each agent's working time is as long as the curve allows (the
    fewest comings and goings). Shifts with the same hours are merged. With ``days``, the shifts work
    those weekdays only (and their names say so)."""
    period = day_length / len(counts)
    spans: dict[tuple[int, int], int] = {}
    for k in range(max(counts, default=0)):
        start = None
        for j, count in enumerate(list(counts) + [0]):
            if count > k and start is None:
                start = j
            elif count <= k and start is not None:
                spans[(start, j)] = spans.get((start, j), 0) + 1
                start = None
    prefix = "" if days is None else weekday_label(days) + "-"
    return tuple(Shift(a * period, b * period, n, f"{prefix}staffed-{a}-{b}", days=days)
                 for (a, b), n in sorted(spans.items()))


StaffedCurves = tuple[tuple[tuple[int, ...] | None, tuple[int, ...]], ...]


def staffed_by_days(curves: StaffedCurves, day_length: float) -> tuple[Shift, ...]:
    """The shifts of staffing curves by weekdays ((weekdays or None for every day, counts), ...)."""
    return tuple(shift for days, counts in curves for shift in staffed_shifts(counts, day_length, days))


@dataclass(frozen=True)
class Learning:
    """New hires learning on the job: each agent of the pool starts at ``from_level``'s speed and error
    factor and approaches its own level's as it works, closing 95% of the gap after ``days`` days worked:
    value(d) = target + (start - target) x exp(-3 d / days), d the days worked before the current one."""

    from_level: int
    days: float

    def progress(self, days_worked: float) -> float:
        """The share of the gap still open after ``days_worked`` days."""
        return math.exp(-3 * days_worked / self.days)


@dataclass(frozen=True)
class Attrition:
    """Staff who leave and are replaced: each agent leaves within a month (30 calendar days) with chance
    ``per_month`` (exponential times to leaving, from the pool's own stream); the seat stays empty for
    ``replaced_after`` minutes of calendar time (a hiring lead time), then a new hire takes it, learning
    by ``new_hire`` (None: at the pool's level from the first day) and in turn may leave."""

    per_month: float
    replaced_after: float | None = None   # None: not replaced within the run
    new_hire: Learning | None = None
    wellbeing_at: float | None = None     # the wellbeing index at which per_month holds (None: it always does)
    doubles_every: float = 20.0           # every this many index points lower doubles the rate

    @property
    def daily_rate(self) -> float:
        """The hazard of leaving per calendar day."""
        return -math.log(1 - self.per_month) / 30 if self.per_month < 1 else math.inf

    def per_month_at(self, index: float) -> float:
        """The monthly rate at a wellbeing index: per_month x 2 ^ ((wellbeing_at - index) / doubles_every),
        capped at 0.99 (the rate given when the attrition does not follow wellbeing, or the index is
        unknown)."""
        if self.wellbeing_at is None or index != index:
            return self.per_month
        return min(self.per_month * 2 ** ((self.wellbeing_at - index) / self.doubles_every), 0.99)


@dataclass(frozen=True)
class Pool:
    """A group of staff with the same skills, levels and cost.

    Either ``headcount`` agents are on duty all the time, or ``shifts`` say who is on duty when; an
    agent finishes the contact in hand when a break starts. ``after_close`` says what the pool's
    agents do when their working time ends (a shift's end, and the last closing): ``serve_queue``
    (after the last closing, stay until no customer waits for them: real-time contacts; the backlog of
    deferrable work waits for the next opening), ``finish_contact`` (finish the contact in hand, then
    go) or ``leave`` (go at once; the contact in hand goes back to the front of its queue with the work
    left). Work after a shift's end is overtime, paid at ``overtime_rate`` an hour. ``shrinkage`` is
    the share of paid shifts lost to absence, meetings and coaching: each agent misses a day's shift
    with that probability.
    """

    name: str
    headcount: int                        # agents: with shifts, the sum of their counts
    skills: tuple[tuple[str, int], ...]   # (skill, level 1-5)
    cost_per_hour: float = 0.0
    shifts: tuple[Shift, ...] = ()        # empty: on duty all the time
    breaks: tuple[Break, ...] = ()
    shrinkage: float = 0.0
    after_close: str = "serve_queue"      # one of AFTER_CLOSE; the loader's default depends on shifts
    overtime_rate: float | None = None    # cost of an overtime hour; None: cost_per_hour
    staffed: StaffedCurves = ()           # agents on duty per period of the day, by weekdays (None: every
    #                                       day); its shifts derive from it
    shift_rules: ShiftRules | None = None  # what servicesim roster may build for it
    secondary: tuple[tuple[str, float], ...] = ()   # (skill, delay in minutes): worked only when no contact of
    #                                                 the pool's other skills waits, and only contacts that
    #                                                 have waited the delay (0: at once)
    activities: tuple[Activity, ...] = ()  # scheduled time off the phones (meetings, coaching)
    adherence: Adherence = Adherence()     # share of time on duty agents are available
    segments: tuple[str, ...] | None = None   # dedicated to these segments: serves no other (None: every one)
    learning: Learning | None = None          # new hires: from a lower level to theirs, day by day worked
    attrition: Attrition | None = None        # agents who leave, and their replacements after a lead time
    max_occupancy: float | None = None        # the highest occupancy planned in any interval (None: the
    #                                           scenario's max_occupancy, or no cap)

    def level(self, skill: str) -> int | None:
        return dict(self.skills).get(skill)

    def delay(self, skill: str) -> float | None:
        """None for a primary skill; for a secondary one, how long its contacts wait before this pool
        takes them."""
        return dict(self.secondary).get(skill)

    @property
    def overtime_cost_per_hour(self) -> float:
        return self.cost_per_hour if self.overtime_rate is None else self.overtime_rate


@dataclass(frozen=True)
class Target:
    """A KPI bound: ``at_least`` or ``at_most`` a value, in one scope (``all`` by default)."""

    kpi: str
    bound: float
    direction: str            # "at_least" or "at_most"
    scope: str = "all"
    within: float | None = None  # service level threshold of the scope, minutes (service_level only)

    def is_met(self, value: float) -> bool:
        return value >= self.bound if self.direction == "at_least" else value <= self.bound

    def describe(self) -> str:
        word = ">=" if self.direction == "at_least" else "<="
        return f"{word} {self.bound:g}"


@dataclass(frozen=True)
class ServiceLevel:
    """How service level is measured (targets say what it must reach).

    Each real-time channel has a threshold: its own (``channels``), else the scenario's ``default``;
    a channel with neither has no service level. A segment or demand stream may have a threshold of
    its own (``scopes``, keyed ``segment:<name>`` or ``demand:<name>``) for its service level. Abandons
    within ``short_abandon`` of arriving are left out of service level (misdials, customers who hang
    up at once). Deferrable channels have no service level: response time and backlog judge them.
    """

    default: float | None = None
    channels: tuple[tuple[str, float], ...] = ()
    scopes: tuple[tuple[str, float], ...] = ()
    short_abandon: float = 0.0

    def of_channel(self, channel: str) -> float | None:
        return dict(self.channels).get(channel, self.default)

    def of_scope(self, scope: str) -> float | None:
        """A segment's or demand stream's own threshold (None: each contact's channel threshold)."""
        return dict(self.scopes).get(scope)


@dataclass(frozen=True)
class Automation:
    """A bot, IVR or self-service tool: ``capacity`` contacts at once, a cost for each one handled."""

    name: str
    capacity: int
    cost_per_contact: float = 0.0


@dataclass(frozen=True)
class Training:
    """A course: a ``share`` of a pool's agents reach ``to_level`` in ``skill`` (gaining it if new).

    Which agents is drawn from the course's own random stream, so it is the same for a given
    seed. Trainees spend ``off_floor_length`` minutes off the floor from ``off_floor_start``
    (minutes after opening) on their session's day (the first, or one of ``days``: the trainees are
    shared out between them), and the new level takes effect when the session ends; a course with
    neither was taken before the run. It costs ``cost_per_person`` per trainee.
    """

    name: str
    pool: str
    skill: str
    to_level: int
    share: float
    cost_per_person: float = 0.0
    off_floor_start: float | None = None
    off_floor_length: float = 0.0
    days: tuple[int, ...] = ()     # simulated days (1 = the first) of its sessions; none: before the run,
    #                                or on the first day when it has an off_floor time


@dataclass(frozen=True)
class Satisfaction:
    """Weights and tolerances of the satisfaction proxy (docs/satisfaction.md explains each)."""

    tolerance: tuple[tuple[str, float], ...] = ()   # (channel, minutes of waiting accepted without complaint)
    default_tolerance: float = 2.0
    responsiveness: float = 0.4
    reliability: float = 0.4
    assurance: float = 0.2
    abandoned: float = 1.0        # the score of a customer who gave up
    bot_assurance: float = 0.6    # assurance (0 to 1) of a contact served by automation only
    repeat_reliability: float = 0.5   # reliability (0 to 1) of a contact that is itself a repeat

    def tolerance_of(self, channel: str) -> float:
        return dict(self.tolerance).get(channel, self.default_tolerance)


ROUTING_POLICIES = ("longest_idle", "most_skilled", "least_skilled", "cheapest")


@dataclass(frozen=True)
class Retention:
    """A customer-outcome proxy: the chance that a customer leaves (churns) after a contact,

        churn = base + per_point x (5 - satisfaction proxy) + after_failure (if an error reached them or
                they gave up, and no complaint won them back)

    capped to [0, 1], with ``base`` and ``value`` (money per customer kept) per segment. A proxy to be
    calibrated on the organisation's own churn data (docs/satisfaction.md), not a prediction."""

    base: float = 0.02
    per_point: float = 0.03
    after_failure: float = 0.1
    value: float = 0.0
    by_segment: tuple[tuple[str, float | None, float | None], ...] = ()   # (segment, base, value)

    def base_of(self, segment: str) -> float:
        return next((base for name, base, _ in self.by_segment if name == segment and base is not None), self.base)

    def value_of(self, segment: str) -> float:
        return next((value for name, _, value in self.by_segment if name == segment and value is not None),
                    self.value)


@dataclass(frozen=True)
class Wellbeing:
    """How the staff wellbeing index (0 to 100, a proxy) counts what wears staff down: points off for each
    point of occupancy above ``comfortable_occupancy`` in the pool's busiest interval, for each point of
    scheduled time worked as overtime, for each 10 minutes by which an agent's longest run of
    back-to-back work exceeds ``long_run`` (minutes), for the spread of work across agents (the cv of their
    occupancy), and for the share of breaks taken late: started more than ``break_grace`` minutes after
    they were due, the agent still busy with a contact (as a WFM adherence tool judges a scheduled
    activity's start, with a tolerance; without one, every break due during a contact would be late, and
    the share would only restate occupancy)."""

    comfortable_occupancy: float = 0.85
    per_occupancy_point: float = 2.0
    per_overtime_point: float = 1.0
    long_run: float = 60.0
    per_10_minutes: float = 2.0
    per_spread: float = 20.0
    per_late_break: float = 20.0
    break_grace: float = 2.0

    def index(self, peak_occupancy: float, overtime_share: float, longest_run: float, spread: float,
              late_breaks: float = 0.0) -> float:
        lost = (self.per_occupancy_point * max(peak_occupancy - self.comfortable_occupancy, 0.0) * 100
                + self.per_overtime_point * overtime_share * 100
                + self.per_10_minutes * max(longest_run - self.long_run, 0.0) / 10
                + self.per_spread * spread + self.per_late_break * late_breaks)
        return max(0.0, 100.0 - lost)


@dataclass(frozen=True)
class QualityCosts:
    """What a failure costs beyond the staff time it takes (compensation, goodwill, fixing it later): per
    error or defect that reaches a customer, per repeat contact it brings, per abandoned contact and per
    complaint. They make up ``cost_failure`` and count in ``cost_total`` and the cost of quality."""

    per_error: float = 0.0
    per_repeat: float = 0.0
    per_abandon: float = 0.0
    per_complaint: float = 0.0

    @property
    def any(self) -> bool:
        return bool(self.per_error or self.per_repeat or self.per_abandon or self.per_complaint)


@dataclass(frozen=True)
class Scenario:
    """A complete, validated scenario. Build one with :func:`simulator.scenario.load_scenario`."""

    name: str
    clock: Clock
    channels: tuple[Channel, ...]
    demand: tuple[Demand, ...]
    processes: tuple[Process, ...]
    staff: tuple[Pool, ...]
    description: str = ""
    replications: int = 10
    seed: int = 1
    segments: tuple[Segment, ...] = ()
    skill_levels: tuple[SkillLevel, ...] = DEFAULT_SKILL_LEVELS
    routing: str = "longest_idle"
    targets: tuple[Target, ...] = ()
    automation: tuple[Automation, ...] = ()
    satisfaction: Satisfaction = Satisfaction()
    training: tuple[Training, ...] = ()
    service_level: ServiceLevel = ServiceLevel()
    quality_costs: QualityCosts = QualityCosts()
    retention: Retention | None = None
    max_occupancy: float | None = None      # every pool's cap on occupancy per interval, unless its own
    wellbeing: Wellbeing = Wellbeing()
    source: Path | None = field(default=None, compare=False)
    warnings: tuple[str, ...] = field(default=(), compare=False)  # keys read but not modelled yet

    def channel(self, name: str) -> Channel:
        return next(c for c in self.channels if c.name == name)

    def occupancy_cap(self, pool: "Pool") -> float | None:
        """The pool's cap on occupancy per interval: its own, else the scenario's (None: no cap)."""
        return pool.max_occupancy if pool.max_occupancy is not None else self.max_occupancy

    def process(self, name: str) -> Process:
        return next(p for p in self.processes if p.name == name)

    def journey(self, process_name: str) -> tuple[tuple[Process, float], ...]:
        """The processes a contact starting ``process_name`` can go through, each with the share of
        contacts that reach it (branches split them), in the order a contact's route lists their steps:
        the process, then each branch's journey in turn. Branches form no cycle (the reader checks)."""
        process = self.process(process_name)
        reached = [(process, 1.0)]
        for target in process.steps[-1].branch if process.steps else ():
            reached.extend((later, target.share * part) for later, part in self.journey(target.process))
        return tuple(reached)

    def steps_of(self, process_name: str) -> list[tuple[Step, float]]:
        """Every step a contact starting ``process_name`` can need, with the share of contacts whose
        journey reaches it (a step's own ``probability`` not included)."""
        return [(step, share) for process, share in self.journey(process_name) for step in process.steps]

    def threshold(self, channel: str) -> float | None:
        """The service-level threshold of a channel's contacts (None: deferrable, or none set)."""
        return None if self.channel(channel).deferrable else self.service_level.of_channel(channel)

    @property
    def measures_service_level(self) -> bool:
        """Some real-time channel that demand uses has a service-level threshold."""
        return any(self.threshold(d.channel) is not None for d in self.demand)

    @property
    def skills(self) -> tuple[str, ...]:
        """Every skill any step needs or any pool has, in first-seen order (automation excluded)."""
        seen: dict[str, None] = {}
        for process in self.processes:
            for step in process.steps:
                if step.skill is not None:
                    seen.setdefault(step.skill, None)
        for pool in self.staff:
            for skill, _ in pool.skills:
                seen.setdefault(skill, None)
        for course in self.training:
            seen.setdefault(course.skill, None)
        return tuple(seen)

    @property
    def slug(self) -> str:
        """A file-system-friendly form of the name, for the results folder: letters of any script are
        kept, at most 60 characters (a longer name is cut and given a short hash of the whole, so two
        long names that start alike still get folders of their own)."""
        slug = re.sub(r"[\W_]+", "-", self.name.lower()).strip("-") or "scenario"
        if len(slug) > 60:
            digest = hashlib.sha1(self.name.encode("utf-8")).hexdigest()[:8]
            slug = f"{slug[:51].rstrip('-')}-{digest}"
        return slug
