"""The ``service_level`` and ``targets`` sections: how service level is measured, and what each KPI must reach.

Service-level thresholds can be given in two places that must agree: the ``service_level`` section
(a default for real-time channels, per channel, per segment, and short abandons) and the ``within`` of
a service-level target, which sets the threshold of the target's scope. Everything is resolved here
into one :class:`~simulator.scenario.model.ServiceLevel`, so the metrics read one threshold per
channel (and per segment or demand stream that has its own).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from simulator.kpis import (DEFAULT_SERVICE_LEVEL_THRESHOLD, DEFERRABLE_KPIS, KPI_BY_NAME, REAL_TIME_KPIS,
                            TARGET_ALIASES, scope_kind)
from simulator.scenario.model import ServiceLevel, Target
from simulator.scenario.reader import MISSING, Invalid, Node, duration, number, positive_duration, share
from simulator.units import format_duration

SCOPE_KINDS = ("channel", "segment", "demand", "pool", "step", "automation")
SCOPE_HELP = ("all, channel:<name>, segment:<name>, demand:<name>, pool:<name>, step:<process>.<step> or "
              "automation:<name>")


@dataclass
class Names:
    """The names a scenario file gives, read from the YAML itself (so one broken entry does not make
    every reference to it look wrong)."""

    channels: set[str] = field(default_factory=set)
    deferrable: set[str] = field(default_factory=set)
    segments: set[str] = field(default_factory=set)
    demand: set[str] = field(default_factory=set)
    pools: set[str] = field(default_factory=set)
    automation: set[str] = field(default_factory=set)
    steps: set[str] = field(default_factory=set)       # "<process>.<step>"

    def scopes(self) -> set[str]:
        return ({"all"} | {f"channel:{c}" for c in self.channels} | {f"segment:{s}" for s in self.segments}
                | {f"demand:{d}" for d in self.demand} | {f"pool:{p}" for p in self.pools}
                | {f"step:{s}" for s in self.steps} | {f"automation:{a}" for a in self.automation})


@dataclass
class _Measured:
    """The ``service_level`` section as written, before targets add their thresholds."""

    default: float | None = None
    channels: dict[str, float] = field(default_factory=dict)
    scopes: dict[str, float] = field(default_factory=dict)
    short_abandon: float = 0.0
    where: dict[str, Node] = field(default_factory=dict)   # slot -> the node that set it


def scope(value: Any) -> str:
    """A scope: ``all`` or ``<kind>:<name>``."""
    if value == "all" or (isinstance(value, str) and ":" in value and value.split(":", 1)[0] in SCOPE_KINDS
                          and value.split(":", 1)[1]):
        return value
    raise Invalid(f"must be {SCOPE_HELP}, got {value!r}")


def read_service_level(node: Node) -> _Measured:
    measured = _Measured()
    if node.value in (MISSING, None) or not node.expect_map(
            "a mapping with within, channels, segments and short_abandon"):
        return measured
    node.check_keys({"within": "threshold for real-time channels not listed under channels",
                     "channels": "channel: threshold", "segments": "segment: threshold of its own",
                     "short_abandon": "abandons within this long are left out of service level"})
    if "within" in node.value:
        measured.default = node.read("within", positive_duration)
        measured.where["all"] = node.child("within")
        hint_bare_threshold(node.child("within"))
    for key, prefix, into in (("channels", "channel", measured.channels), ("segments", "segment", measured.scopes)):
        child = node.child(key)
        if child.value in (MISSING, None) or not child.expect_map(f"a mapping of {prefix} names to thresholds"):
            continue
        for name, entry in child.items():
            minutes = entry.parse(positive_duration)
            if minutes is not None:
                into[name if prefix == "channel" else f"segment:{name}"] = minutes
                measured.where[f"{prefix}:{name}"] = entry
                hint_bare_threshold(entry)
    measured.short_abandon = node.read("short_abandon", duration, 0.0) or 0.0
    return measured


def hint_bare_threshold(node: Node) -> None:
    """A threshold written as a bare number means minutes; above 5 it is more likely seconds meant."""
    value = node.value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 5:
        node.warn(f"{value:g} means {value:g} minutes (minutes unless a unit is given); did you mean "
                  f"\"{value:g}s\"? Write \"{value:g}min\" to keep minutes")


def read_targets(node: Node) -> list[tuple[Target, Node, bool]]:
    """Each target with its node and whether ``within`` was written; the mapping form (``kpi: {...}``)
    and the list form (``- {kpi: ..., ...}``, several per KPI) alike."""
    if node.value in (MISSING, None):
        return []
    if isinstance(node.value, list):
        entries = [(element, None) for element in node.elements()]
    elif node.expect_map("a mapping of KPI names to {at_least | at_most, scope}, or a list of "
                         "{kpi, at_least | at_most, scope}"):
        entries = [(entry, key) for key, entry in node.items()]
    else:
        return []
    targets = []
    for entry, key in entries:
        read = _read_target(entry, key)
        if read is not None:
            targets.append(read)
    return targets


def _read_target(entry: Node, key: str | None) -> tuple[Target, Node, bool] | None:
    what = "a mapping with at_least or at_most" if key is not None else \
        "a mapping with kpi and at_least or at_most (and scope, within)"
    if not entry.expect_map(what):
        return None
    if key is None:
        name = entry.read("kpi", lambda v: v if isinstance(v, str) and v else _bad_kpi(v))
        if name is None:
            return None
        kpi_node = entry.child("kpi")
    else:
        name, kpi_node = key, entry
    kpi = TARGET_ALIASES.get(name, name)
    if kpi not in KPI_BY_NAME:
        names = list(KPI_BY_NAME) + list(TARGET_ALIASES)
        close = difflib.get_close_matches(name, names, n=1)
        kpi_node.problem(f"unknown KPI; did you mean '{close[0]}'?" if close else
                         f"unknown KPI; expected one of {', '.join(names)}")
        return None
    known = {"at_least": "lowest acceptable value", "at_most": "highest acceptable value", "scope": SCOPE_HELP}
    if key is None:
        known["kpi"] = "the KPI (servicesim kpis lists them)"
    if kpi == "service_level":
        known["within"] = "the service-level threshold of the scope (e.g. 20s)"
    entry.check_keys(known)
    directions = [d for d in ("at_least", "at_most") if d in entry.value]
    if len(directions) != 1:
        entry.problem("needs exactly one of at_least or at_most")
        return None
    within = None
    if kpi == "service_level" and "within" in entry.value:
        within = entry.read("within", positive_duration)
        hint_bare_threshold(entry.child("within"))
    kind = KPI_BY_NAME[kpi].kind
    bound_parser = share if kind == "share" else (duration if kind == "duration" else number(0))
    bound = entry.read(directions[0], bound_parser)
    where = entry.read("scope", scope, "all")
    if bound is None or where is None:
        return None
    if scope_kind(where) not in KPI_BY_NAME[kpi].scopes:
        entry.child("scope").problem(
            f"{kpi} is measured in scopes {', '.join(sorted(KPI_BY_NAME[kpi].scopes))}, not {scope_kind(where)}")
        return None
    return Target(kpi, bound, directions[0], where, within), entry, within is not None


def _bad_kpi(value: Any) -> str:
    raise Invalid(f"must name a KPI (servicesim kpis lists them), got {value!r}")


def check_target_scopes(targets: list[tuple[Target, Node, bool]], names: Names) -> None:
    """Every target names a scope the scenario has, and a KPI that means something there."""
    known = names.scopes()
    for target, entry, _ in targets:
        if target.scope not in known:
            close = difflib.get_close_matches(target.scope, sorted(known), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"expected one of {', '.join(sorted(known))}"
            entry.child("scope").problem(f"names nothing in this scenario; {hint}")
            continue
        kind, _, name = target.scope.partition(":")
        if kind == "channel" and name in names.deferrable and target.kpi in REAL_TIME_KPIS:
            entry.problem(f"{target.kpi} is for real-time channels; {name} is deferrable: judge it by "
                          "response_within_target, response_time_mean or backlog_end")
        elif kind == "channel" and name not in names.deferrable and target.kpi in DEFERRABLE_KPIS:
            entry.problem(f"{target.kpi} is for deferrable channels; {name} is real-time")


def resolve_service_level(measured: _Measured, targets: list[tuple[Target, Node, bool]],
                          names: Names) -> tuple[ServiceLevel, tuple[Target, ...]]:
    """One threshold per channel (and per segment or demand stream with its own), from the section and
    the targets; the targets with the threshold that applies to their scope."""
    slots: dict[str, float | None] = {"all": measured.default}
    slots.update({f"channel:{c}": t for c, t in measured.channels.items()})
    slots.update(measured.scopes)
    where = dict(measured.where)
    for name in measured.channels:
        if name in names.deferrable:
            where[f"channel:{name}"].problem("a deferrable channel has no service level; it is judged by "
                                             "response_within_target and backlog_end")
        elif names.channels and name not in names.channels:
            where[f"channel:{name}"].problem(f"names no channel; expected one of {', '.join(sorted(names.channels))}")
    for name in measured.scopes:
        kind, _, bare = name.partition(":")
        if bare not in names.segments:
            where[name].problem(f"names no segment; expected one of {', '.join(sorted(names.segments)) or 'none'}")
    for target, entry, explicit in targets:
        if target.kpi != "service_level":
            continue
        kind = scope_kind(target.scope)
        if kind == "step":
            if explicit:
                entry.child("within").problem("a step's service level uses each contact's channel threshold; "
                                              "set thresholds under service_level.channels")
            continue
        if not explicit:
            continue
        slot = target.scope
        if slot in slots and slots[slot] is not None and abs(slots[slot] - target.within) > 1e-9:
            entry.child("within").problem(
                f"{format_duration(target.within)} disagrees with the threshold already set for {slot} "
                f"({format_duration(slots[slot])}); give each scope one threshold")
            continue
        slots[slot] = target.within
    # a target with no threshold anywhere for its scope gets the industry's default, 20 s
    for target, _, explicit in targets:
        if target.kpi == "service_level" and not explicit and scope_kind(target.scope) != "step" \
                and not _measured_somewhere(slots, target.scope):
            slots[target.scope if scope_kind(target.scope) == "channel" else "all"] = DEFAULT_SERVICE_LEVEL_THRESHOLD
    service_level = ServiceLevel(
        default=slots["all"],
        channels=tuple((key.split(":", 1)[1], value) for key, value in slots.items()
                       if key.startswith("channel:") and value is not None),
        scopes=tuple((key, value) for key, value in slots.items()
                     if key.startswith(("segment:", "demand:")) and value is not None),
        short_abandon=measured.short_abandon)
    resolved = []
    for target, _, _ in targets:
        if target.kpi == "service_level" and scope_kind(target.scope) != "step":
            target = Target(target.kpi, target.bound, target.direction, target.scope,
                            _effective(slots, target.scope))
        resolved.append(target)
    return service_level, tuple(resolved)


def _measured_somewhere(slots: dict[str, float | None], where: str) -> bool:
    """A scope's service level has a threshold to use: its own, the default, or (a mixed scope) some
    channel's."""
    if slots.get(where) is not None or slots.get("all") is not None:
        return True
    return scope_kind(where) != "channel" and any(v is not None for k, v in slots.items() if k.startswith("channel:"))


def _effective(slots: dict[str, float | None], where: str) -> float | None:
    """The one threshold that applies to a whole scope: its own, else (a channel) the default; None for
    a mixed scope without its own (each contact is judged by its channel's threshold)."""
    if slots.get(where) is not None:
        return slots[where]
    return slots.get("all") if scope_kind(where) == "channel" else None
