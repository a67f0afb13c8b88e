"""KPIs of one replication, from its recorded columns (definitions: simulator.kpis, docs/kpis.md).

A KPI that is a ratio (a mean wait, a share, a rate, utilisation) is returned with its numerator and
denominator, so that the summary across replications can estimate the per-contact value as a ratio
of sums (simulator.analysis), and a mean over contacts also with the sum of its squared values (for
the least uncertainty its interval may show); other KPIs (counts, costs, percentiles) are plain values. Everything
here is vectorised numpy over whole columns; it runs once per replication, after the simulation,
never per event.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.metrics.staff_time import bot_busy, busy_time_before, staff_time, time_between
from simulator.metrics.tables import ReplicationTables
from simulator.model.records import REWORKED
from simulator.scenario.model import Scenario

Row = tuple[str, str, float, float, float, float]   # (metric, scope, value, numerator, denominator, squares)
IntervalRow = tuple[int, str, str, float, float, float, float]   # (interval, ...the same)
NAN = math.nan

WAIT_PERCENTILES = (("wait_p50", 50), ("wait_p90", 90), ("wait_p95", 95))

__all__ = ["busy_time_before", "replication_kpis", "interval_kpis", "distribution_rows", "satisfaction_scores"]


def plain(metric: str, scope: str, value: float) -> Row:
    return (metric, scope, float(value), NAN, NAN, NAN)


def ratio(metric: str, scope: str, numerator: float, denominator: float, squares: float = NAN) -> Row:
    return (metric, scope, float(numerator) / float(denominator) if denominator else NAN, float(numerator),
            float(denominator), float(squares))


def mean_of(metric: str, scope: str, values: np.ndarray) -> Row:
    """The mean of per-contact values, as a ratio (sum / count) with the sum of squares."""
    return ratio(metric, scope, values.sum(), len(values), float(np.dot(values, values)))


def _percentile(values: np.ndarray, q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else NAN


# -- who is who -----------------------------------------------------------------------------------------

def contact_scopes(tables: ReplicationTables, scenario: Scenario) -> dict[str, np.ndarray]:
    """Boolean masks over contacts: all, each channel, each segment, each demand stream."""
    scopes = {"all": np.ones(len(tables.arrived_at), dtype=bool)}
    for number, channel in enumerate(scenario.channels):
        if any(d.channel == channel.name for d in scenario.demand):
            scopes[f"channel:{channel.name}"] = tables.channel == number
    for number, segment in enumerate(scenario.segments):
        scopes[f"segment:{segment.name}"] = tables.segment == number
    for number, demand in enumerate(scenario.demand):
        scopes[f"demand:{demand.name}"] = tables.demand == number
    return scopes


def scope_channels(scenario: Scenario, scope: str) -> set[str]:
    """The channels whose contacts a contact scope can hold."""
    kind, _, name = scope.partition(":")
    if kind == "channel":
        return {name}
    if kind == "demand":
        return {next(d.channel for d in scenario.demand if d.name == name)}
    return {d.channel for d in scenario.demand}


class ContactFacts:
    """Per-contact facts every contact KPI needs, computed once per replication."""

    def __init__(self, tables: ReplicationTables, scenario: Scenario):
        clock = scenario.clock
        channels = scenario.channels
        self.counted = tables.arrived_at >= clock.warmup
        deferrable = np.array([c.deferrable for c in channels], dtype=bool)
        self.deferrable = deferrable[tables.channel] if len(tables.channel) else np.zeros(0, dtype=bool)
        self.answered = ~np.isnan(tables.answered_at)
        self.abandoned = tables.outcome == 1
        self.completed = tables.outcome == 0
        self.left = self.completed | self.abandoned          # served, or gave up waiting
        self.blocked = tables.outcome == 3                   # a busy signal: every line was busy
        self.balked = tables.outcome == 4                    # saw the line and left at once
        self.turned_away = self.blocked | self.balked
        self.done = tables.outcome != 2                      # no longer in the system, whichever way it left
        self.unanswered_at_end = tables.left_waiting & ~self.answered
        short = scenario.service_level.short_abandon
        self.short = self.abandoned & (np.nan_to_num(tables.queue_time) <= short + 1e-12) if short else \
            np.zeros(len(tables.arrived_at), dtype=bool)
        thresholds = np.array([scenario.threshold(c.name) if scenario.threshold(c.name) is not None else NAN
                               for c in channels])
        self.threshold = thresholds[tables.channel] if len(tables.channel) else np.zeros(0)
        targets = np.full(len(channels), np.inf)
        for number, channel in enumerate(channels):
            if channel.deferrable and channel.response_target is not None:
                targets[number] = clock.opening_time(channel.response_target)
        self.response_target = targets[tables.channel] if len(tables.channel) else np.zeros(0)
        self.has_response_target = any(c.deferrable and c.response_target is not None for c in channels)
        self.scores = satisfaction_scores(tables, scenario)
        self.bot_time, self.served_time, self.rework_time = _time_parts(tables)
        self.complaints = any(d.complaints is not None for d in scenario.demand)
        self.recovers = any(d.complaints is not None and d.complaints.recovery_within is not None
                            for d in scenario.demand)
        self.recovered = recovered_complaints(tables, scenario)
        # complaints whose recovery deadline fell within the simulated days: the run can tell of each
        # whether it was recovered in time (one still open then was not); of the others it cannot
        window = recovery_window(scenario)
        self.recovery_due = tables.complaint & (tables.arrived_at + window <= clock.horizon + 1e-9) \
            if window is not None else np.zeros(len(tables.arrived_at), dtype=bool)
        self.churn, self.excess_churn, self.customer_value = churn_proxy(tables, scenario, self) \
            if scenario.retention else (None, None, None)
        # defects made upstream and found (or not) downstream: per contact, defects found and escaped
        makers = np.array([step.defect_rate > 0 for process in scenario.processes for step in process.steps])
        self.has_defects = bool(makers.any())
        if self.has_defects:
            defect = makers[tables.error_step]
            found = defect & (tables.error_kind == REWORKED)
            size = len(tables.arrived_at)
            self.defects_found = np.bincount(tables.error_contact[found], minlength=size)
            self.defects_escaped = np.bincount(tables.error_contact[defect & ~found], minlength=size)


def _redone(tables: ReplicationTables) -> np.ndarray:
    """Per service: whether it is a step done again (a step's second and later services of one contact)."""
    order = np.lexsort((tables.service_start, tables.service_step, tables.service_contact))
    contact, step = tables.service_contact[order], tables.service_step[order]
    again = np.zeros(len(order), dtype=bool)
    again[1:] = (contact[1:] == contact[:-1]) & (step[1:] == step[:-1])
    redone = np.zeros(len(order), dtype=bool)
    redone[order] = again
    return redone


def _time_parts(tables: ReplicationTables) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per contact: time with automation, time served by people the first time through each step, and
    time on steps done again (rework: a step's second and later services of the same contact)."""
    count = len(tables.arrived_at)
    duration = tables.service_end - tables.service_start
    by_bot = tables.service_pool >= tables.staff_pools
    redone = _redone(tables)

    def total(mask: np.ndarray) -> np.ndarray:
        return np.bincount(tables.service_contact[mask], weights=duration[mask], minlength=count)[:count]

    return total(by_bot), total(~by_bot & ~redone), total(~by_bot & redone)


# -- contacts -------------------------------------------------------------------------------------------

def satisfaction_scores(tables: ReplicationTables, scenario: Scenario) -> np.ndarray:
    """The satisfaction proxy of every contact, 1 to 5 (NaN while still in the system).

    A weighted mean of three components, each 0 to 1, mapped onto 1 to 5:
    responsiveness (1 up to the channel's tolerance of waiting, falling linearly to 0 at three
    times it), reliability (0 if an error reached the customer, ``repeat_reliability`` for a repeat
    contact, else 1) and assurance ((mean level of the people who served - 1) / 4, or
    ``bot_assurance`` when only automation served). A customer who gave up scores ``abandoned``.
    """
    settings, clock = scenario.satisfaction, scenario.clock
    tolerance = np.array([clock.opening_time(settings.tolerance_of(c.name)) for c in scenario.channels])[
        tables.channel] if len(tables.channel) else np.zeros(0)
    waited = np.nan_to_num(tables.queue_time)
    responsiveness = np.clip(1 - (waited - tolerance) / (2 * tolerance), 0.0, 1.0)
    reliability = np.where(tables.errors > 0, 0.0, np.where(tables.repeat_of >= 0, settings.repeat_reliability, 1.0))
    assurance = np.where(np.isnan(tables.mean_level), settings.bot_assurance, (tables.mean_level - 1) / 4)
    total = settings.responsiveness + settings.reliability + settings.assurance
    score = 1 + 4 * (settings.responsiveness * responsiveness + settings.reliability * reliability
                     + settings.assurance * assurance) / total
    score = np.where((tables.outcome == 1) | (tables.outcome >= 3), settings.abandoned, score)   # gave up, turned away
    score = np.where(tables.outcome == 2, np.nan, score)
    recovered = recovered_complaints(tables, scenario)
    if recovered.any():   # service recovery: the contact complained about is scored as the recovery left it
        rule = next(d.complaints for d in scenario.demand if d.complaints is not None)
        about = tables.repeat_of[recovered]
        score[about] = np.fmax(score[about], rule.recovered_satisfaction)
    return score


def churn_proxy(tables: ReplicationTables, scenario: Scenario, facts: "ContactFacts"
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per contact: the chance its customer leaves (scenario.retention's formula), the part of it the
    service caused (above the segment's base), and the segment's value per customer kept. A failure (an
    error reached them, or they gave up) counts unless a complaint about the contact recovered them."""
    rule = scenario.retention
    names = [s.name for s in scenario.segments] or ["all"]
    base = np.array([rule.base_of(name) for name in names])[tables.segment]
    value = np.array([rule.value_of(name) for name in names])[tables.segment]
    won_back = np.zeros(len(tables.arrived_at), dtype=bool)
    won_back[tables.repeat_of[facts.recovered]] = True
    failed = ((tables.errors > 0) | facts.abandoned) & ~won_back
    score = np.nan_to_num(facts.scores, nan=5.0)
    churn = np.clip(base + rule.per_point * (5 - score) + rule.after_failure * failed, 0.0, 1.0)
    return churn, np.maximum(churn - base, 0.0), value


def recovery_window(scenario: Scenario) -> float | None:
    """The complaint stream's ``recovery.within`` in opening time (calendar time turned into opening time,
    as a response target: ``1d`` is by the same time on the next opening day), or None."""
    rule = next((d.complaints for d in scenario.demand if d.complaints is not None), None)
    if rule is None or rule.recovery_within is None:
        return None
    return scenario.clock.opening_time(rule.recovery_within)


def recovered_complaints(tables: ReplicationTables, scenario: Scenario) -> np.ndarray:
    """Per contact: a complaint completed, with no error reaching the customer, within its stream's
    ``recovery.within`` of arriving (:func:`recovery_window`)."""
    window = recovery_window(scenario)
    if window is None:
        return np.zeros(len(tables.arrived_at), dtype=bool)
    return (tables.complaint & (tables.outcome == 0) & (tables.errors == 0)
            & (tables.departed_at - tables.arrived_at <= window + 1e-9))


def waiting_kpis(tables: ReplicationTables, facts: ContactFacts, mask: np.ndarray, scope: str,
                 threshold: np.ndarray | None, real_time: bool,
                 turns_away: tuple[bool, bool] = (False, False)) -> list[Row]:
    """Waiting, answering and abandonment over the contacts of ``mask`` (the real-time ones of a scope,
    or a deferrable scope's contacts, whose turnaround is still worth knowing). ``turns_away``: whether
    the scope's channels have lines, and balking (their KPIs are shown then)."""
    left = mask & facts.left
    queue = tables.queue_time[left]
    rows = [plain("unfinished", scope, (mask & ~facts.done).sum()),
            mean_of("queue_time_mean", scope, queue),
            plain("queue_time_p90", scope, _percentile(queue, 90)),
            mean_of("time_in_system_mean", scope, tables.departed_at[left] - tables.arrived_at[left]),
            mean_of("time_with_automation_mean", scope, facts.bot_time[left]),
            mean_of("time_served_mean", scope, facts.served_time[left]),
            mean_of("time_rework_mean", scope, facts.rework_time[left])]
    if not real_time:
        return rows
    answered = mask & facts.answered
    abandoned = mask & facts.abandoned
    queued = answered.sum() + abandoned.sum() + (mask & facts.unanswered_at_end).sum()
    waits = tables.wait[answered]
    rows += [plain("abandoned", scope, abandoned.sum()), plain("short_abandoned", scope, (mask & facts.short).sum()),
             ratio("abandon_rate", scope, abandoned.sum(), queued),
             mean_of("wait_mean", scope, waits)]
    rows += [plain(name, scope, _percentile(waits, q)) for name, q in WAIT_PERCENTILES]
    rows.append(ratio("callback_rate", scope, (mask & tables.callback).sum(), queued))
    lines, balking = turns_away
    if lines:
        blocked = (mask & facts.blocked).sum()
        rows += [plain("blocked", scope, blocked), ratio("block_rate", scope, blocked, mask.sum())]
    if balking:
        balked = (mask & facts.balked).sum()
        rows += [plain("balked", scope, balked), ratio("balk_rate", scope, balked, mask.sum())]
    if threshold is not None:
        judged = mask & ~np.isnan(threshold)
        within = (judged & facts.answered & (tables.wait <= threshold + 1e-12)).sum()
        # a customer turned away (busy signal, too long a line) was not answered in time either
        denominator = ((judged & facts.answered).sum() + (judged & facts.abandoned & ~facts.short).sum()
                       + (judged & facts.unanswered_at_end).sum() + (judged & facts.turned_away).sum())
        rows.append(ratio("service_level", scope, within, denominator))
    return rows


def deferrable_kpis(tables: ReplicationTables, facts: ContactFacts, mask: np.ndarray, scope: str,
                    horizon: float) -> list[Row]:
    """Response time, response within target, and the backlog left open at the last closing."""
    answered = mask & facts.answered
    response = tables.answered_at[answered] - tables.arrived_at[answered]
    done_by_close = facts.completed & (tables.departed_at <= horizon)
    rows = [mean_of("response_time_mean", scope, response),
            plain("backlog_end", scope, (mask & (tables.arrived_at < horizon) & ~done_by_close).sum())]
    if facts.has_response_target:
        # over the contacts that needed a person (self-service resolved the rest) and whose deadline fell
        # within the simulated days: for the others the run cannot tell
        due = mask & ~tables.contained & (tables.arrived_at + facts.response_target <= horizon + 1e-9)
        within = due & answered & (tables.answered_at - tables.arrived_at <= facts.response_target)
        rows.append(ratio("response_within_target", scope, within.sum(), due.sum()))
    return rows


def general_kpis(tables: ReplicationTables, facts: ContactFacts, mask: np.ndarray, scope: str) -> list[Row]:
    """Volumes, quality, containment and satisfaction over every contact of the scope."""
    completed = mask & facts.completed
    n_completed = completed.sum()
    first = completed & (tables.repeat_of < 0)
    resolved = first & (tables.errors == 0) & ~tables.recontacted
    automated = mask & (tables.bot_served > 0)
    scores = facts.scores[mask & facts.done]
    rows = complaint_kpis(tables, facts, mask, scope) if facts.complaints else []
    if facts.churn is not None:
        rows += retention_kpis(tables, facts, mask, scope)
    return rows + [plain("offered", scope, mask.sum()), plain("answered", scope, (mask & facts.answered).sum()),
            plain("contained", scope, (mask & tables.contained).sum()),
            ratio("error_rate", scope, (completed & (tables.errors > 0)).sum(), n_completed),
            ratio("rework_rate", scope, (completed & (tables.reworks > 0)).sum(), n_completed),
            ratio("recontact_rate", scope, (completed & tables.recontacted).sum(), n_completed),
            ratio("fcr", scope, resolved.sum(), first.sum()),
            plain("repeat_contacts", scope, (mask & tables.repeat_contact).sum()),
            plain("retrial_contacts", scope, (mask & tables.retrial).sum()),
            ratio("containment_rate", scope, (automated & tables.contained).sum(), automated.sum()),
            mean_of("satisfaction_mean", scope, scores),
            ratio("satisfied_share", scope, (scores >= 4).sum(), len(scores))] + (
        defect_kpis(facts, completed, scope) if facts.has_defects else [])


def retention_kpis(tables: ReplicationTables, facts: ContactFacts, mask: np.ndarray, scope: str) -> list[Row]:
    """The churn proxy over the scope's customers (first contacts that left, complaints and repeats aside):
    the mean chance of leaving, and the value lost with them."""
    customers = mask & facts.left & (tables.repeat_of < 0)
    churn = facts.churn[customers]
    return [ratio("churn_proxy", scope, float(churn.sum()), len(churn)),
            plain("value_lost", scope, float((facts.excess_churn[customers] * facts.customer_value[customers]).sum()))]


def complaint_kpis(tables: ReplicationTables, facts: ContactFacts, mask: np.ndarray, scope: str) -> list[Row]:
    """Complaints about the scope's contacts (those that left: completed or gave up), and of the scope's
    complaints due within the simulated days, the share recovered in time (one still open at the end,
    past its deadline, was not: counting only those that left would flatter a team that falls behind)."""
    about = mask & facts.left & ~tables.complaint
    complained = np.zeros(len(mask), dtype=bool)
    complained[tables.repeat_of[tables.complaint]] = True
    rows = [plain("complaints", scope, (mask & tables.complaint).sum()),
            ratio("complaint_rate", scope, (about & complained).sum(), about.sum())]
    if facts.recovers:
        due = mask & facts.recovery_due
        rows.append(ratio("recovery_rate", scope, (due & facts.recovered).sum(), due.sum()))
    return rows


def defect_kpis(facts: ContactFacts, completed: np.ndarray, scope: str) -> list[Row]:
    """Of the completed contacts of a scope: the share in which some step left a defect (found or not),
    and the share of their defects an inspection found (the others reached the customer)."""
    found, escaped = facts.defects_found[completed].sum(), facts.defects_escaped[completed].sum()
    made = (facts.defects_found + facts.defects_escaped)[completed]
    return [ratio("defect_rate", scope, (made > 0).sum(), completed.sum()),
            ratio("detection_rate", scope, found, found + escaped)]


def scope_threshold(facts: ContactFacts, scenario: Scenario, scope: str) -> np.ndarray | None:
    """Each contact's service-level threshold in a scope (the scope's own, or each channel's); None
    when no contact of the scope has one."""
    own = scenario.service_level.of_scope(scope)
    if own is not None:
        return np.where(facts.deferrable, NAN, own)
    channels = scope_channels(scenario, scope)
    if not any(scenario.threshold(c) is not None for c in channels):
        return None
    return facts.threshold


def contact_kpi_rows(tables: ReplicationTables, scenario: Scenario, facts: ContactFacts) -> list[Row]:
    """Every contact KPI in every contact scope. In a scope that mixes real-time and deferrable contacts
    (all, a segment), waiting is measured over the real-time ones only."""
    rows: list[Row] = []
    deferrable_channels = {c.name for c in scenario.channels if c.deferrable}
    horizon = scenario.clock.horizon
    for scope, mask in contact_scopes(tables, scenario).items():
        mask = mask & facts.counted
        channels = scope_channels(scenario, scope)
        real_time = bool(channels - deferrable_channels)
        backlog = bool(channels & deferrable_channels)
        rows += general_kpis(tables, facts, mask, scope)
        waiting = mask & ~facts.deferrable if real_time else mask
        turns_away = (any(scenario.channel(c).lines is not None for c in channels),
                      any(scenario.channel(c).balk_at is not None or scenario.channel(c).balk_shares for c in channels))
        rows += waiting_kpis(tables, facts, waiting, scope, scope_threshold(facts, scenario, scope) if real_time
                             else None, real_time, turns_away)
        if backlog and not scope.startswith("segment:"):
            rows += deferrable_kpis(tables, facts, mask & facts.deferrable, scope, horizon)
    return rows


# -- steps ----------------------------------------------------------------------------------------------

class Visits:
    """Every request for a step, after the warm-up: served, abandoned while waiting, or left waiting."""

    def __init__(self, tables: ReplicationTables, facts: ContactFacts):
        served = facts.counted[tables.service_contact]
        gave_up = facts.counted[tables.gave_up_contact]
        left = facts.counted[tables.left_contact]
        self.step = np.concatenate((tables.service_step[served], tables.gave_up_step[gave_up],
                                    tables.left_step[left]))
        self.contact = np.concatenate((tables.service_contact[served], tables.gave_up_contact[gave_up],
                                       tables.left_contact[left]))
        waited = np.concatenate((tables.service_start[served] - tables.service_queued_at[served],
                                 tables.departed_at[tables.gave_up_contact[gave_up]] - tables.gave_up_queued_at[gave_up],
                                 np.full(left.sum(), NAN)))
        self.wait = waited
        self.kind = np.concatenate((np.zeros(served.sum(), dtype=np.int8), np.ones(gave_up.sum(), dtype=np.int8),
                                    np.full(left.sum(), 2, dtype=np.int8)))
        # each service's after-call work: the wrap-up its agent began as it ended
        wrap = dict(zip(zip(tables.wrap_agent.tolist(), tables.wrap_start.tolist()),
                        (tables.wrap_end - tables.wrap_start).tolist()))
        after = np.array([wrap.get(key, 0.0) for key in zip(tables.service_agent[served].tolist(),
                                                            tables.service_end[served].tolist())]) \
            if wrap else np.zeros(int(served.sum()))
        self.wrap_up = np.concatenate((after, np.full(gave_up.sum() + left.sum(), NAN)))
        self.handle = np.concatenate((tables.service_end[served] - tables.service_start[served] + after,
                                      np.full(gave_up.sum() + left.sum(), NAN)))


def step_kpi_rows(tables: ReplicationTables, scenario: Scenario, facts: ContactFacts,
                  pool_time: list, window: np.ndarray) -> list[Row]:
    """Per step of every process: requests, waits, service level, abandonment, handling time and the
    utilisation of whoever does the step."""
    visits = Visits(tables, facts)
    short = scenario.service_level.short_abandon
    skills_of = [dict(pool.skills) for pool in scenario.staff]
    automations = [tool.name for tool in scenario.automation]
    opening = np.array([window[0], scenario.clock.horizon])
    bots = {name: float(bot_busy(tables, number, opening)[0]) for number, name in enumerate(automations)}
    capacity = {tool.name: tool.capacity * float(opening[1] - opening[0]) for tool in scenario.automation}
    rows: list[Row] = []
    number = 0
    for process in scenario.processes:
        for step in process.steps:
            scope = f"step:{process.name}.{step.name}"
            mine = visits.step == number
            number += 1
            served, gave_up, left = mine & (visits.kind == 0), mine & (visits.kind == 1), mine & (visits.kind == 2)
            waited = mine & (visits.kind < 2)
            requests = mine.sum()
            rows += [plain("offered", scope, requests), plain("abandoned", scope, gave_up.sum()),
                     ratio("abandon_rate", scope, gave_up.sum(), requests),
                     mean_of("queue_time_mean", scope, visits.wait[waited]),
                     plain("queue_time_p90", scope, _percentile(visits.wait[waited], 90)),
                     mean_of("handle_time_mean", scope, visits.handle[served])]
            if step.after_call_work is not None:
                rows.append(mean_of("after_call_work_mean", scope, visits.wrap_up[served]))
            if step.defect_rate:
                here = (tables.error_step == number - 1) & facts.counted[tables.error_contact]
                found = (here & (tables.error_kind == REWORKED)).sum()
                rows += [ratio("defect_rate", scope, here.sum(), served.sum()),
                         ratio("detection_rate", scope, found, here.sum())]
            if any(scenario.threshold(d.channel) is not None for d in scenario.demand
                   if any(reached is process for reached, _ in scenario.journey(d.process))):
                threshold = facts.threshold[visits.contact]
                judged = ~np.isnan(threshold)
                within = (judged & served & (visits.wait <= threshold + 1e-12)).sum()
                counted_gave_up = judged & gave_up & ~(visits.wait <= short + 1e-12) if short else judged & gave_up
                rows.append(ratio("service_level", scope, within,
                                  (judged & served).sum() + counted_gave_up.sum() + (judged & left).sum()))
            if step.skill is not None:
                doers = [k for k, skills in enumerate(skills_of) if step.skill in skills]
                rows.append(ratio("utilisation", scope, sum(float(pool_time[k].busy[0]) for k in doers),
                                  sum(float(pool_time[k].paid[0]) for k in doers)))
            else:
                rows.append(ratio("utilisation", scope, bots[step.automation], capacity[step.automation]))
    return rows


# -- staff, automation and cost ---------------------------------------------------------------------------

def staff_kpi_rows(tables: ReplicationTables, scenario: Scenario, facts: ContactFacts,
                   pool_time: list, window: np.ndarray) -> list[Row]:
    """Utilisation, occupancy, overtime and cost per pool and in all; automation; cost per contact."""
    rows: list[Row] = []
    concurrent = any(c.concurrency > 1 for c in scenario.channels)
    totals = dict(busy=0.0, paid=0.0, at_work=0.0, overtime=0.0, scheduled=0.0)
    cost_staff = 0.0
    number_of_pool = {pool.name: number for number, pool in enumerate(scenario.staff)}
    if any(pool.attrition is not None for pool in scenario.staff):
        rows += [plain("leavers", "all", len(tables.leave_agent)), plain("hires", "all", len(tables.hire_agent))]
    for pool, times in zip(scenario.staff, pool_time):
        scope = f"pool:{pool.name}"
        busy, paid, at_work = float(times.busy[0]), float(times.paid[0]), float(times.at_work[0])
        overtime, scheduled = float(times.overtime[0]), float(times.scheduled[0])
        cost = scheduled / 60 * pool.cost_per_hour + overtime / 60 * pool.overtime_cost_per_hour
        rows += [ratio("utilisation", scope, busy, paid), ratio("occupancy", scope, busy, at_work),
                 plain("overtime", scope, overtime), ratio("overtime_share", scope, overtime, scheduled),
                 plain("cost_staff", scope, cost)]
        if pool.attrition is not None:
            mine = number_of_pool[pool.name]
            rows += [plain("leavers", scope, int((tables.agent_pool[tables.leave_agent] == mine).sum())),
                     plain("hires", scope, int((tables.agent_pool[tables.hire_agent] == mine).sum()))]
            used = tables.attrition_rates[mine] if len(tables.attrition_rates) > mine else float("nan")
            rows.append(plain("attrition_per_month", scope, pool.attrition.per_month if used != used else used))
        if concurrent:
            rows.append(ratio("slot_utilisation", scope, float(times.slot_busy[0]), at_work))
        for key, value in (("busy", busy), ("paid", paid), ("at_work", at_work), ("overtime", overtime),
                           ("scheduled", scheduled)):
            totals[key] += value
        cost_staff += cost
    rows += [ratio("utilisation", "all", totals["busy"], totals["paid"]),
             ratio("occupancy", "all", totals["busy"], totals["at_work"]), plain("overtime", "all", totals["overtime"]),
             ratio("overtime_share", "all", totals["overtime"], totals["scheduled"])]
    cost_automation = 0.0
    counted = tables.service_start >= scenario.clock.warmup
    opening = np.array([window[0], scenario.clock.horizon])
    for number, tool in enumerate(scenario.automation):
        handled = int((counted & (tables.service_pool == tables.staff_pools + number)).sum())
        scope = f"automation:{tool.name}"
        rows += [plain("cost_automation", scope, handled * tool.cost_per_contact),
                 ratio("utilisation", scope, float(bot_busy(tables, number, opening)[0]),
                       tool.capacity * float(opening[1] - opening[0]))]
        cost_automation += handled * tool.cost_per_contact
    quality = QualityCost(tables, scenario, facts)
    total = cost_staff + cost_automation + tables.training_cost + quality.charges
    rows += [plain("cost_staff", "all", cost_staff), plain("cost_automation", "all", cost_automation),
             plain("cost_training", "all", tables.training_cost), plain("cost_failure", "all", quality.charges),
             plain("cost_total", "all", total),
             ratio("cost_per_contact", "all", total, (facts.completed & facts.counted).sum())]
    return rows + quality.rows(total)


class QualityCost:
    """The cost of quality of one replication, in the four parts of quality management:

    * prevention: training (the courses' cost);
    * appraisal: the time of inspection steps (``detection``), their first pass;
    * internal failure: the time of steps done again after a caught error or a found defect;
    * external failure: what reached the customer: the ``quality_costs`` charges per error, repeat
      contact, abandon and complaint, and the time of the repeat contacts errors bring.

    Staff time is valued at its pool's ``cost_per_hour`` (a chat's time shared between the chats held),
    automation at its ``cost_per_contact``: appraisal and failure time is part of ``cost_staff``, shown
    apart; the charges are on top (``cost_failure``, in ``cost_total``)."""

    def __init__(self, tables: ReplicationTables, scenario: Scenario, facts: ContactFacts):
        costs = scenario.quality_costs
        counted = facts.counted
        errors = counted[tables.error_contact] & (tables.error_kind != REWORKED) if len(tables.error_kind) else \
            np.zeros(0, dtype=bool)
        repeats = counted & tables.repeat_contact
        complaints = counted & tables.complaint
        self.charges = float(costs.per_error * errors.sum() + costs.per_repeat * repeats.sum()
                             + costs.per_abandon * (counted & facts.abandoned).sum()
                             + costs.per_complaint * complaints.sum())
        # the cost of each service: its time at its pool's rate, or its automation's cost per contact
        rates = np.array([pool.cost_per_hour / 60 for pool in scenario.staff]
                         + [0.0] * len(scenario.automation))
        per_contact = np.array([0.0] * len(scenario.staff) + [tool.cost_per_contact for tool in scenario.automation])
        pools = tables.service_pool
        duration = (tables.service_end - tables.service_start) / np.maximum(tables.service_slots, 1)
        cost = duration * rates[pools] + per_contact[pools] if len(pools) else np.zeros(0)
        cost = np.where(counted[tables.service_contact], cost, 0.0) if len(pools) else cost
        inspecting = np.array([step.detection > 0 for process in scenario.processes for step in process.steps])
        redone = _redone(tables)
        self.prevention = float(tables.training_cost)
        self.appraisal = float(cost[inspecting[tables.service_step] & ~redone].sum()) if len(pools) else 0.0
        self.internal = float(cost[redone].sum())
        failed_contacts = repeats | complaints   # coming back about an error, or complaining: recovery
        self.external = self.charges + float(cost[failed_contacts[tables.service_contact]].sum()) if len(pools) \
            else self.charges

    def rows(self, total: float) -> list[Row]:
        whole = self.prevention + self.appraisal + self.internal + self.external
        return [plain("coq_prevention", "all", self.prevention), plain("coq_appraisal", "all", self.appraisal),
                plain("coq_internal_failure", "all", self.internal),
                plain("coq_external_failure", "all", self.external), plain("cost_of_quality", "all", whole),
                ratio("cost_of_quality_share", "all", whole, total)]


def unused_kpis(scenario: Scenario) -> set[str]:
    """KPIs of features the scenario does not use: left out rather than reported as zeros. Costs and
    overtime are always reported: zero is the true value of what is not used, and comparisons need it."""
    steps = [step for process in scenario.processes for step in process.steps]
    unused = set()
    if not any(step.error_rate or step.defect_rate for step in steps):
        unused |= {"error_rate", "fcr"}
    if not any((step.error_rate and step.rework) or step.detection for step in steps):
        unused |= {"rework_rate", "time_rework_mean"}
    if not any(step.defect_rate for step in steps):
        unused |= {"defect_rate", "detection_rate"}
    if not scenario.quality_costs.any:
        unused.add("cost_failure")
    if scenario.retention is None:
        unused |= {"churn_proxy", "value_lost"}
    if not any(pool.attrition is not None for pool in scenario.staff):
        unused |= {"leavers", "hires", "attrition_per_month"}
    complaints = [d.complaints for d in scenario.demand if d.complaints is not None]
    if not complaints:
        unused |= {"complaints", "complaint_rate", "recovery_rate"}
    elif complaints[0].recovery_within is None:
        unused.add("recovery_rate")
    if not (scenario.quality_costs.any or scenario.training or complaints or any(step.error_rate or step.defect_rate
                                                                                  for step in steps)):
        unused |= {"coq_prevention", "coq_appraisal", "coq_internal_failure", "coq_external_failure",
                   "cost_of_quality", "cost_of_quality_share"}
    if not any(step.automation for step in steps):
        unused.add("time_with_automation_mean")
    if not any((step.error_rate or step.defect_rate) and step.recontact_after for step in steps):
        unused |= {"recontact_rate", "repeat_contacts"}
    if not any(step.containment for step in steps):
        unused |= {"containment_rate", "contained"}
    if not any(c.retrial_share for c in scenario.channels):
        unused.add("retrial_contacts")
    if not any(c.callback_above is not None for c in scenario.channels):
        unused.add("callback_rate")
    if not scenario.service_level.short_abandon:
        unused.add("short_abandoned")
    if not any(step.after_call_work is not None for step in steps):
        unused.add("after_call_work_mean")
    if not any(c.lines is not None for c in scenario.channels):
        unused |= {"blocked", "block_rate"}
    if not any(c.balk_at is not None or c.balk_shares for c in scenario.channels):
        unused |= {"balked", "balk_rate"}
    return unused


def _scopes_with_automation(scenario: Scenario) -> set[str]:
    """Scopes whose contacts can meet an automation step that contains (containment is defined there)."""
    streams = [d for d in scenario.demand
               if any(step.containment for step, _ in scenario.steps_of(d.process))]
    if not streams:
        return set()
    return ({"all"} | {f"segment:{s.name}" for s in scenario.segments}
            | {f"channel:{d.channel}" for d in streams} | {f"demand:{d.name}" for d in streams})


def replication_kpis(tables: ReplicationTables, scenario: Scenario) -> list[Row]:
    """Every KPI of one replication in every scope, after the warm-up."""
    window = np.array([scenario.clock.warmup, np.inf])
    pool_time = staff_time(tables, scenario.clock.horizon, window)   # first: its temporaries and the facts'
    facts = ContactFacts(tables, scenario)                           # are then never in memory together
    rows = contact_kpi_rows(tables, scenario, facts)
    rows += step_kpi_rows(tables, scenario, facts, pool_time, window)
    rows += staff_kpi_rows(tables, scenario, facts, pool_time, window)
    unused = unused_kpis(scenario)
    automated = _scopes_with_automation(scenario)
    return [row for row in rows if row[0] not in unused
            and not (row[0] in ("containment_rate", "contained") and row[1] not in automated)]


# -- distributions and intervals -----------------------------------------------------------------------

WAIT_POINTS = (0, 1 / 6, 1 / 3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360,
               480, 720)   # minutes: 10 s to 12 h, dense where phone waits are and sparse for email
SATISFACTION_BINS = (1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0)
DistributionRow = tuple[str, str, float, float, float, float, float]   # (distribution, scope, point, value, num, den, -)


def distribution_rows(tables: ReplicationTables, scenario: Scenario) -> list[DistributionRow]:
    """(distribution, scope, point, value, numerator, denominator): the share of the contacts that queued
    for a person (answered, abandoned, or still waiting at the end; short abandons left out, as in service
    level) answered within each of WAIT_POINTS (each real-time channel, and all real-time contacts): at a
    channel's threshold it is the channel's service level. Also the
    share of contacts that left with a satisfaction proxy in each half-point bin (``point`` is the
    bin's lower edge)."""
    facts = ContactFacts(tables, scenario)
    rows: list[DistributionRow] = []
    deferrable = {c.name for c in scenario.channels if c.deferrable}
    for scope, mask in contact_scopes(tables, scenario).items():
        if not (scope == "all" or scope.startswith("channel:")):
            continue
        mask = mask & facts.counted
        if scope_channels(scenario, scope) - deferrable:
            real_time = mask & ~facts.deferrable
            queued = int((real_time & (facts.answered | (facts.abandoned & ~facts.short)
                                       | facts.unanswered_at_end | facts.turned_away)).sum())
            waits = np.sort(tables.wait[real_time & facts.answered])
            within = np.searchsorted(waits, np.asarray(WAIT_POINTS) + 1e-12, side="right")
            rows += [("wait_cdf", scope, float(x), v / queued if queued else NAN, float(v), float(queued),
                      NAN) for x, v in zip(WAIT_POINTS, within)]
        left = mask & facts.done
        counts = np.histogram(facts.scores[left], bins=SATISFACTION_BINS)[0]
        rows += [("satisfaction", scope, float(x), v / left.sum() if left.sum() else NAN, float(v), float(left.sum()),
                  NAN) for x, v in zip(SATISFACTION_BINS, counts)]
    return rows


def _waiting_contacts(tables: ReplicationTables, bounds: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Contact-minutes spent waiting between consecutive ``bounds`` by the contacts ``chosen``: every
    wait before a service, every abandoner's last wait, and the waits still going on at the end."""
    served = chosen[tables.service_contact] & (tables.service_start > tables.service_queued_at)
    gave_up = chosen[tables.gave_up_contact]
    left = chosen[tables.left_contact]
    start = np.concatenate((tables.service_queued_at[served], tables.gave_up_queued_at[gave_up],
                            tables.left_queued_at[left]))
    end = np.concatenate((tables.service_start[served], tables.departed_at[tables.gave_up_contact[gave_up]],
                          np.full(left.sum(), np.inf)))
    return time_between(start, end, bounds)


def _backlog_rows(add, tables: ReplicationTables, facts: ContactFacts, mask: np.ndarray, scope: str,
                  bounds: np.ndarray) -> None:
    """At the end of each interval: the items open (arrived, not completed), their mean age and the
    age of the oldest (minutes since arrival; 0 when none is open). Age is what a back office reads
    against its response target: a small backlog can still hold a week-old case."""
    arrived = tables.arrived_at[mask]
    finished = np.where(facts.completed[mask], tables.departed_at[mask], np.inf)
    ends = bounds[1:]
    open_at = (arrived[None, :] < ends[:, None]) & (finished[None, :] > ends[:, None])   # (intervals, items)
    ages = np.where(open_at, ends[:, None] - arrived[None, :], 0.0)
    count = open_at.sum(axis=1)
    add("backlog", scope, count)
    add("backlog_age_mean", scope, ages.sum(axis=1), count, (ages * ages).sum(axis=1))
    add("backlog_age_max", scope, ages.max(axis=1, initial=0.0))


def interval_kpis(tables: ReplicationTables, scenario: Scenario) -> list[IntervalRow]:
    """Per reporting interval: volumes, service level, wait and abandonment by interval of arrival
    (real-time contacts, all and per channel); contacts waiting; for deferrable work the backlog, its
    age and the response time by interval of arrival; staffed and busy agents, utilisation and
    occupancy per pool."""
    clock = scenario.clock
    count = clock.intervals
    bounds = clock.interval_bounds()
    lengths = np.diff(bounds)
    first = clock.first_interval
    pool_time = staff_time(tables, clock.horizon, bounds)   # before the facts (see replication_kpis)
    facts = ContactFacts(tables, scenario)
    interval_of = clock.interval_of(tables.arrived_at)
    rows: list[IntervalRow] = []
    deferrable = {c.name for c in scenario.channels if c.deferrable}

    def by(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(interval_of[mask], weights=None if weights is None else weights[mask], minlength=count)

    def add(metric: str, scope: str, numerator: np.ndarray, denominator: np.ndarray | None = None,
            squares: np.ndarray | None = None) -> None:
        for k in range(first, count):
            if denominator is None:
                rows.append((k, metric, scope, float(numerator[k]), NAN, NAN, NAN))
            else:
                den = float(denominator[k])
                rows.append((k, metric, scope, float(numerator[k]) / den if den else NAN, float(numerator[k]), den,
                             NAN if squares is None else float(squares[k])))

    for scope, mask in contact_scopes(tables, scenario).items():
        if not (scope == "all" or scope.startswith("channel:")):
            continue
        real_time = bool(scope_channels(scenario, scope) - deferrable)
        mask = mask & ~facts.deferrable if real_time else mask
        add("offered", scope, by(mask))
        add("answered", scope, by(mask & facts.answered))
        add("waiting", scope, _waiting_contacts(tables, bounds, mask) / lengths)
        if not real_time:   # the work left open at the end of each interval, how old it is, and response
            _backlog_rows(add, tables, facts, mask, scope, bounds)
            answered = mask & facts.answered
            response = np.nan_to_num(tables.answered_at - tables.arrived_at)
            add("response_time_mean", scope, by(answered, response), by(answered), by(answered, response * response))
            if facts.has_response_target:   # as the KPI: of the work due within the simulated days
                due = mask & ~tables.contained & (tables.arrived_at + facts.response_target <= clock.horizon + 1e-9)
                within = due & answered & (response <= facts.response_target)
                add("response_within_target", scope, by(within), by(due))
            continue
        answered, abandoned = mask & facts.answered, mask & facts.abandoned
        queued = by(answered) + by(abandoned) + by(mask & facts.unanswered_at_end)
        add("abandoned", scope, by(abandoned))
        add("abandon_rate", scope, by(abandoned), queued)
        waits = np.nan_to_num(tables.wait)
        add("wait_mean", scope, by(answered, waits), by(answered), by(answered, waits * waits))
        left = mask & facts.left
        queued_for = np.nan_to_num(tables.queue_time)
        add("queue_time_mean", scope, by(left, queued_for), by(left), by(left, queued_for * queued_for))
        threshold = scope_threshold(facts, scenario, scope)
        if threshold is not None:
            judged = mask & ~np.isnan(threshold)
            within = by(judged & facts.answered & (np.nan_to_num(tables.wait, nan=np.inf) <= threshold + 1e-12))
            add("service_level", scope, within, by(judged & facts.answered) + by(judged & facts.abandoned & ~facts.short)
                + by(judged & facts.unanswered_at_end) + by(judged & facts.turned_away))
    totals = {"busy": np.zeros(count), "at_work": np.zeros(count)}
    for pool, times in zip(scenario.staff, pool_time):
        scope = f"pool:{pool.name}"
        add("staffed", scope, times.at_work / lengths)
        add("busy", scope, times.busy / lengths)
        add("utilisation", scope, times.busy, times.paid)
        add("occupancy", scope, times.busy, times.at_work)
        totals["busy"] += times.busy
        totals["at_work"] += times.at_work
    add("staffed", "all", totals["at_work"] / lengths)
    add("busy", "all", totals["busy"] / lengths)
    return rows

