"""The queueing formula a planner would use, beside the simulation, where one applies.

For each real-time channel whose contacts form one Markovian queue, the run shows what Erlang B, C, A
or X (with the channel's lines, patience, balking and redials) predicts for its blocked, balked and
abandoned shares, its speed of answer and its service level, beside the simulated estimate. Where the
two agree, the simulation is seen to reproduce the planner's formula; where the scenario departs from
the formula's assumptions (and the formula is not shown), the simulation is the only answer.

A channel qualifies when: its contacts arrive at one steady rate all day (no profile, no forecast
uncertainty, no appointments), all follow one single-step process done by people with one skill that
no other contacts need; every pool with that skill has it as a primary skill, at one level, on duty
all the time (no shifts, breaks, shrinkage, activities, adherence lapses or training) and dedicated to
no segment; segments do not change the order of service or patience; the step's time is exponential
(or, with as many lines as agents, anything: Erlang B does not depend on it) with no after-call work,
errors or containment; the patience, if any, is exponential; no call backs or chats. The formula is
the steady state: the simulated day starts empty, so a short day or no warm-up reads low.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from simulator.queueing import erlang_x
from simulator.scenario.model import Scenario

# what each formula predicts, in the simulator's KPI names
FORMULA_KPIS = ("block_rate", "balk_rate", "abandon_rate", "wait_mean", "service_level")


@dataclass(frozen=True)
class FormulaCheck:
    """A formula's prediction for one channel: its name, the inputs, and its value per KPI."""

    channel: str
    formula: str            # Erlang B, Erlang C, Erlang A or Erlang X
    inputs: str             # the numbers it used, in words
    values: dict[str, float] = field(default_factory=dict)


def beside_the_run(scenario: Scenario, summary) -> list[tuple[FormulaCheck, dict[str, tuple[float, ...]]]]:
    """Each channel's formula with, per KPI it predicts, (formula, simulated mean, CI low, CI high) from
    the run's ``summary`` (its channel scope; a Table or a DataFrame)."""
    from simulator.analysis import estimates as estimates_of

    estimates = estimates_of(summary)
    pairs = []
    for check in formula_checks(scenario):
        rows = {}
        for metric, value in check.values.items():
            key = (metric, f"channel:{check.channel}")
            if key in estimates:
                rows[metric] = (value, *estimates[key])
        if rows:
            pairs.append((check, rows))
    return pairs


def formula_checks(scenario: Scenario) -> list[FormulaCheck]:
    """The formula beside each channel for which one applies (see the module's docstring)."""
    checks = []
    for channel in scenario.channels:
        check = _channel_check(scenario, channel.name)
        if check is not None:
            checks.append(check)
    return checks


def _channel_check(scenario: Scenario, name: str) -> FormulaCheck | None:
    channel = scenario.channel(name)
    streams = [d for d in scenario.demand if d.channel == name]
    if (not streams or channel.deferrable or channel.concurrency > 1 or channel.callback_above is not None
            or len({d.process for d in streams}) != 1 or scenario.training):
        return None
    if any(d.backlog or d.arrivals.appointments is not None or d.arrivals.uncertainty or d.arrivals.by_weekday
           or d.arrivals.by_date or d.arrivals.exact or len(set(d.arrivals.per_hour)) != 1 for d in streams):
        return None
    steps = scenario.process(streams[0].process).steps
    if len(steps) != 1:
        return None
    step = steps[0]
    if (step.skill is None or step.probability < 1 or step.error_rate or step.branch or step.duration_factors
            or step.after_call_work is not None):
        return None
    if any(other.skill == step.skill for process in scenario.processes if process.name != streams[0].process
           for other in process.steps):
        return None
    pools = [pool for pool in scenario.staff if pool.level(step.skill)]
    if not pools or any(pool.shifts or pool.breaks or pool.shrinkage or pool.activities or pool.segments
                        or pool.adherence.share < 1 or pool.delay(step.skill) is not None for pool in pools):
        return None
    levels = {pool.level(step.skill) for pool in pools}
    if len(levels) != 1 or len({s.priority for s in scenario.segments}) > 1 or len(
            {s.patience_factor for s in scenario.segments}) > 1:
        return None
    servers = sum(pool.headcount for pool in pools)
    level = levels.pop()
    speed = next(known.speed for known in scenario.skill_levels if known.level == level)
    if servers == 0 or speed <= 0:
        return None
    lines = channel.lines
    erlang_b = lines is not None and lines <= servers
    if step.duration.family != "exponential" and not erlang_b:
        return None   # nobody waits with as many lines as agents: Erlang B holds for any handling time
    patience = channel.patience if not erlang_b else None   # nobody waits, so nobody abandons
    if patience is not None and patience.family != "exponential":
        return None
    factor = scenario.segments[0].patience_factor if scenario.segments else 1.0
    theta = 1 / (patience.mean * factor) if patience is not None else 0.0
    redial = channel.retrial_share if channel.retrial_share and (lines is not None or patience is not None
                                                                 or channel.balk_at is not None
                                                                 or channel.balk_shares) else 0.0
    rate = sum(d.arrivals.per_hour[0] for d in streams) / 60
    mean = step.duration.mean / speed
    threshold = scenario.threshold(name)
    balks = not erlang_b and (channel.balk_at is not None or bool(channel.balk_shares))   # only who must wait
    joins = (lambda waiting: 1 - channel.balk_chance(waiting)) if balks else None
    values = erlang_x(rate, 1 / mean, servers, lines, theta, redial, threshold, joins)
    if not values:
        return None
    formula = ("Erlang B" if erlang_b and not redial else "Erlang C" if lines is None and not theta and not joins
               and not redial else "Erlang A" if lines is None and theta and not joins and not redial else "Erlang X")
    modelled = {"block_rate": lines is not None, "balk_rate": balks, "abandon_rate": bool(theta),
                "wait_mean": not erlang_b, "service_level": threshold is not None}
    values = {kpi: values[kpi] for kpi in FORMULA_KPIS if kpi in values and modelled[kpi]}
    if scenario.service_level.short_abandon:
        values.pop("service_level", None)   # the simulation leaves short abandons out; the formula cannot
    parts = [f"{rate * 60:g} an hour", f"{servers} agents", f"mean handling {mean:g} min"]
    if lines is not None:
        parts.append(f"{lines} lines")
    if theta:
        parts.append(f"mean patience {1 / theta:g} min")
    if joins:
        parts.append("balking")
    if redial:
        parts.append(f"{redial:.0%} try again")
    if not math.isfinite(values.get("wait_mean", 0.0)):
        return None
    return FormulaCheck(name, formula, ", ".join(parts), values)
