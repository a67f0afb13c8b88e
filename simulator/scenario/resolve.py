"""The resolved scenario: every default made explicit, written as YAML beside the results.

The document reads back (:func:`simulator.scenario.build_scenario`) as the same
scenario, so a results folder says exactly what was run and can be run again.
Forecast and sample files are inlined, so the document stands on its own.
"""

from __future__ import annotations

from typing import Any

import yaml

from simulator.scenario.model import (WEEKDAYS, Activity, Channel, Demand, Pool, Scenario, Shift, StaffedCurves, Step, Training,
                                      Wellbeing, weekday_label)
from simulator.units import format_clock


def resolved_document(scenario: Scenario) -> dict[str, Any]:
    """The scenario as a plain mapping in the scenario-file format, defaults included."""
    clock = scenario.clock
    clock_doc: dict[str, Any] = {}
    if clock.open_at is not None:
        clock_doc["open"] = format_clock(clock.open_at)
        clock_doc["close"] = format_clock(clock.open_at + clock.day_length)
    else:
        clock_doc["horizon"] = clock.day_length
    clock_doc.update(days=clock.days, interval=clock.interval, warmup="auto" if clock.warmup_auto else clock.warmup)
    if clock.start_date:
        clock_doc["start_date"] = clock.start_date
    if clock.closed:
        clock_doc["closed"] = list(clock.closed)
    document: dict[str, Any] = {
        "name": scenario.name,
        "description": scenario.description,
        "clock": clock_doc,
        "replications": scenario.replications,
        "seed": scenario.seed,
        "channels": {c.name: _channel_document(c) for c in scenario.channels},
    }
    if scenario.segments:
        document["segments"] = {s.name: {"share": s.share, "priority": s.priority,
                                         "patience_factor": s.patience_factor} for s in scenario.segments}
    document["demand"] = {d.name: _demand_document(d, clock.open_at) for d in scenario.demand}
    document["processes"] = {p.name: {"steps": [_step_document(s) for s in p.steps]} for p in scenario.processes}
    if scenario.automation:
        document["automation"] = {a.name: {"capacity": a.capacity, "cost_per_contact": a.cost_per_contact}
                                  for a in scenario.automation}
    document["skill_levels"] = {level.level: {"speed": level.speed, "error_factor": level.error_factor}
                                for level in scenario.skill_levels}
    document["staff"] = {p.name: _pool_document(p, clock.open_at or 0.0) for p in scenario.staff}
    document["routing"] = scenario.routing
    if scenario.training:
        document["training"] = {course.name: _course_document(course, clock.open_at or 0.0)
                                for course in scenario.training}
    if scenario.max_occupancy is not None:
        document["max_occupancy"] = scenario.max_occupancy
    if scenario.wellbeing != Wellbeing():
        document["wellbeing"] = dict(vars(scenario.wellbeing))
    if scenario.retention is not None:
        kept = scenario.retention
        document["retention"] = {"base": kept.base, "per_point": kept.per_point, "after_failure": kept.after_failure,
                                 "value": kept.value}
        if kept.by_segment:
            document["retention"]["by_segment"] = {
                name: {key: value for key, value in (("base", base), ("value", money)) if value is not None}
                for name, base, money in kept.by_segment}
    if scenario.quality_costs.any:
        document["quality_costs"] = {key: value for key, value in vars(scenario.quality_costs).items() if value}
    feel = scenario.satisfaction
    document["satisfaction"] = {
        "tolerance": dict(feel.tolerance), "default_tolerance": feel.default_tolerance,
        "weights": {"responsiveness": feel.responsiveness, "reliability": feel.reliability,
                    "assurance": feel.assurance},
        "abandoned": feel.abandoned, "bot_assurance": feel.bot_assurance,
        "repeat_reliability": feel.repeat_reliability}
    measured = scenario.service_level
    service_level: dict[str, Any] = {}
    if measured.default is not None:
        service_level["within"] = f"{measured.default * 60:g}s"
    if measured.channels:
        service_level["channels"] = {name: f"{minutes * 60:g}s" for name, minutes in measured.channels}
    segments = {scope.split(":", 1)[1]: f"{minutes * 60:g}s" for scope, minutes in measured.scopes
                if scope.startswith("segment:")}
    if segments:
        service_level["segments"] = segments
    if measured.short_abandon:
        service_level["short_abandon"] = f"{measured.short_abandon * 60:g}s"
    if service_level:
        document["service_level"] = service_level
    targets = []
    for target in scenario.targets:
        entry: dict[str, Any] = {"kpi": target.kpi, target.direction: target.bound, "scope": target.scope}
        if target.within is not None and target.scope.startswith("demand:"):
            entry["within"] = f"{target.within * 60:g}s"   # the one threshold not kept under service_level
        targets.append(entry)
    if targets:
        document["targets"] = targets
    return document


def _demand_document(demand: Demand, opening: float | None = None) -> dict[str, Any]:
    arrivals: dict[str, Any] = {"per_hour": list(demand.arrivals.per_hour)}
    # every weekday (or date) its own rates, written out: the document stands on its own
    if demand.arrivals.by_date:
        arrivals["dated"] = {date: list(rates) for date, rates in demand.arrivals.by_date}
    elif demand.arrivals.by_weekday:
        arrivals["weekdays"] = {day: list(rates) for day, rates in zip(WEEKDAYS, demand.arrivals.by_weekday)}
    if demand.arrivals.uncertainty:
        arrivals["uncertainty"] = demand.arrivals.uncertainty
    if demand.arrivals.exact:
        arrivals["exact"] = True
    entry = {"channel": demand.channel, "arrivals": arrivals, "process": demand.process}
    booked = demand.arrivals.appointments
    if booked is not None:   # written as a list of slots (minutes after opening): the document stands alone
        del entry["arrivals"]
        entry["appointments"] = {"slots": [{"at": format_clock(at + (opening or 0.0)), "count": count}
                                           for at, count in booked.slots],
                                 "no_show": booked.no_show,
                                 "early_late": {"mean": booked.early_late_mean, "sd": booked.early_late_sd}}
    if demand.backlog:
        entry["backlog"] = demand.backlog
    if demand.segment_mix:
        entry["segments"] = dict(demand.segment_mix)
    if demand.complaints is not None:
        del entry["arrivals"]
        entry["complaints"] = _complaints_document(demand.complaints)
    return entry


def _complaints_document(rule) -> dict[str, Any]:
    entry: dict[str, Any] = {"after_error": rule.after_error, "after_abandon": rule.after_abandon}
    if rule.long_wait is not None:
        entry["after_long_wait"] = {"over": rule.long_wait, "share": rule.after_long_wait}
    if rule.by_segment:
        entry["by_segment"] = dict(rule.by_segment)
    if rule.delay is not None:
        entry["delay"] = rule.delay.spec()
    if rule.recovery_within is not None:
        entry["recovery"] = {"within": rule.recovery_within, "satisfaction": rule.recovered_satisfaction}
    return entry


def _course_document(course: Training, opening: float) -> dict[str, Any]:
    entry: dict[str, Any] = {"pool": course.pool, "skill": course.skill, "to_level": course.to_level,
                             "share": course.share, "cost_per_person": course.cost_per_person}
    if course.off_floor_start is not None:
        entry["off_floor"] = {"start": format_clock(opening + course.off_floor_start),
                              "length": course.off_floor_length}
    if course.days:
        entry["days"] = list(course.days)
    return entry


def _channel_document(channel: Channel) -> dict[str, Any]:
    entry: dict[str, Any] = {"patience": channel.patience.spec()} if channel.patience else {}
    if channel.deferrable:
        entry["deferrable"] = True
        if channel.response_target is not None:
            entry["response_target"] = channel.response_target
    if channel.retrial_after is not None:
        entry["retrial"] = {"share": channel.retrial_share, "after": channel.retrial_after.spec()}
    if channel.callback_above is not None:
        entry["callback"] = {"offer_above": channel.callback_above, "accept": channel.callback_accept}
    if channel.concurrency > 1:
        entry.update(concurrency=channel.concurrency, concurrency_slowdown=channel.concurrency_slowdown)
    if channel.lines is not None:
        entry["lines"] = channel.lines
    if channel.balk_at is not None:
        entry["balking"] = {"at": channel.balk_at}
    elif channel.balk_shares:
        entry["balking"] = {"shares": list(channel.balk_shares)}
    return entry


def _step_document(step: Step) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": step.name}
    entry.update({"skill": step.skill} if step.skill is not None else {"automation": step.automation})
    entry.update(duration=step.duration.spec(), probability=step.probability, error_rate=step.error_rate)
    if step.rework is not None:
        entry["on_error"] = {"rework": step.rework}
    elif step.recontact_after is not None:
        entry["on_error"] = {"recontact_after": step.recontact_after}
    if step.automation is not None:
        entry["containment"] = step.containment
    if step.duration_factors:
        entry["duration_factors"] = list(step.duration_factors)
    if step.branch:
        entry["branch"] = [{"to": way.process, "share": way.share, **({"segment": way.segment} if way.segment else {})}
                           for way in step.branch]
    if step.after_call_work is not None:
        entry["after_call_work"] = step.after_call_work.spec()
    if step.defect_rate:
        entry["defect_rate"] = step.defect_rate
    if step.detection:
        entry["detection"] = step.detection
    return entry


def _activity_document(activity: Activity, opening: float) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": activity.name, "start": format_clock(opening + activity.start),
                             "length": activity.length, "share": activity.share, "stagger": activity.stagger}
    if activity.days is not None:
        entry["days"] = [WEEKDAYS[day] for day in activity.days]
    return entry


def _pool_document(pool: Pool, opening: float) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if pool.staffed:
        entry["staffed"] = staffed_document(pool.staffed)
    elif pool.shifts:
        entry["shifts"] = {shift.name: shift_document(shift, opening) for shift in pool.shifts}
    else:
        entry["headcount"] = pool.headcount
    entry.update(skills=dict(pool.skills), cost_per_hour=pool.cost_per_hour, shrinkage=pool.shrinkage,
                 after_close=pool.after_close)
    if pool.overtime_rate is not None:
        entry["overtime_rate"] = pool.overtime_rate
    if pool.secondary:
        entry["secondary"] = dict(pool.secondary)
    if pool.segments:
        entry["segments"] = list(pool.segments)
    if pool.learning is not None:
        entry["learning"] = {"from_level": pool.learning.from_level, "days": pool.learning.days}
    if pool.max_occupancy is not None:
        entry["max_occupancy"] = pool.max_occupancy
    if pool.attrition is not None:
        entry["attrition"] = {"per_month": pool.attrition.per_month}
        if pool.attrition.replaced_after is not None:
            entry["attrition"]["replaced_after"] = pool.attrition.replaced_after
        if pool.attrition.new_hire is not None:
            entry["attrition"]["new_hire"] = {"from_level": pool.attrition.new_hire.from_level,
                                              "days": pool.attrition.new_hire.days}
        if pool.attrition.wellbeing_at is not None:
            entry["attrition"]["wellbeing"] = {"at": pool.attrition.wellbeing_at,
                                               "doubles_every": pool.attrition.doubles_every}
    if pool.activities:
        entry["activities"] = [_activity_document(activity, opening) for activity in pool.activities]
    if pool.adherence.share < 1:
        entry["adherence"] = {"share": pool.adherence.share, "episode": pool.adherence.episode}
    if pool.shift_rules is not None:
        rules = pool.shift_rules
        start: dict[str, Any] = {"earliest": format_clock(opening + rules.earliest)}
        if rules.latest is not None:
            start["latest"] = format_clock(opening + rules.latest)
        if rules.step is not None:
            start["step"] = rules.step
        entry["shift_rules"] = {
            "lengths": list(rules.lengths), "start": start,
            "breaks": [{"min_length": b.min_length, "after": b.after, "length": b.length, "stagger": b.stagger}
                       for b in rules.break_rules],
            "min_count": rules.min_count, "max_count": rules.max_count}
        if rules.part_time_below is not None:
            entry["shift_rules"]["part_time"] = {"below": rules.part_time_below, "at_most": rules.part_time_share}
        if rules.days_per_week is not None:
            entry["shift_rules"].update(days_per_week=list(rules.days_per_week),
                                        days_off="consecutive" if rules.consecutive_days_off else "any")
            low, high = rules.weekly_hours
            hours = {**({"at_least": low} if low > 0 else {}), **({"at_most": high} if high != float("inf") else {})}
            if hours:
                entry["shift_rules"]["weekly_hours"] = hours
    if pool.breaks:
        entry["breaks"] = [{"after": b.after, "length": b.length, "stagger": b.stagger} for b in pool.breaks]
    return entry


def staffed_document(curves: StaffedCurves) -> list[int] | dict[str, list[int]]:
    """Staffing curves as the scenario file writes them: a list (every day alike) or by weekday."""
    if len(curves) == 1 and curves[0][0] is None:
        return [int(c) for c in curves[0][1]]
    return {weekday_label(days): [int(c) for c in counts] for days, counts in curves}


def shift_document(shift: Shift, opening: float) -> dict[str, Any]:
    """A shift as the scenario file writes it (clock times, its own breaks if any)."""
    entry: dict[str, Any] = {"start": format_clock(opening + shift.start), "end": format_clock(opening + shift.end),
                             "count": shift.count}
    if shift.breaks is not None:
        entry["breaks"] = [{"after": b.after, "length": b.length, "stagger": b.stagger} for b in shift.breaks]
    if shift.days is not None:
        entry["days"] = [WEEKDAYS[d] for d in shift.days]
    return entry


def resolved_yaml(scenario: Scenario) -> str:
    """The resolved scenario as YAML text, headed by a note on where it came from."""
    source = f" from {scenario.source}" if scenario.source else ""
    header = f"# Resolved scenario{source}: every default made explicit. It runs as it stands.\n"
    return header + yaml.safe_dump(resolved_document(scenario), sort_keys=False, allow_unicode=True, width=100)
