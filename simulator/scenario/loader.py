"""The scenario schema: every key, its type, its default and its meaning, in one place.

:func:`load_scenario` reads a YAML file, checks every key against this schema,
collects every problem (file, line, dotted path, what was expected) and either
raises one :class:`~simulator.errors.ScenarioError` or returns an immutable
:class:`~simulator.scenario.model.Scenario`. Keys that a later release models
(automation, training, shifts, ...) are accepted with a warning, never silently.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from simulator.scenario.distribution_reader import read_distribution
from simulator.scenario.model import (AFTER_CLOSE, DEFAULT_SKILL_LEVELS, ROUTING_POLICIES, WEEKDAYS, Activity,
                                      Adherence, Appointments, ArrivalProfile, Attrition, Automation, Break,
                                      BranchTarget, BreakRule, Channel, Clock, Complaints, Demand, Learning, Pool,
                                      Process, QualityCosts, Retention, Satisfaction, Scenario, Segment, Shift,
                                      ShiftRules, SkillLevel, StaffedCurves, Step, Training, Wellbeing,
                                      staffed_by_days, weekday_label, weekdays_in)
from simulator.scenario.reader import (MAX_AGENTS, MAX_BACKLOG, MAX_CAPACITY, MAX_CONTACTS, MAX_DAYS, MAX_HEADCOUNT,
                                       MAX_INTERVALS, MAX_PER_HOUR,
                                       MAX_REPLICATIONS, MISSING, Invalid, Node, Report, duration, number, one_of,
                                       positive_duration, read_csv_table, share, text, whole_number)
from simulator.errors import InputError, Problem, ScenarioError
from simulator.scenario.overrides import apply_overrides
from simulator.scenario.targets_reader import (Names, check_target_scopes, read_service_level, read_targets,
                                               resolve_service_level)
from simulator.scenario.yaml_source import read_yaml_file
from simulator.units import UnitError, format_clock, format_duration, parse_clock, parse_duration

if TYPE_CHECKING:
    from simulator.data.tables import TextTable

TOP_LEVEL = {
    "name": "the scenario's title",
    "description": "what it represents, in a sentence or two",
    "clock": "opening hours or horizon, days, reporting interval, warm-up",
    "replications": "independent runs to average over",
    "seed": "the seed every random stream derives from",
    "channels": "phone, chat, email, walk-in ...: customer patience per channel",
    "segments": "customer segments: share, priority, patience factor",
    "demand": "streams of contacts: channel, arrival rates, process",
    "processes": "the steps each kind of contact goes through",
    "skill_levels": "speed and error factor of proficiency levels 1-5",
    "staff": "pools of staff: headcount, skills with levels, cost",
    "routing": "which free agent takes a contact",
    "service_level": "how service level is measured: thresholds by channel and segment, short abandons",
    "targets": "KPI targets the output marks as met or missed",
    "automation": "bots, IVR and self-service tools: capacity and cost per contact",
    "satisfaction": "weights and tolerances of the satisfaction proxy",
    "training": "courses that raise a share of a pool to a level in a skill",
    "quality_costs": "what failures cost beyond staff time: per error reaching a customer, repeat, abandon, "
                     "complaint",
    "retention": "the churn proxy: base, per_point, after_failure, value, by_segment",
    "max_occupancy": "every pool's cap on occupancy per interval (a pool's own max_occupancy comes first)",
    "wellbeing": "the weights of the staff wellbeing index (a proxy)",
    "variants": "named sets of changes by dotted path, compared against the baseline",
}
LATER_TOP_LEVEL: dict[str, str] = {}


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, validate and build the scenario in ``path`` (with ``overrides`` by dotted path applied
    first); raise ScenarioError listing every problem. Its variants are checked too, as ``validate``
    checks them: a file is valid for every command or for none."""
    return load_variants(path, overrides)["baseline"]


def load_baseline(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """The scenario in ``path`` with ``overrides``, its variants left unbuilt: for the candidates that a
    staffing search, a roster or a sweep derives from a file it has loaded whole. Such a change (a pool's
    headcount turned into shifts) can contradict what a variant sets, and no variant is run."""
    path = Path(path)
    return _build_with(read_yaml_file(path), path, overrides or {}, "--set")


def load_variants(path: str | Path, overrides: dict[str, Any] | None = None) -> dict[str, Scenario]:
    """The baseline and every entry of its ``variants:``, each a whole validated scenario.

    ``overrides`` (from ``--set``) apply to all of them; a variant's own settings come on top.
    """
    path = Path(path)
    data = read_yaml_file(path)
    scenarios = {"baseline": _build_with(data, path, overrides or {}, "--set")}
    base = {key: value for key, value in data.items() if key != "variants"} if isinstance(data, dict) else data
    for name, settings in (data.get("variants") or {}).items():
        combined = {**(overrides or {}), **settings}
        scenarios[str(name)] = _build_with(base, path, combined, f"variants.{name}:")
    return scenarios


def _build_with(data: Any, path: Path, overrides: dict[str, Any], origin: str) -> Scenario:
    changed = apply_overrides(data, overrides, origin) if overrides else data
    try:
        return build_scenario(changed, file_label=str(path), base_dir=path.parent, source=path)
    except ScenarioError as error:
        if not overrides:
            raise
        noted = [Problem(p.file, p.line, p.path, p.message + _origin_note(p.path, overrides, origin))
                 for p in error.problems]
        raise ScenarioError(noted) from None


def _origin_note(path: str, overrides: dict[str, Any], origin: str) -> str:
    for key, value in overrides.items():
        if path == key or path.startswith(key + "."):
            return f" (set by {origin} {key}={value!r})"
    return ""


def build_scenario(data: Any, file_label: str, base_dir: Path, source: Path | None = None) -> Scenario:
    """Validate an already parsed YAML tree (see :func:`load_scenario`)."""
    report = Report(file_label)
    root = Node(data, "", 1, report)
    if not root.expect_map("a mapping with name, clock, demand, processes and staff"):
        report.raise_if_any()
    root.check_keys(TOP_LEVEL, LATER_TOP_LEVEL)

    name = root.read("name", text)
    description = root.read("description", lambda v: "" if v is None else str(v), "")
    clock = _read_clock(root.child("clock"))
    replications = root.read("replications", whole_number(1, limit=MAX_REPLICATIONS), 10)
    seed = root.read("seed", whole_number(0), 1)
    names = raw_names(root)
    channels = _read_channels(root.child("channels"))
    segments = _read_segments(root.child("segments"))
    skill_levels = _read_skill_levels(root.child("skill_levels"))
    automation = _read_automation(root.child("automation"))
    processes = _read_processes(root.child("processes"), base_dir)
    _check_branches(root.child("processes"), processes, segments)
    for process in processes:
        _check_steps(root.child("processes").child(process.name).child("steps"), process,
                     {tool.name: tool for tool in automation}, names.automation)
    staff = _read_staff(root.child("staff"), clock, base_dir)
    demand = _read_demand(root.child("demand"), clock, base_dir)
    _check_segment_mixes(root.child("demand"), demand, segments)
    _check_dedicated_pools(root.child("staff"), staff, segments, processes)
    routing = root.read("routing", one_of(*ROUTING_POLICIES), "longest_idle")
    _check_variants(root.child("variants"))
    measured = read_service_level(root.child("service_level"))
    read = read_targets(root.child("targets"))
    check_target_scopes(read, names)
    service_level, targets = resolve_service_level(measured, read, names)
    satisfaction = _read_satisfaction(root.child("satisfaction"), names)
    training = _read_training(root.child("training"), names, clock)
    quality_costs = _read_quality_costs(root.child("quality_costs"))
    retention = _read_retention(root.child("retention"), segments)
    max_occupancy = root.read("max_occupancy", number(above=0, maximum=1), None)
    wellbeing = _read_wellbeing(root.child("wellbeing"))

    _check_references(root, names)
    if clock is not None:
        _hint_units(root, clock, channels, demand, processes)
        _check_scale(root, clock, demand, staff)
    report.raise_if_any()
    return Scenario(
        name=name, description=description.strip(), clock=clock, replications=replications, seed=seed,
        channels=channels, segments=segments, demand=demand, processes=processes, staff=staff,
        skill_levels=skill_levels, routing=routing, targets=targets, automation=automation,
        satisfaction=satisfaction, training=training, service_level=service_level, quality_costs=quality_costs,
        retention=retention, max_occupancy=max_occupancy, wellbeing=wellbeing, source=source,
        warnings=tuple(str(w) for w in report.warnings),
    )


def _read_quality_costs(node: Node) -> QualityCosts:
    """``{per_error: 40, per_repeat: 6, per_abandon: 2, per_complaint: 25}``: money per failure (all
    optional, 0 by default)."""
    if node.value in (MISSING, None) or not node.expect_map("a mapping with per_error, per_repeat, per_abandon, "
                                                            "per_complaint (money per failure)"):
        return QualityCosts()
    keys = {"per_error": "each error or defect that reaches a customer", "per_repeat": "each repeat contact",
            "per_abandon": "each abandoned contact", "per_complaint": "each complaint"}
    node.check_keys(keys)
    values = {key: node.read(key, number(0), 0.0) for key in keys}
    return QualityCosts(**{key: value for key, value in values.items() if value is not None})


def _read_wellbeing(node: Node) -> Wellbeing:
    """``{comfortable_occupancy: 0.85, per_occupancy_point: 2, per_overtime_point: 1, long_run: 60min,
    per_10_minutes: 2, per_spread: 20, per_late_break: 20, break_grace: 2min}``: the staff wellbeing
    index's weights, and how late a break must start to count as late (docs/kpis.md)."""
    default = Wellbeing()
    if node.value in (MISSING, None) or not node.expect_map("a mapping of the wellbeing index's weights"):
        return default
    node.check_keys({"comfortable_occupancy": "occupancy above which the busiest interval costs points",
                     "per_occupancy_point": "points off per occupancy point above it",
                     "per_overtime_point": "points off per point of scheduled time worked as overtime",
                     "long_run": "a longest run of back-to-back work above this costs points",
                     "per_10_minutes": "points off per 10 minutes above long_run",
                     "per_spread": "points off per unit of cv of work across agents",
                     "per_late_break": "points off per unit of the share of breaks taken late",
                     "break_grace": "a break that starts later than this after it was due is late"})
    values = {"comfortable_occupancy": node.read("comfortable_occupancy", share, default.comfortable_occupancy),
              "per_occupancy_point": node.read("per_occupancy_point", number(0), default.per_occupancy_point),
              "per_overtime_point": node.read("per_overtime_point", number(0), default.per_overtime_point),
              "long_run": node.read("long_run", positive_duration, default.long_run),
              "per_10_minutes": node.read("per_10_minutes", number(0), default.per_10_minutes),
              "per_spread": node.read("per_spread", number(0), default.per_spread),
              "per_late_break": node.read("per_late_break", number(0), default.per_late_break),
              "break_grace": node.read("break_grace", duration, default.break_grace)}
    if None in values.values():
        return default
    return Wellbeing(**values)


def _read_retention(node: Node, segments: tuple[Segment, ...]) -> Retention | None:
    """``{base: 0.02, per_point: 0.03, after_failure: 0.1, value: 100, by_segment: {premium: {base: 0.01,
    value: 600}}}``: the churn proxy (docs/satisfaction.md, "Retention")."""
    if node.value in (MISSING, None) or not node.expect_map("a mapping with base, per_point, after_failure, value "
                                                            "and by_segment"):
        return None
    node.check_keys({"base": "churn after a perfect contact", "per_point": "more churn per satisfaction point "
                     "below 5", "after_failure": "more churn after an error reached them or they gave up",
                     "value": "money per customer kept", "by_segment": "segment: {base, value}"})
    default = Retention()
    base = node.read("base", share, default.base)
    per_point = node.read("per_point", share, default.per_point)
    after_failure = node.read("after_failure", share, default.after_failure)
    value = node.read("value", number(0), 0.0)
    names = [segment.name for segment in segments]
    by_segment = []
    table = node.child("by_segment")
    if table.value not in (MISSING, None) and table.expect_map("segment: {base, value}"):
        for name, entry in table.items():
            if name not in names:
                entry.problem(f"names no segment; expected one of {', '.join(names)}" if names else
                              "names a segment, but the scenario defines none (add segments:)")
                continue
            if entry.expect_map("a mapping with base and/or value"):
                entry.check_keys({"base": "this segment's churn after a perfect contact",
                                  "value": "money per customer of this segment kept"})
                by_segment.append((name, entry.read("base", share, None), entry.read("value", number(0), None)))
    if None in (base, per_point, after_failure, value):
        return None
    return Retention(base, per_point, after_failure, value, tuple(by_segment))


def _check_scale(root: Node, clock: Clock, demand: list[Demand] | None, staff: list[Pool] | None) -> None:
    """The limits of a whole run (docs/scenario-format.md, "Limits"), checked before anything is allocated:
    agents over all pools, reporting intervals, and contacts expected in one replication."""
    agents = sum(pool.headcount for pool in staff or ())
    if agents > MAX_AGENTS:
        root.child("staff").problem(f"has {agents:,} agents over its pools and shifts; at most {MAX_AGENTS:,} "
                                    "(a limit: docs/scenario-format.md)")
    if clock.intervals > MAX_INTERVALS:
        root.child("clock").child("interval").problem(
            f"makes {clock.intervals:,} reporting intervals over {clock.days} day(s); at most {MAX_INTERVALS:,} "
            "(a limit: docs/scenario-format.md): choose a longer interval or fewer days")
    expected = sum(expected_contacts(stream, clock) for stream in demand or ())
    if expected > MAX_CONTACTS:
        root.child("demand").problem(
            f"expects {expected:,.0f} contacts in one replication over {clock.days} day(s); at most "
            f"{MAX_CONTACTS:,} (a limit: docs/scenario-format.md): simulate fewer days or a sample of the volume")


def expected_contacts(stream: Demand, clock: Clock) -> float:
    """Contacts the stream is expected to bring over the run (its backlog included; repeats not)."""
    period = stream.arrivals.period_length(clock.day_length)
    days = {}
    for day in range(clock.days):   # days share a profile unless dated or by weekday: add each once
        rates = stream.arrivals.rates_on(clock, day)
        days[id(rates)] = (days.get(id(rates), (0, rates))[0] + 1, rates)
    return stream.backlog + sum(count * sum(rates) * period / 60 for count, rates in days.values())


def raw_names(root: Node) -> Names:
    """The names the file gives to channels, segments, demand, pools, automation and steps, read from
    the YAML as written: a reference to an entry that is itself broken is not reported as a second,
    invented problem."""
    def keys(section: str) -> set[str]:
        value = root.child(section).value
        return {str(k) for k in value} if isinstance(value, dict) else set()

    names = Names(channels=keys("channels"), segments=keys("segments"), demand=keys("demand"),
                  pools=keys("staff"), automation=keys("automation"))
    channels = root.child("channels").value
    if isinstance(channels, dict):
        names.deferrable = {str(k) for k, v in channels.items() if isinstance(v, dict) and v.get("deferrable") is True}
    processes = root.child("processes").value
    if isinstance(processes, dict):
        for process, entry in processes.items():
            steps = entry.get("steps") if isinstance(entry, dict) else None
            for step in steps if isinstance(steps, list) else []:
                if isinstance(step, dict) and isinstance(step.get("name"), str):
                    names.steps.add(f"{process}.{step['name']}")
    return names


# -- clock --------------------------------------------------------------------------------

def _read_clock(node: Node) -> Clock | None:
    """The clock; a bad interval or warm-up is reported and replaced by a stand-in, so that shifts and
    arrival profiles that depend on the opening hours are still checked (one bad key hides nothing)."""
    if node.value is MISSING:
        node.problem("is required: give horizon (minutes or e.g. \"10h\"), or open and close (\"08:00\")")
        return None
    if not node.expect_map():
        return None
    node.check_keys({
        "open": "clock time the day opens", "close": "clock time the day closes",
        "horizon": "length of a day's opening, if open/close are not given",
        "days": "number of days", "interval": "reporting interval",
        "warmup": "minutes discarded at the start, or auto",
        "start_date": "the date of the first day (ISO, e.g. 2026-12-07): days get dates and weekdays",
        "closed": "weekdays (sat, sun) and dates the operation is shut: they are skipped",
    })
    open_at = node.read("open", parse_clock, None)
    close_at = node.read("close", parse_clock, None)
    horizon = node.read("horizon", positive_duration, None)
    days = node.read("days", whole_number(1, limit=MAX_DAYS), 1)
    interval = node.read("interval", positive_duration, 30.0)
    auto = node.value.get("warmup") == "auto"
    warmup = 0.0 if auto else node.read("warmup", _warmup, 0.0)

    day_length = None
    if close_at is not None and open_at is None:
        node.child("close").problem("needs open as well")
    elif open_at is not None and close_at is not None:
        if close_at <= open_at:
            node.child("close").problem(
                f"must be after open ({format_clock(open_at)}), got {format_clock(close_at)}")
        else:
            day_length = close_at - open_at
            if horizon is not None and abs(horizon - day_length) > 1e-9:
                node.child("horizon").problem(
                    f"disagrees with close - open ({day_length:g} min); give one or the other")
    elif horizon is not None:
        day_length = horizon
    elif "horizon" not in node.value and "open" not in node.value:
        node.problem("needs horizon (minutes or e.g. \"10h\"), or open and close (\"08:00\")")
    elif open_at is not None and horizon is None and "horizon" not in node.value:
        node.child("open").problem("needs close (or horizon) as well")

    if day_length is None:
        return None
    days = days or 1
    interval = interval or 30.0
    if day_length * days > MAX_DAYS * 1440:
        node.problem(f"simulates {day_length * days / 1440:,.0f} days of opening; at most {MAX_DAYS} "
                     "(a limit: docs/scenario-format.md)")
        return None
    if interval > day_length + 1e-9:
        node.child("interval").problem(f"must be at most the day's opening ({format_duration(day_length)}), "
                                       f"got {format_duration(interval)}")
        interval = day_length
    if warmup is None:
        warmup = 0.0
    elif warmup >= day_length * days:
        node.child("warmup").problem(
            f"must be shorter than the simulated time ({day_length * days:g} min), got {warmup:g}")
        warmup = 0.0
    start_date = node.read("start_date", _iso_date, None)
    closed = node.read("closed", _closed_days, ())
    if closed and start_date is None:
        node.child("closed").problem("needs start_date, to know which days are which")
    if closed is not None and len({c for c in closed if c in WEEKDAYS}) == 7:
        node.child("closed").problem("closes every day of the week")
        closed = ()
    return Clock(day_length=day_length, days=days, open_at=open_at, interval=interval, warmup=warmup,
                 warmup_auto=auto, start_date=start_date, closed=closed or ())


def _iso_date(value: Any) -> str:
    """A date written 2026-12-07 (YAML reads it as a date already)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise Invalid(f"must be a date such as 2026-12-07, got {value!r}") from None


def _closed_days(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise Invalid(f"must be a list of weekdays (mon ... sun) and dates, got {value!r}")
    days = []
    for item in value:
        text = str(item).strip().lower()[:3] if not isinstance(item, dt.date) else None
        if text in WEEKDAYS:
            days.append(text)
        else:
            days.append(_iso_date(item))
    return tuple(days)


def _warmup(value: Any) -> float:
    try:
        return duration(value)
    except UnitError:
        raise Invalid(f"must be a duration (e.g. 30, \"1h\") or auto, got {value!r}") from None


# -- channels and segments ------------------------------------------------------------------

def _read_channels(node: Node) -> tuple[Channel, ...]:
    if node.value is MISSING:
        node.problem("is required: name each channel (phone, chat, email, walk_in ...), e.g. phone: {}")
        return ()
    if not node.expect_map("a mapping of channel names to their settings"):
        return ()
    if not node.value:
        node.problem("must name at least one entry: {} leaves nothing to simulate")
        return ()
    channels = []
    for name, entry in node.items():
        if entry.value is None:
            channels.append(Channel(name))
            continue
        if not entry.expect_map("a mapping (patience: ...) or {}"):
            continue
        entry.check_keys({"patience": "how long a customer waits before giving up",
                          "deferrable": "worked from a backlog when no real-time contact waits",
                          "response_target": "time within which a deferrable contact should be answered",
                          "retrial": "{share, after}: abandoners who try again later",
                          "callback": "{offer_above, accept}: call backs offered when the wait is long",
                          "concurrency": "contacts of this channel an agent can hold at once",
                          "concurrency_slowdown": "extra duration per extra contact held",
                          "lines": "at most this many of its contacts in the system; more get a busy signal",
                          "balking": "{at: n} or {shares: [...]}: customers who see a long line leave at once"})
        patience = entry.child("patience")
        dist = read_distribution(patience, Path(".")) if patience.value not in (MISSING, None) else None
        deferrable = entry.read("deferrable", _flag, False)
        target = entry.read("response_target", positive_duration, None)
        if deferrable and dist is not None:
            patience.problem("a deferrable channel's contacts do not abandon; remove patience or deferrable")
        if target is not None and not deferrable:
            entry.child("response_target").problem("applies to deferrable channels only (add deferrable: true)")
        retrial_share, retrial_after = 0.0, None
        retrial = entry.child("retrial")
        if retrial.value not in (MISSING, None) and retrial.expect_map("a mapping with share and after"):
            retrial.check_keys({"share": "share of abandoners who try again", "after": "how long after"})
            retrial_share = retrial.read("share", share)
            retrial_after = read_distribution(retrial.child("after"), Path(".")) if "after" in retrial.value \
                else retrial.child("after").problem("is required, e.g. {exponential: {mean: 10}}")
        callback_above, callback_accept = None, 0.0
        callback = entry.child("callback")
        if callback.value not in (MISSING, None) and callback.expect_map("a mapping with offer_above and accept"):
            callback.check_keys({"offer_above": "expected wait above which a call back is offered",
                                 "accept": "share of customers offered who take it"})
            callback_above = callback.read("offer_above", duration)
            callback_accept = callback.read("accept", share)
        concurrency = entry.read("concurrency", whole_number(1, 20), 1)
        slowdown = entry.read("concurrency_slowdown", number(0, 1), 0.0)
        if deferrable and concurrency and concurrency > 1:
            entry.child("concurrency").problem("applies to real-time channels only, not deferrable ones")
        lines = entry.read("lines", whole_number(1, limit=MAX_AGENTS), None)
        balk_at, balk_shares = _read_balking(entry.child("balking"))
        if deferrable and (lines is not None or balk_at is not None or balk_shares):
            entry.problem("lines and balking apply to real-time channels only, not deferrable ones")
        # as written: a value refused above is reported once, not again as "retrial needs lines"
        turned_away = "lines" in entry.value or "balking" in entry.value
        if callback_above is not None and dist is None:
            entry.problem("callback needs patience (customers who never give up never need one)")
        if retrial_share and dist is None and not turned_away:
            entry.problem("retrial needs patience, lines or balking (it is for customers who gave up, got a busy "
                          "signal or saw too long a line)")
        channels.append(Channel(name, dist, bool(deferrable), target, retrial_share or 0.0, retrial_after,
                                callback_above, callback_accept or 0.0, concurrency or 1, slowdown or 0.0,
                                lines, balk_at, balk_shares))
    return tuple(channels)


def _read_balking(node: Node) -> tuple[int | None, tuple[float, ...]]:
    """``{at: 10}``: a customer who must wait and finds 10 or more waiting leaves at once; ``{shares: [0,
    0.1, 0.3]}``: leaves with that chance when 0, 1, 2 (and more: the last) are waiting."""
    if node.value in (MISSING, None):
        return None, ()
    if not node.expect_map("{at: <number waiting>} or {shares: [chance with 0 waiting, 1, 2, ...]}"):
        return None, ()
    node.check_keys({"at": "leave when this many are waiting", "shares": "chance of leaving by the number waiting"})
    if len(node.value) != 1:
        node.problem("needs exactly one of at or shares")
        return None, ()
    if "at" in node.value:
        return node.read("at", whole_number(0)), ()
    shares = node.child("shares")
    if not isinstance(shares.value, list) or not shares.value:
        shares.problem("must be a non-empty list of chances from 0 to 1 (0 waiting, 1 waiting, ...)")
        return None, ()
    values = [element.parse(share) for element in shares.elements()]
    return (None, ()) if None in values else (None, tuple(float(v) for v in values))


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise Invalid(f"must be true or false, got {value!r}")


def _read_segments(node: Node) -> tuple[Segment, ...]:
    if node.value in (MISSING, None):
        return ()
    if not node.expect_map("a mapping of segment names to share, priority, patience_factor"):
        return ()
    segments = []
    for name, entry in node.items():
        if not entry.expect_map("a mapping with share (and optionally priority, patience_factor)"):
            continue
        entry.check_keys({"share": "share of contacts", "priority": "lower is served first",
                          "patience_factor": "multiplies the channel's patience"})
        segment = Segment(
            name=name,
            share=entry.read("share", share),
            priority=entry.read("priority", whole_number(), 0),
            patience_factor=entry.read("patience_factor", number(above=0), 1.0),
        )
        segments.append(segment)
    shares = [s.share for s in segments if s.share is not None]
    if segments and len(shares) == len(segments) and abs(sum(shares) - 1) > 1e-6:
        node.problem(f"shares must add up to 1, got {sum(shares):g}")
    return tuple(segments)


# -- processes --------------------------------------------------------------------------------

def _read_processes(node: Node, base_dir: Path) -> tuple[Process, ...]:
    if node.value is MISSING:
        node.problem("is required: each process is a list of steps")
        return ()
    if not node.expect_map("a mapping of process names to {steps: [...]}"):
        return ()
    if not node.value:
        node.problem("must name at least one entry: {} leaves nothing to simulate")
        return ()
    processes = []
    for name, entry in node.items():
        if not entry.expect_map("a mapping with steps: [...]"):
            continue
        entry.check_keys({"steps": "the steps in order"})
        steps_node = entry.child("steps")
        if not isinstance(steps_node.value, list) or not steps_node.value:
            steps_node.problem("must be a non-empty list of steps (name, skill, duration)")
            continue
        steps: list[Step] = []
        for step_node in steps_node.elements():
            step = _read_step(step_node, base_dir)
            if step is not None:
                if any(s.name == step.name for s in steps):
                    step_node.child("name").problem(f"another step of '{name}' has this name")
                steps.append(step)
        processes.append(Process(name, tuple(steps)))
    return tuple(processes)


def _read_step(node: Node, base_dir: Path) -> Step | None:
    if not node.expect_map("a mapping with name, skill (or automation) and duration"):
        return None
    node.check_keys({
        "name": "the step's name", "skill": "the skill it needs", "automation": "the automation that does it",
        "duration": "how long it takes at standard proficiency", "probability": "share that need it",
        "error_rate": "share that go wrong at standard proficiency",
        "on_error": "{rework: step} or {recontact_after: duration}",
        "containment": "share of contacts an automation step resolves",
        "duration_factors": "the duration's multiplier per equal period of the day (handling that varies)",
        "branch": "{process: share, ...} or a list of {to, share, segment}: where contacts go on after this "
                  "step (the last of its process)",
        "after_call_work": "wrap-up after the step (a distribution): the agent is busy, the customer gone",
        "defect_rate": "share of services that leave a defect a later inspection may find (at standard "
                       "proficiency)",
        "detection": "inspection: share of the defects made by earlier steps of the process this step finds",
        "error_spread": "non-standard work: the duration's cv at which error_rate (defect_rate) holds; the rate "
                        "scales with the cv",
    })
    name = node.read("name", text)
    if ("skill" in node.value) == ("automation" in node.value):
        node.problem("needs exactly one of skill (a person does it) or automation (a bot or tool does it)")
        return None
    skill = node.read("skill", text, None)
    automation = node.read("automation", text, None)
    duration = read_distribution(node.child("duration"), base_dir) if "duration" in node.value else None
    if "duration" not in node.value:
        node.child("duration").problem("is required, e.g. {exponential: {mean: 5}}")
    probability = node.read("probability", share, 1.0)
    error_rate = node.read("error_rate", share, 0.0)
    containment = node.read("containment", share, 0.0)
    if containment and automation is None:
        node.child("containment").problem("applies to automation steps only")
    rework, recontact_after = _read_on_error(node.child("on_error"))
    factors = _read_duration_factors(node.child("duration_factors"))
    branch = _read_branch(node.child("branch"))
    wrap_up = None
    if node.value.get("after_call_work") not in (None, MISSING):
        wrap_up = read_distribution(node.child("after_call_work"), base_dir)
        if automation is not None:
            node.child("after_call_work").problem("applies to steps done by people (a skill), not automation")
    defect_rate = node.read("defect_rate", share, 0.0)
    detection = node.read("detection", share, 0.0)
    spread = node.read("error_spread", number(above=0), None)
    if spread is not None and duration is not None and None not in (error_rate, defect_rate):
        if not (error_rate or defect_rate):
            node.child("error_spread").problem("ties an error_rate (or defect_rate) to the spread of the work; "
                                               "the step has neither")
        else:   # errors in proportion to the spread: the same mean with less variability, fewer errors
            factor = duration.cv / spread
            error_rate, defect_rate = min(error_rate * factor, 1.0), min(defect_rate * factor, 1.0)
    if error_rate and defect_rate:
        node.child("defect_rate").problem("a step has error_rate (errors it makes and finds itself, or that reach "
                                          "the customer) or defect_rate (defects a later step may find), not both")
    if defect_rate and rework is not None:
        node.child("on_error").problem("a step with defect_rate is reworked when an inspection finds its defect; "
                                       "its on_error may only say recontact_after (what an escaped defect does)")
    if containment and detection:
        node.child("detection").problem("an automation step either resolves contacts (containment) or inspects "
                                        "(detection), not both")
    if None in (name, duration, probability, error_rate, containment, factors, branch, defect_rate, detection) or (
            skill is None and automation is None):
        return None
    return Step(name=name, duration=duration, skill=skill, automation=automation, probability=probability,
                error_rate=error_rate, rework=rework, recontact_after=recontact_after, containment=containment,
                duration_factors=factors, branch=branch, after_call_work=wrap_up, defect_rate=defect_rate,
                detection=detection)


def _read_branch(node: Node) -> tuple[BranchTarget, ...] | None:
    """Where contacts go on after this step, with the shares that go each way (adding up to 1): a mapping
    ``{billing: 0.5, cards: 0.3, general: 0.2}``, whose values may also be ``{share: 0.2, segment: urgent}``
    (triage: from there on the contact belongs to that segment and waits with its priority), or a list of
    ``{to: doctor, share: 0.2, segment: urgent}`` when two ways lead to the same process. Checked against
    the processes and segments later (:func:`_check_branches`)."""
    if node.value in (MISSING, None):
        return ()
    if isinstance(node.value, list):
        ways = [_read_branch_way(element, None) for element in node.elements()]
    elif node.expect_map("a mapping of process names to shares, e.g. {billing: 0.6, cards: 0.4}, "
                         "or a list of {to, share, segment}"):
        ways = [_read_branch_way(node.child(target), str(target)) for target in node.value]
    else:
        return None
    if not ways or any(way is None for way in ways):
        if not ways:
            node.problem("needs at least one way on, e.g. {billing: 0.6, cards: 0.4}")
        return None
    seen = [(way.process, way.segment) for way in ways]
    if len(set(seen)) < len(seen):
        node.problem("lists the same process (with the same segment) twice; add their shares together")
        return None
    total = sum(way.share for way in ways)
    if abs(total - 1) > 1e-9:
        node.problem(f"the shares must add up to 1 (each contact goes on one way), got {total:g}")
        return None
    return tuple(ways)


def _read_branch_way(node: Node, target: str | None) -> BranchTarget | None:
    """One way on from a branch: ``0.3`` (under its process's name), ``{share, segment}`` (likewise) or,
    in the list form, ``{to, share, segment}``."""
    if target is not None and not isinstance(node.value, dict):
        value = node.parse(number(above=0, maximum=1))
        return None if value is None else BranchTarget(target, float(value))
    if not node.expect_map("a share, or a mapping with share (and segment)" if target is not None
                           else "a mapping with to (a process), share (and segment)"):
        return None
    keys = {"share": "the share of contacts that go this way", "segment": "the segment they belong to from here on"}
    if target is None:
        keys = {"to": "the process they go on with", **keys}
    node.check_keys(keys)
    process = target if target is not None else node.read("to", text)
    part = node.read("share", number(above=0, maximum=1))
    segment = node.read("segment", text, None)
    if process is None or part is None:
        return None
    return BranchTarget(process, float(part), segment)


def _check_branches(node: Node, processes: tuple[Process, ...], segments: tuple[Segment, ...]) -> None:
    """Branches name processes (and segments), sit on the last step of theirs, and never lead back to where
    they began."""
    names = {process.name for process in processes}
    segment_names = [segment.name for segment in segments]
    graph: dict[str, list[str]] = {}
    for process in processes:
        for position, step in enumerate(process.steps):
            if not step.branch:
                continue
            steps_node = node.child(process.name).child("steps")
            step_node = next((element for element in steps_node.elements() if element.path.endswith(f".{step.name}")),
                             steps_node.child(step.name))
            branch_node = step_node.child("branch")
            if position != len(process.steps) - 1:
                branch_node.problem(f"only the last step of a process can branch (the steps after "
                                    f"'{step.name}' would never be done); move them into the processes it branches to")
            listed = list(branch_node.elements()) if isinstance(branch_node.value, list) else None
            for position_, target in enumerate(step.branch):
                way = listed[position_] if listed else branch_node.child(target.process)
                if target.process not in names:
                    (way.child("to") if listed else way).problem(
                        f"names no process; expected one of {', '.join(sorted(names))}")
                if target.segment is not None and target.segment not in segment_names:
                    way.child("segment").problem(f"names no segment; expected one of {', '.join(segment_names)}"
                                                 if segment_names else
                                                 "names a segment, but the scenario defines none (add segments:)")
            graph[process.name] = [target.process for target in step.branch if target.process in names]

    def cycle_from(name: str, path: list[str]) -> list[str] | None:
        for target in graph.get(name, []):
            if target in path:
                return path[path.index(target):] + [target]
            found = cycle_from(target, path + [target])
            if found:
                return found
        return None

    for name in graph:
        cycle = cycle_from(name, [name])
        if cycle:
            node.child(cycle[0]).problem(f"branches lead back round in a circle ({' -> '.join(cycle)}): a contact "
                                         f"would never finish")
            return


def _read_duration_factors(node: Node) -> tuple[float, ...] | None:
    """``[1.1, 1.0, 0.9, ...]``: equal periods of the opening day, each multiplying the step's duration for
    contacts arriving in it (as ``calibrate`` writes them where handling varies over the day)."""
    if node.value in (MISSING, None):
        return ()
    if not isinstance(node.value, list) or not node.value:
        node.problem("must be a non-empty list of numbers > 0, one per equal period of the day")
        return None
    factors = [element.parse(number(above=0)) for element in node.elements()]
    return None if None in factors else tuple(float(f) for f in factors)


def _read_on_error(node: Node) -> tuple[str | None, float | None]:
    """``{rework: step}`` or ``{recontact_after: 2d}``; absent, an error simply reaches the customer."""
    if node.value in (MISSING, None):
        return None, None
    if not node.expect_map("{rework: <step name>} or {recontact_after: <duration>}"):
        return None, None
    node.check_keys({"rework": "the step to go back to", "recontact_after": "when the customer comes back"})
    if len(node.value) != 1:
        node.problem("needs exactly one of rework or recontact_after")
        return None, None
    return node.read("rework", text, None), node.read("recontact_after", positive_duration, None)


def _check_steps(node: Node, process: Process, automation: dict[str, Automation], written: set[str]) -> None:
    """Rework goes back to this step or an earlier one; automation steps name a defined automation (one
    the file names but that has a problem of its own, in ``written``, is not reported a second time)."""
    names = [step.name for step in process.steps]
    for position, step in enumerate(process.steps):
        step_node = node.child(step.name)
        if step.rework is not None and step.rework not in names[:position + 1]:
            step_node.child("on_error").child("rework").problem(
                f"must name this step or an earlier one of '{process.name}' ({', '.join(names[:position + 1])}), "
                f"got '{step.rework}'")
        if step.automation is not None and step.automation not in automation and step.automation not in written:
            known = ", ".join(automation) or "none is defined under automation:"
            step_node.child("automation").problem(f"names no automation; expected one of {known}")
        if step.detection and not any(earlier.defect_rate for earlier in process.steps[:position]):
            step_node.child("detection").problem(
                f"inspects the defects of earlier steps of '{process.name}', but none has a defect_rate")


def _read_automation(node: Node) -> tuple[Automation, ...]:
    if node.value in (MISSING, None):
        return ()
    if not node.expect_map("a mapping of automation names to {capacity, cost_per_contact}"):
        return ()
    tools = []
    for name, entry in node.items():
        if not entry.expect_map("a mapping with capacity (and cost_per_contact)"):
            continue
        entry.check_keys({"capacity": "contacts it handles at once",
                          "cost_per_contact": "cost of each contact it handles"})
        capacity = entry.read("capacity", whole_number(1, limit=MAX_CAPACITY))
        cost = entry.read("cost_per_contact", number(0), 0.0)
        if capacity is not None and cost is not None:
            tools.append(Automation(name, capacity, cost))
    return tuple(tools)


# -- staff ------------------------------------------------------------------------------------

def _read_skill_levels(node: Node) -> tuple[SkillLevel, ...]:
    if node.value in (MISSING, None):
        return DEFAULT_SKILL_LEVELS
    if not node.expect_map("a mapping of levels 1-5 to {speed, error_factor}"):
        return DEFAULT_SKILL_LEVELS
    levels = {level.level: level for level in DEFAULT_SKILL_LEVELS}
    for key, entry in node.items():
        level = _level_key(key)
        if level is None:
            entry.problem(f"must be a level from 1 to 5, got {key!r}")
            continue
        if not entry.expect_map("a mapping with speed and/or error_factor"):
            continue
        entry.check_keys({"speed": "work rate relative to level 3",
                          "error_factor": "multiplies error rates"})
        default = levels[level]
        speed = entry.read("speed", number(above=0), default.speed)
        factor = entry.read("error_factor", number(0), default.error_factor)
        if speed is not None and factor is not None:
            levels[level] = SkillLevel(level, speed, factor)
    return tuple(levels[level] for level in sorted(levels))


def _level_key(key: object) -> int | None:
    try:
        level = int(str(key))
    except ValueError:
        return None
    return level if 1 <= level <= 5 else None


def _read_staff(node: Node, clock: Clock | None, base_dir: Path) -> tuple[Pool, ...]:
    if node.value is MISSING:
        node.problem("is required: pools of staff with headcount (or shifts) and skills")
        return ()
    if not node.expect_map("a mapping of pool names to headcount or shifts, skills, cost_per_hour"):
        return ()
    if not node.value:
        node.problem("must name at least one entry: {} leaves nothing to simulate")
        return ()
    pools = []
    for name, entry in node.items():
        if not entry.expect_map("a mapping with headcount (or shifts) and skills"):
            continue
        entry.check_keys({"headcount": "staff on duty all the time", "shifts": "who is on duty when",
                          "staffed": "agents on duty per period of the day (a list, {csv: file}, or by weekday)",
                          "skills": "skill: level (1-5)", "cost_per_hour": "cost of one person for one hour",
                          "breaks": "breaks in every shift", "shrinkage": "share of paid shifts lost",
                          "after_close": f"what agents do when their working time ends: {', '.join(AFTER_CLOSE)}",
                          "overtime_rate": "cost of one person for one hour of overtime",
                          "shift_rules": "the shifts servicesim roster may build for the pool",
                          "secondary": "skill: delay: skills worked only when no other work waits (after the delay)",
                          "activities": "scheduled time off the phones: meetings, coaching (a list)",
                          "adherence": "share of time on duty agents are available (or {share, episode})",
                          "segments": "the segments the pool is dedicated to (a list): it serves no other",
                          "learning": "{from_level, days}: new hires who learn on the job",
                          "attrition": "{per_month, replaced_after, new_hire}: staff who leave and are replaced",
                          "max_occupancy": "the highest occupancy planned in any interval (0.85: 85%)"})
        given = [key for key in ("headcount", "shifts", "staffed") if key in entry.value]
        if len(given) != 1:
            entry.problem("needs exactly one of headcount (on duty all the time), shifts, or staffed (agents per "
                          "period of the day)")
            continue
        shifts: tuple[Shift, ...] | None = ()
        staffed: StaffedCurves | None = ()
        if "shifts" in entry.value:
            shifts = _read_shifts(entry.child("shifts"), clock)
            headcount = sum(s.count for s in shifts) if shifts is not None else None
        elif "staffed" in entry.value:
            staffed = _read_staffed(entry.child("staffed"), clock, base_dir)
            shifts = staffed_by_days(staffed, clock.day_length) if staffed and clock is not None else None
            headcount = sum(s.count for s in shifts) if shifts is not None else None
            if staffed is not None and not any(any(counts) for _, counts in staffed):
                entry.child("staffed").problem("must have somebody on duty in some period")
        else:
            headcount = entry.read("headcount", whole_number(0, limit=MAX_HEADCOUNT))
        skills = _read_skills(entry.child("skills"))
        cost = entry.read("cost_per_hour", number(0), 0.0)
        breaks = _read_breaks(entry.child("breaks"))
        shrinkage = entry.read("shrinkage", number(0, 0.99), 0.0)
        after_close = entry.read("after_close", one_of(*AFTER_CLOSE), "finish_contact" if shifts else "serve_queue")
        overtime_rate = entry.read("overtime_rate", number(0), None)
        rules = _read_shift_rules(entry.child("shift_rules"), clock)
        secondary = _read_secondary(entry.child("secondary"), skills)
        activities = _read_activities(entry.child("activities"), clock)
        adherence = _read_adherence(entry.child("adherence"))
        dedicated = _read_dedicated(entry.child("segments"))
        learning = _read_learning(entry.child("learning"), skills)
        attrition = _read_attrition(entry.child("attrition"), skills)
        cap = entry.read("max_occupancy", number(above=0, maximum=1), None)
        if None not in (headcount, skills, cost, shifts, staffed, breaks, shrinkage, after_close, secondary,
                        activities, adherence) and False not in (rules, dedicated, learning, attrition):
            pools.append(Pool(name, headcount, skills, cost, shifts, breaks, shrinkage, after_close, overtime_rate,
                              staffed, rules, secondary, activities, adherence, dedicated, learning, attrition,
                              cap))
    return tuple(pools)


def _read_learning(node: Node, skills: tuple[tuple[str, int], ...] | None) -> Learning | None | bool:
    """``{from_level: 1, days: 20}``: the pool's agents are new hires (None: experienced; False: invalid)."""
    if node.value in (MISSING, None):
        return None
    if not node.expect_map("a mapping with from_level (1-5) and days (days worked to learn)"):
        return False
    node.check_keys({"from_level": "the level whose speed and error factor new hires start at",
                     "days": "days worked until 95% of the gap to their level is closed"})
    start = node.read("from_level", whole_number(1, 5))
    days = node.read("days", number(above=0, limit=10_000))
    if start is None or days is None:
        return False
    if skills and all(level <= start for _, level in skills):
        node.child("from_level").problem(f"must be below the pool's levels ({', '.join(f'{s} {l}' for s, l in skills)})"
                                         f": they learn up to them")
        return False
    return Learning(start, days)


def _read_attrition(node: Node, skills: tuple[tuple[str, int], ...] | None) -> Attrition | None | bool:
    """``{per_month: 0.04, replaced_after: 21d, new_hire: {from_level: 1, days: 20}}`` (None: nobody leaves;
    False: invalid)."""
    if node.value in (MISSING, None):
        return None
    if not node.expect_map("a mapping with per_month (and replaced_after, new_hire)"):
        return False
    node.check_keys({"per_month": "share of the pool who leave in a month (30 days)",
                     "replaced_after": "the hiring lead time: how long a seat stays empty",
                     "new_hire": "{from_level, days}: how a replacement learns on the job",
                     "wellbeing": "{at, doubles_every}: the rate follows the pool's wellbeing index"})
    per_month = node.read("per_month", number(0, 0.99))
    lead = node.read("replaced_after", positive_duration, None)
    new_hire = _read_learning(node.child("new_hire"), skills)
    at, doubles = None, 20.0
    follows = node.child("wellbeing")
    if follows.value not in (MISSING, None) and follows.expect_map("{at: 75, doubles_every: 20}"):
        follows.check_keys({"at": "the wellbeing index (0-100) at which per_month holds",
                            "doubles_every": "every this many points lower doubles the rate"})
        at = follows.read("at", number(0, 100))
        doubles = follows.read("doubles_every", number(above=0), 20.0)
        if at is None or doubles is None:
            return False
    if per_month is None or new_hire is False:
        return False
    return Attrition(per_month, lead, new_hire, at, doubles)


def _read_dedicated(node: Node) -> tuple[str, ...] | None | bool:
    """``[premium]``: the segments a pool is dedicated to (checked against the segments later); None when
    it serves every segment, False when the value is invalid."""
    if node.value in (MISSING, None):
        return None
    names = [node.value] if isinstance(node.value, str) else node.value
    if not isinstance(names, list) or not names or not all(isinstance(name, str) for name in names):
        node.problem("must be a segment name or a non-empty list of them, e.g. [premium]")
        return False
    if len(set(names)) < len(names):
        node.problem("names a segment twice")
        return False
    return tuple(names)


def _check_dedicated_pools(node: Node, staff: tuple[Pool, ...], segments: tuple[Segment, ...],
                           processes: tuple[Process, ...]) -> None:
    """A dedicated pool names segments, and every segment still has someone for every skill its contacts
    can need (a skill whose pools all serve other segments would leave them waiting for ever)."""
    names = [segment.name for segment in segments]
    for pool in staff:
        for name in pool.segments or ():
            if name not in names:
                node.child(pool.name).child("segments").problem(
                    f"names no segment; expected one of {', '.join(names)}" if names else
                    "names a segment, but the scenario defines none (add segments:)")
    if not any(pool.segments for pool in staff) or not set(names) >= {n for p in staff for n in p.segments or ()}:
        return
    needed = {step.skill for process in processes for step in process.steps if step.skill is not None}
    for skill in sorted(needed):
        pools = [pool for pool in staff if pool.level(skill)]
        if not pools:
            continue   # reported elsewhere: no pool has the skill
        served = set(names) if any(pool.segments is None for pool in pools) else {
            name for pool in pools for name in pool.segments}
        missing = [name for name in names if name not in served]
        if missing:
            node.problem(f"skill '{skill}' is only in pools dedicated to other segments: contacts of "
                         f"{', '.join(missing)} needing it would never be served; give a pool with it those "
                         f"segments, or leave one undedicated")


def _read_activities(node: Node, clock: Clock | None) -> tuple[Activity, ...] | None:
    """``[{name: team meeting, start: "14:00", length: 30min, days: wed, share: 0.5, stagger: 1h}]``:
    scheduled time off the phones (clock times within the opening hours)."""
    if node.value in (MISSING, None):
        return ()
    if not isinstance(node.value, list):
        node.problem('must be a list of {name, start: "14:00", length: 30min, share, stagger, days}')
        return None
    activities: list[Activity] = []
    for entry in node.elements():
        if not entry.expect_map("a mapping with name, start and length"):
            continue
        entry.check_keys({"name": "what it is (a team meeting, coaching)", "start": "clock time it starts",
                          "length": "how long each agent is away", "share": "share of the agents on duty who go "
                          "(default 1: all)", "stagger": "window over which they go one after another (default 0)",
                          "days": "weekdays it runs (mon ... sun; default every day)"})
        name = entry.read("name", text, None) or f"activity {len(activities) + 1}"
        start, length = entry.read("start", parse_clock), entry.read("length", positive_duration)
        part = entry.read("share", share, 1.0)
        stagger = entry.read("stagger", duration, 0.0)
        days = entry.read("days", _weekday_list, None)
        if days is not None and clock is not None and not clock.start_date:
            entry.child("days").problem("needs clock.start_date, to know which day is which")
            continue
        if None in (start, length, part, stagger) or ("days" in entry.value and days is None):
            continue
        if any(other.name == name for other in activities):
            entry.child("name").problem(f"another activity of the pool is called '{name}'; give each its own name")
            continue
        opening = (clock.open_at or 0.0) if clock is not None else 0.0
        if clock is not None and not opening <= start < opening + clock.day_length:
            entry.child("start").problem(f"must be within the opening hours {clock.label(0)}-"
                                         f"{clock.label(clock.day_length, closing=True)}, got {format_clock(start)}")
            continue
        activities.append(Activity(str(name), start - opening, length, part, stagger, days))
    return tuple(activities) if len(activities) == len(node.value) else None


def _read_adherence(node: Node) -> Adherence | None:
    """``adherence: 0.92`` or ``{share: 0.92, episode: 6min}``: the share of time on duty agents are
    available, lost in episodes of mean ``episode`` (default 5 min)."""
    if node.value in (MISSING, None):
        return Adherence()
    if isinstance(node.value, dict):
        node.check_keys({"share": "share of time on duty agents are available",
                         "episode": "mean length of a time out of adherence (default 5min)"})
        part = node.read("share", number(0.05, 1.0))
        episode = node.read("episode", positive_duration, 5.0)
        return None if None in (part, episode) else Adherence(part, episode)
    part = node.parse(number(0.05, 1.0))
    return None if part is None else Adherence(part)


def _read_secondary(node: Node, skills: tuple[tuple[str, int], ...] | None) -> tuple[tuple[str, float], ...] | None:
    """``{first_line: 2min}``: skills of the pool its agents work only when nothing of their other skills
    waits, and only contacts that have waited the delay (``0``: as soon as nothing else waits)."""
    if node.value in (MISSING, None):
        return ()
    if not node.expect_map("a mapping of the pool's skills to delays, e.g. {first_line: 2min}"):
        return None
    own = [skill for skill, _ in skills or ()]
    secondary = []
    for skill in node.value:
        delay = node.read(skill, duration)
        if delay is None:
            return None
        if skills is not None and str(skill) not in own:
            node.child(skill).problem(f"is not a skill of the pool ({', '.join(own)}): list it under skills too, "
                                      "with its level")
            return None
        secondary.append((str(skill), float(delay)))
    if skills is not None and len(secondary) == len(own):
        node.problem("leaves the pool no primary skill: at least one of its skills must not be secondary")
        return None
    return tuple(secondary)


def _read_shifts(node: Node, clock: Clock | None) -> tuple[Shift, ...] | None:
    """Shifts by name (``early: {start, end, count, breaks}``), or a list of them (named by their
    ``name``, or by their hours: ``08:00-13:00``); clock times within the opening hours (or, without
    open/close, times of the day)."""
    if isinstance(node.value, dict) and node.value:
        entries = [(name, entry) for name, entry in node.items()]
    elif isinstance(node.value, list) and node.value:
        entries = [(None, entry) for entry in node.elements()]
    else:
        node.problem("must be a mapping of shift names to {start: \"08:00\", end: \"14:00\", count: 8}, or a "
                     "non-empty list of them")
        return None
    shifts: list[Shift] = []
    for name, shift in entries:
        if not shift.expect_map("a mapping with start, end and count"):
            continue
        known = {"start": "clock time the shift starts", "end": "clock time it ends", "count": "agents on the shift",
                 "breaks": "breaks of this shift (instead of the pool's)",
                 "days": "weekdays it is worked (mon ... sun; default every day)"}
        if name is None:
            known["name"] = "the shift's name"
        shift.check_keys(known)
        start, end = shift.read("start", parse_clock), shift.read("end", parse_clock)
        count = shift.read("count", whole_number(0, limit=MAX_HEADCOUNT))
        breaks = _read_breaks(shift.child("breaks")) if "breaks" in shift.value else None
        days = shift.read("days", _weekday_list, None)
        if days is not None and clock is not None and not clock.start_date:
            shift.child("days").problem("needs clock.start_date, to know which day is which")
        if None in (start, end, count) or ("breaks" in shift.value and breaks is None) \
                or ("days" in shift.value and days is None):
            continue
        if name is None:
            name = shift.read("name", text, None) or f"{format_clock(start)}-{format_clock(end)}"
        if any(other.name == name for other in shifts):
            shift.problem(f"another shift of the pool is called '{name}'; give each shift its own name")
            continue
        if clock is None:   # the clock's own problem is reported; keep the pool for every other check
            shifts.append(Shift(start, end, count, name, breaks, days))
            continue
        opening = clock.open_at or 0.0
        if not opening <= start < end <= opening + clock.day_length:
            shift.problem(f"must start before it ends, within the opening hours "
                          f"{clock.label(0)}-{clock.label(clock.day_length, closing=True)}, got "
                          f"{format_clock(start)}-{format_clock(end)}")
            continue
        shifts.append(Shift(start - opening, end - opening, count, name, breaks, days))
    return tuple(shifts) if len(shifts) == len(entries) else None


def _weekday_list(value: Any) -> tuple[int, ...]:
    """Weekdays as written (mon, Tuesday, ...; mon-fri; mon,wed), Monday 0."""
    try:
        return weekdays_in(value)
    except ValueError:
        raise Invalid(f"must be weekdays (mon ... sun, or a range such as mon-fri), got {value!r}") from None


def _read_shift_rules(node: Node, clock: Clock | None) -> ShiftRules | None | bool:
    """The shifts servicesim roster may build (None when not given; False after a problem)."""
    if node.value in (MISSING, None):
        return None
    if not node.expect_map("a mapping with lengths, start, breaks, min_count, max_count, part_time"):
        return False
    node.check_keys({"lengths": "shift lengths, e.g. [4h, 8h]",
                     "start": "{earliest, latest, step}: when shifts may start",
                     "breaks": "[{min_length, after, length, stagger}]: breaks by shift length",
                     "min_count": "fewest agents on a shift that is used", "max_count": "most agents on one shift",
                     "part_time": "{below, at_most}: at most this share of agents on shifts shorter than below",
                     "days_per_week": "days each agent works a week, or a list of choices (weekly tours)",
                     "days_off": "consecutive (the days off of a week run together) or any",
                     "weekly_hours": "{at_least, at_most}: paid hours a week of each agent"})
    default = ShiftRules()
    problems = len(node.report.problems)
    lengths_node = node.child("lengths")
    lengths = default.lengths
    if lengths_node.value is not MISSING:
        if not isinstance(lengths_node.value, list) or not lengths_node.value:
            lengths_node.problem("must be a non-empty list of durations, e.g. [4h, 6h, 8h]")
        else:
            lengths = tuple(element.parse(positive_duration) for element in lengths_node.elements())
    earliest, latest, step = 0.0, None, None
    start = node.child("start")
    if start.value not in (MISSING, None) and start.expect_map("a mapping with earliest, latest and step"):
        start.check_keys({"earliest": "clock time", "latest": "clock time", "step": "duration"})
        opening = (clock.open_at or 0.0) if clock is not None else 0.0
        first = start.read("earliest", parse_clock, None)
        last = start.read("latest", parse_clock, None)
        earliest = first - opening if first is not None else 0.0
        latest = last - opening if last is not None else None
        step = start.read("step", positive_duration, None)
    rules = []
    breaks = node.child("breaks")
    if breaks.value not in (MISSING, None):
        if not isinstance(breaks.value, list):
            breaks.problem("must be a list of {min_length, after, length, stagger}")
        for entry in breaks.elements():
            if not entry.expect_map("a mapping with min_length, after and length"):
                continue
            entry.check_keys({"min_length": "shifts at least this long get the break", "after": "time into the shift",
                              "length": "how long", "stagger": "window over which agents spread it"})
            values = (entry.read("min_length", duration, 0.0), entry.read("after", duration),
                      entry.read("length", positive_duration), entry.read("stagger", duration, 30.0))
            if None not in values:
                rules.append(BreakRule(*values))
    low = node.read("min_count", whole_number(0), 0)
    high = node.read("max_count", whole_number(1), default.max_count)
    below, share_ = None, 1.0
    part = node.child("part_time")
    if part.value not in (MISSING, None) and part.expect_map("a mapping with below and at_most"):
        part.check_keys({"below": "shifts shorter than this are part-time", "at_most": "share of agents"})
        below, share_ = part.read("below", positive_duration), part.read("at_most", share)
    days_per_week = node.read("days_per_week", _days_a_week, None)
    if days_per_week is not None and clock is not None and not clock.start_date:
        node.child("days_per_week").problem("needs clock.start_date, to know which day is which")
    consecutive = node.read("days_off", one_of("consecutive", "any"), "consecutive") == "consecutive"
    weekly = (0.0, float("inf"))
    hours = node.child("weekly_hours")
    if hours.value not in (MISSING, None) and hours.expect_map("a mapping with at_least and/or at_most (hours)"):
        hours.check_keys({"at_least": "fewest paid hours a week", "at_most": "most paid hours a week"})
        weekly = (hours.read("at_least", number(0), 0.0), hours.read("at_most", number(0), float("inf")))
        if days_per_week is None:
            hours.problem("needs days_per_week (weekly hours are those of a weekly tour)")
    if len(node.report.problems) > problems or None in lengths or None in weekly:
        return False
    return ShiftRules(lengths, earliest, latest, step, tuple(rules), low, high, below, share_, days_per_week,
                      consecutive, weekly)


def _days_a_week(value: Any) -> tuple[int, ...]:
    """Days worked a week: a whole number from 1 to 7, or a list of them."""
    items = value if isinstance(value, list) else [value]
    if not items or any(isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 7 for v in items):
        raise Invalid(f"must be a whole number of days from 1 to 7, or a list of them (e.g. [4, 5]), got {value!r}")
    return tuple(sorted(set(items)))


def _read_breaks(node: Node) -> tuple[Break, ...] | None:
    if node.value in (MISSING, None):
        return ()
    if not isinstance(node.value, list):
        node.problem("must be a list of {after: 2h, length: 15min}")
        return None
    breaks = []
    for entry in node.elements():
        if not entry.expect_map("a mapping with after and length"):
            continue
        entry.check_keys({"after": "time into the shift", "length": "how long",
                          "stagger": "window over which the shift's agents spread their breaks"})
        after, length = entry.read("after", duration), entry.read("length", positive_duration)
        stagger = entry.read("stagger", duration, 30.0)
        if None not in (after, length, stagger):
            breaks.append(Break(after, length, stagger))
    return tuple(breaks) if len(breaks) == len(node.value) else None


def _read_skills(node: Node) -> tuple[tuple[str, int], ...] | None:
    if node.value is MISSING:
        node.problem("is required: skill: level, e.g. {billing: 3}")
        return None
    if not node.expect_map("a mapping of skill names to levels 1-5") or not node.value:
        if isinstance(node.value, dict):
            node.problem("must name at least one skill")
        return None
    skills = []
    for skill, entry in node.items():
        level = entry.parse(whole_number(1, 5))
        if level is not None:
            skills.append((skill, level))
    return tuple(skills) if len(skills) == len(node.value) else None


# -- demand -----------------------------------------------------------------------------------

def _read_demand(node: Node, clock: Clock | None, base_dir: Path) -> tuple[Demand, ...]:
    if node.value is MISSING:
        node.problem("is required: streams of contacts with channel, arrivals and process")
        return ()
    if not node.expect_map("a mapping of demand-stream names to channel, arrivals, process"):
        return ()
    if not node.value:
        node.problem("must name at least one entry: {} leaves nothing to simulate")
        return ()
    streams = []
    for name, entry in node.items():
        if not entry.expect_map("a mapping with channel, arrivals and process"):
            continue
        entry.check_keys({"channel": "the channel contacts come through",
                          "arrivals": "arrival rates per hour", "process": "the process they follow",
                          "appointments": "booked arrivals: slots, no_show, early_late (instead of arrivals)",
                          "backlog": "contacts already waiting at the first opening",
                          "segment": "the one segment of every contact of this stream",
                          "segments": "this stream's own segment mix: segment: share",
                          "complaints": "a complaint stream: complaints from customers who met a failure "
                                        "(instead of arrivals)"})
        channel = entry.read("channel", text)
        process = entry.read("process", text)
        complaints = None
        if "complaints" in entry.value:
            if "arrivals" in entry.value or "appointments" in entry.value or "backlog" in entry.value:
                entry.problem("a complaint stream's contacts come from failures: it takes no arrivals, appointments "
                              "or backlog")
            complaints = _read_complaints(entry.child("complaints"), base_dir)
            arrivals = ArrivalProfile(per_hour=(0.0,), source="complaints") if complaints is not None else None
        elif "appointments" in entry.value:
            if "arrivals" in entry.value:
                entry.problem("needs one of arrivals (Poisson, by rate) or appointments (booked slots), not both")
            arrivals = _read_appointments(entry.child("appointments"), clock, base_dir)
        else:
            arrivals = _read_arrivals(entry.child("arrivals"), clock, base_dir, channel)
        backlog = entry.read("backlog", whole_number(0, limit=MAX_BACKLOG), 0)
        mix = _read_segment_mix(entry)
        if None not in (channel, process, arrivals, backlog, mix):
            streams.append(Demand(name, channel, arrivals, process, backlog, mix, complaints))
    return tuple(streams)


def _read_complaints(node: Node, base_dir: Path) -> Complaints | None:
    """``{after_error: 0.3, after_abandon: 0.05, after_long_wait: {over: 5min, share: 0.1}, by_segment:
    {premium: 2}, delay: {exponential: {mean: 4h}}, recovery: {within: 2d, satisfaction: 4}}``."""
    if not node.expect_map("a mapping with after_error, after_abandon, after_long_wait (shares that complain), "
                           "by_segment, delay and recovery"):
        return None
    node.check_keys({"after_error": "share who complain after an error (or defect) reached them",
                     "after_abandon": "share who complain after giving up",
                     "after_long_wait": "{over: duration, share}: share who complain after a long wait",
                     "by_segment": "segment: factor multiplying the shares",
                     "delay": "when the complaint comes, after the customer left (a distribution)",
                     "recovery": "{within: duration, satisfaction: 1-5}: a complaint resolved in time recovers "
                                 "the customer"})
    after_error = node.read("after_error", share, 0.0)
    after_abandon = node.read("after_abandon", share, 0.0)
    long_share, long_wait = 0.0, None
    wait_node = node.child("after_long_wait")
    if wait_node.value not in (MISSING, None) and wait_node.expect_map("{over: 5min, share: 0.1}"):
        wait_node.check_keys({"over": "a wait longer than this", "share": "share who then complain"})
        long_wait = wait_node.read("over", positive_duration)
        long_share = wait_node.read("share", share)
    factors_node = node.child("by_segment")
    factors: tuple[tuple[str, float], ...] = ()
    if factors_node.value not in (MISSING, None) and factors_node.expect_map("segment: factor, e.g. {premium: 2}"):
        read = [(str(name), factors_node.read(name, number(0))) for name in factors_node.value]
        factors = tuple((name, value) for name, value in read if value is not None)
    delay = read_distribution(node.child("delay"), base_dir) if node.value.get("delay") not in (None, MISSING) \
        else None
    within, recovered = None, 4.0
    recovery = node.child("recovery")
    if recovery.value not in (MISSING, None) and recovery.expect_map("{within: 2d, satisfaction: 4}"):
        recovery.check_keys({"within": "how soon after complaining it must be resolved",
                             "satisfaction": "the satisfaction proxy (1-5) a recovered customer gives the "
                                             "contact complained about"})
        within = recovery.read("within", positive_duration)
        recovered = recovery.read("satisfaction", number(1, 5), 4.0)
    if not (after_error or after_abandon or long_share):
        node.problem("needs a share of customers who complain: after_error, after_abandon or after_long_wait")
        return None
    if None in (after_error, after_abandon, long_share, recovered) or (wait_node.value not in (MISSING, None)
                                                                       and long_wait is None):
        return None
    return Complaints(after_error, after_abandon, long_share, long_wait, factors, delay, within, recovered)


def _read_segment_mix(entry: Node) -> tuple[tuple[str, float], ...] | None:
    """``segment: booked`` (every contact of the stream) or ``segments: {booked: 0.7, urgent: 0.3}``;
    the names are checked against the scenario's segments later (:func:`_check_segment_mixes`)."""
    if "segment" in entry.value and "segments" in entry.value:
        entry.problem("needs one of segment (a fixed one) or segments (a mix), not both")
        return None
    if "segment" in entry.value:
        name = entry.read("segment", text)
        return None if name is None else ((name, 1.0),)
    node = entry.child("segments")
    if node.value in (MISSING, None):
        return ()
    if not node.expect_map("a mapping of segment names to shares, e.g. {booked: 0.7, urgent: 0.3}"):
        return None
    mix = [(str(name), node.read(name, share)) for name in node.value]
    if any(value is None for _, value in mix):
        return None
    if abs(sum(value for _, value in mix) - 1) > 1e-9:
        node.problem(f"the shares must add up to 1, got {sum(value for _, value in mix):g}")
        return None
    return tuple(mix)


def _check_segment_mixes(node: Node, demand: tuple[Demand, ...], segments: tuple[Segment, ...]) -> None:
    names = [segment.name for segment in segments]
    complaint_streams = [stream.name for stream in demand if stream.complaints is not None]
    if len(complaint_streams) > 1:
        node.child(complaint_streams[1]).problem(f"only one demand stream can take complaints; "
                                                 f"'{complaint_streams[0]}' already does")
    if complaint_streams and len(complaint_streams) == len(demand):
        node.child(complaint_streams[0]).problem("complaints come from other streams' customers: add a demand "
                                                 "stream with arrivals")
    for stream in demand:
        for name, _ in stream.complaints.by_segment if stream.complaints is not None else ():
            if name not in names:
                node.child(stream.name).child("complaints").child("by_segment").child(name).problem(
                    f"names no segment; expected one of {', '.join(names)}" if names else
                    "names a segment, but the scenario defines none (add segments:)")
        for name, _ in stream.segment_mix:
            if name not in names:
                key = "segment" if len(stream.segment_mix) == 1 and "segment" in (node.child(stream.name).value or {}) \
                    else "segments"
                where = node.child(stream.name).child(key)
                where.problem(f"names no segment; expected one of {', '.join(names)}" if names else
                              "names a segment, but the scenario defines none (add segments:)")


def _read_appointments(node: Node, clock: Clock | None, base_dir: Path) -> ArrivalProfile | None:
    """``{slots: ..., no_show: 0.1, early_late: {mean: -5min, sd: 10min}}``: booked customers, each opening
    day. Slots: ``{from: "08:00", to: "12:00", every: 15min, per_slot: 2}``, a list of ``{at, count}``, or
    ``{csv: file}`` with columns time and count."""
    if not node.expect_map("a mapping with slots (and no_show, early_late)"):
        return None
    node.check_keys({"slots": "when appointments are booked, and how many each time",
                     "no_show": "share of booked customers who never come",
                     "early_late": "{mean, sd}: when they come, around their slot (negative: early)"})
    if clock is None:
        return None
    slots = _read_slots(node.child("slots"), clock, base_dir)
    no_show = node.read("no_show", share, 0.0)
    mean, sd = 0.0, 0.0
    early_late = node.child("early_late")
    if early_late.value not in (MISSING, None) and early_late.expect_map("a mapping with mean and sd"):
        early_late.check_keys({"mean": "minutes after the slot on average (negative: early)",
                               "sd": "standard deviation of the offset"})
        mean = early_late.read("mean", _signed_duration, 0.0)
        sd = early_late.read("sd", duration, 0.0)
    if None in (slots, no_show, mean, sd):
        return None
    booked = Appointments(tuple(slots), no_show, mean, sd)
    return ArrivalProfile(booked.expected_per_hour(clock.day_length, clock.intervals_per_day),
                          source="appointments", appointments=booked)


def _signed_duration(value: Any) -> float:
    """A duration that may be negative (``-5min``: five minutes early)."""
    if isinstance(value, str) and value.strip().startswith("-"):
        return -duration(value.strip()[1:])
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return -duration(-value)
    return duration(value)


def _read_slots(node: Node, clock: Clock, base_dir: Path) -> list[tuple[float, int]] | None:
    opening = clock.open_at or 0.0

    def since_opening(where: Node, value: Any) -> float | None:
        try:
            minutes = parse_clock(value) - opening
        except UnitError as exc:
            where.problem(str(exc))
            return None
        if not 0 <= minutes < clock.day_length:
            where.problem(f"must be within the opening hours ({clock.label(0)}-{clock.label(clock.day_length, closing=True)}), "
                          f"got {value!r}")
            return None
        return minutes

    if node.value is MISSING:
        node.problem('is required, e.g. {from: "08:00", to: "12:00", every: 15min, per_slot: 2}')
        return None
    if isinstance(node.value, list):
        if not node.value:
            node.problem("must not be an empty list")
            return None
        slots = []
        for element in node.elements():
            if not element.expect_map("a mapping with at and count"):
                return None
            element.check_keys({"at": "the slot's time", "count": "appointments booked at it"})
            at = since_opening(element.child("at"), element.value.get("at"))
            count = element.read("count", whole_number(0, limit=MAX_BACKLOG), 1)
            if at is None or count is None:
                return None
            slots.append((at, count))
        return slots
    if not node.expect_map('{from, to, every, per_slot}, a list of {at, count}, or {csv: file}'):
        return None
    if "csv" in node.value:
        node.check_keys({"csv": "a file with columns time and count"})
        table = read_csv_table(node.child("csv"), base_dir, "appointment file")
        if table is None:
            return None
        time_column, count_column = table.column("time"), table.column("count")
        if time_column is None or count_column is None or not table.rows:
            node.child("csv").problem(f"the appointment file {table.path} needs columns time and count and a row")
            return None
        slots = []
        for index, row in enumerate(table.rows):
            at = since_opening(node.child("csv"), row[time_column].strip())
            try:
                count = table.number(index, count_column, whole=True)
            except InputError as exc:
                node.child("csv").problem(str(exc))
                return None
            if at is None:
                return None
            slots.append((at, int(count)))
        return slots
    node.check_keys({"from": "the first slot", "to": "the end of the last (not a slot itself)",
                     "every": "time between slots", "per_slot": "appointments booked at each"})
    first = since_opening(node.child("from"), node.value.get("from"))
    end = node.value.get("to")
    last = None if end is None else (parse_clock(end) - opening if _is_clock(end) else None)
    every = node.read("every", positive_duration)
    per_slot = node.read("per_slot", whole_number(1, limit=MAX_BACKLOG), 1)
    if last is None:
        node.child("to").problem(f'must be a clock time "HH:MM" within the opening hours, got {end!r}')
        return None
    if None in (first, every, per_slot):
        return None
    if last <= first or last > clock.day_length:
        node.child("to").problem("must be after from, and no later than closing")
        return None
    count = int(math.floor((last - first) / every - 1e-9)) + 1
    return [(first + k * every, per_slot) for k in range(count)]


def _is_clock(value: Any) -> bool:
    try:
        parse_clock(value)
        return True
    except UnitError:
        return False


def _read_arrivals(node: Node, clock: Clock | None, base_dir: Path, channel: str | None = None) -> ArrivalProfile | None:
    if node.value is MISSING:
        node.problem("is required, e.g. {per_hour: 120} or {per_hour: [80, 120, ...]} or {csv: file}")
        return None
    if not node.expect_map("a mapping with per_hour: rate or list, or csv: file"):
        return None
    node.check_keys({"per_hour": "constant rate or list over equal periods of a day",
                     "csv": "a forecast file with start (a time, or a date and time) and volume columns",
                     "uncertainty": "coefficient of variation of each day's forecast error",
                     "weekdays": "weekday: a factor on per_hour, or a list of its own (mon: 1.3, sat: [..])",
                     "dated": "date: rates of that day (as a dated forecast file gives them)",
                     "exact": "true: the rates are a realised history, each period gets exactly its volume"})
    if ("per_hour" in node.value) == ("csv" in node.value):
        node.problem("needs exactly one of per_hour or csv")
        return None
    uncertainty = node.read("uncertainty", number(0, 2), 0.0)
    exact = node.read("exact", _flag, False)
    profile = _read_rates(node, clock, base_dir, channel)
    if profile is not None and "dated" in node.value:
        profile = _read_dated_rates(node.child("dated"), profile, clock)
    weekdays = _read_weekdays(node.child("weekdays"), profile, clock)
    if profile is None or uncertainty is None or weekdays is None or exact is None:
        return None
    return dataclasses.replace(profile, uncertainty=uncertainty, by_weekday=weekdays, exact=exact)


def _read_dated_rates(node: Node, profile: ArrivalProfile, clock: Clock | None) -> ArrivalProfile | None:
    """``dated: {2026-12-07: [rates ...], ...}``: each simulated day's own rates, inline."""
    if not node.expect_map("a mapping of dates to lists of rates per hour"):
        return None
    days = {}
    for key, entry in node.items():
        try:
            date = _iso_date(key if not isinstance(key, str) else key.strip())
        except Invalid as exc:
            entry.problem(str(exc))
            return None
        rates = [element.parse(number(0)) for element in entry.elements()] if isinstance(entry.value, list) else [None]
        if not rates or None in rates:
            entry.problem("must be a non-empty list of rates per hour")
            return None
        days[date] = tuple(rates)
    if clock is None:
        return None
    if not clock.start_date:
        node.problem("needs clock.start_date, to place the dates")
        return None
    missing = [d.isoformat() for d in clock.dates if d.isoformat() not in days]
    if missing:
        node.problem(f"has no rates for {', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''} (simulated days)")
        return None
    return dataclasses.replace(profile, by_date=tuple(sorted(days.items())))


def _read_weekdays(node: Node, profile: ArrivalProfile | None, clock: Clock | None) -> tuple | None:
    """Monday to Sunday's rates: per_hour times a weekday's factor, or a weekday's own list."""
    if node.value in (MISSING, None):
        return ()
    if not node.expect_map("a mapping of weekdays (mon ... sun) to a factor or a list of rates"):
        return None
    if clock is not None and not clock.start_date:
        node.problem("needs clock.start_date, to know which day is which")
        return None
    if profile is None:
        return None
    if profile.by_date:
        node.problem("a dated forecast file gives every day its own rates already")
        return None
    rates = [profile.per_hour] * 7
    for name, entry in node.items():
        day = name.strip().lower()[:3]
        if day not in WEEKDAYS:
            entry.problem(f"must be a weekday (mon, tue, wed, thu, fri, sat, sun), got {name!r}")
            return None
        if isinstance(entry.value, list):
            own = [element.parse(number(0)) for element in entry.elements()]
            if not own or None in own:
                if not own:
                    entry.problem("must not be an empty list")
                return None
            rates[WEEKDAYS.index(day)] = tuple(own)
        else:
            factor = entry.parse(number(0))
            if factor is None:
                return None
            rates[WEEKDAYS.index(day)] = tuple(r * factor for r in profile.per_hour)
    return tuple(rates)


def _read_rates(node: Node, clock: Clock | None, base_dir: Path, channel: str | None = None) -> ArrivalProfile | None:
    if "per_hour" in node.value:
        rates_node = node.child("per_hour")
        rate = number(0, limit=MAX_PER_HOUR)
        if isinstance(rates_node.value, list):
            if not rates_node.value:
                rates_node.problem("must not be an empty list")
                return None
            rates = [element.parse(rate) for element in rates_node.elements()]
        else:
            rates = [rates_node.parse(rate)]
        return None if None in rates else ArrivalProfile(tuple(rates))
    return _read_forecast_csv(node.child("csv"), clock, base_dir, channel)


def _read_forecast_csv(node: Node, clock: Clock | None, base_dir: Path, channel: str | None = None) -> ArrivalProfile | None:
    """A forecast file: a ``start`` column (clock time or minutes after opening, the same every day; or a
    date and time, each day its own) and a ``volume`` column (contacts in the period). Each day's periods
    must be equal and cover the day. A file with a ``channel`` column (as ``servicesim forecast`` writes for
    several channels) gives each demand stream the rows of its own channel."""
    table = read_csv_table(node, base_dir, "forecast file")
    if table is None:
        return None
    start, volume, channel_column = table.column("start"), table.column("volume"), table.column("channel")
    if not table.rows or start is None or volume is None:
        node.problem(f"the forecast file {table.path} needs columns start and volume and at least one row")
        return None
    rows = range(len(table.rows))
    if channel_column is not None and channel is not None:
        rows = [i for i in rows if table.rows[i][channel_column] == channel]
        if not rows:
            node.problem(f"the forecast file {table.path} has a channel column but no rows for channel {channel}")
            return None
    if _dated(table.rows[rows[0]][start]):
        return _read_dated_forecast(node, clock, table, rows, start, volume)
    read = _read_day_rows(node, clock, table, rows, start, volume)
    if read is None:
        return None
    period, volumes = read
    rates = tuple(v * 60 / period for v in volumes)
    if _over_rate_limit(node, table, rates):
        return None
    return ArrivalProfile(rates, source=str(table.path))


def _over_rate_limit(node: Node, table: TextTable, rates: tuple[float, ...]) -> bool:
    """Whether a forecast's volumes make a rate beyond MAX_PER_HOUR (a problem is recorded)."""
    if max(rates, default=0.0) > MAX_PER_HOUR:
        node.problem(f"the forecast file {table.path}: a period's volume makes {max(rates):,.0f} arrivals an hour; "
                     f"at most {MAX_PER_HOUR:,.0f} (a limit: docs/scenario-format.md)")
        return True
    return False


def _dated(text: str) -> bool:
    return len(text.strip()) >= 10 and text.strip()[4] == "-" and text.strip()[7] == "-"


def _read_dated_forecast(node: Node, clock: Clock | None, table: TextTable, rows: Sequence[int], start: str,
                         volume: str) -> ArrivalProfile | None:
    """A forecast with a date and time per row: every simulated day its own rates."""
    if clock is None:
        return None
    if not clock.start_date:
        node.problem(f"the forecast file {table.path} has dates: give clock.start_date (and closed days) to place them")
        return None
    by_date: dict[str, list[tuple[float, float]]] = {}
    for index in rows:
        raw_start = table.rows[index][start]
        try:
            when = dt.datetime.fromisoformat(raw_start.replace(" ", "T", 1))
        except ValueError:
            node.problem(f"{table.where(index, start)}: expected a date and time (2026-12-07 08:00), got {raw_start!r}")
            return None
        try:
            amount = table.number(index, volume)
        except InputError as problem:
            node.problem(str(problem))
            return None
        minutes = when.hour * 60 + when.minute - (clock.open_at or 0.0)
        by_date.setdefault(when.date().isoformat(), []).append((minutes, amount))
    days = {}
    for date, entries in by_date.items():
        period = clock.day_length / len(entries)
        if any(abs(begin - k * period) > 1e-6 for k, (begin, _) in enumerate(sorted(entries))):
            node.problem(f"the forecast file {table.path}: {date} must have {len(entries)} equal periods covering "
                         f"the day from opening")
            return None
        days[date] = tuple(v * 60 / period for _, v in sorted(entries))
    missing = [d.isoformat() for d in clock.dates if d.isoformat() not in days]
    if missing:
        node.problem(f"the forecast file {table.path} has no rows for {', '.join(missing[:3])}"
                     f"{' ...' if len(missing) > 3 else ''} (simulated days)")
        return None
    if any(_over_rate_limit(node, table, rates) for rates in days.values()):
        return None
    first = days[clock.dates[0].isoformat()]
    return ArrivalProfile(first, source=str(table.path), by_date=tuple(sorted(days.items())))


def _read_day_rows(node: Node, clock: Clock | None, table: TextTable, rows: Sequence[int], start: str, column: str,
                   whole: bool = False, at_most: float | None = None) -> tuple[float, list[float]] | None:
    """Rows of equal periods covering one day: a ``start`` column (clock time or minutes after opening)
    and ``column`` of numbers >= 0 (whole numbers, with ``whole``): the period and the values."""
    if clock is None:
        return None
    starts, values = [], []
    for index in rows:
        raw_start = table.rows[index][start]
        try:
            starts.append(parse_clock(raw_start) - (clock.open_at or 0.0) if ":" in raw_start
                          else parse_duration(raw_start))
        except (UnitError, ValueError):
            node.problem(f"{table.where(index, start)}: expected a clock time (08:30) or minutes after opening, "
                         f"got {raw_start!r}")
            return None
        try:
            values.append(table.number(index, column, whole=whole, at_most=at_most))
        except InputError as problem:
            node.problem(str(problem))
            return None
    period = clock.day_length / len(rows)
    expected = [i * period for i in range(len(rows))]
    if any(abs(a - b) > 1e-6 for a, b in zip(starts, expected)):
        node.problem(f"the file {table.path} must have {len(rows)} equal periods covering the day from "
                     f"opening: starts {', '.join(clock.label(t) for t in expected)}")
        return None
    return period, values


def _read_staffed(node: Node, clock: Clock | None, base_dir: Path) -> StaffedCurves | None:
    """Agents on duty per period of the day: a list (equal periods, like per_hour) or {csv: file} with
    start and count columns, every day alike; or a mapping of weekdays (``mon``, ``tue-fri``) to those,
    one curve per weekday (with clock.start_date)."""
    if isinstance(node.value, dict) and node.value and set(node.value) != {"csv"}:
        if clock is not None and not clock.start_date:
            node.problem("staffing by weekday needs clock.start_date (the date of the first day)")
            return None
        curves, seen, ok = [], set(), True
        for key, entry in node.items():
            try:
                days = _weekday_list(key)
            except Invalid as problem:
                entry.problem(str(problem))
                ok = False
                continue
            if seen & set(days):
                entry.problem(f"names {weekday_label(tuple(sorted(seen & set(days))))} a second time")
                ok = False
            seen |= set(days)
            counts = _read_staffing_curve(entry, clock, base_dir)
            ok = ok and counts is not None
            curves.append((days, counts))
        if not ok:
            return None
        simulated = {date.weekday() for date in clock.dates} if clock is not None else set()
        if simulated - seen:
            node.problem(f"has no staffing for {weekday_label(tuple(sorted(simulated - seen)))} (simulated days); "
                         f"give it (a list of zeros where nobody works)")
            return None
        return tuple((days, counts) for days, counts in curves)
    counts = _read_staffing_curve(node, clock, base_dir)
    return None if counts is None else ((None, counts),)


def _read_staffing_curve(node: Node, clock: Clock | None, base_dir: Path) -> tuple[int, ...] | None:
    if isinstance(node.value, list):
        if not node.value:
            node.problem("must not be an empty list")
            return None
        counts = [element.parse(whole_number(0, limit=MAX_HEADCOUNT)) for element in node.elements()]
        return None if None in counts else tuple(counts)
    if isinstance(node.value, dict) and set(node.value) == {"csv"}:
        table = read_csv_table(node.child("csv"), base_dir, "staffing file")
        if table is None:
            return None
        start, count = table.column("start"), table.column("count")
        if not table.rows or start is None or count is None:
            node.child("csv").problem(f"the staffing file {table.path} needs columns start and count and at least "
                                      "one row")
            return None
        read = _read_day_rows(node.child("csv"), clock, table, range(len(table.rows)), start, count, whole=True,
                              at_most=MAX_HEADCOUNT)
        return None if read is None else tuple(int(v) for v in read[1])
    node.problem("must be a list of agents per period of the day (e.g. [8, 12, 12, 10]), {csv: file}, or a mapping "
                 "of weekdays to those (mon: [...], tue-fri: [...])")
    return None


# -- variants ----------------------------------------------------------------------------------

def unsafe_name(name: str) -> str | None:
    """Why a name cannot be a folder name (None when it can): not empty, at most 100 characters, no
    path separators, no '..', no control characters. Any script is fine (``보험``)."""
    if not name.strip():
        return "it must not be empty"
    if len(name) > 100:
        return f"at most 100 characters, got {len(name)}"
    if "/" in name or "\\" in name or name.strip(".") == "" or ".." in name:
        return f"no '/', '\\' or '..' in it, got {name!r}"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return f"no control characters in it, got {name!r}"
    return None


def _check_variants(node: Node) -> None:
    """The shape of ``variants:`` (each variant's values are validated when it is built)."""
    if node.value in (MISSING, None) or not node.expect_map("a mapping of variant names to {path: value}"):
        return
    for name, entry in node.items():
        unsafe = unsafe_name(name)
        if unsafe:
            entry.problem(f"a variant's name becomes a folder name: {unsafe}")
        elif name == "baseline":
            entry.problem("'baseline' is the scenario itself; give the variant another name")
        elif not entry.is_map() or not entry.value:
            entry.problem("must be a mapping of dotted paths to values, e.g. {staff.agents.headcount: 16}")


# -- training -------------------------------------------------------------------------------------

def _read_training(node: Node, names: Names, clock: Clock | None) -> tuple[Training, ...]:
    if node.value in (MISSING, None):
        return ()
    if not node.expect_map("a mapping of course names to {pool, skill, to_level, share, ...}"):
        return ()
    pools = names.pools
    courses = []
    for name, entry in node.items():
        if not entry.expect_map("a mapping with pool, skill, to_level and share"):
            continue
        entry.check_keys({"pool": "who is trained", "skill": "what they learn", "to_level": "the level reached",
                          "share": "share of the pool trained", "cost_per_person": "cost per trainee",
                          "off_floor": "{start, length}: the session's time away; the new level counts from "
                                       "its end",
                          "days": "the simulated days of its sessions (1 = the first), trainees shared out"})
        pool = entry.read("pool", text)
        if pool is not None and pools and pool not in pools:
            entry.child("pool").problem(f"names no pool; expected one of {', '.join(sorted(pools))}")
        skill = entry.read("skill", text)
        to_level = entry.read("to_level", whole_number(1, 5))
        fraction = entry.read("share", share)
        cost = entry.read("cost_per_person", number(0), 0.0)
        start, length = None, 0.0
        away = entry.child("off_floor")
        if away.value not in (MISSING, None) and away.expect_map("a mapping with start and length"):
            away.check_keys({"start": "clock time it starts", "length": "how long"})
            start, length = away.read("start", parse_clock), away.read("length", positive_duration)
            if start is not None and clock is not None:
                start -= clock.open_at or 0.0
                if not 0 <= start < clock.day_length:
                    away.child("start").problem("must be within the opening hours")
        days = _read_course_days(entry.child("days"), clock)
        if None not in (pool, skill, to_level, fraction, cost, length, days):
            courses.append(Training(name, pool, skill, to_level, fraction, cost, start, length, days))
    return tuple(courses)


def _read_course_days(node: Node, clock: Clock | None) -> tuple[int, ...] | None:
    """``[1, 3, 5]``: the simulated days of a course's sessions (1 = the first day of the run)."""
    if node.value in (MISSING, None):
        return ()
    days = node.value if isinstance(node.value, list) else [node.value]
    last = clock.days if clock is not None else None
    if not days or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 1 and (last is None or d <= last)
                           for d in days):
        node.problem(f"must be a list of simulated days from 1 to {last if last is not None else 'the last'}, "
                     f"e.g. [1, 3], got {node.value!r}")
        return None
    if len(set(days)) < len(days):
        node.problem("names a day twice")
        return None
    return tuple(sorted(days))


# -- satisfaction -------------------------------------------------------------------------------

def _read_satisfaction(node: Node, names: Names) -> Satisfaction:
    default = Satisfaction()
    if node.value in (MISSING, None) or not node.expect_map("a mapping with tolerance, weights, ..."):
        return default
    node.check_keys({"tolerance": "channel: wait accepted without complaint",
                     "default_tolerance": "tolerance of channels not listed", "weights": "of the three components",
                     "abandoned": "score of a customer who gave up",
                     "bot_assurance": "assurance of a contact served only by automation",
                     "repeat_reliability": "reliability of a repeat contact"})
    tolerance: list[tuple[str, float]] = []
    tolerance_node = node.child("tolerance")
    if tolerance_node.value not in (MISSING, None) and tolerance_node.expect_map("a mapping of channel: duration"):
        for channel, entry in tolerance_node.items():
            if names.channels and channel not in names.channels:
                entry.problem(f"names no channel; expected one of {', '.join(sorted(names.channels))}")
            minutes = entry.parse(positive_duration)
            if minutes is not None:
                tolerance.append((channel, minutes))
    weights = node.child("weights")
    values = {"responsiveness": default.responsiveness, "reliability": default.reliability,
              "assurance": default.assurance}
    if weights.value not in (MISSING, None) and weights.expect_map("a mapping of component: weight"):
        weights.check_keys({k: "" for k in values})
        for key in values:
            values[key] = weights.read(key, number(0), values[key])
        if all(v is not None for v in values.values()) and sum(values.values()) <= 0:
            weights.problem("must give at least one component a weight above 0")
    result = Satisfaction(
        tolerance=tuple(tolerance),
        default_tolerance=node.read("default_tolerance", positive_duration, default.default_tolerance),
        abandoned=node.read("abandoned", number(1, 5), default.abandoned),
        bot_assurance=node.read("bot_assurance", share, default.bot_assurance),
        repeat_reliability=node.read("repeat_reliability", share, default.repeat_reliability),
        **{k: v for k, v in values.items()})
    return result


# -- cross references -----------------------------------------------------------------------------

def _check_references(root: Node, names: Names) -> None:
    """Names used by demand streams and steps resolve, checked against the names as written."""
    for name, entry in root.child("demand").items():   # raw entries: checked even if another field failed
        if not entry.is_map():
            continue
        channel, process = entry.value.get("channel"), entry.value.get("process")
        if isinstance(channel, str) and channel not in names.channels and root.child("channels").value:
            entry.child("channel").problem(
                f"names no channel; expected one of {', '.join(sorted(names.channels))}, got '{channel}'")
        processes = root.child("processes").value
        if isinstance(processes, dict) and processes and isinstance(process, str) and process not in processes:
            entry.child("process").problem(
                f"names no process; expected one of {', '.join(sorted(map(str, processes)))}, got '{process}'")
    staff = root.child("staff").value
    skills_staffed = {str(skill) for pool in (staff.values() if isinstance(staff, dict) else [])
                      if isinstance(pool, dict) and isinstance(pool.get("skills"), dict) for skill in pool["skills"]}
    if not skills_staffed:
        return
    for process, entry in root.child("processes").items():
        for step in entry.child("steps").elements():
            skill = step.value.get("skill") if isinstance(step.value, dict) else None
            if isinstance(skill, str) and skill not in skills_staffed:
                step.child("skill").problem(f"no staff pool has the skill '{skill}'")


# -- hints for likely slips ----------------------------------------------------------------------

def _hint_units(root: Node, clock: Clock, channels: tuple[Channel, ...], demand: tuple[Demand, ...],
                processes: tuple[Process, ...]) -> None:
    """Warnings for what planners often get wrong: an arrival profile whose periods do not line up with
    the reporting intervals, and bare numbers (minutes) that are implausible as minutes."""
    for stream in demand:
        periods = len(stream.arrivals.per_hour)
        if periods <= 1 or stream.arrivals.source != "per_hour":
            continue
        period = clock.day_length / periods
        if not _aligned(period, clock.interval):
            fitting = sorted({round(n) for n in (clock.day_length / 60, clock.day_length / 30,
                                                 clock.day_length / clock.interval)
                              if _whole(n) and _aligned(clock.day_length / n, clock.interval)})
            hint = (f"; did you mean {' or '.join(str(n) for n in fitting)} values?" if fitting else
                    f"; choose a reporting interval that divides {period:g} min")
            root.child("demand").child(stream.name).child("arrivals").child("per_hour").warn(
                f"{periods} rates over a {format_duration(clock.day_length)} day are periods of {period:g} min, "
                f"which do not line up with the {clock.interval:g}-minute reporting intervals (an interval would "
                f"mix two rates){hint}")
    deferrable = {c.name for c in channels if c.deferrable}
    for name, entry in root.child("channels").items():
        _hint_bare_minutes(entry.child("patience"), 60, "a patience")
    real_time = {d.process for d in demand if d.channel not in deferrable}
    for process, entry in root.child("processes").items():
        if process not in real_time:
            continue
        for step in entry.child("steps").elements():
            _hint_bare_minutes(step.child("duration"), 120, "a handling time")


def _whole(value: float) -> bool:
    return abs(value - round(value)) < 1e-6


def _aligned(period: float, interval: float) -> bool:
    """Periods of an arrival profile and reporting intervals share their boundaries."""
    return _whole(period / interval) or _whole(interval / period)


def _hint_bare_minutes(node: Node, limit: float, what: str) -> None:
    """Warn when a distribution's parameters are bare numbers (minutes) above ``limit``."""
    value = node.value
    if isinstance(value, dict) and len(value) == 1:
        family = next(iter(value))
        params = node.child(family)
        candidates = [params.child(k) for k in params.value if k not in ("cv", "k")] \
            if isinstance(params.value, dict) else []
    else:
        candidates = [node]
    for candidate in candidates:
        number_ = candidate.value
        if isinstance(number_, (int, float)) and not isinstance(number_, bool) and number_ > limit:
            candidate.warn(f"{number_:g} minutes is a long time for {what} (minutes unless a unit is given); "
                           f"did you mean \"{number_:g}s\"? Write \"{number_:g}min\" to keep minutes")
