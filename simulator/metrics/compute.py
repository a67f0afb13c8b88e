"""KPIs of one replication, from its recorded columns (definitions: simulator.kpis, docs/kpis.md).

Everything here is vectorised numpy over whole columns; it runs once per
replication, after the simulation, never per event.
"""

from __future__ import annotations

import numpy as np

from simulator.metrics.tables import ReplicationTables
from simulator.scenario.model import Scenario

Row = tuple[str, str, float]                 # (metric, scope, value)
IntervalRow = tuple[int, str, str, float]    # (interval, metric, scope, value)

WAIT_PERCENTILES = (("wait_p50", 50), ("wait_p90", 90), ("wait_p95", 95))


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
    score = np.where(tables.outcome == 1, settings.abandoned, score)
    return np.where(tables.outcome == 2, np.nan, score)


def contact_kpis(tables: ReplicationTables, mask: np.ndarray, threshold: float,
                 satisfaction: np.ndarray | None = None) -> dict[str, float]:
    """Volume, waiting and abandonment KPIs over the contacts selected by ``mask``."""
    offered = int(mask.sum())
    answered_mask = mask & ~np.isnan(tables.answered_at)
    abandoned_mask = mask & (tables.outcome == 1)
    left_mask = mask & (tables.outcome != 2)
    waits = tables.answered_at[answered_mask] - tables.arrived_at[answered_mask]
    answered, abandoned = len(waits), int(abandoned_mask.sum())
    abandoned_unanswered = int((abandoned_mask & ~answered_mask).sum())   # not those a bot had answered
    kpis = {
        "offered": float(offered),
        "answered": float(answered),
        "abandoned": float(abandoned),
        "abandon_rate": abandoned / offered if offered else np.nan,
        "unfinished": float((mask & (tables.outcome == 2)).sum()),
        "wait_mean": float(waits.mean()) if answered else np.nan,
    }
    percentiles = np.percentile(waits, [p for _, p in WAIT_PERCENTILES]) if answered else [np.nan] * 3
    kpis.update({name: float(value) for (name, _), value in zip(WAIT_PERCENTILES, percentiles)})
    within = int((waits <= threshold + 1e-12).sum())
    denominator = answered + abandoned_unanswered
    kpis["service_level"] = within / denominator if denominator else np.nan
    completed = mask & (tables.outcome == 0)
    n_completed = int(completed.sum())
    first = completed & (tables.repeat_of < 0)
    kpis["error_rate"] = float((completed & (tables.errors > 0)).sum()) / n_completed if n_completed else np.nan
    kpis["rework_rate"] = float((completed & (tables.reworks > 0)).sum()) / n_completed if n_completed else np.nan
    kpis["recontact_rate"] = float((completed & tables.recontacted).sum()) / n_completed if n_completed else np.nan
    resolved = first & (tables.errors == 0) & ~tables.recontacted
    kpis["fcr"] = float(resolved.sum()) / first.sum() if first.any() else np.nan
    kpis["repeat_contacts"] = float((mask & (tables.repeat_of >= 0) & ~tables.retrial).sum())
    kpis["retrial_contacts"] = float((mask & tables.retrial).sum())
    kpis["callback_rate"] = float((mask & tables.callback).sum()) / offered if offered else np.nan
    automated = mask & (tables.bot_served > 0)
    kpis["containment_rate"] = float((automated & tables.contained).sum()) / automated.sum() \
        if automated.any() else np.nan
    left = int(left_mask.sum())
    if satisfaction is not None:
        scores = satisfaction[left_mask]
        kpis["satisfaction_mean"] = float(scores.mean()) if left else np.nan
        kpis["satisfied_share"] = float((scores >= 4).mean()) if left else np.nan
    kpis["queue_time_mean"] = float(tables.queue_time[left_mask].mean()) if left else np.nan
    kpis["time_in_system_mean"] = float(
        (tables.departed_at[left_mask] - tables.arrived_at[left_mask]).mean()) if left else np.nan
    return kpis


def busy_time_before(starts: np.ndarray, ends: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Total busy time of the given services before each of ``times`` (vectorised).

    Busy time before t is the sum over services of ``max(0, min(t, end) - start)``,
    which equals ``sum_{start<t} (t - start) - sum_{end<t} (t - end)``: two sorted
    prefix sums and a binary search, whatever the number of services.
    """
    starts, ends = np.sort(starts), np.sort(ends)
    start_sums = np.concatenate(([0.0], np.cumsum(starts)))
    end_sums = np.concatenate(([0.0], np.cumsum(ends)))
    n_started = np.searchsorted(starts, times, side="left")
    n_ended = np.searchsorted(ends, times, side="left")
    return (times * n_started - start_sums[n_started]) - (times * n_ended - end_sums[n_ended])


def busy_time(tables: ReplicationTables, pool: int, bounds: np.ndarray) -> np.ndarray:
    """Agent-time a pool was busy between consecutive ``bounds``: serving one contact, or holding at
    least one chat (chats overlap, so they count through the periods an agent held any)."""
    single = tables.service_slots == 1
    return (_pool_time(tables.service_pool[single], tables.service_start[single], tables.service_end[single],
                       pool, bounds)
            + _pool_time(tables.held_pool, tables.held_start, tables.held_end, pool, bounds))


def slot_time(tables: ReplicationTables, pool: int, bounds: np.ndarray) -> np.ndarray:
    """Busy slot-time: each contact of a channel with concurrency k counts 1/k of an agent."""
    total = np.zeros(len(bounds) - 1)
    for slots in np.unique(tables.service_slots):
        mine = tables.service_slots == slots
        total += _pool_time(tables.service_pool[mine], tables.service_start[mine], tables.service_end[mine],
                            pool, bounds) / slots
    return total


def _pool_time(pools: np.ndarray, starts: np.ndarray, ends: np.ndarray, pool: int,
               bounds: np.ndarray) -> np.ndarray:
    """Agent-time of one pool's periods (services, duty) between consecutive ``bounds``."""
    mine = pools == pool
    if not mine.any():
        return np.zeros(len(bounds) - 1)
    ends = np.minimum(ends[mine], bounds[-1])   # duty may run on to infinity; only the window counts
    return np.diff(busy_time_before(np.minimum(starts[mine], bounds[-1]), ends, bounds))


def _deferrable_contacts(tables: ReplicationTables, scenario: Scenario) -> tuple[np.ndarray, np.ndarray] | None:
    """Which contacts are on a deferrable channel, and each one's response target in opening time."""
    channels = [c for c in scenario.channels if c.deferrable]
    if not channels:
        return None
    names = [c.name for c in scenario.channels]
    target = np.full(len(scenario.channels), np.inf)
    for channel in channels:
        if channel.response_target is not None:
            target[names.index(channel.name)] = scenario.clock.opening_time(channel.response_target)
    is_deferrable = np.isin(tables.channel, [names.index(c.name) for c in channels])
    return is_deferrable, target[tables.channel]


def backlog_kpis(tables: ReplicationTables, mask: np.ndarray, target: np.ndarray, horizon: float) -> dict[str, float]:
    """Backlog left at the last closing, and the share answered within the response target."""
    arrived, answered = tables.arrived_at[mask], tables.answered_at[mask]
    waiting_at_close = (arrived < horizon) & ~(answered <= horizon)
    within = answered - arrived <= target[mask]          # NaN (never answered) compares False
    kpis = {"backlog_end": float(waiting_at_close.sum())}
    if np.isfinite(target[mask]).any():
        kpis["response_within_target"] = float(within.mean()) if len(arrived) else np.nan
    return kpis


def unused_kpis(scenario: Scenario) -> set[str]:
    """KPIs of features the scenario does not use: left out rather than reported as zeros. Costs are
    always reported: zero is the true cost of what is not used, and comparisons need it."""
    steps = [step for process in scenario.processes for step in process.steps]
    unused = set()
    if not any(step.error_rate for step in steps):
        unused |= {"error_rate", "fcr"}
    if not any(step.error_rate and step.rework for step in steps):
        unused.add("rework_rate")
    if not any(step.error_rate and step.recontact_after for step in steps):
        unused |= {"recontact_rate", "repeat_contacts"}
    if not any(step.containment for step in steps):
        unused.add("containment_rate")
    if not any(c.retrial_share for c in scenario.channels):
        unused.add("retrial_contacts")
    if not any(c.callback_above is not None for c in scenario.channels):
        unused.add("callback_rate")
    return unused


def _scopes_with_automation(scenario: Scenario) -> set[str]:
    """Scopes whose contacts can meet an automation step that contains (containment is defined there)."""
    streams = [d for d in scenario.demand
               if any(step.containment for step in scenario.process(d.process).steps)]
    if not streams:
        return set()
    return ({"all"} | {f"segment:{s.name}" for s in scenario.segments}
            | {f"channel:{d.channel}" for d in streams} | {f"demand:{d.name}" for d in streams})


def replication_kpis(tables: ReplicationTables, scenario: Scenario) -> list[Row]:
    """Every KPI of one replication in every scope, after the warm-up."""
    clock = scenario.clock
    after_warmup = tables.arrived_at >= clock.warmup
    rows: list[Row] = []
    automated = _scopes_with_automation(scenario)
    deferrable = _deferrable_contacts(tables, scenario)
    scores = satisfaction_scores(tables, scenario)
    for scope, mask in contact_scopes(tables, scenario).items():
        kpis = contact_kpis(tables, mask & after_warmup, scenario.service_level_threshold, scores)
        for metric, value in kpis.items():
            if metric != "containment_rate" or scope in automated:
                rows.append((metric, scope, value))
        if deferrable is not None and not scope.startswith("segment:") and (mask & deferrable[0]).any():
            backlog = backlog_kpis(tables, mask & after_warmup & deferrable[0], deferrable[1], clock.horizon)
            rows.extend((metric, scope, value) for metric, value in backlog.items())
    window = np.array([clock.warmup, clock.horizon])
    total_busy = total_staffed = cost_staff = 0.0
    concurrent = any(c.concurrency > 1 for c in scenario.channels)
    for number, pool in enumerate(scenario.staff):
        busy = busy_time(tables, number, window)[0]
        staffed = _pool_time(tables.duty_pool, tables.duty_start, tables.duty_end, number, window)[0]
        paid = _pool_time(tables.paid_pool, tables.paid_start, tables.paid_end, number, window)[0]
        rows.append(("utilisation", f"pool:{pool.name}", busy / staffed if staffed else np.nan))
        if concurrent:
            slots = slot_time(tables, number, window)[0]
            rows.append(("slot_utilisation", f"pool:{pool.name}", slots / staffed if staffed else np.nan))
        rows.append(("cost_staff", f"pool:{pool.name}", paid / 60 * pool.cost_per_hour))
        total_busy += busy
        total_staffed += staffed
        cost_staff += paid / 60 * pool.cost_per_hour
    rows.append(("utilisation", "all", total_busy / total_staffed if total_staffed else np.nan))
    cost_automation = 0.0
    counted = tables.service_start >= clock.warmup
    for number, tool in enumerate(scenario.automation):
        handled = int((counted & (tables.service_pool == len(scenario.staff) + number)).sum())
        rows.append(("cost_automation", f"automation:{tool.name}", handled * tool.cost_per_contact))
        cost_automation += handled * tool.cost_per_contact
    completed = int(((tables.outcome == 0) & after_warmup).sum())
    total = cost_staff + cost_automation + tables.training_cost
    rows.extend([("cost_staff", "all", cost_staff), ("cost_automation", "all", cost_automation),
                 ("cost_training", "all", tables.training_cost), ("cost_total", "all", total), ("cost_per_contact", "all", total / completed if completed else np.nan)])
    unused = unused_kpis(scenario)
    rows = [row for row in rows if row[0] not in unused]
    return rows


def _waiting_contacts(tables: ReplicationTables, bounds: np.ndarray) -> np.ndarray:
    """Contact-minutes spent waiting between consecutive ``bounds``: every wait before a service, and
    an abandoner's last wait (its total queue time less the waits before its services)."""
    served = tables.service_start > tables.service_queued_at
    starts = [tables.service_queued_at[served]]
    ends = [tables.service_start[served]]
    gave_up = tables.outcome == 1
    if gave_up.any():
        before = np.bincount(tables.service_contact, weights=tables.service_start - tables.service_queued_at,
                             minlength=len(tables.arrived_at))
        last_wait = tables.queue_time[gave_up] - before[gave_up]
        starts.append(tables.departed_at[gave_up] - last_wait)
        ends.append(tables.departed_at[gave_up])
    start, end = np.concatenate(starts), np.concatenate(ends)
    return np.diff(busy_time_before(np.minimum(start, bounds[-1]), np.minimum(end, bounds[-1]), bounds))


WAIT_POINTS = (0, 1 / 6, 1 / 3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360,
               480, 720)   # minutes: 10 s to 12 h, dense where phone waits are and sparse for email
SATISFACTION_BINS = (1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0)


def distribution_rows(tables: ReplicationTables, scenario: Scenario) -> list[tuple[str, str, float, float]]:
    """(distribution, scope, point, value): the share of answered contacts answered within each of
    WAIT_POINTS (per channel and all), and the share of contacts that left with a satisfaction proxy in
    each half-point bin (``point`` is the bin's lower edge)."""
    after = tables.arrived_at >= scenario.clock.warmup
    rows = []
    scores = satisfaction_scores(tables, scenario)
    for scope, mask in contact_scopes(tables, scenario).items():
        if not (scope == "all" or scope.startswith("channel:")):
            continue
        chosen = mask & after & ~np.isnan(tables.answered_at)
        if chosen.any():
            waits = np.sort(tables.answered_at[chosen] - tables.arrived_at[chosen])
            shares = np.searchsorted(waits, np.asarray(WAIT_POINTS) + 1e-12, side="right") / len(waits)
            rows.extend(("wait_cdf", scope, float(x), float(v)) for x, v in zip(WAIT_POINTS, shares))
        left = mask & after & (tables.outcome != 2)
        if left.any():
            counts = np.histogram(scores[left], bins=SATISFACTION_BINS)[0] / left.sum()
            rows.extend(("satisfaction", scope, float(x), float(v)) for x, v in zip(SATISFACTION_BINS, counts))
    return rows


def interval_kpis(tables: ReplicationTables, scenario: Scenario) -> list[IntervalRow]:
    """Per reporting interval: volumes, service level and wait by arrival; contacts waiting; staffed and
    busy agents."""
    clock = scenario.clock
    count = clock.intervals_per_day * clock.days
    bounds = np.arange(count + 1) * clock.interval
    first = int(np.ceil(clock.warmup / clock.interval - 1e-9))
    interval_of = np.minimum((tables.arrived_at // clock.interval).astype(np.int64), count - 1)
    answered = ~np.isnan(tables.answered_at)
    wait = tables.answered_at - tables.arrived_at
    within = answered & (wait <= scenario.service_level_threshold + 1e-12)
    abandoned = tables.outcome == 1
    abandoned_unanswered = abandoned & ~answered
    rows: list[IntervalRow] = []
    channel_scopes = {k: v for k, v in contact_scopes(tables, scenario).items()
                      if k == "all" or k.startswith("channel:")}
    for scope, mask in channel_scopes.items():
        offered = np.bincount(interval_of[mask], minlength=count)
        n_answered = np.bincount(interval_of[mask & answered], minlength=count)
        n_abandoned = np.bincount(interval_of[mask & abandoned], minlength=count)
        n_within = np.bincount(interval_of[mask & within], minlength=count)
        n_lost = np.bincount(interval_of[mask & abandoned_unanswered], minlength=count)
        wait_sum = np.bincount(interval_of[mask & answered], weights=wait[mask & answered], minlength=count)
        with np.errstate(invalid="ignore", divide="ignore"):
            level = n_within / (n_answered + n_lost)
            mean_wait = wait_sum / n_answered
        for k in range(first, count):
            rows.extend([(k, "offered", scope, float(offered[k])), (k, "answered", scope, float(n_answered[k])),
                         (k, "abandoned", scope, float(n_abandoned[k])),
                         (k, "service_level", scope, float(level[k])), (k, "wait_mean", scope, float(mean_wait[k]))])
    waiting = _waiting_contacts(tables, bounds) / clock.interval
    for k in range(first, count):
        rows.append((k, "waiting", "all", float(waiting[k])))
    staffed_total = np.zeros(count)
    busy_total = np.zeros(count)
    for number, pool in enumerate(scenario.staff):
        busy = busy_time(tables, number, bounds) / clock.interval
        staffed = _pool_time(tables.duty_pool, tables.duty_start, tables.duty_end, number, bounds) / clock.interval
        staffed_total += staffed
        busy_total += busy
        for k in range(first, count):
            rows.extend([(k, "staffed", f"pool:{pool.name}", float(staffed[k])),
                         (k, "busy", f"pool:{pool.name}", float(busy[k]))])
    for k in range(first, count):
        rows.extend([(k, "staffed", "all", float(staffed_total[k])), (k, "busy", "all", float(busy_total[k]))])
    return rows
